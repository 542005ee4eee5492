"""factory_boy factories shared by the whole suite."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from agents.models import AgentProfile, AgentStatus, Presence, ShiftClaim, ShiftSlot
from agents.roles import ensure_role_groups
from tickets.models import Conversation

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")


def user_with_role(role: str, **kwargs) -> "User":
    user = UserFactory(**kwargs)
    user.groups.add(ensure_role_groups()[role])
    return user


class AgentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentProfile

    user = factory.LazyFunction(lambda: user_with_role("agent"))
    display_name = factory.Sequence(lambda n: f"Agent {n}")
    country = "SE"
    timezone = "Europe/Stockholm"
    languages = factory.LazyFunction(lambda: ["en", "sv"])
    skills = factory.LazyFunction(
        lambda: ["cards", "payments", "refunds_disputes", "transfers", "top_ups", "account_identity", "security_fraud"]
    )
    status = AgentStatus.APPROVED


class ShiftSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftSlot

    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=4))
    languages = factory.LazyFunction(lambda: ["en"])
    skills = factory.LazyFunction(list)
    seats = 5


def agent_on_shift(**profile_kwargs) -> AgentProfile:
    """An approved agent, online now, on a claimed shift that is running."""
    profile = AgentProfileFactory(**profile_kwargs)
    slot = ShiftSlotFactory(languages=profile.languages, seats=1, seats_taken=1)
    ShiftClaim.objects.create(slot=slot, agent=profile, starts_at=slot.starts_at, ends_at=slot.ends_at)
    now = timezone.now()
    Presence.objects.update_or_create(
        agent=profile, defaults={"online": True, "last_heartbeat_at": now, "went_online_at": now}
    )
    return profile


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    customer_name = factory.Sequence(lambda n: f"Customer {n}")
    language = "en"


def queued_conversation(**kwargs) -> Conversation:
    """A conversation waiting in the human queue, as right after a handoff."""
    now = timezone.now()
    kwargs.setdefault("queued_at", now)
    kwargs.setdefault("sla_due_at", now + timedelta(seconds=60))
    return ConversationFactory(status="queued", **kwargs)
