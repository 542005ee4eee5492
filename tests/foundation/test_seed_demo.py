"""seed_demo fills every page with something to show, and a second run changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from agents.models import AgentProfile, AgentStatus, ShiftClaim, ShiftSlot
from tickets.models import Conversation, ConversationEvent, Message


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (get_user_model(), AgentProfile, ShiftSlot, ShiftClaim, Conversation, ConversationEvent, Message)
    }


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_creates_every_role_agents_shifts_and_history():
    call_command("seed_demo", verbosity=0)
    users = get_user_model().objects
    for username, group in [("ops", "ops"), ("finance", "finance"), ("anna", "agent")]:
        assert users.get(username=username).groups.filter(name=group).exists()
    assert AgentProfile.objects.filter(status=AgentStatus.APPROVED).count() >= 3
    assert AgentProfile.objects.filter(status=AgentStatus.APPLIED).exists()
    assert ShiftSlot.objects.count() >= 12
    assert ShiftClaim.objects.exists()
    assert Conversation.objects.filter(resolved_at__isnull=False).count() > 20
    assert users.get(username="anna").check_password("demo-pass-2026")


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_seed_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)
    assert not get_user_model().objects.filter(username="ops").exists()


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_runs_again_after_the_staffing_job_opened_slots_at_the_same_hours():
    """`make run` runs the hourly staffing job, which opens small slots beside the demo's; a later
    `make run` seeds again over them."""
    call_command("seed_demo", verbosity=0)
    for slot in list(ShiftSlot.objects.all()):
        ShiftSlot.objects.create(starts_at=slot.starts_at, ends_at=slot.ends_at, languages=["de"], seats=1)
    before = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == before
    current = ShiftClaim.objects.filter(agent__user__username="anna").latest("starts_at").slot
    assert current.seats == 6
