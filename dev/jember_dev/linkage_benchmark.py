"""Linkage benchmark: resolution accuracy against ground truth from two generators, and speed.

    python -m jember_dev.linkage_benchmark [--scale small] [--seed 1] [--out bench-linkage]
        [--eval-kit ../shared/eval-kit] [--eval-kit-seed 20261128] [--generators ours,evalkit]
        [--timing-scale jember]

Two generators, so a rule that only fits one of them shows: ours (`jember generate`) and the
independent eval kit (`gen.py`, written from the raw contract alone; it is run as an external
program from its own folder and scored by its own `score.py`, never copied into this repo).

Ours: generates data with ground truth (truth/rows.parquet: true person_id and family_id per raw
row), runs the whole pipeline on it, and scores data/restricted/person_xref.parquet:

- person clustering: pairwise precision/recall/F1 over DTKS rows (same predicted person_id vs
  same true person_id), repeated-delivery rows included, and over canonical rows only;
- PKH-to-DTKS linking: pairwise over (PKH row, DTKS row) pairs;
- family clustering: pairwise over DTKS rows (household_id vs the truth's family_id; for an
  update row of a mover or split-off child the truth's family is the new one);
- village accuracy: the row's kode_desa equals the true one (unmatched counts as wrong);
- conservation: every truth row is in person_xref or rejected_rows exactly once;
- recall per scenario (damage tag), with same-file and cross-file pairs apart: a true pair of
  two DTKS rows (repeats of a delivery left out) counts for a tag when either row carries it.

Eval kit: its score.py figures (person / PKH / household F1, village accuracy, conservation,
recall by scenario; written as JSON) and the same same-file / cross-file scenario recall.

With --timing-scale, it also generates that scale (once, into --out), runs the pipeline, and
times the resolution models alone with a second `dbt build` of them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from dagster_project.resources import DBT_EXECUTABLE, DBT_PROJECT_DIR

# the seed of the hand-set match points is read by the scoring: built with the models it feeds
RESOLUTION_SELECTOR = (
    "person_match_points path:models/intermediate/resolution path:models/restricted mart_household"
)


def run_pipeline(raw_dir: Path, data_dir: Path) -> tuple[bool, float]:
    """The whole pipeline in this process (dagster_project.pipeline); success and seconds."""
    from dagster_project.pipeline import run_pipeline as run

    t0 = time.perf_counter()
    result = run(raw_dir, data_dir)
    return result.success, time.perf_counter() - t0


def _pairwise(con, table: str, where: str, predicted: str, true: str) -> dict:
    counts = con.execute(f"""
        with rows as (select * from {table} where {where}),
        predicted as (select sum(n * (n - 1) / 2) as pairs from (select count(*) as n from rows group by {predicted})),
        truth as (select sum(n * (n - 1) / 2) as pairs from (select count(*) as n from rows group by {true})),
        both_ as (select sum(n * (n - 1) / 2) as pairs
                  from (select count(*) as n from rows group by {predicted}, {true}))
        select predicted.pairs, truth.pairs, both_.pairs from predicted, truth, both_
    """).fetchone()
    return _scores(*counts)


def _cross(con, table: str, predicted: str) -> dict:
    def pairs(group: str) -> float:
        return (
            con.execute(f"""
            select sum(d * k) from (
                select count(*) filter (where source = 'dtks') as d,
                       count(*) filter (where source = 'pkh') as k
                from {table} group by {group})
        """).fetchone()[0]
            or 0
        )

    return _scores(pairs(predicted), pairs("true_person_id"), pairs(f"{predicted}, true_person_id"))


def _scores(predicted_pairs, true_pairs, both_pairs) -> dict:
    precision = both_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = both_pairs / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "predicted_pairs": int(predicted_pairs or 0),
        "true_pairs": int(true_pairs or 0),
        "correct_pairs": int(both_pairs or 0),
    }


def score(truth_dir: Path, data_dir: Path) -> dict:
    restricted = data_dir / "restricted"
    con = duckdb.connect()
    # Views over files through the relation API: a view cannot take the path as a parameter,
    # and pasting it into SQL breaks on a folder name holding a quote.
    con.read_parquet(str(truth_dir / "rows.parquet")).create_view("truth")
    con.read_parquet(str(restricted / "person_xref.parquet")).create_view("xref")
    con.read_parquet(str(restricted / "rejected_rows.parquet")).filter(
        "source in ('dtks', 'pkh')"
    ).create_view("rejected")
    con.execute("""
        create table scored as
        select
            xref.*,
            -- a row without a predicted id is a cluster of its own
            coalesce(xref.household_id, 'row:' || xref.source_path || '|' || xref.sheet || '|' || xref.row_number)
                as predicted_household,
            truth.person_id as true_person_id,
            truth.family_id as true_family_id,
            replace(truth.kode_desa, '.', '') as true_kode_desa,
            truth.damage like '%repeated_delivery%' as is_repeat,
            truth.damage as damage_tags,
        from xref
        inner join truth using (source, source_path, sheet, row_number)
    """)
    results = {
        "person_dtks_rows": _pairwise(
            con, "scored", "source = 'dtks'", "person_id", "true_person_id"
        ),
        "person_dtks_canonical_rows": _pairwise(
            con, "scored", "source = 'dtks' and not is_repeat", "person_id", "true_person_id"
        ),
        "pkh_to_dtks_linking": _cross(con, "scored", "person_id"),
        "pkh_to_dtks_linking_canonical": _cross(
            con, "(select * from scored where not is_repeat)", "person_id"
        ),
        "family_dtks_rows": _pairwise(
            con, "scored", "source = 'dtks'", "predicted_household", "true_family_id"
        ),
        "family_dtks_canonical_rows": _pairwise(
            con,
            "scored",
            "source = 'dtks' and not is_repeat",
            "predicted_household",
            "true_family_id",
        ),
    }
    village = con.execute("""
        select count(*), count(*) filter (where replace(kode_desa, '.', '') = true_kode_desa),
               count(*) filter (where kode_desa is null)
        from scored
    """).fetchone()
    results["village"] = {
        "rows": village[0],
        "correct": village[1],
        "unmatched": village[2],
        "accuracy": village[1] / village[0],
    }
    conservation = con.execute("""
        with placed as (
            select source, source_path, sheet, row_number, 'kept' as outcome from xref
            union all
            select source, source_path, sheet, row_number, 'rejected' from rejected
        ),
        per_row as (
            select truth.source, truth.source_path, truth.sheet, truth.row_number, truth.should_reject,
                   count(placed.outcome) as times,
                   any_value(placed.outcome) as outcome
            from truth left join placed using (source, source_path, sheet, row_number)
            group by all
        )
        select
            (select count(*) from truth) as truth_rows,
            (select count(*) from xref) as xref_rows,
            (select count(*) from rejected) as rejected_rows,
            count(*) filter (where times = 0) as lost,
            count(*) filter (where times > 1) as doubled,
            count(*) filter (where should_reject and outcome = 'kept') as kept_but_should_reject,
            count(*) filter (where not should_reject and outcome = 'rejected') as rejected_but_identifying,
            (select count(*) from placed p anti join truth using (source, source_path, sheet, row_number))
                as rows_not_in_truth,
        from per_row
    """).fetchone()
    names = [
        "truth_rows",
        "xref_rows",
        "rejected_rows",
        "lost",
        "doubled",
        "kept_but_should_reject",
        "rejected_but_identifying",
        "rows_not_in_truth",
    ]
    results["conservation"] = dict(zip(names, conservation))
    results["persons"] = con.execute("select count(distinct person_id) from xref").fetchone()[0]
    results["true_persons"] = con.execute(
        "select count(distinct true_person_id) from scored"
    ).fetchone()[0]
    results["households"] = con.execute("select count(distinct household_id) from xref").fetchone()[
        0
    ]
    con.execute("""
        create table scenario_rows as
        select row_number() over () as rid, source_path, damage_tags as tags, true_person_id, person_id
        from scored where source = 'dtks' and not is_repeat
    """)
    results["scenario_recall_split"] = scenario_recall(con, "scenario_rows")
    return results


def scenario_recall(con, table: str) -> dict:
    """Recall of true DTKS person pairs per scenario tag, same-file and cross-file apart.

    `table` has one row per scored canonical DTKS row: rid, source_path, tags (comma
    separated), true_person_id, person_id. A pair counts for a tag when either row carries it;
    'all' counts every true pair."""
    rows = con.execute(f"""
        with pairs as (
            select
                a.source_path = b.source_path as same_file,
                a.person_id is not null and a.person_id = b.person_id as found,
                list_distinct(list_concat(
                    string_split(coalesce(a.tags, ''), ','), string_split(coalesce(b.tags, ''), ',')
                )) as tag_list,
            from {table} as a
            inner join {table} as b on a.true_person_id = b.true_person_id and a.rid < b.rid
        ),
        tagged as (
            select same_file, found, trim(tag) as tag from pairs, unnest(list_append(tag_list, 'all')) as t(tag)
        )
        select tag, same_file, count(*) as true_pairs, count(*) filter (where found) as found_pairs
        from tagged where tag <> '' group by all order by tag, same_file
    """).fetchall()
    out: dict = {}
    for tag, same_file, true_pairs, found in rows:
        out.setdefault(tag, {})["same_file" if same_file else "cross_file"] = {
            "true_pairs": true_pairs,
            "recall": found / true_pairs if true_pairs else 1.0,
        }
    return out


def score_eval_kit(eval_kit: Path, truth_dir: Path, data_dir: Path, python: str) -> dict:
    """The eval kit's own scorer (an external program), plus our same-file / cross-file split."""
    restricted = data_dir / "restricted"
    json_out = data_dir / "eval-kit-score.json"
    done = subprocess.run(
        [
            python,
            str(eval_kit / "score.py"),
            "--truth",
            str(truth_dir),
            "--xref",
            str(restricted / "person_xref.parquet"),
            "--rejected",
            str(restricted / "rejected_rows.parquet"),
            "--json",
            str(json_out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    results = json.loads(json_out.read_text())
    results["printed"] = done.stdout
    con = duckdb.connect()
    con.execute(f"""
        create table scored as
        select row_number() over () as rid, truth.source_path, truth.tags, truth.true_person_id, xref.person_id
        from '{truth_dir / "rows.parquet"}' as truth
        inner join (select * from '{restricted / "person_xref.parquet"}' where source = 'dtks') as xref
            on xref.source = truth.source
            and replace(xref.source_path, '\\', '/') = truth.source_path
            and coalesce(xref.sheet, '') = coalesce(truth.sheet, '')
            and xref.row_number = truth.row_number
        where truth.source = 'dtks' and truth.status in ('data', 'may_reject') and not truth.dup_copy
    """)
    results["scenario_recall_split"] = scenario_recall(con, "scored")
    results["misses_by_stage"] = misses_by_stage(truth_dir, data_dir / "warehouse.duckdb")
    return results


def misses_by_stage(truth_dir: Path, warehouse: Path) -> dict[str, dict[str, int]]:
    """Where each missed true pair of canonical DTKS rows (the eval kit's truth) stopped, by
    scenario tag of either row: never a candidate pair (blocking), in the review band, scored
    below it or contradicted (`distinct`: not stored), or linked but split apart again by a
    cannot-link inside its component (`linked_split`)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(f"""
        with records as (
            select match.rid, clusters.cluster_key, truth.true_person_id,
                coalesce(nullif(truth.tags, ''), 'none') as tags,
            from '{truth_dir / "rows.parquet"}' as truth
            inner join intermediate.int_person_records as records
                on records.source = truth.source and records.source_path = truth.source_path
                and coalesce(records.sheet, '') = coalesce(truth.sheet, '')
                and records.row_number = truth.row_number
            inner join intermediate.int_person_match_records as match using (record_key)
            inner join intermediate.int_persons_clustered as clusters using (record_key)
            where truth.source = 'dtks' and truth.status in ('data', 'may_reject')
                and not records.is_repeat_delivery
        ),
        missed as (
            select a.rid as rid_a, b.rid as rid_b, a.tags || ',' || b.tags as tags
            from records as a inner join records as b
                on a.true_person_id = b.true_person_id and a.rid < b.rid
                and a.cluster_key <> b.cluster_key
        ),
        staged as (
            select missed.tags,
                case
                    when candidates.rid_a is null then 'not_blocked'
                    when scored.band is null then 'distinct'
                    when scored.band = 'linked' then 'linked_split'
                    else scored.band
                end as stage,
            from missed
            left join intermediate.int_person_pairs_candidates as candidates using (rid_a, rid_b)
            left join intermediate.int_person_match_records as a on a.rid = missed.rid_a
            left join intermediate.int_person_match_records as b on b.rid = missed.rid_b
            left join intermediate.int_person_pairs_scored as scored
                on scored.record_key_a = a.record_key and scored.record_key_b = b.record_key
        )
        select tag, stage, count(*) as pairs
        from (select distinct * exclude (tags), unnest(list_distinct(string_split(tags, ','))) as tag
              from (select row_number() over () as pair, * from staged))
        group by all
        union all
        select 'all', stage, count(*) from staged group by all
    """).fetchall()
    con.close()
    by_tag: dict[str, dict[str, int]] = {}
    for tag, stage, pairs in rows:
        by_tag.setdefault(tag, {})[stage] = pairs
    return by_tag


def print_misses(by_tag: dict[str, dict[str, int]]) -> None:
    stages = ("not_blocked", "needs_review", "distinct", "linked_split")
    print("| missed pairs by tag | " + " | ".join(stages) + " |\n|---|" + "---:|" * len(stages))
    for tag, counts in sorted(by_tag.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        print(f"| {tag} | " + " | ".join(str(counts.get(s, 0)) for s in stages) + " |")


def run_eval_kit(eval_kit: Path, out: Path, scale: str, seed: int) -> dict:
    gen_dir = out / f"evalkit-{scale}-{seed}"
    data_dir = out / f"data-evalkit-{scale}"
    python = sys.executable
    if not (gen_dir / "truth" / "rows.parquet").exists():
        # one worker: the kit's process pool hung (futex wait) on this shared machine; the
        # output is byte-identical whatever the worker count (eval-kit README)
        subprocess.run(
            [
                python,
                str(eval_kit / "gen.py"),
                "--out",
                str(gen_dir / "raw"),
                "--scale",
                scale,
                "--seed",
                str(seed),
                "--workers",
                "1",
            ],
            check=True,
        )
    success, seconds = run_pipeline(gen_dir / "raw", data_dir)
    results = {
        "scale": scale,
        "seed": seed,
        "pipeline_success": success,
        "pipeline_seconds": seconds,
    }
    results.update(score_eval_kit(eval_kit, gen_dir / "truth", data_dir, python))
    return results


def print_scenarios(split: dict) -> None:
    def cell(part):
        return (f"{part['true_pairs']} | {part['recall']:.3f}") if part else "0 | -"

    print(
        "| scenario | same-file pairs | recall | cross-file pairs | recall |\n|---|---:|---:|---:|---:|"
    )
    for tag, parts in sorted(split.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        print(f"| {tag} | {cell(parts.get('same_file'))} | {cell(parts.get('cross_file'))} |")


def time_resolution(data_dir: Path) -> dict:
    """A second `dbt build` of the resolution models alone (they read the ingested tables):
    wall seconds, per-model seconds (dbt's run_results.json) and the peak RSS of dbt."""
    from jember_dev.benchmark import ResourceSampler

    env = dict(os.environ, JEMBER_DUCKDB_PATH=str(data_dir / "warehouse.duckdb"))
    target = data_dir / "dbt-timing-target"
    sampler = ResourceSampler()
    sampler.start()
    t0 = time.perf_counter()
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "build",
            "--quiet",
            "--select",
            *RESOLUTION_SELECTOR.split(),
            "--project-dir",
            ".",
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=True,
    )
    seconds = time.perf_counter() - t0
    sampler.stop()
    models = {}
    run_results = target / "run_results.json"
    if run_results.exists():
        for r in json.loads(run_results.read_text())["results"]:
            if r["unique_id"].startswith("model."):
                models[r["unique_id"].split(".")[-1]] = round(r["execution_time"], 1)
    return {
        "seconds": seconds,
        "peak_gib": sampler.peak() / 2**30,
        "models": models,
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="bench-linkage")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument(
        "--generators", default="ours,evalkit", help="comma-separated: ours, evalkit"
    )
    parser.add_argument(
        "--eval-kit", default="../shared/eval-kit", help="the eval kit's folder (run, never copied)"
    )
    parser.add_argument("--eval-kit-seed", type=int, default=20261128)
    parser.add_argument(
        "--timing-scale", default=None, help="also time resolution at this scale, e.g. jember"
    )
    args = parser.parse_args(argv)
    generators = set(args.generators.split(","))

    out = Path(args.out).resolve()
    results: dict = {}
    ok = True
    if "ours" in generators:
        gen_dir = out / f"{args.scale}-{args.seed}"
        data_dir = out / f"data-{args.scale}"
        if not args.skip_generate:
            from jember_dev.generator import generate

            generate(gen_dir, args.scale, args.seed)
        success, seconds = run_pipeline(gen_dir / "raw", data_dir)
        ok = ok and success
        results["ours"] = {
            "scale": args.scale,
            "seed": args.seed,
            "pipeline_success": success,
            "pipeline_seconds": seconds,
            **score(gen_dir / "truth", data_dir),
        }
    out.mkdir(parents=True, exist_ok=True)
    (out / "linkage.json").write_text(json.dumps(results, indent=2, default=str))
    if "evalkit" in generators:
        results["evalkit"] = run_eval_kit(
            Path(args.eval_kit).resolve(), out, args.scale, args.eval_kit_seed
        )
        ok = ok and results["evalkit"]["pipeline_success"]

    if args.timing_scale:
        timing_gen = out / f"{args.timing_scale}-{args.seed}"
        timing_data = out / f"data-{args.timing_scale}"
        if not (timing_gen / "raw").exists():
            from jember_dev.generator import generate

            generate(timing_gen, args.timing_scale, args.seed)
        from jember_dev.benchmark import ResourceSampler

        sampler = ResourceSampler()
        sampler.start()
        timing_ok, run_seconds = run_pipeline(timing_gen / "raw", timing_data)
        sampler.stop()
        resolution = time_resolution(timing_data)
        results["timing"] = {
            "scale": args.timing_scale,
            "pipeline_success": timing_ok,
            "pipeline_seconds": run_seconds,
            "pipeline_peak_gib": sampler.peak() / 2**30,
            "pipeline_load_average": os.getloadavg(),
            "resolution_seconds": resolution["seconds"],
            "resolution_peak_gib": resolution["peak_gib"],
            "resolution_models": resolution["models"],
            "resolution_load_average": resolution["load_average"],
        }

    out.mkdir(parents=True, exist_ok=True)
    (out / "linkage.json").write_text(json.dumps(results, indent=2, default=str))
    if "ours" in results:
        r0 = results["ours"]
        print(
            f"\n## ours: scale={args.scale} seed={args.seed} pipeline ok={r0['pipeline_success']} "
            f"({r0['pipeline_seconds']:.1f} s)"
        )
        print(
            "| measure | precision | recall | F1 | pairs predicted / true / correct |\n|---|---:|---:|---:|---|"
        )
        for name in (
            "person_dtks_rows",
            "person_dtks_canonical_rows",
            "pkh_to_dtks_linking",
            "pkh_to_dtks_linking_canonical",
            "family_dtks_rows",
            "family_dtks_canonical_rows",
        ):
            r = r0[name]
            print(
                f"| {name} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | "
                f"{r['predicted_pairs']} / {r['true_pairs']} / {r['correct_pairs']} |"
            )
        v = r0["village"]
        print(
            f"village accuracy {v['accuracy']:.4f} ({v['correct']} of {v['rows']}, {v['unmatched']} unmatched)"
        )
        print(f"conservation {r0['conservation']}")
        print(f"persons {r0['persons']} (true {r0['true_persons']}), households {r0['households']}")
        print_scenarios(r0["scenario_recall_split"])
    if "evalkit" in results:
        e = results["evalkit"]
        print(
            f"\n## eval kit: scale={e['scale']} seed={e['seed']} pipeline ok={e['pipeline_success']} "
            f"({e['pipeline_seconds']:.1f} s); its score.py says:"
        )
        print(e["printed"])
        print_scenarios(e["scenario_recall_split"])
        print_misses(e["misses_by_stage"])
    if "timing" in results:
        t = results["timing"]
        print(
            f"timing at {t['scale']}: pipeline {t['pipeline_seconds']:.1f} s (ok={t['pipeline_success']}, "
            f"peak {t['pipeline_peak_gib']:.2f} GiB, load {t['pipeline_load_average']}), "
            f"resolution models alone {t['resolution_seconds']:.1f} s (peak {t['resolution_peak_gib']:.2f} GiB, "
            f"load {t['resolution_load_average']})"
        )
        print("resolution models (s):", t["resolution_models"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
