"""The customer side of the chat as REST: the socket's features, the same rules, token auth, in the OpenAPI schema."""

import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import agent_on_shift, user_with_role
from tickets.models import Conversation, Message, SenderKind, Status
from tickets.services.bot import conversation_bot_answer
from tickets.services.claims import claim_next_ticket
from tickets.services.lifecycle import conversation_close, conversation_resolve
from tickets.tokens import customer_token_for

pytestmark = pytest.mark.django_db
BASE = "/api/conversations/"


def start(client: APIClient | None = None, **body) -> tuple[APIClient, dict]:
    client = client or APIClient()
    response = client.post(BASE, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    client.credentials(HTTP_X_CONVERSATION_TOKEN=data["token"])
    return client, data


def url(data: dict, suffix: str = "") -> str:
    return f"{BASE}{data['public_id']}/{suffix}"


def test_starting_a_conversation_returns_its_token_and_status():
    _, data = start(customer_name="Ada", customer_email="ada@example.com", language="de")
    conversation = Conversation.objects.get(public_id=data["public_id"])
    assert (conversation.customer_name, conversation.customer_email, conversation.language) == (
        "Ada",
        "ada@example.com",
        "de",
    )
    assert data["status"] == "bot" and data["last_seq"] == 0
    assert data["websocket_path"] == f"/ws/chat/{data['public_id']}/"
    assert data["token"] == customer_token_for(conversation=conversation)


def test_starting_with_a_bad_email_or_language_is_refused_and_creates_nothing():
    client = APIClient()
    assert client.post(BASE, {"customer_email": "not-an-address"}, format="json").status_code == 400
    assert client.post(BASE, {"language": "xx"}, format="json").status_code == 400
    assert not Conversation.objects.exists()


def test_the_api_takes_json_only_so_a_cross_site_form_cannot_post():
    response = APIClient().post(BASE, {"customer_name": "Form"}, format="multipart")
    assert response.status_code == 415
    assert not Conversation.objects.exists()


def test_status_shows_where_the_conversation_stands():
    client, data = start()
    body = client.get(url(data)).json()
    assert body["public_id"] == data["public_id"]
    assert (body["status"], body["queue_position"], body["can_rate"]) == ("bot", None, False)
    assert "conversation" not in body, "no internal ids"


def test_sending_is_idempotent_201_then_200_with_the_same_message():
    client, data = start()
    first = client.post(url(data, "messages/"), {"client_msg_id": "m-1", "body": "Hello"}, format="json")
    again = client.post(url(data, "messages/"), {"client_msg_id": "m-1", "body": "Hello"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["seq"] == again.json()["seq"] == 1
    assert Message.objects.filter(client_msg_id="m-1").count() == 1


def test_messages_after_a_seq_come_oldest_first():
    client, data = start()
    conversation = Conversation.objects.get(public_id=data["public_id"])
    conversation_bot_answer(conversation=conversation, body="An answer", intent="card_arrival")
    everything = client.get(url(data, "messages/")).json()
    assert [m["seq"] for m in everything["messages"]] == [1, 2] and everything["last_seq"] == 2
    later = client.get(url(data, "messages/"), {"after_seq": 1}).json()
    assert [m["seq"] for m in later["messages"]] == [2]
    assert later["messages"][0]["body"].startswith("Did that solve it?")
    assert client.get(url(data, "messages/"), {"after_seq": 2}).json() == {"messages": [], "last_seq": 2}
    assert client.get(url(data, "messages/"), {"after_seq": -1}).status_code == 400


def test_card_numbers_are_masked_before_anything_is_stored_or_returned():
    client, data = start()
    response = client.post(
        url(data, "messages/"), {"client_msg_id": "pan", "body": "my card 4111 1111 1111 1111"}, format="json"
    )
    assert "4111 1111 1111 1111" not in response.json()["body"]
    assert "4111111111111111" not in Message.objects.get(client_msg_id="pan").body.replace(" ", "")


def test_an_over_long_message_is_refused_with_the_sockets_error_code():
    client, data = start()
    body = "x" * (settings.CHAT_MAX_MESSAGE_CHARS + 1)
    response = client.post(url(data, "messages/"), {"client_msg_id": "long", "body": body}, format="json")
    assert (response.status_code, response.json()["error"]) == (400, "message_too_long")
    assert not Message.objects.exists()


def test_a_message_flood_is_refused_with_429(one_rate_window):
    client, data = start()
    codes = [
        client.post(url(data, "messages/"), {"client_msg_id": f"f{n}", "body": "spam"}, format="json").status_code
        for n in range(settings.CHAT_RATE_LIMIT_PER_10S + 3)
    ]
    assert codes.count(201) == settings.CHAT_RATE_LIMIT_PER_10S
    assert codes[-3:] == [429, 429, 429]
    assert Message.objects.filter(sender_kind=SenderKind.CUSTOMER).count() == settings.CHAT_RATE_LIMIT_PER_10S


def test_asking_for_a_human_queues_the_conversation_with_a_position():
    client, data = start()
    body = client.post(url(data, "human/"), format="json").json()
    assert (body["status"], body["queue_position"], body["agents_online"]) == ("queued", 1, 0)
    assert body["estimated_wait_seconds"] is None


def test_bot_feedback_no_hands_over_and_a_second_answer_is_refused():
    client, data = start()
    conversation = Conversation.objects.get(public_id=data["public_id"])
    conversation_bot_answer(conversation=conversation, body="An answer", intent="card_arrival")
    assert client.get(url(data)).json()["awaiting_bot_feedback"] is True
    response = client.post(url(data, "bot-feedback/"), {"solved": False}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "queued")
    again = client.post(url(data, "bot-feedback/"), {"solved": True}, format="json")
    assert (again.status_code, again.json()["error"]) == (409, "illegal_transition")


def test_rating_is_allowed_once_when_the_conversation_is_over():
    client, data = start()
    conversation = Conversation.objects.get(public_id=data["public_id"])
    early = client.post(url(data, "csat/"), {"score": 5}, format="json")
    assert (early.status_code, early.json()["error"]) == (409, "csat_not_allowed")

    agent = agent_on_shift(languages=["en"])
    client.post(url(data, "human/"), format="json")
    claim_next_ticket(agent=agent.user)
    conversation_resolve(conversation=conversation, agent=agent.user, resolution_code="solved")
    assert client.get(url(data)).json()["can_rate"] is True
    assert client.post(url(data, "csat/"), {"score": 6}, format="json").status_code == 400
    rated = client.post(url(data, "csat/"), {"score": 5, "comment": "Great"}, format="json")
    assert (rated.status_code, rated.json()) == (201, {"score": 5})
    assert client.get(url(data)).json()["can_rate"] is False
    twice = client.post(url(data, "csat/"), {"score": 1}, format="json")
    assert (twice.status_code, twice.json()["error"]) == (409, "csat_already_given")


def test_read_and_typing_answer_204_and_check_their_input():
    client, data = start()
    assert client.post(url(data, "typing/"), {"is_typing": True}, format="json").status_code == 204
    assert client.post(url(data, "read/"), {"seq": 0}, format="json").status_code == 204
    bad = client.post(url(data, "read/"), {"seq": 5}, format="json")
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_frame")


def test_a_closed_conversation_refuses_messages_with_409():
    client, data = start()
    conversation_close(conversation=Conversation.objects.get(public_id=data["public_id"]), reason="test")
    response = client.post(url(data, "messages/"), {"client_msg_id": "late", "body": "hi"}, format="json")
    assert (response.status_code, response.json()["error"]) == (409, "conversation_closed")


@pytest.mark.parametrize("suffix", ["", "messages/"])
def test_without_a_token_the_answer_is_401(suffix):
    _, data = start()
    response = APIClient().get(url(data, suffix))
    assert (response.status_code, response.json()["error"]) == (401, "invalid_token")


def test_a_forged_token_is_401_and_changes_nothing():
    _, data = start()
    client = APIClient()
    client.credentials(HTTP_X_CONVERSATION_TOKEN=data["token"][:-3] + "xyz")
    response = client.post(url(data, "messages/"), {"client_msg_id": "f", "body": "hi"}, format="json")
    assert (response.status_code, response.json()["error"]) == (401, "invalid_token")
    assert not Message.objects.exists()


def test_another_customers_token_is_403_and_changes_nothing():
    mine, _ = start()
    _, theirs = start()
    response = mine.post(url(theirs, "human/"), format="json")
    assert (response.status_code, response.json()["error"]) == (403, "wrong_conversation")
    assert Conversation.objects.get(public_id=theirs["public_id"]).status == Status.BOT


def test_an_unknown_conversation_is_refused():
    client, _ = start()
    response = client.get(f"{BASE}{uuid.uuid4()}/")
    assert response.status_code == 403


def test_a_logged_in_staff_session_grants_nothing_on_customer_endpoints():
    """No session authentication runs here, so a session cookie is no credential (and CSRF has nothing to ride on)."""
    _, data = start()
    staff = APIClient(enforce_csrf_checks=True)
    staff.force_login(user_with_role("ops", is_staff=True, is_superuser=True))
    response = staff.post(url(data, "human/"), format="json")
    assert response.status_code == 401
    assert Conversation.objects.get(public_id=data["public_id"]).status == Status.BOT


def test_with_its_token_a_customer_needs_no_csrf_token():
    client = APIClient(enforce_csrf_checks=True)
    _, data = start(client)
    response = client.post(url(data, "messages/"), {"client_msg_id": "c", "body": "hi"}, format="json")
    assert response.status_code == 201


def test_starting_is_throttled_per_client_address():
    client = APIClient()
    codes = [client.post(BASE, {}, format="json").status_code for _ in range(32)]
    assert codes.count(201) == 30
    assert codes[-1] == 429


def test_every_customer_endpoint_is_in_the_openapi_schema_with_the_token_scheme():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in [
        "/api/conversations/",
        "/api/conversations/{public_id}/",
        "/api/conversations/{public_id}/messages/",
        "/api/conversations/{public_id}/human/",
        "/api/conversations/{public_id}/bot-feedback/",
        "/api/conversations/{public_id}/csat/",
        "/api/conversations/{public_id}/read/",
        "/api/conversations/{public_id}/typing/",
    ]:
        assert path in paths, path
    assert schema["components"]["securitySchemes"]["conversationToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Conversation-Token",
    }
    assert {"conversationToken": []} in paths["/api/conversations/{public_id}/messages/"]["post"]["security"]
    assert paths["/api/conversations/"]["post"].get("security", []) in ([], [{}])


def test_an_expired_token_is_401(monkeypatch):
    client, data = start()
    monkeypatch.setattr("tickets.tokens.MAX_AGE_SECONDS", -1)
    response = client.get(url(data))
    assert (response.status_code, response.json()["error"]) == (401, "invalid_token")
