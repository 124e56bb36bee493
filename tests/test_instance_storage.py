"""The Dagster instance the Makefile writes keeps its SQLite event log open between events
(dagster_project/instance_storage.py), and records what Dagster's own storage records.

A real instance from the Makefile's dagster.yaml runs real jobs in this process (an asset with
a check, several runs); a second instance on the same files, as the webserver opens them, reads
every run's events, the asset's materializations and the check's evaluations back.
"""

from __future__ import annotations

import dagster as dg
from helpers import make_instance_file

from dagster_project.instance_storage import MAX_RUN_ENGINES, PooledSqliteEventLogStorage


@dg.asset
def counted() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=counted)
def counted_has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def test_the_makefile_instance_stores_every_event_and_another_instance_reads_them(tmp_path):
    home = tmp_path / "home"
    make_instance_file(home)
    instance = dg.DagsterInstance.from_config(str(home))
    runs = MAX_RUN_ENGINES + 2  # more runs than engines kept: the oldest are closed, not lost
    try:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        run_ids = []
        for _ in range(runs):
            result = dg.materialize([counted, counted_has_rows], instance=instance)
            assert result.success
            run_ids.append(result.run_id)
        # the index database and the latest runs' databases are open, no more
        assert len(storage._engines) <= MAX_RUN_ENGINES + 1
        written = {run_id: len(instance.all_logs(run_id)) for run_id in run_ids}
    finally:
        instance.dispose()
    assert storage._engines == {}

    # what the webserver sees: a new instance on the same DAGSTER_HOME
    reader = dg.DagsterInstance.from_config(str(home))
    try:
        for run_id in run_ids:
            assert (home / "history" / "runs" / f"{run_id}.db").exists()
            logs = reader.all_logs(run_id)
            assert len(logs) == written[run_id] > 10
            types = {e.dagster_event_type for e in logs if e.is_dagster_event}
            assert dg.DagsterEventType.RUN_SUCCESS in types
            assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
            assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in types
        materializations = reader.fetch_materializations(dg.AssetKey("counted"), limit=100)
        assert len(materializations.records) == runs
        assert {r.run_id for r in materializations.records} == set(run_ids)
        latest = materializations.records[0].asset_materialization
        assert latest is not None and latest.metadata["rows"].value == 3
        check = reader.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("counted"), "counted_has_rows")]
        )
        assert (
            check[dg.AssetCheckKey(dg.AssetKey("counted"), "counted_has_rows")].run_id
            == (run_ids[-1])
        )
    finally:
        reader.dispose()
