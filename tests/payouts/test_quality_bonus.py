"""The quality bonus: a top CSAT rating adds the card's bonus to the credited agent, once."""

import pytest

from payouts.exceptions import InvalidAmount
from payouts.models import EntryKind, LedgerEntry
from payouts.services import earning_record_csat_bonus
from tests.factories import ConversationFactory
from tests.payouts.factories import RateCardFactory, agent_user, resolve

pytestmark = pytest.mark.django_db


def test_a_five_star_rating_grants_the_bonus_once_held_like_the_resolution():
    RateCardFactory(quality_bonus_minor=150, quality_bonus_min_score=5)
    agent = agent_user()
    conversation = resolve(ConversationFactory(), agent)

    first = earning_record_csat_bonus(conversation=conversation, score=5)
    second = earning_record_csat_bonus(conversation=conversation, score=5)

    assert first == second
    bonus = LedgerEntry.objects.get(kind=EntryKind.BONUS)
    resolution = LedgerEntry.objects.get(kind=EntryKind.CASE_RESOLUTION)
    assert (bonus.agent_id, bonus.amount_minor) == (agent.pk, 150)
    assert bonus.available_at == resolution.available_at


def test_a_rating_below_the_threshold_earns_no_bonus():
    RateCardFactory(quality_bonus_minor=150, quality_bonus_min_score=5)
    conversation = resolve(ConversationFactory(), agent_user())
    assert earning_record_csat_bonus(conversation=conversation, score=4) is None
    assert not LedgerEntry.objects.filter(kind=EntryKind.BONUS).exists()


@pytest.mark.parametrize("score", [0, 6, 4.5, "5", True])
def test_a_score_that_is_not_a_whole_number_from_1_to_5_is_refused(score):
    RateCardFactory()
    conversation = resolve(ConversationFactory(), agent_user())
    with pytest.raises(InvalidAmount):
        earning_record_csat_bonus(conversation=conversation, score=score)


def test_the_quality_apps_rating_service_pays_the_bonus_through_the_hook():
    from tickets.quality.services.csat import csat_record

    RateCardFactory(quality_bonus_minor=150)
    agent = agent_user()
    conversation = resolve(ConversationFactory(), agent)

    csat_record(conversation=conversation, score=5, comment="Great help")

    assert LedgerEntry.objects.get(kind=EntryKind.BONUS).agent_id == agent.pk
