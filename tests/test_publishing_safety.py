"""Safe publishing, proven with real processes: `jember run` killed with SIGKILL in each stage
leaves the published release intact and readable, the next run recovers, and the same inputs
publish the same data.

A run is killed as a whole process group (the CLI and the dbt process it starts), as a machine
losing power or `systemctl kill` would do. (Killing only the CLI would leave its dbt child
writing to the warehouse until dbt finishes on its own.)
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from helpers import copy_tree, parquet_hashes, published_snapshot, run_jember, says, start_jember


def _assert_readable(published: Path) -> None:
    with duckdb.connect(str(published / "jember.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from mart_desa").fetchone()[0] == 248
    assert pq.read_table(published / "mart_desa.parquet").num_rows == 248


def _run_and_kill(raw: Path, data: Path, trigger: str, delay: float) -> list[str]:
    """Start `jember run`, SIGKILL its process group `delay` s after `trigger` shows in its output."""
    # --full: the same inputs as the published run would otherwise end at once in "nothing new"
    proc = start_jember(
        "run", "--full", "--raw-dir", str(raw), "--data-dir", str(data), stderr=subprocess.DEVNULL
    )
    lines = []
    try:
        deadline = time.monotonic() + 600
        for line in proc.stdout:
            lines.append(line.rstrip())
            if says(line, trigger):
                time.sleep(delay)
                break
            assert time.monotonic() < deadline, "trigger never came"
        else:
            pytest.fail(f"the run ended before '{trigger}':\n" + "\n".join(lines))
        assert proc.poll() is None, "the run finished before it could be killed:\n" + "\n".join(
            lines
        )
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return lines


@pytest.fixture(scope="module")
def published_once(tiny_run) -> dict:
    """A data folder with one published release (the session's tiny run) to copy and attack."""
    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-3000:]
    return tiny_run


# (stage, output line that says the stage is under way, seconds to wait before the kill)
KILL_POINTS = [
    ("ingestion", "ingest read raw/dtks", 0.0),  # DTKS written, PKH being read and written
    ("dbt", "dbt started", 8.0),  # dbt build takes ~20 s on the tiny delivery
    ("validation", "checks started", 2.0),  # the GX suites take ~5 s
    ("switch", "publish started", 0.0),
]


@pytest.mark.parametrize("stage,trigger,delay", KILL_POINTS, ids=[k[0] for k in KILL_POINTS])
def test_a_run_killed_during_a_stage_leaves_the_release_intact_and_the_next_run_recovers(
    published_once, tmp_path, stage, trigger, delay
):
    raw = published_once["raw"]
    data = copy_tree(published_once["data"], tmp_path / "data")
    published = data / "published"
    before = published_snapshot(data)
    old_release = published.resolve()

    lines = _run_and_kill(raw, data, trigger, delay)
    left = {
        "wal": (data / "warehouse.duckdb.wal").exists(),
        "partial_releases": sorted(p.name for p in (data / "releases").glob(".*.partial")),
        "switch_link": (data / "published.switch").is_symlink(),
    }
    print(f"killed during {stage} after: {lines[-1]!r}; left behind: {left}")

    after = published_snapshot(data)
    if stage == "switch" and after != before:
        # Killed after the switch: the new release must then be complete, and the old one untouched.
        new = published.resolve()
        manifest = json.loads((new / "release.json").read_text())
        assert {f"{t}.parquet" for t in manifest["tables"]} <= {p.name for p in new.iterdir()}
        assert {k: v for k, v in _snapshot_dir(old_release).items()} == {
            k: v for k, v in before.items() if k != "->"
        }
        print("the kill landed after the switch: the new release was complete")
    else:
        assert after == before, f"published release changed after a kill during {stage}"
    _assert_readable(published)

    again = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    _assert_readable(published)
    assert published.resolve() != old_release
    assert not list((data / "releases").glob(".*.partial")), "partial releases are cleaned up"
    assert not (data / "published.switch").is_symlink()
    # The recovered run publishes what the clean run published (same inputs, same data).
    assert parquet_hashes(published) == parquet_hashes(published_once["data"] / "published")


def _snapshot_dir(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_same_inputs_publish_the_same_data(published_once: dict, two_runs: dict) -> None:
    """The tiny delivery run twice into two empty data folders: the session's tiny run, and
    run A of conftest.two_runs (the same files under other paths, another run beside it)."""
    first = published_once["data"] / "published"
    assert two_runs["a"].returncode == 0, two_runs["a_out"][-4000:]
    second = two_runs["data"] / "published"
    assert first.resolve().name != second.resolve().name, "two different releases"

    # Table contents, compared in DuckDB both ways (a multiset difference, rows in any order).
    with duckdb.connect() as con:
        con.execute("attach ? as a (read_only)", [str(first / "jember.duckdb")])
        con.execute("attach ? as b (read_only)", [str(second / "jember.duckdb")])
        tables_a = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'a' order by 1"
            ).fetchall()
        ]
        tables_b = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'b' order by 1"
            ).fetchall()
        ]
        assert tables_a == tables_b and tables_a
        for table in tables_a:
            for x, y in (("a", "b"), ("b", "a")):
                diff = con.execute(
                    f'select count(*) from (select * from {x}.main."{table}"'
                    f' except all select * from {y}.main."{table}")'
                ).fetchone()[0]
                assert diff == 0, f"{table}: {diff} rows of {x} not in {y}"
    # And the Parquet files are byte-identical, so a checksum tells an analyst nothing changed.
    assert parquet_hashes(first) == parquet_hashes(second)
    assert len(parquet_hashes(first)) == len(tables_a)


def test_doubles_that_differ_only_by_summation_order_publish_the_same_bytes(tmp_path):
    """A sum of doubles depends on the order threads add them: 81.96 in one run,
    81.96000000000001 in the next. Published files must not change because of it."""
    from dagster_project.publishing.release import build_release

    releases = []
    for i, value in enumerate(("81.96000000000001", "81.96")):
        warehouse = tmp_path / f"w{i}.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            con.execute("create schema marts")
            con.execute(
                f"create table marts.mart_kecamatan as select '35.09.01' as kode_kecamatan, "
                f"{value}::double as bps_luas_km2, 123456789012345.67::double as big, 0::double as zero, "
                "'nan'::double as not_a_number"
            )
        releases.append(build_release(warehouse, tmp_path / "releases", f"r{i}", {}))
    assert parquet_hashes(releases[0]) == parquet_hashes(releases[1])
    row = duckdb.read_parquet(str(releases[0] / "mart_kecamatan.parquet")).fetchall()[0]
    assert row[:4] == ("35.09.01", 81.96, 123456789012.0 * 1000, 0.0)
