"""An agent's websocket through the real ASGI app, authenticated with a real login session."""

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests import live_sockets

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
TIMEOUT = 5


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class AgentSocket:
    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    @classmethod
    async def for_user(cls, user=None, *, origin: tuple[bytes, bytes] = ORIGIN) -> "AgentSocket":
        headers = [origin, (b"host", b"127.0.0.1:8000")]
        if user is not None:
            cookie = await database_sync_to_async(_session_cookie)(user)
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        return cls(live_sockets.communicator("/ws/agent/", headers))

    async def connect(self) -> tuple[bool, int | None]:
        return await self.communicator.connect(timeout=TIMEOUT)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def send_raw(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def receive_until(self, predicate, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Every frame up to and including the first for which `predicate(frame)` (or type == predicate) holds."""
        check = predicate if callable(predicate) else (lambda frame: frame["type"] == predicate)
        frames = []
        while True:
            frame = await self.receive(timeout=timeout)
            frames.append(frame)
            if check(frame):
                return frames

    async def nothing_more(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout=timeout)

    async def close(self) -> None:
        await self.communicator.disconnect()

    async def close_code(self) -> int | None:
        output = await self.communicator.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.close", output
        await self.communicator.disconnect()  # let the application instance finish now, not at loop teardown
        return output.get("code")


async def customer_receive_until(customer, predicate, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
    """Like AgentSocket.receive_until, for the chat tests' CustomerSocket."""
    frames = []
    while True:
        frame = await customer.receive(timeout=timeout)
        frames.append(frame)
        if predicate(frame):
            return frames
