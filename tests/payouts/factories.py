"""Factories for pay data; people and conversations come from the suite-wide factories."""

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from agents.models import ShiftClaim
from agents.roles import ensure_role_groups
from payouts.models import (
    ConnectedAccount,
    EntryKind,
    LedgerEntry,
    Provider,
    RateCard,
    RateCardLine,
    RateLineKind,
)
from tests.factories import AgentProfileFactory, ConversationFactory, ShiftSlotFactory
from tickets.models import ActorKind, Status
from tickets.services.lifecycle import conversation_transition


class RateCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateCard
        skip_postgeneration_save = True

    effective_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=365))
    currency = "EUR"
    default_base_minor = 300
    quality_bonus_minor = 100
    quality_bonus_min_score = 5

    @factory.post_generation
    def rates(card, create, extracted, **kwargs):
        """rates={"cards": 400}, premiums={"de": 50}: category bases and language premiums."""
        for code, amount in (extracted or {}).items():
            RateCardLine.objects.create(rate_card=card, kind=RateLineKind.CATEGORY_BASE, code=code, amount_minor=amount)

    @factory.post_generation
    def premiums(card, create, extracted, **kwargs):
        for code, amount in (extracted or {}).items():
            RateCardLine.objects.create(
                rate_card=card, kind=RateLineKind.LANGUAGE_PREMIUM, code=code, amount_minor=amount
            )


_users = itertools.count(1)


def agent_user(**profile_kwargs):
    """An approved agent's User. No password is hashed: pay tests make many agents and never log in by password."""
    user = get_user_model().objects.create(username=f"pay-agent-{next(_users)}-{uuid.uuid4().hex[:6]}")
    user.groups.add(ensure_role_groups()["agent"])
    return AgentProfileFactory(user=user, **profile_kwargs).user


def connected_agent(*, account_id: str, provider: str = Provider.STRIPE, enabled: bool = True, **profile_kwargs):
    """An approved agent (User) whose payout account is `account_id`."""
    user = agent_user(**profile_kwargs)
    ConnectedAccount.objects.create(
        agent=user, provider=provider, account_id=account_id, payouts_enabled=enabled, details_submitted=enabled
    )
    return user


def available_earning(*, agent, amount_minor: int, days_ago: int = 3, conversation=None) -> LedgerEntry:
    """A case-resolution entry already past the hold-back."""
    occurred = timezone.now() - timedelta(days=days_ago)
    return LedgerEntry.objects.create(
        agent=agent,
        kind=EntryKind.CASE_RESOLUTION,
        amount_minor=amount_minor,
        currency="EUR",
        occurred_at=occurred,
        available_at=occurred + timedelta(hours=24),
        conversation=conversation or ConversationFactory(status=Status.CLOSED, assigned_agent=agent),
    )


def put_on_shift(*, agent, multiplier: str) -> None:
    slot = ShiftSlotFactory(pay_multiplier=Decimal(multiplier), seats=1, seats_taken=1)
    ShiftClaim.objects.create(slot=slot, agent=agent.agent_profile, starts_at=slot.starts_at, ends_at=slot.ends_at)


def assign(conversation, agent):
    """Take a conversation from wherever it waits to `assigned` with `agent`, through the lifecycle service."""
    conversation.refresh_from_db()
    if conversation.status == Status.BOT:
        conversation_transition(conversation=conversation, to_status=Status.QUEUED, actor_kind=ActorKind.BOT)
    return conversation_transition(
        conversation=conversation, to_status=Status.ASSIGNED, actor_kind=ActorKind.AGENT, actor_user=agent, agent=agent
    )


def resolve(conversation, agent):
    assign(conversation, agent)
    return conversation_transition(
        conversation=conversation, to_status=Status.RESOLVED, actor_kind=ActorKind.AGENT, actor_user=agent
    )


def reopen(conversation):
    return conversation_transition(
        conversation=conversation,
        to_status=Status.REOPENED,
        actor_kind=ActorKind.CUSTOMER,
        expect_status=Status.RESOLVED,
    )
