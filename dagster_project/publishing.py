"""Write, audit, publish: build a release beside the old one, then switch one symlink.

`data/published` is a symlink to `data/releases/<release id>/`, which holds `jember.duckdb`
(the analyst tier: every table of the `marts` schema) and one Parquet file per mart. A release
is written under a temporary name, renamed when complete, and only then made current by
replacing the symlink with `os.replace` (atomic on POSIX). A reader therefore sees the old
release or the new one, never a mix; a reader holding the old DuckDB file open keeps reading
it, and never blocks a run, because no run writes to a published file.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb

PUBLISHED_DB = "jember.duckdb"
KEEP_RELEASES = 3


def mart_tables(con: duckdb.DuckDBPyConnection, schema: str = "marts", catalog: str | None = None) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_type = 'BASE TABLE' and (? is null or table_catalog = ?) order by table_name",
            [schema, catalog, catalog],
        ).fetchall()
    ]


def build_release(warehouse: Path, releases_dir: Path, release_id: str, info: dict) -> Path:
    """Copy the warehouse's marts into a new release folder; returns the finished folder."""
    releases_dir.mkdir(parents=True, exist_ok=True)
    partial = releases_dir / f".{release_id}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    counts = {}
    with duckdb.connect(str(partial / PUBLISHED_DB)) as con:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        for table in mart_tables(con, catalog="warehouse"):
            # Sorted so the same inputs give byte-for-byte the same Parquet files.
            con.execute(f'create table main."{table}" as select * from warehouse.marts."{table}" order by all')
            con.execute(
                f"copy (select * from main.\"{table}\") to '{partial / (table + '.parquet')}' "
                "(format parquet, compression zstd)"
            )
            counts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]
        con.execute("detach warehouse")
    manifest = {"release_id": release_id, "tables": counts, **info}
    (partial / "release.json").write_text(json.dumps(manifest, indent=2, default=str))
    final = releases_dir / release_id
    partial.rename(final)
    return final


def switch_published(published: Path, release: Path) -> None:
    """Point `published` at `release` in one atomic rename."""
    tmp = published.with_name(published.name + ".switch")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(release, published.parent))
    os.replace(tmp, published)


def prune_releases(releases_dir: Path, current: Path, keep: int = KEEP_RELEASES) -> list[Path]:
    """Keep the newest few releases (readers may hold older ones open for a while)."""
    releases = sorted(p for p in releases_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    removed = []
    for old in releases[:-keep]:
        if old.resolve() != current.resolve():
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    for partial in releases_dir.glob(".*.partial"):  # left by a killed run
        shutil.rmtree(partial, ignore_errors=True)
    return removed


def new_release_id(run_id: str) -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + run_id[:8]


def current_release(published: Path) -> Path | None:
    return published.resolve() if published.is_symlink() else None
