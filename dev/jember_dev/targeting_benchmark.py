"""Targeting benchmark: the flagged families per kind against the generator's planted cases.

    python -m jember_dev.targeting_benchmark [--scale small] [--seed 1] [--out bench-targeting]
    python -m jember_dev.targeting_benchmark --warehouse DATA/warehouse.duckdb --truth OUT/truth

The generator plants inclusion, exclusion, duplicate-aid, deceased-recipient and
component-mismatch cases and names each family in `truth/planted_cases.parquet`. Each case of
`intermediate.int_targeting_cases` is mapped to the true family behind it: a household through
the truth of its DTKS rows, a PKH family DTKS does not know through the truth of its PKH rows
(the most common true family; `data/restricted/person_xref.parquet` links rows to households).
Per kind: precision (flagged families that were planted), recall (planted families that were
flagged), and the villages where the flagged count equals the planted count.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

KINDS = ["inclusion", "exclusion", "duplicate_aid", "deceased_recipient", "component_mismatch"]


def score(warehouse: Path, truth_dir: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    truth_rows = truth_dir / "rows.parquet"
    planted = truth_dir / "planted_cases.parquet"
    # The truth files' paths as parameters (one statement each: a parameter binds to one).
    con.execute(
        "create temp table truth_rows as select * from read_parquet(?) where not should_reject",
        [str(truth_rows)],
    )
    con.execute(
        "create temp table planted as select distinct kind, family_id, kode_desa from read_parquet(?)",
        [str(planted)],
    )
    con.execute("""
        -- resolved household -> true family: the most common true family of its DTKS rows
        create temp table household_truth as
        select household_id, family_id from (
            select xref.household_id, t.family_id, count(*) as n
            from intermediate.int_person_xref as xref
            inner join truth_rows as t using (source, source_path, sheet, row_number)
            where xref.source = 'dtks' and xref.household_id is not null
            group by all
        ) qualify row_number() over (partition by household_id order by n desc, family_id) = 1;
        -- ID_PKH -> true family: the most common true family of its PKH rows
        create temp table id_pkh_truth as
        select id_pkh, family_id from (
            select pkh.id_pkh, t.family_id, count(*) as n
            from intermediate.int_pkh__disbursements_cleaned as pkh
            inner join truth_rows as t using (source, source_path, sheet, row_number)
            where pkh.id_pkh is not null
            group by all
        ) qualify row_number() over (partition by id_pkh order by n desc, family_id) = 1;
        create temp table flagged as
        select distinct cases.kind, cases.kode_desa,
            coalesce(household_truth.family_id, id_pkh_truth.family_id) as family_id
        from intermediate.int_targeting_cases as cases
        left join household_truth using (household_id)
        left join id_pkh_truth on cases.household_id is null
            and id_pkh_truth.id_pkh = split_part(cases.id_pkh_list, ', ', 1);
    """)
    out = {}
    for kind in KINDS:
        flagged, planted_n, hit = con.execute(
            """
            select
                (select count(distinct family_id) from flagged where kind = $1),
                (select count(distinct family_id) from planted where kind = $1),
                (select count(*) from (select distinct family_id from flagged where kind = $1
                                       intersect select family_id from planted where kind = $1))
        """,
            [kind],
        ).fetchone()
        villages_equal, villages = con.execute(
            """
            with f as (select kode_desa, count(distinct family_id) as n from flagged where kind = $1 group by 1),
                 p as (select kode_desa, count(distinct family_id) as n from planted where kind = $1 group by 1)
            select count(*) filter (where coalesce(f.n, 0) = coalesce(p.n, 0)), count(*)
            from f full outer join p using (kode_desa)
        """,
            [kind],
        ).fetchone()
        out[kind] = {
            "flagged": flagged,
            "planted": planted_n,
            "correct": hit,
            "precision": round(hit / flagged, 4) if flagged else None,
            "recall": round(hit / planted_n, 4) if planted_n else None,
            "villages_with_equal_count": villages_equal,
            "villages_with_cases": villages,
        }
    con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="bench-targeting")
    parser.add_argument("--warehouse", help="score an existing run instead of generating one")
    parser.add_argument("--truth", help="truth/ folder of that run's generated files")
    args = parser.parse_args(argv)
    if args.warehouse:
        result = score(Path(args.warehouse), Path(args.truth))
    else:
        from jember_dev.generator import generate
        from jember_dev.linkage_benchmark import run_pipeline

        out = Path(args.out).resolve()
        generate(out / "generated", args.scale, args.seed)
        ok, seconds = run_pipeline(out / "generated" / "raw", out / "data")
        result = score(out / "data" / "warehouse.duckdb", out / "generated" / "truth")
        result["_run"] = {
            "scale": args.scale,
            "seed": args.seed,
            "pipeline_success": ok,
            "seconds": round(seconds, 1),
        }
        (out / "results.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
