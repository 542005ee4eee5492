"""`make run` has no `celery beat`: a thread in the web process runs the periodic jobs inline. In a fresh
process (nothing has imported the tasks modules yet) every job of the beat schedule must run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from klarna_gig import embedded
from klarna_gig.celery import app
embedded.load_tasks()
print(json.dumps({"jobs": sorted(app.conf.beat_schedule), "failed": embedded.run_due_jobs({}, 0.0)}))
"""


@pytest.mark.django_db(transaction=True)
def test_every_periodic_job_runs_in_a_fresh_web_process():
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # embedded: inline tasks, in-memory layer
    env.update(
        DJANGO_SETTINGS_MODULE="klarna_gig.settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",  # the test database
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(probe["jobs"]) >= 10
    assert probe["failed"] == [], result.stderr[-3000:]
