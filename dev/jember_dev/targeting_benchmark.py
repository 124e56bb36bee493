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

The eval kit (`--eval-kit ../shared/eval-kit`, run from its folder, never copied) plants no
targeting cases: it writes the true world (families with desil, persons with birth date,
pregnancy, disability and death, the PKH families and their recipients per stage). The cases
are read off that world by the rules of `int_targeting_cases` applied to true values, so the
score measures what resolution and cleaning do to the targeting on independent files:

- inclusion: a PKH family in the programme (AKTIF in a stage, or paid) that is not a DTKS
  family, or whose DTKS family has desil 6 or above;
- exclusion: a DTKS family with desil 1-2 with a living member in a PKH component on 1 January
  of the PKH year (pregnant, age 0-6, 7-12, 13-15, 16-18, disabled, 70 and over) and no PKH family;
- deceased_recipient: a paid PKH family whose recipient is dead in the truth;
- component_mismatch: a paid stage whose written counts differ from the counts of the
  family's living members with ages on 1 January of TAHUN (the contract's rule; the kit counts
  on each stage's date, so its later stages drift from the contract); a child born during the
  year has no age on 1 January, and the contract says not whether AUD counts it, so AUD may
  count such children or not;
- duplicate_aid: the kit plants none (one ID_PKH per family), so every flag counts against
  precision.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

KINDS = ["inclusion", "exclusion", "duplicate_aid", "deceased_recipient", "component_mismatch"]


def _load_planted(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """Ours: truth_rows and planted as the generator wrote them."""
    # The truth files' paths as parameters (one statement each: a parameter binds to one).
    con.execute(
        "create temp table truth_rows as select * from read_parquet(?) where not should_reject",
        [str(truth_dir / "rows.parquet")],
    )
    con.execute(
        "create temp table planted as select distinct kind, family_id,"
        " regexp_replace(kode_desa, '[^0-9]', '', 'g') as kode_desa from read_parquet(?)",
        [str(truth_dir / "planted_cases.parquet")],
    )


# the kit's PKH year (gen.py PKH_YEAR): its lists all carry TAHUN 2025
KIT_PKH_YEAR = 2025


def _load_kit_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """The eval kit: truth_rows from its rows.parquet, the cases read off its true world."""
    for name in ("rows", "families", "persons", "pkh_expected"):
        con.execute(
            f"create temp table kit_{name} as select * from read_parquet(?)",
            [str(truth_dir / f"{name}.parquet")],
        )
    con.execute(f"""
        create temp table truth_rows as
        select source, source_path, sheet, row_number, true_family_id as family_id
        from kit_rows where status <> 'must_reject';
        -- completed years on 1 January of the PKH year, as the PKH rule takes ages
        create temp table kit_living_members as
        select *, {KIT_PKH_YEAR} - year(birth_date)
            - case when strftime(birth_date, '%m%d') > '0101' then 1 else 0 end as age_pkh
        from kit_persons where not meninggal;
        create temp table kit_component_members as
        select family_id from kit_living_members
        where hamil or disabilitas or age_pkh between 0 and 18 or age_pkh >= 70;
        create temp table kit_january_components as
        select
            family_id,
            count(*) filter (where hamil) as bumil,
            count(*) filter (where not hamil and age_pkh between 0 and 6) as aud,
            count(*) filter (where not hamil and age_pkh between 7 and 12) as sd,
            count(*) filter (where not hamil and age_pkh between 13 and 15) as smp,
            count(*) filter (where not hamil and age_pkh between 16 and 18) as sma,
            count(*) filter (where not hamil and not age_pkh between 0 and 18 and disabilitas)
                as disabilitas,
            count(*) filter (where not hamil and age_pkh >= 70 and not disabilitas) as lansia,
            -- born during the PKH year: no age on 1 January; the contract says not whether a
            -- list counts such a child under AUD (both generators do), so either is no mismatch
            count(*) filter (where age_pkh = -1) as born_in_year,
        from kit_living_members group by family_id;
        create temp table planted as
        select distinct 'inclusion' as kind, pkh.family_id, pkh.kode_desa
        from kit_pkh_expected as pkh
        left join kit_families as f using (family_id)
        where (pkh.status_kpm = 'AKTIF' or pkh.nominal > 0)
            and (not coalesce(f.in_dtks, false) or f.desil >= 6)
        union all
        select distinct 'exclusion', f.family_id, f.kode_desa
        from kit_families as f
        where f.in_dtks and f.desil between 1 and 2
            and f.family_id in (select family_id from kit_component_members)
            and f.family_id not in (select family_id from kit_pkh_expected)
        union all
        select distinct 'deceased_recipient', pkh.family_id, pkh.kode_desa
        from kit_pkh_expected as pkh
        inner join kit_persons as p using (person_id)
        where pkh.nominal > 0 and p.meninggal
        union all
        -- the kit writes components counted on each stage's date; the contract takes ages on
        -- 1 January of TAHUN: a paid stage whose counts differ from the 1 January counts of
        -- the family's living members (one component each, pregnancy first, then age, then
        -- disability) is a mismatch by the contract; AUD may count the children born during
        -- the year or not
        select distinct 'component_mismatch', pkh.family_id, pkh.kode_desa
        from kit_pkh_expected as pkh
        left join kit_january_components as j using (family_id)
        where pkh.nominal > 0 and pkh.in_dtks
            and (
                (pkh.bumil, pkh.sd, pkh.smp, pkh.sma, pkh.disabilitas, pkh.lansia)
                is distinct from (
                    coalesce(j.bumil, 0), coalesce(j.sd, 0), coalesce(j.smp, 0),
                    coalesce(j.sma, 0), coalesce(j.disabilitas, 0), coalesce(j.lansia, 0)
                )
                or pkh.aud not between coalesce(j.aud, 0)
                    and coalesce(j.aud, 0) + coalesce(j.born_in_year, 0)
            );
        -- cases whose deciding fact no delivered row carries (DESIL and STATUS are optional
        -- columns): no pipeline can find them. Read from the cleaned rows of each family.
        create temp table unobservable as
        -- no desil: neither exclusion (desil 1-2) nor inclusion (desil 6+) can be seen
        select kinds.kind, no_desil.family_id
        from (
            select t.family_id
            from truth_rows as t
            inner join intermediate.int_dtks__persons_cleaned as c
                using (source, source_path, sheet, row_number)
            group by t.family_id having count(c.desil) = 0
        ) as no_desil
        cross join (values ('exclusion'), ('inclusion')) as kinds (kind)
        union all
        -- no STATUS_HIDUP on any delivered DTKS row of the recipient (or no DTKS row at all)
        select distinct 'deceased_recipient', pkh.family_id
        from kit_pkh_expected as pkh
        left join kit_rows as r on r.true_person_id = pkh.person_id and r.source = 'dtks'
        left join intermediate.int_dtks__persons_cleaned as c
            on c.source = r.source and c.source_path = r.source_path
                and c.sheet is not distinct from r.sheet and c.row_number = r.row_number
        group by pkh.family_id having count(c.is_alive) = 0;
    """)


def score(warehouse: Path, truth_dir: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    if (truth_dir / "planted_cases.parquet").exists():
        _load_planted(con, truth_dir)
    else:
        _load_kit_truth(con, truth_dir)
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
        select distinct cases.kind, regexp_replace(cases.kode_desa, '[^0-9]', '', 'g') as kode_desa,
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
        unobservable = 0
        if con.execute(
            "select count(*) from duckdb_tables() where table_name = 'unobservable'"
        ).fetchone()[0]:
            unobservable = con.execute(
                """
                select count(*) from (
                    (select family_id from planted where kind = $1
                     except select family_id from flagged where kind = $1)
                    intersect select family_id from unobservable where kind = $1)
            """,
                [kind],
            ).fetchone()[0]
        out[kind] = {
            "flagged": flagged,
            "missed_with_the_fact_in_no_delivered_row": unobservable,
            "recall_where_delivered": (
                round(hit / (planted_n - unobservable), 4) if planted_n > unobservable else None
            ),
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
    parser.add_argument(
        "--eval-kit", help="generate with the eval kit in this folder (run, never copied) instead"
    )
    args = parser.parse_args(argv)
    if args.warehouse:
        result = score(Path(args.warehouse), Path(args.truth))
    elif args.eval_kit:
        from jember_dev.linkage_benchmark import run_eval_kit

        out = Path(args.out).resolve()
        linkage = run_eval_kit(Path(args.eval_kit).resolve(), out, args.scale, args.seed)
        result = score(
            out / f"data-evalkit-{args.scale}" / "warehouse.duckdb",
            out / f"evalkit-{args.scale}-{args.seed}" / "truth",
        )
        result["_run"] = {
            "generator": "evalkit",
            "scale": args.scale,
            "seed": args.seed,
            "pipeline_success": linkage["pipeline_success"],
            "seconds": round(linkage["pipeline_seconds"], 1),
        }
        (out / "results.json").write_text(json.dumps(result, indent=2))
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
