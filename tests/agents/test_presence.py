"""Going online only during a claimed shift; heartbeats; the sweep re-queues a vanished agent's tickets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.exceptions import AgentNotApproved, NotOnShift
from agents.models import AgentStatus, ClaimStatus, Presence, ShiftClaim
from agents.services.presence import agent_go_offline, agent_go_online, agent_heartbeat, presence_sweep
from agents.services.shifts import shift_claim
from tests.factories import AgentProfileFactory, ShiftSlotFactory, agent_on_shift, queued_conversation
from tickets.models import Message, Priority, SenderKind, Status
from tickets.services.claims import claim_next_ticket


@pytest.mark.django_db
def test_going_online_is_refused_without_a_running_shift():
    profile = AgentProfileFactory()
    with pytest.raises(NotOnShift):
        agent_go_online(agent=profile.user)
    # A shift later today is not enough either.
    later = ShiftSlotFactory(starts_at=timezone.now() + timedelta(hours=2))
    shift_claim(agent=profile.user, slot=later)
    with pytest.raises(NotOnShift):
        agent_go_online(agent=profile.user)
    assert not Presence.objects.filter(agent=profile, online=True).exists()


@pytest.mark.django_db
def test_going_online_is_refused_to_an_applicant():
    applicant = AgentProfileFactory(status=AgentStatus.APPLIED)
    with pytest.raises(AgentNotApproved):
        agent_go_online(agent=applicant.user)


@pytest.mark.django_db
def test_going_online_during_a_claimed_shift_checks_in():
    profile = AgentProfileFactory()
    claim = shift_claim(agent=profile.user, slot=ShiftSlotFactory())
    presence = agent_go_online(agent=profile.user)
    claim.refresh_from_db()
    assert presence.online and presence.last_heartbeat_at is not None
    assert claim.checked_in_at is not None


@pytest.mark.django_db
def test_a_heartbeat_keeps_an_online_agent_fresh_but_does_not_bring_an_offline_one_back():
    profile = agent_on_shift()
    Presence.objects.filter(agent=profile).update(last_heartbeat_at=timezone.now() - timedelta(seconds=30))
    assert agent_heartbeat(agent=profile.user) is True
    assert Presence.objects.get(agent=profile).last_heartbeat_at > timezone.now() - timedelta(seconds=5)
    agent_go_offline(agent=profile.user)
    assert agent_heartbeat(agent=profile.user) is False
    assert Presence.objects.get(agent=profile).online is False


@pytest.mark.django_db
def test_an_agent_whose_heartbeat_stops_goes_offline_and_their_customers_are_told(settings):
    settings.PRESENCE_TIMEOUT_SECONDS = 45
    profile = agent_on_shift()
    tickets = [queued_conversation(priority=Priority.NORMAL) for _ in range(2)]
    for _ in tickets:
        claim_next_ticket(agent=profile.user)
    bystander = agent_on_shift()
    Presence.objects.filter(agent=profile).update(last_heartbeat_at=timezone.now() - timedelta(seconds=46))

    result = presence_sweep()

    assert result["heartbeat_lost"] == [profile.user_id]
    assert sorted(result["requeued"]) == sorted(t.pk for t in tickets)
    presence = Presence.objects.get(agent=profile)
    assert (presence.online, presence.offline_reason) == (False, "heartbeat_lost")
    assert Presence.objects.get(agent=bystander).online is True
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Status.QUEUED
        assert ticket.assigned_agent_id is None
        assert ticket.priority == Priority.HIGH, "the customer keeps a place near the front"
        assert profile.user_id in ticket.excluded_agent_ids
        notice = Message.objects.filter(conversation=ticket, sender_kind=SenderKind.SYSTEM).last()
        assert notice is not None and "agent had to leave" in notice.body
    # The next agent picks them up.
    assert claim_next_ticket(agent=bystander.user).pk in {t.pk for t in tickets}
    assert presence_sweep()["heartbeat_lost"] == [], "running the sweep twice changes nothing"


@pytest.mark.django_db
def test_a_fresh_heartbeat_keeps_the_agent_and_their_tickets(settings):
    settings.PRESENCE_TIMEOUT_SECONDS = 45
    profile = agent_on_shift()
    ticket = queued_conversation()
    claim_next_ticket(agent=profile.user)
    Presence.objects.filter(agent=profile).update(last_heartbeat_at=timezone.now() - timedelta(seconds=30))
    assert presence_sweep()["heartbeat_lost"] == []
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED


@pytest.mark.django_db
def test_going_offline_puts_live_tickets_back_in_the_queue():
    profile = agent_on_shift()
    ticket = queued_conversation()
    claim_next_ticket(agent=profile.user)
    assert agent_go_offline(agent=profile.user) == [ticket.pk]
    ticket.refresh_from_db()
    assert ticket.status == Status.QUEUED


@pytest.mark.django_db
def test_when_the_shift_is_over_an_idle_agent_goes_offline_but_one_mid_chat_may_finish():
    idle, busy = agent_on_shift(), agent_on_shift()
    queued_conversation()
    claim_next_ticket(agent=busy.user)
    ShiftClaim.objects.filter(agent__in=[idle, busy]).update(status=ClaimStatus.COMPLETED)

    result = presence_sweep()

    assert result["shift_ended"] == [idle.user_id]
    assert Presence.objects.get(agent=busy).online is True
    assert result["requeued"] == []
