"""A waiting customer's position and estimate stay current: when the queue moves, and when agents come online."""

import pytest
from channels.db import database_sync_to_async

from tests.factories import agent_on_shift
from tests.tickets.conftest import CustomerSocket
from tickets.models import Status
from tickets.services.bot import conversation_request_human
from tickets.services.claims import claim_next_ticket
from tickets.services.lifecycle import conversation_start
from tickets.tokens import customer_token_for

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


async def waiting_customer(name: str) -> tuple[object, CustomerSocket]:
    conversation = await database_sync_to_async(conversation_start)(customer_name=name)
    await database_sync_to_async(conversation_request_human)(conversation=conversation)
    socket = CustomerSocket(conversation.public_id, customer_token_for(conversation=conversation))
    await socket.connect()
    frames = await socket.hello(last_seq=0)
    return [f for f in frames if f["type"] == "status"][-1], socket


async def next_status(socket: CustomerSocket) -> dict:
    while True:
        frame = await socket.receive()
        if frame["type"] == "status":
            return frame


async def test_when_the_customer_ahead_is_taken_the_next_one_moves_up():
    first_status, first = await waiting_customer("Ada")
    second_status, second = await waiting_customer("Bea")
    assert (first_status["queue_position"], second_status["queue_position"]) == (1, 2)

    agent = await database_sync_to_async(agent_on_shift)(languages=["en"], max_concurrent_chats=1)
    await database_sync_to_async(claim_next_ticket)(agent=agent.user)

    assert (await next_status(first))["status"] == Status.ASSIGNED
    moved = await next_status(second)
    assert (moved["status"], moved["queue_position"], moved["agents_online"]) == (Status.QUEUED, 1, 1)
    await first.close()
    await second.close()


async def test_a_waiting_page_learns_that_an_agent_came_online_on_its_next_ping():
    status, socket = await waiting_customer("Cy")
    assert (status["agents_online"], status["estimated_wait_seconds"]) == (0, None)
    await database_sync_to_async(agent_on_shift)(languages=["en"])
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}
    fresh = await next_status(socket)
    assert (fresh["agents_online"], fresh["estimated_wait_seconds"]) == (1, 0)
    await socket.close()
