"""Web servers reuse database connections through a pool (DB_POOL_MAX_SIZE), instead of opening one per
request: under ASGI each request's sync code runs in a new thread, so per-thread connections can't be reused."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# Six threads, five requests each; every request ends by closing its connection, as Django does.
PROBE = """
import json, threading, django
django.setup()
from django.conf import settings
from django.db import connection, connections
backends = []
def requests():
    for _ in range(5):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.append(cursor.fetchone()[0])
        connections.close_all()
threads = [threading.Thread(target=requests) for _ in range(6)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps({"requests": len(backends), "backends": len(set(backends)),
                  "pool": settings.DATABASES["default"].get("OPTIONS", {}).get("pool")}))
"""


def _requests_in_threads(**env: str) -> dict:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"  # the test database
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "klarna_gig.settings", "DATABASE_URL": url, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_with_a_pool_thirty_requests_share_at_most_its_size_of_connections():
    probe = _requests_in_threads(DB_POOL_MAX_SIZE="2")
    assert probe["requests"] == 30
    assert 1 <= probe["backends"] <= 2
    assert probe["pool"]["max_size"] == 2


@pytest.mark.django_db(transaction=True)
def test_without_a_pool_each_request_opens_its_own_connection():
    probe = _requests_in_threads(DB_POOL_MAX_SIZE="0", DB_CONN_MAX_AGE="0")
    assert probe["requests"] == 30
    assert probe["backends"] == 30
    assert probe["pool"] is None
