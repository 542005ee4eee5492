"""What the agent sees: the packet before claiming, then transcript, summary, triage and answers after."""

import pytest
from rest_framework.test import APIClient

from tests.factories import agent_on_shift
from tickets.models import SenderKind
from tickets.services.bot import conversation_request_human
from tickets.services.lifecycle import conversation_start
from tickets.services.messages import post_message
from tickets.triage.classifier import get_classifier


@pytest.mark.django_db
def test_a_triaged_handoff_shows_its_packet_before_claiming_and_everything_after(django_capture_on_commit_callbacks):
    get_classifier()  # the real triage model (built once per process)
    profile = agent_on_shift()
    conversation = conversation_start(customer_name="Ada Lovelace")
    with django_capture_on_commit_callbacks(execute=True):  # the triage task runs on commit, as in production
        post_message(
            conversation=conversation,
            sender_kind=SenderKind.CUSTOMER,
            body="I returned my order to Zalando two weeks ago and the refund of 89.90 EUR never came, "
            "card 4111 1111 1111 1111",
        )
    conversation_request_human(conversation=conversation)
    client = APIClient()
    client.force_login(profile.user)

    packet = next(t for t in client.get("/api/queue/").json()["tickets"] if t["id"] == conversation.pk)
    assert "Zalando" in packet["request"] and "4111 1111" not in packet["request"]
    assert packet["intent"] and packet["category"] == "refunds_disputes"
    assert "messages" not in packet and "handover_summary" not in packet

    client.post(f"/api/queue/{conversation.pk}/take")
    detail = client.get(f"/api/my/conversations/{conversation.pk}/").json()
    assert [m["sender"] for m in detail["messages"]][:1] == ["customer"]
    assert all("4111 1111 1111 1111" not in m["body"] for m in detail["messages"]), "redacted text only"
    assert "89.90" in str(detail["handover_summary"]["entities"])
    assert detail["triage"]["intent"] == packet["intent"] and 0 <= detail["triage"]["confidence"] <= 1
    assert detail["triage"]["model_version"]
    draft = client.get(f"/api/my/conversations/{conversation.pk}/draft").json()
    assert "Ada" in draft["draft"] and draft["source"] == "offline"
