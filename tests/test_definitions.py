"""The Dagster definitions load and show raw -> staging -> marts -> checks -> publish."""

from __future__ import annotations

import dagster as dg

from dagster_project.definitions import defs
from dagster_project.resources import PipelinePaths
from dagster_project.sensors import raw_files_sensor


def _graph():
    return defs.resolve_asset_graph()


def test_every_stage_is_an_asset():
    keys = {k.to_user_string() for k in _graph().get_all_asset_keys()}
    for expected in (
        "raw/dtks",
        "raw/pkh",
        "raw/bps_penduduk",
        "raw/bps_kemiskinan",
        "raw/koperasi",
        "raw/ingest_files",
        "reference/wilayah_jember",
        "staging/stg_dtks__persons",
        "staging/stg_pkh__disbursements",
        "marts/dim_wilayah",
        "marts/mart_desa",
        "published/analyst_tier",
    ):
        assert expected in keys, f"{expected} missing from the asset graph"


def test_lineage_runs_from_raw_files_to_publish():
    graph = _graph()
    mart_desa = dg.AssetKey(["marts", "mart_desa"])
    upstream = graph.get(mart_desa).parent_keys
    ancestors = set()
    frontier = set(upstream)
    while frontier:
        key = frontier.pop()
        if key not in ancestors:
            ancestors.add(key)
            frontier |= set(graph.get(key).parent_keys)
    assert dg.AssetKey(["raw", "dtks"]) in ancestors
    assert dg.AssetKey(["raw", "pkh"]) in ancestors
    assert dg.AssetKey(["staging", "stg_dtks__persons"]) in ancestors
    assert mart_desa in graph.get(dg.AssetKey(["published", "analyst_tier"])).parent_keys


def test_dbt_tests_and_great_expectations_suites_are_asset_checks():
    checks = {(c.asset_key.to_user_string(), c.name) for c in _graph().asset_check_keys}
    dbt_checks = [
        c for c in checks if c[1].startswith(("unique_", "not_null_", "relationships_", "source_"))
    ]
    assert any(a == "marts/mart_household" and n.startswith("unique_") for a, n in dbt_checks)
    # Source tests on the raw tables are checks too, on the ingestion assets.
    assert any(a == "raw/dtks" and n.startswith("source_not_null") for a, n in dbt_checks)
    gx_checks = [c for c in checks if c[1].startswith("gx_")]
    assert any(a == "marts/mart_desa" for a, _ in gx_checks)
    assert any(a.startswith("staging/") for a, _ in gx_checks)


def test_great_expectations_checks_block_publishing():
    """Blocking where Dagster allows it: on the month's (partitioned) models. A check on a
    period-independent model cannot block (the month's dbt step is downstream of that model and
    upstream of the gate: a cycle); publish refuses on the gate's verdict all the same
    (test_quality_gate, test_hostile_gate)."""
    graph = defs.resolve_asset_graph()
    specs = [s for s in graph.asset_check_keys if s.name.startswith("gx_")]
    assert specs
    for key in specs:
        partitioned = graph.get(key.asset_key).partitions_def is not None
        assert graph.get_check_spec(key).blocking == partitioned, key
    assert any(graph.get_check_spec(key).blocking for key in specs)


def test_sensor_requests_a_run_when_raw_files_change(tmp_path):
    raw = tmp_path / "raw"
    (raw / "dtks").mkdir(parents=True)
    (raw / "dtks" / "a.csv").write_text("NIK,NAMA\n1,A\n")
    paths = PipelinePaths(raw_dir=str(raw), data_dir=str(tmp_path / "data"))

    # `with`: PipelinePaths has a setup step (the run lock, taken only by runs, not sensors)
    with dg.build_sensor_context(resources={"paths": paths}) as context:
        first = raw_files_sensor(context)
    assert isinstance(first, dg.RunRequest)
    with dg.build_sensor_context(resources={"paths": paths}, cursor=first.run_key) as context:
        unchanged = raw_files_sensor(context)
    assert isinstance(unchanged, dg.SkipReason)
    (raw / "dtks" / "b.csv").write_text("NIK,NAMA\n2,B\n")
    with dg.build_sensor_context(resources={"paths": paths}, cursor=first.run_key) as context:
        changed = raw_files_sensor(context)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != first.run_key
    assert not (tmp_path / "data").exists(), "a sensor tick neither locks nor writes the data dir"


def test_cross_model_truths_are_asset_checks():
    """Singular dbt tests (conservation, totals) attach to the model they guard."""
    checks = {(c.asset_key.to_user_string(), c.name) for c in _graph().asset_check_keys}
    assert ("intermediate/rejected_rows", "assert_every_raw_row_accounted_for") in checks
    assert ("marts/mart_desa", "assert_mart_desa_has_every_village") in checks


def test_sensor_skips_while_another_process_holds_the_data_dir(tmp_path):
    """A tick during a CLI run would launch a run that fails on the lock: skip, with a reason,
    and keep the cursor so the change is picked up once the lock is free."""
    import subprocess
    import sys
    import textwrap

    raw, data = tmp_path / "raw", tmp_path / "data"
    (raw / "dtks").mkdir(parents=True)
    (raw / "dtks" / "a.csv").write_text("NIK,NAMA\n1,A\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import time
            from pathlib import Path
            from dagster_project.resources import begin_run
            begin_run(Path({str(data)!r}), Path({str(raw)!r}))
            print("holding", flush=True)
            time.sleep(600)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    paths = PipelinePaths(raw_dir=str(raw), data_dir=str(data))
    try:
        assert holder.stdout.readline().strip() == "holding"
        with dg.build_sensor_context(resources={"paths": paths}) as context:
            skipped = raw_files_sensor(context)
            assert context.cursor is None
        assert isinstance(skipped, dg.SkipReason)
        assert (
            f"pid {holder.pid}" in skipped.skip_message and "holds data dir" in skipped.skip_message
        )
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    with dg.build_sensor_context(resources={"paths": paths}) as context:
        assert isinstance(raw_files_sensor(context), dg.RunRequest)


def test_monthly_schedule_is_off_until_switched_on_and_every_asset_has_an_owner():
    schedule = defs.resolve_schedule_def("monthly_run")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    # the month the data describes, like `jember run` without --period
    assert schedule.job_name == "jember_latest"
    graph = _graph()
    for key in graph.get_all_asset_keys():
        assert graph.get(key).owners, f"{key.to_user_string()} has no owner"
        assert graph.get(key).description, f"{key.to_user_string()} has no description"


def test_report_sensors_follow_other_runs_but_not_the_pipeline_which_renders_its_own():
    from dagster_project.sensors import _report_request

    pipeline = dg.DagsterRun(job_name="jember_pipeline", run_id="a")
    assert isinstance(_report_request(pipeline), dg.SkipReason)
    ui_selection = dg.DagsterRun(
        job_name="__ASSET_JOB",
        run_id="b",
        asset_selection=frozenset({dg.AssetKey(["marts", "mart_desa"])}),
    )
    assert _report_request(ui_selection).run_key == "report-b"
    report_only = dg.DagsterRun(
        job_name="__ASSET_JOB",
        run_id="c",
        asset_selection=frozenset({dg.AssetKey(["reports", "laporan"])}),
    )
    assert isinstance(_report_request(report_only), dg.SkipReason)


def test_the_run_config_jember_run_builds_is_the_jobs_own():
    """`jember run --period --full --keep-releases` reach the job as run config (not through
    the environment): every key must be one the job declares, or the run would not start."""
    import pytest

    from dagster_project.pipeline import run_config_for

    job = defs.resolve_job_def("jember_pipeline")
    config = run_config_for("raw", "data", full=True, keep_releases=5)
    validated = dg.validate_run_config(job, config)
    assert validated["ops"]["published__analyst_tier"]["config"] == {"keep_releases": 5}
    assert validated["ops"]["ingest_raw_files"]["config"] == {"reread_unchanged": True}
    assert validated["ops"]["jember_dbt_models"]["config"] == {"rebuild_person_tables": True}
    assert "period" not in validated["resources"]  # the period is the run's partition
    config["ops"]["published__analyst_tier"]["config"] = {"keep": 5}
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(job, config)


def test_one_asset_with_its_checks_can_be_materialised_alone():
    """The UI's "Materialize" on one asset (and `dagster asset materialize --select`) runs that
    asset with its own checks, its Great Expectations suite among them. The suites are one op:
    unless it can run for a subset of its checks, Dagster refuses to build such a run
    (DagsterInvalidSubsetError)."""
    key = dg.AssetKey(["marts", "mart_region_match_summary"])
    checks = {c for c in _graph().asset_check_keys if c.asset_key == key}
    gx_check = dg.AssetCheckKey(key, "gx_mart_region_match_summary")
    assert gx_check in checks
    job = defs.resolve_implicit_global_asset_job_def()
    subset = job.get_subset(asset_selection={key}, asset_check_selection=checks)
    assert gx_check in subset.asset_layer.asset_graph.asset_check_keys
