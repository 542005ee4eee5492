"""Demo data for the embedded run: people for every role, shifts, knowledge base, rate card, history.

Idempotent: running it again changes nothing that is already there.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agents.demo import seed_people, seed_shifts
from tickets.demo import seed_history


class Command(BaseCommand):
    help = "Create demo users, agents, shift slots, history and pay data (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with published passwords; it runs only with DEBUG on.")
        from payouts.demo import seed_demo_pay
        from tickets.quality.services.scores import quality_scores_refresh_all

        now = timezone.now()
        steps = [
            ("people", lambda: seed_people()),
            ("shift slots", lambda: seed_shifts(now=now, agents=list(_profiles()))),
            ("conversation history", lambda: seed_history(now=now)),
            ("rate card and earnings", lambda: seed_demo_pay(now=now)),
            ("quality scores", quality_scores_refresh_all),
        ]
        for index, (label, step) in enumerate(steps, start=1):
            self.stdout.write(f"[{index}/{len(steps)}] {label}…", ending="")
            step()
            self.stdout.write(" done")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))


def _profiles():
    from agents.models import AgentProfile

    return AgentProfile.objects.all()
