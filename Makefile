# One command per task. Every target bootstraps uv (into .tools/ when it is not on
# PATH) and syncs .venv from uv.lock, so a fresh clone needs only python3 and pip.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k follow"`.
PYTEST_ARGS ?=
# Parallel test workers (pytest-xdist); each worker gets its own PostgreSQL database.
PYTEST_WORKERS ?= 2
JUNIT_XML ?= .test-results/junit.xml

TOOLS_DIR := $(CURDIR)/.tools
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(TOOLS_DIR)/uv/bin/uv
endif
RUN := $(UV) run --frozen

.PHONY: help setup serve migrate test lint fmt bench

help:
	@echo "make serve    install and start Roost on http://$(HOST):$(PORT) (SQLite in ./roost-data)"
	@echo "make test     install and run the whole test suite"
	@echo "make lint     ruff check, ruff format --check, mypy, lint-imports"
	@echo "make fmt      ruff format and ruff check --fix"
	@echo "make migrate  apply database migrations"
	@echo "make bench    seed 10,000 users and run the benchmarks (bench/results/REPORT.md)"

# uv itself, installed with pip into a throwaway folder when it is not already on PATH
# (--target also sidesteps Debian's externally-managed system Python).
$(TOOLS_DIR)/uv/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS_DIR)/uv "uv>=0.5"

setup: $(UV)
	$(UV) sync --frozen

serve: setup
	$(RUN) roost serve --host $(HOST) --port $(PORT)

migrate: setup
	$(RUN) roost migrate

test: setup
	@mkdir -p $(dir $(JUNIT_XML))
	$(RUN) pytest -n $(PYTEST_WORKERS) --junitxml=$(JUNIT_XML) $(PYTEST_ARGS)

lint: setup
	$(RUN) ruff check src tests
	$(RUN) ruff format --check src tests
	$(RUN) mypy
	$(RUN) lint-imports

fmt: setup
	$(RUN) ruff format src tests
	$(RUN) ruff check --fix src tests

# Benchmarks (bench/results/): a dedicated PostgreSQL database and a Redis key prefix of
# their own (the shared Redis is never flushed), plus an embedded SQLite file.
BENCH_USERS ?= 10000
BENCH_PG ?= postgresql://postgres@127.0.0.1:5432
BENCH_PG_DB ?= roost_bench
BENCH_REDIS ?= redis://127.0.0.1:6379/0
BENCH_PREFIX ?= roost-bench
BENCH_PG_ENV := ROOST_DATABASE_URL=$(BENCH_PG)/$(BENCH_PG_DB) ROOST_REDIS_URL=$(BENCH_REDIS) \
	ROOST_REDIS_PREFIX=$(BENCH_PREFIX) ROOST_DATA_DIR=bench/.data/postgres
BENCH_SQLITE_ENV := env -u ROOST_DATABASE_URL -u ROOST_REDIS_URL ROOST_DATA_DIR=bench/.data/sqlite

bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	psql "$(BENCH_PG)/postgres" -c 'DROP DATABASE IF EXISTS $(BENCH_PG_DB) WITH (FORCE)' \
		-c 'CREATE DATABASE $(BENCH_PG_DB)'
	$(BENCH_PG_ENV) $(RUN) roost bench seed --users $(BENCH_USERS) --reset \
		--tokens-file bench/results/tokens-postgres.txt
	$(BENCH_PG_ENV) $(RUN) roost bench reads
	$(BENCH_PG_ENV) $(RUN) roost bench fanout
	rm -rf bench/.data/sqlite
	$(BENCH_SQLITE_ENV) $(RUN) roost bench seed --users $(BENCH_USERS) \
		--tokens-file bench/results/tokens-sqlite.txt
	$(BENCH_SQLITE_ENV) $(RUN) roost bench reads
	$(RUN) roost bench report
