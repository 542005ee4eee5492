"""The `triage` task on a customer message in a bot conversation: decide, record the decision, act on it —
once, however often the task is delivered."""

import pytest
from django.test import override_settings

from tests.factories import ConversationFactory
from tickets.models import EventKind, Message, Priority, SenderKind, Status
from tickets.services.lifecycle import conversation_start
from tickets.services.messages import post_message
from tickets.triage import services as triage_services
from tickets.triage.models import IntentPolicy, Outcome, Rule, TriageDecision, TriageSettings
from tickets.triage.tasks import triage

pytestmark = pytest.mark.django_db

ROUTINE = "I ordered my card two weeks ago and it still hasn't arrived"


@pytest.fixture
def customer_says(django_capture_on_commit_callbacks, classifier):
    """Post a customer message the way the chat does; the triage task runs on commit, as in production."""

    def say(text: str, conversation=None):
        conversation = conversation or conversation_start(customer_name="Ada Lovelace")
        with django_capture_on_commit_callbacks(execute=True):
            message, _ = post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body=text)
        conversation.refresh_from_db()
        return conversation, message

    return say


def test_a_confident_routine_question_gets_the_knowledge_base_answer(customer_says, classifier):
    assert classifier.predict(ROUTINE).confidence >= classifier.threshold
    conversation, message = customer_says(ROUTINE)
    decision = TriageDecision.objects.get(message=message)
    assert (decision.outcome, decision.rule, decision.intent) == (
        Outcome.BOT_ANSWER,
        Rule.ROUTINE_CONFIDENT,
        "card_arrival",
    )
    assert conversation.status == Status.BOT
    bot_bodies = list(conversation.messages.filter(sender_kind=SenderKind.BOT).values_list("body", flat=True))
    assert bot_bodies[0] == decision.knowledge_answer.body
    assert bot_bodies[1].startswith("Did that solve it?")
    assert conversation.events.filter(kind=EventKind.BOT_ANSWER, data__intent="card_arrival").exists()


def test_every_decision_records_model_language_scores_signals_rule_and_outcome(customer_says, classifier):
    _, message = customer_says(ROUTINE)
    decision = TriageDecision.objects.get(message=message)
    assert decision.model_version == classifier.version
    assert decision.language == "en"
    assert decision.top_intents[0]["intent"] == "card_arrival"
    assert len(decision.top_intents) == 3
    assert decision.top_intents[0]["score"] == pytest.approx(decision.confidence, abs=1e-4)
    assert decision.threshold == pytest.approx(classifier.threshold)
    assert decision.signals == {"codes": [], "cues": []}
    assert decision.category == "cards"
    assert decision.latency_ms is not None


@pytest.mark.parametrize(
    "text",
    [
        "Where is my card? I want to talk to a human",
        "Ich möchte mit einem Mitarbeiter sprechen",
        "Jag vill prata med en människa",
    ],
)
def test_a_request_for_a_human_hands_over_at_once(customer_says, text):
    conversation, message = customer_says(text)
    assert TriageDecision.objects.get(message=message).rule == Rule.HUMAN_REQUESTED
    assert conversation.status == Status.QUEUED
    assert conversation.priority >= Priority.HIGH
    assert conversation.events.filter(kind=EventKind.HANDOFF, data__reason="human_requested").exists()
    assert conversation.handover_summary["request"]


def test_a_stolen_card_goes_to_a_security_agent_urgently(customer_says):
    conversation, message = customer_says("My card was stolen last night, please block it")
    decision = TriageDecision.objects.get(message=message)
    assert (decision.rule, decision.outcome) == (Rule.SECURITY_FRAUD, Outcome.HANDOFF)
    assert conversation.status == Status.QUEUED
    assert (conversation.priority, conversation.category, conversation.required_skill) == (
        Priority.URGENT,
        "security_fraud",
        "security_fraud",
    )


def test_a_refund_request_is_not_routine_and_goes_to_a_refunds_agent(customer_says):
    conversation, message = customer_says("I returned the shoes to the shop, how do I get my money back?")
    decision = TriageDecision.objects.get(message=message)
    assert decision.category == "refunds_disputes"
    assert decision.outcome == Outcome.HANDOFF
    assert conversation.required_skill == "refunds_disputes"


def test_an_angry_customer_goes_to_a_human_with_high_priority(customer_says):
    conversation, message = customer_says("My card STILL hasn't arrived, this is unacceptable, I am furious")
    assert TriageDecision.objects.get(message=message).rule == Rule.DISTRESS
    assert conversation.priority == Priority.HIGH
    assert conversation.handover_summary["sentiment"] == "negative"


def test_after_the_bot_failed_once_the_next_question_goes_to_a_human(customer_says):
    conversation = ConversationFactory(bot_failures=1)
    conversation, message = customer_says(ROUTINE, conversation=conversation)
    assert TriageDecision.objects.get(message=message).rule == Rule.BOT_FAILED_BEFORE
    assert conversation.status == Status.QUEUED


def test_a_german_question_goes_to_a_german_speaking_human(customer_says):
    conversation, message = customer_says("Wo ist meine Karte? Ich habe sie vor zwei Wochen bestellt.")
    decision = TriageDecision.objects.get(message=message)
    assert (decision.rule, decision.language) == (Rule.UNSUPPORTED_LANGUAGE, "de")
    assert conversation.language == "de"
    assert conversation.status == Status.QUEUED


@pytest.mark.parametrize(("text", "reply"), [("Hi there!", "Hi! What can I help you with?"), ("Hallo", "Hallo! Wobei")])
def test_a_greeting_gets_a_question_back_and_stays_with_the_bot(customer_says, text, reply):
    conversation, message = customer_says(
        text, conversation=ConversationFactory(language="de" if text == "Hallo" else "en")
    )
    decision = TriageDecision.objects.get(message=message)
    assert (decision.outcome, decision.rule) == (Outcome.BOT_ANSWER, Rule.SMALL_TALK)
    assert conversation.status == Status.BOT
    assert conversation.messages.filter(sender_kind=SenderKind.BOT).last().body.startswith(reply)
    conversation, message = customer_says(ROUTINE, conversation=conversation)
    assert TriageDecision.objects.get(message=message).rule == Rule.ROUTINE_CONFIDENT


def test_an_unclear_message_goes_to_a_human(customer_says):
    conversation, message = customer_says("hmm it did the thing again")
    assert TriageDecision.objects.get(message=message).rule == Rule.LOW_CONFIDENCE
    assert conversation.status == Status.QUEUED


def test_ops_can_stop_bot_answers_with_the_threshold(customer_says):
    TriageSettings.objects.create(auto_answer_threshold=1.0)
    _, message = customer_says(ROUTINE)
    assert TriageDecision.objects.get(message=message).rule == Rule.LOW_CONFIDENCE


def test_the_threshold_can_be_set_in_settings(customer_says):
    with override_settings(TRIAGE_AUTO_ANSWER_THRESHOLD=1.0):
        _, message = customer_says(ROUTINE)
    assert TriageDecision.objects.get(message=message).rule == Rule.LOW_CONFIDENCE


def test_ops_can_switch_an_intent_off(customer_says):
    IntentPolicy.objects.filter(intent="card_arrival").update(enabled=False)
    _, message = customer_says(ROUTINE)
    assert TriageDecision.objects.get(message=message).rule == Rule.NEEDS_HUMAN


def test_when_the_model_fails_a_human_takes_over(customer_says, monkeypatch):
    def broken():
        raise RuntimeError("model file is corrupt")

    monkeypatch.setattr(triage_services, "get_classifier", broken)
    conversation, message = customer_says(ROUTINE)
    decision = TriageDecision.objects.get(message=message)
    assert (decision.rule, decision.outcome, decision.model_version) == (Rule.TRIAGE_FAILED, Outcome.HANDOFF, "")
    assert conversation.status == Status.QUEUED


def test_when_triage_itself_crashes_the_task_still_hands_over(customer_says, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("tickets.triage.tasks.triage_message", crash)
    conversation, _ = customer_says(ROUTINE)
    assert conversation.status == Status.QUEUED
    assert conversation.events.filter(kind=EventKind.HANDOFF, data__reason="triage_failed").exists()


def test_a_task_delivered_twice_decides_and_answers_once(customer_says):
    conversation, message = customer_says(ROUTINE)
    bot_messages = conversation.messages.filter(sender_kind=SenderKind.BOT).count()
    triage(message.pk)
    triage.delay(message.pk)
    assert triage_services.triage_message(message=message) == TriageDecision.objects.get(message=message)
    assert TriageDecision.objects.filter(message=message).count() == 1
    assert conversation.messages.filter(sender_kind=SenderKind.BOT).count() == bot_messages


def test_the_service_called_twice_decides_once():
    conversation = conversation_start()
    # Without on-commit callbacks running, posting does not trigger the task; we call the service ourselves.
    message, _ = post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="My card was stolen")
    first = triage_services.triage_message(message=message)
    assert first is not None
    assert triage_services.triage_message(message=message) is None  # handed over: no longer with the bot
    assert TriageDecision.objects.filter(message=message).count() == 1


def test_nothing_happens_once_the_conversation_left_the_bot(customer_says):
    conversation = ConversationFactory(status=Status.QUEUED)
    message = Message.objects.create(conversation=conversation, seq=1, sender_kind=SenderKind.CUSTOMER, body=ROUTINE)
    triage(message.pk)
    assert not TriageDecision.objects.filter(message=message).exists()
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED


def test_a_missing_message_is_ignored():
    triage(987654321)


def test_a_worker_process_starts_loading_the_model_without_blocking(monkeypatch):
    import threading

    from tickets.triage import tasks

    loaded = threading.Event()
    monkeypatch.setattr(tasks, "get_classifier", loaded.set)
    tasks.load_model_before_the_first_message()
    assert loaded.wait(timeout=5)
