PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test browser-deps postgres-deps deploy-deps bench-deps lint typecheck bench clean

# The demo's ports: amo1c, the fake amoCRM, the fake 1C. Set them on the command line (`make demo PORT=9000
# AMOCRM_PORT=9001 ONEC_PORT=9002`); a PORT variable in the environment does not change them.
PORT = 8000
AMOCRM_PORT = 8001
ONEC_PORT = 8002

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/amo1c demo --port $(PORT) --amocrm-port $(AMOCRM_PORT) --onec-port $(ONEC_PORT)

lint: $(STAMP)
	$(BIN)/ruff check backend tests benchmarks
	$(BIN)/ruff format --check backend tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

browser-deps:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || echo "chromium missing: browser tests will be skipped"

# PostgreSQL 15's server programs: the test run and the benchmarks start their own cluster from them (unless
# AMO1C_TEST_PG names a server to use instead).
postgres-deps:
	@[ -n "$$AMO1C_TEST_PG" ] || [ -x /usr/lib/postgresql/15/bin/initdb ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15; } || echo "postgresql-15 missing: postgres tests will be skipped"

# nginx and systemd-analyze: tests/test_deploy.py checks deploy/'s nginx site and systemd unit with them.
deploy-deps:
	@{ command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } && command -v systemd-analyze >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light systemd || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx systemd; }; } || echo "nginx or systemd-analyze missing: the deploy tests will be skipped"

# Debian's wrk: the hot path benchmark's load generator (a C program, so it does not steal the CPU it measures).
bench-deps:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } || echo "wrk missing: the hot path benchmark will be skipped"

# The suite on SQLite, then every test that uses a database again on PostgreSQL (with the `postgres` tests).
test: $(STAMP) browser-deps postgres-deps deploy-deps
	$(BIN)/ruff check backend tests benchmarks
	$(BIN)/ruff format --check backend tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -m "not postgres"
	AMO1C_TEST_DB=postgres $(BIN)/pytest

bench: $(STAMP) postgres-deps bench-deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) dist var .pytest_cache .mypy_cache .ruff_cache
