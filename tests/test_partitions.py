"""Reporting months are Dagster partitions (issue 14, item 1).

- Every asset that depends on the period (int_reporting_period and everything downstream of it
  in dbt, publish, the verification workbooks, the report) carries the monthly partitions, as
  the webserver sees the definitions; no other asset does.
- `jember run --period P` materialises partition P; a run without --period materialises the
  month the data describes, in two Dagster runs that build no dbt model twice.
- A second month leaves the first month's history rows as they were.
- The period reaches dbt as an environment variable: a new month re-parses one file, not the
  project.
- The schedule and the sensors request runs the definitions accept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
from helpers import FAST_TIER, REPO, copy_tree, make_instance_file, output, query, run_jember

from dagster_project.definitions import defs
from dagster_project.pipeline import partition_key_of, run_config_for
from dagster_project.resources import PipelinePaths
from dagster_project.transform.assets import dbt_asset_keys, dbt_project

VENV_BIN = Path(sys.executable).parent
SAMPLE_MONTH = "2025-12"  # the month the shipped sample describes (its latest DTKS update)
OTHER_MONTH = "2025-10"


HISTORY = "select period, * from marts.mart_desa_history order by period, kode_desa"


def _dbt_results(target: Path) -> Counter[str]:
    """How many times dbt's log (dbt.log and its rotations) reports each model and test."""
    results: Counter[str] = Counter()
    for log in target.glob("dbt.log*"):
        for line in log.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event["info"]["name"] in ("LogModelResult", "LogTestResult"):
                results[event["data"]["node_info"]["unique_id"]] += 1
    return results


def _period_dependent_keys() -> set[str]:
    """From dbt's own graph (the manifest dbt parsed): int_reporting_period and every node
    downstream of it, as asset keys; and the Dagster assets after the marts."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    children = manifest["child_map"]
    start = "model.jember.int_reporting_period"
    seen, frontier = set(), [start]
    while frontier:
        node = frontier.pop()
        if node not in seen:
            seen.add(node)
            frontier += children.get(node, [])
    models = {
        f"{n['schema']}/{n.get('alias') or n['name']}"
        for uid, n in manifest["nodes"].items()
        if uid in seen and n["resource_type"] in ("model", "seed", "snapshot")
    }
    return models | {
        "published/analyst_tier",
        "restricted/verification_workbooks",
        "reports/laporan",
    }


def test_the_period_dependent_assets_and_only_they_are_partitioned_by_month_as_the_webserver_sees_them():
    # What the webserver reads: the repository's snapshot, serialised as the code server sends
    # it, from a process with nothing set.
    shown = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            textwrap.dedent("""
            import json
            from dagster._core.remote_representation.external_data import RepositorySnap
            from dagster_shared.serdes import deserialize_value, serialize_value
            from dagster_project.definitions import defs
            snap = deserialize_value(
                serialize_value(RepositorySnap.from_def(defs.get_repository_def())), RepositorySnap
            )
            print(json.dumps({
                node.asset_key.to_user_string(): None if node.partitions is None else {
                    "kind": type(node.partitions).__name__,
                    "cron": getattr(node.partitions, "cron_schedule", None),
                    "timezone": getattr(node.partitions, "timezone", None),
                    "end_offset": getattr(node.partitions, "end_offset", None),
                }
                for node in snap.asset_nodes if node.is_materializable
            }))
        """),
        ],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith(("JEMBER_", "DAGSTER_"))},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    partitions = json.loads(shown.stdout.strip().splitlines()[-1])
    expected = _period_dependent_keys()
    assert expected <= set(partitions), expected - set(partitions)
    partitioned = {key for key, p in partitions.items() if p is not None}
    assert partitioned == expected, (
        f"partitioned but not period-dependent: {sorted(partitioned - expected)}; "
        f"period-dependent but not partitioned: {sorted(expected - partitioned)}"
    )
    for key in partitioned:
        assert partitions[key] == {
            "kind": "TimeWindowPartitionsSnap",
            "cron": "0 0 1 * *",
            "timezone": "Asia/Jakarta",
            "end_offset": 1,  # the month under way is a partition too
        }, key
    # what does not depend on the period is built once per run, unpartitioned
    for key in ("raw/dtks", "staging/stg_dtks__persons", "intermediate/int_data_period"):
        assert partitions[key] is None, key
    assert "marts/mart_desa_history" in partitioned and "marts/mart_desa" in partitioned


def test_the_partitioned_job_takes_every_month_from_2021_to_this_one():
    from dagster_project.runstate import period_range

    job = defs.resolve_job_def("jember_pipeline")
    keys = job.partitions_def.get_partition_keys()
    first, last = period_range()
    assert keys[0] == "2021-01-01" and keys[-1] == partition_key_of(last)
    assert defs.resolve_job_def("jember_latest").partitions_def is None


def test_a_bad_or_out_of_range_period_is_refused_before_anything_runs(tmp_path):
    for period in ("2020-12", "2099-01"):
        refused = run_jember(
            "run",
            "--raw-dir",
            str(REPO / "raw"),
            "--data-dir",
            str(tmp_path / "d"),
            "--period",
            period,
        )
        assert refused.returncode == 1, output(refused)
        assert "not a reporting month" in refused.stdout
    assert not (tmp_path / "d" / "warehouse.duckdb").exists()


def test_the_schedule_and_the_sensors_request_runs_the_definitions_accept(tmp_path):
    from dagster_project.sensors import _report_request, raw_files_sensor

    latest = defs.resolve_job_def("jember_latest")
    schedule = defs.resolve_schedule_def("monthly_run")
    with dg.build_schedule_context(scheduled_execution_time=None) as context:
        data = schedule.evaluate_tick(context)
    assert data.run_requests and len(data.run_requests) == 1
    request = data.run_requests[0]
    assert schedule.job_name == latest.name and request.partition_key is None
    dg.validate_run_config(latest, request.run_config)

    raw = copy_tree(REPO / "raw", tmp_path / "raw")
    paths = PipelinePaths(raw_dir=str(raw), data_dir=str(tmp_path / "data"))
    with dg.build_sensor_context(resources={"paths": paths}) as context:
        sensed = defs.resolve_sensor_def("raw_files_sensor")(context)
    assert isinstance(sensed, dg.RunRequest) and sensed.partition_key is None
    assert defs.resolve_sensor_def("raw_files_sensor").job_name == latest.name
    dg.validate_run_config(latest, sensed.run_config)
    assert raw_files_sensor.job_name == latest.name

    # What `jember run` hands each of its runs is config the job declares.
    dg.validate_run_config(latest, run_config_for(raw, tmp_path / "data", full=True))
    pipeline = defs.resolve_job_def("jember_pipeline")
    dg.validate_run_config(pipeline, run_config_for(raw, tmp_path / "data", keep_releases=2))

    # After a UI run of a month's assets, the report job is asked for that month.
    ui_run = dg.DagsterRun(
        job_name="__ASSET_JOB",
        run_id="ui",
        asset_selection=frozenset({dg.AssetKey(["marts", "mart_desa"])}),
        tags={"dagster/partition": partition_key_of(OTHER_MONTH)},
    )
    report = _report_request(ui_run)
    assert isinstance(report, dg.RunRequest)
    assert report.partition_key == partition_key_of(OTHER_MONTH)
    report_job = defs.resolve_job_def("jember_report")
    assert report_job.partitions_def.has_partition_key(report.partition_key)


@pytest.fixture(scope="module")
def two_months(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """On one data dir and one Dagster instance: a run without --period (in this process,
    pipeline.run_pipeline, as `jember run` runs it), then `jember run --period OTHER_MONTH`."""
    if os.environ.get(FAST_TIER):
        pytest.skip("runs the whole pipeline: full tier only (make test)")
    work = tmp_path_factory.mktemp("partitions")
    raw = copy_tree(REPO / "raw", work / "raw")
    data, home = work / "data", work / "dagster_home"
    # the instance `make run` records into (its event log: dagster_project/instance_storage.py),
    # read back by a third instance in the tests below, as the webserver reads it
    make_instance_file(home)
    from dagster_project.pipeline import run_pipeline

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        first = run_pipeline(raw, data, instance=instance)
    finally:
        instance.dispose()
    history_first = query(data / "warehouse.duckdb", HISTORY)
    dbt_results_first = _dbt_results(data / "dbt-target")
    second = run_jember(
        "run",
        "--raw-dir",
        str(raw),
        "--data-dir",
        str(data),
        "--period",
        OTHER_MONTH,
        # dbt's debug log says which files a partial parse read again (transform/assets.py)
        env={"DAGSTER_HOME": str(home), "JEMBER_DBT_LOG_LEVEL_FILE": "debug"},
    )
    return {
        "raw": raw,
        "data": data,
        "home": home,
        "first": first,
        "history_first": history_first,
        "dbt_results_first": dbt_results_first,
        "second": second,
    }


@pytest.mark.whole_pipeline
def test_a_run_without_period_builds_no_dbt_model_twice_and_runs_the_data_month(two_months):
    first = two_months["first"]
    assert first.success, [e.message for e in first.all_events if e.is_failure]
    assert first.period == SAMPLE_MONTH
    assert len(first.runs) == 2
    # Every dbt asset materialised exactly once across the two Dagster runs.
    materialised = Counter(
        e.asset_key
        for e in first.all_events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    )
    dbt_keys = set(dbt_asset_keys())
    twice = {k.to_user_string(): n for k, n in materialised.items() if k in dbt_keys and n > 1}
    assert twice == {}, f"built more than once: {twice}"
    # ... and every model (not a seed or source) was built, in one run or the other
    models = {k for k in dbt_keys if k.path[0] in ("staging", "intermediate", "marts", "reporting")}
    assert models - set(materialised) == set()
    # The first run is not partitioned; the second is the data's month.
    latest, month = first.runs
    assert (
        latest.dagster_run.job_name == "jember_latest"
        and latest.dagster_run.tags.get("dagster/partition") is None
    )
    assert month.dagster_run.tags.get("dagster/partition") == partition_key_of(SAMPLE_MONTH)
    published = {
        e.asset_key.to_user_string()
        for e in month.all_events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }
    assert "published/analyst_tier" in published
    assert "marts/mart_desa" in published and "staging/stg_dtks__persons" not in published
    # dbt's own log of the two builds: every model and every data test of the manifest ran once
    results = two_months["dbt_results_first"]
    manifest = json.loads(dbt_project.manifest_path.read_text())
    for kind in ("model", "test"):
        in_manifest = {u for u, n in manifest["nodes"].items() if n["resource_type"] == kind}
        assert {u for u in results if u.startswith(kind + ".")} == in_manifest
    assert {uid: n for uid, n in results.items() if n != 1} == {}


@pytest.mark.whole_pipeline
def test_jember_run_with_a_period_materialises_that_partition_and_keeps_the_other_month(
    two_months,
):
    second = two_months["second"]
    assert second.returncode == 0, output(second)
    instance = dg.DagsterInstance.from_config(str(two_months["home"]))
    try:
        for key in (
            ["marts", "mart_desa"],
            ["marts", "mart_desa_history"],
            ["published", "analyst_tier"],
            ["restricted", "verification_workbooks"],
            ["reports", "laporan"],
        ):
            months = instance.get_materialized_partitions(dg.AssetKey(key))
            assert months == {partition_key_of(SAMPLE_MONTH), partition_key_of(OTHER_MONTH)}, (
                key,
                months,
            )
        # not partitioned: materialised, with no partition
        records = instance.fetch_materializations(
            dg.AssetKey(["intermediate", "int_data_period"]), limit=10
        ).records
        assert records and all(r.partition_key is None for r in records)
    finally:
        instance.dispose()
    data = two_months["data"]
    assert query(
        data / "warehouse.duckdb", "select period from intermediate.int_reporting_period"
    ) == [(OTHER_MONTH,)]
    assert (data / "reports" / f"laporan-{OTHER_MONTH}.html").exists()
    assert (data / "reports" / f"laporan-{SAMPLE_MONTH}.html").exists()
    assert (data / "restricted" / "verifikasi" / OTHER_MONTH).is_dir()
    # History keeps one partition per month: the first month's rows as they were.
    history = query(data / "warehouse.duckdb", HISTORY)
    assert {row[0] for row in two_months["history_first"]} == {SAMPLE_MONTH}
    assert [row for row in history if row[0] != OTHER_MONTH] == two_months["history_first"]
    assert sum(1 for row in history if row[0] == OTHER_MONTH) == 248
    published = query(
        data / "published" / "jember.duckdb",
        "select distinct period from mart_desa_history order by 1",
    )
    assert published == [(OTHER_MONTH,), (SAMPLE_MONTH,)]


@pytest.mark.whole_pipeline
def test_another_month_keeps_the_person_tables_and_the_ui_says_why(two_months):
    """The second month's run reads the same raw files: the tables built from the DTKS and PKH
    files alone are not built again (transform/person_tables.py). In one Dagster run with the
    steps after dbt (`--period`), those steps still run, and the UI shows each kept table
    current in this run, saying why it was not built."""
    from dagster_project.transform.person_tables import kept_models

    second = two_months["second"]
    assert second.returncode == 0, output(second)
    # every table the manifest says may be kept (a count, so that a new resolution model does
    # not need this test edited; which tables they are: test_incremental)
    manifest = json.loads((REPO / "dbt" / "target" / "manifest.json").read_text())
    kept = len(kept_models(manifest))
    assert kept >= 30
    assert f"person tables kept: {kept} tables" in second.stdout, second.stdout
    instance = dg.DagsterInstance.from_config(str(two_months["home"]))
    try:
        key = dg.AssetKey(["intermediate", "int_persons_clustered"])
        records = instance.fetch_materializations(key, limit=10).records
        first_runs = set(two_months["first"].run_ids)
        built = [r for r in records if r.run_id in first_runs]
        kept = [r for r in records if r.run_id not in first_runs]
        assert built and "kept" not in built[0].asset_materialization.metadata
        assert len(kept) == 1 and "kept" in kept[0].asset_materialization.metadata
    finally:
        instance.dispose()


@pytest.mark.whole_pipeline
def test_a_new_month_reparses_one_dbt_file_not_the_project(two_months):
    """The period is an environment variable read by int_reporting_period only: the second
    month's run parses once (its dbt worker, for both builds) and re-parses that file at most
    (dbt's partial parsing), never the whole project."""
    assert two_months["second"].returncode == 0, output(two_months["second"])
    target = two_months["data"] / "dbt-target"
    events = []
    for log in target.glob("dbt.log*"):
        for line in log.read_text(errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    names = Counter(e["info"]["name"] for e in events)
    assert names["UnableToPartialParse"] == 0, [
        e["info"]["msg"] for e in events if e["info"]["name"] == "UnableToPartialParse"
    ]
    # the first run logged at info, the second at debug: the second run's one parse
    assert names["PartialParsingEnabled"] == 1
    updated = {
        e["info"]["msg"].rsplit("/", 1)[-1]
        for e in events
        if e["info"]["name"] == "PartialParsingFile"
    }
    assert updated <= {"int_reporting_period.sql"}, updated


def test_the_instance_the_makefile_writes_runs_one_backfill_month_at_a_time(tmp_path):
    """A backfill queues its months (one run per month, BackfillPolicy) and the instance
    starts one run at a time: one DuckDB writer."""
    home = tmp_path / "home"
    make_instance_file(home)
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    finally:
        instance.dispose()
    for asset in ("jember_dbt_period_models", "published__analyst_tier"):
        node = next(a for a in defs.resolve_asset_graph().assets_defs if a.node_def.name == asset)
        assert node.backfill_policy == dg.BackfillPolicy.multi_run(1), asset


def test_the_month_job_without_a_month_stops_at_once_and_writes_nothing(tmp_path):
    """`dagster job execute -j jember_pipeline` with no partition (the command of the README
    before periods were partitions): a clear error before ingestion, no warehouse, no report."""
    data = tmp_path / "data"
    result = defs.resolve_job_def("jember_pipeline").execute_in_process(
        run_config=run_config_for(REPO / "raw", data),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert [e.step_key for e in failures] == ["ingest_raw_files"]
    assert "runs one reporting month" in str(failures[0].step_failure_data.user_failure_data) + str(
        failures[0].step_failure_data.error
    )
    assert not (data / "warehouse.duckdb").exists()
    assert not (data / "reports").exists()
