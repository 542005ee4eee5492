"""The chat protocol, shared by the customer socket and the agent socket (docs/chat-protocol.md).

Everything here is plain synchronous code a consumer runs through
`database_sync_to_async`: parse and check a frame, enforce size and rate limits,
call one service, and return the frames to send back to that socket. Everybody
else watching the conversation learns about the change from the realtime push the
service sends after commit.

Reuse from another consumer:

    frame = parse_frame(text_data=text_data, bytes_data=bytes_data)     # raises ProtocolError
    replies = handle_frame(actor=Actor.agent(user), conversation=conv, frame=frame)
    ...
    except Exception as exc: send error_frame(exc)

and deliver pushed "message" payloads through a SeqCursor so each socket sees every
message once, in sequence order.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

from tickets import realtime, selectors
from tickets.exceptions import NotYourTicket, TicketError
from tickets.models import WAITING_STATUSES, ActorKind, Conversation, Message, SenderKind, Status
from tickets.services import bot
from tickets.services.messages import message_payload, post_message

log = logging.getLogger(__name__)

# A frame carries at most one message: its longest body (4 UTF-8 bytes a character at worst) plus room for the JSON.
MAX_FRAME_BYTES = max(8 * 1024, settings.CHAT_MAX_MESSAGE_CHARS * 4 + 512)
RATE_WINDOW_SECONDS = 10
# Frames of any kind (typing, read, pings, junk) get a looser limit than chat messages.
FRAME_LIMIT_FACTOR = 5
CLIENT_MSG_ID_MAX = 64
RESUME_BATCH = 500
MARKER_TTL_SECONDS = 7 * 24 * 3600

RATEABLE_STATUSES = (Status.RESOLVED, Status.BOT_RESOLVED, Status.CLOSED)


class ProtocolError(TicketError):
    """The frame was refused."""

    code = "bad_frame"
    http_status = 400


class BadJson(ProtocolError):
    """A frame must be one JSON object."""

    code = "bad_json"


class FrameTooLarge(ProtocolError):
    """The frame is larger than a chat frame may be."""

    code = "frame_too_large"
    http_status = 413


class UnknownType(ProtocolError):
    """This frame type is not part of the protocol."""

    code = "unknown_type"


class InvalidFrame(ProtocolError):
    """A field of the frame is missing or has the wrong type."""

    code = "invalid_frame"


class ClientIdTaken(ProtocolError):
    """The other side of this conversation already used this client_msg_id; send with a fresh one (a UUID)."""

    code = "client_msg_id_taken"
    http_status = 409


class NotAllowedHere(ProtocolError):
    """This frame type is not allowed on this socket."""

    code = "forbidden"
    http_status = 403


class RateLimited(ProtocolError):
    """Too many frames; slow down and resend after `retry_after` seconds."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str = "", *, retry_after: int = RATE_WINDOW_SECONDS) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Actor:
    """Who is on the other end of a socket: the customer, the assigned agent, or observing staff."""

    kind: str
    user: AbstractBaseUser | None = None

    @classmethod
    def customer(cls) -> "Actor":
        return cls(kind=ActorKind.CUSTOMER)

    @classmethod
    def agent(cls, user: AbstractBaseUser) -> "Actor":
        return cls(kind=ActorKind.AGENT, user=user)

    @classmethod
    def staff(cls, user: AbstractBaseUser) -> "Actor":
        return cls(kind=ActorKind.STAFF, user=user)

    def bucket(self, conversation: Conversation) -> str:
        """One rate-limit bucket per conversation and side, shared by all of that side's sockets and processes."""
        return f"{conversation.pk}:{self.kind}:{self.user.pk if self.user else ''}"


# --- Frames in -----------------------------------------------------------------------------


def parse_frame(*, text_data: str | None = None, bytes_data: bytes | None = None) -> dict[str, Any]:
    """One client frame as a dict with a string "type"; raises a ProtocolError otherwise."""
    if text_data is None:
        if bytes_data is not None and len(bytes_data) > MAX_FRAME_BYTES:
            raise FrameTooLarge(f"A frame may be at most {MAX_FRAME_BYTES} bytes.")
        raise BadJson("Send text frames holding JSON; binary frames are not part of the protocol.")
    if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise FrameTooLarge(f"A frame may be at most {MAX_FRAME_BYTES} bytes.")
    try:
        frame = json.loads(text_data)
    except (ValueError, RecursionError) as exc:
        raise BadJson("That frame is not valid JSON.") from exc
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise BadJson('A frame must be a JSON object with a "type".')
    return frame


def _field(frame: dict[str, Any], name: str, kind: type) -> Any:
    value = frame.get(name)
    # bool is an int in Python, but "seq": true is still a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidFrame(f'"{name}" is missing or has the wrong type.')
    return value


# --- Limits --------------------------------------------------------------------------------


def check_rate(*, key: str, limit: int, window_seconds: int = RATE_WINDOW_SECONDS) -> None:
    """A fixed-window counter in the cache (Redis in production, so it holds across processes)."""
    now = time.time()
    window = int(now // window_seconds)
    cache_key = f"tickets:rate:{key}:{window}"
    cache.add(cache_key, 0, timeout=window_seconds * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds * 2)
        count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * window_seconds - now + 0.999))
        raise RateLimited(f"Too many frames: at most {limit} every {window_seconds} seconds.", retry_after=retry_after)


def check_message_rate(*, actor: Actor, conversation: Conversation) -> None:
    check_rate(key=f"msg:{actor.bucket(conversation)}", limit=settings.CHAT_RATE_LIMIT_PER_10S)


def check_frame_rate(*, actor: Actor, conversation: Conversation) -> None:
    check_rate(key=f"frame:{actor.bucket(conversation)}", limit=settings.CHAT_RATE_LIMIT_PER_10S * FRAME_LIMIT_FACTOR)


# --- Frames out ----------------------------------------------------------------------------


def error_frame(exc: Exception, *, frame: dict[str, Any] | None = None) -> dict[str, Any]:
    """An "error" frame with the stable code of any of our errors; anything else is logged and generic.

    When the refused frame carried a client_msg_id, the error names it, so the client knows which
    pending message to retry (rate_limited) or give up on (message_too_long, conversation_closed…).
    """
    code = getattr(exc, "code", None)
    if isinstance(code, str) and isinstance(getattr(exc, "http_status", None), int):
        error: dict[str, Any] = {"type": "error", "code": code, "detail": str(exc)}
        if isinstance(exc, RateLimited):
            error["retry_after"] = exc.retry_after
    else:
        log.error("Unexpected error handling a chat frame", exc_info=exc)
        error = {"type": "error", "code": "internal_error", "detail": "Something went wrong on our side; please retry."}
    if frame is not None:
        error["in_reply_to"] = frame.get("type")
        client_msg_id = frame.get("client_msg_id")
        if isinstance(client_msg_id, str) and len(client_msg_id) <= CLIENT_MSG_ID_MAX:
            error["client_msg_id"] = client_msg_id
    return error


def for_customer(frame: dict[str, Any]) -> dict[str, Any]:
    """Customers know their conversation by its public id only; drop our internal id."""
    if "conversation" not in frame:
        return frame
    return {key: value for key, value in frame.items() if key != "conversation"}


def status_frame(*, conversation: Conversation) -> dict[str, Any]:
    """Where the conversation stands, fresh from the database: state, agent, queue position and wait."""
    conv = Conversation.objects.select_related("assigned_agent__agent_profile").get(pk=conversation.pk)
    frame: dict[str, Any] = {
        "type": "status",
        "conversation": conv.pk,
        "status": conv.status,
        "status_label": conv.get_status_display(),
        "agent_name": selectors.assigned_agent_name(conversation=conv),
        "queue_position": None,
        "estimated_wait_seconds": None,
        "agents_online": None,
        "awaiting_bot_feedback": conv.status == Status.BOT
        and selectors.bot_question_open(conversation=conv, before_seq=conv.last_seq + 1),
        "can_rate": conv.status in RATEABLE_STATUSES
        and conv.last_seq > 0
        and not selectors.customer_has_rated(conversation=conv),
        "last_seq": conv.last_seq,
    }
    if conv.status in WAITING_STATUSES:
        estimate = selectors.queue_estimate(conversation=conv)
        frame.update(
            queue_position=estimate.position,
            estimated_wait_seconds=estimate.estimated_wait_seconds,
            agents_online=estimate.agents_online,
        )
    return frame


def messages_after(*, conversation: Conversation, after_seq: int) -> list[dict[str, Any]]:
    """Every message frame with seq > after_seq, oldest first (all of them, in batches)."""
    frames: list[dict[str, Any]] = []
    while True:
        batch = selectors.messages_since(conversation=conversation, after_seq=after_seq, limit=RESUME_BATCH)
        frames += [message_payload(message) for message in batch]
        if len(batch) < RESUME_BATCH:
            return frames
        after_seq = batch[-1].seq


def _read_marker_key(conversation_id: int, side: str) -> str:
    return f"tickets:read:{conversation_id}:{side}"


def read_markers(*, conversation: Conversation) -> dict[str, int]:
    """The highest seq each side has said it read (kept in the cache: a read receipt is not a record)."""
    sides = (ActorKind.CUSTOMER, ActorKind.AGENT)
    found = cache.get_many([_read_marker_key(conversation.pk, side) for side in sides])
    return {side: found[key] for side in sides if (key := _read_marker_key(conversation.pk, side)) in found}


def resume_frames(*, actor: Actor, conversation: Conversation, after_seq: int) -> list[dict[str, Any]]:
    """What a (re)connecting socket needs: the messages it missed, the other side's read marker, status, ready."""
    conv = Conversation.objects.get(pk=conversation.pk)
    frames = messages_after(conversation=conv, after_seq=after_seq)
    for side, seq in read_markers(conversation=conv).items():
        if side != actor.kind:
            frames.append({"type": "read", "conversation": conv.pk, "sender": side, "seq": seq})
    status = status_frame(conversation=conv)
    frames.append(status)
    last_seq = max([after_seq, *(f["seq"] for f in frames if f["type"] == "message")])
    frames.append({"type": "ready", "conversation": conv.pk, "last_seq": last_seq})
    return frames


# --- Handling one frame ----------------------------------------------------------------------


def _fresh(conversation: Conversation) -> Conversation:
    """Sockets hold a conversation for hours; decisions are made on its current row."""
    return Conversation.objects.select_related("assigned_agent__agent_profile").get(pk=conversation.pk)


def _require_writer(actor: Actor, conv: Conversation) -> None:
    """Customers write to their own conversation (the socket checked the token); agents only to theirs."""
    if actor.kind == ActorKind.CUSTOMER:
        return
    if actor.kind == ActorKind.AGENT and actor.user is not None:
        if conv.status == Status.ASSIGNED and conv.assigned_agent_id == actor.user.pk:
            return
        raise NotYourTicket()
    raise NotAllowedHere("Observers can read this conversation but not write to it.")


def handle_hello(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    last_seq = frame.get("last_seq", 0)
    if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
        raise InvalidFrame('"last_seq" must be a whole number, 0 or more.')
    return resume_frames(actor=actor, conversation=conversation, after_seq=last_seq)


def send_message(*, actor: Actor, conversation: Conversation, client_msg_id: str, body: str) -> tuple[Message, bool]:
    """Post `actor`'s message; (message, created). A resend of a stored client id returns the stored one."""
    if not isinstance(client_msg_id, str) or not 1 <= len(client_msg_id) <= CLIENT_MSG_ID_MAX:
        raise InvalidFrame(f'"client_msg_id" must be a string of 1 to {CLIENT_MSG_ID_MAX} characters.')
    conversation = _fresh(conversation)
    # A resend of a stored message is acknowledged again and never counts against the rate limit.
    sender_kind = SenderKind.CUSTOMER if actor.kind == ActorKind.CUSTOMER else SenderKind.AGENT
    sender_user = actor.user if actor.kind == ActorKind.AGENT else None
    existing = Message.objects.filter(conversation=conversation, client_msg_id=client_msg_id).first()
    if existing is not None:
        if existing.sender_kind != sender_kind or existing.sender_user_id != (sender_user.pk if sender_user else None):
            # Never acknowledge someone else's message as yours: that would silently drop this one.
            raise ClientIdTaken()
        return existing, False
    _require_writer(actor, conversation)
    check_message_rate(actor=actor, conversation=conversation)
    return post_message(
        conversation=conversation,
        sender_kind=sender_kind,
        sender_user=sender_user,
        body=body,
        client_msg_id=client_msg_id,
    )


def set_typing(*, actor: Actor, conversation: Conversation, is_typing: bool) -> None:
    conversation = _fresh(conversation)
    _require_writer(actor, conversation)
    payload = {"type": "typing", "conversation": conversation.pk, "sender": actor.kind, "is_typing": is_typing}
    if actor.kind == ActorKind.AGENT:
        payload["sender_name"] = selectors.assigned_agent_name(conversation=conversation)
    realtime.conversation_push(conversation.pk, payload)


def mark_read(*, actor: Actor, conversation: Conversation, seq: int) -> None:
    """`actor` has read up to `seq`; the other side is told once per new high-water mark."""
    conversation = _fresh(conversation)
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= conversation.last_seq:
        raise InvalidFrame(f'"seq" must be a whole number from 0 to {conversation.last_seq}.')
    if actor.kind == ActorKind.STAFF:
        return  # an observer reading does not tell the customer their message was read
    if actor.kind == ActorKind.AGENT and (actor.user is None or conversation.assigned_agent_id != actor.user.pk):
        raise NotYourTicket()
    key = _read_marker_key(conversation.pk, actor.kind)
    if seq > (cache.get(key) or 0):
        cache.set(key, seq, timeout=MARKER_TTL_SECONDS)
        realtime.conversation_push(
            conversation.pk, {"type": "read", "conversation": conversation.pk, "sender": actor.kind, "seq": seq}
        )


def handle_message(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    client_msg_id = _field(frame, "client_msg_id", str)
    body = _field(frame, "body", str)
    message, created = send_message(actor=actor, conversation=conversation, client_msg_id=client_msg_id, body=body)
    return [
        {
            "type": "ack",
            "conversation": conversation.pk,
            "client_msg_id": client_msg_id,
            "seq": message.seq,
            "duplicate": not created,
        }
    ]


def handle_typing(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    set_typing(actor=actor, conversation=conversation, is_typing=_field(frame, "is_typing", bool))
    return []


def handle_read(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    mark_read(actor=actor, conversation=conversation, seq=_field(frame, "seq", int))
    return []


def handle_ping(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "pong"}]


def handle_human(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    bot.conversation_request_human(conversation=conversation)
    return [status_frame(conversation=conversation)]


def handle_bot_feedback(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    solved = _field(frame, "solved", bool)
    bot.conversation_bot_feedback(conversation=conversation, solved=solved)
    return [status_frame(conversation=conversation)]


def handle_csat(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    from tickets.quality.services import csat_record

    # The quality service validates the score (1–5) and the comment, and refuses a second rating.
    rating = csat_record(conversation=conversation, score=frame.get("score"), comment=frame.get("comment") or "")
    return [{"type": "csat_thanks", "conversation": conversation.pk, "score": rating.score}]


Handler = Callable[..., list[dict[str, Any]]]
COMMON_HANDLERS: dict[str, Handler] = {
    "hello": handle_hello,
    "message": handle_message,
    "typing": handle_typing,
    "read": handle_read,
    "ping": handle_ping,
}
CUSTOMER_HANDLERS: dict[str, Handler] = {
    **COMMON_HANDLERS,
    "human": handle_human,
    "bot_feedback": handle_bot_feedback,
    "csat": handle_csat,
}
HANDLERS_BY_ACTOR = {
    ActorKind.CUSTOMER: CUSTOMER_HANDLERS,
    ActorKind.AGENT: COMMON_HANDLERS,
    ActorKind.STAFF: COMMON_HANDLERS,
}


def handle_frame(*, actor: Actor, conversation: Conversation, frame: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one parsed client frame for `actor` on `conversation`; returns the frames for this socket.

    Raises a TicketError subclass (turn it into an error frame with `error_frame`).
    The caller has already checked that `actor` may see `conversation`.
    """
    check_frame_rate(actor=actor, conversation=conversation)
    handlers = HANDLERS_BY_ACTOR.get(actor.kind, {})
    frame_type = frame.get("type")
    handler = handlers.get(frame_type)
    if handler is None:
        if frame_type in CUSTOMER_HANDLERS:
            raise NotAllowedHere(f'"{frame_type}" frames are for the customer\'s socket.')
        raise UnknownType(f'Unknown frame type "{str(frame_type)[:40]}".')
    return handler(actor=actor, conversation=conversation, frame=frame)


class SeqCursor:
    """What one socket has been sent of one conversation, so each message arrives once and in order.

    Pushes after commit can overtake each other; a message whose seq leaves a gap is
    the signal to fetch the missing ones from the database (`messages_after`).
    """

    SEND, SKIP, GAP = "send", "skip", "gap"

    def __init__(self, sent_seq: int) -> None:
        self.sent_seq = sent_seq

    def classify(self, seq: int) -> str:
        if seq <= self.sent_seq:
            return self.SKIP
        return self.SEND if seq == self.sent_seq + 1 else self.GAP

    def advance(self, seq: int) -> None:
        self.sent_seq = max(self.sent_seq, seq)


# --- Customer presence, for the abandonment job ----------------------------------------------------


def _seen_key(conversation_id: int) -> str:
    return f"tickets:customer-seen:{conversation_id}"


def customer_seen_now(*, conversation_id: int) -> None:
    cache.set(_seen_key(conversation_id), time.time(), timeout=MARKER_TTL_SECONDS)


def customer_last_seen(*, conversation_id: int) -> datetime | None:
    """When the customer's socket (or their API polling) last showed a sign of life."""
    seen = cache.get(_seen_key(conversation_id))
    return datetime.fromtimestamp(seen, tz=UTC) if seen is not None else None
