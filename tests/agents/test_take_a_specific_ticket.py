"""Taking one ticket from the queue list is a conditional claim: one winner, the others told cleanly."""

import threading

import pytest
from django.db import connection

from agents.exceptions import AgentNotApproved, NotOnline, NotOnShift
from agents.models import AgentStatus, ClaimStatus, Presence
from tests.factories import AgentProfileFactory, agent_on_shift, queued_conversation
from tickets.exceptions import AgentAtCapacity, NoTicketAvailable, NotYourTicket, TicketAlreadyClaimed
from tickets.models import ConversationEvent, EventKind, Priority, Status
from tickets.services.claims import claim_next_ticket, claim_ticket


@pytest.mark.django_db(transaction=True)
def test_twenty_agents_taking_the_same_ticket_one_wins_and_the_rest_are_told_it_is_taken():
    agents = [agent_on_shift(languages=["en"]) for _ in range(20)]
    ticket = queued_conversation()
    barrier = threading.Barrier(len(agents))
    outcomes, errors = [], []

    def take(user):
        try:
            barrier.wait()
            claim_ticket(agent=user, conversation=ticket)
            outcomes.append(("won", user.pk))
        except TicketAlreadyClaimed:
            outcomes.append(("lost", user.pk))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(p.user,)) for p in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    winners = [user_id for outcome, user_id in outcomes if outcome == "won"]
    assert len(winners) == 1
    assert len(outcomes) == 20
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    assert ticket.assigned_agent_id == winners[0]
    assert (
        ConversationEvent.objects.filter(
            conversation=ticket, kind=EventKind.TRANSITION, to_status=Status.ASSIGNED
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_a_ticket_already_taken_is_refused_and_stays_with_its_agent():
    first, second = agent_on_shift(), agent_on_shift()
    ticket = queued_conversation()
    claim_ticket(agent=first.user, conversation=ticket)
    with pytest.raises(TicketAlreadyClaimed):
        claim_ticket(agent=second.user, conversation=ticket)
    ticket.refresh_from_db()
    assert ticket.assigned_agent_id == first.user_id


@pytest.mark.django_db
def test_a_ticket_in_a_language_the_agent_does_not_speak_is_refused():
    agent = agent_on_shift(languages=["en"])
    ticket = queued_conversation(language="de")
    with pytest.raises(NotYourTicket):
        claim_ticket(agent=agent.user, conversation=ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.QUEUED


@pytest.mark.django_db
def test_a_ticket_needing_a_skill_the_agent_lacks_is_refused_and_skipped_by_take_next():
    agent = agent_on_shift(languages=["en"], skills=["cards"])
    fraud = queued_conversation(required_skill="security_fraud", priority=Priority.URGENT)
    with pytest.raises(NotYourTicket):
        claim_ticket(agent=agent.user, conversation=fraud)
    with pytest.raises(NoTicketAvailable):
        claim_next_ticket(agent=agent.user)
    card = queued_conversation(required_skill="cards")
    assert claim_next_ticket(agent=agent.user).pk == card.pk


@pytest.mark.django_db
def test_an_agent_who_dropped_a_ticket_is_not_given_it_again():
    agent = agent_on_shift()
    ticket = queued_conversation(excluded_agent_ids=[agent.user_id])
    with pytest.raises(NotYourTicket):
        claim_ticket(agent=agent.user, conversation=ticket)
    with pytest.raises(NoTicketAvailable):
        claim_next_ticket(agent=agent.user)


@pytest.mark.django_db
def test_take_next_picks_the_most_urgent_then_the_longest_waiting():
    from datetime import timedelta

    from django.utils import timezone

    agent = agent_on_shift()
    now = timezone.now()
    queued_conversation(priority=Priority.NORMAL, queued_at=now - timedelta(minutes=30))
    newer_high = queued_conversation(priority=Priority.HIGH, queued_at=now - timedelta(minutes=1))
    older_high = queued_conversation(priority=Priority.HIGH, queued_at=now - timedelta(minutes=5))
    assert claim_next_ticket(agent=agent.user).pk == older_high.pk
    assert claim_next_ticket(agent=agent.user).pk == newer_high.pk


@pytest.mark.django_db
def test_an_agent_at_their_cap_cannot_take_another_ticket():
    agent = agent_on_shift()
    for _ in range(agent.max_concurrent_chats):
        claim_ticket(agent=agent.user, conversation=queued_conversation())
    extra = queued_conversation()
    with pytest.raises(AgentAtCapacity):
        claim_ticket(agent=agent.user, conversation=extra)
    with pytest.raises(AgentAtCapacity):
        claim_next_ticket(agent=agent.user)
    extra.refresh_from_db()
    assert extra.status == Status.QUEUED


@pytest.mark.django_db
def test_an_offline_agent_cannot_take_tickets():
    agent = agent_on_shift()
    Presence.objects.filter(agent=agent).update(online=False)
    ticket = queued_conversation()
    with pytest.raises(NotOnline):
        claim_ticket(agent=agent.user, conversation=ticket)
    with pytest.raises(NotOnline):
        claim_next_ticket(agent=agent.user)


@pytest.mark.django_db
def test_an_agent_whose_shift_is_not_running_cannot_take_tickets():
    agent = agent_on_shift()
    agent.shift_claims.update(status=ClaimStatus.CANCELLED)
    with pytest.raises(NotOnShift):
        claim_next_ticket(agent=agent.user)


@pytest.mark.django_db
def test_an_agent_not_approved_cannot_take_tickets():
    applicant = AgentProfileFactory(status=AgentStatus.APPLIED)
    queued_conversation()
    with pytest.raises(AgentNotApproved):
        claim_next_ticket(agent=applicant.user)
