"""Each benchmark runs end to end in its quick mode and reports a correct run.

A benchmark is not a test of speed: this only proves that it starts its processes, drives
the product's own code paths, audits the result and prints the report (a table, then one
JSON object on the last line), against the suite's own PostgreSQL and Redis. Its data goes
to a database of its own next to the test database (`<test db>_bench_smoke`) and Redis db 14.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Quick mode, trimmed further so that the runs together stay within about a minute.
QUICK_RUNS = {
    "claim_storm": ["--quick", "--sweep", "1,4", "--phase-seconds", "1", "--pgbench-seconds", "1"],
    "agent_api": ["--quick", "--seconds", "1", "--queued", "300"],
    "chat_fanout": ["--quick", "--steps", "10", "--relay-n", "10", "--seconds", "1", "--idle-seconds", "0.2"],
    "end_to_end": ["--quick", "--conversations", "3", "--rate", "4"],
    "triage_pipeline": ["--quick", "--burst", "50", "--paced-seconds", "0.5"],
    "triage_latency": ["--quick", "--messages", "100", "--warmup", "10"],
}


def _bench_env() -> dict[str, str]:
    database = urlparse(os.environ["DATABASE_URL"])
    name = f"{database.path.lstrip('/') or 'klarna_gig'}_bench_smoke"
    redis = urlparse(os.environ["REDIS_URL"])
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE"}
    }
    env["BENCH_DATABASE_URL"] = urlunparse(database._replace(path=f"/{name}"))
    env["BENCH_REDIS_URL"] = urlunparse(redis._replace(path="/14"))
    return env


def _run(args: list[str], timeout: float) -> tuple[int, str, str]:
    """Run a benchmark; past the timeout stop it with SIGTERM, so it stops its own servers and workers."""
    process = subprocess.Popen(
        args, cwd=ROOT, env=_bench_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        pytest.fail(f"{' '.join(args[2:])} took longer than {timeout:g} s\n{stdout[-4000:]}\n{stderr[-4000:]}")
    return process.returncode, stdout, stderr


@pytest.mark.parametrize("name", sorted(QUICK_RUNS))
def test_benchmark_runs_and_reports_a_correct_run(name: str) -> None:
    returncode, stdout, stderr = _run([sys.executable, "-m", "bench", name, *QUICK_RUNS[name]], timeout=240)
    output = f"--- stdout ---\n{stdout[-6000:]}\n--- stderr ---\n{stderr[-6000:]}"
    assert returncode == 0, output
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["benchmark"] == name, output
    assert report["correct"] is True, output
    assert report["failures"] == [], output
    assert report["figures"]["mode"] == "quick", output
    assert report["targets"], output


def test_benchmark_list_names_every_benchmark() -> None:
    returncode, stdout, _ = _run([sys.executable, "-m", "bench", "--help"], timeout=60)
    assert returncode == 0
    for name in QUICK_RUNS:
        assert name in stdout
