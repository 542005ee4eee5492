"""Fifty agents race for a few hundred tickets on PostgreSQL; the database is audited afterwards."""

import random
import threading
from collections import Counter, defaultdict

import pytest
from django.db import connection

from agents.services.presence import agent_heartbeat
from tests.factories import agent_on_shift, queued_conversation
from tickets.exceptions import AgentAtCapacity, NoTicketAvailable
from tickets.models import ConversationEvent, EventKind, Priority, Status
from tickets.services.claims import claim_next_ticket
from tickets.services.lifecycle import conversation_resolve

AGENTS = 50
TICKETS = 300


def _run_threads(target, args_list):
    barrier = threading.Barrier(len(args_list))
    errors = []

    def run(*args):
        try:
            barrier.wait()
            target(*args)
        except Exception as exc:  # noqa: BLE001 - every failure in a thread is reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_fifty_agents_racing_take_next_never_share_a_ticket_and_lose_none():
    rng = random.Random(6)
    agents = [agent_on_shift(languages=["en"]) for _ in range(AGENTS)]
    tickets = [
        queued_conversation(priority=rng.choice([Priority.NORMAL, Priority.HIGH, Priority.URGENT]))
        for _ in range(TICKETS)
    ]
    claimed_by = defaultdict(list)

    def work(profile):
        user = profile.user
        mine = []
        while True:
            try:
                conv = claim_next_ticket(agent=user)
            except AgentAtCapacity:
                agent_heartbeat(agent=user)  # as the agent's websocket does every 15 s
                for conv in mine:
                    conversation_resolve(conversation=conv, agent=user, resolution_code="solved")
                mine.clear()
                continue
            except NoTicketAvailable:
                break
            claimed_by[conv.pk].append(user.pk)
            mine.append(conv)
        for conv in mine:
            conversation_resolve(conversation=conv, agent=user, resolution_code="solved")

    errors = _run_threads(work, [(profile,) for profile in agents])
    assert errors == []

    # The threads' own view: every ticket was handed to exactly one agent.
    assert sorted(claimed_by) == sorted(t.pk for t in tickets)
    assert all(len(holders) == 1 for holders in claimed_by.values())

    # The database's view, from the event log.
    ids = [t.pk for t in tickets]
    assignments = Counter(
        ConversationEvent.objects.filter(
            conversation_id__in=ids, kind=EventKind.TRANSITION, from_status=Status.QUEUED, to_status=Status.ASSIGNED
        ).values_list("conversation_id", flat=True)
    )
    assert assignments == Counter(dict.fromkeys(ids, 1)), "a ticket was assigned twice, or never"
    statuses = Counter(type(tickets[0]).objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == Counter({Status.RESOLVED: TICKETS}), "a ticket was lost"

    # No agent ever held more live chats than their cap: replay each agent's assign/resolve events.
    events = ConversationEvent.objects.filter(
        conversation_id__in=ids, kind=EventKind.TRANSITION, to_status__in=[Status.ASSIGNED, Status.RESOLVED]
    ).order_by("created_at", "id")
    live, peak = Counter(), Counter()
    for event in events.values("actor_user_id", "to_status"):
        live[event["actor_user_id"]] += 1 if event["to_status"] == Status.ASSIGNED else -1
        peak[event["actor_user_id"]] = max(peak[event["actor_user_id"]], live[event["actor_user_id"]])
    cap = agents[0].max_concurrent_chats
    assert max(peak.values()) <= cap
    assert len(peak) > 1, "the work was not spread over the agents at all"


@pytest.mark.django_db(transaction=True)
def test_one_agent_clicking_take_next_in_ten_tabs_never_exceeds_their_cap():
    profile = agent_on_shift(languages=["en"])
    for _ in range(20):
        queued_conversation()
    outcomes = []

    def grab():
        try:
            outcomes.append(claim_next_ticket(agent=profile.user).pk)
        except AgentAtCapacity:
            outcomes.append("at_capacity")

    errors = _run_threads(grab, [() for _ in range(10)])
    assert errors == []
    taken = [o for o in outcomes if o != "at_capacity"]
    assert len(taken) == profile.max_concurrent_chats == 3
    assert len(set(taken)) == 3
    assert outcomes.count("at_capacity") == 7
    assert (
        type(profile.user).objects.get(pk=profile.user.pk).assigned_conversations.filter(status=Status.ASSIGNED).count()
        == 3
    )
