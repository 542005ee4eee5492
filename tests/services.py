"""Make sure the test suite has real PostgreSQL and Redis, then run the command after `--`.

Usage: python -m tests.services python -m pytest [args]

1. If DATABASE_URL / REDIS_URL answer, use them.
2. Else, if the PostgreSQL and Redis server programs are installed, start throwaway
   instances of our own (pytest-postgresql's and pytest-redis's executors) on free
   ports in a temporary folder, point the URLs at them, and stop them afterwards.
3. Else fail at once, saying what to install. Never a silent skip.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlparse

INSTALL_HINT = {
    "postgres": "install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL to a reachable server",
    "redis": "install Redis (Debian: apt-get install redis-server) or set REDIS_URL to a reachable server",
}


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_ctl() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    found = shutil.which("pg_ctl")
    return candidates[0] if candidates else found


@contextmanager
def throwaway_postgres(workdir: str) -> Iterator[str]:
    from pytest_postgresql.executors.proc import PostgreSQLExecutor

    pg_ctl = _pg_ctl()
    if pg_ctl is None:
        raise SystemExit(f"PostgreSQL is not reachable and not installed: {INSTALL_HINT['postgres']}.")
    port = free_port()
    datadir = os.path.join(workdir, "pg")
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: hand the folder to the postgres system user.
        owner = pwd.getpwnam("postgres")
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
        wrapper = os.path.join(workdir, "pg_ctl")
        with open(wrapper, "w") as script:
            script.write(f'#!/bin/sh\nexec runuser -u postgres -- {pg_ctl} "$@"\n')
        os.chmod(wrapper, 0o755)  # a throwaway script in our own temporary folder
        pg_ctl = wrapper
    executor = PostgreSQLExecutor(
        executable=pg_ctl,
        host="127.0.0.1",
        port=port,
        datadir=datadir,
        unixsocketdir=workdir,
        logfile=os.path.join(workdir, "pg.log"),
        startparams="-w",
        dbname="klarna_gig",
        user="postgres",
    )
    executor.start()
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/klarna_gig"
    finally:
        executor.stop()


@contextmanager
def throwaway_redis(workdir: str) -> Iterator[str]:
    from pathlib import Path

    from pytest_redis.executor.process import RedisExecutor

    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit(f"Redis is not reachable and not installed: {INSTALL_HINT['redis']}.")
    port = free_port()
    executor = RedisExecutor(
        executable=server,
        databases=16,
        redis_timeout=30,
        loglevel="warning",
        host="127.0.0.1",
        port=port,
        datadir=Path(workdir),
    )
    executor.start()
    try:
        yield f"redis://127.0.0.1:{port}/9"
    finally:
        executor.stop()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/klarna_gig")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="kg-services-"))
        if not reachable(database_url, 5432):
            print(f"PostgreSQL does not answer at {urlparse(database_url).netloc}; starting a throwaway instance.")
            database_url = stack.enter_context(throwaway_postgres(workdir))
        if not reachable(redis_url, 6379):
            print(f"Redis does not answer at {urlparse(redis_url).netloc}; starting a throwaway instance.")
            redis_url = stack.enter_context(throwaway_redis(workdir))
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
