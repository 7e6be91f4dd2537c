# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The installed command has no default database: here, a local `.env` names ./pcso.db, so
# the README's other commands, run from this directory, find the same store.
run: $(STAMP)
	@if [ ! -e .env ]; then \
		echo 'DATABASE_URL=sqlite:///pcso.db' > .env; \
		echo 'make run: no .env here, so wrote one with DATABASE_URL=sqlite:///pcso.db (a local SQLite store, ./pcso.db)'; \
	fi
	$(BIN)/pcso-bot db upgrade
	$(BIN)/pcso-bot serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot dialogs storage
	$(BIN)/hadolint docs/deploy/Dockerfile

# The suite on every core (pytest-xdist); each worker makes its own PostgreSQL database.
test: $(STAMP) lint
	$(BIN)/pytest -n auto

bench: $(STAMP)
	$(BIN)/python -m bench.review
	$(BIN)/python -m bench.tab
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.turns

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
