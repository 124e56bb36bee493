"""Incremental runs (issue 14 item 2).

- A source whose files did not change since their last read (same paths, same bytes by the
  sha256 in raw.ingest_files, same reading rules) is not read again.
- A run whose raw files, period and code are those of the published release's run says
  "nothing new" and ends in seconds, exit 0.
- A new delivery re-reads only its source, and the result equals a full rebuild.
"""

from __future__ import annotations

import json
import shutil
import time

import duckdb
from conftest import REPO, copy_tree, run_jember

from dagster_project.ingestion import ingest_source
from dagster_project.ingestion.load import reader_version, unchanged_since_last_read

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


def test_nothing_new_ends_in_seconds_and_a_new_delivery_equals_a_full_rebuild(tmp_path):
    raw = copy_tree(REPO / "raw", tmp_path / "raw")
    data = tmp_path / "data"
    # The last PKH tahap arrives later: the first run sees the delivery without it.
    late = tmp_path / "late" / "tahap4"
    shutil.move(raw / "pkh" / "2025" / "tahap4", late)

    first = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    release_first = (data / "published").resolve().name

    started = time.perf_counter()
    again = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    seconds = time.perf_counter() - started
    assert again.returncode == 0, again.stdout[-4000:]
    assert "nothing new" in again.stdout and "started" not in again.stdout, again.stdout
    assert (data / "published").resolve().name == release_first
    assert seconds < 30, f"nothing new took {seconds:.1f} s (Python start included)"

    shutil.move(late, raw / "pkh" / "2025" / "tahap4")
    second = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
    assert "nothing new" not in second.stdout
    for source in ("dtks", "bps", "koperasi"):
        assert f"raw/{source} unchanged" in second.stdout, second.stdout
    assert "read raw/pkh: 17 files" in second.stdout, second.stdout
    assert (data / "published").resolve().name != release_first

    full = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(tmp_path / "full"), "--full")
    assert full.returncode == 0, full.stdout[-4000:] + full.stderr[-4000:]
    assert "unchanged" not in full.stdout

    incremental, rebuilt = (
        _tables(data / "published" / "jember.duckdb"),
        _tables(tmp_path / "full" / "published" / "jember.duckdb"),
    )
    assert incremental.keys() == rebuilt.keys() and len(rebuilt) > 5
    for name in rebuilt:
        assert incremental[name] == rebuilt[name], f"{name} differs from a full rebuild"
    # the raw log too: the same files, the same hashes and counts
    with (
        duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as a,
        duckdb.connect(str(tmp_path / "full" / "warehouse.duckdb"), read_only=True) as b,
    ):
        query = (
            "select source, source_path, sheet, sha256, status, data_rows, rejected_rows "
            "from raw.ingest_files order by all"
        )
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


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
