# aiodock: `make demo` runs the quickstart against a local daemon, `make test` runs the tests.
# Both set up .venv and, when no daemon answers, install and start the project's own dockerd.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
LINT_PATHS := aiodock tests examples $(wildcard bench)

.PHONY: all venv docker-up docker-down engine-up engine-down engine-status test-engines demo test \
	test-swarm test-pythons unit integration examples lint docs bench clean

all: test

# Installing also compiles aiodock/_speedups.c (in place, beside the sources).
$(STAMP): pyproject.toml aiodock/_speedups.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test,dev,docs,examples,rich,buildkit]'
	touch $(STAMP)

venv: $(STAMP)

docker-up:
	scripts/docker-up.sh

docker-down:
	scripts/docker-down.sh

# The engines the tests also run on, each from Debian packages in its own network namespace:
# ENGINE=docker-20.10, docker-28, podman-4 or podman-5 (see scripts/engine.sh).
engine-up:
	scripts/engine.sh up $(ENGINE)

engine-down:
	scripts/engine.sh down $(ENGINE)

engine-status:
	scripts/engine.sh status $(ENGINE)

# The integration and example tests on each engine (ENGINES="..." picks some; ENGINE_JOBS=2
# runs two engines at a time).
test-engines: venv
	ENGINES="$(ENGINES)" ENGINE_JOBS="$(ENGINE_JOBS)" PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test-engines.sh

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

# The examples run against the daemon, as users run them.
examples: venv docker-up
	$(BIN)/pytest -q tests/examples $(PYTEST_ARGS)

# The documentation site (into site/, git-ignored); --strict turns warnings into errors.
docs: venv
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

# tests/cluster (a swarm of three private daemons) runs once, in test-swarm.
test: venv docker-up lint docs
	$(BIN)/pytest -q tests --ignore=tests/cluster $(PYTEST_ARGS)

# A three-node swarm of private daemons in network namespaces of its own (a few minutes).
test-swarm: venv docker-up
	$(BIN)/pytest -q tests/cluster $(PYTEST_ARGS)

# The unit tests on Python 3.10 and 3.13 too, where this machine has them (CI runs it);
# TESTS="tests/unit tests/integration" for more.
test-pythons: docker-up
	scripts/test-pythons.sh

bench: venv docker-up
	$(BIN)/pip install -q --disable-pip-version-check -e '.[bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .mypy_cache .ruff_cache build aiodock/*.so
