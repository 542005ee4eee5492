"""The browser journeys' stage: the real ASGI server, a real Celery worker, PostgreSQL, Redis,
a local fake Stripe server, and Debian's Chromium driven by Playwright.

The server runs in its own processes against its own database (`<test db>_e2e`), seeded
with the demo data, so the journeys see exactly what a person running the product sees.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from tests.e2e.link import CuttableLink
from tests.e2e.setup import ensure_chromium, ensure_playwright

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / "build" / "e2e"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
WEBHOOK_SECRET = "whsec_e2e_local_fake_secret"
DEMO_PASSWORD = "demo-pass-2026"  # agents/demo.py
DESKTOP = {"width": 1200, "height": 800}
PHONE = {"width": 390, "height": 844}
KEEP_SCREENS = os.environ.get("E2E_KEEP_SCREENS") == "1"  # keep the key screens of passing journeys too
DOCS_SCREENS = os.environ.get("E2E_DOCS_SCREENS") == "1"  # refresh the README's screenshots
DOCS_SCREENS_DIR = ROOT / "docs" / "screenshots"
LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b|^\[\d{4}-")  # uvicorn and Celery log lines


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_database(base_url: str) -> str:
    url = urlparse(base_url)
    name = f"{url.path.lstrip('/') or 'klarna_gig'}_e2e"
    with psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(url._replace(path=f"/{name}"))


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@dataclass
class Stack:
    base_url: str
    env: dict[str, str]
    fake_stripe: object
    logs: Path

    def log_marks(self) -> dict[str, int]:
        """Where each server log ends now (see `log_errors`)."""
        return {log.name: log.stat().st_size for log in self.logs.iterdir()}

    def log_errors(self, since: dict[str, int]) -> list[str]:
        """The errors the web server and the worker logged after `since`: each ERROR line with the exception
        that ended its traceback."""
        found = []
        for log in sorted(self.logs.iterdir()):
            with log.open(encoding="utf-8", errors="replace") as handle:
                handle.seek(since.get(log.name, 0))
                lines = handle.read().splitlines()
            for index, line in enumerate(lines):
                if not re.search(r"\bERROR\b", line):
                    continue
                block = []
                for later in lines[index + 1 :]:
                    if LOG_LINE.match(later):
                        break
                    block.append(later)
                # A chained traceback ends with the exception that was finally raised.
                causes = [later.strip() for later in block if later.strip() and not later.startswith(" ")]
                found.append(f"{log.name}: {line.strip()} — {causes[-1] if causes else ''}")
        return found

    def manage(self, *args: str) -> str:
        """Run a management command against the journey's server database."""
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        print(f"stage: manage.py {' '.join(args)} took {time.monotonic() - started:.1f} s")
        return result.stdout


@pytest.fixture(scope="session")
def e2e_stack(tmp_path_factory) -> Iterator[Stack]:
    ensure_playwright()
    ensure_chromium()
    from tests.payouts.fake_stripe import FakeStripe

    fake_stripe = FakeStripe()
    fake_stripe.start()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    redis = urlparse(os.environ["REDIS_URL"])
    logs = tmp_path_factory.mktemp("e2e-logs")
    env = {
        **os.environ,
        "DATABASE_URL": _fresh_database(os.environ["DATABASE_URL"]),
        # Four databases above this worker's own, clear of the other workers'.
        "REDIS_URL": urlunparse(redis._replace(path=f"/{(int(redis.path.lstrip('/') or 0) + 4) % 16}")),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": base_url,
        "PUBLIC_BASE_URL": base_url,
        "STRIPE_SECRET_KEY": FakeStripe.API_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": fake_stripe.url,
        "STRIPE_CONNECT_BASE": fake_stripe.url,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "PRESENCE_TIMEOUT_SECONDS": "120",
        "PYTHONUNBUFFERED": "1",  # the logs are read during the run
    }
    import redis as redis_client

    redis_client.Redis.from_url(env["REDIS_URL"]).flushdb()
    stack = Stack(base_url=base_url, env=env, fake_stripe=fake_stripe, logs=logs)
    stack.manage("migrate", "--noinput")
    stack.manage("triage_build")
    stack.manage("seed_demo")
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "klarna_gig.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env={**env, "DB_POOL_MAX_SIZE": "5"},  # as the Procfile's web process: a database pool
            stdout=(logs / "web.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "klarna_gig",
                "worker",
                "--pool",
                "threads",
                "-c",
                "4",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env={**env, "DB_CONN_MAX_AGE": "60"},  # as the Procfile's worker: persistent connections
            stdout=(logs / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
    ]
    try:
        started = time.monotonic()
        _wait_http(f"{base_url}/healthz")
        print(f"stage: the server answered after {time.monotonic() - started:.1f} s")
        yield stack
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        fake_stripe.stop()
        for log in logs.iterdir():
            shutil.copy(log, _build_dir("server-logs") / log.name)


def _build_dir(name: str) -> Path:
    path = BUILD_DIR / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(e2e_stack):
    # Module scope: Playwright's event loop is gone once a journey module ends, so ORM tests that a
    # parallel worker runs afterwards in this process are not taken for async code.
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=ensure_chromium(), headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def server_logs_no_error(e2e_stack) -> Iterator[None]:
    """A journey passes only if the web server and the worker logged no error while it ran."""
    marks = e2e_stack.log_marks()
    yield
    if errors := e2e_stack.log_errors(marks):
        pytest.fail(
            f"The server logged {len(errors)} error(s) during the journey (logs in build/e2e/server-logs/):\n  "
            + "\n  ".join(dict.fromkeys(errors)),
            pytrace=False,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def shot(request, tmp_path) -> Iterator[Callable]:
    """`shot(page, "name")` records a key screen; the screens are kept under build/e2e/<test>/ if the journey
    fails (or always, with E2E_KEEP_SCREENS=1). `docs="name.png"` marks a screen the README shows; it is
    saved to docs/screenshots/ when E2E_DOCS_SCREENS=1.

    Pages appended to `shot.pages` are also captured (screenshot and HTML) as they are when the journey fails.
    """
    taken: list[Path] = []
    target = BUILD_DIR / request.node.name
    shutil.rmtree(target, ignore_errors=True)  # screens of an earlier failed run would mislead

    def take(page, name: str, *, docs: str | None = None) -> Path:
        path = tmp_path / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        if docs and DOCS_SCREENS:
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(DOCS_SCREENS_DIR / docs))  # the top of the page as the window shows it
        return path

    def keep_failure_state() -> None:
        failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
        if not (failed or KEEP_SCREENS) or take.kept:
            return
        take.kept = True
        target.mkdir(parents=True, exist_ok=True)
        for index, page in enumerate(take.pages if failed else []):
            with contextlib.suppress(Exception):  # a closed page has nothing left to show
                page.screenshot(path=str(target / f"failure-{index}.png"), full_page=True)
                (target / f"failure-{index}.html").write_text(page.content())
        for path in taken:
            shutil.copy(path, target / path.name)

    take.pages = []
    take.kept = False
    take.keep_failure_state = keep_failure_state
    yield take
    keep_failure_state()


@pytest.fixture
def open_page(browser, e2e_stack, shot) -> Iterator[Callable]:
    """`open_page("anna")`: a page in a fresh browser context (its own cookies and storage), logged in as
    that demo user; `open_page()` for an anonymous visitor. An uncaught script error on any page fails the journey.
    `base_url=link.url` sends the page's traffic through a `CuttableLink`.
    """
    contexts = []
    errors: list[str] = []

    def open_(username: str | None = None, *, viewport: dict | None = None, base_url: str | None = None, **options):
        context = browser.new_context(
            base_url=base_url or e2e_stack.base_url, viewport=viewport or DESKTOP, accept_downloads=True, **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        who = username or "visitor"
        page.on("pageerror", lambda exc: errors.append(f"{who} on {page.url}: {exc}"))
        shot.pages.append(page)
        if username:
            login(page, username)
        return page

    yield open_
    shot.keep_failure_state()  # before the pages go away
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()
    if errors:
        pytest.fail("A page's script failed during the journey:\n  " + "\n  ".join(errors), pytrace=False)


@pytest.fixture
def cuttable_link(e2e_stack) -> Iterator[CuttableLink]:
    """A link to the server that the journey can cut and restore (see tests/e2e/link.py)."""
    link = CuttableLink(urlparse(e2e_stack.base_url).port)
    yield link
    link.close()


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    from playwright.sync_api import expect

    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.locator("header .who")).to_contain_text(username)
