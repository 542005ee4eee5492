"""Websocket communicators that a test left open are closed when the test ends.

A socket left open outlives its test: the event loop is then torn down under it, and the
channel layer's pending Redis read can stall that teardown for minutes. Every socket helper
creates its communicator here, and tests/conftest.py closes the leftovers inside the test's
own event loop, so a failing assertion costs one failure, never a hung suite.
"""

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from channels.testing import WebsocketCommunicator

from klarna_gig.asgi import application

_open: list[WebsocketCommunicator] = []  # held strongly: a test's locals are gone by the time it ends


def communicator(path: str, headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, path, headers=headers)
    _open.append(socket)
    return socket


async def close_leftovers() -> None:
    leftovers = [socket for socket in _open if not socket.future.done()]
    _open.clear()
    for socket in leftovers:
        await socket.disconnect(timeout=2)


def closing_leftovers(test: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wrap an async test so that whatever sockets it opened are closed before its loop ends."""

    @functools.wraps(test)
    async def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return await test(*args, **kwargs)
        finally:
            await close_leftovers()

    return run
