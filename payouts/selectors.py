"""Reads shared by the pages, the API, the commands and the services.

Every balance and total here is a SUM over ledger entries at the moment of asking;
nothing is read from a stored running balance, because there is none.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from agents.models import AgentProfile
from payouts.gateways import configured_provider, gateway_for
from payouts.models import (
    EARNING_KINDS,
    PAYOUT_KINDS,
    AgentPeriodTotal,
    ConnectedAccount,
    DisputeStatus,
    EntryDispute,
    EntryKind,
    LedgerEntry,
    Payout,
    PayoutRun,
    PayoutRunStatus,
    PayoutStatus,
    RateCard,
)
from payouts.periods import period_bounds, year_bounds

ACTIVE_RESOLUTION = Q(kind=EntryKind.CASE_RESOLUTION, voided_at__isnull=True)
# Live aggregates count a column of the report index (not the id), so PostgreSQL answers from the index alone.


def fetch_report_aggregate(queryset: QuerySet) -> list:
    """Run an aggregate over ledger entries and fetch its (few) rows at once.

    A plain cursor (not a server-side one, whose planner aims at the first rows fast) and, on
    PostgreSQL, no JIT compilation: compiling FILTER aggregates like these cost 2.4 s of a
    5 s yearly query over 10 M entries (measured with bench/payout_report.py).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return list(queryset)


# --- Balances -----------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    available_minor: int
    pending_minor: int
    currency: str


def agent_balance(*, agent_id: int, now: datetime | None = None, currency: str | None = None) -> Balance:
    now = now or timezone.now()
    currency = currency or settings.CURRENCY
    sums = LedgerEntry.objects.filter(agent_id=agent_id, currency=currency).aggregate(
        available=Sum("amount_minor", filter=Q(available_at__lte=now), default=0),
        pending=Sum("amount_minor", filter=Q(available_at__gt=now), default=0),
    )
    return Balance(available_minor=sums["available"], pending_minor=sums["pending"], currency=currency)


def payable_balances(*, cutoff: datetime, now: datetime, currency: str) -> dict[int, int]:
    """Per agent: what a run with this cutoff may pay.

    Earnings available by the cutoff, minus every payout ever made (and plus every payout
    returned), and never more than the agent's available balance right now (a later
    clawback or negative adjustment lowers it).
    """
    rows = (
        LedgerEntry.objects.filter(currency=currency)
        .values("agent_id")
        .annotate(
            at_cutoff=Sum(
                "amount_minor",
                filter=Q(kind__in=EARNING_KINDS, available_at__lte=cutoff) | Q(kind__in=PAYOUT_KINDS),
                default=0,
            ),
            at_now=Sum("amount_minor", filter=Q(available_at__lte=now), default=0),
        )
    )
    return {row["agent_id"]: min(row["at_cutoff"], row["at_now"]) for row in rows}


def last_covered_until(*, agent_ids: Iterable[int]) -> dict[int, datetime]:
    """When each agent's latest sent payout stopped counting cases."""
    rows = (
        Payout.objects.filter(agent_id__in=list(agent_ids), status__in=[PayoutStatus.PROCESSING, PayoutStatus.PAID])
        .values("agent_id")
        .annotate(until=Max("covers_until"))
    )
    return {row["agent_id"]: row["until"] for row in rows}


def cases_becoming_available(*, cutoff: datetime, currency: str) -> dict[int, int]:
    """Per agent: credited cases payable by the cutoff that no earlier sent payout already covered.

    A payout covers the entries that were payable when its run was previewed: available by
    its cutoff and already recorded. Both only grow from run to run, so checking the agent's
    latest sent payout is enough.
    """
    latest = Payout.objects.filter(
        agent_id=OuterRef("agent_id"), status__in=[PayoutStatus.PROCESSING, PayoutStatus.PAID]
    ).order_by("-covers_until", "-id")
    rows = (
        LedgerEntry.objects.filter(ACTIVE_RESOLUTION, currency=currency, available_at__lte=cutoff)
        .annotate(
            covered_until=Subquery(latest.values("covers_until")[:1]),
            covered_at=Subquery(latest.values("created_at")[:1]),
        )
        .exclude(covered_until__isnull=False, available_at__lte=F("covered_until"), created_at__lte=F("covered_at"))
        .values("agent_id")
        .annotate(cases=Count("id"))
    )
    return {row["agent_id"]: row["cases"] for row in rows}


# --- Rate cards ---------------------------------------------------------------------


def rate_card_in_force(*, at: datetime, currency: str | None = None) -> RateCard | None:
    return (
        RateCard.objects.filter(currency=currency or settings.CURRENCY, effective_from__lte=at)
        .prefetch_related("lines")
        .order_by("-effective_from")
        .first()
    )


def rate_cards(*, currency: str | None = None) -> QuerySet[RateCard]:
    return RateCard.objects.filter(currency=currency or settings.CURRENCY).prefetch_related("lines")


# --- Agent statement ----------------------------------------------------------------


@dataclass
class Statement:
    agent_id: int
    balance: Balance
    paid_out_minor: int
    entries: list[LedgerEntry]
    payouts: list[Payout]
    account: ConnectedAccount | None
    open_dispute_entry_ids: set[int] = field(default_factory=set)


def agent_statement(*, agent_id: int, now: datetime | None = None, limit: int = 200) -> Statement:
    now = now or timezone.now()
    balance = agent_balance(agent_id=agent_id, now=now)
    paid_out = LedgerEntry.objects.filter(agent_id=agent_id, kind__in=PAYOUT_KINDS).aggregate(
        total=Sum("amount_minor", default=0)
    )["total"]
    entries = list(
        LedgerEntry.objects.filter(agent_id=agent_id)
        .select_related("conversation", "payout")
        .prefetch_related("disputes")
        .order_by("-occurred_at", "-id")[:limit]
    )
    payouts = list(
        Payout.objects.filter(agent_id=agent_id).exclude(status=PayoutStatus.SKIPPED).select_related("run")[:50]
    )
    open_disputes = set(
        EntryDispute.objects.filter(entry__agent_id=agent_id, status=DisputeStatus.OPEN).values_list(
            "entry_id", flat=True
        )
    )
    return Statement(
        agent_id=agent_id,
        balance=balance,
        paid_out_minor=-paid_out,
        entries=entries,
        payouts=payouts,
        account=ConnectedAccount.objects.filter(agent_id=agent_id).first(),
        open_dispute_entry_ids=open_disputes,
    )


# --- Runs ---------------------------------------------------------------------------


def payout_runs() -> QuerySet[PayoutRun]:
    return PayoutRun.objects.annotate(
        amount_minor=Sum("payouts__amount_minor", filter=~Q(payouts__status=PayoutStatus.SKIPPED), default=0),
        payout_count=Count("payouts", filter=~Q(payouts__status=PayoutStatus.SKIPPED)),
    )


def run_payouts(*, run_id: int) -> QuerySet[Payout]:
    return Payout.objects.filter(run_id=run_id).select_related("agent__agent_profile", "connected_account")


@dataclass(frozen=True)
class RunProgress:
    run_id: int
    status: str
    processed: int
    total: int
    counts: dict[str, int]
    last_error: str

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.processed / self.total)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "processed": self.processed,
            "total": self.total,
            "percent": self.percent,
            "counts": self.counts,
            "last_error": self.last_error,
            "done": self.status in (PayoutRunStatus.COMPLETED, PayoutRunStatus.CANCELLED),
        }


def run_progress(*, run_id: int) -> RunProgress:
    run = PayoutRun.objects.get(pk=run_id)
    counts = dict(Payout.objects.filter(run_id=run_id).values_list("status").annotate(n=Count("id")))
    return RunProgress(
        run_id=run.pk,
        status=run.status,
        processed=run.processed_count,
        total=run.total_count,
        counts={status: counts.get(status, 0) for status in PayoutStatus.values},
        last_error=run.last_error,
    )


# --- Period report ------------------------------------------------------------------


@dataclass
class ReportRow:
    agent_id: int | None
    agent_name: str
    cases: int = 0
    gross_minor: int = 0
    bonuses_minor: int = 0
    adjustments_minor: int = 0
    clawbacks_minor: int = 0
    net_minor: int = 0
    currency: str = ""
    paid_minor: int = 0
    transfer_id: str = ""
    status: str = ""

    def add(self, other: "ReportRow") -> None:
        for name in ("cases", "gross_minor", "bonuses_minor", "adjustments_minor", "clawbacks_minor", "net_minor"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.paid_minor += other.paid_minor


REPORT_COLUMNS = (
    "period",
    "agent_id",
    "agent_name",
    "cases",
    "gross_minor",
    "bonuses_minor",
    "adjustments_minor",
    "clawbacks_minor",
    "net_minor",
    "currency",
    "paid_minor",
    "transfer_id",
    "status",
)


def _agent_names(agent_ids: Iterable[int]) -> dict[int, str]:
    return dict(AgentProfile.objects.filter(user_id__in=list(agent_ids)).values_list("user_id", "display_name"))


def _period_run_id(*, period: str) -> int | None:
    """The newest non-cancelled run for the period: its payouts are the ones the report shows."""
    return (
        PayoutRun.objects.filter(period=period)
        .exclude(status=PayoutRunStatus.CANCELLED)
        .order_by("-created_at")
        .values_list("id", flat=True)
        .first()
    )


def _payout_columns(row: ReportRow, payout: dict | None) -> ReportRow:
    if payout is not None:
        row.transfer_id = payout["transfer_id"]
        skipped = payout["status"] == PayoutStatus.SKIPPED
        row.status = f"not paid: {payout['skip_reason']}" if skipped else payout["status"]
        sent = payout["status"] in (PayoutStatus.PAID, PayoutStatus.PROCESSING)
        row.paid_minor = payout["amount_minor"] if sent else 0
    return row


PAYOUT_REPORT_FIELDS = ("agent_id", "transfer_id", "status", "skip_reason", "amount_minor")


def period_report_rows(*, period: str, currency: str | None = None) -> Iterator[ReportRow]:
    """One row per agent with earnings or a payout in the period, ordered by agent id.

    Earnings belong to the period in which they occurred (a resolution at its resolution
    time, a clawback at the reopen). `cases` counts resolutions still credited. The sums come
    from `AgentPeriodTotal` (kept equal to the ledger by triggers): one row per agent, so a
    month of a big ledger costs as much as its number of agents, not its entries. Two
    queries: the totals with the agents' names, and the period's payouts.
    """
    currency = currency or settings.CURRENCY
    period_bounds(period)  # refuses a malformed period
    totals = (
        AgentPeriodTotal.objects.filter(period=period, currency=currency)
        .order_by("agent_id")
        .values_list(
            "agent_id",
            "agent__agent_profile__display_name",
            "cases",
            "gross_minor",
            "bonuses_minor",
            "adjustments_minor",
            "clawbacks_minor",
            "net_minor",
        )
    )
    run_id = _period_run_id(period=period)
    payouts = (
        {p["agent_id"]: p for p in Payout.objects.filter(run_id=run_id).values(*PAYOUT_REPORT_FIELDS)} if run_id else {}
    )
    for agent_id, name, cases, gross, bonuses, adjustments, clawbacks, net in totals.iterator(chunk_size=1000):
        row = ReportRow(
            agent_id=agent_id,
            agent_name=name or f"user {agent_id}",
            cases=cases,
            gross_minor=gross,
            bonuses_minor=bonuses,
            adjustments_minor=adjustments,
            clawbacks_minor=clawbacks,
            net_minor=net,
            currency=currency,
        )
        yield _payout_columns(row, payouts.pop(agent_id, None))
    # Agents paid in the period's run without earnings that occurred in it (an older balance).
    names = _agent_names(payouts)
    for agent_id in sorted(payouts):
        row = ReportRow(agent_id=agent_id, agent_name=names.get(agent_id, ""), currency=currency)
        yield _payout_columns(row, payouts[agent_id])


def period_report(*, period: str, currency: str | None = None) -> tuple[list[ReportRow], ReportRow]:
    """All rows and their totals (for pages and the API)."""
    rows = list(period_report_rows(period=period, currency=currency))
    totals = ReportRow(agent_id=None, agent_name="TOTAL", currency=currency or settings.CURRENCY)
    for row in rows:
        totals.add(row)
    return rows, totals


@dataclass(frozen=True)
class CategoryCost:
    category: str
    cases: int
    cost_minor: int
    currency: str

    @property
    def cost_per_case_minor(self) -> int | None:
        return round(self.cost_minor / self.cases) if self.cases else None


def cost_per_case_by_category(*, period: str, currency: str | None = None) -> list[CategoryCost]:
    """Pay tied to cases of each category (resolution, bonus, clawback, case adjustments) per credited case."""
    currency = currency or settings.CURRENCY
    start, end = period_bounds(period)
    rows = (
        LedgerEntry.objects.filter(
            occurred_at__gte=start,
            occurred_at__lt=end,
            kind__in=EARNING_KINDS,
            currency=currency,
            conversation__isnull=False,
        )
        .values("conversation__category")
        .annotate(cases=Count("kind", filter=ACTIVE_RESOLUTION), cost=Sum("amount_minor", default=0))
        .order_by("conversation__category")
    )
    return [
        CategoryCost(
            category=row["conversation__category"], cases=row["cases"], cost_minor=row["cost"], currency=currency
        )
        for row in fetch_report_aggregate(rows)
    ]


# --- DAC7 annual income statement ---------------------------------------------------

DAC7_COLUMNS = (
    "year",
    "agent_id",
    "name",
    "address",
    "country",
    "tax_id",
    "currency",
    *(f"q{q}_{what}" for q in range(1, 5) for what in ("cases", "gross_minor")),
    "total_cases",
    "total_gross_minor",
)


def dac7_rows(*, year: int, currency: str | None = None) -> Iterator[dict]:
    """Per agent with earnings in the year: cases and gross pay credited per quarter, with their tax identity."""
    currency = currency or settings.CURRENCY
    year_bounds(year)  # refuses a year out of range
    annotations = {}
    for quarter in range(1, 5):
        months = [f"{year:04d}-{month:02d}" for month in range(3 * quarter - 2, 3 * quarter + 1)]
        in_quarter = Q(period__in=months)
        annotations[f"q{quarter}_cases"] = Sum("cases", filter=in_quarter, default=0)
        annotations[f"q{quarter}_gross_minor"] = Sum("net_minor", filter=in_quarter, default=0)
    in_year = AgentPeriodTotal.objects.filter(period__startswith=f"{year:04d}-", currency=currency)
    sums = in_year.values("agent_id").annotate(**annotations).order_by("agent_id")
    identities = (
        AgentProfile.objects.filter(user_id__in=in_year.values("agent_id"))
        .order_by("user_id")
        .values_list("user_id", "display_name", "address", "country", "tax_id", "user__first_name", "user__last_name")
        .iterator(chunk_size=1000)
    )
    # Both streams are ordered by agent: merge them as they come, so memory does not grow with the agents.
    identity = next(identities, None)
    for row in sums.iterator(chunk_size=1000):
        while identity is not None and identity[0] < row["agent_id"]:
            identity = next(identities, None)
        _, display_name, address, country, tax_id, first, last = (
            identity if identity is not None and identity[0] == row["agent_id"] else (None, "", "", "", "", "", "")
        )
        yield {
            "year": year,
            "agent_id": row["agent_id"],
            "name": f"{first} {last}".strip() or display_name,
            "address": address,
            "country": country,
            "tax_id": tax_id,
            "currency": currency,
            **{key: row[key] for key in annotations},
            "total_cases": sum(row[f"q{q}_cases"] for q in range(1, 5)),
            "total_gross_minor": sum(row[f"q{q}_gross_minor"] for q in range(1, 5)),
        }


# --- Reconciliation -----------------------------------------------------------------


@dataclass
class ReconciliationLine:
    payout: Payout | None
    transfer_id: str
    ledger_minor: int  # what the ledger says left the platform for this payout (debit minus returns)
    provider_minor: int | None  # transfer amount minus reversed, at the provider; None if not found
    state: str  # matched | amount_mismatch | ledger_only | provider_only | failed_returned


@dataclass
class Reconciliation:
    period: str
    lines: list[ReconciliationLine]
    ledger_total_minor: int
    provider_total_minor: int
    currency: str

    @property
    def balanced(self) -> bool:
        return self.ledger_total_minor == self.provider_total_minor and all(
            line.state in ("matched", "failed_returned") for line in self.lines
        )


def reconcile(*, period: str, transfers: Iterable, currency: str | None = None) -> Reconciliation:
    """Compare the ledger's payout debits in the period with the transfers the provider lists for it.

    `transfers` are the provider's `TransferRecord`s created in the period; a transfer is
    matched to its payout by id, or by its group (`payout-<id>`) when the payout never
    recorded it (a crash between the call and the save; resuming the run records it).
    """
    currency = currency or settings.CURRENCY
    start, end = period_bounds(period)
    payout_ids = LedgerEntry.objects.filter(
        kind=EntryKind.PAYOUT, occurred_at__gte=start, occurred_at__lt=end, currency=currency
    ).values_list("payout_id", flat=True)
    payouts = {
        payout.pk: payout
        for payout in Payout.objects.filter(pk__in=list(payout_ids)).select_related("agent__agent_profile")
    }
    ledger_net = dict(
        LedgerEntry.objects.filter(payout_id__in=list(payouts), kind__in=PAYOUT_KINDS)
        .values_list("payout_id")
        .annotate(net=Sum("amount_minor"))
    )
    by_transfer = {p.transfer_id: p for p in payouts.values() if p.transfer_id}
    lines: list[ReconciliationLine] = []
    seen: set[int] = set()
    provider_total = 0
    for record in transfers:
        provider_minor = record.amount_minor - record.amount_reversed_minor
        provider_total += provider_minor
        payout = by_transfer.get(record.transfer_id)
        if payout is None and record.transfer_group.startswith("payout-"):
            payout = payouts.get(int(record.transfer_group.removeprefix("payout-") or 0))
        if payout is None:
            lines.append(ReconciliationLine(None, record.transfer_id, 0, provider_minor, "provider_only"))
            continue
        seen.add(payout.pk)
        ledger_minor = -ledger_net.get(payout.pk, 0)
        state = "matched" if ledger_minor == provider_minor and payout.transfer_id else "amount_mismatch"
        if not payout.transfer_id:
            state = "ledger_unrecorded"
        lines.append(ReconciliationLine(payout, record.transfer_id, ledger_minor, provider_minor, state))
    for payout_id, payout in payouts.items():
        if payout_id in seen:
            continue
        ledger_minor = -ledger_net.get(payout_id, 0)
        state = "failed_returned" if payout.status == PayoutStatus.FAILED and ledger_minor == 0 else "ledger_only"
        lines.append(ReconciliationLine(payout, payout.transfer_id, ledger_minor, None, state))
    ledger_total = sum(line.ledger_minor for line in lines)
    return Reconciliation(
        period=period,
        lines=lines,
        ledger_total_minor=ledger_total,
        provider_total_minor=provider_total,
        currency=currency,
    )


def reconciliation_for_period(*, period: str) -> Reconciliation:
    """Ask the configured provider for the period's transfers and compare them with the ledger."""
    start, end = period_bounds(period)
    transfers = list(gateway_for(configured_provider()).list_transfers(created_from=start, created_until=end))
    return reconcile(period=period, transfers=transfers)


# --- Disputes -----------------------------------------------------------------------


def disputes(*, status: str | None = None) -> QuerySet[EntryDispute]:
    qs = EntryDispute.objects.select_related("entry", "entry__conversation", "raised_by__agent_profile", "decided_by")
    return qs.filter(status=status) if status else qs
