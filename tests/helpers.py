"""Helpers shared by the test modules: one definition each, imported from here (`from helpers
import ...`), never copied into a module and never imported from another test module.

Fixtures live in conftest.py; this module holds plain functions and constants only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_project.ingestion.contract import TABLES
from dagster_project.ingestion.load import INGEST_FILES_SCHEMA, REJECTED_ROWS_SCHEMA

REPO = Path(__file__).resolve().parent.parent
DBT_DIR = REPO / "dbt"
DBT = str(Path(sys.executable).with_name("dbt"))

# `pytest --fast` (make test-fast) is the everyday tier: every test that needs a whole
# `jember run` is skipped. An environment variable rather than a module flag, because a module
# can be imported twice under two names (`helpers` and `tests.helpers`).
FAST_TIER = "JEMBER_TEST_FAST"

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (make test installs it)"
)


# -- the damage of conftest.sample_blocked ------------------------------------------------

# Three kinds, each of which blocks publishing on its own.
# Kencong's October DTKS update replaced by a file that is no DTKS file (its header is not a
# DTKS header): a kecamatan's registry lost, and the failed file a warning of the files check.
KENCONG_LOST = Path("dtks/2025-10/pemutakhiran_dtks_kencong_oktober_2025.csv")
# Kencong's April DTKS file again under a new name, not the same bytes (a title line above the
# header): a new file repeating loaded rows (the sample's byte-identical repeat delivery,
# pkh/2025/kirim_ulang, publishes).
KENCONG_AGAIN = Path("dtks/2025-11/dtks_kencong_kirim_lagi.csv")
# Every NOMINAL of Kencong's PKH stage-1 file set to an amount no components give: more than a
# tenth of the year's PKH families then carry a rupiah mismatch.
KENCONG_PKH = Path("pkh/2025/tahap1/pkh_kencong_tahap1.csv")
ODD_RUPIAH = "Rp 123.457"


# -- the real `jember` command -------------------------------------------------------------


def skip_whole_runs_in_fast_tier(args: tuple[str, ...]) -> None:
    if args[:1] == ("run",) and os.environ.get(FAST_TIER):
        pytest.skip("runs the whole pipeline: full tier only (make test)")


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    # No DAGSTER_HOME: test runs use an ephemeral instance, not the engineer's UI history.
    return {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, **(env or {})}


def run_jember(
    *args: str, env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """Run the real `jember` command in its own process, as an engineer would, and wait.

    Every `jember` process of the suite starts here or in `start_jember`, so these two are
    where the fast tier skips the whole-pipeline runs."""
    skip_whole_runs_in_fast_tier(args)
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=REPO,
        env=_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_jember(
    *args: str, env: dict[str, str] | None = None, stderr: int = subprocess.STDOUT
) -> subprocess.Popen[str]:
    """Start a real `jember` process without waiting, in its own process group (so a kill
    reaches its dbt child too); its output is read line by line from `.stdout`."""
    skip_whole_runs_in_fast_tier(args)
    return subprocess.Popen(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=REPO,
        env=_environment(env),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )


def make_instance_file(home: Path) -> None:
    """`home/dagster.yaml` as the Makefile writes it for `make run` and `make dev`."""
    made = subprocess.run(
        ["make", "-s", f"{home}/dagster.yaml", f"DAGSTER_HOME={home}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr


def says(line: str, words: str) -> bool:
    """A console line of `jember run` (`[  12.3s] dbt        started`) holds these words,
    whatever the column padding of the stage name."""
    return " ".join(words.split()) in " ".join(line.split())


def read_until(
    proc: subprocess.Popen[str], text: str, lines: list[str], timeout: float = 600
) -> None:
    """Read a started process's output into `lines` until a line says `text`."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        lines.append(line.rstrip())
        if says(line, text):
            return
        assert time.monotonic() < deadline, f"'{text}' never came:\n" + "\n".join(lines)
    pytest.fail(f"the process ended before '{text}':\n" + "\n".join(lines))


def output(result: subprocess.CompletedProcess[str]) -> str:
    """The tail of a finished command's output, for an assertion message."""
    return result.stdout[-4000:] + result.stderr[-4000:]


# -- the real dbt CLI ----------------------------------------------------------------------


def run_dbt(*args: str, warehouse: Path, target_dir: Path) -> subprocess.CompletedProcess[str]:
    """The real dbt CLI in its own process: the profile names the warehouse
    `~/warehouse.duckdb` with HOME = its folder, the values `make manifest` parsed with
    (transform/dbt_worker.py PARSE_WAREHOUSE), and an empty target folder starts from that prepared parse
    (partial_parse.msgpack), so dbt parses only what changed instead of the whole project
    (~5 s of each build)."""
    env = {
        **os.environ,
        "JEMBER_DUCKDB_PATH": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    if warehouse.name == "warehouse.duckdb":
        env |= {"JEMBER_DUCKDB_PATH": "~/warehouse.duckdb", "HOME": str(warehouse.parent)}
    prepared = DBT_DIR / "target" / "partial_parse.msgpack"
    target = target_dir / "target"
    if prepared.exists() and not (target / prepared.name).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(prepared, target / prepared.name)
    return subprocess.run(
        [
            DBT,
            *args,
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(target_dir / "target"),
            "--log-path",
            str(target_dir / "logs"),
        ],
        cwd=DBT_DIR,  # where `make manifest` parsed: the seeds' paths are relative to it
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


# -- files and databases -------------------------------------------------------------------


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def query(database: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of one query on a DuckDB file, opened read-only and closed again."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def published_snapshot(data: Path) -> dict[str, str]:
    """Every file of DATA/published by content hash, and where the symlink points."""
    published = data / "published"
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(published.resolve().iterdir())
    } | {"->": os.readlink(published)}


def parquet_hashes(published: Path) -> dict[str, str]:
    """Content hashes of a release's Parquet files (the DuckDB file and release.json name the
    run, so they differ between two runs of the same inputs)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(published.glob("*.parquet"))
    }


def blocking_failures(data: Path) -> set[tuple[str, str | None]]:
    """(suite, column) of every critical expectation the data folder's last gate failed
    (quality/verdict.json): what blocked publishing, whatever else blocked beside it."""
    verdict = json.loads((data / "quality" / "verdict.json").read_text())
    return {
        (suite["suite"], e.get("column"))
        for suite in verdict["suites"]
        for e in suite["expectations"]
        if not e["success"] and e["severity"] == "critical"
    }


def file_mode(path: Path) -> int:
    """Permission bits of the path itself (a symlink is not followed)."""
    return stat.S_IMODE(path.lstat().st_mode)


# -- a browser, offline --------------------------------------------------------------------


def chromium(*args: str, tmp_path: Path) -> str:
    """Headless Chromium with every host name unresolvable: only what the files hold shows."""
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def rendered_text(html_path: Path, tmp_path: Path) -> str:
    """What a reader sees: the DOM after Chromium loaded the file offline, tags stripped."""
    dom = chromium("--dump-dom", html_path.as_uri(), tmp_path=tmp_path)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


# -- hand-made raw tables (the schema of docs/raw-tables.md), for dbt runs without a reader ----


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The raw schema exactly as docs/raw-tables.md describes it."""
    con.execute("create schema if not exists raw")
    for table in TABLES.values():
        columns = [f"{name} varchar" for name in table.column_names] + [
            "_source varchar",
            "_source_path varchar",
            "_sheet varchar",
            "_row_number integer",
            "_file_sha256 varchar",
            "_id_numeric_cells varchar",
        ]
        con.execute(f"create table raw.{table.name} ({', '.join(columns)})")
    for name, schema in (
        ("ingest_files", INGEST_FILES_SCHEMA),
        ("ingest_rejected_rows", REJECTED_ROWS_SCHEMA),
    ):
        empty = schema.empty_table()  # noqa: F841 (read by DuckDB by name)
        con.execute(f"create table raw.{name} as select * from empty")


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    source: str,
    path: str,
    sheet: str,
    sha: str,
    rows: list[tuple[int, dict[str, Any]]],
    defaults: dict[str, Any] | None = None,
) -> None:
    """Rows of one raw file: (row number, {contract column: value}), defaults under each."""
    table = TABLES[table_name]
    for row_number, values in rows:
        values = {**(defaults or {}), **values}
        contract_values = [values.get(name) for name in table.column_names]
        metadata = [source, path, sheet, row_number, sha, values.get("_id_numeric_cells")]
        placeholders = ", ".join("?" for _ in contract_values + metadata)
        con.execute(
            f"insert into raw.{table_name} values ({placeholders})", contract_values + metadata
        )


def insert_file(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: str,
    sheet: str,
    table_name: str,
    sha: str,
    data_rows: int,
    duplicate_of: str | None = None,
    status: str = "loaded",
) -> None:
    """The reader's log line of one raw file (raw.ingest_files)."""
    con.execute(
        "insert into raw.ingest_files values "
        "(?, ?, ?, ?, ?, 100, ?, null, 'utf-8', ',', 1, ?, 0, 0, ?, now())",
        [source, path, sheet, table_name, sha, status, data_rows, duplicate_of],
    )
