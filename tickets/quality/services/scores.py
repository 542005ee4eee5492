"""Keeping `AgentProfile.quality_score` up to date (read by routing and by the rate card's quality bonus)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agents.models import AgentProfile
from tickets.quality.scoring import QualityScore, quality_score
from tickets.quality.selectors import quality_inputs_for_agent


def quality_score_refresh(*, agent_user_id: int, now: datetime | None = None) -> QualityScore | None:
    """Recompute one agent's score over the rolling window and store it. None if the user is not an agent."""
    inputs = quality_inputs_for_agent(agent_user_id=agent_user_id, now=now or timezone.now())
    result = quality_score(inputs)
    updated = AgentProfile.objects.filter(user_id=agent_user_id).update(quality_score=result.score)
    return result if updated else None


def quality_scores_refresh_all(*, now: datetime | None = None) -> int:
    """The nightly job: every agent's score, so old ratings leave the window. Returns how many were updated."""
    now = now or timezone.now()
    count = 0
    for user_id in AgentProfile.objects.values_list("user_id", flat=True).iterator():
        if quality_score_refresh(agent_user_id=user_id, now=now) is not None:
            count += 1
    return count


def quality_score_refresh_on_commit(*, agent_user_id: int) -> None:
    """After a new rating or review commits, refresh that agent's score in the background."""
    from tickets.quality.tasks import quality_score_refresh_task

    transaction.on_commit(lambda: quality_score_refresh_task.delay(agent_user_id))
