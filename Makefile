# ipprotect: the everyday commands. Each target first brings .venv in line with uv.lock
# (uv itself is installed into .tools/ from PyPI by the machine's python3).
#
#   make run      migrate the SQLite database in var/, load the demo city if the database is
#                 empty, print the demo accounts and their passwords, and serve on
#                 http://127.0.0.1:8000
#   make test     the whole suite on SQLite, browser tests in Debian's Chromium included, then
#                 the database tests again on a throwaway PostgreSQL server; installs the Debian
#                 packages it needs first (scripts/system-deps.sh); `make lint` comes first.
#                 PYTEST_ARGS="-x tests/core" passes arguments to both pytest runs.
#   make lint     ruff check, ruff format --check and mypy (the migrations that Alembic wrote
#                 are left out of ruff)
#   make bench    run every benchmarks/*.py beside a throwaway PostgreSQL server (their
#                 IPPROTECT_PG_URL); each writes its figures as JSON in benchmarks/results/
#   make migrate  apply the migrations to the configured database (`ipprotect db upgrade`)
#   make demo     load the demo city into the configured database (`ipprotect demo`)
#   make docs     regenerate docs/cli.md from the commands' --help (a test fails when it is stale)
#   make clean    delete what running and testing made: var/ (the database!), test-artifacts/,
#                 benchmarks/results/ and caches; .venv and .tools stay

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
BIN := .venv/bin
BENCHMARKS := $(filter-out benchmarks/_%,$(wildcard benchmarks/*.py))
RUFF_OPTIONS := --extend-exclude migrations/versions

# uv builds .venv with the machine's Python and never downloads one of its own.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
# The uv cache may sit on another filesystem: copy instead of warning that it cannot hard-link.
export UV_LINK_MODE := copy

.PHONY: help run test lint bench migrate demo docs clean
.DEFAULT_GOAL := help

help:
	@sed -n '1,/^$$/s/^# \{0,1\}//p' Makefile

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen
	touch $@

run: .venv/.synced
	$(BIN)/ipprotect db upgrade
	$(BIN)/ipprotect demo
	$(BIN)/ipprotect serve --host 127.0.0.1 --port 8000

# Lint first: it takes seconds, and pytest's summary then stays the last thing printed.
test: lint
	bash scripts/system-deps.sh
	bash scripts/test.sh $(PYTEST_ARGS)

lint: .venv/.synced
	$(BIN)/ruff check $(RUFF_OPTIONS)
	$(BIN)/ruff format --check $(RUFF_OPTIONS)
	$(BIN)/mypy

bench: .venv/.synced
	bash scripts/system-deps.sh
	mkdir -p benchmarks/results
	scripts/with-postgres.sh bash -c \
		'set -e; for script in "$$@"; do echo "== $$script"; $(BIN)/python "$$script"; done' \
		bench $(BENCHMARKS)

migrate: .venv/.synced
	$(BIN)/ipprotect db upgrade

demo: .venv/.synced
	$(BIN)/ipprotect demo

docs: .venv/.synced
	$(BIN)/typer ipprotect.cli utils docs --name ipprotect \
		--title "ipprotect command reference" --output docs/cli.md

clean:
	rm -rf var test-artifacts benchmarks/results .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . \( -path ./.venv -o -path ./.tools -o -path ./.git \) -prune \
		-o -name __pycache__ -type d -prune -exec rm -rf {} +
