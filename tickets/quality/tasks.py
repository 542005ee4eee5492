"""Celery tasks of the quality app: load by id, call a service; each is safe to run twice."""

from celery import shared_task


@shared_task(name="quality.score_refresh")
def quality_score_refresh_task(agent_user_id: int) -> float | None:
    from tickets.quality.services.scores import quality_score_refresh

    result = quality_score_refresh(agent_user_id=agent_user_id)
    return result.score if result else None


@shared_task(name="quality.scores_refresh_all")
def quality_scores_refresh_all_task() -> int:
    from tickets.quality.services.scores import quality_scores_refresh_all

    return quality_scores_refresh_all()


@shared_task(name="quality.qa_sample_daily")
def qa_sample_daily_task(day: str | None = None) -> int:
    """Sample yesterday's (UTC) resolved conversations for QA; `day` (ISO date) to redo another day."""
    from datetime import date, timedelta

    from django.utils import timezone

    from tickets.quality.services.qa import qa_sample_day

    target = date.fromisoformat(day) if day else timezone.now().date() - timedelta(days=1)
    return len(qa_sample_day(day=target))


@shared_task(name="quality.staffing_plan")
def staffing_plan_task() -> dict:
    """Hourly: open shift slots where the forecast is short and surge pay on under-filled slots."""
    from tickets.quality.services.staffing import staffing_plan_run

    return staffing_plan_run().as_dict()
