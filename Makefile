# Two commands do everything on a fresh machine with Python 3.11 and pip:
#   make run    install, then run the whole pipeline on the sample data in raw/
#   make test   install, then run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt/target/manifest.json
DBT_SOURCES := $(shell find dbt -path dbt/target -prune -o -path dbt/logs -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' -o -name '*.md' -o -name '*.py' \) -print)

export JEMBER_RAW_DIR ?= raw
export JEMBER_DATA_DIR ?= data
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: install manifest run lint test test-fast report-tools dev bench bench-sample bench-linkage bench-targeting clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml dev/pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,lint]" -e ./dev
	touch $@

# Dagster reads dbt's manifest at definition time; it is prepared here, never on import.
# JEMBER_DUCKDB_PATH as every run's dbt worker parses with (transform/dbt_worker.py
# PARSE_WAREHOUSE): the same profile, so each run's parse reuses this one (partial parsing).
manifest: $(MANIFEST)

$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd dbt && JEMBER_DUCKDB_PATH='~/warehouse.duckdb' ../$(BIN)/dbt parse --quiet --project-dir . --profiles-dir .
	touch $@

# An instance file, so Dagster neither warns that it is missing nor sends telemetry (the
# warning and the telemetry note landed among the UI's and the CLI's lines). One run at a time
# from the UI's queue: a backfill of several months queues them one by one (one DuckDB file,
# one writer), where each would otherwise start at once and all but one stop on the data dir's
# run lock. The event log keeps each SQLite database open between events
# (dagster_project/instance_storage.py): Dagster's default opens and closes it for each of a
# run's ~1,300 events, ~4 s of a run of the shipped sample.
DAGSTER_YAML := $(DAGSTER_HOME)/dagster.yaml
$(DAGSTER_YAML):
	mkdir -p $(DAGSTER_HOME)
	printf 'telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n' > $@
	printf 'event_log_storage:\n  module: dagster_project.instance_storage\n  class: PooledSqliteEventLogStorage\n  config:\n    base_dir: "%s"\n' '$(DAGSTER_HOME)/history/runs' >> $@

run: $(MANIFEST) | $(DAGSTER_YAML)
	$(BIN)/jember run --raw-dir $(JEMBER_RAW_DIR) --data-dir $(JEMBER_DATA_DIR)

# Guard rails, run by CI before the tests: Python lint and format (ruff), SQL lint of the dbt
# models (sqlfluff, dbt templater), types of the runtime package (mypy). The dbt templater
# compiles every model against a scratch warehouse that holds the seeds (the koperasi stage
# macro reads its seed while compiling), with its own target folder so the pipeline's manifest
# stays as it is. sqlfluff runs with a higher recursion limit: the name normal form macro
# renders to an expression nested deeper than its parser's default allows.
LINT_DIR := $(CURDIR)/.lint
SQLFLUFF := $(BIN)/python -c 'import sys; sys.setrecursionlimit(20000); from sqlfluff.cli.commands import cli; cli()'
lint: $(MANIFEST)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	mkdir -p $(LINT_DIR)
	cd dbt && JEMBER_DUCKDB_PATH=$(LINT_DIR)/warehouse.duckdb ../$(BIN)/dbt seed --quiet \
	  --project-dir . --profiles-dir . --target-path $(LINT_DIR)/target
	JEMBER_DUCKDB_PATH=$(LINT_DIR)/warehouse.duckdb $(SQLFLUFF) lint dbt/models dbt/tests

# Two pytest-xdist workers (the machine has 2 cores; a pipeline run is mostly one busy Python
# process). Whole modules go to one worker (loadscope, tests/conftest.py), so a module's fixture
# runs once; the session fixtures are built once for both workers. `pytest` alone runs in one
# process. PYTEST_WORKERS=0 runs `make test` in one process too.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope

test: $(MANIFEST) report-tools
	$(PYTEST)

# The everyday tier: every test except those that run the whole pipeline (`pytest --fast`).
test-fast: $(MANIFEST) report-tools
	$(PYTEST) --fast

# The report tests render HTML in headless Chromium and turn the PDF into PNG (Debian packages).
report-tools:
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils fonts-dejavu-core >/dev/null; } || \
	  echo "warning: could not install chromium/poppler-utils; report rendering tests will be skipped"

dev: $(MANIFEST) | $(DAGSTER_YAML)
	$(BIN)/dagster dev -m dagster_project.definitions

# Generates the jember scale (~1M persons) and runs the pipeline on it: time and peak memory per
# stage and per dbt model, where the dbt step's time goes (parse, execution, per resource type).
bench: $(MANIFEST)
	$(BIN)/python -m jember_dev.benchmark --scale jember --out bench

# The same profile of one run of the shipped sample (raw/): where a run's fixed cost goes.
bench-sample: $(MANIFEST)
	$(BIN)/python -m jember_dev.benchmark --raw-dir raw --out bench/sample

# Resolution accuracy against ground truth on `small` (seed 1): person, PKH-to-DTKS and family
# pairwise F1, village accuracy, conservation. TIMING=jember also times resolution at that scale.
bench-linkage: $(MANIFEST)
	$(BIN)/python -m jember_dev.linkage_benchmark --scale small --seed 1 --out bench-linkage $(if $(TIMING),--timing-scale $(TIMING))

# Targeting flags against the generator's planted cases on `small`: precision and recall per
# kind (inclusion, exclusion, duplicate aid, deceased recipient, component mismatch). SEED=2 etc.
bench-targeting: $(MANIFEST)
	$(BIN)/python -m jember_dev.targeting_benchmark --scale small --seed $(or $(SEED),1) --out bench-targeting

clean:
	rm -rf data .dagster_home dbt/target dbt/logs .lint
