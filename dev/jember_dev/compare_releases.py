"""Prove a refactoring changed no published byte: compare the releases of two data dirs.

`python -m jember_dev.compare_releases DATA_A DATA_B` compares DATA_A/published with
DATA_B/published: every Parquet file byte for byte, every table of jember.duckdb row by row
(EXCEPT ALL both ways) with its column names, types and comments (and each table's comment),
and release.json apart from the ids and times of the run. Prints IDENTICAL (exit 0) or what differs (exit 1).
"""

import hashlib
import json
import sys
from pathlib import Path

import duckdb


def main(argv: list[str]) -> int:
    a, b = (Path(p) / "published" for p in argv)
    ok = True
    fa = sorted(p.name for p in a.iterdir())
    fb = sorted(p.name for p in b.iterdir())
    if fa != fb:
        print("file lists differ", set(fa) ^ set(fb))
        ok = False
    for name in fa:
        if name.endswith(".parquet"):
            ha = hashlib.sha256((a / name).read_bytes()).hexdigest()
            hb = hashlib.sha256((b / name).read_bytes()).hexdigest()
            if ha != hb:
                print("DIFF", name)
                ok = False
    con = duckdb.connect()
    con.execute(f"attach '{a / 'jember.duckdb'}' as a (read_only)")
    con.execute(f"attach '{b / 'jember.duckdb'}' as b (read_only)")
    ta = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name='a' order by all"
    ).fetchall()
    tb = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name='b' order by all"
    ).fetchall()
    if ta != tb:
        print("tables differ")
        ok = False
    # The descriptions analysts read with duckdb_tables()/duckdb_columns() are published too.
    comments_of = (
        "select schema_name, table_name, comment from duckdb_tables()"
        " where database_name = ? order by all"
    )
    if con.execute(comments_of, ["a"]).fetchall() != con.execute(comments_of, ["b"]).fetchall():
        print("table comments differ")
        ok = False
    for s, t in ta:
        columns_of = (
            "select column_name, data_type, comment from duckdb_columns()"
            " where database_name = ? and schema_name = ? and table_name = ? order by column_index"
        )
        ca = con.execute(columns_of, ["a", s, t]).fetchall()
        cb = con.execute(columns_of, ["b", s, t]).fetchall()
        if ca != cb:
            print("columns (names, types or comments) differ", t)
            ok = False
            continue
        a_t, b_t = f'a."{s}"."{t}"', f'b."{s}"."{t}"'
        d = con.execute(
            f"select (select count(*) from (from {a_t} except all from {b_t})),"
            f" (select count(*) from (from {b_t} except all from {a_t})),"
            f" (select count(*) from {a_t})"
        ).fetchone()
        if d[0] or d[1]:
            print("rows differ", t, d)
            ok = False
    ja = json.loads((a / "release.json").read_text())
    jb = json.loads((b / "release.json").read_text())

    def strip(j: dict) -> dict:
        return {
            k: v
            for k, v in j.items()
            if k
            not in (
                "release_id",
                "run_id",
                "validated_in_run",
                "created_at",
                "published_at",
                "release",
            )
        }

    if strip(ja) != strip(jb):
        print("release.json differs", set(ja) ^ set(jb), [k for k in ja if ja.get(k) != jb.get(k)])
        ok = False
    print(
        "IDENTICAL" if ok else "DIFFERENT",
        len([n for n in fa if n.endswith(".parquet")]),
        "parquet files,",
        len(ta),
        "tables",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:3]))
