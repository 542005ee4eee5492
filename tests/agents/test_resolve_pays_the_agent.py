"""Resolving from the workspace ends the chat with a CSAT prompt and credits the agent (payouts)."""

import pytest
from rest_framework.test import APIClient

from payouts.models import EntryKind, LedgerEntry
from tests.factories import agent_on_shift, queued_conversation
from tests.payouts.factories import RateCardFactory
from tickets.models import Status


@pytest.mark.django_db
def test_resolving_over_the_api_creates_one_earning_shown_on_my_day():
    RateCardFactory(default_base_minor=300, rates={"refunds_disputes": 500})
    profile = agent_on_shift()
    ticket = queued_conversation(category="refunds_disputes")
    client = APIClient()
    client.force_login(profile.user)
    client.post(f"/api/queue/{ticket.pk}/take")
    resolved = client.post(
        f"/api/my/conversations/{ticket.pk}/resolve", {"resolution_code": "refund_issued"}, format="json"
    )
    assert resolved.json()["status"] == Status.RESOLVED

    entry = LedgerEntry.objects.get(conversation=ticket, kind=EntryKind.CASE_RESOLUTION)
    assert entry.agent_id == profile.user_id and entry.amount_minor == 500
    earnings = client.get("/api/agents/me").json()["earnings"]
    assert earnings["today_minor"] == 500 and earnings["pending_minor"] == 500
    assert client.get("/api/agents/me").json()["resolved_today"] == 1
    again = client.post(f"/api/my/conversations/{ticket.pk}/resolve", {"resolution_code": "solved"}, format="json")
    assert again.status_code == 403, "resolved cases are no longer the agent's to touch"
    assert LedgerEntry.objects.filter(conversation=ticket).count() == 1
