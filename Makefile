# The front door. `make run` serves the product with demo data; `make test` runs the whole suite
# against PostgreSQL and Redis. Both set themselves up (virtualenv, dependencies, migrations).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

# Test services at their usual local addresses; override with the environment.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/klarna_gig)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/9)
# One process by default. `PYTEST_ARGS="-n 2 --dist loadgroup"` runs two workers (each with its own Redis database).
PYTEST_ARGS ?=

.PHONY: run test lint format worker beat bench e2e migrate demo clean install browser

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -qq --upgrade pip >/dev/null 2>&1 || true
	$(PIP) install -qq --no-deps -r requirements.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py triage_build
	$(PY) manage.py seed_demo

run: demo
	@echo ""
	@echo "  Klarna Gig is starting on http://$(HOST):$(PORT)/"
	@$(PY) manage.py demo_logins
	@echo ""
	EMBEDDED_SCHEDULER=1 $(VENV)/bin/uvicorn klarna_gig.asgi:application --host $(HOST) --port $(PORT) --proxy-headers --log-level warning

test: install browser
	$(PY) manage.py triage_build
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_TASK_ALWAYS_EAGER=1 DEBUG=1 \
		$(PY) -m tests.services $(PY) -m pytest $(PYTEST_ARGS)

e2e: install browser
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_TASK_ALWAYS_EAGER=1 DEBUG=1 \
		$(PY) -m tests.services $(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

browser: install
	@$(PY) -m tests.e2e.setup

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A klarna_gig worker --loglevel INFO

beat: install
	$(VENV)/bin/celery -A klarna_gig beat --loglevel INFO

bench: install
	$(PY) -m bench $(BENCH)

clean:
	rm -rf $(VENV) var build
