# MicroIntern: everyday commands. `make help` lists them.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Marks the last install; pip runs again only when pyproject.toml is newer.
INSTALLED := $(VENV)/.installed

# PORT comes from the environment, else from .env, else 8000.
PORT ?= $(or $(shell sed -n 's/^[[:space:]]*PORT[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' .env 2>/dev/null | tail -n 1),8000)
export PORT

# `check --deploy` runs against production-like settings with a fresh random key.
DEPLOY_ENV = DEBUG=false ALLOWED_HOSTS=localhost \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')"

DEMO_PASSWORD := demo-pass-2026

.PHONY: help install lock outdated lock-check db migrate seed run test e2e lint security format shell worker beat clean

help: ## List the commands
	@echo "Usage: make <target>"
	@echo
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

# Every machine installs exactly what uv.lock pins (hashes checked), with the uv it pins too.
UV := $(BIN)/uv
UV_VERSION = $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' uv.lock)
# uv uses this interpreter and never downloads one of its own.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

$(INSTALLED): pyproject.toml uv.lock | $(PY)
	@$(UV) --version 2>/dev/null | grep -q '^uv $(UV_VERSION) ' \
		|| $(PY) -m pip install --disable-pip-version-check -q 'uv==$(UV_VERSION)'
	$(UV) sync --locked --extra dev
	@touch $@

install: $(INSTALLED) ## Create .venv and install exactly the versions in uv.lock

lock: | $(PY) ## Regenerate uv.lock from pyproject.toml at the newest versions its ranges allow
	@$(UV) --version >/dev/null 2>&1 || $(PY) -m pip install --disable-pip-version-check -q uv
	$(UV) lock --upgrade
	@echo "uv.lock updated: run make test, then commit pyproject.toml and uv.lock together."

outdated: install ## List newer releases: within pyproject.toml's ranges (make lock takes them) and beyond
	@echo "Within the ranges of pyproject.toml (what make lock would change):"
	@$(UV) lock --upgrade --dry-run 2>&1 | sed 's/^/  /'
	@echo
	@echo "Beyond the ranges (widen the range in pyproject.toml first, then make lock):"
	@$(UV) pip list --outdated --python $(PY) --exclude pip --exclude setuptools | sed 's/^/  /'

# Creates the database named in DATABASE_URL (or .env, or the settings default) if missing.
define CREATE_DATABASE
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microintern.settings")
import psycopg
from django.conf import settings
from psycopg import sql

db = settings.DATABASES["default"]
if "postgresql" not in db["ENGINE"]:
    raise SystemExit(f"Not a PostgreSQL database: {db['ENGINE']}")
params = {key.lower(): db[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if db.get(key)}
with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as conn:
    found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
    if found:
        print(f"Database {db['NAME']} is there.")
    else:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        print(f"Created database {db['NAME']}.")
endef
export CREATE_DATABASE

db: install ## Create the database named in DATABASE_URL if it is missing
	@$(PY) -c "$$CREATE_DATABASE"

migrate: db ## Apply database migrations
	$(MANAGE) migrate --noinput

seed: migrate ## Load the demo accounts and data (safe to run again)
	$(MANAGE) seed_demo

run: migrate ## Install, migrate, seed and serve the site with a Celery worker and beat
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo
	@echo
	@echo "MicroIntern is starting at http://127.0.0.1:$(PORT)/  (Ctrl-C stops everything)"
	@echo "Demo logins, password $(DEMO_PASSWORD):"
	@echo "  student@example.com, student2@example.com   students"
	@echo "  employer@example.com   Northwind Labs (employer site /employer/)"
	@echo "  employer2@example.com  Globex Studio  (employer site /employer/)"
	@echo "  staff@example.com      career-center staff (staff site /staff/)"
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --procfile Procfile --port $(PORT)

# The browser journeys check every page with the W3C Nu Html Checker (vnu.jar, from npm's
# vnu-jar, pinned with its hash in package-lock.json; it needs Java 11 or newer).
NODE_TOOLS := node_modules/.package-lock.json

$(NODE_TOOLS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Fails when pyproject.toml and uv.lock disagree (a dependency changed in one only).
lock-check: install ## Check that uv.lock matches pyproject.toml
	$(UV) lock --check --offline

test: db lock-check $(NODE_TOOLS) ## Run every check: lock, lint, format, migrations, deploy check, the pytest suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING
	$(MAKE) --no-print-directory security
	$(PY) -m pytest

# Named like folders under ops/, so the targets must never count as up to date.
.PHONY: faults bench
faults: install ## Break Redis, PostgreSQL, a worker, beat and SMTP on purpose; count what is lost
	$(PY) -m ops.faults
	LIFECYCLE_MACHINE_EXAMPLES=150 LIFECYCLE_MACHINE_STEPS=40 \
		$(PY) -m pytest tests/applications/test_lifecycle_machine.py -p no:cacheprovider -q

e2e: db $(NODE_TOOLS) ## Run the browser journeys only (pytest -m e2e)
	$(PY) -m pytest -m e2e

lint: install ## Check code style and that no migration is missing
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

# High severity fails; a deliberate exception carries `# nosec` with its reason on the line.
security: install ## Scan the code for security issues (bandit, high severity fails)
	$(BIN)/bandit -q -r lifecycle backoffice accounts listings searches applications messaging notifications microintern reports -x tests -lll

format: install ## Format the code and apply safe lint fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

shell: migrate ## Open a Django shell
	$(MANAGE) shell

worker: install ## Run a Celery worker in the foreground
	$(PY) -m microintern.supervise $(BIN)/celery -A microintern worker -l info --concurrency 2

beat: install ## Run the Celery beat scheduler in the foreground
	$(BIN)/celery -A microintern beat -l info --schedule celerybeat-schedule

bench: install ## Measure the pages at 10 000 and 100 000 listings (under 25 min; ops/bench/results/)
	$(PY) -m ops.bench

clean: ## Remove caches, collected static files and the beat schedule (keeps .venv)
	rm -rf staticfiles .pytest_cache .ruff_cache test-results build
	rm -f celerybeat-schedule*
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
