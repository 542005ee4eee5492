"""Every agent endpoint refuses the wrong person, and a refusal changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agents.models import AgentStatus, ClaimStatus, OfferStatus, ShiftClaim, TicketOffer
from agents.roles import FINANCE, OPS
from agents.services.shifts import shift_claim
from tests.factories import AgentProfileFactory, ShiftSlotFactory, agent_on_shift, queued_conversation, user_with_role
from tickets.models import Message, Status
from tickets.services.claims import claim_ticket

AGENT_ENDPOINTS = [
    ("get", "/api/agents/me"),
    ("get", "/api/shifts/"),
    ("get", "/api/shifts/claims/"),
    ("post", "/api/presence/online"),
    ("post", "/api/presence/offline"),
    ("post", "/api/presence/heartbeat"),
    ("get", "/api/queue/"),
    ("post", "/api/queue/take-next"),
    ("get", "/api/queue/offers/"),
    ("get", "/api/my/conversations/"),
]
OPS_ENDPOINTS = [("get", "/api/ops/applicants/"), ("get", "/api/ops/slots/"), ("post", "/api/ops/slots/")]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), AGENT_ENDPOINTS + OPS_ENDPOINTS)
def test_anonymous_callers_are_refused(method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [OPS, FINANCE])
@pytest.mark.parametrize(("method", "path"), AGENT_ENDPOINTS)
def test_staff_without_the_agent_role_cannot_use_agent_endpoints(role, method, path):
    response = getattr(client_for(user_with_role(role)), method)(path)
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), OPS_ENDPOINTS)
def test_agents_cannot_use_ops_endpoints(method, path):
    response = getattr(client_for(agent_on_shift().user), method)(path, {}, format="json")
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_agent_role_without_a_profile_is_told_to_apply():
    response = client_for(user_with_role("agent")).get("/api/agents/me")
    assert (response.status_code, response.json()["error"]) == (403, "not_an_agent")


@pytest.mark.django_db
def test_an_applicant_cannot_see_the_queue_take_tickets_or_claim_shifts():
    applicant = AgentProfileFactory(status=AgentStatus.APPLIED)
    ticket = queued_conversation()
    slot = ShiftSlotFactory()
    client = client_for(applicant.user)
    for method, path in [
        ("get", "/api/queue/"),
        ("post", "/api/queue/take-next"),
        ("post", f"/api/queue/{ticket.pk}/take"),
        ("post", f"/api/shifts/{slot.pk}/claim"),
        ("post", "/api/presence/online"),
    ]:
        response = getattr(client, method)(path)
        assert (response.status_code, response.json()["error"]) == (403, "agent_not_approved"), path
    ticket.refresh_from_db()
    slot.refresh_from_db()
    assert (ticket.status, slot.seats_taken) == (Status.QUEUED, 0)
    assert client.get("/api/agents/me").status_code == 200, "an applicant still sees their own status"


@pytest.mark.django_db
def test_an_agent_cannot_touch_another_agents_conversation():
    owner, other = agent_on_shift(), agent_on_shift()
    ticket = queued_conversation()
    claim_ticket(agent=owner.user, conversation=ticket)
    client = client_for(other.user)
    base = f"/api/my/conversations/{ticket.pk}"
    for method, path, data in [
        ("get", f"{base}/", None),
        ("get", f"{base}/messages", None),
        ("get", f"{base}/draft", None),
        ("post", f"{base}/messages", {"client_msg_id": "x", "body": "I am not your agent"}),
        ("post", f"{base}/release", {"note": "mine now"}),
        ("post", f"{base}/resolve", {"resolution_code": "solved"}),
    ]:
        response = getattr(client, method)(path, data, format="json")
        assert (response.status_code, response.json()["error"]) == (403, "not_your_ticket"), path
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_agent_id) == (Status.ASSIGNED, owner.user_id)
    assert not Message.objects.filter(conversation=ticket, body__contains="not your agent").exists()
    taken = client.post(f"/api/queue/{ticket.pk}/take")
    assert (taken.status_code, taken.json()["error"]) == (409, "ticket_already_claimed")


@pytest.mark.django_db
def test_a_released_conversation_is_no_longer_the_agents():
    profile = agent_on_shift()
    ticket = queued_conversation()
    client = client_for(profile.user)
    client.post(f"/api/queue/{ticket.pk}/take")
    client.post(f"/api/my/conversations/{ticket.pk}/release", {"note": ""}, format="json")
    response = client.post(
        f"/api/my/conversations/{ticket.pk}/messages", {"client_msg_id": "late", "body": "hello?"}, format="json"
    )
    assert response.status_code == 403
    again = client.post(f"/api/queue/{ticket.pk}/take")
    assert (again.status_code, again.json()["error"]) == (403, "not_your_ticket"), "released tickets are not re-offered"


@pytest.mark.django_db
def test_resolving_with_an_unknown_code_is_refused_and_changes_nothing():
    profile = agent_on_shift()
    ticket = queued_conversation()
    client = client_for(profile.user)
    client.post(f"/api/queue/{ticket.pk}/take")
    response = client.post(f"/api/my/conversations/{ticket.pk}/resolve", {"resolution_code": "whatever"}, format="json")
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED and ticket.resolution_code == ""


@pytest.mark.django_db
def test_malformed_input_gets_a_clear_error():
    profile = agent_on_shift()
    ticket = queued_conversation()
    client = client_for(profile.user)
    client.post(f"/api/queue/{ticket.pk}/take")
    base = f"/api/my/conversations/{ticket.pk}"
    assert client.post(f"{base}/messages", "{not json", content_type="application/json").status_code == 400
    assert client.post(f"{base}/messages", {"body": "no id"}, format="json").status_code == 400
    too_long = client.post(f"{base}/messages", {"client_msg_id": "l", "body": "x" * 10_000}, format="json")
    assert too_long.status_code == 400
    assert client.get(f"{base}/messages?after_seq=-4").status_code == 400
    assert client.post(f"{base}/release", {"note": "n" * 501}, format="json").status_code == 400
    assert client.post("/api/queue/999999/take").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED and ticket.last_seq == 0


@pytest.mark.django_db
def test_an_agent_cannot_cancel_another_agents_shift():
    owner, other = AgentProfileFactory(), AgentProfileFactory()
    starts = timezone.now() + timedelta(days=2)
    claim = shift_claim(agent=owner.user, slot=ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=2)))
    response = client_for(other.user).post(f"/api/shifts/claims/{claim.pk}/cancel")
    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE
    assert ShiftClaim.objects.filter(agent=other).count() == 0


@pytest.mark.django_db
def test_an_agent_cannot_answer_another_agents_offer():
    owner, other = agent_on_shift(), agent_on_shift()
    ticket = queued_conversation()
    now = timezone.now()
    offer = TicketOffer.objects.create(
        conversation=ticket, agent=owner.user, created_at=now, expires_at=now + timedelta(seconds=20)
    )
    client = client_for(other.user)
    for action in ("accept", "decline"):
        response = client.post(f"/api/queue/offers/{offer.pk}/{action}")
        assert (response.status_code, response.json()["error"]) == (403, "not_your_offer")
    offer.refresh_from_db()
    ticket.refresh_from_db()
    assert offer.status == OfferStatus.OPEN and ticket.status == Status.QUEUED


@pytest.mark.django_db
def test_ops_cannot_decide_an_application_twice_nor_with_a_made_up_decision():
    applicant = AgentProfileFactory(status=AgentStatus.APPLIED)
    client = client_for(user_with_role(OPS))
    bad = client.post(f"/api/ops/applicants/{applicant.pk}/decide", {"decision": "maybe"}, format="json")
    assert bad.status_code == 400
    rejected = client.post(f"/api/ops/applicants/{applicant.pk}/decide", {"decision": "reject"}, format="json")
    assert rejected.status_code == 200
    again = client.post(f"/api/ops/applicants/{applicant.pk}/decide", {"decision": "approve"}, format="json")
    assert (again.status_code, again.json()["error"]) == (409, "application_already_decided")
    applicant.refresh_from_db()
    assert applicant.status == AgentStatus.REJECTED
