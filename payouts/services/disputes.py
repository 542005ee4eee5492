"""Disputes: every automated pay decision has a human review path."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from payouts.exceptions import DisputeAlreadyDecided, DisputeAlreadyOpen, InvalidAmount, NotYourEntry, PayoutError
from payouts.models import DisputeStatus, EntryDispute, EntryKind, LedgerEntry
from payouts.services.earnings import ledger_adjustment_record

MAX_TEXT = 2000


def _text(value: str, *, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise PayoutError(f"Please give a {what}.")
    if len(value) > MAX_TEXT:
        raise PayoutError(f"The {what} is longer than {MAX_TEXT} characters.")
    return value


def dispute_open(*, entry_id: int, agent: AbstractBaseUser, reason: str) -> EntryDispute:
    """An agent contests one of their own entries (a clawback, a withheld bonus, a wrong amount)."""
    reason = _text(reason, what="reason")
    entry = LedgerEntry.objects.filter(pk=entry_id).first()
    if entry is None or entry.agent_id != agent.pk:
        raise NotYourEntry()
    try:
        with transaction.atomic():
            return EntryDispute.objects.create(entry=entry, raised_by=agent, reason=reason)
    except IntegrityError as exc:
        raise DisputeAlreadyOpen() from exc


def dispute_suggested_adjustment(*, dispute: EntryDispute) -> int | None:
    """Upholding a clawback dispute gives the clawed amount back; other cases need an amount from finance."""
    if dispute.entry.kind == EntryKind.CLAWBACK:
        return -dispute.entry.amount_minor
    return None


def dispute_decide(
    *,
    dispute_id: int,
    actor: AbstractBaseUser,
    upheld: bool,
    note: str,
    adjustment_minor: int | None = None,
    now: datetime | None = None,
) -> EntryDispute:
    """Finance decides with a note; upholding records an adjustment entry for the agent."""
    note = _text(note, what="note")
    now = now or timezone.now()
    with transaction.atomic():
        dispute = EntryDispute.objects.select_for_update().select_related("entry").get(pk=dispute_id)
        if dispute.status != DisputeStatus.OPEN:
            raise DisputeAlreadyDecided()
        if upheld:
            amount = adjustment_minor if adjustment_minor is not None else dispute_suggested_adjustment(dispute=dispute)
            if amount is None:
                raise InvalidAmount("Upholding this dispute needs the adjustment amount.")
            ledger_adjustment_record(
                agent=dispute.entry.agent,
                amount_minor=amount,
                memo=f"Dispute #{dispute.pk} upheld: {note}",
                actor=actor,
                dispute_id=dispute.pk,
                conversation_id=dispute.entry.conversation_id,
                now=now,
            )
        dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
        dispute.decided_by = actor
        dispute.decided_at = now
        dispute.decision_note = note
        dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return dispute
