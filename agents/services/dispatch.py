"""Offer-based dispatch (Uber style), next to the pull queue.

A beat job offers each waiting ticket to the best eligible online agent for a short
window (OFFER_ACCEPT_SECONDS). Accepting claims the ticket through the same conditional
claim as "Take" (so an offer can never beat a faster pull, nor the other way round);
declining or letting it expire frees the ticket for the next offer. A ticket is never
offered twice to the same agent, nor to an agent who released or dropped it. Urgent
tickets go to the best agents first (tickets.quality.selectors.quality_rank_for_urgent).

Partial unique indexes keep at most one open offer per ticket and per agent, so two
dispatchers running at once cannot double-offer.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from agents.exceptions import NotYourOffer, OfferNotOpen
from agents.models import AgentProfile, OfferStatus, TicketOffer
from agents.selectors import online_agents
from tickets import realtime
from tickets.exceptions import TicketAlreadyClaimed
from tickets.models import Conversation, Status
from tickets.queue import QUEUE_ORDER, ticket_is_eligible, ticket_packet, waiting_tickets


def offer_window() -> timedelta:
    return timedelta(seconds=settings.OFFER_ACCEPT_SECONDS)


def offer_body(offer: TicketOffer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "status": offer.status,
        "expires_at": offer.expires_at,
        "ticket": ticket_packet(offer.conversation),
    }


def _push_offer(offer: TicketOffer) -> None:
    body = offer_body(offer)
    body["expires_at"] = offer.expires_at.isoformat()
    realtime.agent_push(offer.agent_id, {"type": "offer", "offer": body})


def _push_offer_closed(agent_id: int, offer_id: int, status: str) -> None:
    realtime.agent_push(agent_id, {"type": "offer_closed", "offer": offer_id, "status": status})


def open_offers_for(*, agent: AbstractBaseUser) -> list[TicketOffer]:
    return list(
        TicketOffer.objects.filter(agent=agent, status=OfferStatus.OPEN, expires_at__gt=timezone.now())
        .select_related("conversation")
        .order_by("expires_at")
    )


def offers_expire(*, now: datetime | None = None) -> int:
    """Close every open offer whose window has passed; the ticket becomes free for the next offer."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        rows = list(
            TicketOffer.objects.select_for_update(skip_locked=True)
            .filter(status=OfferStatus.OPEN, expires_at__lte=now)
            .values_list("pk", "agent_id")
        )
        if rows:
            expired = TicketOffer.objects.filter(pk__in=[pk for pk, _ in rows], status=OfferStatus.OPEN).update(
                status=OfferStatus.EXPIRED, decided_at=now
            )
            for pk, agent_id in rows:
                _push_offer_closed(agent_id, pk, OfferStatus.EXPIRED)
    return expired


def offers_withdraw_for_ticket(*, conversation: Conversation, taken_by: AbstractBaseUser) -> None:
    """The ticket was taken: the taker's offer (if any) is accepted, everyone else's withdrawn. In the claim's transaction."""
    now = timezone.now()
    for offer in TicketOffer.objects.filter(conversation=conversation, status=OfferStatus.OPEN):
        offer.status = OfferStatus.ACCEPTED if offer.agent_id == taken_by.pk else OfferStatus.WITHDRAWN
        offer.decided_at = now
        offer.save(update_fields=["status", "decided_at"])
        if offer.status == OfferStatus.WITHDRAWN:
            _push_offer_closed(offer.agent_id, offer.pk, offer.status)


def offers_withdraw_for_agent(*, agent_id: int) -> None:
    """The agent went offline: their open offer goes back to the pool."""
    now = timezone.now()
    for pk in TicketOffer.objects.filter(agent_id=agent_id, status=OfferStatus.OPEN).values_list("pk", flat=True):
        TicketOffer.objects.filter(pk=pk).update(status=OfferStatus.WITHDRAWN, decided_at=now)
        _push_offer_closed(agent_id, pk, OfferStatus.WITHDRAWN)


def _candidates(conversation: Conversation, pool: list[AgentProfile], busy: set[int]) -> list[AgentProfile]:
    return [p for p in pool if p.user_id not in busy and ticket_is_eligible(profile=p, conversation=conversation)]


def dispatch_offers(*, now: datetime | None = None, limit: int = 200) -> int:
    """Beat job: offer waiting tickets (best first) to eligible online agents with room. Returns offers made."""
    from tickets.quality.selectors import quality_rank_for_urgent

    now = now or timezone.now()
    offers_expire(now=now)
    open_offer = TicketOffer.objects.filter(conversation=OuterRef("pk"), status=OfferStatus.OPEN)
    tickets = list(waiting_tickets().filter(~Exists(open_offer)).order_by(*QUEUE_ORDER)[:limit])
    if not tickets:
        return 0
    live = dict(
        Conversation.objects.filter(status=Status.ASSIGNED, assigned_agent__isnull=False)
        .values_list("assigned_agent_id")
        .annotate(n=Count("pk"))
    )
    pool = [
        p for p in online_agents(now=now).select_related("presence") if live.get(p.user_id, 0) < p.max_concurrent_chats
    ]
    # Agents with an open offer wait for their answer; an agent is offered one ticket at a time.
    busy = set(TicketOffer.objects.filter(status=OfferStatus.OPEN).values_list("agent_id", flat=True))
    already_offered: dict[int, set[int]] = {}
    for conv_id, agent_id in TicketOffer.objects.filter(conversation__in=tickets).values_list(
        "conversation_id", "agent_id"
    ):
        already_offered.setdefault(conv_id, set()).add(agent_id)
    made = 0
    for conversation in tickets:
        candidates = [
            p
            for p in _candidates(conversation, pool, busy)
            if p.user_id not in already_offered.get(conversation.pk, set())
        ]
        if not candidates:
            continue
        ranked = quality_rank_for_urgent(
            conversation=conversation, candidates=AgentProfile.objects.filter(pk__in=[p.pk for p in candidates])
        )
        chosen = ranked.first()
        try:
            with transaction.atomic():
                offer = TicketOffer.objects.create(
                    conversation=conversation,
                    agent_id=chosen.user_id,
                    created_at=now,
                    expires_at=now + offer_window(),
                )
                _push_offer(offer)
        except IntegrityError:
            continue  # another dispatcher offered this ticket, or to this agent, a moment ago
        busy.add(chosen.user_id)
        made += 1
    return made


def offer_accept(*, agent: AbstractBaseUser, offer: TicketOffer) -> Conversation:
    """Accept an open offer: claims the ticket (same checks as "Take"), or raises and the offer closes.

    The offer row is locked only by the claim itself, after the conversation (see the lock order),
    so an accept racing a "Take" of the same ticket cannot deadlock with it.
    """
    from tickets.services.claims import claim_ticket

    now = timezone.now()
    current = TicketOffer.objects.filter(pk=offer.pk).first()
    if current is None or current.agent_id != agent.pk:
        raise NotYourOffer()
    if current.status != OfferStatus.OPEN or current.expires_at <= now:
        raise OfferNotOpen()
    try:
        return claim_ticket(agent=agent, conversation=current.conversation)
    except TicketAlreadyClaimed:
        TicketOffer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN, decided_at=now
        )
        raise


def offer_decline(*, agent: AbstractBaseUser, offer: TicketOffer) -> TicketOffer:
    """Decline: the ticket is offered to someone else, and never to this agent again."""
    with transaction.atomic():
        locked = TicketOffer.objects.select_for_update().get(pk=offer.pk)
        if locked.agent_id != agent.pk:
            raise NotYourOffer()
        if locked.status != OfferStatus.OPEN:
            raise OfferNotOpen()
        locked.status = OfferStatus.DECLINED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
    return locked
