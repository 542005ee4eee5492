"""B2 chat_fanout: live conversations over real websockets on the real ASGI app.

N conversations, each with a customer socket (/ws/chat/<public_id>/?token=…) and an agent
socket (/ws/agent/, session cookie), on uvicorn worker processes with the Redis channel
layer. Each conversation is assigned to its agent through the claim service first. Every
conversation sends one 256-byte message every 5 s, alternately from the customer and the
agent, through the chat protocol (hello/ready resume, message → ack, pushed message frames);
every message is persisted. One-way latency: send → the other side receives the frame.

N is stepped up (bounded in steps and time) until p99 passes 250 ms; the report names the
largest N that kept p99 ≤ 250 ms, and the server's CPU while all sockets sit idle.

Baseline, same run and same clients: a bare websocket relay through Redis pub/sub
(`websockets` + `redis.asyncio`, in this file), as many processes as the app's workers.

Audited: every acknowledged message reaches the other side exactly once and in sequence
order, nothing is acknowledged twice or not at all, and the database holds exactly the
acknowledged messages with gap-free sequence numbers.
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench.common import (
    WEB_ENV,
    Children,
    Report,
    agents_on_shift,
    channel_layer_flush,
    child_env,
    die_with_parent,
    exit_on_sigterm,
    free_port,
    login_sessions,
    prepare_database,
    queued_tickets_copy,
    raise_open_files_limit,
    setup_django,
    summary_ms,
    tickets_delete,
    vacuum_analyze,
    wait_for_port,
)

MARKER = "bench-chat-fanout"
AGENT_PREFIX = "bench-b2"
BODY = ("Hello, this is about my last payment and the refund that was promised to me last week. " * 4)[:256]
P99_LIMIT_MS = 250.0


# --- The baseline: a bare relay through Redis pub/sub -----------------------------------------------------


async def _relay(port: int, redis_url: str) -> None:
    import redis.asyncio as aioredis
    from websockets.asyncio.server import serve

    publisher = aioredis.from_url(redis_url)
    subscriber = aioredis.from_url(redis_url)
    pubsub = subscriber.pubsub(ignore_subscribe_messages=True)
    await pubsub.psubscribe("relay.*")
    local: dict[bytes, set] = {}

    async def forward() -> None:
        async for message in pubsub.listen():
            for ws in list(local.get(message["channel"], ())):
                try:
                    await ws.send(message["data"].decode())
                except Exception:  # noqa: BLE001 - a closed socket just misses it, like a real relay
                    continue

    async def handler(ws) -> None:
        conversation = ws.request.path.strip("/").split("/")[1]
        channel = f"relay.{conversation}".encode()
        local.setdefault(channel, set()).add(ws)
        try:
            async for text in ws:
                await publisher.publish(channel, text)
        finally:
            local[channel].discard(ws)

    forwarder = asyncio.ensure_future(forward())
    async with serve(handler, "127.0.0.1", port, reuse_port=True, compression=None, ping_interval=None, max_size=2**20):
        # SIGTERM ends the relay at once (the forwarder would otherwise listen forever).
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, forwarder.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await forwarder


def relay_main(argv: list[str]) -> None:
    """`python -c "from bench.chat_fanout import relay_main; relay_main([PORT, REDIS_URL])"`."""
    raise_open_files_limit()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_relay(int(argv[0]), argv[1]))


# --- The clients: one process holds many conversations, both ends of each -------------------------------


class ClientState:
    def __init__(self) -> None:
        self.sent: dict[str, tuple[float, str, int]] = {}  # client_msg_id -> (sent at, side, conversation)
        self.acked: Counter = Counter()
        self.delivered: Counter = Counter()  # to the other side
        self.echoed: Counter = Counter()  # back to the sender's own socket
        self.latencies: list[float] = []
        self.duplicates = 0
        self.gaps = 0
        self.errors: Counter = Counter()
        self.closed_by_server: Counter = Counter()  # sockets the server closed while we used them
        self.last_seq: dict[tuple[int, str], int] = {}
        self.ready: dict[tuple[int, str], asyncio.Event] = {}

    def on_frame(self, conversation_id: int, side: str, frame: dict, mode: str) -> None:
        kind = frame.get("type")
        if kind == "message":
            received = time.perf_counter()
            key = (conversation_id, side)
            if mode == "app":
                seq, last = frame["seq"], self.last_seq.get(key, 0)
                if seq <= last:
                    self.duplicates += 1
                    return
                if seq > last + 1:
                    self.gaps += seq - last - 1
                self.last_seq[key] = seq
            client_msg_id = frame.get("client_msg_id")
            sent = self.sent.get(client_msg_id)
            if sent is None:
                return
            if sent[1] == side:
                self.echoed[client_msg_id] += 1
                if mode == "relay" and self.echoed[client_msg_id] > 1:
                    self.duplicates += 1
                return
            self.delivered[client_msg_id] += 1
            if self.delivered[client_msg_id] == 1:
                self.latencies.append(received - sent[0])
            elif mode == "relay":
                self.duplicates += 1
        elif kind == "ack":
            self.acked[frame["client_msg_id"]] += 1
        elif kind == "ready":
            self.last_seq[(conversation_id, side)] = frame["last_seq"]
            event = self.ready.get((conversation_id, side))
            if event is not None:
                event.set()
        elif kind == "error":
            self.errors[frame.get("code", "?")] += 1


class Clients:
    """The sockets of one client process and the commands the coordinator sends it."""

    def __init__(self) -> None:
        self.state = ClientState()
        self.sockets: list = []
        self.customer: dict[int, object] = {}
        self.agents: dict[int, object] = {}  # agent user id -> socket
        self.agent_locks: dict[int, asyncio.Lock] = {}
        self.conversations: dict[int, dict] = {}
        self.gate = asyncio.Semaphore(64)
        self.mode = "app"
        self.port = 0
        self.closing = False
        self.generation = 0
        self.tasks: set[asyncio.Task] = set()

    def _spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _open(self, path: str, headers: dict | None = None):
        from websockets.asyncio.client import connect

        return await connect(
            f"ws://127.0.0.1:{self.port}{path}",
            origin=f"http://127.0.0.1:{self.port}",
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            open_timeout=120,
            close_timeout=5,
            max_size=2**22,
            max_queue=None,
            proxy=None,
        )

    async def _read(self, ws, side: str, conversation_id: int | None) -> None:
        generation = self.generation
        try:
            async for text in ws:
                frame = json.loads(text)
                conv = conversation_id if conversation_id is not None else frame.get("conversation")
                if side == "agent" and frame.get("type") == "welcome":
                    self.state.ready[(0, f"welcome-{id(ws)}")].set()
                    continue
                self.state.on_frame(conv, side, frame, self.mode)
        except Exception:  # noqa: BLE001 - a closed socket ends its reader
            pass
        if not self.closing and generation == self.generation:
            self.state.closed_by_server[f"{side}:{ws.close_code}"] += 1

    async def _agent_socket(self, spec: dict):
        agent_id = spec["agent"]
        lock = self.agent_locks.setdefault(agent_id, asyncio.Lock())
        async with lock:
            if agent_id not in self.agents:
                if self.mode == "app":
                    ws = await self._open("/ws/agent/", {"Cookie": f"sessionid={spec['session']}"})
                    welcome = self.state.ready.setdefault((0, f"welcome-{id(ws)}"), asyncio.Event())
                    self._spawn(self._read(ws, "agent", None))
                    await asyncio.wait_for(welcome.wait(), 120)
                else:
                    ws = await self._open(f"/relay/{spec['id']}/agent")
                    self._spawn(self._read(ws, "agent", spec["id"]))
                self.agents[agent_id] = ws
                self.sockets.append(ws)
            return self.agents[agent_id]

    async def _connect_one(self, spec: dict) -> None:
        conv = spec["id"]
        async with self.gate:
            if self.mode == "app":
                customer = await self._open(f"/ws/chat/{spec['public_id']}/?token={spec['token']}")
            else:
                customer = await self._open(f"/relay/{conv}/customer")
            self.sockets.append(customer)
            self.customer[conv] = customer
            self._spawn(self._read(customer, "customer", conv))
            agent = await self._agent_socket(spec)
            self.conversations[conv] = spec
            if self.mode == "app":
                events = [self.state.ready.setdefault((conv, side), asyncio.Event()) for side in ("customer", "agent")]
                await customer.send(json.dumps({"type": "hello", "last_seq": 0}))
                await agent.send(json.dumps({"type": "hello", "conversation": conv, "last_seq": 0}))
                await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 120)

    async def connect(self, mode: str, port: int, specs: list[dict]) -> dict:
        self.mode, self.port = mode, port
        started = time.perf_counter()
        results = await asyncio.gather(*(self._connect_one(s) for s in specs), return_exceptions=True)
        failures = Counter(type(r).__name__ + ":" + str(r)[:80] for r in results if isinstance(r, BaseException))
        return {"seconds": time.perf_counter() - started, "failures": dict(failures)}

    async def _talk(self, conv: int, tag: str, start: float, end: float, period: float, offset: float) -> None:
        spec = self.conversations[conv]
        k = 0
        while True:
            due = start + offset + k * period
            if due >= end:
                return
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            side = "customer" if k % 2 == 0 else "agent"
            client_msg_id = f"{tag}-{conv}-{k}"
            frame = {"type": "message", "client_msg_id": client_msg_id, "body": BODY}
            if side == "agent":
                frame["conversation"] = conv
                ws = self.agents[spec["agent"]]
            else:
                ws = self.customer[conv]
            self.state.sent[client_msg_id] = (time.perf_counter(), side, conv)
            try:
                await ws.send(json.dumps(frame))
            except Exception as exc:  # noqa: BLE001 - counted; the audit sees the message missing
                self.state.errors[f"send:{type(exc).__name__}"] += 1
            k += 1

    def _outstanding(self, ids: list[str]) -> int:
        state = self.state
        missing = sum(1 for i in ids if not state.delivered[i])
        if self.mode == "app":
            missing += sum(1 for i in ids if not state.acked[i] or not state.echoed[i])
        return missing

    async def run(self, tag: str, start_wall: float, seconds: float, period: float, drain: float) -> dict:
        import random

        rng = random.Random(tag)
        self.state.latencies = []
        before = set(self.state.sent)
        start = time.perf_counter() + max(0.0, start_wall - time.time())
        end = start + seconds
        await asyncio.gather(
            *(self._talk(c, tag, start, end, period, rng.uniform(0, period)) for c in sorted(self.conversations))
        )
        ids = [i for i in self.state.sent if i not in before]
        # Late is not lost: wait while messages still arrive; give up after `drain` s without progress.
        outstanding, progress_at, hard_stop = self._outstanding(ids), time.perf_counter(), time.perf_counter() + 600
        while outstanding and time.perf_counter() - progress_at < drain and time.perf_counter() < hard_stop:
            await asyncio.sleep(0.1)
            now_outstanding = self._outstanding(ids)
            if now_outstanding < outstanding:
                progress_at = time.perf_counter()
            outstanding = now_outstanding
        state = self.state
        return {
            "sent": len(ids),
            "latencies": state.latencies,
            "acked": sum(1 for i in ids if state.acked[i]),
            "acked_twice": sum(1 for i in ids if state.acked[i] > 1),
            "not_delivered": sum(1 for i in ids if not state.delivered[i]),
            "delivered_twice": sum(1 for i in ids if state.delivered[i] > 1),
            "not_echoed": sum(1 for i in ids if not state.echoed[i]) if self.mode == "app" else 0,
            "duplicates": state.duplicates,
            "gaps": state.gaps,
            "errors": dict(state.errors),
            "sockets_closed_by_server": sum(state.closed_by_server.values()),
        }

    async def close(self) -> dict:
        self.closing = True
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        await asyncio.sleep(0.2)  # let the readers see their sockets close
        generation = self.generation + 1
        self.__init__()
        self.generation = generation
        return {"closed": True}

    async def serve(self, commands, results) -> None:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=1) as pool:
            while True:
                command = await loop.run_in_executor(pool, commands.get)
                if command is None:
                    return
                name, *rest = command
                try:
                    results.put(await getattr(self, name)(*rest))
                except Exception as exc:  # noqa: BLE001 - the coordinator reports it
                    results.put({"exception": f"{type(exc).__name__}: {exc}"})


def _client_process(commands, results) -> None:
    die_with_parent()
    raise_open_files_limit()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(Clients().serve(commands, results))


class ClientProcesses:
    def __init__(self, count: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.results = ctx.Queue()
        self.commands = [ctx.Queue() for _ in range(count)]
        self.processes = [
            ctx.Process(target=_client_process, args=(q, self.results), daemon=True) for q in self.commands
        ]
        for process in self.processes:
            process.start()

    def ask(self, per_process: list[tuple], timeout: float) -> list[dict]:
        for queue, command in zip(self.commands, per_process, strict=True):
            queue.put(command)
        answers = [self.results.get(timeout=timeout) for _ in per_process]
        for answer in answers:
            if isinstance(answer, dict) and "exception" in answer:
                raise RuntimeError(f"client process failed: {answer['exception']}")
        return answers

    def close(self) -> None:
        for queue in self.commands:
            queue.put(None)
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()


# --- Set-up: conversations assigned through the claim service, sessions, tokens ---------------------------


def _prepare(n: int, chats_per_agent: int) -> list[dict]:
    """N conversations, each claimed by its agent through the claim service; the sockets' credentials."""
    from django.db import connection
    from django.utils import timezone

    from agents.models import Presence
    from tickets.models import Conversation
    from tickets.services import claims
    from tickets.tokens import customer_token_for

    agent_count = -(-n // chats_per_agent)
    users = agents_on_shift(prefix=AGENT_PREFIX, count=agent_count, capacity=max(3, chats_per_agent))
    queued_tickets_copy(count=n, marker=MARKER)
    conversations = list(Conversation.objects.filter(customer_name__startswith=MARKER).order_by("pk"))
    owners = [users[i // chats_per_agent] for i in range(n)]

    def claim(pair) -> None:
        user, conversation = pair
        try:
            claims.claim_ticket(agent=user, conversation=conversation)
        finally:
            connection.close()

    batch = 400
    for first in range(0, n, batch):
        # Claims need a fresh heartbeat; keep the agents' presence fresh while the set-up runs.
        Presence.objects.filter(agent__user__in=users).update(online=True, last_heartbeat_at=timezone.now())
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(claim, list(zip(owners, conversations, strict=True))[first : first + batch]))
    sessions = login_sessions(users)
    return [
        {
            "id": conv.pk,
            "public_id": str(conv.public_id),
            "token": customer_token_for(conversation=conv),
            "agent": owner.pk,
            "session": sessions[owner.pk],
        }
        for conv, owner in zip(conversations, owners, strict=True)
    ]


# --- Measuring ---------------------------------------------------------------------------------------------


def _cpu_of(pids: list[int], seconds: float) -> dict:
    import psutil

    processes = []
    for pid in pids:
        try:
            parent = psutil.Process(pid)
            processes += [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    for process in processes:
        process.cpu_percent(None)
    psutil.cpu_percent(None)
    time.sleep(seconds)
    own = 0.0
    for process in processes:
        try:
            own += process.cpu_percent(None)
        except psutil.NoSuchProcess:
            continue
    return {"server_cpu_percent_of_one_core": round(own, 1), "machine_cpu_percent": psutil.cpu_percent(None)}


def _tracebacks(path: str) -> dict:
    """Tracebacks in a server log so far, and the exceptions they ended with."""
    with open(path) as log:
        lines = log.read().splitlines()
    ends = Counter()
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            following = next((x for x in lines[index + 1 :] if x and not x.startswith((" ", "Traceback"))), "?")
            ends[following[:120]] += 1
    return {"count": sum(ends.values()), "exceptions": dict(ends)}


def _split(specs: list[dict], processes: int) -> list[list[dict]]:
    """Both ends of a conversation, and all of an agent's conversations, live in one client process."""
    out: list[list[dict]] = [[] for _ in range(processes)]
    for spec in specs:
        out[spec["agent"] % processes].append(spec)
    return out


def _step(clients: ClientProcesses, *, tag: str, seconds: float, period: float, drain: float) -> dict:
    start = time.time() + 1.0
    answers = clients.ask([("run", tag, start, seconds, period, drain)] * len(clients.commands), timeout=seconds + 900)
    latencies = [x for a in answers for x in a["latencies"]]
    figures = {key: sum(a[key] for a in answers) for key in answers[0] if key not in ("latencies", "errors")}
    errors: Counter = Counter()
    for answer in answers:
        errors.update(answer["errors"])
    figures.update(summary_ms(latencies))
    figures["messages_per_s"] = round(figures["sent"] / seconds, 1)
    if errors:
        figures["errors"] = dict(errors)
    return figures


def _step_failures(name: str, figures: dict, mode: str) -> list[str]:
    problems = []
    keys = (
        "not_delivered",
        "delivered_twice",
        "duplicates",
        "gaps",
        "acked_twice",
        "not_echoed",
        "sockets_closed_by_server",
    )
    for key in keys:
        if figures.get(key):
            problems.append(f"{name}: {figures[key]} messages {key.replace('_', ' ')}")
    if mode == "app" and figures["acked"] != figures["sent"]:
        problems.append(f"{name}: {figures['sent'] - figures['acked']} messages never acknowledged")
    if figures.get("errors"):
        problems.append(f"{name}: error frames {figures['errors']}")
    return problems


def _audit_database(report: Report, acked_total: int) -> dict:
    from django.db.models import Count, Max

    from tickets.models import Conversation, Message

    mine = Conversation.objects.filter(customer_name__startswith=MARKER)
    per_conversation = (
        Message.objects.filter(conversation__in=mine).values("conversation").annotate(n=Count("pk"), top=Max("seq"))
    )
    stored = 0
    broken = 0
    last_seq = dict(mine.values_list("pk", "last_seq"))
    for row in per_conversation:
        stored += row["n"]
        if row["n"] != row["top"] or row["top"] != last_seq[row["conversation"]]:
            broken += 1
    audit = {"messages_stored": stored, "messages_acknowledged": acked_total, "conversations_with_seq_gaps": broken}
    if stored != acked_total:
        report.fail(f"the database holds {stored} messages but {acked_total} were acknowledged")
    if broken:
        report.fail(f"{broken} conversations have gaps or repeats in their message sequence")
    return audit


# --- The run ----------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench chat_fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, finishes in well under 30 s")
    parser.add_argument("--steps", help="conversation counts to step through (default 50,100,250,…,1000,2000,…,5000)")
    parser.add_argument(
        "--measure-through",
        type=int,
        help="keep stepping up to this N even past p99 > 250 ms, for the targets at 1000 (default 1000; quick 0)",
    )
    parser.add_argument("--relay-n", type=int, help="conversations for the relay baseline (default 1000; quick 20)")
    parser.add_argument("--seconds", type=float, help="messaging time per step (default 20; quick 2)")
    parser.add_argument("--period", type=float, help="seconds between a conversation's messages (default 5; quick 1)")
    parser.add_argument("--idle-seconds", type=float, help="idle CPU measurement per step (default 5; quick 0.5)")
    parser.add_argument(
        "--drain",
        type=float,
        help="after a step, messages still missing when none has arrived for this long are lost (default 30; quick 5)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers, and relay processes (default 2)")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--chats-per-agent", type=int, default=1, help="conversations per agent socket (default 1)")
    parser.add_argument("--budget-seconds", type=float, help="no new step starts after this (default 900; quick 25)")
    args = parser.parse_args(argv)
    quick = args.quick
    default_steps = "20" if quick else "50,100,250,500,1000,2000,3000,4000,5000"
    args.steps = [int(n) for n in (args.steps or default_steps).split(",")]
    if args.measure_through is None:
        args.measure_through = 0 if quick else 1000
    args.relay_n = args.relay_n or (20 if quick else 1000)
    args.seconds = args.seconds or (2.0 if quick else 20.0)
    args.period = args.period or (1.0 if quick else 5.0)
    args.idle_seconds = args.idle_seconds if args.idle_seconds is not None else (0.5 if quick else 5.0)
    args.budget_seconds = args.budget_seconds or (25.0 if quick else 900.0)
    args.drain = args.drain if args.drain is not None else (5.0 if quick else 30.0)
    if min([*args.steps, args.relay_n, args.workers, args.client_processes, args.chats_per_agent]) < 1:
        parser.error("counts must be positive")
    args.steps = sorted(set(args.steps))
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    began = time.monotonic()
    limit = raise_open_files_limit()
    setup_django()
    prepare_database()
    report = Report("chat_fanout")
    report.figures["mode"] = "quick" if args.quick else "full"
    report.figures["open_files_limit"] = limit
    report.figures["server"] = f"uvicorn klarna_gig.asgi, {args.workers} workers, Redis channel layer, DEBUG=0"
    report.figures["message"] = f"{len(BODY)} bytes every {args.period:g} s per conversation, alternating sides"

    redis_url = os.environ["REDIS_URL"]
    channel_layer_flush(redis_url)
    tickets_delete(marker=MARKER)
    n_max = max(max(args.steps), args.relay_n)
    started = time.perf_counter()
    specs = _prepare(n_max, args.chats_per_agent)
    vacuum_analyze()
    report.figures["setup_seconds"] = round(time.perf_counter() - started, 1)

    from django.db import connection

    connection.close()
    logs = tempfile.mkdtemp(prefix="bench-chat-fanout-")
    clients = ClientProcesses(args.client_processes)
    steps: dict[str, dict] = {}
    try:
        # Baseline: the bare relay, same clients.
        with Children() as children:
            port = free_port()
            for index in range(args.workers):
                relay = children.start(
                    [
                        sys.executable,
                        "-c",
                        "import sys; from bench.chat_fanout import relay_main; relay_main(sys.argv[1:])",
                        str(port),
                        redis_url,
                    ],
                    env=child_env(),
                    log_path=os.path.join(logs, f"relay-{index}.log"),
                )
            wait_for_port(port, process=relay)
            time.sleep(0.5)  # every relay process is listening (they share the port)
            subset = specs[: args.relay_n]
            connected = clients.ask(
                [("connect", "relay", port, part) for part in _split(subset, args.client_processes)], timeout=600
            )
            relay_figures = _step(
                clients, tag=f"r{int(time.time())}", seconds=args.seconds, period=args.period, drain=args.drain
            )
            relay_figures["connect_seconds"] = round(max(c["seconds"] for c in connected), 2)
            relay_figures["conversations"] = len(subset)
            clients.ask([("close",)] * args.client_processes, timeout=120)
        report.figures["baseline_relay"] = relay_figures

        # The product.
        with Children() as children:
            port = free_port()
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
                    "--loop",
                    "uvloop",
                    "--http",
                    "httptools",
                ],
                env=child_env(**WEB_ENV),
                log_path=os.path.join(logs, "server.log"),
            )
            wait_for_port(port, process=server)
            connected_n = 0
            for n in args.steps:
                if time.monotonic() - began > args.budget_seconds:
                    report.figures["stopped"] = f"time budget of {args.budget_seconds:g} s reached before N={n}"
                    break
                new = specs[connected_n:n]
                connected = clients.ask(
                    [("connect", "app", port, part) for part in _split(new, args.client_processes)], timeout=1800
                )
                failures: Counter = Counter()
                for answer in connected:
                    failures.update(answer["failures"])
                connected_n = n
                figures = {
                    "conversations": n,
                    "sockets": 2 * n if args.chats_per_agent == 1 else n + -(-n // args.chats_per_agent),
                    "connect_seconds": round(max(c["seconds"] for c in connected), 2),
                }
                if failures:
                    figures["connect_failures"] = dict(failures)
                    report.fail(f"N={n}: sockets failed to open: {dict(failures)}")
                    steps[f"n_{n}"] = figures
                    break
                figures["idle"] = _cpu_of([server.pid], args.idle_seconds)
                figures.update(
                    _step(
                        clients,
                        tag=f"s{n}-{int(time.time())}",
                        seconds=args.seconds,
                        period=args.period,
                        drain=args.drain,
                    )
                )
                steps[f"n_{n}"] = figures
                for problem in _step_failures(f"N={n}", figures, "app"):
                    report.fail(problem)
                if figures["p99_ms"] > P99_LIMIT_MS and n >= args.measure_through:
                    break
            during_run = _tracebacks(os.path.join(logs, "server.log"))
            clients.ask([("close",)] * args.client_processes, timeout=300)
    finally:
        clients.close()
    report.figures["steps"] = steps
    report.figures["logs"] = logs
    report.figures["server_tracebacks_while_measuring"] = during_run
    # Reported, not failed: the messages were all delivered; these are the server's own disconnect errors.
    after = Counter(_tracebacks(os.path.join(logs, "server.log"))["exceptions"])
    after.subtract(during_run["exceptions"])
    report.figures["server_tracebacks_when_sockets_closed"] = {name: n for name, n in after.items() if n}
    if during_run["count"]:
        report.fail(f"{during_run['count']} tracebacks in the server log while measuring ({logs}/server.log)")

    acked = sum(step.get("acked", 0) for step in steps.values())
    report.figures["audit"] = _audit_database(report, acked)

    passing = [s["conversations"] for s in steps.values() if s.get("p99_ms", float("inf")) <= P99_LIMIT_MS]
    largest = max(passing) if passing else 0
    report.figures["largest_n_with_p99_within_250_ms"] = largest
    reference = next((s for s in steps.values() if s["conversations"] == 1000), None)
    if reference is None and steps:
        reference = list(steps.values())[-1] if args.quick else None
    relay_p99 = relay_figures["p99_ms"]
    if reference is not None and "p99_ms" in reference:
        label = f"at {reference['conversations']} conversations"
        report.target(f"p50 <= 10 ms {label}", reference["p50_ms"] <= 10, f"{reference['p50_ms']:.1f} ms")
        report.target(f"p99 <= 50 ms {label}", reference["p99_ms"] <= 50, f"{reference['p99_ms']:.1f} ms")
        report.target(
            "p99 <= 5 x relay p99",
            reference["p99_ms"] <= 5 * relay_p99,
            f"{reference['p99_ms']:.1f} vs {relay_p99:.1f} ms",
        )
        report.figures["p99_vs_relay"] = round(reference["p99_ms"] / relay_p99, 2) if relay_p99 else None
    else:
        report.target("p99 <= 50 ms at 1000 conversations", False, "not reached")
    report.target("largest N with p99 <= 250 ms >= 5000", largest >= 5000, str(largest))
    report.target("0 lost or duplicated messages", not report.failures, "0" if not report.failures else "see failures")
    all_latencies = [s["p99_ms"] for s in steps.values() if "p99_ms" in s]
    report.figures["worst_step_p99_ms"] = round(max(all_latencies), 3) if all_latencies else None
    tickets_delete(marker=MARKER)
    return report.emit()
