"""The bot's side of a conversation: its knowledge-base answers, the customer's "did that solve it?",
and the handover to a person (with the routing fields and summary the agent needs).

State changes still go through `lifecycle.conversation_transition`; this module decides when.
"""

import logging
from typing import Any

from django.db import transaction

from tickets import realtime
from tickets.exceptions import IllegalTransition
from tickets.models import ActorKind, Category, Conversation, EventKind, Priority, SenderKind, Status
from tickets.services.lifecycle import (
    conversation_event_record,
    conversation_lock,
    conversation_reopen,
    conversation_transition,
)

log = logging.getLogger(__name__)
S = Status


def conversation_bot_answer(
    *, conversation: Conversation, body: str, intent: str, knowledge_answer_id: int | None = None
) -> None:
    """The bot answers from the knowledge base and asks whether that solved it."""
    from tickets.services.messages import post_message

    with transaction.atomic():
        conv = conversation_lock(conversation)
        if conv.status != S.BOT:
            raise IllegalTransition("Only a conversation with the bot gets bot answers.")
        conv.intent = intent
        conv.save(update_fields=["intent", "updated_at"])
        post_message(conversation=conv, sender_kind=SenderKind.BOT, body=body)
        post_message(
            conversation=conv,
            sender_kind=SenderKind.BOT,
            body=BOT_SOLVED_QUESTION.get(conv.language, BOT_SOLVED_QUESTION["en"]),
        )
        conversation_event_record(
            conversation=conv,
            kind=EventKind.BOT_ANSWER,
            actor_kind=ActorKind.BOT,
            data={"intent": intent, "knowledge_answer_id": knowledge_answer_id},
        )
        realtime.conversation_push(conv.pk, {"type": "bot_question", "conversation": conv.pk, "question": "solved"})


BOT_SOLVED_QUESTION = {
    "en": "Did that solve it? Answer yes or no — or press “Talk to a human” at any time.",
    "de": "Hat das geholfen? Antworten Sie mit ja oder nein – oder klicken Sie jederzeit auf „Mit einem Menschen sprechen“.",
    "sv": "Löste det ditt problem? Svara ja eller nej – eller tryck på ”Prata med en människa” när som helst.",
}

HANDOFF_NOTICE = {
    "en": "I'm handing you over to a person. They will see everything you've written, so you won't have to repeat it.",
    "de": "Ich verbinde Sie mit einem Menschen. Er sieht alles, was Sie geschrieben haben – Sie müssen nichts wiederholen.",
    "sv": "Jag kopplar dig till en person. De ser allt du har skrivit, så du behöver inte upprepa dig.",
}


def conversation_handoff(
    *,
    conversation: Conversation,
    reason: str,
    priority: int = Priority.NORMAL,
    category: str | None = None,
    language: str | None = None,
    required_skill: str | None = None,
    intent: str | None = None,
    summary: dict[str, Any] | None = None,
    actor_kind: str = ActorKind.BOT,
) -> Conversation:
    """Hand a conversation over to the human queue with its routing fields and summary.

    Keeps the same conversation, so the whole transcript follows the customer.
    """
    from tickets.services.messages import post_message

    with transaction.atomic():
        conv = conversation_lock(conversation)
        if conv.status in (S.QUEUED, S.ASSIGNED, S.REOPENED):
            # Already with (or waiting for) a human: only raise the priority if asked.
            if priority > conv.priority:
                conv.priority = priority
                conv.save(update_fields=["priority", "updated_at"])
            return conv
        conv.priority = max(priority, conv.priority) if conv.status == S.BOT_RESOLVED else priority
        for field, value in (
            ("category", category),
            ("language", language),
            ("required_skill", required_skill),
            ("intent", intent),
        ):
            if value:
                setattr(conv, field, value)
        if summary is not None:
            conv.handover_summary = summary
        conv.save()
        conversation_event_record(
            conversation=conv, kind=EventKind.HANDOFF, actor_kind=actor_kind, data={"reason": reason}
        )
        post_message(
            conversation=conv,
            sender_kind=SenderKind.SYSTEM,
            body=HANDOFF_NOTICE.get(conv.language, HANDOFF_NOTICE["en"]),
        )
        conv = conversation_transition(
            conversation=conv, to_status=S.QUEUED, actor_kind=actor_kind, data={"reason": reason}
        )
    return conv


def handover_summary_for(*, conversation: Conversation) -> dict[str, Any]:
    """The triage's handover summary; if building it fails, a plain one, so a handoff never fails."""
    try:
        from tickets.triage.summary import summary_for_conversation

        return summary_for_conversation(conversation=conversation)
    except Exception:  # the human handoff is a guarantee; a missing summary must not block it
        log.exception("Handover summary failed for conversation %s", conversation.pk)
        customer_text = list(
            conversation.messages.filter(sender_kind=SenderKind.CUSTOMER)
            .order_by("-seq")
            .values_list("body", flat=True)[:3]
        )
        return {"request": " / ".join(reversed(customer_text)), "intent": conversation.intent, "fallback": True}


def _routing_from_summary(summary: dict[str, Any]) -> dict[str, str | None]:
    """Queue fields from what the triage learnt (its latest decision, via the summary): who can help, in which
    language. A customer who presses "Talk to a human" after a German bot answer needs a German speaker."""
    from agents.models import Language

    category = summary.get("category") or None
    language = summary.get("language")
    return {
        "category": category if category in Category.values else None,
        "language": language if language in Language.values else None,
        "required_skill": category if category in Category.values and category != Category.GENERAL else None,
        "intent": summary.get("intent") or None,
    }


def _hand_over_for_the_customer(*, conversation: Conversation, reason: str, priority: int) -> Conversation:
    """The customer wants a person: hand over with what triage learnt (summary, language, skill)."""
    summary = handover_summary_for(conversation=conversation)
    return conversation_handoff(
        conversation=conversation,
        reason=reason,
        priority=max(conversation.priority, priority),
        summary=summary,
        actor_kind=ActorKind.CUSTOMER,
        **_routing_from_summary(summary),
    )


def conversation_request_human(*, conversation: Conversation) -> Conversation:
    """The customer asked for a person: always honoured, at once, from any state but closed."""
    conv = Conversation.objects.get(pk=conversation.pk)
    if conv.status in (S.QUEUED, S.ASSIGNED, S.REOPENED):
        return conv
    if conv.status == S.RESOLVED:
        return conversation_reopen(conversation=conv)
    if conv.status == S.CLOSED:
        raise IllegalTransition("This conversation is closed; start a new one.")
    return _hand_over_for_the_customer(conversation=conv, reason="human_requested", priority=Priority.HIGH)


BOT_GLAD = {
    "en": "Glad that helped! If anything else comes up, just write here.",
    "de": "Schön, dass es geholfen hat! Wenn noch etwas ist, schreiben Sie einfach hier.",
    "sv": "Vad bra att det hjälpte! Om något mer dyker upp är det bara att skriva här.",
}


def conversation_bot_feedback(*, conversation: Conversation, solved: bool) -> Conversation:
    """The customer answered the bot's "did that solve it?": yes ends it with the bot, no goes to a human."""
    from tickets.services.messages import post_message

    with transaction.atomic():
        conv = conversation_lock(conversation)
        if conv.status != S.BOT:
            raise IllegalTransition(f"Only a conversation with the bot takes bot feedback; this one is {conv.status}.")
        if solved:
            post_message(
                conversation=conv, sender_kind=SenderKind.BOT, body=BOT_GLAD.get(conv.language, BOT_GLAD["en"])
            )
            conv = conversation_transition(
                conversation=conv, to_status=S.BOT_RESOLVED, actor_kind=ActorKind.CUSTOMER, data={"reason": "solved"}
            )
            realtime.conversation_push(conv.pk, {"type": "csat_request", "conversation": conv.pk})
            return conv
        conv.bot_failures += 1
        conv.save(update_fields=["bot_failures", "updated_at"])
        return _hand_over_for_the_customer(conversation=conv, reason="bot_answer_rejected", priority=Priority.NORMAL)
