"""`jember`: generate synthetic raw files, and run the whole pipeline from the command line.

`jember run` materialises the same Dagster job the UI shows (`jember_pipeline`), in this
process, and exits 0 when a new release was published, 2 when the quality gate blocked
publishing (the previous release stays), 1 on any other error, and 3 when another run is using
the same data dir (nothing was read or written; the message names that run's pid, start time
and raw dir). Every file the run creates is owner-only, except what is published for analysts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

EXIT_PUBLISHED, EXIT_ERROR, EXIT_BLOCKED, EXIT_LOCKED = 0, 1, 2, 3


# The terminal, kept aside: during a run sys.stdout goes to the run's log file, because dbt's
# own output (hundreds of lines) is written to stdout by dagster-dbt.
_CONSOLE = sys.stdout


def _print(msg: str) -> None:
    print(msg, file=_CONSOLE, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    from dagster_project.generator import generate

    started = time.perf_counter()
    summary = generate(Path(args.out), args.scale, args.seed)
    _print(json.dumps(summary, indent=2, default=str))
    _print(f"generated scale={args.scale} seed={args.seed} into {args.out} "
           f"in {time.perf_counter() - started:.1f} s")
    return 0


def ensure_dbt_manifest() -> None:
    """The Dagster definitions read dbt's manifest: (re)build it when missing or older than dbt's files."""
    from dagster_project.resources import DBT_EXECUTABLE, DBT_PROJECT_DIR

    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    sources = [
        p
        for folder in ("models", "macros", "seeds", "tests")
        for p in (DBT_PROJECT_DIR / folder).rglob("*")
        if p.is_file()
    ] + [DBT_PROJECT_DIR / "dbt_project.yml"]
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR)],
        check=True,
        cwd=DBT_PROJECT_DIR,
    )


STAGE_OF_STEP = {
    "ingest_raw_files": "ingest",
    "jember_dbt_models": "dbt",
    "great_expectations_gate": "checks",
    "published__analyst_tier": "publish",
    "reports__laporan": "report",
    "restricted__person_xref_files": "restricted",
    "restricted__verification_workbooks": "restricted",
}


class _StageLogHandler(logging.Handler):
    """Print stage starts and ends, and the pipeline's own messages, as they happen."""

    def __init__(self, started: float):
        super().__init__(logging.DEBUG)
        self.started = started
        self.step_started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key") or ""
        stage = STAGE_OF_STEP.get(step, step)
        now = time.perf_counter()
        event = meta.get("dagster_event")
        if event is not None:
            kind = event.event_type_value
            if kind == "STEP_START":
                self.step_started[step] = now
                line = "started"
            elif kind == "STEP_SUCCESS":
                line = f"done in {now - self.step_started.get(step, now):.1f} s"
            elif kind == "STEP_FAILURE":
                line = f"FAILED after {now - self.step_started.get(step, now):.1f} s"
            else:
                return
        else:
            # dbt's chatter stays in the log file; its warnings and errors come through.
            if record.levelno < logging.INFO or (stage == "dbt" and record.levelno < logging.WARNING):
                return
            line = meta.get("orig_message") or record.getMessage()
        _print(f"[{now - self.started:6.1f}s] {stage:<8} {line}")


def cmd_run(args: argparse.Namespace) -> int:
    raw_dir = Path(args.raw_dir).resolve()
    data_dir = Path(args.data_dir).resolve()
    if not raw_dir.is_dir():
        _print(f"error: raw dir {raw_dir} does not exist")
        return EXIT_ERROR
    os.environ["JEMBER_RAW_DIR"] = str(raw_dir)
    os.environ["JEMBER_DATA_DIR"] = str(data_dir)
    if args.period:
        from dagster_project.resources import PERIOD_PATTERN

        if not PERIOD_PATTERN.fullmatch(args.period):
            _print(f"error: --period {args.period!r} is not YYYY-MM (e.g. 2025-10)")
            return EXIT_ERROR
        os.environ["JEMBER_PERIOD"] = args.period

    from dagster_project.resources import RunLocked, begin_run, end_run

    # Before anything is read or written: a second run on this data dir would write the same
    # warehouse and could publish a release built from the other run's delivery.
    try:
        begin_run(data_dir, raw_dir)
    except RunLocked as locked:
        _print(f"error: {locked}")
        _print(f"result: REFUSED, another run holds the data dir (exit {EXIT_LOCKED})")
        return EXIT_LOCKED
    try:
        return _run_locked(raw_dir, data_dir)
    finally:
        end_run(data_dir)


def _run_locked(raw_dir: Path, data_dir: Path) -> int:
    started = time.perf_counter()
    ensure_dbt_manifest()

    import dagster as dg

    from dagster_project.definitions import defs

    # With DAGSTER_HOME (the Makefile sets it) runs are recorded where the UI shows them.
    if os.environ.get("DAGSTER_HOME"):
        Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
        instance = dg.DagsterInstance.get()
    else:
        instance = dg.DagsterInstance.ephemeral()
    handler = _StageLogHandler(started)

    @dg.logger
    def stage_logger(_init_context):
        stage = logging.getLogger("jember.stage")
        stage.setLevel(logging.DEBUG)
        stage.propagate = False
        stage.handlers = [handler]
        return stage

    job = defs.resolve_job_def("jember_pipeline").with_logger_defs({"stage": stage_logger})
    log_path = data_dir / "logs" / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _print(f"jember run: raw={raw_dir} data={data_dir}")
    _print(f"full log (dbt output included): {log_path}")
    try:
        with open(log_path, "w") as log_file, contextlib.redirect_stdout(log_file):
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config={"loggers": {"stage": {}}},
            )
            # The report follows every run, published or blocked (see assets/reporting.py).
            report = (
                defs.resolve_job_def("jember_report")
                .with_logger_defs({"stage": stage_logger})
                .execute_in_process(instance=instance, raise_on_error=False, run_config={"loggers": {"stage": {}}})
            )
    finally:
        handler.close()
    code = summarise(result, data_dir, time.perf_counter() - started)
    reports = sorted((data_dir / "reports").glob("laporan-*.html"), key=lambda p: p.stat().st_mtime)
    if report.success and reports:
        pdf = reports[-1].with_suffix(".pdf")
        _print(f"  report                     {reports[-1]}" + (f" (+ {pdf.name})" if pdf.exists() else " (no PDF: Chromium not installed)"))
        return code
    _print("  report                     FAILED to render (see the run log)")
    return EXIT_ERROR


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
            checks.append(
                (f"{ev.asset_key.to_user_string()}:{ev.check_name}", ev.passed, ev.severity.value,
                 _failed_expectations(ev.metadata))
            )
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            failures.append(f"{event.step_key}: {_root_cause(event.event_specific_data.error)}")

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
    for name, _, severity, details in failed_checks:
        _print(f"    FAILED [{severity}] {name}")
        for detail in details:
            _print(f"      - {detail}")
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


def _failed_expectations(metadata) -> list[str]:
    """The rows of a Great Expectations check's `failures` table, as short lines."""
    table = metadata.get("failures")
    text = getattr(table, "value", None) or ""
    lines = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| expectation")]
    return [" ".join(cell.strip() for cell in line.strip("| ").split("|") if cell.strip()) for line in lines]


def _root_cause(error) -> str:
    """The innermost error's message: what actually went wrong, not the wrapper."""
    while error is not None and error.cause is not None:
        error = error.cause
    if error is None:
        return ""
    lines = [line for line in error.message.strip().splitlines() if line.strip()]
    return " ".join(lines[:3])


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
    run.add_argument("--period", default=os.environ.get("JEMBER_PERIOD", ""),
                     help="reporting period YYYY-MM; default: the month the data describes. "
                     "Re-running a period replaces that period's history only")
    run.set_defaults(func=cmd_run)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
