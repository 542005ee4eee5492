from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "tickets.quality"
    label = "quality"
    verbose_name = "Quality and operations"
