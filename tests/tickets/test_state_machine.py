"""The conversation state machine, walked cell by cell: every allowed move works and is recorded,
every other move raises and changes nothing."""

import threading

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from tests.factories import ConversationFactory, UserFactory
from tickets.exceptions import IllegalTransition
from tickets.models import ActorKind, ConversationEvent, EventKind, Status
from tickets.services.lifecycle import TRANSITIONS, conversation_transition

ALL = list(Status.values)
ALLOWED = [(a, b) for a in ALL for b in ALL if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]
NEEDS_AGENT = {Status.ASSIGNED, Status.RESOLVED}


def in_state(status: str, agent):
    """A conversation sitting in `status`, with the fields that state implies."""
    now = timezone.now()
    fields = {"status": status}
    if status in NEEDS_AGENT:
        fields.update(assigned_agent=agent, assigned_at=now)
    if status in (Status.QUEUED, Status.REOPENED):
        fields.update(queued_at=now, sla_due_at=now)
    if status == Status.RESOLVED:
        fields["resolved_at"] = now
    return ConversationFactory(**fields)


def test_the_table_names_every_state():
    assert set(TRANSITIONS) == set(ALL)
    assert TRANSITIONS[Status.CLOSED] == frozenset(), "closed is final"


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_transition_works_and_is_recorded_with_actor_and_time(from_status, to_status):
    agent = UserFactory()
    conversation = in_state(from_status, agent)
    before = timezone.now()

    conversation_transition(
        conversation=conversation,
        to_status=to_status,
        actor_kind=ActorKind.SYSTEM,
        agent=agent if to_status == Status.ASSIGNED else None,
        data={"reason": "table walk"},
    )

    conversation.refresh_from_db()
    assert conversation.status == to_status
    event = ConversationEvent.objects.get(conversation=conversation, kind=EventKind.TRANSITION)
    assert (event.from_status, event.to_status, event.actor_kind) == (from_status, to_status, ActorKind.SYSTEM)
    assert event.created_at >= before
    assert event.data == {"reason": "table walk"}
    if to_status in (Status.QUEUED, Status.REOPENED):
        assert conversation.assigned_agent_id is None
        assert conversation.queued_at >= before and conversation.sla_due_at > conversation.queued_at
    if to_status == Status.ASSIGNED:
        assert conversation.assigned_agent_id == agent.pk


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_every_other_transition_raises_and_changes_nothing(from_status, to_status):
    agent = UserFactory()
    conversation = in_state(from_status, agent)
    before = model_to_dict(conversation)

    with pytest.raises(IllegalTransition):
        conversation_transition(
            conversation=conversation,
            to_status=to_status,
            actor_kind=ActorKind.SYSTEM,
            agent=agent if to_status == Status.ASSIGNED else None,
        )

    conversation.refresh_from_db()
    assert model_to_dict(conversation) == before
    assert not ConversationEvent.objects.filter(conversation=conversation).exists()


@pytest.mark.django_db
def test_assigning_without_an_agent_raises_and_changes_nothing():
    conversation = in_state(Status.QUEUED, None)
    with pytest.raises(IllegalTransition):
        conversation_transition(conversation=conversation, to_status=Status.ASSIGNED, actor_kind=ActorKind.SYSTEM)
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED
    assert not conversation.events.exists()


@pytest.mark.django_db
def test_a_conditional_move_fails_when_someone_moved_the_conversation_first():
    conversation = in_state(Status.QUEUED, None)
    with pytest.raises(IllegalTransition):
        conversation_transition(
            conversation=conversation, to_status=Status.CLOSED, actor_kind=ActorKind.SYSTEM, expect_status=Status.BOT
        )
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED


@pytest.mark.django_db(transaction=True)
def test_two_racing_assignments_of_one_waiting_conversation_have_exactly_one_winner():
    conversation = in_state(Status.QUEUED, None)
    agents = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(len(agents))
    outcomes: list[str] = []

    def assign(agent):
        try:
            barrier.wait()
            conversation_transition(
                conversation=conversation,
                to_status=Status.ASSIGNED,
                agent=agent,
                actor_kind=ActorKind.AGENT,
                actor_user=agent,
                expect_status=Status.QUEUED,
            )
            outcomes.append("won")
        except IllegalTransition:
            outcomes.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["lost", "won"]
    conversation.refresh_from_db()
    assert conversation.status == Status.ASSIGNED
    assert conversation.events.filter(kind=EventKind.TRANSITION, to_status=Status.ASSIGNED).count() == 1
