"""B5 agent_api: the agents' hot REST endpoints under production server settings.

Server: uvicorn with several worker processes (not the dev server), DEBUG=0, the Redis
channel layer and cache, token authentication (DRF authtoken). 50 concurrent clients,
each an approved agent on shift with its own token and keep-alive connection, loop:

  - GET  /api/queue/                          the queue list (counts + the tickets I may take)
  - POST /api/queue/take-next, then
    POST /api/my/conversations/<id>/resolve   claim and resolve

Baseline, same server and run: a bare Django view returning constant JSON at /bench/bare,
added to the URLs only inside the benchmark's server (`bench.agent_api:application`),
measured before and after the queue list. Audited: no errors, no ticket claimed twice,
every claim resolved by the agent who made it.
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
    Children,
    Report,
    agents_on_shift,
    child_env,
    exit_on_sigterm,
    free_port,
    prepare_database,
    queued_tickets_copy,
    rate_card_ensure,
    setup_django,
    summary_ms,
    tickets_delete,
    vacuum_analyze,
    wait_for_port,
)

MARKER = "bench-agent-api"
AGENT_PREFIX = "bench-b5"
BARE_PATH = "/bench/bare"
HEARTBEAT_SECONDS = 15


# --- The benchmark's server: the product, plus one bare view ------------------------------------------


def bare_view(request):
    from django.http import JsonResponse

    return JsonResponse({"ok": True, "service": "klarna-gig", "version": 1})


def __getattr__(name: str):
    """`uvicorn bench.agent_api:application`: the product's ASGI app with /bench/bare added to its URLs."""
    if name != "application":
        raise AttributeError(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klarna_gig.settings")
    from django.urls import path

    from klarna_gig import asgi, urls

    # Same Django, same middleware, same server; only this one extra route.
    urls.urlpatterns.insert(0, path(BARE_PATH.lstrip("/"), bare_view))
    return asgi.application


# --- A small keep-alive HTTP/1.1 client (one connection per simulated agent) ------------------------


class HttpConnection:
    def __init__(self, port: int, token: str | None) -> None:
        self.port = port
        self.headers = f"Host: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
        if token:
            self.headers += f"Authorization: Token {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            await self.open()
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}"
        if method != "GET":
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and "close" in value.lower():
                close = True
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size + 2)
            content = data
        else:
            content = await self.reader.readexactly(length)
        if close:
            self.writer.close()
        return status, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class PhaseResult:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: Counter = Counter()
        self.claimed: list[tuple[int, int]] = []  # (agent user id, conversation id)
        self.elapsed = 0.0

    def record(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def figures(self) -> dict:
        out = {}
        for kind, values in self.latencies.items():
            out[kind] = {
                "requests": len(values),
                "req_per_s": round(len(values) / self.elapsed, 1),
                **summary_ms(values),
            }
        if self.errors:
            out["errors"] = dict(self.errors)
        return out


async def _run_phase(*, port: int, agents: list[tuple[int, str]], kind: str, seconds: float) -> PhaseResult:
    """All clients loop for `seconds`; latencies of requests that started in the window count."""
    result = PhaseResult()
    connections = [HttpConnection(port, token) for _, token in agents]
    await asyncio.gather(*(c.open() for c in connections))
    start = time.perf_counter()
    deadline = start + seconds

    async def timed(conn: HttpConnection, label: str, method: str, path: str, body: dict | None = None):
        began = time.perf_counter()
        try:
            status, content = await conn.request(method, path, body)
        except Exception as exc:  # noqa: BLE001 - counted as an error
            result.errors[f"{label}:{type(exc).__name__}"] += 1
            conn.close()
            return None, b""
        result.record(label, time.perf_counter() - began)
        if status >= 400:
            result.errors[f"{label}:{status}:{content[:120].decode('utf-8', 'replace')}"] += 1
        return status, content

    async def client(conn: HttpConnection, user_id: int) -> None:
        beat = float("-inf")
        while time.perf_counter() < deadline:
            if time.perf_counter() - beat > HEARTBEAT_SECONDS:
                # The workspace keeps an agent online with a heartbeat; so do these clients.
                await timed(conn, "heartbeat_post", "POST", "/api/presence/heartbeat")
                beat = time.perf_counter()
            if kind == "bare":
                await timed(conn, "bare_get", "GET", BARE_PATH)
            elif kind == "queue":
                await timed(conn, "queue_get", "GET", "/api/queue/")
            else:
                status, content = await timed(conn, "claim_post", "POST", "/api/queue/take-next")
                if status != 200:
                    await asyncio.sleep(0.01)
                    continue
                conversation_id = json.loads(content)["id"]
                result.claimed.append((user_id, conversation_id))
                await timed(
                    conn,
                    "resolve_post",
                    "POST",
                    f"/api/my/conversations/{conversation_id}/resolve",
                    {"resolution_code": "solved"},
                )

    await asyncio.gather(*(client(c, user_id) for c, (user_id, _) in zip(connections, agents, strict=True)))
    result.elapsed = time.perf_counter() - start
    for conn in connections:
        conn.close()
    return result


# --- The run ----------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench agent_api", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, finishes in well under 30 s")
    parser.add_argument("--clients", type=int, help="concurrent clients, one agent each (default 50; quick 10)")
    parser.add_argument("--queued", type=int, help="tickets waiting in the queue (default 5000; quick 500)")
    parser.add_argument("--seconds", type=float, help="length of each measured phase (default 15; quick 1.5)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2, one per core)")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the server (repeatable), e.g. DB_CONN_MAX_AGE=0",
    )
    args = parser.parse_args(argv)
    if args.clients is None:
        args.clients = 10 if args.quick else 50
    try:
        args.server_env = dict(item.split("=", 1) for item in args.server_env)
    except ValueError:
        parser.error("--server-env takes NAME=VALUE")
    if args.queued is None:
        args.queued = 500 if args.quick else 5000
    if args.seconds is None:
        args.seconds = 1.5 if args.quick else 15.0
    if args.clients < 1 or args.queued < 1 or args.workers < 1:
        parser.error("clients, queued and workers must be positive")
    return args


def _tokens(users: list) -> list[tuple[int, str]]:
    from rest_framework.authtoken.models import Token

    return [(u.pk, Token.objects.get_or_create(user=u)[0].key) for u in users]


def _audit(report: Report, claimed: list[tuple[int, int]], errors: int) -> dict:
    from django.db.models import Count

    from tickets.models import Conversation, ConversationEvent, Status

    mine = Conversation.objects.filter(customer_name__startswith=MARKER)
    ids = [pk for _, pk in claimed]
    doubles_client = len(ids) - len(set(ids))
    doubles_db = (
        ConversationEvent.objects.filter(conversation__in=mine, to_status=Status.ASSIGNED)
        .values("conversation")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    resolved = dict(mine.filter(status=Status.RESOLVED).values_list("pk", "assigned_agent_id"))
    wrong = sum(1 for agent, pk in claimed if resolved.get(pk) != agent)
    left_assigned = mine.filter(status=Status.ASSIGNED).count()
    audit = {
        "double_claims_client": doubles_client,
        "double_claims_db": doubles_db,
        "claims_not_resolved_by_their_agent": wrong,
        "left_assigned": left_assigned,
        "errors": errors,
    }
    if doubles_client or doubles_db:
        report.fail(f"double claims: {doubles_client} seen by clients, {doubles_db} in the event log")
    if wrong:
        report.fail(f"{wrong} claimed tickets not resolved by the agent who claimed them")
    if errors:
        report.fail(f"{errors} requests failed")
    return audit


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    setup_django()
    prepare_database()
    report = Report("agent_api")
    report.figures["mode"] = "quick" if args.quick else "full"
    report.figures["clients"] = args.clients
    report.figures["server"] = f"uvicorn, {args.workers} workers, DEBUG=0, httptools, uvloop"
    if args.server_env:
        report.figures["server_env"] = args.server_env

    tickets_delete(marker=MARKER)
    rate_card_ensure()
    users = agents_on_shift(prefix=AGENT_PREFIX, count=args.clients, capacity=3)
    agents = _tokens(users)
    queued_tickets_copy(count=args.queued, marker=MARKER)
    vacuum_analyze()
    report.figures["queued_tickets"] = args.queued

    from django.db import connection

    connection.close()
    port = free_port()
    logs = tempfile.mkdtemp(prefix="bench-agent-api-")
    with Children() as children:
        server = children.start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.agent_api:application",
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
                "--loop",
                "uvloop",
                "--http",
                "httptools",
            ],
            env=child_env(**{**WEB_ENV, **args.server_env}),
            log_path=os.path.join(logs, "server.log"),
        )
        wait_for_port(port, process=server)
        # Warm every worker and endpoint (imports, connections, first queries) outside the measurement.
        warm = 0.5 if args.quick else 2.0
        asyncio.run(_run_phase(port=port, agents=agents, kind="bare", seconds=warm))
        asyncio.run(_run_phase(port=port, agents=agents, kind="queue", seconds=warm))
        phases = {}
        for name, kind in (("bare_before", "bare"), ("queue_list", "queue"), ("bare_after", "bare")):
            phases[name] = asyncio.run(_run_phase(port=port, agents=agents, kind=kind, seconds=args.seconds))
        phases["claim_resolve"] = asyncio.run(_run_phase(port=port, agents=agents, kind="claim", seconds=args.seconds))
    report.figures["server_log"] = os.path.join(logs, "server.log")
    for name, result in phases.items():
        report.figures[name] = result.figures()

    bare_rps = (
        phases["bare_before"].figures()["bare_get"]["req_per_s"]
        + phases["bare_after"].figures()["bare_get"]["req_per_s"]
    ) / 2
    queue = phases["queue_list"].figures()["queue_get"]
    claim = phases["claim_resolve"].figures()
    report.figures["baseline_bare_view_req_per_s"] = round(bare_rps, 1)
    report.figures["queue_get_vs_bare"] = round(queue["req_per_s"] / bare_rps, 3)
    errors = sum(sum(result.errors.values()) for result in phases.values())
    report.figures["audit"] = _audit(report, phases["claim_resolve"].claimed, errors)

    p99s = {
        "queue GET": queue["p99_ms"],
        "claim POST": claim.get("claim_post", {}).get("p99_ms", float("nan")),
        "resolve POST": claim.get("resolve_post", {}).get("p99_ms", float("nan")),
    }
    report.target(
        "GET queue >= 0.35 x bare view req/s",
        queue["req_per_s"] >= 0.35 * bare_rps,
        f"{queue['req_per_s']:.0f} vs {bare_rps:.0f}",
    )
    for label, p99 in p99s.items():
        report.target(f"p99 {label} <= 50 ms", p99 <= 50, f"{p99:.1f} ms")
    report.target("0 errors", errors == 0, str(errors))
    tickets_delete(marker=MARKER)
    return report.emit()
