"""The agent quality score: CSAT, QA and reopen rate over 30 days, pulled towards priors when data is thin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import AgentProfile
from tests.factories import AgentProfileFactory, ConversationFactory, user_with_role
from tests.quality.history import History
from tickets.models import Priority, Status
from tickets.quality import scoring
from tickets.quality.models import CsatRating, QaReview, QaStatus
from tickets.quality.scoring import QualityInputs, quality_score
from tickets.quality.selectors import quality_inputs_for_agent, quality_rank_for_urgent
from tickets.quality.services import csat_record, quality_score_refresh, quality_scores_refresh_all


def test_with_no_data_the_score_is_the_blend_of_the_priors():
    s = quality_score(QualityInputs())
    assert s.csat == scoring.CSAT_PRIOR and s.qa == scoring.QA_PRIOR
    assert s.reopen_rate == pytest.approx(scoring.REOPEN_PRIOR_RATE)
    assert s.score == pytest.approx(0.4 * 0.75 + 0.4 * 0.75 + 0.2 * 0.9)


def test_bayesian_average_by_hand():
    # 5 prior ratings at 0.75 plus ratings 5, 5, 1 stars (1.0, 1.0, 0.0): (3.75 + 2) / 8
    s = quality_score(QualityInputs(csat_count=3, csat_stars_sum=11))
    assert s.csat == pytest.approx((5 * 0.75 + 2.0) / 8)


def test_the_full_blend_by_hand():
    # CSAT: 10 ratings, all 5 stars -> (3.75 + 10) / 15; QA: 2 reviews averaging 3 and 5 -> (2.25 + 0.5 + 1) / 5;
    # reopens: 2 of 20 resolutions -> (1 + 2) / 30.
    s = quality_score(
        QualityInputs(csat_count=10, csat_stars_sum=50, qa_count=2, qa_average_sum=8.0, resolutions=20, reopens=2)
    )
    csat, qa, reopen = 13.75 / 15, 3.75 / 5, 3 / 30
    assert (s.csat, s.qa, s.reopen_rate) == (pytest.approx(csat), pytest.approx(qa), pytest.approx(reopen))
    assert s.score == round(0.4 * csat + 0.4 * qa + 0.2 * (1 - reopen), 4)


def test_one_bad_rating_does_not_sink_a_new_agent_but_many_do():
    one = quality_score(QualityInputs(csat_count=1, csat_stars_sum=1)).score
    many = quality_score(QualityInputs(csat_count=40, csat_stars_sum=40)).score
    assert one > 0.65
    assert many < one - 0.2  # CSAT alone moves at most its 40 % weight


def test_more_good_data_always_raises_the_score():
    scores = [quality_score(QualityInputs(csat_count=n, csat_stars_sum=5 * n)).score for n in range(0, 30, 5)]
    assert scores == sorted(scores) and scores[0] < scores[-1]


@pytest.mark.django_db
def test_inputs_are_read_from_the_last_30_days_only():
    agent = AgentProfileFactory().user
    now = timezone.now()
    for days_ago, score in ((1, 5), (29, 4), (31, 1)):
        conv = ConversationFactory(status=Status.RESOLVED, assigned_agent=agent)
        CsatRating.objects.create(
            conversation=conv, score=score, agent=agent, created_at=now - timedelta(days=days_ago)
        )
    conv = ConversationFactory(status=Status.RESOLVED, assigned_agent=agent)
    QaReview.objects.create(
        conversation=conv, agent=agent, sample_date=now.date(), status=QaStatus.REVIEWED,
        correctness=5, tone=4, policy=3, reviewed_at=now - timedelta(days=2),
    )  # fmt: skip
    # Two resolutions in the window; the first was reopened and resolved again.
    h = History(at=now - timedelta(days=3), status=Status.RESOLVED).handoff(now - timedelta(days=3))
    h.assigned(now - timedelta(days=3), agent).resolved(now - timedelta(days=3) + timedelta(minutes=5), agent)
    h.reopened(now - timedelta(days=2)).assigned(now - timedelta(days=2), agent)
    h.resolved(now - timedelta(days=2) + timedelta(minutes=5), agent)
    # An old resolution, reopened inside the window: outside the window, so not counted.
    old = History(at=now - timedelta(days=40), status=Status.REOPENED).handoff(now - timedelta(days=40))
    old.assigned(now - timedelta(days=40), agent).resolved(now - timedelta(days=40), agent).reopened(
        now - timedelta(days=1)
    )

    inputs = quality_inputs_for_agent(agent_user_id=agent.pk, now=now)

    assert (inputs.csat_count, inputs.csat_stars_sum) == (2, 9)
    assert (inputs.qa_count, inputs.qa_average_sum) == (1, 4.0)
    assert (inputs.resolutions, inputs.reopens) == (2, 1)


@pytest.mark.django_db
def test_refresh_stores_the_score_on_the_agent_profile():
    profile = AgentProfileFactory()
    now = timezone.now()
    for _ in range(10):
        conv = ConversationFactory(status=Status.RESOLVED, assigned_agent=profile.user)
        CsatRating.objects.create(conversation=conv, score=1, agent=profile.user, created_at=now)

    result = quality_score_refresh(agent_user_id=profile.user_id)

    profile.refresh_from_db()
    assert profile.quality_score == result.score
    assert result.score == quality_score(QualityInputs(csat_count=10, csat_stars_sum=10)).score


@pytest.mark.django_db
def test_refresh_of_a_user_without_a_profile_changes_nothing():
    assert quality_score_refresh(agent_user_id=user_with_role("ops").pk) is None


@pytest.mark.django_db
def test_the_nightly_job_refreshes_every_agent():
    profiles = [AgentProfileFactory(quality_score=0.1) for _ in range(3)]
    assert quality_scores_refresh_all() == 3
    assert {p.quality_score for p in AgentProfile.objects.filter(pk__in=[p.pk for p in profiles])} == {
        quality_score(QualityInputs()).score
    }


@pytest.mark.django_db(transaction=True)
def test_a_new_rating_updates_the_agents_score():
    profile = AgentProfileFactory()
    conv = ConversationFactory(status=Status.RESOLVED, assigned_agent=profile.user)

    csat_record(conversation=conv, score=1)

    profile.refresh_from_db()
    assert profile.quality_score == quality_score(QualityInputs(csat_count=1, csat_stars_sum=1)).score


@pytest.mark.django_db
def test_urgent_tickets_are_offered_to_the_best_agents_first():
    low, high, mid = (AgentProfileFactory(quality_score=s) for s in (0.5, 0.95, 0.8))
    urgent = ConversationFactory(priority=Priority.URGENT)
    routine = ConversationFactory(priority=Priority.NORMAL)
    candidates = AgentProfile.objects.filter(pk__in=[low.pk, high.pk, mid.pk])

    assert list(quality_rank_for_urgent(conversation=urgent, candidates=candidates)) == [high, mid, low]
    assert list(quality_rank_for_urgent(conversation=routine, candidates=candidates)) == [low, high, mid]
