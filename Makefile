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

.PHONY: help setup serve migrate test lint fmt

help:
	@echo "make serve    install and start Roost on http://$(HOST):$(PORT) (SQLite in ./roost-data)"
	@echo "make test     install and run the whole test suite"
	@echo "make lint     ruff check, ruff format --check, mypy, lint-imports"
	@echo "make fmt      ruff format and ruff check --fix"
	@echo "make migrate  apply database migrations"

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
