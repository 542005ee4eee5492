from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_role_groups(sender, **kwargs) -> None:
    from agents.roles import ensure_role_groups

    ensure_role_groups()


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents and shifts"

    def ready(self) -> None:
        post_migrate.connect(_create_role_groups, sender=self)
