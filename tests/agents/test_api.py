"""The REST twin of every agent and ops page: the happy paths, with session or token auth."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agents.models import AgentProfile, AgentStatus, ClaimStatus, ShiftSlot
from agents.roles import OPS
from tests.factories import AgentProfileFactory, ShiftSlotFactory, agent_on_shift, queued_conversation, user_with_role
from tickets.models import Message, SenderKind, Status


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


SIGNUP = {
    "username": "ola",
    "password": "a-long-Passphrase-7",
    "name": "Ola Nordmann",
    "email": "ola@example.com",
    "country": "NO",
    "time_zone": "Europe/Oslo",
    "languages": ["en"],
    "skills": ["cards"],
}


@pytest.mark.django_db
def test_sign_up_over_the_api_then_ops_approve_over_the_api():
    response = APIClient().post("/api/agents/signup", SIGNUP, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "applied"
    profile = AgentProfile.objects.get(user__username="ola")

    ops = client_for(user_with_role(OPS))
    listed = ops.get("/api/ops/applicants/").json()
    assert [row["username"] for row in listed] == ["ola"]
    decided = ops.post(f"/api/ops/applicants/{profile.pk}/decide", {"decision": "approve", "note": "ok"}, format="json")
    assert decided.status_code == 200
    assert decided.json()["status"] == "approved"
    assert ops.get("/api/ops/applicants/").json() == []
    assert len(ops.get("/api/ops/applicants/?status=all").json()) == 1


@pytest.mark.django_db
def test_a_bad_sign_up_gets_field_errors_and_creates_nothing():
    response = APIClient().post("/api/agents/signup", {**SIGNUP, "time_zone": "Nowhere/Land"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "application_invalid"
    assert "time_zone" in body["errors"]
    assert not AgentProfile.objects.exists()
    assert APIClient().post("/api/agents/signup", {**SIGNUP, "languages": "en"}, format="json").status_code == 400


@pytest.mark.django_db
def test_me_shows_the_agents_day():
    profile = agent_on_shift()
    body = client_for(profile.user).get("/api/agents/me").json()
    assert body["profile"]["display_name"] == profile.display_name
    assert body["presence"]["online"] is True
    assert body["current_claim"] is not None
    assert body["earnings"]["currency"]
    assert body["payout_account"]["status"] == "not_connected"


@pytest.mark.django_db
def test_shift_marketplace_lists_only_eligible_slots_and_claims_and_cancels():
    profile = AgentProfileFactory(languages=["en"], skills=["cards"])
    starts = timezone.now() + timedelta(days=2)
    mine = ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=4), languages=["en"], seats=2)
    ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=4), languages=["de"])
    ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=4), skills=["security_fraud"])
    client = client_for(profile.user)

    slots = client.get("/api/shifts/").json()
    assert [s["id"] for s in slots] == [mine.pk]
    assert slots[0]["seats_left"] == 2 and slots[0]["my_claim_id"] is None

    claimed = client.post(f"/api/shifts/{mine.pk}/claim")
    assert claimed.status_code == 201
    assert client.get("/api/shifts/").json()[0]["my_claim_id"] == claimed.json()["id"]
    again = client.post(f"/api/shifts/{mine.pk}/claim")
    assert (again.status_code, again.json()["error"]) == (409, "shift_overlap")

    cancelled = client.post(f"/api/shifts/claims/{claimed.json()['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == ClaimStatus.CANCELLED
    assert [c["status"] for c in client.get("/api/shifts/claims/").json()] == ["cancelled"]


@pytest.mark.django_db
def test_presence_online_heartbeat_offline():
    profile = AgentProfileFactory()
    client = client_for(profile.user)
    refused = client.post("/api/presence/online")
    assert (refused.status_code, refused.json()["error"]) == (409, "not_on_shift")
    client.post(f"/api/shifts/{ShiftSlotFactory().pk}/claim")
    assert client.post("/api/presence/online").json()["online"] is True
    assert client.post("/api/presence/heartbeat").json()["online"] is True
    assert client.post("/api/presence/offline").json()["online"] is False


@pytest.mark.django_db
def test_queue_take_reply_release_and_resolve_over_the_api():
    profile = agent_on_shift()
    first = queued_conversation(handover_summary={"request": "Refund of €89.90 from Zalando", "sentiment": "upset"})
    second = queued_conversation()
    client = client_for(profile.user)

    listing = client.get("/api/queue/").json()
    assert listing["counts"]["total"] == 2
    packet = listing["tickets"][0]
    assert packet["id"] == first.pk and packet["request"] == "Refund of €89.90 from Zalando"
    assert "messages" not in packet, "no transcript before claiming"

    taken = client.post("/api/queue/take-next")
    assert taken.status_code == 200 and taken.json()["id"] == first.pk
    assert client.post(f"/api/queue/{second.pk}/take").json()["id"] == second.pk
    assert [c["id"] for c in client.get("/api/my/conversations/").json()] == [first.pk, second.pk]

    detail = client.get(f"/api/my/conversations/{first.pk}/").json()
    assert detail["handover_summary"]["request"].startswith("Refund")
    assert "solved" in detail["resolution_codes"]
    draft = client.get(f"/api/my/conversations/{first.pk}/draft").json()
    assert draft["draft"]
    assert not Message.objects.filter(conversation=first, sender_kind=SenderKind.AGENT).exists(), "never auto-sent"

    sent = client.post(
        f"/api/my/conversations/{first.pk}/messages",
        {"client_msg_id": "m-1", "body": "Hi! My card is 4111 1111 1111 1111"},
        format="json",
    )
    assert sent.status_code == 201
    assert "4111 1111 1111 1111" not in sent.json()["body"], "redacted"
    resent = client.post(
        f"/api/my/conversations/{first.pk}/messages", {"client_msg_id": "m-1", "body": "Hi!"}, format="json"
    )
    assert resent.status_code == 200 and resent.json()["seq"] == sent.json()["seq"]
    messages = client.get(f"/api/my/conversations/{first.pk}/messages?after_seq=0").json()
    assert messages["last_seq"] == sent.json()["seq"]

    released = client.post(f"/api/my/conversations/{second.pk}/release", {"note": "needs German"}, format="json")
    assert released.json()["status"] == Status.QUEUED
    resolved = client.post(f"/api/my/conversations/{first.pk}/resolve", {"resolution_code": "solved"}, format="json")
    assert resolved.json()["status"] == Status.RESOLVED
    first.refresh_from_db()
    assert first.resolution_code == "solved"


@pytest.mark.django_db
def test_token_authentication_works_for_the_agent_api():
    profile = agent_on_shift()
    token = Token.objects.create(user=profile.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    queued_conversation()
    assert client.get("/api/queue/").status_code == 200
    assert client.post("/api/queue/take-next").status_code == 200


@pytest.mark.django_db
def test_ops_publish_and_edit_slots_over_the_api():
    ops = client_for(user_with_role(OPS))
    starts = timezone.now() + timedelta(days=1)
    created = ops.post(
        "/api/ops/slots/",
        {
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=4)).isoformat(),
            "languages": ["en", "sv"],
            "skills": [],
            "seats": 3,
            "pay_multiplier": "1.50",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    slot_id = created.json()["id"]
    edited = ops.patch(f"/api/ops/slots/{slot_id}", {"seats": 5}, format="json")
    assert edited.status_code == 200 and edited.json()["seats"] == 5
    assert ShiftSlot.objects.get(pk=slot_id).languages == ["en", "sv"]
    bad = ops.patch(f"/api/ops/slots/{slot_id}", {"pay_multiplier": "0.50"}, format="json")
    assert bad.status_code == 400
    assert [s["id"] for s in ops.get("/api/ops/slots/").json()] == [slot_id]


@pytest.mark.django_db
def test_the_schema_documents_every_agent_endpoint(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in [
        "/api/agents/signup",
        "/api/agents/me",
        "/api/shifts/",
        "/api/shifts/{slot_id}/claim",
        "/api/shifts/claims/{claim_id}/cancel",
        "/api/presence/online",
        "/api/presence/offline",
        "/api/presence/heartbeat",
        "/api/queue/",
        "/api/queue/take-next",
        "/api/queue/{conversation_id}/take",
        "/api/queue/offers/",
        "/api/my/conversations/",
        "/api/my/conversations/{conversation_id}/messages",
        "/api/my/conversations/{conversation_id}/release",
        "/api/my/conversations/{conversation_id}/resolve",
        "/api/ops/applicants/",
        "/api/ops/applicants/{profile_id}/decide",
        "/api/ops/slots/",
        "/api/ops/slots/{slot_id}",
    ]:
        assert path in schema["paths"], path
    assert schema["paths"]["/api/queue/take-next"]["post"]["responses"].keys() >= {"200", "409"}
    assert AgentStatus.APPLIED in str(schema["paths"]["/api/ops/applicants/"])
