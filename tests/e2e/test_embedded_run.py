"""`make run` on a machine with no services: SQLite, the in-memory channel layer, tasks inline, the local
payout provider and the periodic jobs on a thread of the web process. An agent and a customer chat live
there too, finance pays the agents, and the server logs no error (the periodic jobs included)."""

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, ROOT, _free_port, _wait_http


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> Iterator[dict]:
    var = tmp_path_factory.mktemp("embedded-run")
    url = f"http://127.0.0.1:{_free_port()}"
    services = ("DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "STRIPE_SECRET_KEY", "STRIPE_API_BASE")
    env = {name: value for name, value in os.environ.items() if name not in services}
    env.update(
        VAR_DIR=str(var),
        DEBUG="1",
        EMBEDDED_SCHEDULER="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=url,
        PUBLIC_BASE_URL=url,
        PYTHONUNBUFFERED="1",
    )
    for command in (["migrate", "--noinput"], ["seed_demo"]):  # what `make run` does before serving
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    log = var / "web.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "klarna_gig.asgi:application", "--port", url.rsplit(":", 1)[1]],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_http(f"{url}/healthz")
        yield {"url": url, "log": log}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def test_make_run_serves_a_live_chat_between_an_agent_and_a_customer_with_no_services(embedded, open_page):
    agent = open_page("anna", base_url=embedded["url"])
    agent.goto("/agent/")
    agent.locator("#go-online").click()
    expect(agent.locator("#presence-status")).to_have_text("online")
    agent.goto("/agent/workspace/")
    expect(agent.locator("#socket-status")).to_have_text("Connected")

    customer = open_page(viewport=PHONE, base_url=embedded["url"])
    customer.goto("/chat/")
    customer.fill("#start-name", "Embedded Eve")
    customer.click("#start-button")
    expect(customer.locator("#connection")).to_have_text("Connected")
    customer.get_by_test_id("chat-input").fill("How do I change my PIN?")
    customer.get_by_test_id("chat-send").click()
    expect(customer.locator("#chat-log .msg-bot").first).to_contain_text("PIN", timeout=20_000)
    customer.get_by_test_id("talk-to-human").click()
    expect(customer.get_by_test_id("queue-status")).to_have_attribute("data-status", "queued")

    ticket = agent.locator("#queue-list li[data-ticket]")
    expect(ticket).to_have_count(1)  # live, no reload
    ticket.get_by_test_id("take-ticket").click()
    expect(agent.locator("#conversation")).to_be_visible()
    expect(customer.get_by_test_id("queue-status")).to_have_attribute("data-status", "assigned")

    agent.locator("#draft-reply").fill("Hello Eve, Anna here.")
    agent.locator("#send-reply").click()
    expect(customer.locator("#chat-log .msg-agent")).to_contain_text("Anna here")
    customer.get_by_test_id("chat-input").fill("Thanks Anna!")
    customer.get_by_test_id("chat-send").click()
    expect(agent.locator("#transcript .msg-customer").last).to_contain_text("Thanks Anna")

    server_log = embedded["log"].read_text(encoding="utf-8", errors="replace")
    assert "Embedded scheduler started" in server_log
    assert re.search(r"Task agents\.presence_sweep\[.*\] succeeded", server_log), "the periodic jobs run"
    assert "Traceback" not in server_log, server_log[-3000:]


def test_make_run_pays_the_agents_through_the_local_payout_provider(embedded, open_page):
    period = datetime.now(UTC).strftime("%Y-%m")  # the demo history is the last two weeks
    page = open_page("finance", base_url=embedded["url"])
    page.goto("/finance/runs/")
    page.fill("#id_period", period)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#run-status")).to_have_text("Preview")
    lines = page.locator("main table tbody tr")
    to_pay = lines.filter(has=page.locator(".badge", has_text=re.compile(r"^Pending$"))).count()
    assert to_pay >= 2, "the demo agents have earned enough to be paid"
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#run-status")).to_have_text("Approved")
    page.get_by_role("button", name="Execute").click()
    expect(page.locator("#run-status")).to_have_text("Completed", timeout=20_000)
    expect(page.locator("#run-counts")).to_contain_text(f"paid {to_pay}, failed 0")
    assert "Traceback" not in embedded["log"].read_text(encoding="utf-8", errors="replace")
