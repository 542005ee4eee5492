"""B1 claim_storm: agents racing for the head of the queue through the project's own claim service.

Workload (docs/benchmarks.md, PERFORMANCE.md B1): 100k tickets waiting; 50 agents released
together, then a sweep of 1/8/50/200 agents. Each agent loops `claims.claim_next_ticket` →
`lifecycle.conversation_resolve` on PostgreSQL for a fixed time. Agents are threads spread over
several processes (the GIL would serialise one process); an agent thread holds its own
database connection while the agents fit the connection budget, beyond it agents queue for a
connection the way requests queue for a server's workers.

Baseline, same run: `pgbench -b simple-update` on the same database. Audited afterwards from
the database: no ticket claimed twice, none lost, every resolution credited exactly once.
"""

import argparse
import multiprocessing
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench.common import (
    Report,
    agents_on_shift,
    die_with_parent,
    exit_on_sigterm,
    percentile,
    pgbench_tps,
    prepare_database,
    queued_tickets_copy,
    rate_card_ensure,
    setup_django,
    summary_ms,
    tickets_delete,
    vacuum_analyze,
)

MARKER = "bench-claim-storm"
AGENT_PREFIX = "bench-b1"
HEARTBEAT_EVERY_SECONDS = 10


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench claim_storm", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, finishes in well under 30 s")
    parser.add_argument("--tickets", type=int, help="queued tickets (default 100000; quick 2000)")
    parser.add_argument("--release-agents", type=int, help="agents released together first (default 50; quick 4)")
    parser.add_argument("--sweep", help="comma-separated agent counts (default 1,8,50,200; quick 1,4)")
    parser.add_argument("--phase-seconds", type=float, help="length of each phase (default 15; quick 1.5)")
    parser.add_argument("--processes", type=int, help="agent processes (default 4; quick 2)")
    parser.add_argument("--connections", type=int, help="database connections for all agents (default 60; quick 16)")
    parser.add_argument("--pgbench-seconds", type=int, help="pgbench run time (default 10; quick 2)")
    parser.add_argument("--pgbench-clients", type=int, default=8)
    parser.add_argument("--pgbench-scale", type=int, help="pgbench scale (default 10; quick 1)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's tickets afterwards")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "tickets": 2000 if quick else 100_000,
        "release_agents": 4 if quick else 50,
        "sweep": "1,4" if quick else "1,8,50,200",
        "phase_seconds": 1.5 if quick else 15.0,
        "processes": 2 if quick else 4,
        "connections": 16 if quick else 60,
        "pgbench_seconds": 2 if quick else 10,
        "pgbench_scale": 1 if quick else 10,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.sweep = [int(n) for n in str(args.sweep).split(",") if n.strip()]
    if min([args.release_agents, *args.sweep]) < 1 or args.tickets < 1 or args.processes < 1:
        parser.error("agent counts, tickets and processes must be positive")
    return args


# --- The agent processes --------------------------------------------------------------------------


def _agent_loop(user, start_at: float, end_at: float, run, out: list, errors: Counter) -> None:
    """One agent: claim the next ticket, resolve it, again, until the phase ends."""
    from agents.services.presence import agent_heartbeat
    from tickets.exceptions import NoTicketAvailable
    from tickets.services import claims, lifecycle

    def claim():
        return claims.claim_next_ticket(agent=user)

    def resolve(conversation):
        return lifecycle.conversation_resolve(conversation=conversation, agent=user, resolution_code="solved")

    last_heartbeat = time.monotonic()
    while time.time() < start_at:
        time.sleep(min(0.01, max(0.0, start_at - time.time())))
    while time.time() < end_at:
        if time.monotonic() - last_heartbeat > HEARTBEAT_EVERY_SECONDS:
            run(lambda: agent_heartbeat(agent=user))
            last_heartbeat = time.monotonic()
        started = time.perf_counter()
        try:
            conversation = run(claim)
        except NoTicketAvailable:
            errors["no_ticket_available"] += 1
            time.sleep(0.005)
            continue
        except Exception as exc:  # noqa: BLE001 - counted and reported; the storm goes on
            errors[f"claim:{type(exc).__name__}:{str(exc)[:80]}"] += 1
            continue
        claimed = time.perf_counter()
        try:
            run(lambda conversation=conversation: resolve(conversation))
        except Exception as exc:  # noqa: BLE001
            errors[f"resolve:{type(exc).__name__}:{str(exc)[:80]}"] += 1
            continue
        out.append((user.pk, conversation.pk, claimed - started, time.perf_counter() - claimed, time.time()))


def _agent_process(database_url: str, redis_url: str, user_ids: list[int], connections: int, commands, results) -> None:
    die_with_parent()
    setup_django(database_url=database_url, redis_url=redis_url)
    from django.contrib.auth import get_user_model
    from django.db import connection

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    ordered = [users[pk] for pk in user_ids]
    connection.close()

    def warm() -> None:
        connection.ensure_connection()

    while True:
        command = commands.get()
        if command is None:
            return
        active, start_at, end_at = command
        agents = ordered[:active]
        out: list = []
        errors: Counter = Counter()
        if len(agents) <= connections:
            # Each agent thread owns its connection.
            def run(fn):
                return fn()

            def body(user, start_at=start_at, end_at=end_at, run=run, out=out, errors=errors) -> None:
                warm()
                try:
                    _agent_loop(user, start_at, end_at, run, out, errors)
                finally:
                    connection.close()

            threads = [threading.Thread(target=body, args=(u,)) for u in agents]
        else:
            # More agents than connections: each waits for one of the pool's threads (and its connection).
            pool = ThreadPoolExecutor(max_workers=connections)
            barrier = threading.Barrier(connections)

            def open_own(barrier=barrier) -> None:
                barrier.wait(timeout=30)
                warm()

            for future in [pool.submit(open_own) for _ in range(connections)]:
                future.result()

            def run(fn, pool=pool):
                return pool.submit(fn).result()

            threads = [
                threading.Thread(target=_agent_loop, args=(u, start_at, end_at, run, out, errors)) for u in agents
            ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if len(agents) > connections:
            # Each pool thread closes its own connection: a barrier makes every thread take one task.
            barrier = threading.Barrier(connections)

            def close_own(barrier=barrier) -> None:
                barrier.wait(timeout=30)
                connection.close()

            for future in [pool.submit(close_own) for _ in range(connections)]:
                future.result()
            pool.shutdown()
        results.put((out, dict(errors)))


class AgentProcesses:
    """Persistent agent processes; a phase asks each to run its first k agents from a common start time."""

    def __init__(self, *, user_ids: list[int], processes: int, connections: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.results = ctx.Queue()
        self.commands = []
        self.workers = []
        self.shares = [user_ids[i::processes] for i in range(processes)]
        per_process = max(1, connections // processes)
        for share in self.shares:
            commands = ctx.Queue()
            worker = ctx.Process(
                target=_agent_process,
                args=(os.environ["DATABASE_URL"], os.environ["REDIS_URL"], share, per_process, commands, self.results),
                daemon=True,
            )
            worker.start()
            self.commands.append(commands)
            self.workers.append(worker)

    def run(self, *, agents: int, seconds: float) -> tuple[list, Counter, float]:
        start_at = time.time() + 1.0  # every process has its threads waiting before the gun
        end_at = start_at + seconds
        busy = 0
        for index, commands in enumerate(self.commands):
            # Agent i lives in process i % P, so the first `agents` agents are spread evenly.
            active = len([i for i in range(agents) if i % len(self.commands) == index])
            commands.put((active, start_at, end_at))
            busy += 1
        rows: list = []
        errors: Counter = Counter()
        for _ in range(busy):
            out, errs = self.results.get(timeout=seconds + 300)
            rows += out
            errors.update(errs)
        return rows, errors, start_at

    def close(self) -> None:
        for commands in self.commands:
            commands.put(None)
        for worker in self.workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()


# --- The run ------------------------------------------------------------------------------------


def _phase_figures(rows: list, start_at: float, seconds: float) -> dict:
    claims = [r[2] for r in rows]
    resolves = [r[3] for r in rows]
    elapsed = max([seconds, *(r[4] - start_at for r in rows)])
    return {
        "claims": len(rows),
        "claims_per_s": round(len(rows) / elapsed, 1),
        "claim": summary_ms(claims),
        "resolve": summary_ms(resolves),
    }


def _refresh_presence(user_ids: list[int]) -> None:
    from django.utils import timezone

    from agents.models import Presence

    Presence.objects.filter(agent__user_id__in=user_ids).update(online=True, last_heartbeat_at=timezone.now())


def _audit(report: Report, *, tickets: int, rows: list, no_ticket_while_waiting: int) -> dict:
    from django.db.models import Count

    from payouts.models import LedgerEntry
    from tickets.models import Conversation, ConversationEvent, Status

    mine = Conversation.objects.filter(customer_name__startswith=MARKER)
    by_status = dict(mine.values_list("status").annotate(n=Count("pk")).order_by())
    claimed_ids = [r[1] for r in rows]
    client_doubles = len(claimed_ids) - len(set(claimed_ids))
    db_doubles = (
        ConversationEvent.objects.filter(conversation__in=mine, to_status=Status.ASSIGNED)
        .values("conversation")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    total = sum(by_status.values())
    resolved = dict(mine.filter(status=Status.RESOLVED).values_list("pk", "assigned_agent_id"))
    claimant = {r[1]: r[0] for r in rows}
    wrong_agent = sum(1 for pk, agent in claimant.items() if resolved.get(pk) != agent)
    unreported = len(set(resolved) - set(claimant))
    entries = LedgerEntry.objects.filter(conversation__in=mine, kind="case_resolution", voided_at__isnull=True)
    entry_counts = Counter(entries.values_list("conversation_id", flat=True))
    entry_agents = dict(entries.values_list("conversation_id", "agent_id"))
    credited_twice = sum(1 for n in entry_counts.values() if n > 1)
    not_credited = sum(1 for pk in resolved if entry_counts.get(pk, 0) == 0)
    credited_wrong = sum(1 for pk, agent in resolved.items() if pk in entry_agents and entry_agents[pk] != agent)
    audit = {
        "tickets_by_status": by_status,
        "double_claims_client": client_doubles,
        "double_claims_db": db_doubles,
        "lost_tickets": tickets - total + by_status.get(Status.ASSIGNED, 0) + wrong_agent + unreported,
        "resolutions_credited_twice": credited_twice,
        "resolutions_not_credited": not_credited,
        "claims_finding_nothing_while_tickets_waited": no_ticket_while_waiting,
    }
    if client_doubles or db_doubles:
        report.fail(f"double claims: {client_doubles} seen by agents, {db_doubles} in the event log")
    if total != tickets:
        report.fail(f"{tickets - total} tickets missing from the database")
    if by_status.get(Status.ASSIGNED, 0):
        report.fail(f"{by_status[Status.ASSIGNED]} tickets left assigned although every claim was resolved")
    if set(by_status) - {Status.QUEUED, Status.RESOLVED}:
        report.fail(f"tickets in unexpected states: {by_status}")
    if wrong_agent or unreported:
        report.fail(f"{wrong_agent} claims resolved under another agent, {unreported} resolutions nobody claimed")
    if credited_twice or not_credited or credited_wrong:
        report.fail(
            f"earnings: {credited_twice} credited twice, {not_credited} not credited, {credited_wrong} wrong agent"
        )
    if no_ticket_while_waiting:
        report.fail(f"{no_ticket_while_waiting} claims found no ticket while tickets were waiting")
    return audit


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    setup_django()
    prepare_database()
    report = Report("claim_storm")
    mode = "quick" if args.quick else "full"
    report.figures["mode"] = mode

    tps = pgbench_tps(
        database_url=os.environ["DATABASE_URL"],
        clients=args.pgbench_clients,
        seconds=args.pgbench_seconds,
        scale=args.pgbench_scale,
    )
    report.figures["baseline_pgbench_simple_update_tps"] = round(tps, 1)

    tickets_delete(marker=MARKER)
    rate_card_ensure()
    most = max([args.release_agents, *args.sweep])
    users = agents_on_shift(prefix=AGENT_PREFIX, count=most)
    user_ids = [u.pk for u in users]
    started = time.perf_counter()
    queued_tickets_copy(count=args.tickets, marker=MARKER)
    vacuum_analyze()
    report.figures["setup_tickets"] = args.tickets
    report.figures["setup_copy_seconds"] = round(time.perf_counter() - started, 2)
    report.figures["processes"] = args.processes
    report.figures["connection_budget"] = args.connections

    from django.db import connection

    connection.close()
    pool = AgentProcesses(user_ids=user_ids, processes=args.processes, connections=args.connections)
    all_rows: list = []
    phases: dict[str, dict] = {}
    no_ticket_while_waiting = 0
    try:
        plan = [(f"release_{args.release_agents}", args.release_agents)] + [(f"sweep_{n}", n) for n in args.sweep]
        for name, agents in plan:
            _refresh_presence(user_ids)
            connection.close()
            rows, errors, start_at = pool.run(agents=agents, seconds=args.phase_seconds)
            figures = _phase_figures(rows, start_at, args.phase_seconds)
            figures["agents"] = agents
            if errors:
                figures["errors"] = dict(errors)
            empty = errors.get("no_ticket_available", 0)
            if empty and len(all_rows) + len(rows) < args.tickets:
                no_ticket_while_waiting += empty
            for key, count in errors.items():
                if key != "no_ticket_available":
                    report.fail(f"{name}: {count} × {key}")
            phases[name] = figures
            all_rows += rows
    finally:
        pool.close()

    report.figures["phases"] = phases
    sweep_rates = {n: phases[f"sweep_{n}"]["claims_per_s"] for n in args.sweep}
    peak = max([phases[name]["claims_per_s"] for name in phases])
    report.figures["peak_claims_per_s"] = peak
    report.figures["claims_per_s_vs_pgbench"] = round(peak / tps, 3) if tps else None
    at_50 = phases[f"release_{args.release_agents}"]
    report.figures["audit"] = _audit(
        report, tickets=args.tickets, rows=all_rows, no_ticket_while_waiting=no_ticket_while_waiting
    )

    audit = report.figures["audit"]
    report.target(
        "0 double claims, 0 lost tickets",
        not audit["double_claims_client"] and not audit["double_claims_db"] and not audit["lost_tickets"],
        f"{audit['double_claims_db']} / {audit['lost_tickets']}",
    )
    report.target("claims/s >= 0.5 x pgbench tps", peak >= 0.5 * tps, f"{peak:.0f} vs {tps:.0f} tps")
    report.target(
        f"p99 claim <= 25 ms at {args.release_agents} agents",
        at_50["claim"]["p99_ms"] <= 25,
        f"{at_50['claim']['p99_ms']:.1f} ms",
    )
    most_swept = max(args.sweep)
    report.target(
        f"claims/s at {most_swept} agents >= 0.8 x peak",
        sweep_rates[most_swept] >= 0.8 * peak,
        f"{sweep_rates[most_swept]:.0f} vs {peak:.0f}",
    )
    latencies = [r[2] for r in all_rows]
    report.figures["all_claims_p99_ms"] = round(percentile([x * 1000 for x in latencies], 99), 3)
    if not args.keep:
        tickets_delete(marker=MARKER)
    return report.emit()
