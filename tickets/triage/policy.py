"""The triage policy: a pure function from what we know about a message to bot or human.

The rules are tried in this order; the first that fires decides (PRODUCT.md §2):

| #  | rule                 | when                                               | outcome           |
|----|----------------------|----------------------------------------------------|-------------------|
| 1  | human_requested      | the customer asked for a person                    | handoff, at once  |
| 2  | security_fraud       | security & fraud ≥ 30 % likely, or a fraud cue     | handoff, urgent   |
| 3  | triage_failed        | the model could not classify (fail-safe)           | handoff           |
| 4  | distress             | angry, distressed or vulnerable                    | handoff, high     |
| 5  | small_talk           | only a greeting or thanks: nothing to triage yet   | the bot asks      |
| 6  | bot_failed_before    | the bot already failed once in this conversation   | handoff           |
| 7  | unsupported_language | the model does not read the message's language     | handoff           |
| 8  | low_confidence       | calibrated confidence below the threshold          | handoff           |
| 9  | needs_human          | intent not routine (or switched off by ops)        | handoff           |
| 10 | no_answer            | no knowledge-base answer for the intent            | handoff           |
| 11 | routine_confident    | everything else                                    | the bot answers   |

Rule 7 exists because the model reads English only (BANKING77): on German or Swedish
text its confidence is not calibrated — it can be 0.95 and wrong.

Routing (category, skill, priority) comes from the policy row of the top intent, but
only when the model puts at least half its probability on that row's category; a guess
goes to the general queue (any agent, normal priority) instead of a specialist lane.
Rule 2 looks at the probability of the security & fraud category as a whole: on the
validation split, ≥ 0.3 catches 97 % of those cases and flags 0.7 % of the others.

No model output can override rule 1. The priority is the highest that applies (the
intent's own, high for a request for a person or an upset customer, urgent for
security), whichever rule decided.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from tickets.triage.classifier import Prediction
from tickets.triage.models import Outcome, Rule
from tickets.triage.signals import Signals
from tickets.triage.taxonomy import HIGH, INTENTS, NORMAL, SECURITY, URGENT

GENERAL = "general"
# Probability of the security & fraud category from which a case is treated as one.
SECURITY_MIN_SCORE = 0.3
# Probability of the top intent's category needed to route by it (else the general queue).
ROUTING_MIN_SCORE = 0.5


@dataclass(frozen=True)
class IntentRouting:
    """One row of the policy table (an `IntentPolicy`, or the seed default for it)."""

    category: str
    routine: bool
    priority: int
    required_skill: str
    enabled: bool = True

    @classmethod
    def default_for(cls, intent: str) -> "IntentRouting | None":
        spec = INTENTS.get(intent)
        if spec is None:
            return None
        return cls(category=spec.category, routine=spec.routine, priority=spec.priority, required_skill=spec.category)


@dataclass(frozen=True)
class Decision:
    outcome: str
    rule: str
    priority: int
    category: str
    required_skill: str

    @property
    def bot_answers(self) -> bool:
        return self.outcome == Outcome.BOT_ANSWER


def decide(
    *,
    prediction: Prediction | None,
    signals: Signals,
    routing: IntentRouting | None,
    threshold: float,
    bot_failures: int,
    has_answer: bool,
    language_supported: bool = True,
    category_scores: Mapping[str, float] | None = None,
    small_talk: bool = False,
) -> Decision:
    """Bot answer or handoff, with the rule that decided. `prediction` None means triage failed.

    `routing` is the policy row of the predicted intent. `category_scores` is the model's
    probability per category (summed over the intents the policy table files under it);
    without it, the top intent's confidence stands for its category's. `language_supported`
    False means the model cannot read the message: only the rule-based signals count.
    `small_talk` means the message only greets or thanks.
    """
    if category_scores is None:
        category_scores = {routing.category: prediction.confidence} if prediction and routing else {}
    if not language_supported:
        category_scores = {}  # the model's guesses on a language it can't read route nothing
    security = signals.fraud or category_scores.get(SECURITY, 0.0) >= SECURITY_MIN_SCORE
    if security:
        category, skill, priority = SECURITY, SECURITY, URGENT
    elif routing is not None and category_scores.get(routing.category, 0.0) >= ROUTING_MIN_SCORE:
        category, skill, priority = routing.category, routing.required_skill or routing.category, routing.priority
    else:
        category, skill, priority = GENERAL, "", NORMAL
    if signals.human_requested or signals.upset:
        priority = max(priority, HIGH)

    def handoff(rule: str) -> Decision:
        return Decision(Outcome.HANDOFF, rule, priority, category, skill)

    if signals.human_requested:
        return handoff(Rule.HUMAN_REQUESTED)
    if security:
        return handoff(Rule.SECURITY_FRAUD)
    if prediction is None or routing is None:
        return handoff(Rule.TRIAGE_FAILED)
    if signals.upset:
        return handoff(Rule.DISTRESS)
    if small_talk:
        return Decision(Outcome.BOT_ANSWER, Rule.SMALL_TALK, priority, category, skill)
    if bot_failures >= 1:
        return handoff(Rule.BOT_FAILED_BEFORE)
    if not language_supported:
        return handoff(Rule.UNSUPPORTED_LANGUAGE)
    if prediction.confidence < threshold:
        return handoff(Rule.LOW_CONFIDENCE)
    if not (routing.routine and routing.enabled):
        return handoff(Rule.NEEDS_HUMAN)
    if not has_answer:
        return handoff(Rule.NO_ANSWER)
    return Decision(Outcome.BOT_ANSWER, Rule.ROUTINE_CONFIDENT, priority, category, skill)
