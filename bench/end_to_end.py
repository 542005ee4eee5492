"""B6 end_to_end: a customer message that needs a human, until an agent's socket shows the ticket.

Real processes: uvicorn workers (the ASGI app, Redis channel layer), a Celery worker on the
Redis broker (the Procfile's worker command), PostgreSQL. Eligible agents (approved, on a
running shift, online, sending heartbeats) hold the agent socket open. Customers start
conversations at a steady rate (the same service the REST start endpoint calls), open the
customer socket, resume (hello → ready) and write "I want to talk to a person about a
refund". The message is stored, the triage task runs on the worker, the ticket is queued
and the queue is pushed to the agents.

Measured: send → the first eligible agent's socket receives a queue frame listing the
ticket; with the stages from the event log (stored, queued) and the agent's claim. No
baseline (PERFORMANCE.md B6). Audited: every ticket reached an agent, went through triage
(not the fail-safe), was claimed once and resolved.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter

from bench.common import (
    WEB_ENV,
    WORKER_ENV,
    Children,
    Report,
    agents_on_shift,
    celery_wait_for,
    celery_worker_command,
    celery_workers_on_broker,
    channel_layer_flush,
    child_env,
    exit_on_sigterm,
    free_port,
    login_sessions,
    percentile,
    prepare_database,
    raise_open_files_limit,
    rate_card_ensure,
    setup_django,
    summary_ms,
    tickets_delete,
    triage_model_ensure,
    vacuum_analyze,
    wait_for_port,
)

MARKER = "bench-end-to-end"
AGENT_PREFIX = "bench-b6"
TEXT = "I want to talk to a person about a refund"
HEARTBEAT_SECONDS = 15
TARGET_P99_MS = 1000.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench end_to_end", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, finishes in well under 30 s")
    parser.add_argument("--conversations", type=int, help="customers who ask for a person (default 200; quick 4)")
    parser.add_argument("--rate", type=float, default=2.0, help="new customers per second (default 2)")
    parser.add_argument("--agents", type=int, help="eligible agents online (default 20; quick 3)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    parser.add_argument("--celery-concurrency", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument("--timeout", type=float, default=30.0, help="give up on a ticket after this many seconds")
    args = parser.parse_args(argv)
    if args.conversations is None:
        args.conversations = 4 if args.quick else 200
    if args.agents is None:
        args.agents = 3 if args.quick else 20
    if min(args.conversations, args.agents, args.workers, args.celery_concurrency) < 1 or args.rate <= 0:
        parser.error("counts and the rate must be positive")
    return args


# --- Sockets ------------------------------------------------------------------------------------------


async def _open(port: int, path: str, headers: dict | None = None):
    from websockets.asyncio.client import connect

    return await connect(
        f"ws://127.0.0.1:{port}{path}",
        origin=f"http://127.0.0.1:{port}",
        additional_headers=headers,
        compression=None,
        ping_interval=None,
        open_timeout=60,
        max_size=2**22,
        max_queue=None,
        proxy=None,
    )


class Run:
    def __init__(self, port: int, conversations: dict[int, dict], timeout: float) -> None:
        self.port = port
        self.conversations = conversations  # id -> {"public_id", "token"}
        self.timeout = timeout
        self.sent_at: dict[int, float] = {}  # wall clock, comparable with the database's timestamps
        self.seen_at: dict[int, float] = {}
        self.claimed_at: dict[int, float] = {}
        self.resolved: set[int] = set()
        self.errors: Counter = Counter()
        self.agent_sockets: list = []
        self.tasks: set[asyncio.Task] = set()
        self.closing = False
        self.closed_by_server = 0

    def spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def agent(self, index: int, count: int, session: str, welcomed: asyncio.Event) -> None:
        """One eligible agent: watches the queue; takes (and resolves) the tickets that fall to it."""
        ws = await _open(self.port, "/ws/agent/", {"Cookie": f"sessionid={session}"})
        self.agent_sockets.append(ws)

        async def heartbeat() -> None:
            while True:
                await ws.send(json.dumps({"type": "heartbeat"}))
                await asyncio.sleep(HEARTBEAT_SECONDS)

        self.spawn(heartbeat())
        try:
            async for text in ws:
                frame = json.loads(text)
                kind = frame.get("type")
                if kind == "welcome":
                    welcomed.set()
                    continue
                tickets = frame.get("tickets") if kind == "queue" else None
                if tickets is not None:
                    now = time.time()
                    for ticket in tickets:
                        conversation = ticket.get("id")
                        if conversation in self.sent_at and conversation not in self.seen_at:
                            self.seen_at[conversation] = now
                        mine = conversation in self.conversations and conversation % count == index
                        if mine and conversation not in self.claimed_at:
                            self.claimed_at[conversation] = 0.0
                            await ws.send(json.dumps({"type": "take", "conversation": conversation}))
                elif kind == "claimed":
                    conversation = frame["conversation"]
                    self.claimed_at[conversation] = time.time()
                    resolve = {"type": "resolve", "conversation": conversation, "resolution_code": "solved"}
                    await ws.send(json.dumps(resolve))
                elif kind == "resolved":
                    self.resolved.add(frame["conversation"])
                elif kind == "error":
                    self.errors[f"agent:{frame.get('code')}:{frame.get('in_reply_to')}"] += 1
        except Exception:  # noqa: BLE001 - a closed socket ends its reader
            pass
        if not self.closing:
            self.closed_by_server += 1

    async def customer(self, conversation: int) -> None:
        spec = self.conversations[conversation]
        ws = await _open(self.port, f"/ws/chat/{spec['public_id']}/?token={spec['token']}")
        try:
            await ws.send(json.dumps({"type": "hello", "last_seq": 0}))
            async for text in ws:
                frame = json.loads(text)
                if frame.get("type") == "ready":
                    break
                if frame.get("type") == "error":
                    self.errors[f"customer:{frame.get('code')}"] += 1
            self.sent_at[conversation] = time.time()
            await ws.send(json.dumps({"type": "message", "client_msg_id": f"e2e-{conversation}", "body": TEXT}))
            deadline = time.monotonic() + self.timeout
            while conversation not in self.resolved and time.monotonic() < deadline:
                try:
                    text = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                frame = json.loads(text)
                if frame.get("type") == "error":
                    self.errors[f"customer:{frame.get('code')}"] += 1
        finally:
            await ws.close()

    async def go(self, *, sessions: list[str], rate: float) -> float:
        welcomed = [asyncio.Event() for _ in sessions]
        for index, session in enumerate(sessions):
            self.spawn(self.agent(index, len(sessions), session, welcomed[index]))
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in welcomed)), 60)
        await asyncio.sleep(0.5)  # every agent socket is settled before the first customer writes
        started = time.monotonic()
        customers = []
        for n, conversation in enumerate(sorted(self.conversations)):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            customers.append(asyncio.ensure_future(self.customer(conversation)))
        results = await asyncio.gather(*customers, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                self.errors[f"customer:{type(result).__name__}:{str(result)[:80]}"] += 1
        elapsed = time.monotonic() - started
        self.closing = True
        await asyncio.gather(*(ws.close() for ws in self.agent_sockets), return_exceptions=True)
        for task in list(self.tasks):
            task.cancel()
        return elapsed


# --- Set-up, stages and audit ---------------------------------------------------------------------------------


def _start_conversations(count: int, *, name: str = MARKER) -> dict[int, dict]:
    from tickets.services import lifecycle
    from tickets.tokens import customer_token_for

    out = {}
    for n in range(count):
        conversation = lifecycle.conversation_start(customer_name=f"{name} {n}", language="en")
        out[conversation.pk] = {
            "public_id": str(conversation.public_id),
            "token": customer_token_for(conversation=conversation),
        }
    return out


def _warm_worker(count: int, timeout: float = 120) -> float:
    """Triage a few messages first, so every worker process has loaded the model (as a running worker has)."""
    from django.db import connection

    from tickets.models import Conversation, SenderKind
    from tickets.services.messages import post_message
    from tickets.triage.models import TriageDecision

    began = time.monotonic()
    messages = []
    for conversation_id in _start_conversations(count, name=f"{MARKER} warm-up"):
        conversation = Conversation.objects.get(pk=conversation_id)
        message, _ = post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body=TEXT)
        messages.append(message.pk)
    while TriageDecision.objects.filter(message_id__in=messages).count() < len(messages):
        if time.monotonic() - began > timeout:
            raise RuntimeError("the worker did not triage the warm-up messages")
        time.sleep(0.2)
    connection.close()
    return round(time.monotonic() - began, 1)


def _stages(run: Run) -> tuple[dict, dict]:
    """Per ticket, from the database: message stored, handed over (queued), and why."""
    from tickets.models import ConversationEvent, EventKind, Message, SenderKind, Status

    ids = list(run.conversations)
    stored = dict(
        Message.objects.filter(conversation_id__in=ids, sender_kind=SenderKind.CUSTOMER).values_list(
            "conversation_id", "created_at"
        )
    )
    queued = {}
    for conversation, at in (
        ConversationEvent.objects.filter(conversation_id__in=ids, to_status=Status.QUEUED)
        .order_by("created_at")
        .values_list("conversation_id", "created_at")
    ):
        queued.setdefault(conversation, at)
    reasons = Counter(
        (data or {}).get("reason", "?")
        for data in ConversationEvent.objects.filter(conversation_id__in=ids, kind=EventKind.HANDOFF).values_list(
            "data", flat=True
        )
    )
    stages = {"send_to_stored": [], "stored_to_queued": [], "queued_to_agent_socket": []}
    for conversation, sent in run.sent_at.items():
        if conversation in stored:
            stages["send_to_stored"].append(stored[conversation].timestamp() - sent)
        if conversation in stored and conversation in queued:
            stages["stored_to_queued"].append((queued[conversation] - stored[conversation]).total_seconds())
        if conversation in queued and conversation in run.seen_at:
            stages["queued_to_agent_socket"].append(run.seen_at[conversation] - queued[conversation].timestamp())
    return {name: summary_ms(values) for name, values in stages.items()}, dict(reasons)


def _audit(report: Report, run: Run, reasons: dict) -> dict:
    from django.db.models import Count

    from tickets.models import Conversation, ConversationEvent, Message, Status

    ids = list(run.conversations)
    never_sent = len(ids) - len(run.sent_at)
    never_seen = len([c for c in run.sent_at if c not in run.seen_at])
    by_status = dict(Conversation.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("pk")).order_by())
    doubles = (
        ConversationEvent.objects.filter(conversation_id__in=ids, to_status=Status.ASSIGNED)
        .values("conversation")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    customer_messages = dict(
        Message.objects.filter(conversation_id__in=ids, sender_kind="customer")
        .values("conversation")
        .annotate(n=Count("pk"))
        .values_list("conversation", "n")
    )
    not_stored_once = sum(1 for c in run.sent_at if customer_messages.get(c, 0) != 1)
    fail_safe = sum(n for reason, n in reasons.items() if reason == "triage_failed")
    audit = {
        "conversations_by_status": by_status,
        "never_sent": never_sent,
        "never_reached_an_agent": never_seen,
        "claimed_twice": doubles,
        "customer_message_not_stored_exactly_once": not_stored_once,
        "handed_over_by_the_fail_safe": fail_safe,
        "agent_sockets_closed_by_server": run.closed_by_server,
    }
    if never_sent:
        report.fail(f"{never_sent} customers could not send their message")
    if never_seen:
        report.fail(f"{never_seen} tickets never reached an agent's socket within {run.timeout:g} s")
    if doubles:
        report.fail(f"{doubles} tickets claimed twice")
    if not_stored_once:
        report.fail(f"{not_stored_once} customer messages not stored exactly once")
    if fail_safe:
        report.fail(f"{fail_safe} tickets were handed over by the fail-safe (triage_failed), not by triage")
    if by_status.get(Status.RESOLVED, 0) != len(run.sent_at):
        report.fail(f"not every ticket was claimed and resolved: {by_status}")
    if run.closed_by_server:
        report.fail(f"{run.closed_by_server} agent sockets were closed by the server")
    if run.errors:
        report.fail(f"error frames or client errors: {dict(run.errors)}")
    return audit


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    raise_open_files_limit()
    setup_django()
    prepare_database()
    report = Report("end_to_end")
    report.figures["mode"] = "quick" if args.quick else "full"
    report.figures["conversations"] = args.conversations
    report.figures["customers_per_s"] = args.rate
    report.figures["agents_online"] = args.agents
    report.figures["processes"] = (
        f"uvicorn {args.workers} workers; celery worker --concurrency {args.celery_concurrency} (prefork)"
    )

    redis_url = os.environ["REDIS_URL"]
    strays = celery_workers_on_broker()
    if strays:
        report.fail(f"other Celery workers consume the benchmark broker ({', '.join(strays)}): stop them first")
        return report.emit()
    channel_layer_flush(redis_url)
    from klarna_gig.celery import app

    app.control.purge()  # tasks left on the benchmark broker by earlier runs
    tickets_delete(marker=MARKER)
    rate_card_ensure()
    report.figures["triage_model"] = triage_model_ensure()
    users = agents_on_shift(prefix=AGENT_PREFIX, count=args.agents, capacity=3)
    sessions = login_sessions(users)
    conversations = _start_conversations(args.conversations)
    vacuum_analyze()

    from django.db import connection

    connection.close()
    logs = tempfile.mkdtemp(prefix="bench-end-to-end-")
    port = free_port()
    web_env, worker_env = child_env(**WEB_ENV), child_env(**WORKER_ENV)
    with Children() as children:
        server = children.start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "klarna_gig.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "2",
                "--log-level",
                "warning",
            ],
            env=web_env,
            log_path=os.path.join(logs, "server.log"),
        )
        worker_name = f"bench-e2e-{os.getpid()}"
        worker = children.start(
            celery_worker_command(name=worker_name, concurrency=args.celery_concurrency),
            env=worker_env,
            log_path=os.path.join(logs, "worker.log"),
        )
        wait_for_port(port, process=server)
        celery_wait_for(worker_name, process=worker)
        report.figures["worker_warm_up_seconds"] = _warm_worker(2 * args.celery_concurrency)
        run = Run(port, conversations, args.timeout)
        elapsed = asyncio.run(run.go(sessions=[sessions[u.pk] for u in users], rate=args.rate))
    report.figures["run_seconds"] = round(elapsed, 1)
    report.figures["logs"] = logs

    latencies = [run.seen_at[c] - sent for c, sent in run.sent_at.items() if c in run.seen_at]
    report.figures["send_to_agent_socket"] = {**summary_ms(latencies), "count": len(latencies)}
    claims = [run.claimed_at[c] - run.seen_at[c] for c in run.seen_at if run.claimed_at.get(c)]
    report.figures["agent_socket_to_claimed"] = summary_ms(claims)
    stages, reasons = _stages(run)
    report.figures["stages"] = stages
    report.figures["handoff_reasons"] = reasons
    report.figures["audit"] = _audit(report, run, reasons)
    p99 = percentile([x * 1000 for x in latencies], 99)
    report.target("p99 send -> agent's socket <= 1 s", p99 <= TARGET_P99_MS, f"{p99:.0f} ms")
    tickets_delete(marker=MARKER)
    return report.emit()
