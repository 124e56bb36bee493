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
import graphlib
import os
import sys
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.asset_utils import (
    DAGSTER_DBT_EXCLUDE_METADATA_KEY,
    DAGSTER_DBT_SELECT_METADATA_KEY,
    DAGSTER_DBT_SELECTOR_METADATA_KEY,
    get_manifest_and_translator_from_dbt_assets,
    get_subset_selection_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from dagster_project.pipeline import code_fingerprint
from dagster_project.quality.validation import import_gx_in_background
from dagster_project.resources import (
    DBT_PROJECT_DIR,
    PipelinePaths,
    ensure_dbt_manifest,
)
from dagster_project.runstate import FIRST_PERIOD, PERIOD_TIMEZONE
from dagster_project.transform.dbt_worker import (
    PARSE_WAREHOUSE,
    DbtBuildError,
    last_period,
    remember_period,
    retire,
    worker_for,
)
from dagster_project.transform.person_tables import (
    PERSON_TABLES_KEPT,
    forget,
    kept_models,
    person_inputs,
    record,
    reusable,
)
from dagster_project.warehouse import base_tables, connect_read_only, scalar

# What dagster-dbt turns dbt's result events into (DbtCliEventMessage.to_default_asset_events)
DbtEvent = (
    dg.Output
    | dg.AssetMaterialization
    | dg.AssetObservation
    | dg.AssetCheckResult
    | dg.AssetCheckEvaluation
)


@contextlib.contextmanager
def _environment(**variables: str) -> Iterator[None]:
    """Set for this block only, so nothing of it stays behind in this process."""
    before = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# The manifest the definitions read, parsed with the warehouse string every run's dbt worker
# parses with (dbt_worker.PARSE_WAREHOUSE): its partial-parse file then serves every data dir.
with _environment(JEMBER_DUCKDB_PATH=PARSE_WAREHOUSE):
    ensure_dbt_manifest()
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


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


class DbtModelsConfig(dg.Config):
    rebuild_person_tables: bool = False
    """Build the tables that follow from the DTKS and PKH files alone (person resolution,
    households, ids) even when those files, the code and the year are those they were last
    built from (`jember run --full`; transform/person_tables.py)."""


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    exclude=PERIOD_SELECT,
    name="jember_dbt_models",
)
def jember_dbt_models(
    context: dg.AssetExecutionContext, config: DbtModelsConfig, paths: PipelinePaths
) -> Iterator[DbtEvent | dg.AssetObservation]:
    """The dbt models that do not depend on the reporting period: not partitioned. Those that
    follow from the DTKS and PKH files alone are built again only when those files changed
    (person_tables.py)."""
    yield from _dbt_build(
        context, paths, period="", rebuild_person_tables=config.rebuild_person_tables
    )


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
    context: dg.AssetExecutionContext, paths: PipelinePaths
) -> Iterator[DbtEvent | dg.AssetObservation]:
    """The dbt models of one reporting month (the run's partition)."""
    yield from _dbt_build(context, paths, period=context.partition_key)


def period_of_partition(partition_key: str) -> str:
    """`YYYY-MM` of a monthly partition key (`YYYY-MM-01`)."""
    return partition_key[:7]


# dbt unit tests test the models' code on fixed inputs, not the delivery: the same result on
# every run, so they run in the test suite (tests/test_dbt_models.py, a `dbt build` of the whole
# project) and in CI, not in each production build (measured on the sample: 9 unit tests,
# 4.3 s of node time). The data tests stay: they are about this delivery.
RUN_EXCLUDES = ["--exclude-resource-type", "unit_test"]


def _dbt_build(
    context: dg.AssetExecutionContext,
    paths: PipelinePaths,
    period: str,
    rebuild_person_tables: bool = False,
) -> Iterator[DbtEvent | dg.AssetObservation]:
    """`dbt build` of this step's models (those selected, when the UI materialises a subset),
    in the run's dbt worker (transform/dbt_worker.py), each node's result turned into Dagster
    events by dagster-dbt as it comes."""
    # One target folder per data dir, kept between runs: dbt keeps its partial-parse file up
    # to date there (it parses only what changed) and writes dbt.log there.
    target = paths.data / "dbt-target"
    manifest, translator, project = get_manifest_and_translator_from_dbt_assets(
        [context.assets_def]
    )
    selection, indirect_selection = get_subset_selection_for_context(
        context=context,
        manifest=manifest,
        select=context.op.tags.get(DAGSTER_DBT_SELECT_METADATA_KEY),
        exclude=context.op.tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY),
        selector=context.op.tags.get(DAGSTER_DBT_SELECTOR_METADATA_KEY),
        dagster_dbt_translator=translator,
        current_dbt_indirect_selection_env=None,
    )
    # The tables built from the DTKS and PKH files alone: kept when the step builds whole and
    # those files are those of its last whole build (person_tables.py); any other build
    # forgets what they were built from before it starts.
    inputs = None
    kept: list[str] = []
    if not period:
        models = kept_models(manifest)
        inputs = person_inputs_of(paths.warehouse)
        whole = not context.is_subset
        if (
            whole
            and not rebuild_person_tables
            and inputs is not None
            and reusable(paths.warehouse, inputs, models)
        ):
            selection = _with_excluded(selection, models)
            context.log.info(
                f"{PERSON_TABLES_KEPT} {len(models)} tables built from the DTKS and PKH files "
                "alone (person resolution, households, ids) are not built again: those files, "
                "the code and the year are those they were built from"
            )
            inputs = None  # the record stands as it is
            kept = models
        else:
            forget(paths.warehouse)
            if not whole:
                inputs = None  # a subset says nothing of the tables it did not build
    args = ["build", *RUN_EXCLUDES, *selection]
    if indirect_selection:
        args += ["--indirect-selection", indirect_selection]
    # The period reaches dbt as an environment variable (int_reporting_period reads it with
    # env_var). The period-independent build reads none: it gets the data dir's last one.
    value = period_of_partition(period) if period else last_period(target)
    env = {"JEMBER_DUCKDB_PATH": str(paths.warehouse), "JEMBER_PERIOD": value}
    # The quality gate follows the dbt steps: its Great Expectations import is done meanwhile.
    import_gx_in_background()
    built: list[dg.AssetKey] = []
    order = _DependencyOrder(context, manifest, translator)
    # Each kept table's output all the same, as if dbt had built it: the steps after this one
    # (in the same Dagster run, `jember run --period`) start only on the outputs they read, and
    # the UI shows the table current in this run, saying why it was not built again.
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] in kept:
            key = translator.get_asset_key(node)
            output_name = context.assets_def.get_output_name_for_asset_key(key)
            yield from order.add(
                dg.Output(None, output_name=output_name, metadata={"kept": KEPT_NOTE})
            )
    with worker_for(target) as worker:
        try:
            for message in worker.build(args, env):
                if "log" in message:  # the line dbt would have printed: to the run's log
                    sys.stdout.write(message["log"] + "\n")
                    continue
                result = DbtCoreCliEventMessage(
                    raw_event=message["event"], event_history_metadata={}
                )
                for event in result.to_default_asset_events(
                    manifest=manifest,
                    dagster_dbt_translator=translator,
                    context=context,
                    target_path=target,
                    project=project,
                ):
                    if isinstance(event, dg.Output):
                        built.append(context.asset_key_for_output(event.output_name))
                    elif isinstance(event, dg.AssetMaterialization):
                        built.append(event.asset_key)
                    yield from order.add(event)
        except DbtBuildError:
            yield from order.rest()  # what succeeded before the failure is recorded
            raise
    yield from order.rest()
    sys.stdout.flush()
    if inputs is not None:  # a whole build that built resolution, and succeeded
        record(paths.warehouse, inputs)
    if period and value is not None:
        remember_period(target, value)
        retire(target)
    yield from _table_observations(paths, built)


class _DependencyOrder:
    """A step's asset outputs go to Dagster in dependency order: an asset after every asset of
    the step it depends on (Dagster refuses the reverse). dbt finishes its nodes in that order,
    but a kept table (person_tables.py) is no dbt node and dbt runs its readers at once. So an
    asset's events (its output, then its checks) wait here until every selected asset of the
    step it depends on has gone out. With no kept table nothing waits."""

    def __init__(
        self,
        context: dg.AssetExecutionContext,
        manifest: Mapping[str, Any],
        translator: DagsterDbtTranslator,
    ) -> None:
        self.context = context
        selected = set(context.selected_asset_keys)
        nodes = manifest["nodes"]
        key_of = {
            uid: translator.get_asset_key(node)
            for uid, node in nodes.items()
            if node["resource_type"] in ("model", "seed", "snapshot")
        }
        self.parents = {
            key: {key_of[p] for p in manifest["parent_map"].get(uid, []) if p in key_of} & selected
            for uid, key in key_of.items()
            if key in selected
        }
        graph = {
            uid: [p for p in manifest["parent_map"].get(uid, []) if p in key_of] for uid in key_of
        }
        self.rank = {
            key_of[uid]: i for i, uid in enumerate(graphlib.TopologicalSorter(graph).static_order())
        }
        self.out: set[dg.AssetKey] = set()  # assets whose output has gone out
        self.waiting: dict[dg.AssetKey, list[DbtEvent]] = {}
        self.has_output: set[dg.AssetKey] = set()

    def add(self, event: DbtEvent) -> Iterator[DbtEvent]:
        if isinstance(event, dg.Output):
            key, is_output = self.context.asset_key_for_output(event.output_name), True
        else:
            key, is_output = event.asset_key, isinstance(event, dg.AssetMaterialization)
        if key in self.out or key not in self.parents:
            yield event
            return
        self.waiting.setdefault(key, []).append(event)
        if is_output:
            self.has_output.add(key)
        progress = True
        while progress:
            progress = False
            for ready in sorted(self.has_output - self.out, key=self.rank.__getitem__):
                if self.parents[ready] <= self.out:
                    self.out.add(ready)
                    yield from self.waiting.pop(ready)
                    progress = True

    def rest(self) -> Iterator[DbtEvent]:
        """At the end: whatever still waits (a failed build), in dependency order."""
        for key in sorted(self.waiting, key=lambda k: self.rank.get(k, -1)):
            self.out.add(key)
            yield from self.waiting.pop(key)


KEPT_NOTE = (
    "not built again in this run: the DTKS and PKH files, the code and the year are those it "
    "was last built from (transform/person_tables.py)"
)


def _with_excluded(selection: list[str], models: list[str]) -> list[str]:
    """dbt selection arguments with `models` added to what `--exclude` leaves out."""
    if "--exclude" not in selection:
        return [*selection, "--exclude", *models]
    at = selection.index("--exclude") + 1
    end = next(
        (i for i in range(at, len(selection)) if selection[i].startswith("--")), len(selection)
    )
    return [*selection[:end], *models, *selection[end:]]


def person_inputs_of(warehouse: Path) -> str | None:
    """None before anything was ingested (the dbt step materialised alone in the UI)."""
    with connect_read_only(warehouse) as con:
        try:
            return person_inputs(con, code_fingerprint())
        except duckdb.CatalogException:
            return None


def dbt_asset_keys() -> list[dg.AssetKey]:
    """Every asset of both dbt steps."""
    return [*jember_dbt_models.keys, *jember_dbt_period_models.keys]


def _table_observations(
    paths: PipelinePaths, keys: list[dg.AssetKey]
) -> Iterator[dg.AssetObservation]:
    """Row count and column schema of every table dbt built, read once dbt's build has ended
    (the worker closes the warehouse before it says so).

    Not dagster-dbt's fetch_row_counts()/fetch_column_metadata(): they query through a dbt
    adapter in this process while dbt's worker still holds the warehouse for writing. Here one
    read-only connection, closed before the gate opens its own.
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
        tables = base_tables(con)
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
