# The two commands of the README. Each does its own set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
TEST_WORKERS ?= 3
BENCH_ARGS ?=
# e.g. make bench BENCH_ARGS="--seconds 5 --parts direct,pass-through,embedded"
# Test modules run in parallel processes (pytest-xdist), each module whole in one of them so its
# module-scoped fixtures are built once; most tests wait on servers and subprocesses, so three
# workers keep two cores busy (two left them about 30% idle).

.PHONY: run test fuzz bench lint openapi-lint format openapi screenshots clean

run: $(RUNTIME_STAMP)
	$(BIN)/gateway serve --sandbox

test: $(DEV_STAMP)
	@scripts/ensure-redis.sh
	@scripts/ensure-postgres.sh
	@scripts/ensure-chromium.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	tools/openapi-lint/lint.sh
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

fuzz: $(DEV_STAMP)  ## a long schemathesis run (CI runs a short one inside `make test`)
	GATEWAY_FUZZ_EXAMPLES=$${GATEWAY_FUZZ_EXAMPLES:-300} $(BIN)/pytest -p no:logging -s tests/integration/test_fuzzing.py

bench: $(DEV_STAMP)  ## the gateway against its baselines (prints the table, writes benchmarks/results/latest.md)
	@scripts/ensure-wrk.sh
	@scripts/ensure-redis.sh
	@scripts/ensure-postgres.sh
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

openapi: $(DEV_STAMP)  ## regenerate the committed OpenAPI document
	$(BIN)/gateway openapi --output openapi/openapi.json

screenshots:  ## copy the console screenshots of the last test run into docs/console/ (commit them)
	@test -n "$$(ls test-artifacts/console/*.png 2>/dev/null)" \
		|| { echo "no screenshots yet: run make test (or pytest tests/console) first" >&2; exit 1; }
	mkdir -p docs/console
	cp test-artifacts/console/*.png docs/console/

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	tools/openapi-lint/lint.sh

openapi-lint:  ## Redocly's and Spectral's recommended rules over openapi/openapi.json (npm ci on first use)
	tools/openapi-lint/lint.sh

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[sandbox]'
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,sandbox]'
	touch $@ $(RUNTIME_STAMP)

clean:
	rm -rf $(VENV) tools/openapi-lint/node_modules .pytest_cache .ruff_cache .gateway-data *.egg-info
