"""Helpers for the chat tests: a customer conversation with its token, and a socket on the real ASGI app."""

import json
import uuid
from typing import Any

import pytest

from tests import live_sockets
from tickets.services.lifecycle import conversation_start
from tickets.tokens import customer_token_for

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
# Generous: the test machines are small and shared. Only "nothing more" checks wait on purpose, briefly.
TIMEOUT = 20


@pytest.fixture(scope="session", autouse=True)
def _triage_model_loaded():
    """Customer messages are triaged inline (eager Celery) by the real model; load it once, up front, so the
    first chat test does not spend its receive timeout loading it."""
    from tickets.triage.classifier import get_classifier

    get_classifier()


@pytest.fixture(autouse=True)
def _no_persistent_connections(monkeypatch):
    """Consumers reach the database from worker threads; without persistent connections each closes its
    connection after use, so no session outlives a test (PostgreSQL could not drop the test database)."""
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)


@pytest.fixture
def one_rate_window(monkeypatch):
    """Rate limits count per 10-second window; flood tests run inside one, with the protocol's clock standing still
    (otherwise a burst that straddles two windows is legitimately allowed twice the limit)."""
    import time
    from types import SimpleNamespace

    frozen = (time.time() // 10) * 10 + 1
    monkeypatch.setattr("tickets.protocol.time", SimpleNamespace(time=lambda: frozen))


@pytest.fixture
def knowledge_base():
    """The policy table and knowledge-base answers the triage migration ships. Transactional tests empty every
    table afterwards, so the tests that need the bot's answers put them back the way the migration does."""
    import importlib

    from django.apps import apps

    importlib.import_module("tickets.triage.migrations.0002_seed_policy_and_answers").seed(apps, None)


@pytest.fixture
def celery_worker_thread():
    """A real Celery worker in a thread, consuming from the Redis broker: tasks are sent, not run inline."""
    from celery.contrib.testing.worker import start_worker

    from klarna_gig.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(app.conf.task_default_queue)
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10) as w:
            yield w
    finally:
        app.conf.task_always_eager = eager


def wait_for(condition, timeout: float = TIMEOUT) -> bool:
    """Poll `condition` (a plain function) until it holds or `timeout` seconds pass."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def chat():
    """A fresh conversation as the customer has it: (conversation, token)."""
    conversation = conversation_start(customer_name="Ada")
    return conversation, customer_token_for(conversation=conversation)


class CustomerSocket:
    """A customer's websocket through the real ASGI stack (origin check, routing, consumer)."""

    def __init__(self, public_id: uuid.UUID | str, token: str, *, origin: tuple[bytes, bytes] = ORIGIN) -> None:
        self.communicator = live_sockets.communicator(
            f"/ws/chat/{public_id}/?token={token}", [origin, (b"host", b"127.0.0.1:8000")]
        )

    async def connect(self) -> tuple[bool, int | None]:
        return await self.communicator.connect(timeout=TIMEOUT)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.communicator.send_to(text_data=json.dumps(frame, ensure_ascii=False))  # as browsers send it

    async def send_raw(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def receive_until(self, frame_type: str, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Every frame up to and including the first of `frame_type`."""
        frames = []
        while True:
            frame = await self.receive(timeout=timeout)
            frames.append(frame)
            if frame["type"] == frame_type:
                return frames

    async def nothing_more(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout=timeout)

    async def hello(self, last_seq: int = 0) -> list[dict[str, Any]]:
        await self.send({"type": "hello", "last_seq": last_seq})
        return await self.receive_until("ready")

    async def close(self) -> None:
        await self.communicator.disconnect()

    async def close_code(self) -> int | None:
        """The code the server closed the socket with (then the client side hangs up too)."""
        output = await self.communicator.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.close", output
        await self.communicator.disconnect()
        return output.get("code")


def messages_in(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "message"]
