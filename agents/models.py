"""Gig agents, their shifts and their presence."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Language(models.TextChoices):
    EN = "en", "English"
    DE = "de", "German"
    SV = "sv", "Swedish"
    FR = "fr", "French"
    ES = "es", "Spanish"


class Skill(models.TextChoices):
    CARDS = "cards", "Cards"
    PAYMENTS = "payments", "Payments"
    REFUNDS = "refunds_disputes", "Refunds & disputes"
    TRANSFERS = "transfers", "Transfers"
    TOPUPS = "top_ups", "Top-ups"
    ACCOUNT = "account_identity", "Account & identity"
    SECURITY = "security_fraud", "Security & fraud"


class AgentStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DEACTIVATED = "deactivated", "Deactivated"


class Role(models.Model):
    """No table: holds the permissions that the `agent`, `ops` and `finance` groups grant."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("work_tickets", "Can work as a gig agent"),
            ("run_ops", "Can run operations (queue, shifts, agents, quality)"),
            ("run_finance", "Can run finance (payout runs, reports)"),
        ]

    def __str__(self) -> str:
        return "role permissions"


class AgentProfile(models.Model):
    """A gig agent. Created at sign-up; only `approved` agents may claim shifts."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    display_name = models.CharField(max_length=80)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    timezone = models.CharField(max_length=64, default="UTC")
    languages = models.JSONField(default=list, help_text="Language codes the agent can chat in.")
    skills = models.JSONField(default=list, help_text="Categories the agent may handle.")
    status = models.CharField(max_length=12, choices=AgentStatus.choices, default=AgentStatus.APPLIED, db_index=True)
    max_concurrent_chats = models.PositiveSmallIntegerField(default=3)
    # Tax and address data for the yearly platform income statement (DAC7).
    address = models.CharField(max_length=255, blank=True)
    tax_id = models.CharField(max_length=40, blank=True)
    reliability_score = models.FloatField(default=1.0)
    quality_score = models.FloatField(default=0.8)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="agent_capacity_positive", condition=Q(max_concurrent_chats__gte=1)),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_approved(self) -> bool:
        return self.status == AgentStatus.APPROVED


class ShiftSlot(models.Model):
    """A published window with a number of seats agents can claim."""

    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    languages = models.JSONField(default=list, help_text="Languages wanted; an agent needs at least one.")
    skills = models.JSONField(default=list, blank=True, help_text="Skills wanted; empty = any.")
    seats = models.PositiveSmallIntegerField()
    seats_taken = models.PositiveSmallIntegerField(default=0)
    pay_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            # The guarantee against overbooking; the claim service checks first for a friendly error.
            models.CheckConstraint(name="slot_seats_not_overbooked", condition=Q(seats_taken__lte=F("seats"))),
            models.CheckConstraint(name="slot_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(name="slot_multiplier_sane", condition=Q(pay_multiplier__gte=1)),
        ]

    def __str__(self) -> str:
        return f"Shift {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} ({self.seats_taken}/{self.seats})"

    @property
    def seats_left(self) -> int:
        return self.seats - self.seats_taken


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", "Claimed"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Cancelled late"
    NO_SHOW = "no_show", "No-show"
    COMPLETED = "completed", "Worked"


class ShiftClaim(models.Model):
    """One agent's seat in one slot. Active claims of one agent never overlap in time.

    The claim service checks overlap under the agent's row lock; on PostgreSQL an
    exclusion constraint (migration 0002) is the guarantee.
    """

    slot = models.ForeignKey(ShiftSlot, on_delete=models.PROTECT, related_name="claims")
    agent = models.ForeignKey(AgentProfile, on_delete=models.PROTECT, related_name="shift_claims")
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE)
    # Copied from the slot so overlap can be checked on the claims table alone.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "agent"], name="one_active_claim_per_slot", condition=Q(status="active")
            ),
            models.CheckConstraint(name="claim_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
        ]
        indexes = [models.Index(fields=["agent", "status", "starts_at"], name="claim_agent_window")]

    def __str__(self) -> str:
        return f"{self.agent} @ {self.slot_id} ({self.status})"


class Presence(models.Model):
    """Whether an agent is online; the heartbeat over the agent websocket keeps it fresh."""

    agent = models.OneToOneField(AgentProfile, on_delete=models.CASCADE, related_name="presence")
    online = models.BooleanField(default=False, db_index=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    went_online_at = models.DateTimeField(null=True, blank=True)
    went_offline_at = models.DateTimeField(null=True, blank=True)
    offline_reason = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return f"{self.agent}: {'online' if self.online else 'offline'}"


class OfferStatus(models.TextChoices):
    OPEN = "open", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TicketOffer(models.Model):
    """Offer-based dispatch: one waiting ticket offered to one online agent for a short window.

    Declined or expired offers stay as rows, so the ticket is not offered to that agent again.
    """

    conversation = models.ForeignKey("tickets.Conversation", on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_offers")
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN, db_index=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one open offer per ticket and per agent: a ticket is never offered to two agents at once.
            models.UniqueConstraint(
                fields=["conversation"], name="one_open_offer_per_ticket", condition=Q(status="open")
            ),
            models.UniqueConstraint(fields=["agent"], name="one_open_offer_per_agent", condition=Q(status="open")),
            models.CheckConstraint(name="offer_expires_after_created", condition=Q(expires_at__gt=F("created_at"))),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_status_expiry")]

    def __str__(self) -> str:
        return f"offer #{self.conversation_id} -> {self.agent_id} ({self.status})"
