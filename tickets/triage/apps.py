from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "tickets.triage"
    label = "triage"
    verbose_name = "AI triage"
