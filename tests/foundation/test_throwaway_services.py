"""Where nothing listens at the configured addresses, the suite starts its own PostgreSQL and Redis."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import os, psycopg, redis; from urllib.parse import urlparse; u = urlparse(os.environ['DATABASE_URL']); "
    "c = psycopg.connect(host=u.hostname, port=u.port, user='postgres', dbname='postgres'); "
    "print('pg', c.execute('select 1').fetchone()[0]); "
    "print('redis', redis.Redis.from_url(os.environ['REDIS_URL']).ping())"
)


def test_unreachable_services_are_replaced_by_throwaway_instances():
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/klarna_gig",
        "REDIS_URL": "redis://127.0.0.1:2/9",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.services", sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "starting a throwaway instance" in result.stdout
    assert "pg 1" in result.stdout
    assert "redis True" in result.stdout
