"""The run's dbt worker (transform/dbt_worker.py) on its own, with real dbt over the hand-made
raw tables: one parse serves several builds, a build hands the warehouse back when it reports
done, a failed build says dbt's error and leaves the worker serving, and a worker that dies
during a build fails that build instead of hanging the run. Fast tier: no Dagster run."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from handmade_delivery import build_raw_warehouse

from dagster_project.transform.dbt_worker import DbtBuildError, DbtWorker


def _logged(target: Path) -> list[dict]:
    """Every event in the worker's dbt.log (JSON lines)."""
    return [
        json.loads(line)
        for line in (target / "dbt.log").read_text().splitlines()
        if line.startswith("{")
    ]


def _invocations(target: Path) -> list[set[str]]:
    """dbt's invocations in dbt.log, each as the names of the events it logged."""
    by_id: dict[str, set[str]] = {}
    for event in _logged(target):
        by_id.setdefault(event["info"]["invocation_id"], set()).add(event["info"]["name"])
    return list(by_id.values())


@pytest.fixture(scope="module")
def raw_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("worker") / "warehouse.duckdb"
    build_raw_warehouse(warehouse)
    return warehouse


@pytest.fixture(scope="module")
def worker(raw_warehouse: Path) -> Iterator[DbtWorker]:
    """One worker for the module's builds, as one serves a run's (each parse costs ~2 s)."""
    worker = DbtWorker(raw_warehouse.parent / "dbt-target")
    yield worker
    worker.close()


def _env(warehouse: Path) -> dict[str, str | None]:
    return {"JEMBER_DUCKDB_PATH": str(warehouse), "JEMBER_PERIOD": None}


def test_one_parse_serves_two_builds_and_each_build_hands_the_warehouse_back(worker, raw_warehouse):
    first = list(worker.build(["build", "--select", "stg_ingest__files"], _env(raw_warehouse)))
    # dbt closed the warehouse before it said the build was done: it opens for writing here
    with duckdb.connect(str(raw_warehouse)) as con:
        assert con.execute("select count(*) from staging.stg_ingest__files").fetchone()[0] > 0
    second = list(
        worker.build(["build", "--select", "stg_ingest__rejected_rows"], _env(raw_warehouse))
    )

    def results(messages: list[dict]) -> set[str]:
        return {
            m["event"]["data"]["node_info"]["unique_id"]
            for m in messages
            if "event" in m and m["event"]["info"]["name"] == "LogModelResult"
        }

    assert results(first) == {"model.jember.stg_ingest__files"}
    assert results(second) == {"model.jember.stg_ingest__rejected_rows"}
    # dbt's own lines come through for the run's log, the node's start among them
    assert any("START sql view model staging.stg_ingest__files" in m.get("log", "") for m in first)
    # the worker's one parse (it writes its timings), then only builds that did not parse
    # again: these two and any other test's of this module
    invocations = _invocations(worker.target)
    parsed = ["ParsePerfInfoPath" in names for names in invocations]
    assert parsed[0] and not any(parsed[1:]) and len(parsed) >= 3, parsed
    assert all("ConcurrencyLine" in names for names in invocations[1:])
    # owner-only, whatever the umask the worker was started under (this test's)
    for path in (worker.target, worker.target / "dbt.log"):
        assert path.stat().st_mode & 0o077 == 0, oct(path.stat().st_mode)


def test_a_failed_build_says_dbts_error_and_the_worker_serves_the_next(worker, raw_warehouse):
    # int_reporting_period reads int_data_period, which this warehouse does not hold
    with pytest.raises(DbtBuildError) as failed:
        list(worker.build(["build", "--select", "int_reporting_period"], _env(raw_warehouse)))
    assert "int_data_period" in str(failed.value)
    assert str(worker.target / "dbt.log") in str(failed.value)
    assert worker.alive()
    done = list(worker.build(["build", "--select", "stg_ingest__files"], _env(raw_warehouse)))
    assert any("event" in m for m in done)


def test_a_worker_that_dies_during_a_build_fails_that_build(raw_warehouse, tmp_path):
    own = DbtWorker(tmp_path / "dbt-target")
    with pytest.raises(DbtBuildError, match="worker process ended"):
        for message in own.build(["build", "--select", "staging"], _env(raw_warehouse)):
            if "event" in message:
                own.process.send_signal(signal.SIGKILL)
    assert not own.alive()
    own.close()


def test_dbt_log_holds_debug_lines_only_when_asked(worker, raw_warehouse, tmp_path, monkeypatch):
    """The worker drops dbt's debug events (_debug_events_dropped): dbt.log at the
    default level has none; JEMBER_DBT_LOG_LEVEL_FILE=debug still brings every SQL statement."""

    def levels(target: Path) -> set[str]:
        return {event["info"]["level"] for event in _logged(target)}

    list(worker.build(["build", "--select", "stg_ingest__files"], _env(raw_warehouse)))
    assert "info" in levels(worker.target) and "debug" not in levels(worker.target)
    monkeypatch.setenv("JEMBER_DBT_LOG_LEVEL_FILE", "debug")
    debug = DbtWorker(tmp_path / "dbt-target")
    try:
        list(debug.build(["build", "--select", "stg_ingest__files"], _env(raw_warehouse)))
    finally:
        debug.close()
    assert "debug" in levels(debug.target)
    sql = [event for event in _logged(debug.target) if event["info"]["name"] == "SQLQuery"]
    assert any("stg_ingest__files" in event["data"]["sql"] for event in sql)
