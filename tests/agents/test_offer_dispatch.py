"""Offer-based dispatch: the best eligible agent gets an offer; decline or timeout re-offers to the next."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from agents.exceptions import OfferNotOpen
from agents.models import AgentProfile, OfferStatus, Presence, TicketOffer
from agents.services.dispatch import dispatch_offers, offer_accept, offer_decline, offers_expire
from tests.factories import agent_on_shift, queued_conversation
from tickets.exceptions import TicketAlreadyClaimed
from tickets.models import Priority, Status
from tickets.services.claims import claim_ticket


def _online_since(profile, minutes_ago):
    Presence.objects.filter(agent=profile).update(went_online_at=timezone.now() - timedelta(minutes=minutes_ago))


@pytest.mark.django_db
def test_an_urgent_ticket_is_offered_to_the_best_agent_first():
    veteran = agent_on_shift(quality_score=0.95)
    newcomer = agent_on_shift(quality_score=0.60)
    _online_since(newcomer, 60)  # online longer, but not as good
    _online_since(veteran, 5)
    urgent = queued_conversation(priority=Priority.URGENT)

    assert dispatch_offers() == 1
    offer = TicketOffer.objects.get(conversation=urgent)
    assert (offer.agent_id, offer.status) == (veteran.user_id, OfferStatus.OPEN)


@pytest.mark.django_db
def test_a_routine_ticket_goes_to_whoever_has_been_online_longest():
    early, late = agent_on_shift(quality_score=0.6), agent_on_shift(quality_score=0.99)
    _online_since(early, 90)
    _online_since(late, 10)
    routine = queued_conversation(priority=Priority.NORMAL)
    dispatch_offers()
    assert TicketOffer.objects.get(conversation=routine).agent_id == early.user_id


@pytest.mark.django_db
def test_accepting_an_offer_claims_the_ticket():
    agent = agent_on_shift()
    ticket = queued_conversation()
    dispatch_offers()
    offer = TicketOffer.objects.get(conversation=ticket)
    conversation = offer_accept(agent=agent.user, offer=offer)
    offer.refresh_from_db()
    assert conversation.status == Status.ASSIGNED and conversation.assigned_agent_id == agent.user_id
    assert offer.status == OfferStatus.ACCEPTED


@pytest.mark.django_db
def test_a_declined_ticket_is_offered_to_the_next_agent_and_never_again_to_the_first():
    first, second = agent_on_shift(), agent_on_shift()
    _online_since(first, 60)
    _online_since(second, 30)
    ticket = queued_conversation()
    dispatch_offers()
    offer = TicketOffer.objects.get(conversation=ticket, status=OfferStatus.OPEN)
    assert offer.agent_id == first.user_id
    offer_decline(agent=first.user, offer=offer)

    dispatch_offers()
    assert TicketOffer.objects.get(conversation=ticket, status=OfferStatus.OPEN).agent_id == second.user_id
    TicketOffer.objects.filter(conversation=ticket, status=OfferStatus.OPEN).update(status=OfferStatus.DECLINED)
    assert dispatch_offers() == 0, "both agents said no; nobody is asked twice"


@pytest.mark.django_db
def test_an_offer_not_answered_in_time_expires_and_goes_to_the_next_agent(settings):
    settings.OFFER_ACCEPT_SECONDS = 20
    first, second = agent_on_shift(), agent_on_shift()
    _online_since(first, 60)
    _online_since(second, 30)
    ticket = queued_conversation()
    dispatch_offers()
    offer = TicketOffer.objects.get(conversation=ticket)
    later = timezone.now() + timedelta(seconds=21)

    assert dispatch_offers(now=later) == 1
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert TicketOffer.objects.get(conversation=ticket, status=OfferStatus.OPEN).agent_id == second.user_id
    with pytest.raises(OfferNotOpen):
        offer_accept(agent=first.user, offer=offer)
    ticket.refresh_from_db()
    assert ticket.status == Status.QUEUED


@pytest.mark.django_db
def test_a_ticket_taken_from_the_list_withdraws_its_offer():
    offered, faster = agent_on_shift(), agent_on_shift()
    _online_since(offered, 60)
    ticket = queued_conversation()
    dispatch_offers()
    offer = TicketOffer.objects.get(conversation=ticket)
    assert offer.agent_id == offered.user_id
    claim_ticket(agent=faster.user, conversation=ticket)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    with pytest.raises(OfferNotOpen):
        offer_accept(agent=offered.user, offer=offer)


@pytest.mark.django_db
def test_an_offer_accepted_after_someone_else_got_the_ticket_fails_cleanly():
    offered, faster = agent_on_shift(), agent_on_shift()
    ticket = queued_conversation()
    now = timezone.now()
    offer = TicketOffer.objects.create(
        conversation=ticket, agent=offered.user, created_at=now, expires_at=now + timedelta(seconds=20)
    )
    # The offer was made, then the ticket went to someone else by a path that did not close it.
    from tickets.services.lifecycle import conversation_transition

    conversation_transition(conversation=ticket, to_status=Status.ASSIGNED, agent=faster.user, actor_kind="agent")
    with pytest.raises(TicketAlreadyClaimed):
        offer_accept(agent=offered.user, offer=offer)
    offer.refresh_from_db()
    ticket.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN and ticket.assigned_agent_id == faster.user_id


@pytest.mark.django_db
def test_agents_who_dropped_a_ticket_full_or_offline_are_not_offered_it():
    dropped = agent_on_shift()
    full = agent_on_shift(max_concurrent_chats=1)
    claim_ticket(agent=full.user, conversation=queued_conversation())
    offline = agent_on_shift()
    Presence.objects.filter(agent=offline).update(online=False)
    ticket = queued_conversation(excluded_agent_ids=[dropped.user_id])
    assert dispatch_offers() == 0
    assert not TicketOffer.objects.filter(conversation=ticket).exists()


@pytest.mark.django_db
def test_one_agent_gets_one_offer_at_a_time():
    agent_on_shift()
    queued_conversation()
    queued_conversation()
    assert dispatch_offers() == 1
    assert TicketOffer.objects.filter(status=OfferStatus.OPEN).count() == 1


@pytest.mark.django_db
def test_expiring_twice_changes_nothing():
    agent = agent_on_shift()
    ticket = queued_conversation()
    now = timezone.now()
    TicketOffer.objects.create(
        conversation=ticket, agent=agent.user, created_at=now, expires_at=now + timedelta(seconds=1)
    )
    assert offers_expire(now=now + timedelta(seconds=2)) == 1
    assert offers_expire(now=now + timedelta(seconds=3)) == 0


@pytest.mark.django_db(transaction=True)
def test_dispatchers_running_at_once_never_offer_one_ticket_twice():
    for _ in range(8):
        agent_on_shift()
    tickets = [queued_conversation() for _ in range(12)]
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait()
            dispatch_offers()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    open_offers = list(TicketOffer.objects.filter(status=OfferStatus.OPEN).values_list("conversation_id", "agent_id"))
    assert len(open_offers) == 8, "every online agent has exactly one offer"
    assert len({c for c, _ in open_offers}) == 8 and len({a for _, a in open_offers}) == 8
    assert {c for c, _ in open_offers} <= {t.pk for t in tickets}
    assert AgentProfile.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_accepting_an_offer_while_someone_takes_the_same_ticket_gives_it_to_exactly_one_of_them():
    offered, taker = agent_on_shift(max_concurrent_chats=20), agent_on_shift(max_concurrent_chats=20)
    tickets = [queued_conversation() for _ in range(15)]
    now = timezone.now()
    offers = [
        TicketOffer.objects.create(
            conversation=t, agent=offered.user, created_at=now, expires_at=now + timedelta(minutes=5), status=status
        )
        for t, status in zip(tickets, [OfferStatus.OPEN] + [OfferStatus.DECLINED] * 14, strict=True)
    ]
    # One open offer per agent: re-open each in turn and race its accept against a "Take".
    errors, winners = [], []
    for ticket, offer in zip(tickets, offers, strict=True):
        TicketOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.OPEN)
        barrier = threading.Barrier(2)

        def accept(offer=offer, barrier=barrier):
            try:
                barrier.wait()
                winners.append(("offered", offer_accept(agent=offered.user, offer=offer).pk))
            except (TicketAlreadyClaimed, OfferNotOpen):
                pass
            except Exception as exc:  # noqa: BLE001 - a deadlock would land here
                errors.append(exc)
            finally:
                connection.close()

        def take(ticket=ticket, barrier=barrier):
            try:
                barrier.wait()
                winners.append(("taker", claim_ticket(agent=taker.user, conversation=ticket).pk))
            except TicketAlreadyClaimed:
                pass
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=accept), threading.Thread(target=take)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        TicketOffer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(status=OfferStatus.DECLINED)

    assert errors == []
    assert sorted(pk for _, pk in winners) == sorted(t.pk for t in tickets), "each ticket went to exactly one agent"
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Status.ASSIGNED
    accepted = set(TicketOffer.objects.filter(status=OfferStatus.ACCEPTED).values_list("conversation_id", flat=True))
    assert accepted == {pk for who, pk in winners if who == "offered"}
