"""Posting chat messages: redacted, numbered without gaps, idempotent on the client's id."""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tickets import realtime, selectors
from tickets.exceptions import MessageRejected
from tickets.models import ActorKind, Conversation, EventKind, Message, SenderKind, Status
from tickets.triage.redaction import redact

log = logging.getLogger(__name__)


class MessageTooLong(MessageRejected):
    """The message is longer than a chat message may be."""

    code = "message_too_long"


class ConversationClosed(MessageRejected):
    """This conversation is closed; start a new one."""

    code = "conversation_closed"
    http_status = 409


# Short answers to the bot's "did that solve it?", in the languages we serve.
YES_ANSWERS = frozenset(
    {"yes", "y", "yeah", "yep", "yup", "ja", "jo", "japp", "jawohl", "oui", "si", "sí", "solved", "thanks"}
    | {"yes thanks", "yes thank you", "yes it did", "it did", "ja danke", "ja tack", "oui merci", "si gracias"}
)
NO_ANSWERS = frozenset(
    {"no", "n", "nope", "nej", "nein", "non", "not really", "no it didn't", "no it did not", "it didn't"}
    | {"nein danke", "nej tack", "no thanks"}
)
_NOT_LETTERS_RE = re.compile(r"[^\w' ]+")


def bot_feedback_answer(body: str) -> bool | None:
    """True for a yes, False for a no, None for anything else (then it is a new question)."""
    words = " ".join(_NOT_LETTERS_RE.sub(" ", body.lower().replace("’", "'")).split())
    if words in YES_ANSWERS:
        return True
    if words in NO_ANSWERS:
        return False
    return None


def message_payload(message: Message) -> dict:
    return {
        "type": "message",
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": message.sender_kind,
        "sender_name": _sender_name(message),
        "body": message.body,
        "client_msg_id": message.client_msg_id,
        "created_at": message.created_at.isoformat(),
    }


def _sender_name(message: Message) -> str:
    if message.sender_kind == SenderKind.AGENT and message.sender_user_id:
        profile = getattr(message.sender_user, "agent_profile", None)
        return profile.display_name if profile else message.sender_user.get_username()
    return {"bot": "Assistant", "system": "Klarna Gig", "customer": "Customer"}.get(message.sender_kind, "")


def _validate_body(body: str) -> str:
    if not isinstance(body, str):
        raise MessageRejected("A message must be text.")
    body = body.strip()
    if not body:
        raise MessageRejected("A message cannot be empty.")
    if len(body) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise MessageTooLong(f"A message may be at most {settings.CHAT_MAX_MESSAGE_CHARS} characters.")
    return body


def _validate_client_id(client_msg_id: str | None) -> str | None:
    if client_msg_id is None:
        return None
    if not isinstance(client_msg_id, str) or not (1 <= len(client_msg_id) <= 64):
        raise MessageRejected("client_msg_id must be a string of 1 to 64 characters.")
    return client_msg_id


def post_message(
    *,
    conversation: Conversation,
    sender_kind: str,
    body: str,
    sender_user: AbstractBaseUser | None = None,
    client_msg_id: str | None = None,
) -> tuple[Message, bool]:
    """Store one message and push it to the conversation's sockets after commit.

    Returns (message, created). A resend with the same `client_msg_id` returns the
    stored message and creates nothing. The text is redacted before it is stored.
    """
    body = redact(_validate_body(body))
    client_msg_id = _validate_client_id(client_msg_id)
    with transaction.atomic():
        # The row lock serialises writers of one conversation: the sequence stays gap-free
        # and two resends of one client id cannot both insert.
        conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if client_msg_id is not None:
            existing = Message.objects.filter(conversation=conv, client_msg_id=client_msg_id).first()
            if existing is not None:
                return existing, False
        if conv.status == Status.CLOSED and sender_kind in (SenderKind.CUSTOMER, SenderKind.AGENT):
            raise ConversationClosed()
        now = timezone.now()
        conv.last_seq += 1
        update_fields = ["last_seq", "updated_at"]
        message = Message.objects.create(
            conversation=conv,
            seq=conv.last_seq,
            sender_kind=sender_kind,
            sender_user=sender_user,
            client_msg_id=client_msg_id,
            body=body,
        )
        if sender_kind == SenderKind.CUSTOMER:
            conv.last_customer_message_at = now
            update_fields.append("last_customer_message_at")
        elif sender_kind == SenderKind.AGENT:
            conv.last_agent_message_at = now
            update_fields.append("last_agent_message_at")
            if conv.first_response_at is None:
                conv.first_response_at = now
                update_fields.append("first_response_at")
                from tickets.services.lifecycle import conversation_event_record

                conversation_event_record(
                    conversation=conv, kind=EventKind.FIRST_RESPONSE, actor_kind=ActorKind.AGENT, actor_user=sender_user
                )
        conv.save(update_fields=update_fields)
        conversation.last_seq = conv.last_seq
        realtime.conversation_push(conv.pk, message_payload(message))
        if sender_kind == SenderKind.CUSTOMER:
            _after_customer_message(conv, message)
    return message, True


def _after_customer_message(conv: Conversation, message: Message) -> None:
    """What a customer's message sets in motion, by the state the conversation is in."""
    from tickets.services import bot, lifecycle

    if conv.status == Status.BOT_RESOLVED:
        conv = lifecycle.conversation_transition(
            conversation=conv, to_status=Status.BOT, actor_kind=ActorKind.CUSTOMER, data={"reason": "new_question"}
        )
    if conv.status == Status.ABANDONED:
        # The customer came back after we gave up on them: back in the queue, at its end.
        lifecycle.conversation_transition(
            conversation=conv, to_status=Status.QUEUED, actor_kind=ActorKind.CUSTOMER, data={"reason": "returned"}
        )
        return
    if conv.status == Status.RESOLVED:
        window = timedelta(hours=settings.REOPEN_WINDOW_HOURS)
        if conv.resolved_at and timezone.now() - conv.resolved_at <= window:
            lifecycle.conversation_reopen(conversation=conv)
        return
    if conv.status == Status.BOT:
        asked = selectors.bot_question_open(conversation=conv, before_seq=message.seq)
        answer = bot_feedback_answer(message.body) if asked else None
        if answer is not None:
            bot.conversation_bot_feedback(conversation=conv, solved=answer)
        else:
            transaction.on_commit(lambda: _triage_or_hand_over(conv.pk, message.pk), robust=True)
    elif conv.assigned_agent_id:
        realtime.agent_push(conv.assigned_agent_id, {"type": "unread", "conversation": conv.pk, "seq": message.seq})


def _triage_or_hand_over(conversation_id: int, message_id: int) -> None:
    """Queue the triage task; if that fails in any way, a human takes over (the customer is never stuck)."""
    try:
        from tickets.triage.tasks import triage

        triage.delay(message_id)
    except Exception:  # whatever broke, the fail-safe is a human
        log.exception("Triage of message %s failed; handing conversation %s to a human", message_id, conversation_id)
        from tickets.services import bot

        conv = Conversation.objects.get(pk=conversation_id)
        if conv.status == Status.BOT:
            bot.conversation_handoff(
                conversation=conv,
                reason="triage_failed",
                summary=bot.handover_summary_for(conversation=conv),
                actor_kind=ActorKind.SYSTEM,
            )
