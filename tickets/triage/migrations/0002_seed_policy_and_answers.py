"""Seed the intent policy table and the knowledge base from the project's defaults.

Rows that already exist are left alone, so ops' edits survive re-running migrations.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from tickets.triage.knowledge_seed import SEED_ANSWERS
    from tickets.triage.taxonomy import INTENTS

    IntentPolicy = apps.get_model("triage", "IntentPolicy")
    KnowledgeAnswer = apps.get_model("triage", "KnowledgeAnswer")
    for intent, spec in INTENTS.items():
        IntentPolicy.objects.get_or_create(
            intent=intent,
            defaults={
                "category": spec.category,
                "routine": spec.routine,
                "priority": spec.priority,
                "required_skill": spec.category,
                "enabled": True,
            },
        )
    for (intent, language), (title, body) in SEED_ANSWERS.items():
        KnowledgeAnswer.objects.get_or_create(
            intent=intent, language=language, defaults={"title": title, "body": body, "enabled": True}
        )


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
