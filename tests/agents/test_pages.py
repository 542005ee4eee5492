"""The agent and ops pages: each renders for its role, does its one job, and refuses everyone else."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from agents.models import AgentProfile, AgentStatus, ClaimStatus, Presence, ShiftClaim, ShiftSlot
from agents.roles import FINANCE, OPS
from agents.services.shifts import shift_claim
from tests.factories import AgentProfileFactory, ShiftSlotFactory, agent_on_shift, user_with_role

SIGNUP = {
    "name": "Ingrid Holm",
    "email": "ingrid@example.com",
    "username": "ingrid",
    "password": "a-long-Passphrase-7",
    "country": "SE",
    "time_zone": "Europe/Stockholm",
    "languages": ["sv", "en"],
    "skills": ["cards", "payments"],
    "address": "",
    "tax_id": "",
}


@pytest.mark.django_db
def test_anyone_can_apply_and_lands_on_their_home_with_the_application_pending(client):
    assert client.get(reverse("agents:signup")).status_code == 200
    response = client.post(reverse("agents:signup"), SIGNUP)
    assert response.status_code == 302 and response["Location"] == reverse("agents:home")
    profile = AgentProfile.objects.get(user__username="ingrid")
    assert profile.status == AgentStatus.APPLIED and profile.languages == ["sv", "en"]
    home = client.get(reverse("agents:home")).content.decode()
    assert 'id="application-status"' in home and "applied" in home
    assert client.get(reverse("agents:workspace")).content.decode().count('id="queue-list"') == 0


@pytest.mark.django_db
def test_a_bad_application_shows_the_errors_and_creates_nothing(client):
    response = client.post(reverse("agents:signup"), {**SIGNUP, "time_zone": "Atlantis/Capital", "languages": []})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    weak = client.post(reverse("agents:signup"), {**SIGNUP, "password": "12345"})
    assert weak.status_code == 400
    assert not get_user_model().objects.filter(username="ingrid").exists()


@pytest.mark.django_db
def test_an_approved_agents_home_shows_the_day(client):
    profile = agent_on_shift()
    client.force_login(profile.user)
    html = client.get(reverse("agents:home")).content.decode()
    for marker in [
        'id="earnings-today"',
        'id="reliability-score"',
        'id="resolved-today"',
        'id="go-offline"',
        "not connected",
    ]:
        assert marker in html, marker


@pytest.mark.django_db
def test_going_online_from_home_is_refused_off_shift_and_works_on_shift(client):
    profile = AgentProfileFactory()
    client.force_login(profile.user)
    response = client.post(reverse("agents:presence"), {"online": "1"}, follow=True)
    assert "only go online during a shift" in response.content.decode()
    assert not Presence.objects.filter(agent=profile, online=True).exists()
    shift_claim(agent=profile.user, slot=ShiftSlotFactory())
    client.post(reverse("agents:presence"), {"online": "1"})
    assert Presence.objects.get(agent=profile).online is True
    client.post(reverse("agents:presence"), {"online": "0"})
    assert Presence.objects.get(agent=profile).online is False


@pytest.mark.django_db
def test_the_online_switch_returns_only_to_pages_of_this_site(client):
    profile = AgentProfileFactory()
    client.force_login(profile.user)
    inside = client.post(reverse("agents:presence"), {"online": "0", "next": reverse("agents:workspace")})
    assert inside["Location"] == reverse("agents:workspace")
    outside = client.post(reverse("agents:presence"), {"online": "0", "next": "https://evil.example/phish"})
    assert outside["Location"] == reverse("agents:home")


@pytest.mark.django_db
def test_the_shift_market_shows_eligible_slots_in_the_agents_time_zone_and_claims_and_cancels(client):
    profile = AgentProfileFactory(languages=["en"], timezone="America/New_York")
    starts = (timezone.now() + timedelta(days=2)).replace(hour=14, minute=0, second=0, microsecond=0)
    slot = ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=4), languages=["en"])
    german = ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=4), languages=["de"])
    client.force_login(profile.user)
    html = client.get(reverse("agents:shifts")).content.decode()
    assert f'data-slot="{slot.pk}"' in html and f'data-slot="{german.pk}"' not in html
    new_york = zoneinfo.ZoneInfo("America/New_York")
    local = f"{starts.astimezone(new_york):%H:%M}–{(starts + timedelta(hours=4)).astimezone(new_york):%H:%M}"
    assert local in html and local != "14:00–18:00"
    client.post(reverse("agents:shift_claim", args=[slot.pk]))
    claim = ShiftClaim.objects.get(agent=profile, slot=slot)
    client.post(reverse("agents:shift_cancel", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CANCELLED


@pytest.mark.django_db
def test_an_agent_cannot_cancel_someone_elses_shift_from_the_page(client):
    owner, other = AgentProfileFactory(), AgentProfileFactory()
    claim = shift_claim(agent=owner.user, slot=ShiftSlotFactory(starts_at=timezone.now() + timedelta(days=1)))
    client.force_login(other.user)
    assert client.post(reverse("agents:shift_cancel", args=[claim.pk])).status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE


@pytest.mark.django_db
def test_the_workspace_page_has_the_stable_hooks_for_the_script(client):
    profile = agent_on_shift()
    client.force_login(profile.user)
    html = client.get(reverse("agents:workspace")).content.decode()
    for hook in [
        'id="go-online"',
        'id="queue-list"',
        'id="take-next"',
        'id="draft-reply"',
        'id="send-reply"',
        'id="resolve"',
        'id="resolution-code"',
        'id="handover-summary"',
        'id="conv-tabs"',
        "js/workspace.js",
    ]:
        assert hook in html, hook


@pytest.mark.django_db
def test_ops_approve_an_applicant_from_the_page(client):
    applicant = AgentProfileFactory(status=AgentStatus.APPLIED, display_name="Pia Applicant")
    client.force_login(user_with_role(OPS))
    html = client.get(reverse("agents:ops_applicants")).content.decode()
    assert "Pia Applicant" in html
    client.post(reverse("agents:ops_decide", args=[applicant.pk]), {"decision": "approve", "note": "welcome"})
    applicant.refresh_from_db()
    assert applicant.status == AgentStatus.APPROVED and applicant.decision_note == "welcome"


@pytest.mark.django_db
def test_ops_publish_a_slot_in_their_time_zone_and_edit_it(client):
    client.force_login(user_with_role(OPS))
    response = client.post(
        reverse("agents:ops_shifts"),
        {
            "time_zone": "Europe/Stockholm",
            "starts_at": "2031-01-15T08:00",
            "ends_at": "2031-01-15T12:00",
            "languages": ["sv"],
            "skills": [],
            "seats": "4",
            "pay_multiplier": "1.25",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    slot = ShiftSlot.objects.get()
    assert slot.starts_at == datetime(2031, 1, 15, 7, 0, tzinfo=UTC), "08:00 in Stockholm is 07:00 UTC in winter"
    edit = client.post(
        reverse("agents:ops_shift_edit", args=[slot.pk]),
        {
            "time_zone": "UTC",
            "starts_at": "2031-01-15T07:00",
            "ends_at": "2031-01-15T11:00",
            "languages": ["sv", "en"],
            "seats": "6",
            "pay_multiplier": "1.50",
        },
    )
    assert edit.status_code == 302
    slot.refresh_from_db()
    assert (slot.seats, slot.languages, str(slot.pay_multiplier)) == (6, ["sv", "en"], "1.50")
    bad = client.post(
        reverse("agents:ops_shifts"),
        {
            "time_zone": "UTC",
            "starts_at": "2031-01-15T07:00",
            "ends_at": "2031-01-15T06:00",
            "languages": ["sv"],
            "seats": "4",
            "pay_multiplier": "1.00",
        },
    )
    assert bad.status_code == 400 and ShiftSlot.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", FINANCE])
def test_agents_and_finance_cannot_open_or_post_to_the_ops_pages(client, role):
    client.force_login(user_with_role(role))
    applicant = AgentProfileFactory(status=AgentStatus.APPLIED)
    assert client.get(reverse("agents:ops_applicants")).status_code == 403
    assert client.get(reverse("agents:ops_shifts")).status_code == 403
    assert client.post(reverse("agents:ops_decide", args=[applicant.pk]), {"decision": "approve"}).status_code == 403
    applicant.refresh_from_db()
    assert applicant.status == AgentStatus.APPLIED


@pytest.mark.django_db
@pytest.mark.parametrize("role", [OPS, FINANCE])
def test_staff_cannot_use_the_agent_pages(client, role):
    client.force_login(user_with_role(role))
    for name in ["agents:home", "agents:shifts", "agents:workspace"]:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("agents:presence"), {"online": "1"}).status_code == 403


@pytest.mark.django_db
def test_an_agent_role_without_a_profile_is_told_to_apply(client):
    client.force_login(user_with_role("agent"))
    for name in ["agents:home", "agents:shifts", "agents:workspace"]:
        response = client.get(reverse(name))
        assert response.status_code == 200 and "No agent profile yet" in response.content.decode(), name
