"""Reads the triage shares: the policy row for an intent, the answer to give, the threshold."""

from django.conf import settings

from tickets.triage.classifier import IntentClassifier, Prediction
from tickets.triage.models import IntentPolicy, KnowledgeAnswer, TriageSettings
from tickets.triage.policy import IntentRouting
from tickets.triage.taxonomy import INTENTS


def routing_for(*, intent: str) -> IntentRouting | None:
    """The intent's row of the policy table; the shipped default if ops deleted it."""
    row = IntentPolicy.objects.filter(intent=intent).first()
    if row is None:
        return IntentRouting.default_for(intent)
    return IntentRouting(
        category=row.category,
        routine=row.routine,
        priority=row.priority,
        required_skill=row.required_skill or row.category,
        enabled=row.enabled,
    )


def category_scores(*, prediction: Prediction) -> dict[str, float]:
    """The model's probability per category, by the policy table's filing of each intent."""
    categories = {intent: spec.category for intent, spec in INTENTS.items()}
    categories.update(IntentPolicy.objects.values_list("intent", "category"))
    totals: dict[str, float] = {}
    for intent, score in prediction.scores.items():
        category = categories.get(intent)
        if category:
            totals[category] = totals.get(category, 0.0) + score
    return totals


def knowledge_answer_for(*, intent: str, language: str) -> KnowledgeAnswer | None:
    """The enabled answer for `intent` in `language`, else in English, else None."""
    answers = {a.language: a for a in KnowledgeAnswer.objects.filter(intent=intent, enabled=True)}
    return answers.get(language) or answers.get("en")


def auto_answer_threshold(*, classifier: IntentClassifier) -> float:
    """Ops' override in the admin, else the TRIAGE_AUTO_ANSWER_THRESHOLD setting, else the model's own."""
    override = TriageSettings.objects.filter(pk=1).values_list("auto_answer_threshold", flat=True).first()
    if override is not None:
        return float(override)
    configured = getattr(settings, "TRIAGE_AUTO_ANSWER_THRESHOLD", None)
    if configured not in (None, ""):
        return float(configured)
    return classifier.threshold
