"""Pay and payouts: rate cards, the earnings ledger, connected accounts, payout runs.

Money is always an integer number of minor units plus an ISO 4217 currency code.
The ledger is append-only: balances are sums over entries and are never stored. The
one column a ledger row may ever change is `voided_at` (null → a time, once), which
takes a case-resolution or bonus entry out of the "one active entry per case" unique
constraints when a reopened case is clawed back; a database trigger (migration 0002)
refuses every other UPDATE and every DELETE.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

CURRENCY_CHECK = Q(currency__regex=r"^[A-Z]{3}$")


class RateCard(models.Model):
    """One version of the pay rates; the version in force at a moment is the newest with effective_from ≤ it.

    Versions are never edited: a change of rates is a new version, so every past earning
    can be recomputed from the card it names.
    """

    effective_from = models.DateTimeField()
    currency = models.CharField(max_length=3)
    default_base_minor = models.PositiveIntegerField(help_text="Base pay for a category without its own line.")
    quality_bonus_minor = models.PositiveIntegerField(default=0, help_text="Bonus for a top CSAT rating.")
    quality_bonus_min_score = models.PositiveSmallIntegerField(default=5)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "effective_from"], name="rate_card_one_version_per_instant"),
            models.CheckConstraint(name="rate_card_currency_iso", condition=CURRENCY_CHECK),
            models.CheckConstraint(
                name="rate_card_bonus_score_1_to_5",
                condition=Q(quality_bonus_min_score__gte=1, quality_bonus_min_score__lte=5),
            ),
        ]

    def __str__(self) -> str:
        return f"Rate card {self.currency} from {self.effective_from:%Y-%m-%d %H:%M}"


class RateLineKind(models.TextChoices):
    CATEGORY_BASE = "category_base", "Base pay for a category"
    LANGUAGE_PREMIUM = "language_premium", "Premium for a language"


class RateCardLine(models.Model):
    """A base amount for one conversation category, or a premium for one conversation language."""

    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=20, choices=RateLineKind.choices)
    code = models.CharField(max_length=32, help_text="Category code or language code.")
    amount_minor = models.PositiveIntegerField()

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rate_card", "kind", "code"], name="rate_line_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}={self.amount_minor}"


class Provider(models.TextChoices):
    STRIPE = "stripe", "Stripe Connect"
    LOCAL_TEST = "local_test", "Local test provider (no real money)"


class ConnectedAccount(models.Model):
    """An agent's payout account at the payout provider (a Stripe Express account, or a local test one)."""

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_account")
    provider = models.CharField(max_length=12, choices=Provider.choices)
    account_id = models.CharField(max_length=64, unique=True)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.account_id} ({self.provider})"


class EntryKind(models.TextChoices):
    CASE_RESOLUTION = "case_resolution", "Case resolved"
    BONUS = "bonus", "Quality bonus"
    ADJUSTMENT = "adjustment", "Adjustment"
    CLAWBACK = "clawback", "Clawback"
    PAYOUT = "payout", "Payout"
    PAYOUT_REVERSAL = "payout_reversal", "Payout returned"


EARNING_KINDS = (EntryKind.CASE_RESOLUTION, EntryKind.BONUS, EntryKind.ADJUSTMENT, EntryKind.CLAWBACK)
PAYOUT_KINDS = (EntryKind.PAYOUT, EntryKind.PAYOUT_REVERSAL)


class PayoutRunStatus(models.TextChoices):
    PREVIEW = "preview", "Preview"
    APPROVED = "approved", "Approved"
    EXECUTING = "executing", "Executing"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_RUN_STATUSES = (PayoutRunStatus.PREVIEW, PayoutRunStatus.APPROVED, PayoutRunStatus.EXECUTING)


class PayoutRun(models.Model):
    """Finance's batch for one period: previewed, approved by a person, then executed by a task."""

    period = models.CharField(max_length=7, help_text="YYYY-MM")
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=12, choices=Provider.choices)
    status = models.CharField(max_length=10, choices=PayoutRunStatus.choices, default=PayoutRunStatus.PREVIEW)
    cutoff_at = models.DateTimeField(help_text="Earnings available by this moment are paid.")
    minimum_minor = models.PositiveIntegerField()
    total_count = models.PositiveIntegerField(default=0, help_text="Payouts to send.")
    processed_count = models.PositiveIntegerField(default=0, help_text="Payouts that reached an outcome.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two open runs could both pay the same balance; finance cancels or finishes one first.
            models.UniqueConstraint(
                fields=["currency"], name="one_open_payout_run_per_currency", condition=Q(status__in=OPEN_RUN_STATUSES)
            ),
            models.CheckConstraint(name="run_period_yyyy_mm", condition=Q(period__regex=r"^\d{4}-(0[1-9]|1[0-2])$")),
            models.CheckConstraint(name="run_currency_iso", condition=CURRENCY_CHECK),
            models.CheckConstraint(name="run_progress_bounded", condition=Q(processed_count__lte=F("total_count"))),
        ]

    def __str__(self) -> str:
        return f"Payout run #{self.pk} {self.period} ({self.status})"


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Sending"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    REVERSED = "reversed", "Reversed"
    SKIPPED = "skipped", "Not paid"


class SkipReason(models.TextChoices):
    BELOW_MINIMUM = "below_minimum", "Below the minimum payout"
    NO_ACCOUNT = "no_account", "No payout account connected"
    ACCOUNT_NOT_ENABLED = "account_not_enabled", "Payout account not enabled yet"
    OTHER_PROVIDER = "other_provider", "Payout account is at another provider"
    BALANCE_CHANGED = "balance_changed", "Available balance fell below the approved amount"
    RUN_CANCELLED = "run_cancelled", "Run cancelled"


class Payout(models.Model):
    """One agent's line in a run; when sent, one transfer to the agent's connected account.

    The transfer's idempotency key is derived from this row's id, so every retry of the
    same payout — by the library, by a re-run after a crash, by a second click — asks the
    provider for the same transfer.
    """

    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="payouts")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    connected_account = models.ForeignKey(ConnectedAccount, null=True, blank=True, on_delete=models.PROTECT)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    cases = models.PositiveIntegerField(default=0, help_text="Resolved cases that became available in this payout.")
    covers_from = models.DateTimeField(null=True, blank=True)
    covers_until = models.DateTimeField()
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING)
    skip_reason = models.CharField(max_length=20, choices=SkipReason.choices, blank=True)
    transfer_id = models.CharField(max_length=64, blank=True)
    reversed_minor = models.BigIntegerField(default=0)
    failure_message = models.CharField(max_length=300, blank=True)
    processing_since = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "agent"], name="one_payout_per_agent_per_run"),
            models.UniqueConstraint(
                fields=["transfer_id"], name="payout_transfer_unique", condition=~Q(transfer_id="")
            ),
            models.CheckConstraint(
                name="payout_amount_positive_unless_skipped", condition=Q(amount_minor__gt=0) | Q(status="skipped")
            ),
            models.CheckConstraint(
                name="payout_skipped_has_reason", condition=~Q(status="skipped") | ~Q(skip_reason="")
            ),
            models.CheckConstraint(
                name="payout_paid_has_transfer", condition=~Q(status__in=["paid", "reversed"]) | ~Q(transfer_id="")
            ),
            models.CheckConstraint(name="payout_currency_iso", condition=CURRENCY_CHECK),
        ]
        indexes = [models.Index(fields=["agent", "status"], name="payout_agent_status")]

    def __str__(self) -> str:
        return f"Payout #{self.pk} {self.amount_minor} {self.currency} to {self.agent_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"payout-{self.pk}"

    @property
    def transfer_group(self) -> str:
        return f"payout-{self.pk}"


class LedgerEntry(models.Model):
    """One append-only money movement on an agent's account.

    Signs: earnings and returned payouts are positive; clawbacks and payouts negative;
    adjustments either. An entry is `pending` until `available_at`, then `available`.
    """

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    occurred_at = models.DateTimeField(help_text="When the work or event behind the entry happened.")
    available_at = models.DateTimeField(help_text="Pending before this moment, available from it.")
    conversation = models.ForeignKey(
        "tickets.Conversation", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    rate_card = models.ForeignKey(RateCard, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    dispute = models.ForeignKey(
        "EntryDispute", null=True, blank=True, on_delete=models.PROTECT, related_name="adjustments"
    )
    breakdown = models.JSONField(default=dict, blank=True, help_text="How the amount was computed.")
    memo = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Written once, by the reopen clawback, to take the entry out of the "one active entry per case" constraints.
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            # The guarantee that no case is paid twice: at most one active resolution entry per conversation.
            models.UniqueConstraint(
                fields=["conversation"],
                name="one_active_resolution_per_case",
                condition=Q(kind="case_resolution", voided_at__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["conversation"],
                name="one_active_bonus_per_case",
                condition=Q(kind="bonus", voided_at__isnull=True),
            ),
            models.UniqueConstraint(fields=["reverses"], name="one_clawback_per_entry", condition=Q(kind="clawback")),
            models.UniqueConstraint(fields=["payout"], name="one_debit_per_payout", condition=Q(kind="payout")),
            models.UniqueConstraint(fields=["dispute"], name="one_adjustment_per_dispute"),
            models.CheckConstraint(
                name="ledger_sign_matches_kind",
                condition=(
                    Q(kind__in=["case_resolution"], amount_minor__gte=0)
                    | Q(kind__in=["bonus", "payout_reversal"], amount_minor__gt=0)
                    | Q(kind__in=["clawback", "payout"], amount_minor__lt=0)
                    | (Q(kind="adjustment") & ~Q(amount_minor=0))
                ),
            ),
            models.CheckConstraint(
                name="ledger_case_entries_have_case",
                condition=~Q(kind__in=["case_resolution", "bonus"]) | Q(conversation__isnull=False),
            ),
            models.CheckConstraint(
                name="ledger_clawback_names_entry", condition=~Q(kind="clawback") | Q(reverses__isnull=False)
            ),
            models.CheckConstraint(
                name="ledger_payout_entries_name_payout",
                condition=~Q(kind__in=["payout", "payout_reversal"]) | Q(payout__isnull=False),
            ),
            models.CheckConstraint(
                name="ledger_only_case_entries_are_voided",
                condition=Q(voided_at__isnull=True) | Q(kind__in=["case_resolution", "bonus"]),
            ),
            models.CheckConstraint(
                name="ledger_available_after_occurred", condition=Q(available_at__gte=F("occurred_at"))
            ),
            models.CheckConstraint(name="ledger_currency_iso", condition=CURRENCY_CHECK),
        ]
        indexes = [
            models.Index(fields=["agent", "available_at"], name="ledger_agent_available"),
            # Period reports read one month's rows from this index alone (an index-only scan on PostgreSQL).
            models.Index(
                fields=["occurred_at", "agent", "kind", "amount_minor", "voided_at", "currency"],
                name="ledger_period_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor} {self.currency} for {self.agent_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise LedgerIsAppendOnly("Ledger entries are never updated; record a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("Ledger entries are never deleted; record a reversing entry instead.")


class LedgerIsAppendOnly(Exception):
    """Raised when code tries to change or remove a ledger entry."""


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    REJECTED = "rejected", "Rejected"


class EntryDispute(models.Model):
    """An agent's objection to a ledger entry; a person in finance decides it with a note."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entry"], name="one_open_dispute_per_entry", condition=Q(status="open")),
            models.CheckConstraint(
                name="dispute_decision_complete",
                condition=Q(status="open") | (Q(decided_at__isnull=False) & ~Q(decision_note="")),
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute #{self.pk} on entry {self.entry_id} ({self.status})"


class AgentPeriodTotal(models.Model):
    """Per agent, month and currency: the sums of the earning entries that occurred in that month.

    Written only by database triggers, in the same transaction as the ledger rows they sum
    (`payouts/period_totals.py`), and read by the period reports so that a month of a big
    ledger is 5,000 rows rather than a million. Not a balance: balances are always summed
    from the entries. The tests and the B4 benchmark check it against an independent SUM.
    """

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+")
    period = models.CharField(max_length=7)
    currency = models.CharField(max_length=3)
    cases = models.IntegerField(default=0, help_text="Resolutions still credited (not voided).")
    gross_minor = models.BigIntegerField(default=0)
    bonuses_minor = models.BigIntegerField(default=0)
    adjustments_minor = models.BigIntegerField(default=0)
    clawbacks_minor = models.BigIntegerField(default=0)
    net_minor = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "period", "currency"], name="one_total_per_agent_period"),
        ]
        indexes = [models.Index(fields=["period", "currency", "agent"], name="period_total_by_period")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.period}: {self.net_minor} {self.currency}"


class StripeEvent(models.Model):
    """A webhook event already processed; its id's uniqueness makes processing happen once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    account = models.CharField(max_length=64, blank=True, help_text="Connected account the event is about.")
    payload = models.JSONField()
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class LocalTestTransfer(models.Model):
    """A transfer made by the local test provider (embedded runs without Stripe keys). No real money moves."""

    transfer_id = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    destination = models.CharField(max_length=64)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    transfer_group = models.CharField(max_length=255, blank=True, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    amount_reversed_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "local test transfer (no real money)"

    def __str__(self) -> str:
        return f"[LOCAL TEST] {self.transfer_id} {self.amount_minor} {self.currency}"
