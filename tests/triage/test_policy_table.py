"""The policy table and knowledge base are seeded by a migration and edited by ops in the admin."""

import pytest
from django.urls import reverse

from tickets.models import Category
from tickets.triage.models import IntentPolicy, KnowledgeAnswer, TriageDecision, TriageSettings
from tickets.triage.taxonomy import CATEGORIES, INTENTS

pytestmark = pytest.mark.django_db


def test_every_intent_has_a_policy_row_seeded_from_the_taxonomy():
    rows = {p.intent: p for p in IntentPolicy.objects.all()}
    assert set(rows) == set(INTENTS)
    for intent, spec in INTENTS.items():
        row = rows[intent]
        assert (row.category, row.routine, row.priority, row.required_skill, row.enabled) == (
            spec.category,
            spec.routine,
            spec.priority,
            spec.category,
            True,
        )


def test_category_codes_are_the_tickets_categories():
    assert set(CATEGORIES) == {c.value for c in Category} - {"general"}


def test_security_fraud_and_refunds_are_never_routine():
    assert not IntentPolicy.objects.filter(category__in=["security_fraud", "refunds_disputes"], routine=True).exists()
    assert set(IntentPolicy.objects.filter(category="security_fraud").values_list("priority", flat=True)) == {40}


def test_every_routine_intent_has_an_english_answer_and_many_have_german_and_swedish():
    routine = set(IntentPolicy.objects.filter(routine=True).values_list("intent", flat=True))
    answered = set(KnowledgeAnswer.objects.filter(language="en", enabled=True).values_list("intent", flat=True))
    assert routine <= answered
    for language in ("de", "sv"):
        assert KnowledgeAnswer.objects.filter(language=language).count() >= 10


def test_ops_edit_the_policy_in_the_admin(admin_client):
    policy = IntentPolicy.objects.get(intent="card_arrival")
    url = reverse("admin:triage_intentpolicy_change", args=[policy.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "intent": "card_arrival",
            "category": "cards",
            "routine": "",
            "priority": 30,
            "required_skill": "",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.routine, policy.priority, policy.required_skill) == (False, 30, "cards")


@pytest.mark.parametrize("model", [IntentPolicy, KnowledgeAnswer, TriageDecision, TriageSettings])
def test_the_admin_lists_open_for_ops(admin_client, model):
    url = reverse(f"admin:triage_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


def test_the_threshold_override_is_a_single_row():
    TriageSettings.objects.create(auto_answer_threshold=0.95)
    TriageSettings(auto_answer_threshold=0.9).save()
    assert TriageSettings.objects.count() == 1
    assert TriageSettings.objects.get().auto_answer_threshold == 0.9
