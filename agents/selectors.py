"""Reads about agents shared by pages, APIs, consumers and the queue."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agents.exceptions import NotAnAgent
from agents.models import AgentProfile, AgentStatus, ClaimStatus, Presence, ShiftClaim, ShiftSlot
from tickets.models import Conversation, Status


def agent_profile_of(*, user: AbstractBaseUser | AnonymousUser) -> AgentProfile:
    profile = AgentProfile.objects.filter(user_id=user.pk).first() if user.is_authenticated else None
    if profile is None:
        raise NotAnAgent()
    return profile


def presence_of(*, profile: AgentProfile) -> Presence:
    """The agent's presence row (unsaved and offline if they never went online)."""
    return Presence.objects.filter(agent=profile).first() or Presence(agent=profile)


def heartbeat_is_fresh(presence: Presence, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        presence.online
        and presence.last_heartbeat_at
        and presence.last_heartbeat_at >= now - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    )


def agent_is_available(*, user: AbstractBaseUser) -> bool:
    """Approved, online with a fresh heartbeat, and on a claimed shift that is running now."""
    return online_agents().filter(user_id=user.pk).exists()


def current_claim(*, profile: AgentProfile, now: datetime | None = None) -> ShiftClaim | None:
    """The claimed shift running now, if any."""
    now = now or timezone.now()
    return (
        ShiftClaim.objects.filter(agent=profile, status=ClaimStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .select_related("slot")
        .first()
    )


def slot_is_eligible(*, profile: AgentProfile, slot: ShiftSlot) -> bool:
    """A language in common, and every skill the slot asks for (a slot without skills takes anyone)."""
    return bool(set(profile.languages) & set(slot.languages)) and set(slot.skills) <= set(profile.skills)


def open_slots_for(*, profile: AgentProfile, now: datetime | None = None, days: int = 14) -> list[ShiftSlot]:
    """Slots not yet over in the next `days` that the agent is eligible for, each with `my_claim` (or None)."""
    now = now or timezone.now()
    mine = ShiftClaim.objects.filter(slot=OuterRef("pk"), agent=profile, status=ClaimStatus.ACTIVE)
    slots = (
        ShiftSlot.objects.filter(ends_at__gt=now, starts_at__lt=now + timedelta(days=days))
        .annotate(is_mine=Exists(mine))
        .order_by("starts_at", "pk")
    )
    eligible = [slot for slot in slots if slot_is_eligible(profile=profile, slot=slot)]
    claims = {
        claim.slot_id: claim
        for claim in ShiftClaim.objects.filter(
            agent=profile, status=ClaimStatus.ACTIVE, slot_id__in=[s.pk for s in eligible if s.is_mine]
        )
    }
    for slot in eligible:
        slot.my_claim = claims.get(slot.pk)
    return eligible


def claims_of(*, profile: AgentProfile, upcoming_only: bool = False) -> QuerySet[ShiftClaim]:
    claims = ShiftClaim.objects.filter(agent=profile).select_related("slot").order_by("-starts_at")
    if upcoming_only:
        claims = claims.filter(status=ClaimStatus.ACTIVE, ends_at__gt=timezone.now()).order_by("starts_at")
    return claims


def applicants(*, status: str | None = AgentStatus.APPLIED) -> QuerySet[AgentProfile]:
    profiles = AgentProfile.objects.select_related("user", "decided_by").order_by("created_at", "pk")
    return profiles.filter(status=status) if status else profiles


def slots_for_ops(*, include_past: bool = False) -> QuerySet[ShiftSlot]:
    slots = ShiftSlot.objects.order_by("starts_at", "pk")
    return slots if include_past else slots.filter(ends_at__gt=timezone.now())


def live_conversation_count(*, user: AbstractBaseUser) -> int:
    return Conversation.objects.filter(assigned_agent_id=user.pk, status=Status.ASSIGNED).count()


def agent_day(*, profile: AgentProfile) -> dict[str, Any]:
    """Agent home: today's shift, presence, cases resolved, CSAT, reliability (earnings come from payouts)."""
    now = timezone.now()
    local_tz = local_zone(profile)
    day_start = timezone.localtime(now, local_tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = day_start + timedelta(days=1)
    presence = presence_of(profile=profile)
    todays = list(
        ShiftClaim.objects.filter(
            agent=profile,
            status__in=[ClaimStatus.ACTIVE, ClaimStatus.COMPLETED],
            starts_at__lt=day_end,
            ends_at__gt=day_start,
        )
        .select_related("slot")
        .order_by("starts_at")
    )
    resolved = Conversation.objects.filter(assigned_agent_id=profile.user_id, resolved_at__isnull=False)
    return {
        "profile": profile,
        "presence": presence,
        "online": presence.online,
        "current_claim": current_claim(profile=profile, now=now),
        "todays_claims": todays,
        "next_claim": claims_of(profile=profile, upcoming_only=True).filter(starts_at__gt=now).first(),
        "live_conversations": live_conversation_count(user=profile.user),
        "resolved_today": resolved.filter(resolved_at__gte=day_start, resolved_at__lt=day_end).count(),
        "resolved_total": resolved.count(),
        "csat_average": csat_average_of(user=profile.user),
        "reliability_score": profile.reliability_score,
        "quality_score": profile.quality_score,
    }


def local_zone(profile: AgentProfile):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(profile.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def csat_average_of(*, user: AbstractBaseUser) -> float | None:
    """The agent's CSAT average over the quality window (from the quality app)."""
    from tickets.quality.selectors import quality_summary_for_agent

    return quality_summary_for_agent(user=user, now=timezone.now())["csat_average"]


def earnings_of(*, user: AbstractBaseUser, now: datetime | None = None) -> dict[str, Any]:
    """Earnings from the payouts ledger, in minor units: today (agent's day), this pay period, and the balance."""
    from django.db.models import Sum

    from payouts.models import EARNING_KINDS, LedgerEntry
    from payouts.periods import period_bounds, period_of
    from payouts.selectors import agent_balance

    now = now or timezone.now()
    balance = agent_balance(agent_id=user.pk, now=now)
    period = period_of(now)
    period_start, period_end = period_bounds(period)
    profile = AgentProfile.objects.filter(user_id=user.pk).first()
    zone = local_zone(profile) if profile else timezone.get_current_timezone()
    day_start = timezone.localtime(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    earned = LedgerEntry.objects.filter(agent_id=user.pk, currency=balance.currency, kind__in=EARNING_KINDS)
    totals = earned.aggregate(
        today=Sum("amount_minor", filter=Q(occurred_at__gte=day_start, occurred_at__lt=day_start + timedelta(days=1))),
        period=Sum("amount_minor", filter=Q(occurred_at__gte=period_start, occurred_at__lt=period_end)),
    )
    return {
        "today_minor": totals["today"] or 0,
        "period": period,
        "period_minor": totals["period"] or 0,
        "available_minor": balance.available_minor,
        "pending_minor": balance.pending_minor,
        "currency": balance.currency,
    }


def payout_account_of(*, user: AbstractBaseUser) -> dict[str, Any]:
    """Whether the agent has connected a payout account, and whether payouts can be sent to it."""
    from payouts.models import ConnectedAccount

    account = ConnectedAccount.objects.filter(agent_id=user.pk).first()
    if account is None:
        return {"status": "not_connected", "provider": None, "payouts_enabled": False}
    return {
        "status": "ready" if account.payouts_enabled else "pending",
        "provider": account.provider,
        "payouts_enabled": account.payouts_enabled,
    }


def online_agents(*, now: datetime | None = None) -> QuerySet[AgentProfile]:
    """Approved agents with a fresh heartbeat and a shift running now."""
    now = now or timezone.now()
    fresh = now - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    on_shift = ShiftClaim.objects.filter(
        agent=OuterRef("pk"), status=ClaimStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
    )
    return AgentProfile.objects.filter(
        Q(status=AgentStatus.APPROVED), presence__online=True, presence__last_heartbeat_at__gte=fresh
    ).filter(Exists(on_shift))


# --- The workspace's view of one conversation ----------------------------------------------------


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "language": conversation.language,
        "intent": conversation.intent,
        "category": conversation.category,
        "priority": conversation.priority,
        "customer_name": conversation.customer_name,
        "assigned_at": conversation.assigned_at,
        "last_seq": conversation.last_seq,
        "last_customer_message_at": conversation.last_customer_message_at,
        "last_agent_message_at": conversation.last_agent_message_at,
    }


def conversation_detail(*, conversation: Conversation) -> dict[str, Any]:
    """Everything the workspace shows for a held conversation: transcript (redacted), summary, triage, answers."""
    from agents.services.workspace import RESOLUTION_CODES
    from tickets.selectors import messages_since
    from tickets.services.messages import message_payload

    messages = []
    after = 0
    while True:
        batch = messages_since(conversation=conversation, after_seq=after, limit=500)
        messages += [message_payload(m) for m in batch]
        if len(batch) < 500:
            break
        after = batch[-1].seq
    summary = conversation.handover_summary if isinstance(conversation.handover_summary, dict) else {}
    return {
        **conversation_summary(conversation),
        "handover_summary": summary,
        "triage": triage_details_of(conversation=conversation),
        "knowledge_answers": knowledge_answers_for(conversation=conversation),
        "messages": messages,
        "resolution_codes": RESOLUTION_CODES,
    }


def triage_details_of(*, conversation: Conversation) -> dict[str, Any] | None:
    """The latest triage decision for this conversation: model, intent and confidence, signals, the rule that fired."""
    from tickets.triage.models import TriageDecision

    decision = TriageDecision.objects.filter(conversation=conversation).order_by("-created_at", "-pk").first()
    if decision is None:
        return None
    return {
        "intent": decision.intent,
        "confidence": round(decision.confidence, 3),
        "top_intents": decision.top_intents[:3],
        "category": decision.category,
        "language": decision.language,
        "signals": decision.signals,
        "rule": decision.get_rule_display(),
        "outcome": decision.get_outcome_display(),
        "model_version": decision.model_version,
    }


def knowledge_answers_for(*, conversation: Conversation, limit: int = 5) -> list[dict[str, Any]]:
    """Knowledge-base answers an agent may insert: for the conversation's intent, its language first, then English."""
    from tickets.triage.models import KnowledgeAnswer

    if not conversation.intent:
        return []
    answers = KnowledgeAnswer.objects.filter(
        intent=conversation.intent, enabled=True, language__in=[conversation.language, "en"]
    )
    ranked = sorted(answers[: limit * 2], key=lambda a: (a.language != conversation.language, a.pk))[:limit]
    return [{"id": a.pk, "intent": a.intent, "language": a.language, "title": a.title, "body": a.body} for a in ranked]


def draft_reply_for(*, conversation: Conversation) -> dict[str, str]:
    """A suggested reply for the agent to review and edit; never sent by itself.

    From the configured triage provider (an LLM endpoint, or the offline templates and the
    knowledge base — the provider falls back to those on any failure).
    """
    from tickets.triage.providers import get_provider

    context = {
        "language": conversation.language,
        "intent": conversation.intent,
        "category": conversation.category,
        "customer_name": conversation.customer_name,
        "handover_summary": conversation.handover_summary,
        "transcript": [
            {"sender": sender, "body": body}
            for sender, body in conversation.messages.order_by("-seq").values_list("sender_kind", "body")[:30][::-1]
        ],
    }
    provider = get_provider()
    return {"draft": provider.draft_reply(conversation_context=context), "source": provider.name}
