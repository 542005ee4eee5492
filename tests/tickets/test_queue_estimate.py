"""A waiting customer is told their place and an honest wait, from the agents who could take the chat right now."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import AgentStatus, Presence, ShiftClaim
from tests.factories import ConversationFactory, UserFactory, agent_on_shift, queued_conversation
from tickets import protocol
from tickets.models import ActorKind, ConversationEvent, EventKind, Priority, Status
from tickets.selectors import (
    DEFAULT_HANDLING_SECONDS,
    Supply,
    agent_supply,
    average_handling_seconds,
    estimate_wait_seconds,
    queue_estimate,
    queue_position,
)

pytestmark = pytest.mark.django_db


def waiting(minutes_ago: int, priority: int = Priority.NORMAL, language: str = "en", status: str = Status.QUEUED):
    queued_at = timezone.now() - timedelta(minutes=minutes_ago)
    conversation = queued_conversation(queued_at=queued_at, priority=priority, language=language)
    if status != Status.QUEUED:
        type(conversation).objects.filter(pk=conversation.pk).update(status=status)
        conversation.refresh_from_db()
    return conversation


def test_position_counts_waiting_conversations_served_first_in_the_same_language():
    oldest = waiting(10)
    urgent_newcomer = waiting(1, priority=Priority.URGENT)
    middle = waiting(5)
    me = waiting(3)
    waiting(20, language="de")  # other language: other agents
    ConversationFactory(status=Status.BOT)  # not waiting
    assert queue_position(conversation=urgent_newcomer) == 1
    assert queue_position(conversation=oldest) == 2
    assert queue_position(conversation=middle) == 3
    assert queue_position(conversation=me) == 4


def test_a_reopened_conversation_waits_in_the_same_line():
    first = waiting(8, status=Status.REOPENED)
    me = waiting(2)
    assert queue_position(conversation=first) == 1
    assert queue_position(conversation=me) == 2


def test_a_conversation_not_waiting_has_no_position():
    assert queue_position(conversation=ConversationFactory(status=Status.BOT)) is None


def test_supply_counts_free_seats_of_agents_who_could_take_the_chat_now():
    busy = agent_on_shift(languages=["en"], max_concurrent_chats=3)
    for _ in range(2):
        ConversationFactory(status=Status.ASSIGNED, assigned_agent=busy.user, assigned_at=timezone.now())
    agent_on_shift(languages=["en", "sv"], max_concurrent_chats=2)
    assert agent_supply(language="en") == Supply(agents=2, free_seats=1 + 2, total_seats=5)


def test_supply_leaves_out_agents_who_cannot_take_the_chat():
    stale = agent_on_shift(languages=["en"])
    Presence.objects.filter(agent=stale).update(last_heartbeat_at=timezone.now() - timedelta(minutes=10))
    offline = agent_on_shift(languages=["en"])
    Presence.objects.filter(agent=offline).update(online=False)
    off_shift = agent_on_shift(languages=["en"])
    ShiftClaim.objects.filter(agent=off_shift).update(ends_at=timezone.now() - timedelta(minutes=1))
    suspended = agent_on_shift(languages=["en"])
    suspended.status = AgentStatus.DEACTIVATED
    suspended.save()
    agent_on_shift(languages=["de"])
    agent_on_shift(languages=["en"], skills=["cards"])
    assert agent_supply(language="en", skill="refunds_disputes") == Supply(agents=0, free_seats=0, total_seats=0)
    assert agent_supply(language="en", skill="cards").agents == 1


@pytest.mark.parametrize(
    ("position", "supply", "expected"),
    [
        (1, Supply(agents=0, free_seats=0, total_seats=0), None),  # nobody online: we don't pretend
        (1, Supply(agents=1, free_seats=1, total_seats=3), 0),  # a free seat: any moment
        (3, Supply(agents=2, free_seats=3, total_seats=6), 0),
        (1, Supply(agents=1, free_seats=0, total_seats=3), 120),  # 1 × 360 s / 3 seats
        (5, Supply(agents=1, free_seats=1, total_seats=2), 720),  # (5 − 1) × 360 s / 2 seats
        (2, Supply(agents=3, free_seats=0, total_seats=7), 120),  # 2 × 360 / 7 = 102.9 → rounded up to 120
    ],
)
def test_the_wait_estimate_from_position_seats_and_handling_time(position, supply, expected):
    assert estimate_wait_seconds(position=position, supply=supply, handling_seconds=360) == expected


def record_handling(minutes: float, ended_ago: timedelta = timedelta(hours=1)) -> None:
    conversation = ConversationFactory(status=Status.CLOSED)
    resolved = timezone.now() - ended_ago
    agent = UserFactory()
    for kind, at, to_status in (
        (EventKind.TRANSITION, resolved - timedelta(minutes=minutes), Status.ASSIGNED),
        (EventKind.TRANSITION, resolved, Status.RESOLVED),
    ):
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=kind,
            to_status=to_status,
            actor_kind=ActorKind.AGENT,
            actor_user=agent,
            created_at=at,
        )


def test_average_handling_time_comes_from_the_last_24_hours_of_the_event_log():
    record_handling(4)
    record_handling(8)
    record_handling(60, ended_ago=timedelta(hours=30))  # too old to count
    assert average_handling_seconds() == 6 * 60


def test_average_handling_time_without_recent_data_is_six_minutes():
    assert average_handling_seconds() == DEFAULT_HANDLING_SECONDS == 360


def test_the_status_a_waiting_customer_sees_carries_position_and_estimate():
    record_handling(3)
    agent = agent_on_shift(languages=["en"], max_concurrent_chats=1)
    ConversationFactory(status=Status.ASSIGNED, assigned_agent=agent.user, assigned_at=timezone.now())
    waiting(9)
    me = waiting(1)
    status = protocol.status_frame(conversation=me)
    assert (status["status"], status["queue_position"], status["agents_online"]) == ("queued", 2, 1)
    assert status["estimated_wait_seconds"] == 360  # 2 ahead of a free seat × 180 s / 1 seat
    estimate = queue_estimate(conversation=me)
    assert (estimate.free_seats, estimate.average_handling_seconds) == (0, 180)


def test_with_nobody_online_the_customer_still_has_a_place_but_no_estimate():
    me = waiting(1)
    status = protocol.status_frame(conversation=me)
    assert (status["queue_position"], status["agents_online"], status["estimated_wait_seconds"]) == (1, 0, None)
