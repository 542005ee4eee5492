"""Settings switch on environment variables: embedded without them, services with them."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
from klarna_gig.celery import app
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
}))
"""


def _run(env: dict[str, str], code: str = PROBE) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    base.update({"DJANGO_SETTINGS_MODULE": "klarna_gig.settings", "VAR_DIR": "/tmp/kg-settings-probe"})
    base.update(env)
    return subprocess.run([sys.executable, "-c", code], env=base, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_without_services_the_project_runs_embedded():
    result = _run({})
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["db"] == "django.db.backends.sqlite3"
    assert probe["layer"] == "channels.layers.InMemoryChannelLayer"
    assert probe["cache"].endswith("LocMemCache")
    assert probe["eager"] is True


def test_with_database_and_redis_urls_it_uses_postgresql_and_redis():
    result = _run({"DATABASE_URL": "postgres://u@db.internal:5432/kg", "REDIS_URL": "redis://cache.internal:6379/0"})
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["db"] == "django.db.backends.postgresql"
    assert probe["layer"] == "klarna_gig.channel_layer.WaitingRedisChannelLayer"
    assert probe["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert probe["eager"] is False
    assert probe["broker"] == "redis://cache.internal:6379/0"


def test_with_debug_off_the_default_secret_key_is_refused():
    result = _run({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_check_is_clean_apart_from_https_settings():
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 30 + "a-long-random-production-secret-value!",
        "ALLOWED_HOSTS": "gig.example",
    }
    result = _run(
        env,
        "import sys; from django.core.management import execute_from_command_line as m; "
        "m(['manage.py', 'check', '--deploy'])",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    warned = set(re.findall(r"\((security\.W\d+)\)", output))
    https_only = {"security.W004", "security.W008", "security.W012", "security.W016"}
    assert warned, output  # the check really ran and reported
    assert warned <= https_only, output
