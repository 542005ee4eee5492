"""CSAT: one 1–5 rating per finished conversation, for its agent or the bot, recorded as an event."""

import threading

import pytest
from django.db import IntegrityError, connection

from tests.factories import AgentProfileFactory, ConversationFactory
from tickets.models import ConversationEvent, EventKind, Status
from tickets.quality.exceptions import CsatAlreadyGiven, CsatNotAllowed, InvalidScore
from tickets.quality.models import CsatRating
from tickets.quality.services import csat_record

pytestmark = pytest.mark.django_db


def _resolved_by_agent():
    agent = AgentProfileFactory()
    return ConversationFactory(status=Status.RESOLVED, assigned_agent=agent.user), agent


def test_rating_a_resolved_conversation_stores_it_for_its_agent_and_records_an_event():
    conv, agent = _resolved_by_agent()

    rating = csat_record(conversation=conv, score=4, comment="  Quick and kind  ")

    rating.refresh_from_db()
    assert (rating.score, rating.comment, rating.agent_id) == (4, "Quick and kind", agent.user_id)
    event = ConversationEvent.objects.get(conversation=conv, kind=EventKind.CSAT)
    assert event.data["score"] == 4
    assert event.actor_kind == "customer"


def test_a_bot_resolved_conversation_is_rated_for_the_bot():
    conv = ConversationFactory(status=Status.BOT_RESOLVED)

    rating = csat_record(conversation=conv, score=5)

    assert rating.agent is None
    assert rating.is_for_bot


def test_a_closed_conversation_can_be_rated():
    conv = ConversationFactory(status=Status.CLOSED)
    assert csat_record(conversation=conv, score=2).score == 2


@pytest.mark.parametrize("status", [Status.BOT, Status.QUEUED, Status.ASSIGNED, Status.REOPENED, Status.ABANDONED])
def test_a_conversation_still_running_cannot_be_rated(status):
    agent = AgentProfileFactory()
    conv = ConversationFactory(status=status, assigned_agent=agent.user if status == Status.ASSIGNED else None)

    with pytest.raises(CsatNotAllowed) as err:
        csat_record(conversation=conv, score=5)

    assert err.value.code == "csat_not_allowed"
    assert not CsatRating.objects.exists()
    assert not ConversationEvent.objects.filter(kind=EventKind.CSAT).exists()


def test_a_conversation_is_rated_only_once():
    conv, _ = _resolved_by_agent()
    csat_record(conversation=conv, score=3)

    with pytest.raises(CsatAlreadyGiven) as err:
        csat_record(conversation=conv, score=5)

    assert err.value.code == "csat_already_given"
    assert CsatRating.objects.get().score == 3
    assert ConversationEvent.objects.filter(kind=EventKind.CSAT).count() == 1


@pytest.mark.parametrize("score", [0, 6, -1, 3.5, "4", None, True])
def test_a_score_outside_one_to_five_is_refused_and_nothing_is_stored(score):
    conv, _ = _resolved_by_agent()

    with pytest.raises(InvalidScore) as err:
        csat_record(conversation=conv, score=score)

    assert err.value.code == "invalid_score"
    assert not CsatRating.objects.exists()


def test_an_overlong_comment_is_refused():
    conv, _ = _resolved_by_agent()
    with pytest.raises(InvalidScore):
        csat_record(conversation=conv, score=4, comment="x" * 2001)
    assert not CsatRating.objects.exists()


def test_card_numbers_in_the_comment_are_masked_before_storing():
    conv, _ = _resolved_by_agent()

    rating = csat_record(conversation=conv, score=1, comment="my card 4111 1111 1111 1111 is still blocked")

    assert "4111 1111 1111 1111" not in rating.comment
    assert "1111 1111" not in CsatRating.objects.get().comment


def test_the_database_refuses_a_score_out_of_range():
    conv, _ = _resolved_by_agent()
    from django.utils import timezone

    with pytest.raises(IntegrityError):
        CsatRating.objects.create(conversation=conv, score=6, created_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_two_ratings_racing_for_one_conversation_store_exactly_one():
    conv, _ = _resolved_by_agent()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def rate(score: int) -> None:
        try:
            barrier.wait()
            csat_record(conversation=conv, score=score)
            outcomes.append("ok")
        except CsatAlreadyGiven:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(s,)) for s in (1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["ok", "refused"]
    assert CsatRating.objects.filter(conversation=conv).count() == 1
    assert ConversationEvent.objects.filter(conversation=conv, kind=EventKind.CSAT).count() == 1
