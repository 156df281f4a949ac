# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test quick lint types unit bench simulate clean docs check-long

# (Re)create the virtual environment whenever the project's dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]' --group dev
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/clientsuccess-connector demo

test: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy

# Every test, spread over the cores (most of a slow test's time is waiting on a browser, a
# subprocess or the simulator), with coverage held above COVERAGE_FLOOR percent. The floor
# holds where every suite must run (CS_REQUIRE_POSTGRES=1, as .ci/run sets): without a
# PostgreSQL server its tests skip and coverage falls below it for that reason alone.
PYTEST_WORKERS ?= 4
COVERAGE_FLOOR ?= $(if $(filter 1,$(CS_REQUIRE_POSTGRES)),94,0)
unit: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadgroup \
	  --cov=clientsuccess_connector --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# make quick: the tests not marked slow (no browser, packaging, Singer target or kills).
quick: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadgroup -m "not slow"

# make docs: rewrite the generated docs (CLI reference, templates) from the code.
docs: $(STAMP)
	$(BIN)/python scripts/gen_docs.py

# make check-long: the generative checker at length (CHECKER_EXAMPLES cases of CHECKER_STEPS steps,
# seed CHECKER_SEED); `make test` runs a fixed slice of it. docs/reliability.md records the last run.
CHECKER_EXAMPLES ?= 400
CHECKER_STEPS ?= 15
CHECKER_SEED ?= 27
check-long: $(STAMP)
	CS_CHECKER_EXAMPLES=$(CHECKER_EXAMPLES) CS_CHECKER_STEPS=$(CHECKER_STEPS) \
	  $(BIN)/pytest -q -p no:cacheprovider -o timeout=0 --hypothesis-seed=$(CHECKER_SEED) \
	  --hypothesis-show-statistics tests/property/test_sync_checker.py

simulate: $(STAMP)
	$(BIN)/clientsuccess-connector simulate --port 8765

# make bench: every benchmark (~40 min on 2 cores); BENCH_ARGS=--quick for small data, one round.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .import_linter_cache .grimp_cache clientsuccess-demo.duckdb
