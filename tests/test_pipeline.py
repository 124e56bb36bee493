"""End to end: generated files -> `jember run` (real Dagster, dbt, GX, DuckDB) -> published files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from helpers import REPO, copy_tree, published_snapshot, run_jember


def test_clean_delivery_is_published(tiny_run):
    result = tiny_run["result"]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "published" in result.stdout and "wall time" in result.stdout
    published = tiny_run["data"] / "published"
    assert published.is_symlink()
    with duckdb.connect(str(published / "jember.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("show tables").fetchall()}
        assert {"mart_desa", "dim_wilayah"} <= tables
        assert con.execute("select count(*) from mart_desa").fetchone()[0] == 248
        assert con.execute("select count(distinct kode_desa) from mart_desa").fetchone()[0] == 248
        persons = con.execute("select sum(dtks_persons) from mart_desa").fetchone()[0]
        assert persons > 1000
    for table in tables:
        parquet = published / f"{table}.parquet"
        assert parquet.exists(), f"{table}.parquet missing"
    assert pq.read_table(published / "mart_desa.parquet").num_rows == 248


def test_the_runs_dbt_builds_share_one_parse_of_the_prepared_one_and_run_no_unit_test(tiny_run):
    """The first run in a fresh data dir: dbt's worker parses once, reusing the parse `make
    manifest` (or the definitions' load) prepared instead of parsing the whole project again
    because the profile differs (transform/dbt_worker.py PARSE_WAREHOUSE), and both builds of
    the run use that parse. Unit tests test code and run in the suite (test_dbt_models); a
    run's build runs every data test on the delivery and no unit test."""
    target = tiny_run["data"] / "dbt-target"
    log = "".join(p.read_text(errors="replace") for p in sorted(target.glob("dbt.log*")))
    assert "Running with dbt" in log
    assert "Unable to do partial parsing" not in log
    events = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    # dbt's invocations in this data dir, by the events each fired: one parse (dbt writes its
    # parse's timings), then the two builds of a run without --period (the period-independent
    # models, then the month's), neither of which parsed again.
    invocations: dict[str, set[str]] = {}
    for event in events:
        invocations.setdefault(event["info"]["invocation_id"], set()).add(event["info"]["name"])
    parses = [names for names in invocations.values() if "ParsePerfInfoPath" in names]
    builds = [names for names in invocations.values() if "ConcurrencyLine" in names]
    assert (len(parses), len(builds), len(invocations)) == (1, 2, 3), invocations
    # Their node results together, from dbt's own log of both builds.
    results = [
        event["data"]["node_info"]["unique_id"]
        for event in events
        if event["info"]["name"] in ("LogModelResult", "LogTestResult")
    ]
    kinds = Counter(unique_id.split(".")[0] for unique_id in results)
    assert kinds["unit_test"] == 0
    # every model and every data test of the manifest the run used, each once
    manifest = json.loads((REPO / "dbt" / "target" / "manifest.json").read_text())
    nodes = Counter(n["resource_type"] for n in manifest["nodes"].values())
    assert (kinds["model"], kinds["test"]) == (nodes["model"], nodes["test"])
    assert kinds["test"] >= 200 and kinds["model"] >= 70
    assert len(results) == len(set(results)), "a dbt node ran twice"


def test_every_raw_dtks_and_pkh_row_is_loaded_or_rejected_with_its_identity(tiny_run):
    truth = duckdb.sql(
        f"select source, source_path, sheet, row_number from read_parquet('{tiny_run['truth']}/rows.parquet')"
    ).fetchall()
    with duckdb.connect(str(tiny_run["data"] / "warehouse.duckdb"), read_only=True) as con:
        loaded = con.execute(
            """
            select _source, _source_path, _sheet, _row_number from raw.dtks
            union all select _source, _source_path, _sheet, _row_number from raw.pkh
            union all select source, source_path, sheet, row_number from raw.ingest_rejected_rows
            where source in ('dtks', 'pkh')
            """
        ).fetchall()
    assert len(loaded) == len(set(loaded)), "a raw row was loaded twice"
    assert set(loaded) == set(truth)


def test_quality_gate_blocks_bad_delivery_and_keeps_the_published_release(
    tiny_run: dict, tmp_path: Path
) -> None:
    # A copy of the session's published tiny run (the same delivery run once more would only
    # repeat it), then a bad delivery on top.
    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-4000:]
    raw = copy_tree(tiny_run["raw"], tmp_path / "raw")
    data = copy_tree(tiny_run["data"], tmp_path / "data")
    before = published_snapshot(data)

    # A delivery whose villages are nonsense: most DTKS rows can no longer be placed.
    bad = raw / "dtks" / "kiriman-rusak" / "dtks_rusak.csv"
    bad.parent.mkdir(parents=True)
    lines = ["NO_KK;NIK;NAMA;JK;TGL LAHIR;SHDK;DESA;KECAMATAN"]
    for i in range(6000):
        lines.append(
            f"35099901{i:08d}"[:16] + f";3509994101{i % 90 + 10:02d}{i % 9000 + 1000:04d};"
            f"WARGA {i};P;01-07-1960;ISTRI;Desa Antah Berantah {i % 50};Kecamatan Entah"
        )
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    second = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert second.returncode == 2, second.stdout[-4000:] + second.stderr[-4000:]
    assert "FAILED" in second.stdout and "kode_desa" in second.stdout
    assert published_snapshot(data) == before
    # The meeting report says publishing was blocked, which check failed and which file is behind it.
    report = sorted((data / "reports").glob("laporan-*.html"))[-1].read_text(encoding="utf-8")
    assert "DIBLOKIR" in report
    assert "int_dtks__persons_cleaned" in report
    assert "dtks/kiriman-rusak/dtks_rusak.csv" in report


def test_an_analyst_holding_the_published_file_open_does_not_block_a_run(
    tiny_run: dict, tmp_path: Path
) -> None:
    # its own copy: this run switches the release, which the session's tiny run must keep
    data = copy_tree(tiny_run["data"], tmp_path / "data")
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"con = duckdb.connect({str(data / 'published' / 'jember.duckdb')!r}, read_only=True)\n"
            "print(con.execute('select count(*) from mart_desa').fetchone()[0], flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "248"
        # --full: the same delivery again would be "nothing new"; this run must switch releases
        again = run_jember(
            "run", "--raw-dir", str(tiny_run["raw"]), "--data-dir", str(data), "--full"
        )
        assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
        assert "published                  release" in again.stdout
        assert reader.poll() is None, "the reader should still be running"
    finally:
        reader.kill()
        reader.wait()
