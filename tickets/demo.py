"""Historical conversations so that dashboards and reports have something to show."""

import random
from datetime import datetime, timedelta

from django.db import transaction

from agents.models import AgentProfile, AgentStatus
from tickets.models import (
    ActorKind,
    Category,
    Conversation,
    ConversationEvent,
    EventKind,
    Message,
    Priority,
    SenderKind,
    Status,
)
from tickets.quality.models import CsatRating

DEMO_MARK = "demo-history"
ROUTINE = [
    ("card_arrival", Category.CARDS, "My card still hasn't arrived, when will it come?"),
    ("exchange_rate", Category.PAYMENTS, "What exchange rate do you use for payments abroad?"),
    ("top_up_limits", Category.TOPUPS, "How much can I top up in one go?"),
    ("change_pin", Category.CARDS, "How do I change my PIN?"),
]
HUMAN = [
    ("request_refund", Category.REFUNDS, "I returned the shoes to Zalando two weeks ago and still no refund of €89.90"),
    ("compromised_card", Category.SECURITY, "There are payments I didn't make, I think someone has my card"),
    ("transfer_not_received_by_recipient", Category.TRANSFERS, "My transfer of 250 EUR never arrived"),
    ("transaction_charged_twice", Category.PAYMENTS, "I was charged twice at IKEA for the same order"),
]


def _event(conv, kind, at, actor_kind, from_status="", to_status="", actor_user=None, data=None):
    return ConversationEvent(
        conversation=conv,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor_kind=actor_kind,
        actor_user=actor_user,
        data=data or {},
        created_at=at,
    )


@transaction.atomic
def seed_history(*, now: datetime, days: int = 14, per_day: int = 18, seed: int = 7) -> int:
    """Create `days` of resolved history once; returns how many conversations it created."""
    if ConversationEvent.objects.filter(data__demo=DEMO_MARK).exists():
        return 0
    rng = random.Random(seed)
    agents = list(AgentProfile.objects.filter(status=AgentStatus.APPROVED).select_related("user"))
    if not agents:
        return 0
    created = 0
    events, messages, ratings = [], [], []
    # Day 0 is the last 24 hours, so the dashboard's "today" charts have data too.
    for day in range(days, -1, -1):
        for _ in range(per_day):
            start = now - timedelta(days=day, hours=rng.randint(1, 22), minutes=rng.randint(0, 59))
            human = rng.random() < 0.4
            intent, category, text = rng.choice(HUMAN if human else ROUTINE)
            conv = Conversation.objects.create(
                language=rng.choice(["en", "en", "de", "sv"]), intent=intent, category=category, status=Status.CLOSED
            )
            created += 1
            events.append(_event(conv, EventKind.CREATED, start, ActorKind.CUSTOMER, data={"demo": DEMO_MARK}))
            messages.append(Message(conversation=conv, seq=1, sender_kind=SenderKind.CUSTOMER, body=text))
            if not human:
                end = start + timedelta(minutes=rng.randint(1, 4))
                events.append(_event(conv, EventKind.BOT_ANSWER, start + timedelta(seconds=2), ActorKind.BOT))
                events.append(
                    _event(conv, EventKind.TRANSITION, end, ActorKind.CUSTOMER, Status.BOT, Status.BOT_RESOLVED)
                )
                messages.append(Message(conversation=conv, seq=2, sender_kind=SenderKind.BOT, body="(answer)"))
                if rng.random() < 0.5:
                    ratings.append(_rating(rng, conv, None, end + timedelta(seconds=30)))
                Conversation.objects.filter(pk=conv.pk).update(
                    status=Status.CLOSED, last_seq=2, closed_at=end, created_at=start
                )
                continue
            agent = rng.choice(agents)
            queued = start + timedelta(seconds=5)
            assigned = queued + timedelta(seconds=rng.randint(10, 150))
            first = assigned + timedelta(seconds=rng.randint(15, 90))
            resolved = first + timedelta(minutes=rng.randint(3, 15))
            closed = min(resolved + timedelta(hours=1), now)
            events += [
                _event(conv, EventKind.HANDOFF, queued, ActorKind.BOT, data={"reason": "needs_human"}),
                _event(conv, EventKind.TRANSITION, queued, ActorKind.BOT, Status.BOT, Status.QUEUED),
                _event(
                    conv, EventKind.TRANSITION, assigned, ActorKind.AGENT, Status.QUEUED, Status.ASSIGNED, agent.user
                ),
                _event(conv, EventKind.FIRST_RESPONSE, first, ActorKind.AGENT, actor_user=agent.user),
                _event(
                    conv, EventKind.TRANSITION, resolved, ActorKind.AGENT, Status.ASSIGNED, Status.RESOLVED, agent.user
                ),
                _event(
                    conv,
                    EventKind.TRANSITION,
                    closed,
                    ActorKind.SYSTEM,
                    Status.RESOLVED,
                    Status.CLOSED,
                ),
            ]
            messages.append(
                Message(
                    conversation=conv,
                    seq=2,
                    sender_kind=SenderKind.AGENT,
                    sender_user=agent.user,
                    body="Sorted, thanks for waiting!",
                )
            )
            Conversation.objects.filter(pk=conv.pk).update(
                status=Status.CLOSED,
                assigned_agent=agent.user,
                priority=Priority.URGENT if category == Category.SECURITY else Priority.NORMAL,
                required_skill=category,
                created_at=start,
                queued_at=queued,
                assigned_at=assigned,
                first_response_at=first,
                resolved_at=resolved,
                closed_at=closed,
                last_seq=2,
                resolution_code="solved",
            )
    ConversationEvent.objects.bulk_create(events)
    Message.objects.bulk_create(messages)
    CsatRating.objects.bulk_create(ratings)
    ConversationEvent.objects.bulk_create(
        _event(
            r.conversation,
            EventKind.CSAT,
            r.created_at,
            ActorKind.CUSTOMER,
            data={"score": r.score, "agent_id": r.agent_id, "has_comment": bool(r.comment)},
        )
        for r in ratings
    )
    return created


def _rating(rng: random.Random, conv: Conversation, agent, at: datetime) -> CsatRating:
    score = rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 10, 6, 4])[0]
    comment = {5: "Quick and friendly, thanks!", 1: "Took far too long."}.get(score, "")
    return CsatRating(conversation=conv, score=score, comment=comment, agent=agent, created_at=at)
