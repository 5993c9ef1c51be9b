# aiodock: `make demo` runs the quickstart against a local daemon, `make test` runs the tests.
# Both set up .venv and, when no daemon answers, install and start the project's own dockerd.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
LINT_PATHS := aiodock tests examples $(wildcard bench)

.PHONY: all venv docker-up docker-down demo test unit integration lint bench clean

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test,dev]'
	touch $(STAMP)

venv: $(STAMP)

docker-up:
	scripts/docker-up.sh

docker-down:
	scripts/docker-down.sh

demo: venv docker-up
	$(BIN)/python examples/quickstart.py

lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy aiodock

unit: venv
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

integration: venv docker-up
	$(BIN)/pytest -q tests/integration $(PYTEST_ARGS)

test: venv docker-up lint
	$(BIN)/pytest -q tests $(PYTEST_ARGS)

bench: venv docker-up
	$(BIN)/pip install -q --disable-pip-version-check -e '.[bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
