"""What every benchmark shares: Django set-up, percentiles, the pgbench baseline and the report.

A report prints a readable table and, as its last line, one JSON object. Any correctness
failure makes the benchmark exit non-zero, whatever the speed.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from urllib.parse import urlparse


def setup_django(*, database_url: str | None = None, redis_url: str | None = None) -> None:
    """Point Django at PostgreSQL and Redis (the benchmarks' defaults) and set it up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klarna_gig.settings")
    os.environ["DATABASE_URL"] = database_url or os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/klarna_gig_bench"
    )
    os.environ["REDIS_URL"] = redis_url or os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
    import django

    django.setup()


def prepare_database() -> None:
    """Create the benchmark database if needed and migrate it."""
    from django.core.management import call_command

    url = urlparse(os.environ["DATABASE_URL"])
    import psycopg

    with psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [url.path.lstrip("/")]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{url.path.lstrip("/")}"')
    call_command("migrate", verbosity=0)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"),
        "max_ms": round(max(ms), 3) if ms else float("nan"),
    }


def pgbench_tps(*, database_url: str, clients: int = 8, seconds: int = 10, scale: int = 10) -> float:
    """The baseline of B1: `pgbench -b simple-update` on the same PostgreSQL."""
    pgbench = shutil.which("pgbench") or next(
        (p for p in sorted(__import__("glob").glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)), None
    )
    if pgbench is None:
        raise SystemExit("pgbench is not installed (Debian: postgresql-contrib / postgresql-client)")
    url = urlparse(database_url)
    args = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    db = url.path.lstrip("/")
    subprocess.run([pgbench, *args, "-i", "-q", "-s", str(scale), db], check=True, capture_output=True)
    out = subprocess.run(
        [pgbench, *args, "-b", "simple-update", "-c", str(clients), "-j", str(min(clients, 4)), "-T", str(seconds), db],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("tps"))
    return float(line.split("=")[1].split()[0])


@dataclass
class Report:
    name: str
    figures: dict = field(default_factory=dict)
    targets: list[tuple[str, bool, str]] = field(default_factory=list)  # (target, met, measured)
    failures: list[str] = field(default_factory=list)  # correctness failures: exit non-zero

    def target(self, label: str, met: bool, measured: str) -> None:
        self.targets.append((label, bool(met), measured))

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def emit(self) -> int:
        print(f"\n== {self.name} ==")
        width = max((len(k) for k in self.figures), default=10)
        for key, value in self.figures.items():
            print(f"  {key:<{width}}  {value}")
        if self.targets:
            print("\n  target" + " " * 44 + "measured            met")
            for label, met, measured in self.targets:
                print(f"  {label:<50}{measured:<20}{'yes' if met else 'NO'}")
        for failure in self.failures:
            print(f"  CORRECTNESS FAILURE: {failure}")
        print(
            json.dumps(
                {
                    "benchmark": self.name,
                    "figures": self.figures,
                    "targets": [{"target": t, "met": m, "measured": v} for t, m, v in self.targets],
                    "correct": not self.failures,
                    "failures": self.failures,
                }
            )
        )
        sys.stdout.flush()
        return 1 if self.failures else 0


# --- The product's own data and processes, shared by the benchmarks --------------------------------
# Benchmark rows are marked (customer_name / username prefixes) so each run removes its own leftovers.


def raise_open_files_limit(wanted: int = 65536) -> int:
    """Many sockets per process: lift the soft limit on open files as far as the hard limit allows."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return max(soft, target)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 60, process: "subprocess.Popen | None" = None) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def die_with_parent() -> None:
    """Linux: this process gets SIGTERM when the process that started it dies, however it dies.

    A benchmark killed by a timeout must not leave servers or Celery workers behind (a stray
    worker would go on eating the benchmark broker's tasks against another database).
    """
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def exit_on_sigterm() -> None:
    """SIGTERM ends a benchmark like Ctrl-C does: its `with Children()` blocks stop what they started."""
    import signal

    def stop(signum, frame) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def celery_workers_on_broker() -> list[str]:
    """Celery workers already consuming the benchmark broker: another run's, or a stray one."""
    from klarna_gig.celery import app

    return sorted(name for reply in app.control.ping(timeout=0.5) for name in reply)


def celery_worker_command(*, name: str, concurrency: int, extra: tuple[str, ...] = ()) -> list[str]:
    """The Procfile's worker (prefork, the project's settings), named so that its ping answer can be told apart."""
    import sys

    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "klarna_gig",
        "worker",
        "--hostname",
        f"{name}@%h",
        "--loglevel",
        "WARNING",
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        *extra,
    ]


def celery_wait_for(name: str, *, timeout: float = 90, process: "subprocess.Popen | None" = None) -> None:
    """Until the worker started as `name` answers a ping."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {process.returncode} before answering")
        if any(worker.startswith(f"{name}@") for worker in celery_workers_on_broker()):
            return
    raise RuntimeError(f"the Celery worker {name} did not answer a ping within {timeout:g} s")


# The Procfile's process settings: web servers get a database pool per process; Celery workers keep
# persistent connections (a forked child must not inherit a pool).
WEB_ENV = {"DB_POOL_MAX_SIZE": "20"}
WORKER_ENV = {"DB_POOL_MAX_SIZE": "0", "DB_CONN_MAX_AGE": "60"}


def child_env(**extra: str) -> dict[str, str]:
    """The environment for server and worker subprocesses: the same database, Redis and secret as this run."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.update({"DEBUG": "0", "LOG_LEVEL": "WARNING", "CELERY_TASK_ALWAYS_EAGER": "0"})
    env.update(extra)
    return env


class Children:
    """Subprocesses started by one benchmark (servers, workers); stopped by their own pids, never by name."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []

    def start(self, args: list[str], *, env: dict[str, str], log_path: str) -> subprocess.Popen:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        log = open(log_path, "w")  # noqa: SIM115 - kept open for the child's lifetime
        process = subprocess.Popen(
            args,
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        import signal

        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()

    def __enter__(self) -> "Children":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def rate_card_ensure() -> None:
    """Resolved cases earn money: make sure a rate card is in force (the payouts service publishes it)."""
    from datetime import timedelta

    from django.utils import timezone

    from payouts.selectors import rate_card_in_force
    from payouts.services.rate_cards import rate_card_create

    now = timezone.now()
    if rate_card_in_force(at=now) is None:
        rate_card_create(
            effective_from=now - timedelta(days=400),
            default_base_minor=300,
            category_bases={"refunds_disputes": 450},
            language_premiums={"de": 50},
            quality_bonus_minor=100,
            actor=None,
            allow_backdating=True,
            note="benchmark rates",
        )


def agents_on_shift(*, prefix: str, count: int, languages: tuple[str, ...] = ("en",), capacity: int = 3) -> list:
    """`count` approved agents (role agent), online now, each on a claimed shift that runs for the next hours.

    Users are reused across runs (usernames `<prefix>-00001`…); the rows are written in bulk,
    as a benchmark set-up should be, with the same fields the agents' own services write.
    """
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from agents.models import AgentProfile, AgentStatus, ClaimStatus, Presence, ShiftClaim, ShiftSlot, Skill
    from agents.roles import AGENT, ensure_role_groups

    User = get_user_model()
    names = [f"{prefix}-{i:05d}" for i in range(1, count + 1)]
    now = timezone.now()
    with transaction.atomic():
        group = ensure_role_groups()[AGENT]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        unusable = make_password(None)
        User.objects.bulk_create(
            [User(username=n, email=f"{n}@bench.invalid", password=unusable) for n in names if n not in existing],
            batch_size=2000,
        )
        users = list(User.objects.filter(username__in=names).order_by("username"))
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], ignore_conflicts=True
        )
        skills = [choice.value for choice in Skill]
        AgentProfile.objects.bulk_create(
            [
                AgentProfile(user=u, display_name=u.username, country="SE", languages=list(languages), skills=skills)
                for u in users
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        profiles = AgentProfile.objects.filter(user__in=users)
        profiles.update(
            status=AgentStatus.APPROVED, languages=list(languages), skills=skills, max_concurrent_chats=capacity
        )
        profile_ids = list(profiles.values_list("pk", flat=True))
        # A running shift for everyone who has none that lasts the next few hours.
        covered = set(
            ShiftClaim.objects.filter(
                agent_id__in=profile_ids,
                status=ClaimStatus.ACTIVE,
                starts_at__lte=now,
                ends_at__gt=now + timedelta(hours=3),
            ).values_list("agent_id", flat=True)
        )
        needing = [pk for pk in profile_ids if pk not in covered]
        if needing:
            ShiftClaim.objects.filter(agent_id__in=needing, status=ClaimStatus.ACTIVE).update(
                status=ClaimStatus.COMPLETED
            )
            slot = ShiftSlot.objects.create(
                starts_at=now - timedelta(minutes=30),
                ends_at=now + timedelta(hours=8),
                languages=list(languages),
                seats=len(needing),
                seats_taken=len(needing),
            )
            ShiftClaim.objects.bulk_create(
                [ShiftClaim(slot=slot, agent_id=pk, starts_at=slot.starts_at, ends_at=slot.ends_at) for pk in needing],
                batch_size=2000,
            )
        Presence.objects.bulk_create([Presence(agent_id=pk) for pk in profile_ids], ignore_conflicts=True)
        Presence.objects.filter(agent_id__in=profile_ids).update(
            online=True, last_heartbeat_at=now, went_online_at=now, offline_reason=""
        )
    return users


def queued_tickets_copy(
    *, count: int, marker: str, language: str = "en", seed: int = 7, spread_seconds: float = 3600
) -> None:
    """`count` tickets waiting in the human queue, written with COPY: the fields a handoff sets.

    Priorities and categories vary; queued_at is spread over the last `spread_seconds`.
    """
    import random
    import uuid
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from tickets.models import Category, Conversation, Priority

    rng = random.Random(seed)
    categories = [c.value for c in Category]
    priorities = [Priority.NORMAL] * 6 + [Priority.HIGH] * 3 + [Priority.URGENT]
    now = timezone.now()
    columns = [
        "public_id",
        "status",
        "customer_name",
        "customer_email",
        "language",
        "intent",
        "category",
        "required_skill",
        "priority",
        "handover_summary",
        "excluded_agent_ids",
        "bot_failures",
        "reopen_count",
        "last_seq",
        "resolution_code",
        "created_at",
        "updated_at",
        "queued_at",
        "sla_due_at",
    ]
    table = Conversation._meta.db_table
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(count):
                queued_at = now - timedelta(seconds=spread_seconds * (count - i) / count)
                copy.write_row(
                    (
                        uuid.UUID(int=rng.getrandbits(128), version=4),
                        "queued",
                        f"{marker} {i}",
                        "",
                        language,
                        "",
                        rng.choice(categories),
                        "",
                        rng.choice(priorities),
                        '{"request": "I want to talk to a person about a refund"}',
                        "[]",
                        0,
                        0,
                        0,
                        "",
                        queued_at,
                        queued_at,
                        queued_at,
                        queued_at + timedelta(seconds=60),
                    )
                )
        cursor.execute(f"ANALYZE {table}")


def tickets_delete(*, marker: str) -> int:
    """Remove a benchmark's conversations (customer_name starting with `marker`) and every row hanging off them."""
    from django.db import connection, transaction

    from payouts.models import LedgerEntry
    from tickets.models import Conversation

    table = Conversation._meta.db_table
    subquery = f"SELECT id FROM {table} WHERE customer_name LIKE %s"
    pattern = marker.replace("%", r"\%").replace("_", r"\_") + "%"
    with transaction.atomic(), connection.cursor() as cursor:
        # The ledger refuses deletes (an append-only trigger). These are the benchmark's own scratch rows,
        # so this one transaction runs with triggers off (superuser only; otherwise those cases stay).
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception:  # noqa: BLE001 - not a superuser
            ledger = LedgerEntry._meta.db_table
            subquery += f" AND id NOT IN (SELECT conversation_id FROM {ledger} WHERE conversation_id IS NOT NULL)"
        existing = set(connection.introspection.table_names(cursor))
        for related in Conversation._meta.related_objects:
            model = related.related_model
            if model._meta.db_table not in existing:
                continue  # a model whose migration is not written or applied yet
            column = model._meta.get_field(related.field.name).column
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} IN ({subquery})", [pattern])
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({subquery})", [pattern])
        return cursor.rowcount


def login_sessions(users: list) -> dict[int, str]:
    """A logged-in session for each user (what the login page would create), written in bulk; user id -> key."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    keys, rows = {}, []
    for user in users:
        key = keys[user.pk] = get_random_string(32)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        expires = timezone.now() + timedelta(hours=6)
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
    Session.objects.bulk_create(rows, batch_size=2000)
    return keys


def channel_layer_flush(redis_url: str) -> None:
    """Forget channel-layer groups and queues left by earlier runs (their sockets are long gone)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match="asgi*", count=1000):
        client.delete(key)


def triage_model_ensure() -> str:
    """Build the triage model now if it is not cached yet, as `make run` does before serving."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("triage_build", stdout=out)
    return out.getvalue().splitlines()[0] if out.getvalue() else ""


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the tables the benchmarks churn. Autovacuum may be off (it is on this machine's server):
    then every run's deleted rows stay behind as dead tuples that later queries wade through."""
    from django.db import connection

    from agents.models import AgentProfile, Presence, ShiftClaim
    from tickets.models import Conversation

    tables = {Conversation._meta.db_table, Presence._meta.db_table, AgentProfile._meta.db_table}
    tables |= {ShiftClaim._meta.db_table}
    tables |= {related.related_model._meta.db_table for related in Conversation._meta.related_objects}
    connection.close()
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in sorted(tables & existing):
            cursor.execute(f"VACUUM ANALYZE {table}")
    connection.close()
