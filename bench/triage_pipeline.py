"""B3 triage_pipeline: customer messages through the Celery triage task on a real worker.

Workload: customer messages waiting in conversations with the bot; the project's triage task
(`tickets.triage.tasks.triage`, the task `post_message` enqueues) runs on a real Celery worker
(the Procfile's command: prefork, --concurrency 2, the project's prefetch and acks_late
settings) with the Redis broker; each run stores its decision and either answers with the
bot or queues the ticket for a human.

  - throughput: a burst of messages published to a queue the worker does not consume yet,
    then the worker starts consuming it; first start → last finish on the worker.
  - enqueue → start latency at 100 messages/s, on the worker's usual queue.

Baseline, same run, same worker and settings: a no-op task (`bench.noop`, loaded into the
worker with --include). Start and finish times come from Celery's task signals in the worker.

Audited: every message triaged exactly once, and every conversation ends answered by the
bot or queued for a human, with its decision stored.
"""

import argparse
import csv
import json
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from celery import signals

from bench.common import (
    WORKER_ENV,
    Children,
    Report,
    celery_wait_for,
    celery_worker_command,
    celery_workers_on_broker,
    child_env,
    exit_on_sigterm,
    prepare_database,
    setup_django,
    summary_ms,
    tickets_delete,
    triage_model_ensure,
    vacuum_analyze,
)
from klarna_gig.celery import app

MARKER = "bench-triage"
KEY = "bench:triage"
BURST_QUEUE = "bench-burst"
RECORDING = os.environ.get("BENCH_TRIAGE_RECORD") == "1"
FALLBACK_TEXTS = [
    "I want to talk to a person about a refund",
    "My card still hasn't arrived after two weeks",
    "How do I top up my account with a bank transfer?",
    "Someone used my card without my permission!",
    "Why was I charged a fee for my last payment?",
    "Can I change the PIN of my card?",
    "The transfer I made yesterday has not arrived",
    "I need to verify my identity, what documents do you accept?",
]


# --- In the worker: the no-op baseline and the timing signals ----------------------------------------


@app.task(name="bench.noop", ignore_result=True)
def noop(message_id: int) -> None:
    return None


_recorder = None


if RECORDING:

    @signals.task_prerun.connect
    def _task_started(task_id=None, task=None, args=None, **_) -> None:
        """Start times of the paced runs (the bursts are timed from the queue, without per-task cost)."""
        global _recorder
        if (task.request.delivery_info or {}).get("routing_key") == BURST_QUEUE:
            return
        if _recorder is None:
            import redis

            _recorder = redis.Redis.from_url(os.environ["REDIS_URL"])
        _recorder.rpush(f"{KEY}:start", json.dumps([task_id, task.name, time.time()]))


# --- Data: conversations with the bot, each with one customer message -------------------------------------


def _texts() -> list[str]:
    root = Path(__file__).resolve().parents[1]
    for path in (root / "tickets/triage/data/banking77/train.csv", root.parent / "shared/datasets/banking77/train.csv"):
        if path.exists():
            with path.open(newline="") as handle:
                return [row["text"] for row in csv.DictReader(handle) if row.get("text")]
    return FALLBACK_TEXTS


def _bot_conversations(count: int, texts: list[str], seed: int) -> list[int]:
    """`count` conversations with the bot, each holding one customer message (redacted); message ids."""
    from django.db import connection
    from django.utils import timezone

    from tickets.models import Conversation, Message
    from tickets.triage.redaction import redact

    rng = random.Random(seed)
    now = timezone.now()
    tag = uuid.uuid4().hex[:8]
    conv_table, msg_table = Conversation._meta.db_table, Message._meta.db_table
    columns = (
        "public_id, status, customer_name, customer_email, language, intent, category, required_skill, priority, "
        "handover_summary, excluded_agent_ids, bot_failures, reopen_count, last_seq, resolution_code, created_at, "
        "updated_at, last_customer_message_at"
    )
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {conv_table} ({columns}) FROM STDIN") as copy:
            for i in range(count):
                row = (uuid.uuid4(), "bot", f"{MARKER} {tag} {i}", "", "en", "", "general", "", 20, "{}", "[]")
                copy.write_row((*row, 0, 0, 1, "", now, now, now))
        cursor.execute(f"SELECT id FROM {conv_table} WHERE customer_name LIKE %s ORDER BY id", [f"{MARKER} {tag} %"])
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(f"COPY {msg_table} (conversation_id, seq, sender_kind, body, created_at) FROM STDIN") as copy:
            for conversation_id in ids:
                copy.write_row((conversation_id, 1, "customer", redact(rng.choice(texts)), now))
        cursor.execute(f"SELECT id FROM {msg_table} WHERE conversation_id = ANY(%s) ORDER BY conversation_id", [ids])
        return [row[0] for row in cursor.fetchall()]


# --- Measuring ----------------------------------------------------------------------------------------------


def _redis():
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"])


def _starts(task_name: str) -> dict[str, float]:
    rows = [json.loads(raw) for raw in _redis().lrange(f"{KEY}:start", 0, -1)]
    return {task_id: at for task_id, name, at in rows if name == task_name}


def _reset_records() -> None:
    _redis().delete(f"{KEY}:start")


def _drained(queue: str, timeout: float) -> float | None:
    """When the queue is empty and nothing is delivered but unacknowledged (acks_late: acked when done)."""
    client = _redis()
    deadline = time.monotonic() + timeout
    empty_since = None
    while time.monotonic() < deadline:
        pipe = client.pipeline()
        pipe.llen(queue)
        pipe.hlen("unacked")
        waiting, unacked = pipe.execute()
        if waiting or unacked:
            empty_since = None
        elif empty_since is None:
            empty_since = time.time()
        elif time.time() - empty_since >= 0.05:
            # Still empty a moment later: not a message between its pop and its entry in "unacked".
            return empty_since
        time.sleep(0.01)
    return None


def _burst(task, message_ids: list[int], timeout: float) -> dict:
    """Publish everything first (to a queue nobody consumes), then let the worker at it; until it is drained."""
    for message_id in message_ids:
        task.apply_async(args=[message_id], queue=BURST_QUEUE)
    waiting = _redis().llen(BURST_QUEUE)
    if waiting != len(message_ids):
        return {"tasks": len(message_ids), "error": f"published {len(message_ids)}, but the queue holds {waiting}"}
    began = time.time()
    app.control.add_consumer(BURST_QUEUE, reply=True, timeout=5, limit=1)
    try:
        done = _drained(BURST_QUEUE, timeout)
    finally:
        app.control.cancel_consumer(BURST_QUEUE, reply=True, timeout=5, limit=1)
    if done is None:
        return {"tasks": len(message_ids), "drained": False}
    span = done - began
    return {"tasks": len(message_ids), "seconds": round(span, 3), "per_s": round(len(message_ids) / span, 1)}


def _paced(task, message_ids: list[int], rate: float, timeout: float) -> dict:
    """Publish at `rate` per second on the usual queue; enqueue → start on the worker."""
    _reset_records()
    enqueued: dict[str, float] = {}
    began = time.monotonic()
    for n, message_id in enumerate(message_ids):
        time.sleep(max(0.0, began + n / rate - time.monotonic()))
        at = time.time()
        enqueued[task.apply_async(args=[message_id]).id] = at
    deadline = time.monotonic() + timeout
    while len(_starts(task.name)) < len(enqueued) and time.monotonic() < deadline:
        time.sleep(0.05)
    _drained("celery", timeout)
    starts = _starts(task.name)
    latencies = [starts[task_id] - at for task_id, at in enqueued.items() if task_id in starts]
    return {"tasks": len(message_ids), "started": len(latencies), "rate_per_s": rate, **summary_ms(latencies)}


def _audit(report: Report, triaged: list[int]) -> dict:
    from django.apps import apps
    from django.db import connection
    from django.db.models import Count

    from tickets.models import Conversation, Message, SenderKind, Status

    conversations = dict(Message.objects.filter(pk__in=triaged).values_list("pk", "conversation_id"))
    by_status = dict(
        Conversation.objects.filter(pk__in=conversations.values())
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    status = dict(Conversation.objects.filter(pk__in=conversations.values()).values_list("pk", "status"))
    answered = set(
        Message.objects.filter(conversation_id__in=conversations.values(), sender_kind=SenderKind.BOT).values_list(
            "conversation_id", flat=True
        )
    )
    audit = {"messages_triaged": len(triaged), "conversations_by_status": by_status}
    try:
        decision_model = apps.get_model("triage", "TriageDecision")
    except LookupError:
        decision_model = None
    if decision_model is None or decision_model._meta.db_table not in connection.introspection.table_names():
        report.fail("triage decisions are not stored: no TriageDecision table")
        return audit
    outcomes = dict(decision_model.objects.filter(message_id__in=triaged).values_list("message_id", "outcome"))
    model_ms = list(
        decision_model.objects.filter(message_id__in=triaged, latency_ms__isnull=False).values_list(
            "latency_ms", flat=True
        )
    )
    audit["classify_and_decide_ms"] = summary_ms([ms / 1000 for ms in model_ms])
    missing = [m for m in triaged if m not in outcomes]
    inconsistent = 0
    for message_id, outcome in outcomes.items():
        conversation = conversations[message_id]
        if outcome == "handoff" and status[conversation] != Status.QUEUED:
            inconsistent += 1
        if outcome == "bot_answer" and (status[conversation] != Status.BOT or conversation not in answered):
            inconsistent += 1
    audit.update(
        decisions_by_outcome=dict(Counter(outcomes.values())),
        messages_without_a_decision=len(missing),
        conversations_not_in_the_decided_state=inconsistent,
    )
    if missing:
        report.fail(f"{len(missing)} messages have no stored triage decision")
    if inconsistent:
        report.fail(f"{inconsistent} conversations are not in the state their decision says")
    return audit


# --- The run -------------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench triage_pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, finishes in well under 30 s")
    parser.add_argument("--burst", type=int, help="messages in each throughput burst (default 4000; quick 200)")
    parser.add_argument("--rate", type=float, default=100.0, help="paced messages per second (default 100)")
    parser.add_argument("--paced-seconds", type=float, help="length of each paced run (default 20; quick 2)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2, one per core)")
    args = parser.parse_args(argv)
    args.burst = args.burst or (200 if args.quick else 4000)
    args.paced_seconds = args.paced_seconds or (2.0 if args.quick else 20.0)
    if args.burst < 1 or args.rate <= 0 or args.concurrency < 1:
        parser.error("sizes and the rate must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    setup_django()
    prepare_database()
    report = Report("triage_pipeline")
    report.figures["mode"] = "quick" if args.quick else "full"
    report.figures["worker"] = f"celery worker, prefork --concurrency {args.concurrency}, Redis broker"

    strays = celery_workers_on_broker()
    if strays:
        report.fail(f"other Celery workers consume the benchmark broker ({', '.join(strays)}): stop them first")
        return report.emit()
    try:
        from tickets.triage.tasks import triage
    except ImportError as exc:
        triage = None
        report.fail(f"the triage task is missing: {exc}")

    if triage is not None:
        report.figures["triage_model"] = triage_model_ensure()
    tickets_delete(marker=MARKER)
    app.control.purge()
    _redis().delete(BURST_QUEUE, "unacked", "unacked_index")
    _reset_records()
    texts = _texts()
    paced = int(args.rate * args.paced_seconds)
    warm_ids = _bot_conversations(4 * args.concurrency, texts, seed=1)
    burst_ids = _bot_conversations(args.burst, texts, seed=2)
    paced_ids = _bot_conversations(paced, texts, seed=3)
    vacuum_analyze()
    report.figures["messages"] = {"burst": args.burst, "paced": paced, "texts": len(texts)}

    from django.db import connection

    connection.close()
    logs = tempfile.mkdtemp(prefix="bench-triage-")
    with Children() as children:
        worker_name = f"bench-triage-{os.getpid()}"
        worker = children.start(
            celery_worker_command(
                name=worker_name, concurrency=args.concurrency, extra=("--include", "bench.triage_pipeline")
            ),
            env=child_env(**WORKER_ENV, BENCH_TRIAGE_RECORD="1"),
            log_path=os.path.join(logs, "worker.log"),
        )
        celery_wait_for(worker_name, process=worker)
        # Warm every worker process: imports, connections, the triage model (loaded once per process).
        for task in [noop] + ([triage] if triage else []):
            for message_id in warm_ids:
                task.delay(message_id)
            _drained("celery", 120)
        noop_burst = _burst(noop, burst_ids, timeout=300)
        report.figures["baseline_noop_burst"] = noop_burst
        noop_paced = _paced(noop, paced_ids, args.rate, timeout=120)
        report.figures["baseline_noop_paced"] = noop_paced
        phases = {"no-op burst": noop_burst, "no-op paced": noop_paced}
        if triage is not None:
            triage_burst = _burst(triage, burst_ids, timeout=600)
            report.figures["triage_burst"] = triage_burst
            triage_paced = _paced(triage, paced_ids, args.rate, timeout=300)
            report.figures["triage_paced"] = triage_paced
            phases.update({"triage burst": triage_burst, "triage paced": triage_paced})
        for label, figures in phases.items():
            if "error" in figures or figures.get("drained") is False:
                report.fail(f"{label}: {figures.get('error', 'the worker did not finish the burst')}")
            if "started" in figures and figures["started"] != figures["tasks"]:
                report.fail(f"{label}: {figures['tasks'] - figures['started']} tasks never started on the worker")
    report.figures["logs"] = logs

    if triage is not None:
        report.figures["audit"] = _audit(report, warm_ids + burst_ids + paced_ids)
        rate = triage_burst.get("per_s") or 0.0
        baseline = noop_burst.get("per_s") or float("inf")
        report.figures["triage_vs_noop"] = round(rate / baseline, 3)
        report.target(">= 400 triaged messages/s", rate >= 400, f"{rate:.0f}/s")
        report.target(">= 0.4 x no-op throughput", rate >= 0.4 * baseline, f"{rate:.0f} vs {baseline:.0f}/s")
        p99 = triage_paced["p99_ms"]
        report.target(
            f"enqueue->start p99 <= 15 ms at {args.rate:g}/s",
            p99 <= 15,
            f"{p99:.1f} ms (no-op {noop_paced['p99_ms']:.1f})",
        )
    else:
        report.target(">= 400 triaged messages/s", False, "no triage task")
    tickets_delete(marker=MARKER)
    _reset_records()
    return report.emit()
