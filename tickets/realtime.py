"""The only module that knows channel-layer group names and sends to them.

Every send is scheduled with `transaction.on_commit`, so nobody is told about a
change that then rolls back. Sync code under the ASGI server sends on the server's loop;
sync code with no loop of its own (Celery tasks, commands, threads) sends through one
long-lived loop per process, reusing its Redis connections instead of opening a loop and
a connection for every push.
"""

import asyncio
import os
import threading
from functools import partial
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.db import transaction

QUEUE_GROUP = "queue"
OPS_GROUP = "ops"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


# How long a push may take before the caller stops waiting (Redis is then down; the caller's change stands).
SEND_TIMEOUT_SECONDS = 10


class _Publisher:
    """A daemon thread running one event loop, on which sync code's group sends are awaited.

    Created lazily and again after a fork (a Celery prefork child inherits the loop but not its thread).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="realtime-publisher", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def group_send(self, layer: BaseChannelLayer, group: str, message: dict[str, Any]) -> None:
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), self._running_loop())
        future.result(timeout=SEND_TIMEOUT_SECONDS)


_publisher = _Publisher()


def _send(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "push", "payload": payload}
    if isinstance(layer, InMemoryChannelLayer) or _under_a_server_loop():
        # Back onto the server's own loop: no thread hop competing with it for the GIL (and the
        # in-memory layer's queues belong to that loop).
        async_to_sync(layer.group_send)(group, message)
    else:
        _publisher.group_send(layer, group, message)


def _under_a_server_loop() -> bool:
    """True in a thread that an event loop handed sync work to (a consumer's or a view's code)."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    return loop is not None and getattr(local, "main_event_loop_pid", None) == os.getpid() and loop.is_running()


def send_on_commit(group: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(partial(_send, group, payload))


def conversation_push(conversation_id: int, payload: dict[str, Any]) -> None:
    """To everyone watching one conversation: the customer, its agent, observing staff."""
    send_on_commit(conversation_group(conversation_id), payload)


def agent_push(user_id: int, payload: dict[str, Any]) -> None:
    send_on_commit(agent_group(user_id), payload)


def queue_push(payload: dict[str, Any]) -> None:
    """To every online agent (and ops): the queue changed."""
    send_on_commit(QUEUE_GROUP, payload)
    send_on_commit(OPS_GROUP, payload)
