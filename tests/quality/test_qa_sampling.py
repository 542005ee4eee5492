"""The daily QA sample: every flagged conversation of the day plus a random few, never twice."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import AgentProfileFactory
from tests.quality.history import History
from tickets.models import Status
from tickets.quality.models import CsatRating, QaReason, QaReview, QaStatus
from tickets.quality.services import qa_sample_day
from tickets.quality.tasks import qa_sample_daily_task

pytestmark = pytest.mark.django_db

DAY = date(2026, 1, 14)


def at(hh: int, mm: int = 0, ss: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=UTC)


def resolved_case(agent, *, assigned: datetime, resolved: datetime) -> History:
    return (
        History(at=assigned - timedelta(minutes=2), status=Status.RESOLVED)
        .handoff(assigned - timedelta(minutes=1))
        .assigned(assigned, agent)
        .resolved(resolved, agent)
    )


@pytest.fixture
def agent():
    return AgentProfileFactory().user


def test_flagged_conversations_are_always_sampled_with_their_reasons(agent):
    low = resolved_case(agent, assigned=at(9), resolved=at(9, 10))
    CsatRating.objects.create(conversation=low.conversation, score=2, agent=agent, created_at=at(9, 11))
    reopened = resolved_case(agent, assigned=at(10), resolved=at(10, 10)).reopened(at(11)).assigned(at(11, 1), agent)
    reopened.resolved(at(11, 5), agent)
    short = resolved_case(agent, assigned=at(12), resolved=at(12, 0, 45))
    fine = resolved_case(agent, assigned=at(13), resolved=at(13, 10))
    CsatRating.objects.create(conversation=fine.conversation, score=3, agent=agent, created_at=at(13, 11))

    reviews = qa_sample_day(day=DAY, random_count=0)

    reasons = {r.conversation_id: r.reasons for r in reviews}
    assert reasons == {
        low.conversation.pk: [QaReason.LOW_CSAT],
        reopened.conversation.pk: [QaReason.REOPENED],
        short.conversation.pk: [QaReason.SHORT_HANDLING],
    }
    assert all(r.status == QaStatus.PENDING and r.agent_id == agent.pk and r.sample_date == DAY for r in reviews)


def test_a_random_few_of_the_unflagged_are_added(agent):
    cases = [resolved_case(agent, assigned=at(8 + i), resolved=at(8 + i, 10)) for i in range(6)]

    reviews = qa_sample_day(day=DAY, random_count=2)

    assert len(reviews) == 2
    assert all(r.reasons == [QaReason.RANDOM] for r in reviews)
    assert {r.conversation_id for r in reviews} <= {c.conversation.pk for c in cases}


def test_only_conversations_resolved_that_day_are_sampled(agent):
    resolved_case(
        agent, assigned=at(23, 50, day=DAY - timedelta(days=1)), resolved=at(23, 50, 30, day=DAY - timedelta(days=1))
    )
    resolved_case(
        agent, assigned=at(0, 0, 1, day=DAY + timedelta(days=1)), resolved=at(0, 0, 20, day=DAY + timedelta(days=1))
    )
    inside = resolved_case(agent, assigned=at(0, 0, 0), resolved=at(0, 0, 30))

    assert [r.conversation_id for r in qa_sample_day(day=DAY, random_count=5)] == [inside.conversation.pk]


def test_the_review_names_the_agent_who_resolved_it(agent):
    other = AgentProfileFactory().user
    h = resolved_case(agent, assigned=at(9), resolved=at(9, 0, 10)).reopened(at(9, 5)).assigned(at(9, 6), other)
    h.resolved(at(9, 20), other)

    (review,) = qa_sample_day(day=DAY, random_count=0)

    assert review.agent_id == other.pk
    assert review.reasons == [QaReason.REOPENED, QaReason.SHORT_HANDLING]


def test_running_the_sample_twice_adds_nothing(agent, settings):
    settings.QA_DAILY_RANDOM_SAMPLE = 2
    resolved_case(agent, assigned=at(8), resolved=at(8, 0, 30))  # flagged: short handling
    for i in range(4):
        resolved_case(agent, assigned=at(9 + i), resolved=at(9 + i, 10))
    first = qa_sample_day(day=DAY, random_count=2)

    qa_sample_daily_task.delay(DAY.isoformat())
    second = qa_sample_day(day=DAY, random_count=2)

    assert QaReview.objects.count() == len(first) == 3
    assert second == []


def test_the_beat_task_samples_yesterday_by_default(agent):
    from django.utils import timezone

    yesterday = timezone.now().date() - timedelta(days=1)
    resolved_case(agent, assigned=at(9, day=yesterday), resolved=at(9, 0, 20, day=yesterday))

    assert qa_sample_daily_task.delay().get() == 1
    assert QaReview.objects.get().sample_date == yesterday


def test_a_negative_sample_size_is_refused(agent):
    from tickets.quality.exceptions import QualityError

    with pytest.raises(QualityError):
        qa_sample_day(day=DAY, random_count=-1)
