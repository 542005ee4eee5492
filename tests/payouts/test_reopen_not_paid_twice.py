"""A case is paid once: a reopen inside the hold-back takes the pay back, the final resolver is credited."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from payouts.models import EntryKind, LedgerEntry
from payouts.selectors import agent_balance
from payouts.services import earning_handle_reopen, earning_record_csat_bonus, earning_record_resolution
from tests.factories import ConversationFactory
from tests.payouts.factories import RateCardFactory, agent_user, reopen, resolve

pytestmark = pytest.mark.django_db


def _far_future():
    return timezone.now() + timedelta(days=30)


def test_a_case_reopened_inside_the_holdback_is_credited_only_to_whoever_finally_resolves_it():
    RateCardFactory(default_base_minor=300)
    first, second = agent_user(), agent_user()
    conversation = ConversationFactory()

    resolve(conversation, first)
    reopen(conversation)
    resolve(conversation, second)

    later = _far_future()
    assert agent_balance(agent_id=first.pk, now=later).available_minor == 0
    assert agent_balance(agent_id=second.pk, now=later).available_minor == 300
    active = LedgerEntry.objects.filter(conversation=conversation, kind=EntryKind.CASE_RESOLUTION, voided_at=None)
    assert [e.agent_id for e in active] == [second.pk]
    clawback = LedgerEntry.objects.get(conversation=conversation, kind=EntryKind.CLAWBACK)
    assert clawback.agent_id == first.pk
    assert clawback.amount_minor == -300
    assert clawback.reverses.agent_id == first.pk
    total = sum(LedgerEntry.objects.filter(conversation=conversation).values_list("amount_minor", flat=True))
    assert total == 300


def test_the_same_agent_resolving_a_reopened_case_again_is_paid_once():
    RateCardFactory(default_base_minor=300)
    agent = agent_user()
    conversation = ConversationFactory()
    for _ in range(3):
        resolve(conversation, agent)
        reopen(conversation)
    resolve(conversation, agent)

    assert agent_balance(agent_id=agent.pk, now=_far_future()).available_minor == 300


def test_the_database_refuses_a_second_active_resolution_entry_for_a_case():
    RateCardFactory(default_base_minor=300)
    agent, other = agent_user(), agent_user()
    conversation = resolve(ConversationFactory(), agent)
    now = timezone.now()
    with pytest.raises(IntegrityError):
        LedgerEntry.objects.create(
            agent=other,
            kind=EntryKind.CASE_RESOLUTION,
            amount_minor=300,
            currency="EUR",
            occurred_at=now,
            available_at=now,
            conversation=conversation,
        )


def test_calling_the_resolution_hook_twice_credits_the_case_once():
    RateCardFactory(default_base_minor=300)
    agent = agent_user()
    conversation = resolve(ConversationFactory(), agent)

    again = earning_record_resolution(conversation=conversation)

    assert again == LedgerEntry.objects.get(conversation=conversation)


def test_a_reopen_after_the_holdback_leaves_the_earned_pay_and_a_re_resolution_earns_nothing_more():
    RateCardFactory(default_base_minor=300)
    first, second = agent_user(), agent_user()
    conversation = resolve(ConversationFactory(), first)

    earning_handle_reopen(conversation=conversation, now=timezone.now() + timedelta(hours=25))
    conversation.refresh_from_db()
    conversation.assigned_agent = second
    assert earning_record_resolution(conversation=conversation) is None

    later = _far_future()
    assert agent_balance(agent_id=first.pk, now=later).available_minor == 300
    assert agent_balance(agent_id=second.pk, now=later).available_minor == 0
    assert not LedgerEntry.objects.filter(kind=EntryKind.CLAWBACK).exists()


def test_a_quality_bonus_is_taken_back_with_the_resolution_on_a_reopen_inside_the_holdback():
    RateCardFactory(default_base_minor=300, quality_bonus_minor=100)
    agent = agent_user()
    conversation = resolve(ConversationFactory(), agent)
    earning_record_csat_bonus(conversation=conversation, score=5)
    assert agent_balance(agent_id=agent.pk).pending_minor == 400

    reopen(conversation)

    assert agent_balance(agent_id=agent.pk).pending_minor == 0
    assert agent_balance(agent_id=agent.pk, now=_far_future()).available_minor == 0
    assert LedgerEntry.objects.filter(kind=EntryKind.CLAWBACK).count() == 2
