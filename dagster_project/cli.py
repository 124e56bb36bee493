"""`jember`: generate synthetic raw files, and run the whole pipeline from the command line.

`jember run` materialises the same Dagster job the UI shows (`jember_pipeline`), in this
process, and exits 0 when a new release was published, 2 when the quality gate blocked
publishing (the previous release stays), 1 on any other error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

EXIT_PUBLISHED, EXIT_ERROR, EXIT_BLOCKED = 0, 1, 2


def _print(msg: str) -> None:
    print(msg, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    from dagster_project.generator import generate

    started = time.perf_counter()
    summary = generate(Path(args.out), args.scale, args.seed)
    _print(json.dumps(summary, indent=2, default=str))
    _print(f"generated scale={args.scale} seed={args.seed} into {args.out} "
           f"in {time.perf_counter() - started:.1f} s")
    return 0


def ensure_dbt_manifest() -> None:
    """The Dagster definitions read dbt's manifest; build it once if this checkout lacks it."""
    from dagster_project.resources import DBT_PROJECT_DIR

    if not (DBT_PROJECT_DIR / "target" / "manifest.json").exists():
        subprocess.run(
            ["dbt", "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR)],
            check=True,
            cwd=DBT_PROJECT_DIR,
        )


class _StageLogHandler(logging.Handler):
    """Print the pipeline's own progress lines (not Dagster's event chatter) as they happen."""

    def __init__(self, started: float):
        super().__init__(logging.INFO)
        self.started = started

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        if meta.get("dagster_event") is not None:
            return
        step = meta.get("step_key") or ""
        message = meta.get("orig_message") or record.getMessage()
        _print(f"[{time.perf_counter() - self.started:7.1f}s] {step:<32} {message}")


def cmd_run(args: argparse.Namespace) -> int:
    raw_dir = Path(args.raw_dir).resolve()
    data_dir = Path(args.data_dir).resolve()
    if not raw_dir.is_dir():
        _print(f"error: raw dir {raw_dir} does not exist")
        return EXIT_ERROR
    os.environ["JEMBER_RAW_DIR"] = str(raw_dir)
    os.environ["JEMBER_DATA_DIR"] = str(data_dir)
    started = time.perf_counter()
    ensure_dbt_manifest()

    import dagster as dg

    from dagster_project.definitions import defs

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    handler = _StageLogHandler(started)
    dagster_logger = logging.getLogger("dagster")
    dagster_logger.addHandler(handler)
    job = defs.resolve_job_def("jember_pipeline")
    _print(f"jember run: raw={raw_dir} data={data_dir}")
    try:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    finally:
        dagster_logger.removeHandler(handler)
    return summarise(result, data_dir, time.perf_counter() - started)


def summarise(result, data_dir: Path, seconds: float) -> int:
    import dagster as dg

    materialized: dict[str, dict] = {}
    checks: list[tuple[str, bool, str]] = []
    failures: list[str] = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.event_specific_data.materialization
            materialized[mat.asset_key.to_user_string()] = {
                k: v.value for k, v in mat.metadata.items() if hasattr(v, "value")
            }
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = event.event_specific_data
            checks.append((f"{ev.asset_key.to_user_string()}:{ev.check_name}", ev.passed, ev.severity.value))
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            err = event.event_specific_data.error
            failures.append(f"{event.step_key}: {(err.message if err else '').strip().splitlines()[0] if err else ''}")

    rows_in = sum(
        int(meta.get("dagster/row_count", 0) or 0)
        for key, meta in materialized.items()
        if key.startswith("raw/") and key not in ("raw/ingest_files", "raw/ingest_rejected_rows")
    )
    rejected = _count_rejected(data_dir)
    failed_checks = [c for c in checks if not c[1]]
    blocking_failed = [c for c in failed_checks if c[2] == "ERROR"]
    published = "published/analyst_tier" in materialized

    _print("")
    _print("summary")
    _print(f"  rows in (raw data rows)    {rows_in}")
    _print(f"  rows rejected              {rejected if rejected is not None else 'n/a'}")
    _print(f"  checks                     {len(checks) - len(failed_checks)} passed, "
           f"{len(failed_checks)} failed ({len(blocking_failed)} blocking)")
    for name, _, severity in failed_checks:
        _print(f"    FAILED [{severity}] {name}")
    for failure in failures:
        _print(f"  step failed: {failure}")
    if published:
        meta = materialized["published/analyst_tier"]
        _print(f"  published                  release {meta.get('release')} -> {data_dir / 'published'}")
    else:
        _print("  published                  nothing (the previous release, if any, stays published)")
    _print(f"  wall time                  {seconds:.1f} s")

    if published and result.success:
        return EXIT_PUBLISHED
    gate_failed = bool(blocking_failed) or any("GateBlocked" in f or "quality gate" in f.lower() for f in failures)
    only_gate_steps_failed = all(
        f.startswith(("great_expectations_gate", "publish", "jember_dbt_models")) for f in failures
    )
    if gate_failed and only_gate_steps_failed:
        _print("result: BLOCKED by the quality gate (exit 2)")
        return EXIT_BLOCKED
    _print("result: ERROR (exit 1)")
    return EXIT_ERROR


def _count_rejected(data_dir: Path) -> int | None:
    import duckdb

    try:
        with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
            return con.execute("select count(*) from intermediate.rejected_rows").fetchone()[0]
    except duckdb.Error:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jember", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write realistic synthetic raw files and their ground truth")
    gen.add_argument("--out", required=True, help="folder; raw files go to OUT/raw, truth to OUT/truth")
    gen.add_argument("--scale", choices=["tiny", "small", "jember", "province"], default="tiny")
    gen.add_argument("--seed", type=int, default=1)
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="ingest, transform, check and publish")
    run.add_argument("--raw-dir", default="raw")
    run.add_argument("--data-dir", default="data")
    run.set_defaults(func=cmd_run)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
