"""Incremental runs (issue 14 item 2).

- A source whose files did not change since their last read (same paths, same bytes by the
  sha256 in raw.ingest_files, same reading rules) is not read again.
- A run whose raw files, period and code are those of the published release's run says
  "nothing new" and ends in seconds, exit 0.
- A new delivery re-reads only its source, and the result equals a full rebuild.
- The tables built from the DTKS and PKH files alone (person resolution, households, ids,
  targeting) are built again only when those files (or the code, or the year) changed: a
  koperasi report alone keeps them, and the result equals a full rebuild.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import duckdb
from helpers import REPO, copy_tree, run_jember

from dagster_project.ingestion import ingest_source
from dagster_project.ingestion.load import reader_version, unchanged_since_last_read
from dagster_project.transform.person_tables import PERSON_TABLES_KEPT

# Columns that name the run or the moment, not the data: they differ between any two runs.
RUN_COLUMNS = {
    "run_id",
    "release",
    "ingested_at",
    "built_at",
    "published_at",
    "generated_at",
    "loaded_at",
}


def test_a_source_is_unchanged_until_a_file_is_added_changed_or_removed(tmp_path):
    raw = copy_tree(REPO / "raw", tmp_path / "raw")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        assert not unchanged_since_last_read(raw, "pkh", con), "nothing read yet"
        ingest_source(raw, "pkh", con)
        assert unchanged_since_last_read(raw, "pkh", con)
        assert con.execute(
            "select reader_version from raw.ingest_sources where source = 'pkh'"
        ).fetchone() == (reader_version(),)
        # another source is not pkh's business, and was never read
        assert not unchanged_since_last_read(raw, "dtks", con)

        some_file = next((raw / "pkh").rglob("*.csv"))
        some_file.write_bytes(some_file.read_bytes() + b"\n")  # same name, other bytes
        assert not unchanged_since_last_read(raw, "pkh", con)
        ingest_source(raw, "pkh", con)
        assert unchanged_since_last_read(raw, "pkh", con)

        shutil.copy(some_file, some_file.with_name("kirim_ulang_" + some_file.name))  # a new file
        assert not unchanged_since_last_read(raw, "pkh", con)
        ingest_source(raw, "pkh", con)
        some_file.unlink()  # a file gone
        assert not unchanged_since_last_read(raw, "pkh", con)
        ingest_source(raw, "pkh", con)

        # a table dropped from the warehouse is read again, whatever the files say
        con.execute("drop table raw.pkh")
        assert not unchanged_since_last_read(raw, "pkh", con)


def _tables(database) -> dict[str, list[tuple]]:
    """Every mart, its rows sorted, without the columns that name the run."""
    with duckdb.connect(str(database), read_only=True) as con:
        names = [
            n
            for (n,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main' order by 1"
            ).fetchall()
        ]
        tables = {}
        for name in names:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'main' "
                    "and table_name = ? order by ordinal_position",
                    [name],
                ).fetchall()
                if c not in RUN_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            tables[name] = sorted(
                con.execute(f'select {select} from "{name}"').fetchall(), key=repr
            )
        return tables


def test_nothing_new_ends_in_seconds_and_a_new_delivery_equals_a_full_rebuild(
    tmp_path: Path, sample_run: dict
) -> None:
    raw = copy_tree(REPO / "raw", tmp_path / "raw")
    data = tmp_path / "data"
    # September's koperasi report arrives later: the first run sees the delivery without it.
    late_report = tmp_path / "late" / "2025-09"
    shutil.move(raw / "koperasi" / "2025" / "2025-09", late_report)

    first = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    release_first = (data / "published").resolve().name
    assert PERSON_TABLES_KEPT not in first.stdout, first.stdout  # nothing to keep yet

    started = time.perf_counter()
    again = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    seconds = time.perf_counter() - started
    assert again.returncode == 0, again.stdout[-4000:]
    assert "nothing new" in again.stdout and "started" not in again.stdout, again.stdout
    assert (data / "published").resolve().name == release_first
    assert seconds < 30, f"nothing new took {seconds:.1f} s (Python start included)"

    # The report arrives: only raw/koperasi is read again, and the tables built from the DTKS
    # and PKH files alone (person resolution, households, ids, targeting) are kept
    # (transform/person_tables.py); the rest is built again. Which files change the person
    # tables' fingerprint: test_the_person_tables_follow_the_dtks_and_pkh_files_only.
    shutil.move(late_report, raw / "koperasi" / "2025" / "2025-09")
    second = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
    assert "nothing new" not in second.stdout
    for source in ("dtks", "pkh", "bps"):
        assert f"raw/{source} unchanged" in second.stdout, second.stdout
    assert "read raw/koperasi: 11 files" in second.stdout, second.stdout
    assert (data / "published").resolve().name != release_first
    kept = re.search(PERSON_TABLES_KEPT + r" (\d+) tables", second.stdout)
    assert kept and int(kept[1]) >= 20, second.stdout

    # The full rebuild of the same files: the session's `jember run --full` of the shipped
    # sample into an empty data folder (conftest.sample_run), shared with the report tests.
    full, full_data = sample_run["result"], sample_run["data"]
    assert "unchanged" not in full.stdout

    incremental, rebuilt = (
        _tables(data / "published" / "jember.duckdb"),
        _tables(full_data / "published" / "jember.duckdb"),
    )
    assert incremental.keys() == rebuilt.keys() and len(rebuilt) > 5
    for name in rebuilt:
        assert incremental[name] == rebuilt[name], f"{name} differs from a full rebuild"
    # the raw log too: the same files, the same hashes and counts
    with (
        duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as a,
        duckdb.connect(str(full_data / "warehouse.duckdb"), read_only=True) as b,
    ):
        query = (
            "select source, source_path, sheet, sha256, status, data_rows, rejected_rows "
            "from raw.ingest_files order by all"
        )
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
    # and the restricted tier: every row's person and household, the rejected rows
    for name in ("person_xref.parquet", "rejected_rows.parquet"):
        kept, built = data / "restricted" / name, full_data / "restricted" / name
        assert kept.read_bytes() == built.read_bytes(), f"{name} differs from a full rebuild"


def test_the_person_tables_follow_the_dtks_and_pkh_files_only(tmp_path):
    """The fingerprint the kept person tables are compared by (transform/person_tables.py):
    a koperasi report or a BPS table leaves it as it is; a PKH or DTKS file added or changed,
    or other code, changes it."""
    from dagster_project.ingestion.contract import SOURCES
    from dagster_project.transform.person_tables import person_inputs

    raw = copy_tree(REPO / "raw", tmp_path / "raw")

    def again_with(con, source: str) -> None:
        some_file = sorted((raw / source).rglob("*.csv"))[0]
        shutil.copy(some_file, some_file.with_name("kirim_ulang_" + some_file.name))
        ingest_source(raw, source, con)

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        for source in SOURCES:
            ingest_source(raw, source, con)
        before = person_inputs(con, "code")
        assert person_inputs(con, "code") == before
        assert person_inputs(con, "other code") != before
        for source in ("koperasi", "bps"):
            again_with(con, source)
            assert person_inputs(con, "code") == before, source
        again_with(con, "pkh")  # a repeated delivery: rows accounted for, the same persons
        after_pkh = person_inputs(con, "code")
        assert after_pkh != before
        some_file = sorted((raw / "dtks").rglob("*.csv"))[0]
        some_file.write_bytes(some_file.read_bytes() + b"\n")  # same name, other bytes
        ingest_source(raw, "dtks", con)
        assert person_inputs(con, "code") not in (before, after_pkh)


def test_nothing_the_kept_person_tables_are_built_from_reads_a_clock_but_the_year():
    """The person tables are kept while the DTKS and PKH files, the code and the year stay the
    same (transform/person_tables.py): that holds only while nothing else they read can change
    between two runs. Every model they are built from and every macro it calls, read for the
    clock (but `year(current_date)`), environment variables and dbt's per-invocation values."""
    from dagster_project.transform.person_tables import kept_lineage, kept_models

    manifest = json.loads((REPO / "dbt" / "target" / "manifest.json").read_text())
    models = set(kept_models(manifest))
    assert {
        "int_dtks__persons_cleaned",
        "int_person_pairs_scored",
        "int_persons_clustered",
        "int_households_clustered",
        "int_identity__id_map",
        "int_targeting_cases",
        "mart_person",
        "verification_list",
    } <= models
    # built in every run: they read the koperasi reports, the BPS tables, the ingest log or the
    # month the data describes
    built_always = {
        "int_region_names_matched",
        "int_data_period",
        "int_delivery_sanity",
        "mart_desa",
        "mart_region_match_summary",
        "rejected_rows",
    }
    assert not built_always & models
    # the models they are built from, the staging views and the village matching included
    nodes = [manifest["nodes"][uid] for uid in kept_lineage(manifest)]
    assert {"stg_dtks__persons", "int_region_names_matched"} <= {n["name"] for n in nodes}
    texts: dict[str, str] = {}
    macros = [m for n in nodes for m in n["depends_on"]["macros"]]
    while macros:
        uid = macros.pop()
        if uid not in texts:
            macro = manifest["macros"][uid]
            texts[uid] = macro["macro_sql"]
            macros.extend(macro["depends_on"]["macros"])
    texts.update({n["unique_id"]: n["raw_code"] for n in nodes})
    # dbt's own macros are the adapter's plumbing (create table, rename): they read none of these
    ours = {uid: text for uid, text in texts.items() if uid.split(".")[1] == "jember"}
    assert len(ours) > len(nodes)
    forbidden = re.compile(
        r"current_date|current_timestamp|current_time|now\(\)|today\(\)|get_current_time"
        r"|run_started_at|invocation_id|env_var|local_md5|modules\.datetime"
        # a Python model's clock
        r"|import (datetime|time)\b|from (datetime|time) import",
        re.IGNORECASE,
    )
    for uid, text in ours.items():
        for match in forbidden.finditer(text.replace("year(current_date)", "")):
            raise AssertionError(f"{uid} reads {match[0]!r}: person_inputs must cover it")


def test_a_changed_privacy_setting_is_not_nothing_new(tmp_path, monkeypatch):
    """The release depends on config/privacy.yml (the small-count threshold): a run after it
    changed must publish again, not end in 'nothing new'."""
    import dagster_project.pipeline as pipeline
    from dagster_project.publishing.privacy import CONFIG_FILE

    # the file publishing reads is among what the run's inputs hash ...
    assert any(CONFIG_FILE == root or root in CONFIG_FILE.parents for root in pipeline.CODE)
    # ... and a change to it changes them
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    settings = project / "config" / "privacy.yml"
    settings.write_text("small_count_threshold: 5\n")
    monkeypatch.setattr(pipeline, "PROJECT_ROOT", project)
    monkeypatch.setattr(pipeline, "CODE", [project / "config"])
    before = pipeline.run_inputs(REPO / "raw", "2025-12")
    settings.write_text("small_count_threshold: 10\n")
    assert pipeline.run_inputs(REPO / "raw", "2025-12")["code"] != before["code"]


def test_a_new_pseudonym_key_is_not_nothing_new(monkeypatch):
    """The published pseudonyms follow the key: a run with another key must publish again. The
    run's inputs hold a fingerprint of the key, never the key itself."""
    import dagster_project.pipeline as pipeline

    monkeypatch.setenv("JEMBER_PSEUDONYM_KEY", "a" * 40)
    before = pipeline.run_inputs(REPO / "raw", "2025-12")
    assert "a" * 40 not in json.dumps(before)
    assert pipeline.run_inputs(REPO / "raw", "2025-12") == before
    monkeypatch.setenv("JEMBER_PSEUDONYM_KEY", "b" * 40)
    assert pipeline.run_inputs(REPO / "raw", "2025-12")["pseudonym_key"] != before["pseudonym_key"]
