# MovoAI backend. Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PORT ?= 8000

# Settings from .env, when there is one (see .env.example).
ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: run test lint format bench loadtest venv services services-down migrate demo clean help backup restore backup-check

help:
	@echo "make run    - set up everything, load the demo content, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - run every test (pytest, real PostgreSQL and Redis)"
	@echo "make lint   - ruff (lint + format check) and mypy"
	@echo "make format - apply ruff's fixes and formatting"
	@echo "make bench  - the API under load (wrk), every issue #8 target against a ceiling (bench/README.md)"
	@echo "make loadtest - 200 simulated users for 60 s; every acknowledged workout log stored once (bench/README.md)"
	@echo "make services / services-down - start / stop the embedded PostgreSQL and Redis"
	@echo "make backup - pg_dump the database into backups/movoai-<UTC time>.dump (deploy/backup.sh)"
	@echo "make restore FILE=backups/....dump [TARGET=database URL] [FORCE=1] - restore a backup (deploy/restore.sh)"
	@echo "make backup-check - back up, restore into a scratch database, compare (deploy/backup_restore_check.py)"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

services: venv
	$(PY) -m movoai.embedded up

services-down: venv
	$(PY) -m movoai.embedded down

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start -f Procfile -p $(PORT)

# SENTRY_DSN unset: a DSN in .env must not receive the test run's deliberate crashes.
test: venv
	env -u SENTRY_DSN $(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The API under load with the server configuration of `make run` (bench/README.md); BENCH_ARGS="--duration 5".
bench: demo
	$(PY) bench/run.py $(BENCH_ARGS)

# Issue #9: simulated users (browse, search, log workouts with retries, progress) on the server of `make run`,
# then every acknowledged log counted in PostgreSQL (bench/README.md); LOADTEST_ARGS="--users 50 --duration 20".
loadtest: demo
	$(PY) bench/loadtest.py $(LOADTEST_ARGS)

# Backups (README, "Deployment"): of DATABASE_URL, else of the embedded PostgreSQL.
backup: venv
	deploy/backup.sh

restore: venv
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/movoai-....dump [TARGET=database URL] [FORCE=1]" >&2; exit 2; }
	deploy/restore.sh $(if $(FORCE),--force) "$(FILE)" $(if $(TARGET),"$(TARGET)")

backup-check: venv
	$(PY) -m deploy.backup_restore_check

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
