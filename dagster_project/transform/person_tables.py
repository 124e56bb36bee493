"""The tables built from the DTKS and PKH files alone are kept while those files are unchanged.

Person resolution and what follows from it without any other delivery (the cleaned DTKS and
PKH rows, the match records, candidate pairs, their comparison, weights and scores, the person
and household clusters, the persisted ids, the targeting cases, `mart_person`, the review and
verification lists) are ~90% of a `jember` run's dbt stage. The koperasi reports and BPS tables
arrive more often than a new DTKS or PKH delivery: a month's koperasi report should not pay for
resolution again.

Which tables: every table model that reads no koperasi, BPS or ingest-log row, but through two
kinds of model that pass on to their readers only what follows from the DTKS and PKH files
(PASS_THROUGH):

- `int_region_names_matched`, the village matching, reads the region texts of every source but
  gives one row per distinct text, whose match depends on that text and the reference list
  only: a DTKS or PKH row finds the same village whatever the koperasi and BPS files hold. It
  is itself built in every run (its koperasi and BPS rows follow those files).
- `stg_dtks__persons` and `stg_pkh__disbursements` read the ingest log for their own files' rows
  (the repeated deliveries), which the fingerprint below covers.

Everything else that reads a koperasi or BPS row, the ingest log, or the month the data
describes (`int_data_period`, which reads the koperasi reports and the clock; the targeting
rules read the PKH year from `int_pkh_year` instead, which reads the PKH lists only) is built
in every run. The list follows from the dbt graph (`kept_models`): a new model lands on the
right side without an edit here.

The rule, in the period-independent dbt step (transform/assets.py):

- The step's whole build (not a subset picked in the UI) records, when it succeeds, a
  fingerprint of those tables' inputs in the warehouse (`pipeline.person_tables_build`): the
  DTKS and PKH rows of `raw.ingest_files` (each file's sha256, status and counts) and their
  reader version, the pipeline's code (pipeline.code_fingerprint: the dbt project, seeds
  included, and the ingestion code), the versions of DuckDB, dbt and of what the Python models
  compute with, and the current year (the one clock they read: a NIK's two-digit birth year is
  19YY when 20YY would lie ahead, macro nik_birth_date).
- The next whole build with the same fingerprint leaves those tables as they are (dbt
  `--exclude`): building them again would write the same rows. (`int_identity__id_map` reads
  its own previous state; on the same clusters it gives every cluster the id it had, so keeping
  it is what building it again would give, but for its count of builds, `run`.)
- Any other build of the step (a subset, a failed build, `jember run --full`) forgets the
  fingerprint first, so the next one builds them again.

tests/test_incremental.py proves a run after a new koperasi report equal to a full rebuild, and
that nothing these tables are built from reads another clock or an environment variable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.warehouse import base_tables, connect_read_only

# Models whose rows come from the koperasi and BPS files or the ingest log: a table that reads
# them (other than through PASS_THROUGH) is built in every run.
OTHER_INPUTS = (
    "stg_koperasi__reports",
    "stg_bps__population",
    "stg_bps__poverty",
    "stg_ingest__files",
    "stg_ingest__rejected_rows",
)
# Models that read those yet pass on only what follows from the DTKS and PKH files (see above).
PASS_THROUGH = ("int_region_names_matched", "stg_dtks__persons", "stg_pkh__disbursements")
# The sources whose files the kept tables follow from (raw.ingest_files.source).
PERSON_SOURCES = ("dtks", "pkh")

STATE_TABLE = "pipeline.person_tables_build"
# How the dbt step's log line saying so begins (the CLI prints it among dbt's progress).
PERSON_TABLES_KEPT = "person tables kept:"


def kept_models(manifest: Mapping[str, Any]) -> list[str]:
    """The table models a run may keep, by name: those no OTHER_INPUTS model reaches but
    through PASS_THROUGH."""
    models = _models(manifest)
    by_name = {n["name"]: uid for uid, n in models.items()}
    reached = _reached(
        [by_name[name] for name in OTHER_INPUTS], manifest["child_map"], models, PASS_THROUGH
    )
    return sorted(
        n["name"]
        for uid, n in models.items()
        if uid not in reached and n["config"]["materialized"] != "view"
    )


def kept_lineage(manifest: Mapping[str, Any]) -> list[str]:
    """Every model the kept tables are built from, themselves and views included: unique ids."""
    models = _models(manifest)
    kept = set(kept_models(manifest))
    starts = [uid for uid, n in models.items() if n["name"] in kept]
    return sorted(_reached(starts, manifest["parent_map"], models))


def _models(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}


def _reached(
    starts: list[str],
    edges: Mapping[str, list[str]],
    models: Mapping[str, Any],
    stop_at: tuple[str, ...] = (),
) -> set[str]:
    """The models reached from `starts` along `edges` (the manifest's child_map or parent_map),
    `starts` included; a model named in `stop_at` is reached but not gone through."""
    reached: set[str] = set()
    stack = list(starts)
    while stack:
        uid = stack.pop()
        if uid in reached:
            continue
        reached.add(uid)
        if models[uid]["name"] not in stop_at:
            stack.extend(e for e in edges.get(uid, []) if e in models)
    return reached


def person_inputs(con: duckdb.DuckDBPyConnection, code: str) -> str:
    """The fingerprint of what the kept tables are built from, read from the warehouse after
    ingestion (see the module's doc)."""
    files = con.execute(
        "select source, source_path, sheet, table_name, sha256, status, data_rows, "
        "non_data_rows, rejected_rows, duplicate_of, encoding, delimiter, header_record "
        "from raw.ingest_files where source in ? order by all",
        [list(PERSON_SOURCES)],
    ).fetchall()
    readers = con.execute(
        "select source, reader_version from raw.ingest_sources where source in ? order by all",
        [list(PERSON_SOURCES)],
    ).fetchall()
    (year,) = con.execute("select year(current_date)").fetchone() or (None,)
    # the engines: DuckDB and dbt, and what the Python models (int_persons_clustered,
    # int_identity__id_map) compute with
    packages = ("duckdb", "dbt-core", "dbt-duckdb", "numpy", "scipy", "pyarrow")
    versions = {name: version(name) for name in packages}
    text = json.dumps([files, readers, year, code, versions], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def reusable(warehouse: Path, inputs: str, models: list[str]) -> bool:
    """True when the warehouse's kept tables were built, whole and successfully, from these
    inputs, and are all there."""
    with connect_read_only(warehouse) as con:
        tables = base_tables(con)
        if tuple(STATE_TABLE.split(".")) not in tables:
            return False
        recorded = con.execute(f"select inputs from {STATE_TABLE}").fetchall()
    return recorded == [(inputs,)] and set(models) <= {name for _, name in tables}


def forget(warehouse: Path) -> None:
    """Before a build that replaces some or all of the tables: until it has succeeded, nothing
    says what they were built from."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"drop table if exists {STATE_TABLE}")


def record(warehouse: Path, inputs: str) -> None:
    """After a whole build of the step succeeded: what its kept tables were built from."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists pipeline")
        con.execute(f"create or replace table {STATE_TABLE} (inputs varchar, built_at timestamp)")
        con.execute(f"insert into {STATE_TABLE} values (?, current_timestamp)", [inputs])
