"""Bad input over the chat socket gets an error frame with a stable code; the socket stays open and nothing is stored."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from tests.tickets.conftest import CustomerSocket, messages_in
from tickets.models import Message, SenderKind
from tickets.protocol import MAX_FRAME_BYTES

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


async def open_socket(chat) -> CustomerSocket:
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    connected, _ = await socket.connect()
    assert connected
    await socket.hello()
    return socket


async def stored_messages(conversation) -> int:
    """The customer's messages stored (bot and system messages may follow a customer's message)."""
    query = Message.objects.filter(conversation=conversation, sender_kind=SenderKind.CUSTOMER)
    return await database_sync_to_async(query.count)()


async def still_works(socket: CustomerSocket) -> None:
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}


@pytest.mark.parametrize(
    "raw",
    ["{not json", "", "[1, 2, 3]", '"hello"', "{}", '{"type": 7}', "[" * 2000 + "]" * 2000],
    ids=["broken", "empty", "array", "string", "no-type", "numeric-type", "deeply-nested"],
)
async def test_bad_json_is_answered_with_an_error_frame_and_the_socket_stays_open(chat, raw):
    socket = await open_socket(chat)
    if raw:
        await socket.send_raw(raw)
    else:
        await socket.communicator.send_input({"type": "websocket.receive", "text": ""})
    error = await socket.receive()
    assert error["type"] == "error"
    assert error["code"] == "bad_json"
    await still_works(socket)
    await socket.close()


async def test_a_binary_frame_is_refused_with_an_error_frame(chat):
    socket = await open_socket(chat)
    await socket.communicator.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive())["code"] == "bad_json"
    await still_works(socket)
    await socket.close()


async def test_an_unknown_type_is_answered_with_unknown_type(chat):
    socket = await open_socket(chat)
    await socket.send({"type": "format_my_disk"})
    error = await socket.receive()
    assert (error["type"], error["code"], error["in_reply_to"]) == ("error", "unknown_type", "format_my_disk")
    await still_works(socket)
    await socket.close()


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "message", "body": "no id"},
        {"type": "message", "client_msg_id": 5, "body": "numeric id"},
        {"type": "message", "client_msg_id": "x" * 65, "body": "id too long"},
        {"type": "message", "client_msg_id": "c1"},
        {"type": "message", "client_msg_id": "c1", "body": ["a", "list"]},
        {"type": "typing", "is_typing": "yes"},
        {"type": "read", "seq": "3"},
        {"type": "read", "seq": True},
        {"type": "read", "seq": 99},
        {"type": "hello", "last_seq": -1},
        {"type": "bot_feedback", "solved": "no"},
    ],
)
async def test_wrong_fields_get_invalid_frame_and_store_nothing(chat, frame):
    conversation, _ = chat
    socket = await open_socket(chat)
    await socket.send(frame)
    error = await socket.receive()
    assert error["type"] == "error"
    assert error["code"] == "invalid_frame"
    assert await stored_messages(conversation) == 0
    await still_works(socket)
    await socket.close()


async def test_an_empty_message_is_refused(chat):
    conversation, _ = chat
    socket = await open_socket(chat)
    await socket.send({"type": "message", "client_msg_id": "c1", "body": "   "})
    error = await socket.receive()
    assert (error["code"], error["client_msg_id"]) == ("message_rejected", "c1")
    assert await stored_messages(conversation) == 0
    await socket.close()


async def test_a_message_over_the_length_limit_is_refused_and_not_stored(chat):
    conversation, _ = chat
    socket = await open_socket(chat)
    await socket.send({"type": "message", "client_msg_id": "long", "body": "a" * (settings.CHAT_MAX_MESSAGE_CHARS + 1)})
    error = await socket.receive()
    assert (error["code"], error["client_msg_id"]) == ("message_too_long", "long")
    assert await stored_messages(conversation) == 0
    await still_works(socket)
    await socket.close()


async def test_a_message_at_the_length_limit_in_four_byte_characters_still_fits_in_a_frame(chat):
    conversation, _ = chat
    socket = await open_socket(chat)
    await socket.send({"type": "message", "client_msg_id": "emoji", "body": "😀" * settings.CHAT_MAX_MESSAGE_CHARS})
    frames = await socket.receive_until("ack")
    assert frames[-1]["seq"] == 1
    assert await stored_messages(conversation) == 1
    await socket.close()


async def test_an_oversized_frame_is_refused_with_frame_too_large(chat):
    conversation, _ = chat
    socket = await open_socket(chat)
    await socket.send_raw('{"type": "message", "client_msg_id": "big", "body": "' + "b" * MAX_FRAME_BYTES + '"}')
    error = await socket.receive()
    assert error["code"] == "frame_too_large"
    assert await stored_messages(conversation) == 0
    await still_works(socket)
    await socket.close()


async def test_a_message_flood_is_refused_beyond_the_rate_limit(chat, one_rate_window):
    conversation, _ = chat
    limit = settings.CHAT_RATE_LIMIT_PER_10S
    socket = await open_socket(chat)
    for n in range(limit + 5):
        await socket.send({"type": "message", "client_msg_id": f"flood-{n}", "body": f"spam {n}"})
    acks, errors = [], []
    while len(acks) + len(errors) < limit + 5:
        frame = await socket.receive()
        if frame["type"] == "ack":
            acks.append(frame)
        elif frame["type"] == "error":
            errors.append(frame)
    assert len(acks) == limit
    assert {e["code"] for e in errors} == {"rate_limited"}
    assert all(1 <= e["retry_after"] <= 10 for e in errors)
    assert sorted(e["client_msg_id"] for e in errors) == sorted(f"flood-{n}" for n in range(limit, limit + 5))
    assert await stored_messages(conversation) == limit
    await socket.close()


async def test_the_rate_limit_holds_across_sockets_of_the_same_conversation(chat, one_rate_window):
    """A flooder cannot reset the limit by reconnecting: it is counted in Redis per conversation and side."""
    conversation, token = chat
    limit = settings.CHAT_RATE_LIMIT_PER_10S
    first = await open_socket(chat)
    for n in range(limit):
        await first.send({"type": "message", "client_msg_id": f"a-{n}", "body": f"one {n}"})
    for _ in range(limit):
        assert (await first.receive_until("ack"))[-1]["type"] == "ack"
    await first.close()

    second = CustomerSocket(conversation.public_id, token)
    await second.connect()
    await second.hello()
    await second.send({"type": "message", "client_msg_id": "b-0", "body": "one too many"})
    frames = await second.receive_until("error")
    assert frames[-1]["code"] == "rate_limited"
    assert await stored_messages(conversation) == limit
    await second.close()


async def test_a_resend_of_a_stored_message_is_not_counted_against_the_limit(chat, one_rate_window):
    limit = settings.CHAT_RATE_LIMIT_PER_10S
    socket = await open_socket(chat)
    for n in range(limit):
        await socket.send({"type": "message", "client_msg_id": f"m-{n}", "body": f"hello {n}"})
    for _ in range(limit):
        await socket.receive_until("ack")
    await socket.send({"type": "message", "client_msg_id": "m-0", "body": "hello 0"})
    frames = await socket.receive_until("ack")
    assert frames[-1]["duplicate"] is True
    await socket.close()


async def test_after_a_burst_of_bad_frames_a_good_message_still_goes_through_once(chat):
    socket = await open_socket(chat)
    for raw in ["nope", '{"type": "nope"}', '{"type": "read"}']:
        await socket.send_raw(raw)
        assert (await socket.receive())["type"] == "error"
    await socket.send({"type": "message", "client_msg_id": "ok-1", "body": "finally"})
    frames = await socket.receive_until("ack")
    frames += [await socket.receive()] if not messages_in(frames) else []
    assert [m["body"] for m in messages_in(frames)] == ["finally"]
    await socket.close()
