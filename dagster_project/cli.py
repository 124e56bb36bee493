"""`jember`: generate synthetic raw files, and run the whole pipeline from the command line.

`jember run` materialises the same Dagster job the UI shows (`jember_pipeline`), in this
process, and exits 0 when a new release was published (or nothing was new: the raw files, the
period and the code are those of the run whose release is published), 2 when the quality gate blocked
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
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Imports no Dagster (like runstate): `jember --help` and a refused run stay instant.
from dagster_project.pipeline import STAGE_OF_STEP, steps_of

if TYPE_CHECKING:  # Dagster is imported when a run starts: `jember --help` stays instant
    import dagster as dg
    from dagster_shared.error import SerializableErrorInfo

    from dagster_project.pipeline import PipelineResult

EXIT_PUBLISHED, EXIT_ERROR, EXIT_BLOCKED, EXIT_LOCKED = 0, 1, 2, 3


# The terminal, kept aside: during a run sys.stdout goes to the run's log file, because dbt's
# own output (hundreds of lines) is written to stdout by the dbt step (transform/assets.py).
_CONSOLE = sys.stdout


def _print(msg: str) -> None:
    print(msg, file=_CONSOLE, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    try:
        from jember_dev.generator import generate
    except ModuleNotFoundError:
        _print("error: `jember generate` needs the development tools: pip install -e ./dev")
        return EXIT_ERROR

    started = time.perf_counter()
    summary = generate(Path(args.out), args.scale, args.seed)
    _print(json.dumps(summary, indent=2, default=str))
    _print(
        f"generated scale={args.scale} seed={args.seed} into {args.out} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


# During dbt, a progress line at most this often, and at least every this many models.
DBT_PROGRESS_SECONDS = 5.0
DBT_PROGRESS_MODELS = 10


class _StageLogHandler(logging.Handler):
    """Print stage starts and ends, dbt's progress, and the pipeline's own messages, as they
    happen; each stage's start and end once."""

    def __init__(self, started: float, dbt_total: int) -> None:
        super().__init__(logging.DEBUG)
        self.started = started
        self.step_started: dict[str, float] = {}
        self.step_ended: set[str] = set()
        self.dbt_total = dbt_total
        self.dbt_done = 0
        # the dbt step's line saying the person tables are kept, not built again
        from dagster_project.transform.person_tables import PERSON_TABLES_KEPT

        self.kept_tables = PERSON_TABLES_KEPT
        self.dbt_printed = (0, 0.0)  # (models, time) of the last progress line

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key") or ""
        stage = STAGE_OF_STEP.get(step, step)
        now = time.perf_counter()
        event = meta.get("dagster_event")
        if event is not None:
            kind = event.event_type_value
            # A stage of two steps (dbt: the period-independent models, then the month's)
            # starts at its first step and is done at its last.
            siblings = steps_of(stage) if stage in STAGE_OF_STEP.values() else (step,)
            if kind == "STEP_START":
                self.step_started[step] = now
                if any(s in self.step_started for s in siblings if s != step):
                    return
                line = "started"
            elif kind == "STEP_SUCCESS":
                self.step_ended.add(step)
                if not all(s in self.step_ended for s in siblings):
                    return
                line = f"done in {now - self._stage_started(siblings, now):.1f} s"
            elif kind == "STEP_FAILURE":
                self.step_ended.add(step)
                line = f"FAILED after {now - self._stage_started(siblings, now):.1f} s"
            elif kind == "ASSET_MATERIALIZATION" and stage == "dbt":
                progress = self._dbt_progress(now)
                if progress is None:
                    return
                line = progress
            else:
                return
        else:
            line = meta.get("orig_message") or record.getMessage()
            # dbt's chatter stays in the log file; its warnings and errors come through, and
            # the step's own line when it keeps the person tables.
            if record.levelno < logging.INFO or (
                stage == "dbt"
                and record.levelno < logging.WARNING
                and not line.startswith(self.kept_tables)
            ):
                return
        _print(f"[{now - self.started:6.1f}s] {stage:<10} {line}")

    def _stage_started(self, steps: tuple[str, ...], now: float) -> float:
        return min((self.step_started[s] for s in steps if s in self.step_started), default=now)

    def heartbeat(self) -> None:
        """Called every second from a thread: while dbt works on one slow model (or starts up),
        a line every DBT_PROGRESS_SECONDS all the same, so the stage never looks stuck."""
        # the dbt step under way (a run without --period has two, one in each of its runs)
        started = [
            s for s in steps_of("dbt") if s in self.step_started and s not in self.step_ended
        ]
        if not started:
            return
        step = max(started, key=self.step_started.__getitem__)
        now = time.perf_counter()
        models, at = self.dbt_printed
        last = max(at, self.step_started[step])
        if self.dbt_done < self.dbt_total and now - last >= DBT_PROGRESS_SECONDS * 2:
            self.dbt_printed = (models, now)
            _print(
                f"[{now - self.started:6.1f}s] {'dbt':<10} dbt {self.dbt_done}/{self.dbt_total} models "
                f"({now - self.step_started[step]:.0f} s)"
            )

    def _dbt_progress(self, now: float) -> str | None:
        """`dbt 23/48 models` every DBT_PROGRESS_MODELS models or DBT_PROGRESS_SECONDS, and the last."""
        self.dbt_done += 1
        models, at = self.dbt_printed
        if (
            self.dbt_done - models < DBT_PROGRESS_MODELS
            and now - at < DBT_PROGRESS_SECONDS
            and self.dbt_done < self.dbt_total
        ):
            return None
        self.dbt_printed = (self.dbt_done, now)
        return f"dbt {self.dbt_done}/{self.dbt_total} models"


def cmd_run(args: argparse.Namespace) -> int:
    raw_dir = Path(args.raw_dir).resolve()
    data_dir = Path(args.data_dir).resolve()
    if not raw_dir.is_dir():
        _print(f"error: raw dir {raw_dir} does not exist")
        return EXIT_ERROR
    # runstate and pipeline import no Dagster: a refused or empty run ends in a moment.
    from dagster_project.runstate import (
        PERIOD_PATTERN,
        RunLocked,
        begin_run,
        end_run,
        period_range,
    )

    if args.period and not PERIOD_PATTERN.fullmatch(args.period):
        _print(f"error: --period {args.period!r} is not YYYY-MM (e.g. 2025-10)")
        return EXIT_ERROR
    first, last = period_range()
    if args.period and not first <= args.period <= last:
        _print(
            f"error: --period {args.period} is not a reporting month of the pipeline "
            f"({first} to {last}, the current month)"
        )
        return EXIT_ERROR
    if args.keep_releases is not None and args.keep_releases < 1:
        _print(f"error: --keep-releases {args.keep_releases} keeps no release; give 1 or more")
        return EXIT_ERROR

    # Before anything is read or written: a second run on this data dir would write the same
    # warehouse and could publish a release built from the other run's delivery.
    try:
        begin_run(data_dir, raw_dir)
    except RunLocked as locked:
        _print(f"error: {locked}")
        _print(f"result: REFUSED, another run holds the data dir (exit {EXIT_LOCKED})")
        return EXIT_LOCKED
    try:
        return _run_locked(raw_dir, data_dir, args.period or None, args.full, args.keep_releases)
    finally:
        end_run(data_dir)


def _run_locked(
    raw_dir: Path, data_dir: Path, period: str | None, full: bool, keep_releases: int | None
) -> int:
    from dagster_project.pipeline import (
        LAST_PUBLISHED_RUN,
        nothing_new,
        record_published_run,
        run_inputs,
    )

    started = time.perf_counter()
    started_wall = time.time()
    inputs = run_inputs(raw_dir, period)
    last = None if full else nothing_new(data_dir, inputs)
    if last is not None:
        _print(f"jember run: raw={raw_dir} data={data_dir}")
        _print(
            f"nothing new: the raw files, the period and the code are those of run {last['run_id']}, "
            f"whose release {last['release']} is published; nothing to do (--full runs it all again)"
        )
        _print(
            f"result: NOTHING NEW, release {last['release']} stays published "
            f"({time.perf_counter() - started:.1f} s, exit {EXIT_PUBLISHED})"
        )
        return EXIT_PUBLISHED
    # From here the warehouse changes: only a run that publishes again may say "nothing new".
    (data_dir / LAST_PUBLISHED_RUN).unlink(missing_ok=True)
    log_path = data_dir / "logs" / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _print(f"jember run: raw={raw_dir} data={data_dir}")
    _print(f"full log (dbt output, Dagster's own messages): {log_path}")
    # Everything not ours goes to the log file from here on: dbt's output, which the dbt step
    # writes to stdout (and dbt's worker process to this stderr), and the banners and warnings
    # Dagster, dbt and GX write to stdout or stderr (the instance warning, telemetry notes,
    # deprecations). Our lines use _CONSOLE.
    from dagster_project.transform.dbt_worker import shared_worker

    with (
        open(log_path, "w") as log_file,
        contextlib.redirect_stdout(log_file),
        contextlib.redirect_stderr(log_file),
        # dbt's worker process, started first: it imports dbt and parses the project while
        # this process imports Dagster and the definitions and ingestion reads the raw files.
        shared_worker(data_dir / "dbt-target"),
    ):
        import dagster as dg

        from dagster_project.pipeline import run_pipeline
        from dagster_project.transform.assets import dbt_asset_keys

        # With DAGSTER_HOME (the Makefile sets it) runs are recorded where the UI shows them.
        if os.environ.get("DAGSTER_HOME"):
            Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
            instance = dg.DagsterInstance.get()
        else:
            instance = dg.DagsterInstance.ephemeral()
        handler = _StageLogHandler(started, dbt_total=len(dbt_asset_keys()))

        @dg.logger
        def stage_logger(_init_context: dg.InitLoggerContext) -> logging.Logger:
            stage = logging.getLogger("jember.stage")
            stage.setLevel(logging.DEBUG)
            stage.propagate = False
            stage.handlers = [handler]
            return stage

        stop = threading.Event()

        def beat_every_second() -> None:
            while not stop.wait(1.0):
                handler.heartbeat()

        beat = threading.Thread(target=beat_every_second, daemon=True)
        beat.start()
        try:
            # Our stage lines only (they replace Dagster's console logger); the report follows
            # every run, published or blocked, from the job's own hooks (sensors.py).
            result = run_pipeline(
                raw_dir,
                data_dir,
                period=period,
                instance=instance,
                logger_defs={"stage": stage_logger},
                run_config={"loggers": {"stage": {}}},
                full=full,
                keep_releases=keep_releases,
            )
        finally:
            stop.set()
            beat.join()
            handler.close()
    code = summarise(result, data_dir, time.perf_counter() - started)
    reports = sorted(
        (
            p
            for p in (data_dir / "reports").glob("laporan-*.html")
            if p.stat().st_mtime >= started_wall - 1
        ),
        key=lambda p: p.stat().st_mtime,
    )
    if reports:
        pdf = reports[-1].with_suffix(".pdf")
        _print(
            f"  report                     {reports[-1]}"
            + (f" (+ {pdf.name})" if pdf.exists() else " (no PDF: Chromium not installed)")
        )
        if code == EXIT_PUBLISHED:
            # Only a run that published and left its report may later be "nothing new".
            record_published_run(data_dir, inputs, result.run_id)
        return code
    _print(f"  report                     FAILED to render (see {log_path})")
    return EXIT_ERROR


def summarise(result: PipelineResult, data_dir: Path, seconds: float) -> int:
    """Print the run's summary and return its exit code.

    The verdict comes from structured records only: the gate's verdict file
    (`DATA_DIR/quality/verdict.json`, written by the gate in this run), Dagster's check
    evaluations (dbt tests) and which steps failed; never from text a check printed.
    """
    import dagster as dg

    from dagster_project.ingestion.assets import LOG_TABLES
    from dagster_project.quality.validation import read_verdict

    materialized: dict[str, dict[str, Any]] = {}
    checks: list[tuple[str, bool, str]] = []
    failed_steps: dict[str, str] = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.step_materialization_data.materialization
            materialized[mat.asset_key.to_user_string()] = {
                k: v.value for k, v in mat.metadata.items() if hasattr(v, "value")
            }
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = event.asset_check_evaluation_data
            checks.append(
                (f"{ev.asset_key.to_user_string()}:{ev.check_name}", ev.passed, ev.severity.value)
            )
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            # a step's event: its step key is always set
            failed_steps[event.step_key or ""] = _root_cause(event.step_failure_data.error)

    verdict = read_verdict(data_dir / "quality")
    if verdict is not None and verdict.get("run_id") != result.run_id:
        verdict = None  # a previous run's verdict: the gate did not get to run this time
    rows_in = sum(
        int(meta.get("dagster/row_count", 0) or 0)
        for key, meta in materialized.items()
        if key.startswith("raw/") and key.removeprefix("raw/") not in LOG_TABLES
    )
    rejected = _count_rejected(data_dir)
    failed_checks = [c for c in checks if not c[1]]
    blocking_failed = [c for c in failed_checks if c[2] == dg.AssetCheckSeverity.ERROR.value]
    published = "published/analyst_tier" in materialized

    _print("")
    _print("summary")
    _print(f"  rows in (raw data rows)    {rows_in}")
    _print(f"  rows rejected              {rejected if rejected is not None else 'n/a'}")
    _print(
        f"  checks                     {len(checks) - len(failed_checks)} passed, "
        f"{len(failed_checks)} failed ({len(blocking_failed)} blocking)"
    )
    suites = {s["suite"]: s for s in (verdict or {}).get("suites", [])}
    for name, _, severity in failed_checks:
        _print(f"    FAILED [{severity}] {name}")
        suite = suites.get(name.rsplit(":gx_", 1)[-1]) if ":gx_" in name else None
        for e in (suite or {}).get("expectations", []):
            if not e["success"]:
                _print(
                    "      - "
                    + " ".join(
                        str(part)
                        for part in (
                            e["expectation"],
                            e["column"] or "",
                            e["severity"],
                            "" if e["unexpected_count"] is None else e["unexpected_count"],
                            "" if e["observed_value"] is None else e["observed_value"],
                        )
                        if part != ""
                    )
                )
    for step, cause in failed_steps.items():
        _print(f"  step failed: {step}: {cause}")
    if published:
        meta = materialized["published/analyst_tier"]
        _print(
            f"  published                  release {meta.get('release')} -> {data_dir / 'published'}"
        )
    else:
        _print(
            "  published                  nothing (the previous release, if any, stays published)"
        )
    _print(f"  wall time                  {seconds:.1f} s")

    if published and result.success:
        return EXIT_PUBLISHED
    # Blocked: the gate's verdict (or a blocking dbt test) failed, and every step that failed
    # is one the gate stops (dbt after a failed test, publish refusing an unvalidated release).
    gate_failed = (verdict is not None and not verdict["passed"]) or bool(blocking_failed)
    only_gate_steps_failed = all(step in GATE_STEPS for step in failed_steps)
    if gate_failed and only_gate_steps_failed:
        _print("result: BLOCKED by the quality gate (exit 2)")
        return EXIT_BLOCKED
    _print("result: ERROR (exit 1)")
    return EXIT_ERROR


# Steps that fail when the gate blocks: dbt (a blocking dbt test), the gate, publish.
GATE_STEPS = tuple(step for stage in ("checks", "publish", "dbt") for step in steps_of(stage))


def _root_cause(error: SerializableErrorInfo | None) -> str:
    """The innermost error's message: what actually went wrong, not the wrapper."""
    while error is not None and error.cause is not None:
        error = error.cause
    if error is None:
        return ""
    lines = [line for line in error.message.strip().splitlines() if line.strip()]
    return " ".join(lines[:3])


def _count_rejected(data_dir: Path) -> int | None:
    import duckdb

    from dagster_project.warehouse import connect_read_only, scalar

    try:
        with connect_read_only(data_dir / "warehouse.duckdb") as con:
            return scalar(con, "select count(*) from intermediate.rejected_rows")
    except duckdb.Error:
        return None


EXIT_CODES_HELP = f"""exit codes:
  {EXIT_PUBLISHED}  published: a new release is in DATA_DIR/published; or nothing new: the raw
     files (by content), the period and the code are those of the published release's run
  {EXIT_BLOCKED}  blocked: the quality gate failed, nothing new was published (the previous
     release stays); the report says why
  {EXIT_LOCKED}  refused: another run holds DATA_DIR (its pid, start time and raw dir are named);
     nothing was read or written
  {EXIT_ERROR}  error: anything else (a step failed, the report did not render, bad arguments)

Progress per stage goes to the terminal; dbt's output and Dagster's own messages go to
DATA_DIR/logs/run-<time>.log. The meeting report DATA_DIR/reports/laporan-<period>.html
(and .pdf) is written after every run, published or blocked."""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after each option (not an empty one), and the exit codes kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default == "":
            return action.help
        return super()._get_help_string(action)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="jember",
        description=__doc__.splitlines()[0],
        epilog="exit codes of `jember run`: 0 published, 2 blocked by the quality gate, "
        "3 another run holds the data dir, 1 error (see `jember run --help`)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser(
        "generate",
        help="write realistic synthetic raw files and their ground truth",
        formatter_class=_HelpFormatter,
    )
    gen.add_argument(
        "--out", required=True, help="folder; raw files go to OUT/raw, truth to OUT/truth"
    )
    gen.add_argument(
        "--scale",
        choices=["tiny", "small", "jember", "province"],
        default="tiny",
        help="size of the delivery",
    )
    gen.add_argument("--seed", type=int, default=1, help="same seed, same files")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser(
        "run",
        help="ingest, transform, check and publish",
        description="Ingest RAW_DIR, build the dbt models, run the quality gate, publish to\n"
        "DATA_DIR/published when it passes, and write the meeting report.\n"
        "One run at a time per data dir.",
        epilog=EXIT_CODES_HELP,
        formatter_class=_HelpFormatter,
    )
    run.add_argument(
        "--raw-dir",
        default="raw",
        help="folder holding dtks/, pkh/, bps/, koperasi/ (or a generator --out)",
    )
    run.add_argument(
        "--data-dir", default="data", help="warehouse, releases, reports, logs; created if missing"
    )
    run.add_argument(
        "--period",
        default=os.environ.get("JEMBER_PERIOD", ""),
        help="reporting period YYYY-MM, the Dagster partition to run, 2021-01 to the current "
        "month (default: $JEMBER_PERIOD, else the month the data describes). Re-running a "
        "period replaces that period's history only",
    )
    run.add_argument(
        "--full",
        action="store_true",
        help="read every raw file again and run everything, even when nothing changed "
        "(default: incremental; a source whose files are unchanged is not read again, and "
        "the tables built from the DTKS and PKH files alone (person resolution, households) "
        "are not built again while those files are unchanged)",
    )
    run.add_argument(
        "--keep-releases",
        type=int,
        default=None,
        metavar="N",
        help="releases kept in DATA_DIR/releases, the new one included (default: 3)",
    )
    run.set_defaults(func=cmd_run)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
