"""Write, audit, publish: build a release beside the old one, then switch one symlink.

`data/published` is a symlink to `data/releases/<release id>/`, which holds `jember.duckdb`
(the analyst tier: every table of the `marts` schema) and one Parquet file per mart. A release
is written under a temporary name, renamed when complete, and only then made current by
replacing the symlink with `os.replace` (atomic on POSIX). A reader therefore sees the old
release or the new one, never a mix; a reader holding the old DuckDB file open keeps reading
it, and never blocks a run, because no run writes to a published file.

A run killed at any point leaves the published release alone: the warehouse is only the
pipeline's working file (DuckDB replays its WAL at the next open), a half-written release is a
hidden `.<id>.partial` folder that the next successful publish deletes, and the switch is one
rename. tests/test_publishing_safety.py kills real runs with SIGKILL in every stage to show it.

While copying, the privacy rules of privacy.py are applied (pseudonyms, columns withheld,
small-count suppression, a refusal when a 16-digit identity number would be published), and DOUBLE columns
are rounded to 12 significant digits so that the same inputs publish byte-identical files.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.publishing import privacy
from dagster_project.resources import share_with_analysts
from dagster_project.warehouse import mart_tables, quote_identifier, scalar

PUBLISHED_DB = "jember.duckdb"
KEEP_RELEASES = 3


def build_release(
    warehouse: Path,
    releases_dir: Path,
    release_id: str,
    info: dict,
    privacy_rules: dict[str, dict[str, str]] | None = None,
    small_count_threshold: int = privacy.DEFAULT_SMALL_COUNT_THRESHOLD,
) -> Path:
    """Copy the warehouse's marts into a new release folder; returns the finished folder.

    `privacy_rules` ({table: {column: rule}}, from dbt column meta, see privacy.py) is applied
    to the copy: `restricted` columns are left out, `pseudonymise` columns get the keyed
    pseudonym, `small_count` columns lose counts below the threshold. Before anything is written
    out, every table is scanned for 16-digit identity numbers; finding one refuses the release (PrivacyError).
    """
    releases_dir.mkdir(parents=True, exist_ok=True)
    share_with_analysts(releases_dir, recursive=False)
    partial = releases_dir / f".{release_id}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    try:
        applied = _fill_release(partial, warehouse, privacy_rules or {}, small_count_threshold)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    manifest = {"release_id": release_id, **applied, **info}
    (partial / "release.json").write_text(json.dumps(manifest, indent=2, default=str))
    share_with_analysts(partial)  # complete and checked: readable before it becomes visible
    final = releases_dir / release_id
    partial.rename(final)
    return final


def _fill_release(
    partial: Path, warehouse: Path, privacy_rules: dict[str, dict[str, str]], threshold: int
) -> dict[str, Any]:
    counts: dict[str, int] = {}
    suppressed: dict[str, dict[str, int]] = {}
    pseudonymised: dict[str, list[str]] = {}
    withheld: dict[str, list[str]] = {}
    with duckdb.connect(str(partial / PUBLISHED_DB)) as con:
        con.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        tables = mart_tables(con, catalog="warehouse")
        if any(privacy.PSEUDONYMISE_META in rules.values() for rules in privacy_rules.values()):
            # The key is read only when a published column needs it.
            privacy.register_pseudonym_function(con, privacy.load_key())
        for table in tables:
            name = quote_identifier(table)
            con.execute(
                f"create table main.{name} as select {_stable_columns(con, table)} "
                f"from warehouse.marts.{name} order by all"
            )
            rules = privacy_rules.get(table, {})
            for column in [c for c, rule in rules.items() if rule == privacy.RESTRICTED_META]:
                con.execute(f"alter table main.{name} drop column {quote_identifier(column)}")
                withheld.setdefault(table, []).append(column)
            for column in [c for c, rule in rules.items() if rule == privacy.PSEUDONYMISE_META]:
                col = quote_identifier(column)
                con.execute(f"update main.{name} set {col} = jember_pseudonym({col}::varchar)")
                pseudonymised.setdefault(table, []).append(column)
            small = [c for c, rule in rules.items() if rule == privacy.SUPPRESS_META]
            if small:
                suppressed[table] = privacy.suppress_small_counts(
                    con, f"main.{name}", small, threshold
                )
            leaks = privacy.identity_number_cells(con, table)
            if leaks:
                raise privacy.PrivacyError(
                    f"marts.{table} holds values shaped like 16-digit identity numbers in "
                    f"{leaks}; analyst-tier tables must not carry NIK/NO_KK (move the table to "
                    "schema restricted, or mark the column `meta: {privacy: pseudonymise}`)"
                )
            counts[table] = scalar(con, f"select count(*) from main.{name}")

        # Descriptions travel with the data: dbt writes each model's yml description into the
        # warehouse as COMMENT ON TABLE/COLUMN (persist_docs, dbt_project.yml), and they are
        # copied here, so the models' yml stays their one source and an analyst reads them
        # with duckdb_columns(). COMMENT ON takes no parameters: the text becomes a literal.
        # One transaction for all of them: each COMMENT ON alone is a commit of the catalog
        # (~520 of them on the sample: 1.9 s one by one, 0.3 s in one transaction).
        def literal(text: str) -> str:
            return "'" + text.replace("'", "''") + "'"

        con.execute("begin transaction")
        for table, comment in con.execute(
            "select table_name, comment from duckdb_tables() where database_name = 'warehouse' "
            "and schema_name = 'marts' and comment is not null and comment <> ''"
        ).fetchall():
            if table in tables:
                con.execute(
                    f"comment on table main.{quote_identifier(table)} is {literal(comment)}"
                )
        for table, column, comment in con.execute(
            "select released.table_name, released.column_name, source.comment "
            "from duckdb_columns() as released join duckdb_columns() as source "
            "on source.database_name = 'warehouse' and source.schema_name = 'marts' "
            "and source.table_name = released.table_name and source.column_name = released.column_name "
            "where released.database_name = current_database() and released.schema_name = 'main' "
            "and source.comment is not null and source.comment <> ''"
        ).fetchall():
            con.execute(
                f"comment on column main.{quote_identifier(table)}.{quote_identifier(column)} is {literal(comment)}"
            )
        # The one published column no dbt model has: suppression adds it (privacy.py).
        for table in suppressed:
            con.execute(
                f"comment on column main.{quote_identifier(table)}.{quote_identifier(privacy.SUPPRESSED_COLUMNS)} is "
                + literal(
                    "The columns of this row whose values are hidden (NULL) by small-count "
                    "suppression, comma-separated; NULL when nothing in the row is hidden. A NULL "
                    "count in a column named here means hidden, never unknown "
                    f"(threshold {threshold}, config/privacy.yml)."
                )
            )
        con.execute("commit")
        con.execute("detach warehouse")
        for table in tables:
            # Sorted so the same inputs give byte-for-byte the same Parquet files.
            con.execute(
                f"copy (select * from main.{quote_identifier(table)} order by all) to ? "
                "(format parquet, compression zstd)",
                [str(partial / f"{table}.parquet")],
            )
    return {
        "tables": counts,
        "small_count_threshold": threshold,
        "cells_suppressed": suppressed,
        "columns_pseudonymised": pseudonymised,
        "columns_withheld": withheld,
    }


FLOAT_SIGNIFICANT_DIGITS = 12


def _stable_columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The select list that copies a mart, with DOUBLE columns rounded to 12 significant digits.

    A sum of doubles depends on the order DuckDB's threads add them (81.96 one run,
    81.96000000000001 the next), so the same inputs would not give the same published data.
    Rounding far below any meaningful precision (a double holds ~16 digits, the summation error
    of a few thousand terms is ~1e-13 relative) makes the result repeatable.
    """
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = 'warehouse' and table_schema = 'marts' and table_name = ? "
        "order by ordinal_position",
        [table],
    ).fetchall()
    select = []
    for column, data_type in columns:
        name = quote_identifier(column)
        if data_type == "DOUBLE":
            select.append(
                f"case when {name} = 0 or not isfinite({name}) then {name} else round({name}, "
                f"{FLOAT_SIGNIFICANT_DIGITS} - cast(ceil(log10(abs({name}))) as integer)) end as {name}"
            )
        else:
            select.append(name)
    return ", ".join(select)


def switch_published(published: Path, release: Path) -> None:
    """Point `published` at `release` in one atomic rename."""
    tmp = published.with_name(published.name + ".switch")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(release, published.parent))
    os.replace(tmp, published)


def prune_releases(releases_dir: Path, current: Path, keep: int = KEEP_RELEASES) -> list[Path]:
    """Keep the newest few releases (readers may hold older ones open for a while)."""
    releases = sorted(
        p for p in releases_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    removed = []
    for old in releases[:-keep]:
        if old.resolve() != current.resolve():
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    for partial in releases_dir.glob(".*.partial"):  # left by a killed run
        shutil.rmtree(partial, ignore_errors=True)
    return removed


def new_release_id(run_id: str) -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + run_id[:8]


def current_release(published: Path) -> Path | None:
    return published.resolve() if published.is_symlink() else None
