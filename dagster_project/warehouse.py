"""Small helpers over the DuckDB warehouse, shared by the quality gate and publishing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

# The bound dbt's connection has (dbt/profiles.yml, the same variable and default): without it a
# DuckDB connection takes 80% of the machine's RAM, and the gate's distinct-value counts over the
# province's 15M DTKS rows held 9 GiB (docs/benchmarks.md, 2026-12-05 "Province: the whole run
# ends in the gate").
MEMORY_LIMIT_VARIABLE = "JEMBER_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1.5GB"


def connect_read_only(warehouse: Path | str) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, with DuckDB's memory bounded as dbt's is (beyond the bound
    joins, aggregates and sorts spill to `<warehouse>.tmp`)."""
    return duckdb.connect(
        str(warehouse),
        read_only=True,
        config={"memory_limit": os.environ.get(MEMORY_LIMIT_VARIABLE, DEFAULT_MEMORY_LIMIT)},
    )


def quote_identifier(name: str) -> str:
    """`name` as a DuckDB identifier: in double quotes, inner quotes doubled.

    Paths and values always reach SQL as parameters (`?`); DuckDB accepts them even in ATTACH
    and COPY ... TO. Table and column names cannot be parameters, so the few statements that
    name a table found at run time (marts are listed from information_schema) quote it here,
    in one place, instead of pasting `"{name}"` (which a name holding `"` would break).
    """
    return '"' + name.replace('"', '""') + '"'


def mart_tables(
    con: duckdb.DuckDBPyConnection, schema: str = "marts", catalog: str | None = None
) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_type = 'BASE TABLE' and (? is null or table_catalog = ?) order by table_name",
            [schema, catalog, catalog],
        ).fetchall()
    ]


def base_tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(schema, table) of every table of the connection's database, views left out."""
    return {
        (schema, table)
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_type = 'BASE TABLE'"
        ).fetchall()
    }


def one_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> tuple[Any, ...]:
    """The one row `sql` returns, for queries that return a row by construction (an aggregate
    without `group by`, a one-row table): no row would be a bug, not data."""
    row = con.execute(sql, params).fetchone()
    assert row is not None, f"no row from: {sql}"
    return row


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> Any:
    """The first value of `one_row`: `select count(*) ...` and the like."""
    return one_row(con, sql, params)[0]
