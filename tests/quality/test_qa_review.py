"""A supervisor's QA scorecard: 1–5 for correctness, tone and policy, once, never on their own work."""

import threading

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from agents.models import AgentProfile
from tests.factories import AgentProfileFactory, ConversationFactory, user_with_role
from tickets.models import Status
from tickets.quality.exceptions import InvalidScore, QaAlreadyReviewed, QualityError
from tickets.quality.models import QaReview, QaStatus
from tickets.quality.services import qa_review_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def review():
    agent = AgentProfileFactory().user
    conv = ConversationFactory(status=Status.RESOLVED, assigned_agent=agent)
    return QaReview.objects.create(
        conversation=conv, agent=agent, reasons=["random"], sample_date=timezone.now().date()
    )


def test_a_scorecard_completes_the_review(review):
    ops = user_with_role("ops")

    done = qa_review_submit(
        review=review, reviewer=ops, correctness=5, tone=4, policy=3, comment=" Good refund handling "
    )

    done.refresh_from_db()
    assert (done.status, done.correctness, done.tone, done.policy) == (QaStatus.REVIEWED, 5, 4, 3)
    assert done.comment == "Good refund handling"
    assert done.reviewer == ops and done.reviewed_at is not None
    assert done.average == 4.0


@pytest.mark.parametrize("field", ["correctness", "tone", "policy"])
@pytest.mark.parametrize("bad", [0, 6, "5", None, 2.5])
def test_a_score_outside_one_to_five_is_refused_and_nothing_changes(review, field, bad):
    scores = {"correctness": 4, "tone": 4, "policy": 4, field: bad}

    with pytest.raises(InvalidScore):
        qa_review_submit(review=review, reviewer=user_with_role("ops"), **scores)

    review.refresh_from_db()
    assert review.status == QaStatus.PENDING and review.correctness is None


def test_a_review_is_completed_only_once(review):
    qa_review_submit(review=review, reviewer=user_with_role("ops"), correctness=2, tone=2, policy=2)

    with pytest.raises(QaAlreadyReviewed):
        qa_review_submit(review=review, reviewer=user_with_role("ops"), correctness=5, tone=5, policy=5)

    review.refresh_from_db()
    assert review.correctness == 2


def test_nobody_reviews_their_own_conversation(review):
    review.agent.groups.add(user_with_role("ops").groups.get())
    with pytest.raises(QualityError):
        qa_review_submit(review=review, reviewer=review.agent, correctness=5, tone=5, policy=5)


def test_the_database_refuses_a_reviewed_row_without_scores(review):
    review.status = QaStatus.REVIEWED
    with pytest.raises(IntegrityError):
        review.save()


@pytest.mark.django_db(transaction=True)
def test_a_review_refreshes_the_agents_quality_score_after_commit(review):
    before = AgentProfile.objects.get(user=review.agent).quality_score

    qa_review_submit(review=review, reviewer=user_with_role("ops"), correctness=1, tone=1, policy=1)

    assert AgentProfile.objects.get(user=review.agent).quality_score < before


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_racing_on_one_review_store_one_scorecard(review):
    reviewers = [user_with_role("ops"), user_with_role("ops")]
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(reviewer, score):
        try:
            barrier.wait()
            qa_review_submit(review=review, reviewer=reviewer, correctness=score, tone=score, policy=score)
            outcomes.append(score)
        except QaAlreadyReviewed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(r, s)) for r, s in zip(reviewers, (1, 5), strict=True)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    assert outcomes.count("refused") == 1
    review.refresh_from_db()
    winner = next(o for o in outcomes if o != "refused")
    assert (review.correctness, review.tone, review.policy) == (winner, winner, winner)
