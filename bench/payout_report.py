"""B4 payout_report: finance's reports over a big ledger, through the product's own selectors.

Workload: 10 M ledger entries, 5,000 agents, 12 months (2025) of resolutions, bonuses,
reopen clawbacks, adjustments and monthly payouts, loaded once into a database of its own
(`BENCH_PAYOUTS_DATABASE_URL`; by default the benchmarks' database name + `_payouts`,
i.e. `klarna_gig_bench_payouts`) and reused by later runs.

The reports read per-agent month totals that triggers keep equal to the ledger (the load
bypasses triggers, so it rebuilds them once); the correctness check below sums the ledger
itself, independently.

Measured, warm, median of `--repeat` runs:
  * the per-agent report for one month (`payouts.selectors.period_report`), target ≤ 150 ms;
  * the full year per agent (the DAC7 statement, `dac7_rows`), target ≤ 2 × the baseline;
  * baseline: `SELECT count(*)` of the same table as a sequential scan, in the same run;
  * the streamed CSV exports' peak Python memory (they must not grow with the data).
Correctness (exit non-zero if wrong): every report total equals an independent SQL SUM.

    python -m bench payout_report [--entries 10000000] [--agents 5000] [--repeat 7] [--rebuild]
    python -m bench payout_report --quick        # 300 k entries, 500 agents: a smoke run
"""

import argparse
import os
import statistics
import time
import tracemalloc
from datetime import UTC, datetime

from bench.common import Report, prepare_database, setup_django

DEFAULT_BENCH_DB = "postgres://postgres@127.0.0.1:5432/klarna_gig_bench"
YEAR, MONTH = 2025, "2025-06"
CATEGORIES = [
    "cards",
    "payments",
    "refunds_disputes",
    "transfers",
    "top_ups",
    "account_identity",
    "security_fraud",
    "general",
]
BASES = [300, 350, 500, 400, 250, 450, 600, 300]
COUNTRIES = ["SE", "DE", "FR", "ES", "NL"]


def _timed(fn, repeat: int) -> tuple[float, list[float], object]:
    fn()  # warm the cache and the code paths once
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def _marker(entries: int, agents: int) -> str:
    return f"B4 benchmark data: entries={entries} agents={agents} year={YEAR}"


def _drop_indexes(cursor, table: str) -> list[str]:
    """Drop a table's secondary indexes and unique constraints for a fast load; return the SQL to recreate them."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    recreate = []
    for name, definition in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        recreate.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
        [table],
    )
    for name, definition in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{name}"')
        recreate.append(definition)
    return recreate


def _own_database_url(*, quick: bool) -> str:
    """Next to the other benchmarks' database, a database of its own; the quick run's never replaces the full set."""
    from urllib.parse import urlparse, urlunparse

    url = urlparse(os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB))
    name = url.path.lstrip("/") + "_payouts" + ("_quick" if quick else "")
    return urlunparse(url._replace(path=f"/{name}"))


def _recreate_database() -> None:
    """Drop and re-create the benchmark's own database (never another one), then migrate it."""
    from urllib.parse import urlparse

    import psycopg
    from django.db import connection

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: not a benchmark database")
    connection.close()
    with psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    prepare_database()


def load(entries: int, agents: int, log) -> None:
    """Generate the workload inside PostgreSQL (INSERT … SELECT generate_series), in time order."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from agents.models import AgentProfile, AgentStatus
    from payouts.models import RateCard
    from payouts.period_totals import period_totals_rebuild

    months = 12
    payouts = agents * months
    cases = int((entries - payouts) / (1 + 1 / 50 + 1 / 12 + 1 / 100))
    log(f"loading {entries:,} ledger entries ({cases:,} resolved cases) for {agents:,} agents…")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE payouts_ledgerentry, payouts_agentperiodtotal, payouts_entrydispute, payouts_payout, payouts_payoutrun, "
            "payouts_connectedaccount, payouts_ratecardline, payouts_ratecard, tickets_conversation, "
            "agents_agentprofile, auth_user RESTART IDENTITY CASCADE"
        )
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"b4-agent-{i}", password="!", email=f"b4-{i}@example.com") for i in range(agents)]
    )
    AgentProfile.objects.bulk_create(
        [
            AgentProfile(
                user=user,
                display_name=f"B4 Agent {i}",
                country=COUNTRIES[i % len(COUNTRIES)],
                languages=["en"],
                skills=[],
                status=AgentStatus.APPROVED,
                address=f"Benchgatan {i}",
                tax_id=f"TX{i:07d}",
            )
            for i, user in enumerate(users)
        ]
    )
    card = RateCard.objects.create(
        effective_from=datetime(YEAR - 1, 1, 1, tzinfo=UTC), currency="EUR", default_base_minor=300,
        quality_bonus_minor=100, note="B4 benchmark data: loading",
    )  # fmt: skip
    with connection.cursor() as cursor:
        # Foreign-key checks off for the load (the rows are generated consistent); indexes are rebuilt after it.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE b4_agents AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM auth_user"
        )
        recreate = _drop_indexes(cursor, "payouts_ledgerentry") + _drop_indexes(cursor, "tickets_conversation")
        try:
            _insert_rows(cursor, cases=cases, agents=agents, card_id=card.pk, log=log, started=started)
        finally:
            log("  building indexes…")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for statement in recreate:
                cursor.execute(statement)
            cursor.execute("SET session_replication_role = DEFAULT")
    log("  period totals (the load bypassed their triggers)…")
    period_totals_rebuild()
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        for table in ("payouts_ledgerentry", "payouts_agentperiodtotal", "tickets_conversation", "payouts_payout"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    RateCard.objects.filter(pk=card.pk).update(note=_marker(entries, agents))  # the data is complete
    log(f"  loaded in {time.perf_counter() - started:.0f} s")


def _insert_rows(cursor, *, cases: int, agents: int, card_id: int, log, started: float) -> None:
    start, end = datetime(YEAR, 1, 1, tzinfo=UTC), datetime(YEAR + 1, 1, 1, tzinfo=UTC)
    span = (end - start).total_seconds() - 3 * 3600
    categories = "(ARRAY[" + ",".join(f"'{c}'" for c in CATEGORIES) + "])"
    bases = "(ARRAY[" + ",".join(map(str, BASES)) + "])"
    at = f"(TIMESTAMPTZ '{start.isoformat()}' + (g::float8 / {cases} * {span}) * INTERVAL '1 second')"
    cursor.execute(
        f"""
        INSERT INTO tickets_conversation (public_id, status, customer_name, customer_email, language, intent,
            category, required_skill, priority, handover_summary, assigned_agent_id, excluded_agent_ids,
            bot_failures, reopen_count, last_seq, resolution_code, created_at, updated_at, resolved_at, closed_at)
        SELECT gen_random_uuid(), 'closed', '', '', (ARRAY['en','de','sv','en'])[g % 4 + 1], '',
            {categories}[g % 8 + 1], '', 20, '{{}}'::jsonb, a.id, '[]'::jsonb, 0, 0, 2, 'solved',
            {at} - INTERVAL '20 minutes', {at}, {at}, {at} + INTERVAL '1 hour'
        FROM generate_series(1, {cases}) g JOIN b4_agents a ON a.idx = g % {agents}
        ORDER BY g
        """
    )
    common = "currency, breakdown, memo, created_at"
    cursor.execute(
        f"""
        INSERT INTO payouts_ledgerentry (agent_id, kind, amount_minor, occurred_at, available_at, conversation_id,
            rate_card_id, voided_at, {common})
        SELECT a.id, 'case_resolution', {bases}[g % 8 + 1], {at}, {at} + INTERVAL '24 hours', g, {card_id},
            CASE WHEN g % 50 = 0 THEN {at} + INTERVAL '2 hours' END, 'EUR', '{{}}'::jsonb, '', {at}
        FROM generate_series(1, {cases}) g JOIN b4_agents a ON a.idx = g % {agents}
        ORDER BY g
        """
    )
    log(f"  cases and conversations: {time.perf_counter() - started:.0f} s")
    cursor.execute(
        f"""
        INSERT INTO payouts_ledgerentry (agent_id, kind, amount_minor, occurred_at, available_at, conversation_id,
            rate_card_id, reverses_id, {common})
        SELECT agent_id, kind, amount_minor, occurred_at, available_at, conversation_id, rate_card_id, reverses_id,
            'EUR', '{{}}'::jsonb, '', occurred_at
        FROM (
            SELECT a.id AS agent_id, 'clawback' AS kind, -{bases}[g % 8 + 1] AS amount_minor,
                {at} + INTERVAL '2 hours' AS occurred_at, {at} + INTERVAL '24 hours' AS available_at,
                g AS conversation_id, {card_id} AS rate_card_id, g AS reverses_id
            FROM generate_series(50, {cases}, 50) g JOIN b4_agents a ON a.idx = g % {agents}
            UNION ALL
            SELECT a.id, 'bonus', 100, {at} + INTERVAL '1 hour', {at} + INTERVAL '24 hours', g, {card_id}, NULL
            FROM generate_series(3, {cases}, 12) g JOIN b4_agents a ON a.idx = g % {agents}
            WHERE g % 50 <> 0
            UNION ALL
            SELECT a.id, 'adjustment', CASE WHEN g % 3 = 0 THEN -150 ELSE 275 END, {at}, {at}, NULL, NULL, NULL
            FROM generate_series(7, {cases}, 100) g JOIN b4_agents a ON a.idx = (g / 100) % {agents}
        ) extra
        ORDER BY occurred_at
        """
    )
    cursor.execute(
        f"""
        INSERT INTO payouts_payoutrun (period, currency, provider, status, cutoff_at, minimum_minor, total_count,
            processed_count, created_at, approved_at, started_at, finished_at, last_error)
        SELECT to_char(m, 'YYYY-MM'), 'EUR', 'local_test', 'completed', m + INTERVAL '1 month', 1000, {agents},
            {agents}, m + INTERVAL '1 month 2 days', m + INTERVAL '1 month 2 days', m + INTERVAL '1 month 2 days',
            m + INTERVAL '1 month 2 days', ''
        FROM generate_series(TIMESTAMPTZ '{start.isoformat()}', TIMESTAMPTZ '{start.isoformat()}' + INTERVAL '11 months',
            INTERVAL '1 month') m
        ORDER BY m
        """
    )
    cursor.execute(
        """
        INSERT INTO payouts_payout (run_id, agent_id, amount_minor, currency, cases, covers_until, status,
            skip_reason, transfer_id, reversed_minor, failure_message, processing_since, paid_at, created_at,
            updated_at)
        SELECT r.id, a.id, 40000 + a.idx, 'EUR', 0, r.cutoff_at, 'paid', '', 'tr_b4_' || r.id || '_' || a.idx, 0, '',
            r.started_at, r.started_at, r.created_at, r.created_at
        FROM payouts_payoutrun r CROSS JOIN b4_agents a ORDER BY r.id, a.idx
        """
    )
    cursor.execute(
        f"""
        INSERT INTO payouts_ledgerentry (agent_id, kind, amount_minor, occurred_at, available_at, payout_id, {common})
        SELECT p.agent_id, 'payout', -p.amount_minor, p.paid_at, p.paid_at, p.id, 'EUR', '{{}}'::jsonb, '', p.paid_at
        FROM payouts_payout p ORDER BY p.id
        """
    )
    log(f"  all rows: {time.perf_counter() - started:.0f} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench payout_report")
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--agents", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=None, help="Timed runs per figure (default 7; 3 with --quick).")
    parser.add_argument("--rebuild", action="store_true", help="Reload the data even if it is already there.")
    parser.add_argument("--quick", action="store_true", help="300 k entries and 500 agents: a smoke run.")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.agents = 300_000, 500
    args.repeat = args.repeat or (3 if args.quick else 7)

    setup_django(database_url=os.environ.get("BENCH_PAYOUTS_DATABASE_URL") or _own_database_url(quick=args.quick))
    prepare_database()
    from django.db import connection
    from django.db.models import Count, Q, Sum

    from payouts.exports import dac7_csv_lines, period_report_csv_lines
    from payouts.models import EARNING_KINDS, EntryKind, LedgerEntry, RateCard
    from payouts.periods import period_bounds, year_bounds
    from payouts.selectors import dac7_rows, period_report

    report = Report("B4 payout_report")

    def log(message: str) -> None:
        print(message, flush=True)

    if args.rebuild or not RateCard.objects.filter(note=_marker(args.entries, args.agents)).exists():
        _recreate_database()  # a fresh schema from the migrations, so every index and constraint exists
        load(args.entries, args.agents, log)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM payouts_ledgerentry")
        rows_in_table = cursor.fetchone()[0]
    report.figures["ledger_entries"] = rows_in_table
    report.figures["agents"] = args.agents

    # Baseline: a sequential count(*) of the same table, same connection, same run.
    def seq_count() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_indexonlyscan = off; SET enable_indexscan = off; SET enable_bitmapscan = off")
            cursor.execute("SELECT count(*) FROM payouts_ledgerentry")
            count = cursor.fetchone()[0]
            cursor.execute("RESET enable_indexonlyscan; RESET enable_indexscan; RESET enable_bitmapscan")
        return count

    scan_s, _, _ = _timed(seq_count, args.repeat)
    month_s, month_times, (rows, totals) = _timed(lambda: period_report(period=MONTH), args.repeat)
    year_s, _, year_rows = _timed(lambda: list(dac7_rows(year=YEAR)), max(3, args.repeat // 2))

    report.figures["baseline_seq_count_ms"] = round(scan_s * 1000, 1)
    report.figures["month_report_ms_p50"] = round(month_s * 1000, 1)
    report.figures["month_report_ms_max"] = round(max(month_times) * 1000, 1)
    report.figures["month_report_agents"] = len(rows)
    report.figures["year_report_ms_p50"] = round(year_s * 1000, 1)
    report.figures["year_vs_scan"] = round(year_s / scan_s, 2)

    # Correctness: independent SUMs in SQL, straight from the table.
    start, end = period_bounds(MONTH)
    month = LedgerEntry.objects.filter(occurred_at__gte=start, occurred_at__lt=end, kind__in=EARNING_KINDS)
    expected = month.aggregate(
        net=Sum("amount_minor"),
        gross=Sum("amount_minor", filter=Q(kind=EntryKind.CASE_RESOLUTION)),
        bonuses=Sum("amount_minor", filter=Q(kind=EntryKind.BONUS)),
        adjustments=Sum("amount_minor", filter=Q(kind=EntryKind.ADJUSTMENT)),
        clawbacks=Sum("amount_minor", filter=Q(kind=EntryKind.CLAWBACK)),
        cases=Count("id", filter=Q(kind=EntryKind.CASE_RESOLUTION, voided_at__isnull=True)),
    )
    got = {
        "net": totals.net_minor,
        "gross": totals.gross_minor,
        "bonuses": totals.bonuses_minor,
        "adjustments": totals.adjustments_minor,
        "clawbacks": totals.clawbacks_minor,
        "cases": totals.cases,
    }
    for key, value in expected.items():
        if (value or 0) != got[key]:
            report.fail(f"month {key}: report {got[key]} != SUM {value}")
    y_start, y_end = year_bounds(YEAR)
    year_sum = LedgerEntry.objects.filter(
        occurred_at__gte=y_start, occurred_at__lt=y_end, kind__in=EARNING_KINDS
    ).aggregate(s=Sum("amount_minor"))["s"]
    if sum(r["total_gross_minor"] for r in year_rows) != (year_sum or 0):
        report.fail("year: DAC7 gross total differs from the SUM of the ledger")
    report.figures["month_net_minor"] = totals.net_minor
    report.figures["year_gross_minor"] = year_sum

    # Streaming exports: peak Python memory while consuming the generators.
    def stream_peak(lines) -> tuple[int, int]:
        tracemalloc.start()
        size = sum(len(line) for line in lines)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return size, peak

    csv_bytes, csv_peak = stream_peak(period_report_csv_lines(period=MONTH))
    dac7_bytes, dac7_peak = stream_peak(dac7_csv_lines(year=YEAR))
    report.figures["month_csv_kib"] = round(csv_bytes / 1024)
    report.figures["month_csv_peak_mib"] = round(csv_peak / 2**20, 2)
    report.figures["dac7_csv_kib"] = round(dac7_bytes / 1024)
    report.figures["dac7_csv_peak_mib"] = round(dac7_peak / 2**20, 2)

    report.target("per-agent report, one month ≤ 150 ms", month_s <= 0.150, f"{month_s * 1000:.0f} ms")
    report.target("full year ≤ 2 × sequential count(*)", year_s <= 2 * scan_s, f"{year_s / scan_s:.2f} ×")
    report.target("totals equal an independent SUM", not report.failures, "exact" if not report.failures else "DIFF")
    report.target(
        "CSV streams in constant memory (peak ≤ 8 MiB)",
        max(csv_peak, dac7_peak) <= 8 * 2**20,
        f"{max(csv_peak, dac7_peak) / 2**20:.1f} MiB",
    )
    return report.emit()
