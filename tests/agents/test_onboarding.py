"""Applying to be an agent, and ops approving or rejecting the application."""

import pytest
from django.contrib.auth import get_user_model

from agents.exceptions import ApplicationAlreadyDecided, ApplicationInvalid
from agents.models import AgentProfile, AgentStatus, Presence
from agents.roles import AGENT, OPS, has_role
from agents.services.onboarding import agent_apply, agent_decide
from tests.factories import AgentProfileFactory, user_with_role

GOOD = {
    "username": "freja",
    "password": "a-long-Passphrase-7",
    "display_name": "Freja Berg",
    "email": "freja@example.com",
    "country": "se",
    "time_zone": "Europe/Stockholm",
    "languages": ["sv", "en", "sv"],
    "skills": ["cards", "payments"],
    "address": "Storgatan 1, Umeå",
    "tax_id": "SE199001011234",
}


@pytest.mark.django_db
def test_an_applicant_gets_an_agent_account_with_an_applied_profile():
    profile = agent_apply(**GOOD)
    assert profile.status == AgentStatus.APPLIED
    assert (profile.country, profile.timezone) == ("SE", "Europe/Stockholm")
    assert profile.languages == ["sv", "en"]
    assert profile.user.check_password(GOOD["password"])
    assert has_role(profile.user, AGENT)
    assert not has_role(profile.user, OPS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", ""),
        ("country", "XX"),
        ("country", "Sweden"),
        ("languages", []),
        ("languages", ["klingon"]),
        ("skills", ["juggling"]),
        ("email", "not-an-email"),
        ("display_name", "  "),
        ("password", "123"),
        ("username", "bad name!"),
    ],
)
def test_a_bad_application_is_refused_and_creates_nothing(field, value):
    with pytest.raises(ApplicationInvalid) as caught:
        agent_apply(**{**GOOD, field: value})
    assert caught.value.code == "application_invalid"
    assert caught.value.errors
    assert not get_user_model().objects.filter(username=GOOD["username"]).exists()
    assert not AgentProfile.objects.exists()


@pytest.mark.django_db
def test_a_taken_username_is_refused():
    agent_apply(**GOOD)
    with pytest.raises(ApplicationInvalid) as caught:
        agent_apply(**{**GOOD, "username": "FREJA", "email": "other@example.com"})
    assert "username" in caught.value.errors
    assert AgentProfile.objects.count() == 1


@pytest.mark.django_db
def test_ops_approves_an_application_with_a_note():
    profile = agent_apply(**GOOD)
    ops = user_with_role(OPS)
    decided = agent_decide(profile=profile, decided_by=ops, approve=True, note="Great languages")
    assert decided.status == AgentStatus.APPROVED
    assert (decided.decided_by, decided.decision_note) == (ops, "Great languages")
    assert decided.decided_at is not None
    assert Presence.objects.filter(agent=decided, online=False).exists()


@pytest.mark.django_db
def test_ops_rejects_an_application_and_it_cannot_be_decided_twice():
    profile = AgentProfileFactory(status=AgentStatus.APPLIED)
    ops = user_with_role(OPS)
    agent_decide(profile=profile, decided_by=ops, approve=False, note="No tax id")
    with pytest.raises(ApplicationAlreadyDecided):
        agent_decide(profile=profile, decided_by=ops, approve=True)
    profile.refresh_from_db()
    assert profile.status == AgentStatus.REJECTED
