"""The dbt project as Dagster assets: every model, seed and source keyed by its DuckDB relation.

One rule maps dbt resources to asset keys: `[schema, relation name]` (`raw/dtks`,
`staging/stg_dtks__persons`, `marts/mart_desa`), so dbt sources land on the ingestion assets
that write them and Great Expectations checks can name their asset as `schema.table`.
The manifest is prepared by the build step (`make manifest`, i.e. `dbt parse`); when it is
missing or older than dbt's files (a fresh clone, an edit under `dagster dev`), loading the
definitions parses again with the dbt beside this interpreter. dagster-dbt's own
`prepare_if_dev()` is not used: it calls `dbt` on PATH, which `make dev` does not have.
"""

import contextlib
import importlib.metadata
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from dagster_project.quality.validation import import_gx_in_background
from dagster_project.resources import (
    DBT_PROJECT_DIR,
    PipelinePaths,
    ensure_dbt_manifest,
)
from dagster_project.runstate import FIRST_PERIOD, PERIOD_TIMEZONE
from dagster_project.warehouse import connect_read_only, scalar

# What dagster-dbt's event stream yields (DbtCliInvocation.stream)
DbtEvent = (
    dg.Output
    | dg.AssetMaterialization
    | dg.AssetObservation
    | dg.AssetCheckResult
    | dg.AssetCheckEvaluation
)


@contextlib.contextmanager
def _child_environment(**variables: str | None) -> Iterator[None]:
    """The dbt profile reads the warehouse path from the environment, and dagster-dbt hands
    dbt's process a copy of this one when it starts it (inside `dbt.cli`): set for that moment
    only, so nothing of one run's configuration stays behind in this process for the next.
    A variable given as None is unset for that moment."""
    before = {name: os.environ.get(name) for name in variables}
    for name, value in variables.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# The warehouse as dbt's profile names it, the same string for every run, and the process's
# HOME set to the run's data dir when dbt starts (DuckDB reads `~` from HOME). dbt re-parses the
# whole project (7 s of the sample's run) when the profile's connection values differ from the
# ones its partial-parse file was written with, and a warehouse path per data dir made every
# first run in a data dir (each test, a fresh clone's `make run`) parse it all again. The
# prepared parse (here and `make manifest`, with this same value) is now valid for every run.
DBT_WAREHOUSE = "~/warehouse.duckdb"

with _child_environment(JEMBER_DUCKDB_PATH=DBT_WAREHOUSE):
    ensure_dbt_manifest()
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class JemberDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two steps it takes in this process before every dbt
    command, which this pipeline never uses (measured on the sample: 4.6 s of each run):

    - `dbt --version` in a child process (2.9 s) to learn the dbt version: the dbt we run is
      the one installed beside this interpreter (resources.DBT_EXECUTABLE), so its version is
      dbt-core's package version.
    - a dbt adapter opened in this process (dbt imported, profile and macros loaded, 1.7 s): it
      serves only dagster-dbt's fetch_row_counts()/fetch_column_metadata(), which
      `jember_dbt_models` does not call (it reads row counts and columns itself, after dbt).

    Both are private methods of DbtCliResource (dagster-dbt pinned in constraints.txt); if a
    new version renamed them, the overrides would go unused and the run would only be slower.
    """

    def __init__(self, **fields: Any) -> None:
        # DbtCliResource's own __init__ (which takes a DbtProject as project_dir), stated for
        # the type checker, which otherwise sees only the resource's fields (project_dir: str).
        # Every field passes through: Dagster builds the resource again from all of them.
        super().__init__(**fields)

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


class JemberDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        relation = (
            dbt_resource_props.get("alias")
            or dbt_resource_props.get("identifier")
            or dbt_resource_props["name"]
        )
        return dg.AssetKey([dbt_resource_props["schema"], relation])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"]


dbt_translator = JemberDbtTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True,
        enable_source_tests_as_checks=True,
    )
)


# dbt unit tests test the models' code on fixed inputs, not the delivery: the same result on
# every run, so they run in the test suite (tests/test_dbt_models.py, a `dbt build` of the whole
# project) and in CI, not in each production build (measured on the sample: 9 unit tests,
# 4.3 s of node time). The data tests stay: they are about this delivery.
RUN_EXCLUDES = ["--exclude-resource-type", "unit_test"]
# No manifest.json / run_results.json in a run's dbt target folder: dbt writes the manifest
# twice per build (after parsing and again at the end) and nothing reads them; dagster-dbt
# takes every result from dbt's event stream, jember_dev.benchmark from dbt.log. ~0.4 s of
# dbt's Python per write (py-spy), four writes per run. The partial-parse file, which the next
# build reuses, is written either way.
NO_ARTIFACTS = ["--no-write-json"]
# dbt's log file (dbt-target/dbt.log) at info, not its default debug: debug writes ~30 lines of
# JSON per node (each SQL statement, connection and compile step), ~9 MB for one build of the
# shipped sample, and a build of the sample took 1-2.5 s longer with it (dbt CLI, 3 builds each
# way). Info keeps every node's start and result with its timing, the errors, and the lines
# jember_dev.benchmark reads. JEMBER_DBT_LOG_LEVEL_FILE=debug brings the full log back (every
# SQL statement dbt sent, which files a partial parse read again), for a diagnosis.
DBT_LOG_LEVEL_FILE_ENV = "JEMBER_DBT_LOG_LEVEL_FILE"


def _dbt_logging() -> list[str]:
    return ["--log-level-file", os.environ.get(DBT_LOG_LEVEL_FILE_ENV) or "info"]


# Periods are Dagster partitions: one per reporting month, from January 2021 through the
# current month (end_offset=1: the month under way is a partition too, a delivery can describe
# it). Wall-clock months of Jakarta, where the agencies date their files.
MONTHLY = dg.MonthlyPartitionsDefinition(
    start_date=f"{FIRST_PERIOD}-01", timezone=PERIOD_TIMEZONE, end_offset=1
)
# backfill_policy on @asset is "beta": its warning would print on every load, among the CLI's
# and the UI's lines.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
# One month per run in a backfill: the warehouse is one DuckDB file with one writer, and the
# history marts replace one period per build.
ONE_MONTH_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)

# What depends on the reporting period: int_reporting_period and everything downstream of it
# (`dbt ls --select int_reporting_period+`: the history marts, mart_desa and its roll-ups, the
# delivery-completeness check, most report figures). Everything else (staging, cleaning,
# resolution, targeting, int_data_period: the month the data describes) gives the same result
# for any period and is built unpartitioned, once per run.
PERIOD_SELECT = "int_reporting_period+"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    exclude=PERIOD_SELECT,
    name="jember_dbt_models",
)
def jember_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    paths: PipelinePaths,
) -> Iterator[DbtEvent | dg.AssetObservation]:
    """The dbt models that do not depend on the reporting period: not partitioned."""
    yield from _dbt_build(context, dbt, paths, period="")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    select=PERIOD_SELECT,
    name="jember_dbt_period_models",
    partitions_def=MONTHLY,
    backfill_policy=ONE_MONTH_PER_RUN,
)
def jember_dbt_period_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    paths: PipelinePaths,
) -> Iterator[DbtEvent | dg.AssetObservation]:
    """The dbt models of one reporting month (the run's partition)."""
    yield from _dbt_build(context, dbt, paths, period=context.partition_key)


# In the data dir's dbt target folder: the JEMBER_PERIOD its last month's build had.
LAST_PERIOD_FILE = "jember-period"


def period_of_partition(partition_key: str) -> str:
    """`YYYY-MM` of a monthly partition key (`YYYY-MM-01`)."""
    return partition_key[:7]


def _dbt_build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: PipelinePaths, period: str
) -> Iterator[DbtEvent | dg.AssetObservation]:
    # One target folder per data dir, kept between runs: dagster-dbt copies the prepared
    # partial-parse file into it on a data dir's first run, and from then on dbt keeps it
    # up to date there (dbt parses only what changed).
    target = paths.data / "dbt-target"
    assert paths.warehouse == paths.data / "warehouse.duckdb"  # what DBT_WAREHOUSE names
    # The period reaches dbt as an environment variable (int_reporting_period reads it with
    # env_var): when it changes, dbt re-parses that one file, where a --vars value would make
    # it parse the whole project again. The period-independent build reads no period: it is
    # given the value the data dir's last build had (unset on a first build, as the prepared
    # parse), so that dbt finds nothing changed and neither build re-parses a file while the
    # month stays the same.
    last_period = target / LAST_PERIOD_FILE
    if period:
        value: str | None = period_of_partition(period)
    else:
        value = last_period.read_text() if last_period.exists() else None
    # The quality gate follows the dbt steps: its Great Expectations import is done meanwhile.
    import_gx_in_background()
    with _child_environment(
        JEMBER_DUCKDB_PATH=DBT_WAREHOUSE, HOME=str(paths.data), JEMBER_PERIOD=value
    ):
        invocation = dbt.cli(
            ["build", *RUN_EXCLUDES, *NO_ARTIFACTS, *_dbt_logging()],
            context=context,
            target_path=target,
        )
    if period and value is not None:
        target.mkdir(parents=True, exist_ok=True)
        last_period.write_text(value)
    built: list[dg.AssetKey] = []
    for event in invocation.stream():
        if isinstance(event, (dg.Output, dg.AssetMaterialization)):
            built.append(
                context.asset_key_for_output(event.output_name)
                if isinstance(event, dg.Output)
                else event.asset_key
            )
        yield event
    yield from _table_observations(paths, built)


def dbt_asset_keys() -> list[dg.AssetKey]:
    """Every asset of both dbt steps."""
    return [*jember_dbt_models.keys, *jember_dbt_period_models.keys]


def _table_observations(
    paths: PipelinePaths, keys: list[dg.AssetKey]
) -> Iterator[dg.AssetObservation]:
    """Row count and column schema of every table dbt built, read once dbt's process has ended.

    Not dagster-dbt's fetch_row_counts()/fetch_column_metadata(): they query through dbt's
    adapter in this process while dbt's own process still holds the warehouse for writing (the
    queries waited, and the quality gate's read-only connection afterwards failed beside the
    adapter's open one). Here one read-only connection, closed before the gate opens its own.
    Observations, because a model's materialisation is reported when dbt finishes it, before
    the warehouse can be read.
    """
    if not keys:
        return
    with connect_read_only(paths.warehouse) as con:
        # keyed by (schema, table): the last two parts of a dbt asset's key
        columns: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for schema, table, column, data_type in con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() order by table_schema, table_name, ordinal_position"
        ).fetchall():
            columns.setdefault((schema, table), []).append((column, data_type))
        tables = {
            (schema, table)
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = current_database() and table_type = 'BASE TABLE'"
            ).fetchall()
        }
        for key in keys:
            relation = tuple(key.path[-2:])
            metadata: dict[str, dg.TableSchema | int] = {}
            if relation in columns:
                metadata["dagster/column_schema"] = dg.TableSchema(
                    columns=[
                        dg.TableColumn(name, data_type) for name, data_type in columns[relation]
                    ]
                )
            if relation in tables:  # views are not counted: counting runs their whole query
                schema, table = relation
                metadata["dagster/row_count"] = scalar(
                    con, f'select count(*) from "{schema}"."{table}"'
                )
            if metadata:
                yield dg.AssetObservation(asset_key=key, metadata=metadata)
