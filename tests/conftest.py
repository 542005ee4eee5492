"""Suite-wide fixtures. The suite runs against real PostgreSQL and Redis, never stand-ins."""

import inspect
import os
import socket
from urllib.parse import urlparse, urlunparse

import pytest


def _redis_db_for_this_worker() -> None:
    """Parallel workers (pytest-xdist) each get their own Redis database.

    They share one Redis server; flushing the cache or naming a channel-layer group
    ("conversation.5") must not reach into another worker's tests. Runs at import,
    before Django reads its settings.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not worker.startswith("gw") or not url.startswith("redis://"):
        return
    parsed = urlparse(url)
    base = int(parsed.path.lstrip("/") or 0)
    db = (base + 1 + int(worker[2:])) % 16
    os.environ["REDIS_URL"] = urlunparse(parsed._replace(path=f"/{db}"))


_redis_db_for_this_worker()


def _unreachable(url: str, default_port: int) -> str | None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return None
    except OSError as exc:
        return f"{host}:{port} ({exc})"


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run without PostgreSQL and Redis: a loud failure, never a silent skip."""
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL (run the suite with `make test`).")
    elif where := _unreachable(database_url, 5432):
        problems.append(f"PostgreSQL is not reachable at {where}: start it or set DATABASE_URL.")
    if not redis_url.startswith("redis://"):
        problems.append("REDIS_URL must point at Redis (run the suite with `make test`).")
    elif where := _unreachable(redis_url, 6379):
        problems.append(f"Redis is not reachable at {where}: start it or set REDIS_URL.")
    if problems:
        raise pytest.UsageError("The test suite needs real services:\n  - " + "\n  - ".join(problems))


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel-layer instance: one bound to a finished test's event loop
    refuses a new loop ("Two event loops are trying to receive() on one channel layer")."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _clean_cache():
    """Tests share one Redis database; each starts with an empty cache."""
    from django.core.cache import cache

    cache.clear()
    yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser journeys carry the `e2e` mark and run last, after every in-process test."""
    journeys = [item for item in items if "/tests/e2e/" in str(item.path)]
    for item in journeys:
        item.add_marker(pytest.mark.e2e)
        item.add_marker(pytest.mark.xdist_group("e2e"))  # one server stage, in one worker
    for item in items:
        if "/tests/bench/" in str(item.path):
            item.add_marker(pytest.mark.xdist_group("bench"))  # the benchmarks share one scratch database
    items[:] = [item for item in items if item not in journeys] + journeys
    _close_sockets_left_open(items)


def _close_sockets_left_open(items: list[pytest.Item]) -> None:
    """Async tests close any websocket they left open (see tests/live_sockets.py) before their loop ends."""
    from tests.live_sockets import closing_leftovers

    for item in items:
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.obj):
            item.obj = closing_leftovers(item.obj)
