"""The Celery app. Without REDIS_URL tasks run inline (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klarna_gig.settings")

app = Celery("klarna_gig")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["tickets.triage", "tickets.quality"])

# Periodic jobs (run by `celery beat`). Each app adds its own entries here, one line each.
app.conf.beat_schedule = {
    "agents-presence-sweep": {"task": "agents.presence_sweep", "schedule": 15.0},
    "agents-requeue-unanswered": {"task": "agents.requeue_unanswered", "schedule": 30.0},
    "agents-shifts-sweep": {"task": "agents.shifts_sweep", "schedule": 60.0},
    "agents-dispatch-offers": {"task": "agents.dispatch_offers", "schedule": 5.0},
    "tickets-flag-sla-breaches": {"task": "tickets.flag_sla_breaches", "schedule": 15.0},
    "tickets-close-idle-bot": {"task": "tickets.close_idle_bot_conversations", "schedule": 60.0},
    "tickets-abandon-gone-customers": {"task": "tickets.abandon_gone_customers", "schedule": 60.0},
    "tickets-close-after-reopen-window": {"task": "tickets.close_conversations_after_reopen_window", "schedule": 300.0},
    "quality-qa-sample-daily": {"task": "quality.qa_sample_daily", "schedule": crontab(hour=0, minute=30)},
    "quality-scores-refresh": {"task": "quality.scores_refresh_all", "schedule": crontab(hour=1, minute=0)},
    "quality-staffing-plan": {"task": "quality.staffing_plan", "schedule": crontab(minute=5)},
}
