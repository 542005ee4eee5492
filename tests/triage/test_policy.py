"""The policy rule table, tried in order: a request for a human always wins; only a confident,
routine, calm, English question with a knowledge-base answer gets a bot answer."""

import pytest

from tickets.triage.classifier import IntentScore, Prediction
from tickets.triage.models import Outcome, Rule
from tickets.triage.policy import IntentRouting, decide
from tickets.triage.signals import Signals, detect_signals

ROUTINE = IntentRouting(category="cards", routine=True, priority=20, required_skill="cards")
NOT_ROUTINE = IntentRouting(category="refunds_disputes", routine=False, priority=20, required_skill="refunds_disputes")
SECURITY = IntentRouting(category="security_fraud", routine=False, priority=40, required_skill="security_fraud")
CALM = Signals()


def prediction(intent: str = "card_arrival", confidence: float = 0.99) -> Prediction:
    return Prediction(
        intent=intent,
        category="cards",
        confidence=confidence,
        top_intents=(IntentScore(intent, confidence),),
        model_version="test",
    )


def decision(**overrides):
    arguments = {
        "prediction": prediction(),
        "signals": CALM,
        "routing": ROUTINE,
        "threshold": 0.9,
        "bot_failures": 0,
        "has_answer": True,
        "language_supported": True,
    }
    arguments.update(overrides)
    return decide(**arguments)


def test_a_confident_routine_question_gets_the_bot_answer():
    result = decision()
    assert (result.outcome, result.rule) == (Outcome.BOT_ANSWER, Rule.ROUTINE_CONFIDENT)
    assert result.bot_answers


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"routing": SECURITY},
        {"prediction": None, "routing": None},
        {"signals": Signals(human_requested=True, negative_sentiment=True, distress=True)},
        {"bot_failures": 1},
        {"language_supported": False},
        {"prediction": prediction(confidence=0.2)},
        {"routing": NOT_ROUTINE},
        {"has_answer": False},
    ],
)
def test_a_request_for_a_human_always_wins(overrides):
    result = decision(**{"signals": Signals(human_requested=True), **overrides})
    assert (result.outcome, result.rule) == (Outcome.HANDOFF, Rule.HUMAN_REQUESTED)


def test_a_request_for_a_human_wins_even_at_full_confidence_in_a_routine_intent():
    result = decision(prediction=prediction(confidence=1.0), signals=detect_signals("where is my card? human please"))
    assert result.rule == Rule.HUMAN_REQUESTED


def test_security_and_fraud_intents_go_to_a_human_urgently():
    result = decision(routing=SECURITY, prediction=prediction("lost_or_stolen_card"))
    assert (result.outcome, result.rule, result.priority) == (Outcome.HANDOFF, Rule.SECURITY_FRAUD, 40)
    assert (result.category, result.required_skill) == ("security_fraud", "security_fraud")


def test_a_fraud_cue_makes_any_intent_a_security_case():
    result = decision(signals=Signals(fraud=True))
    assert (result.rule, result.priority, result.category) == (Rule.SECURITY_FRAUD, 40, "security_fraud")


def test_a_human_request_about_fraud_is_still_urgent():
    result = decision(signals=Signals(human_requested=True, fraud=True))
    assert (result.rule, result.priority) == (Rule.HUMAN_REQUESTED, 40)


def test_when_triage_failed_a_human_takes_over():
    result = decision(prediction=None, routing=None)
    assert (result.outcome, result.rule, result.category) == (Outcome.HANDOFF, Rule.TRIAGE_FAILED, "general")


@pytest.mark.parametrize(
    "signals", [Signals(negative_sentiment=True), Signals(distress=True), Signals(vulnerability=True)]
)
def test_an_upset_or_vulnerable_customer_goes_to_a_human_with_high_priority(signals):
    result = decision(signals=signals)
    assert (result.outcome, result.rule, result.priority) == (Outcome.HANDOFF, Rule.DISTRESS, 30)


def test_after_one_failed_bot_answer_a_human_takes_over():
    assert decision(bot_failures=1).rule == Rule.BOT_FAILED_BEFORE


def test_a_language_the_model_does_not_read_goes_to_a_human():
    assert decision(language_supported=False).rule == Rule.UNSUPPORTED_LANGUAGE


def test_below_the_threshold_a_human_takes_over():
    assert decision(prediction=prediction(confidence=0.89), threshold=0.9).rule == Rule.LOW_CONFIDENCE
    assert decision(prediction=prediction(confidence=0.9), threshold=0.9).rule == Rule.ROUTINE_CONFIDENT


def test_a_non_routine_intent_goes_to_a_human_with_its_category_as_skill():
    result = decision(routing=NOT_ROUTINE)
    assert (result.rule, result.category, result.required_skill) == (
        Rule.NEEDS_HUMAN,
        "refunds_disputes",
        "refunds_disputes",
    )


def test_an_intent_switched_off_by_ops_goes_to_a_human():
    switched_off = IntentRouting(category="cards", routine=True, priority=20, required_skill="cards", enabled=False)
    assert decision(routing=switched_off).rule == Rule.NEEDS_HUMAN


def test_without_a_knowledge_base_answer_a_human_takes_over():
    assert decision(has_answer=False).rule == Rule.NO_ANSWER


def test_rules_fire_in_the_documented_order():
    everything = {
        "signals": Signals(human_requested=True, fraud=True, negative_sentiment=True),
        "routing": NOT_ROUTINE,
        "prediction": prediction(confidence=0.1),
        "bot_failures": 2,
        "has_answer": False,
        "language_supported": False,
        "small_talk": True,
    }
    fired = []
    for relax in [
        {"signals": Signals(fraud=True, negative_sentiment=True)},
        {"signals": Signals(negative_sentiment=True)},
        {"signals": CALM},
        {"small_talk": False},
        {"bot_failures": 0},
        {"language_supported": True},
        {"prediction": prediction(confidence=0.99)},
        {"routing": ROUTINE},
        {"has_answer": True},
    ]:
        fired.append(decision(**everything).rule)
        everything.update(relax)
    fired.append(decision(**everything).rule)
    assert fired == [
        Rule.HUMAN_REQUESTED,
        Rule.SECURITY_FRAUD,
        Rule.DISTRESS,
        Rule.SMALL_TALK,
        Rule.BOT_FAILED_BEFORE,
        Rule.UNSUPPORTED_LANGUAGE,
        Rule.LOW_CONFIDENCE,
        Rule.NEEDS_HUMAN,
        Rule.NO_ANSWER,
        Rule.ROUTINE_CONFIDENT,
    ]


def test_a_guess_goes_to_the_general_queue_not_a_specialist():
    result = decision(prediction=prediction(confidence=0.3), category_scores={"cards": 0.4, "payments": 0.35})
    assert (result.rule, result.category, result.required_skill, result.priority) == (
        Rule.LOW_CONFIDENCE,
        "general",
        "",
        20,
    )


def test_a_likely_security_case_is_urgent_even_when_the_top_intent_is_not():
    result = decision(category_scores={"cards": 0.6, "security_fraud": 0.35})
    assert (result.rule, result.category, result.priority) == (Rule.SECURITY_FRAUD, "security_fraud", 40)


def test_an_unlikely_security_guess_is_not_urgent():
    result = decision(routing=SECURITY, prediction=prediction("lost_or_stolen_phone", 0.08), category_scores={})
    assert (result.rule, result.category, result.priority) == (Rule.LOW_CONFIDENCE, "general", 20)


def test_in_a_language_the_model_cannot_read_only_the_rule_based_signals_route():
    result = decision(language_supported=False, routing=SECURITY, category_scores={"security_fraud": 0.9})
    assert (result.rule, result.category) == (Rule.UNSUPPORTED_LANGUAGE, "general")
    result = decision(language_supported=False, signals=Signals(fraud=True))
    assert (result.rule, result.category) == (Rule.SECURITY_FRAUD, "security_fraud")


def test_a_greeting_alone_gets_the_bot_asking_what_it_can_do():
    result = decision(small_talk=True, prediction=prediction(confidence=0.1))
    assert (result.outcome, result.rule) == (Outcome.BOT_ANSWER, Rule.SMALL_TALK)
