"""Periodic jobs for the embedded single-process run, where no `celery beat` runs.

`make run` sets EMBEDDED_SCHEDULER=1: one daemon thread walks `app.conf.beat_schedule`
and runs each due task inline. Production runs `celery beat` instead (see Procfile).
"""

import logging
import threading
import time
from datetime import timedelta

from django.db import close_old_connections

from klarna_gig.celery import app

log = logging.getLogger(__name__)
_started = threading.Event()


def _interval_seconds(schedule: object) -> float:
    if isinstance(schedule, int | float):
        return float(schedule)
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    run_every = getattr(schedule, "run_every", None)  # celery.schedules.schedule
    if isinstance(run_every, timedelta):
        return run_every.total_seconds()
    return 3600.0  # crontab entries (daily jobs) run hourly here; they are idempotent


def load_tasks() -> None:
    """Import every app's tasks module, as a Celery worker does at start: a web process has not
    imported them yet, and `app.tasks` only holds the tasks imported so far."""
    app.loader.import_default_modules()


def run_due_jobs(next_run: dict[str, float], now: float) -> list[str]:
    """Run each periodic job whose time has come, inline; returns the names of those that failed."""
    failed = []
    for name, entry in list(app.conf.beat_schedule.items()):
        if next_run.get(name, 0) > now:
            continue
        next_run[name] = now + _interval_seconds(entry["schedule"])
        try:
            close_old_connections()
            app.tasks[entry["task"]].apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
        except Exception:  # keep the scheduler alive whatever one job does
            log.exception("Periodic job %s failed", name)
            failed.append(name)
    return failed


def _loop() -> None:
    load_tasks()
    next_run: dict[str, float] = {}
    while True:
        run_due_jobs(next_run, time.monotonic())
        time.sleep(1)


def start_periodic_jobs() -> None:
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, name="embedded-beat", daemon=True).start()
    log.info("Embedded scheduler started with %d periodic jobs", len(app.conf.beat_schedule))
