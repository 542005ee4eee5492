"""Presence: going online (only during a claimed shift), heartbeats, going offline, and the sweep.

An agent whose heartbeat stops is marked offline by the sweep (Celery beat) within
PRESENCE_TIMEOUT_SECONDS plus one sweep interval, and their live tickets go back to the
queue through `lifecycle.conversation_requeue`, which tells the customer.

Lock order: agent profile → presence → conversations (each re-queue locks its conversation).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from agents.exceptions import AgentNotApproved, NotOnShift
from agents.models import AgentProfile, AgentStatus, ClaimStatus, Presence, ShiftClaim
from agents.services.shifts import lock_profile, shift_check_in
from tickets import realtime
from tickets.models import Conversation, Status


def _presence_payload(presence: Presence) -> dict:
    return {
        "type": "presence",
        "online": presence.online,
        "reason": presence.offline_reason if not presence.online else "",
        "last_heartbeat_at": presence.last_heartbeat_at.isoformat() if presence.last_heartbeat_at else None,
    }


def _locked_presence(profile: AgentProfile) -> Presence:
    Presence.objects.get_or_create(agent=profile)
    return Presence.objects.select_for_update().get(agent=profile)


def agent_go_online(*, agent: AbstractBaseUser) -> Presence:
    """Go online; only an approved agent during a shift they claimed may."""
    now = timezone.now()
    with transaction.atomic():
        profile = lock_profile(agent)
        if profile.status != AgentStatus.APPROVED:
            raise AgentNotApproved()
        presence = _locked_presence(profile)
        if shift_check_in(profile=profile, now=now) is None:
            raise NotOnShift()
        if not presence.online:
            presence.went_online_at = now
        presence.online = True
        presence.last_heartbeat_at = now
        presence.offline_reason = ""
        presence.save()
        realtime.agent_push(agent.pk, _presence_payload(presence))
    return presence


def agent_heartbeat(*, agent: AbstractBaseUser) -> bool:
    """Keep an online agent online; returns False when they are offline (the sweep got there first)."""
    # A plain conditional UPDATE: if the sweep holds the row, this waits and then sees online=False.
    return bool(Presence.objects.filter(agent__user_id=agent.pk, online=True).update(last_heartbeat_at=timezone.now()))


def _go_offline_locked(*, profile: AgentProfile, presence: Presence, reason: str, now: datetime) -> list[int]:
    """Mark offline and re-queue the agent's live tickets. Caller holds the profile and presence locks."""
    from agents.services.dispatch import offers_withdraw_for_agent
    from tickets.services.lifecycle import conversation_requeue

    presence.online = False
    presence.went_offline_at = now
    presence.offline_reason = reason
    presence.save(update_fields=["online", "went_offline_at", "offline_reason"])
    requeued = []
    for conv in Conversation.objects.filter(assigned_agent_id=profile.user_id, status=Status.ASSIGNED).order_by("pk"):
        conversation_requeue(conversation=conv, reason=f"agent_{reason}", raise_priority=True)
        requeued.append(conv.pk)
    offers_withdraw_for_agent(agent_id=profile.user_id)
    realtime.agent_push(profile.user_id, _presence_payload(presence))
    return requeued


def agent_go_offline(*, agent: AbstractBaseUser, reason: str = "went_offline") -> list[int]:
    """Go offline; any live tickets go back to the queue (their customers are told). Returns their ids."""
    with transaction.atomic():
        profile = lock_profile(agent)
        presence = _locked_presence(profile)
        if not presence.online:
            return []
        return _go_offline_locked(profile=profile, presence=presence, reason=reason, now=timezone.now())


def presence_sweep(*, now: datetime | None = None) -> dict[str, list[int]]:
    """Beat job, safe to run twice: agents whose heartbeat stopped go offline and lose their live tickets;
    agents whose shift is over and who have no live chats left go offline quietly.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    stale = Presence.objects.filter(online=True, last_heartbeat_at__lt=stale_before) | Presence.objects.filter(
        online=True, last_heartbeat_at__isnull=True
    )
    on_shift = ShiftClaim.objects.filter(
        agent=OuterRef("agent"), status=ClaimStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
    )
    has_live = Conversation.objects.filter(assigned_agent_id=OuterRef("agent__user_id"), status=Status.ASSIGNED)
    shift_over = Presence.objects.filter(online=True).filter(~Exists(on_shift), ~Exists(has_live))
    result: dict[str, list[int]] = {"heartbeat_lost": [], "shift_ended": [], "requeued": []}
    for reason, rows in (("heartbeat_lost", stale), ("shift_ended", shift_over)):
        for user_id in rows.values_list("agent__user_id", flat=True):
            with transaction.atomic():
                profile = AgentProfile.objects.select_for_update().get(user_id=user_id)
                presence = Presence.objects.select_for_update().get(agent=profile)
                # Re-check under the locks: a heartbeat or a new shift may have arrived meanwhile.
                if not presence.online:
                    continue
                if (
                    reason == "heartbeat_lost"
                    and presence.last_heartbeat_at
                    and presence.last_heartbeat_at >= stale_before
                ):
                    continue
                if reason == "shift_ended" and (
                    ShiftClaim.objects.filter(
                        agent=profile, status=ClaimStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
                    ).exists()
                    or Conversation.objects.filter(assigned_agent_id=user_id, status=Status.ASSIGNED).exists()
                ):
                    continue
                result["requeued"] += _go_offline_locked(profile=profile, presence=presence, reason=reason, now=now)
                result[reason].append(user_id)
    return result
