"""What an agent does to a ticket they hold: reply, release with a note, resolve with a code.

Shared by the workspace API and the agent socket, so both refuse the same things with
the same codes. Replies go through `tickets.protocol.send_message` (idempotent on the
client's id, rate-limited, redacted), so a reply sent over REST and one sent over the
socket are the same thing.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

from agents.exceptions import InputInvalid
from tickets.exceptions import NotYourTicket
from tickets.models import Conversation, EventKind, Message, Status
from tickets.protocol import Actor, send_message
from tickets.services import lifecycle

RESOLUTION_CODES = {
    "solved": "Solved",
    "refund_issued": "Refund issued",
    "info_provided": "Information given",
    "dispute_opened": "Dispute opened",
    "card_blocked": "Card blocked",
    "escalated": "Escalated to a specialist team",
    "duplicate": "Duplicate of another case",
    "no_reply": "Customer stopped replying",
}
VIEW_AUDIT_EVERY_SECONDS = 600


def _held_by(agent: AbstractBaseUser, conversation: Conversation) -> Conversation:
    conv = Conversation.objects.filter(pk=conversation.pk).first()
    if conv is None or conv.status != Status.ASSIGNED or conv.assigned_agent_id != agent.pk:
        raise NotYourTicket()
    return conv


def agent_reply(
    *, agent: AbstractBaseUser, conversation: Conversation, body: str, client_msg_id: str
) -> tuple[Message, bool]:
    """Send the agent's (reviewed) reply; (message, created)."""
    conv = _held_by(agent, conversation)
    return send_message(actor=Actor.agent(agent), conversation=conv, client_msg_id=client_msg_id, body=body)


def agent_release(*, agent: AbstractBaseUser, conversation: Conversation, note: str = "") -> Conversation:
    """Give the ticket back to the queue with a note for the next agent; this agent won't be offered it again."""
    if not isinstance(note, str) or len(note) > 500:
        raise InputInvalid({"note": ["The note is text of at most 500 characters."]})
    return lifecycle.conversation_release(conversation=conversation, agent=agent, note=note.strip())


def agent_resolve(*, agent: AbstractBaseUser, conversation: Conversation, resolution_code: str) -> Conversation:
    """Resolve with a code: the customer gets the CSAT prompt, the agent an earning (payouts)."""
    if resolution_code not in RESOLUTION_CODES:
        raise InputInvalid({"resolution_code": [f"Choose one of: {', '.join(RESOLUTION_CODES)}."]})
    return lifecycle.conversation_resolve(conversation=conversation, agent=agent, resolution_code=resolution_code)


def conversation_viewed(*, user: AbstractBaseUser, conversation: Conversation, actor_kind: str) -> bool:
    """Access audit: record that `user` opened this conversation (at most once per 10 minutes each)."""
    if not cache.add(f"agents:viewed:{conversation.pk}:{user.pk}", 1, timeout=VIEW_AUDIT_EVERY_SECONDS):
        return False
    lifecycle.conversation_event_record(
        conversation=conversation, kind=EventKind.VIEWED, actor_kind=actor_kind, actor_user=user
    )
    return True
