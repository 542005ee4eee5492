"""The quality jobs are on the beat schedule and each names a registered task."""

import pytest

from klarna_gig.celery import app


@pytest.mark.parametrize(
    ("entry", "task"),
    [
        ("quality-qa-sample-daily", "quality.qa_sample_daily"),
        ("quality-scores-refresh", "quality.scores_refresh_all"),
        ("quality-staffing-plan", "quality.staffing_plan"),
    ],
)
def test_quality_jobs_are_scheduled(entry, task):
    app.loader.import_default_modules()
    assert app.conf.beat_schedule[entry]["task"] == task
    assert task in app.tasks


@pytest.mark.django_db
def test_the_nightly_score_task_runs():
    from tests.factories import AgentProfileFactory
    from tickets.quality.tasks import quality_scores_refresh_all_task

    AgentProfileFactory()
    assert quality_scores_refresh_all_task.delay().get() == 1
