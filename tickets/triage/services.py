"""Triage one customer message: classify, decide, store the decision, then act on it.

Acting goes through the conversation services (`tickets.services.bot`, `.lifecycle`): the bot
answers with the knowledge-base answer, or the conversation is handed to the queue with
its routing fields and handover summary.
"""

import logging
import time

from django.db import transaction

from tickets.models import Conversation, Message, SenderKind, Status
from tickets.services import bot
from tickets.services.messages import post_message
from tickets.triage.classifier import Prediction, get_classifier
from tickets.triage.language import language_or
from tickets.triage.models import KnowledgeAnswer, Rule, TriageDecision
from tickets.triage.policy import Decision, decide
from tickets.triage.redaction import redact
from tickets.triage.selectors import auto_answer_threshold, category_scores, knowledge_answer_for, routing_for
from tickets.triage.signals import detect_signals, is_small_talk
from tickets.triage.summary import summary_for_conversation

logger = logging.getLogger(__name__)

# The languages the intent model was trained on (BANKING77 is English).
MODEL_LANGUAGES = frozenset({"en"})
# The bot's reply to a message that only greets or thanks.
HOW_CAN_I_HELP = {
    "en": "Hi! What can I help you with? Tell me in a sentence or two — or press “Talk to a human” at any time.",
    "de": "Hallo! Wobei kann ich helfen? Beschreiben Sie es in ein, zwei Sätzen – oder klicken Sie jederzeit auf "
    "„Mit einem Menschen sprechen“.",
    "sv": "Hej! Vad kan jag hjälpa dig med? Berätta med en mening eller två – eller tryck på ”Prata med en "
    "människa” när som helst.",
}


def triage_message(*, message: Message) -> TriageDecision | None:
    """Decide bot answer or handoff for a customer message and carry it out, once.

    Returns the stored decision, or None when there is nothing to do (not a customer
    message, or the conversation is no longer with the bot). Safe to call twice: the
    decision is one-to-one with the message, checked under the conversation's row lock.
    """
    if message.sender_kind != SenderKind.CUSTOMER:
        return None
    conversation = message.conversation
    started = time.perf_counter()
    text = redact(message.body)  # stored bodies are redacted already; cheap insurance before any model
    small_talk = is_small_talk(text)
    # "Hallo" or "ok" says nothing about the language; keep the conversation's.
    fallback = conversation.language or "en"
    language = fallback if small_talk else language_or(text, fallback)
    signals = detect_signals(text)
    prediction, threshold = _classify(text)
    routing = routing_for(intent=prediction.intent) if prediction else None
    answer = knowledge_answer_for(intent=prediction.intent, language=language) if prediction else None
    decision = decide(
        prediction=prediction,
        signals=signals,
        routing=routing,
        threshold=threshold,
        bot_failures=conversation.bot_failures,
        has_answer=answer is not None,
        language_supported=language in MODEL_LANGUAGES,
        small_talk=small_talk,
        category_scores=category_scores(prediction=prediction) if prediction else None,
    )
    latency_ms = (time.perf_counter() - started) * 1000

    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conv.status != Status.BOT:
            return None
        record, created = TriageDecision.objects.get_or_create(
            message=message,
            defaults={
                "conversation": conv,
                "model_version": prediction.model_version if prediction else "",
                "language": language,
                "intent": prediction.intent if prediction else "",
                "top_intents": [s.as_dict() for s in prediction.top_intents] if prediction else [],
                "confidence": prediction.confidence if prediction else 0.0,
                "threshold": threshold if prediction else None,
                "category": decision.category,
                "signals": signals.as_dict(),
                "rule": decision.rule,
                "outcome": decision.outcome,
                "priority": decision.priority,
                "knowledge_answer": answer if decision.rule == Rule.ROUTINE_CONFIDENT else None,
                "latency_ms": round(latency_ms, 2),
            },
        )
        if not created:
            return record
        _carry_out(conversation=conv, decision=decision, prediction=prediction, answer=answer, language=language)
    logger.info(
        "Triage of message %s: %s by rule %s (intent %s, confidence %.3f, %.1f ms).",
        message.pk,
        record.outcome,
        record.rule,
        record.intent or "-",
        record.confidence,
        latency_ms,
    )
    return record


def triage_fail_safe(*, message_id: int) -> None:
    """Triage crashed: a person takes over (Chatwoot's rule), if the conversation is still with the bot."""
    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    if message is None or message.conversation.status != Status.BOT:
        return
    conversation = message.conversation
    bot.conversation_handoff(
        conversation=conversation,
        reason="triage_failed",
        language=conversation.language,
        summary=bot.handover_summary_for(conversation=conversation),
    )


def _classify(text: str) -> tuple[Prediction | None, float]:
    try:
        classifier = get_classifier()
        return classifier.predict(text), auto_answer_threshold(classifier=classifier)
    except Exception:  # any model failure becomes a handoff (rule triage_failed), never a stuck customer
        logger.exception("The intent model failed; the policy will hand over.")
        return None, 1.0


def _carry_out(
    *,
    conversation: Conversation,
    decision: Decision,
    prediction: Prediction | None,
    answer: KnowledgeAnswer | None,
    language: str,
) -> None:
    if decision.rule == Rule.SMALL_TALK:
        post_message(
            conversation=conversation,
            sender_kind=SenderKind.BOT,
            body=HOW_CAN_I_HELP.get(language, HOW_CAN_I_HELP["en"]),
        )
        return
    if decision.bot_answers and prediction is not None and answer is not None:
        bot.conversation_bot_answer(
            conversation=conversation, body=answer.body, intent=prediction.intent, knowledge_answer_id=answer.pk
        )
        return
    bot.conversation_handoff(
        conversation=conversation,
        reason=decision.rule,
        priority=decision.priority,
        category=decision.category,
        language=language,
        required_skill=decision.required_skill,
        intent=prediction.intent if prediction else None,
        summary=summary_for_conversation(conversation=conversation),
    )
