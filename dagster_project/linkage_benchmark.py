"""Linkage benchmark: resolution accuracy against the generator's ground truth, and speed.

    python -m dagster_project.linkage_benchmark [--scale small] [--seed 1] [--out bench-linkage]
        [--timing-scale jember]

Generates data with ground truth (truth/rows.parquet: true person_id and family_id per raw
row), runs the whole pipeline on it, and scores data/restricted/person_xref.parquet:

- person clustering: pairwise precision/recall/F1 over DTKS rows (same predicted person_id vs
  same true person_id), repeated-delivery rows included, and over canonical rows only;
- PKH-to-DTKS linking: pairwise over (PKH row, DTKS row) pairs;
- family clustering: pairwise over DTKS rows (household_id vs the truth's family_id; for an
  update row of a mover or split-off child the truth's family is the new one);
- village accuracy: the row's kode_desa equals the true one (unmatched counts as wrong);
- conservation: every truth row is in person_xref or rejected_rows exactly once.

With --timing-scale, it also generates that scale (once, into --out), runs the pipeline, and
times the resolution models alone with a second `dbt build` of them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

import duckdb

from dagster_project.resources import DBT_EXECUTABLE, DBT_PROJECT_DIR

RESOLUTION_SELECTOR = "path:models/intermediate/resolution path:models/restricted mart_household"


def run_pipeline(raw_dir: Path, data_dir: Path) -> tuple[bool, float]:
    os.environ["JEMBER_RAW_DIR"] = str(raw_dir)
    os.environ["JEMBER_DATA_DIR"] = str(data_dir)
    from dagster_project.cli import ensure_dbt_manifest

    ensure_dbt_manifest()
    import dagster as dg

    from dagster_project.definitions import defs

    t0 = time.perf_counter()
    result = defs.resolve_job_def("jember_pipeline").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    return result.success, time.perf_counter() - t0


def _pairwise(con, table: str, where: str, predicted: str, true: str) -> dict:
    counts = con.execute(f"""
        with rows as (select * from {table} where {where}),
        predicted as (select sum(n * (n - 1) / 2) as pairs from (select count(*) as n from rows group by {predicted})),
        truth as (select sum(n * (n - 1) / 2) as pairs from (select count(*) as n from rows group by {true})),
        both_ as (select sum(n * (n - 1) / 2) as pairs from (select count(*) as n from rows group by {predicted}, {true}))
        select predicted.pairs, truth.pairs, both_.pairs from predicted, truth, both_
    """).fetchone()
    return _scores(*counts)


def _cross(con, table: str, predicted: str) -> dict:
    def pairs(group: str) -> float:
        return con.execute(f"""
            select sum(d * k) from (
                select count(*) filter (where source = 'dtks') as d,
                       count(*) filter (where source = 'pkh') as k
                from {table} group by {group})
        """).fetchone()[0] or 0

    return _scores(pairs(predicted), pairs("true_person_id"), pairs(f"{predicted}, true_person_id"))


def _scores(predicted_pairs, true_pairs, both_pairs) -> dict:
    precision = both_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = both_pairs / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "predicted_pairs": int(predicted_pairs or 0), "true_pairs": int(true_pairs or 0),
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
        "source in ('dtks', 'pkh')").create_view("rejected")
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
        from xref
        inner join truth using (source, source_path, sheet, row_number)
    """)
    results = {
        "person_dtks_rows": _pairwise(con, "scored", "source = 'dtks'", "person_id", "true_person_id"),
        "person_dtks_canonical_rows": _pairwise(
            con, "scored", "source = 'dtks' and not is_repeat", "person_id", "true_person_id"),
        "pkh_to_dtks_linking": _cross(con, "scored", "person_id"),
        "pkh_to_dtks_linking_canonical": _cross(con, "(select * from scored where not is_repeat)", "person_id"),
        "family_dtks_rows": _pairwise(con, "scored", "source = 'dtks'", "predicted_household", "true_family_id"),
        "family_dtks_canonical_rows": _pairwise(
            con, "scored", "source = 'dtks' and not is_repeat", "predicted_household", "true_family_id"),
    }
    village = con.execute("""
        select count(*), count(*) filter (where replace(kode_desa, '.', '') = true_kode_desa),
               count(*) filter (where kode_desa is null)
        from scored
    """).fetchone()
    results["village"] = {"rows": village[0], "correct": village[1], "unmatched": village[2],
                          "accuracy": village[1] / village[0]}
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
    names = ["truth_rows", "xref_rows", "rejected_rows", "lost", "doubled",
             "kept_but_should_reject", "rejected_but_identifying", "rows_not_in_truth"]
    results["conservation"] = dict(zip(names, conservation))
    results["persons"] = con.execute("select count(distinct person_id) from xref").fetchone()[0]
    results["true_persons"] = con.execute("select count(distinct true_person_id) from scored").fetchone()[0]
    results["households"] = con.execute("select count(distinct household_id) from xref").fetchone()[0]
    return results


def time_resolution(data_dir: Path) -> dict:
    """A second `dbt build` of the resolution models alone (they read the ingested tables):
    wall seconds, per-model seconds (dbt's run_results.json) and the peak RSS of dbt."""
    from dagster_project.benchmark import MemorySampler

    env = dict(os.environ, JEMBER_DUCKDB_PATH=str(data_dir / "warehouse.duckdb"))
    target = data_dir / "dbt-timing-target"
    sampler = MemorySampler()
    sampler.start()
    t0 = time.perf_counter()
    subprocess.run(
        [DBT_EXECUTABLE, "build", "--quiet", "--select", *RESOLUTION_SELECTOR.split(),
         "--project-dir", ".", "--profiles-dir", ".", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR, env=env, check=True,
    )
    seconds = time.perf_counter() - t0
    sampler.stop()
    models = {}
    run_results = target / "run_results.json"
    if run_results.exists():
        for r in json.loads(run_results.read_text())["results"]:
            if r["unique_id"].startswith("model."):
                models[r["unique_id"].split(".")[-1]] = round(r["execution_time"], 1)
    return {"seconds": seconds, "peak_gib": sampler.peak() / 2**30, "models": models,
            "load_average": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="bench-linkage")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--timing-scale", default=None, help="also time resolution at this scale, e.g. jember")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve()
    gen_dir = out / f"{args.scale}-{args.seed}"
    data_dir = out / f"data-{args.scale}"
    if not args.skip_generate:
        from dagster_project.generator import generate

        generate(gen_dir, args.scale, args.seed)
    success, seconds = run_pipeline(gen_dir / "raw", data_dir)
    results = {"scale": args.scale, "seed": args.seed, "pipeline_success": success,
               "pipeline_seconds": seconds, **score(gen_dir / "truth", data_dir)}

    if args.timing_scale:
        timing_gen = out / f"{args.timing_scale}-{args.seed}"
        timing_data = out / f"data-{args.timing_scale}"
        if not (timing_gen / "raw").exists():
            from dagster_project.generator import generate

            generate(timing_gen, args.timing_scale, args.seed)
        from dagster_project.benchmark import MemorySampler

        sampler = MemorySampler()
        sampler.start()
        ok, run_seconds = run_pipeline(timing_gen / "raw", timing_data)
        sampler.stop()
        resolution = time_resolution(timing_data)
        results["timing"] = {
            "scale": args.timing_scale, "pipeline_success": ok, "pipeline_seconds": run_seconds,
            "pipeline_peak_gib": sampler.peak() / 2**30, "pipeline_load_average": os.getloadavg(),
            "resolution_seconds": resolution["seconds"], "resolution_peak_gib": resolution["peak_gib"],
            "resolution_models": resolution["models"], "resolution_load_average": resolution["load_average"],
        }

    out.mkdir(parents=True, exist_ok=True)
    (out / "linkage.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"\nlinkage benchmark: scale={args.scale} seed={args.seed} pipeline ok={success} ({seconds:.1f} s)")
    print("| measure | precision | recall | F1 | pairs predicted / true / correct |\n|---|---:|---:|---:|---|")
    for name in ("person_dtks_rows", "person_dtks_canonical_rows", "pkh_to_dtks_linking",
                 "pkh_to_dtks_linking_canonical", "family_dtks_rows", "family_dtks_canonical_rows"):
        r = results[name]
        print(f"| {name} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | "
              f"{r['predicted_pairs']} / {r['true_pairs']} / {r['correct_pairs']} |")
    v = results["village"]
    print(f"village accuracy {v['accuracy']:.4f} ({v['correct']} of {v['rows']}, {v['unmatched']} unmatched)")
    print(f"conservation {results['conservation']}")
    print(f"persons {results['persons']} (true {results['true_persons']}), households {results['households']}")
    if "timing" in results:
        t = results["timing"]
        print(f"timing at {t['scale']}: pipeline {t['pipeline_seconds']:.1f} s (ok={t['pipeline_success']}, "
              f"peak {t['pipeline_peak_gib']:.2f} GiB, load {t['pipeline_load_average']}), "
              f"resolution models alone {t['resolution_seconds']:.1f} s (peak {t['resolution_peak_gib']:.2f} GiB, "
              f"load {t['resolution_load_average']})")
        print("resolution models (s):", t["resolution_models"])
    return 0 if success else 1


if __name__ == "__main__":
    raise SystemExit(main())
