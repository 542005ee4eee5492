"""What a resolved case pays: the rate card in force at resolution, by category, language and shift."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payouts.models import EntryKind, LedgerEntry
from payouts.selectors import agent_balance
from tests.factories import ConversationFactory, UserFactory
from tests.payouts.factories import RateCardFactory, agent_user, put_on_shift, resolve

pytestmark = pytest.mark.django_db


def test_resolution_pays_category_base_plus_language_premium_times_shift_multiplier():
    RateCardFactory(default_base_minor=300, rates={"refunds_disputes": 500}, premiums={"de": 100})
    agent = agent_user()
    put_on_shift(agent=agent, multiplier="1.25")
    conversation = ConversationFactory(category="refunds_disputes", language="de")

    resolve(conversation, agent)

    entry = LedgerEntry.objects.get(conversation=conversation)
    assert entry.kind == EntryKind.CASE_RESOLUTION
    assert entry.agent == agent
    assert entry.amount_minor == 750  # (500 + 100) × 1.25
    assert entry.currency == "EUR"
    assert entry.breakdown == {
        "rate_card_id": entry.rate_card_id,
        "base_minor": 500,
        "language_premium_minor": 100,
        "shift_multiplier": "1.25",
    }


def test_a_category_without_its_own_line_gets_the_default_base_and_off_shift_pays_times_one():
    RateCardFactory(default_base_minor=300, rates={"cards": 450})
    agent = agent_user()
    conversation = ConversationFactory(category="transfers", language="en")

    resolve(conversation, agent)

    assert LedgerEntry.objects.get(conversation=conversation).amount_minor == 300


def test_the_version_in_force_at_resolution_is_used_not_a_later_one():
    now = timezone.now()
    old = RateCardFactory(effective_from=now - timedelta(days=30), default_base_minor=300)
    RateCardFactory(effective_from=now + timedelta(days=1), default_base_minor=900)
    agent = agent_user()
    conversation = ConversationFactory()

    resolve(conversation, agent)

    entry = LedgerEntry.objects.get(conversation=conversation)
    assert (entry.amount_minor, entry.rate_card_id) == (300, old.pk)


def test_an_earning_is_pending_during_the_holdback_and_available_after_it(settings):
    settings.HOLDBACK_HOURS = 24
    RateCardFactory(default_base_minor=300)
    agent = agent_user()
    conversation = resolve(ConversationFactory(), agent)

    entry = LedgerEntry.objects.get(conversation=conversation)
    assert entry.available_at == conversation.resolved_at + timedelta(hours=24)
    assert agent_balance(agent_id=agent.pk).pending_minor == 300
    assert agent_balance(agent_id=agent.pk).available_minor == 0
    later = conversation.resolved_at + timedelta(hours=24, seconds=1)
    assert agent_balance(agent_id=agent.pk, now=later).available_minor == 300


def test_staff_who_resolve_a_case_are_not_paid_per_case():
    RateCardFactory()
    staff = UserFactory()
    conversation = resolve(ConversationFactory(), staff)
    assert not LedgerEntry.objects.filter(conversation=conversation).exists()


def test_without_a_rate_card_a_resolution_still_succeeds_and_earns_nothing():
    agent = agent_user()
    conversation = resolve(ConversationFactory(), agent)
    assert conversation.status == "resolved"
    assert not LedgerEntry.objects.exists()
