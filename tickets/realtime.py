"""The only module that knows channel-layer group names and sends to them.

Every send is scheduled with `transaction.on_commit`, so nobody is told about a
change that then rolls back.
"""

from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

QUEUE_GROUP = "queue"
OPS_GROUP = "ops"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


def _send(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": "push", "payload": payload})


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
