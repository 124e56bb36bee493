"""`make bench`: generate a scale, run the pipeline on it, report wall time and peak memory per
stage and per dbt model, beside the read floor of the same raw files.

Peak memory is sampled every 100 ms as the resident set of this process plus its child
processes (dbt runs as a child), with this process's own share beside it, and attributed to
the Dagster step (or dbt model, from the timings in dbt's own log, dbt.log) running at that moment;
dbt runs two models at a time, so a model's peak includes its neighbour's. CPU is sampled
with it: the CPU seconds this process and its children used in each stage (a child's time
counts once it is reaped, as its parent's), and how busy the machine's cores were meanwhile
(/proc/stat, every process): a stage whose cores are busy near 100% is bound by the work it
does, not by waiting, and only less work makes it faster. The read floor
reads every raw file once in a process of its own (as the generator runs), before the run
(CSV with pyarrow, xlsx with python-calamine, no processing): the least any pipeline must
spend on this delivery; the ratio run / read floor says how far above it we are. Results are
printed as Markdown tables and written to OUT/results.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from dagster_project.pipeline import STAGE_OF_STEP

# Stage -> the step keys it covers, from the pipeline's one list (the CLI prints the same stages).
STAGES: dict[str, tuple[str, ...]] = {
    stage: tuple(step for step, s in STAGE_OF_STEP.items() if s == stage)
    for stage in dict.fromkeys(STAGE_OF_STEP.values())
}


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                found += kids
                stack += kids
        except OSError:
            continue
    return found


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and of its children it has reaped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            # the fields after the command name, which is in parentheses and may hold spaces
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime: fields 14-17 of proc(5), 12-15 after the name
    return sum(int(x) for x in fields[11:15]) / CLOCK_TICKS


def _machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of every core since boot (/proc/stat: idle and iowait are
    not busy)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS, sum(ticks) / CLOCK_TICKS


class ResourceSampler(threading.Thread):
    """Every `interval` seconds, in a thread: the resident memory of this process and of its
    children, and the CPU seconds they used, beside the machine's own CPU counters."""

    def __init__(self, interval: float = 0.1):
        super().__init__(daemon=True)
        self.interval = interval
        # (time, this process and its children, this process alone): the pipeline's own process
        # (Dagster, ingestion, the quality gate) apart from dbt's and the workbook writers'
        self.samples: list[tuple[float, int, int]] = []
        # (time, CPU seconds of this process and its children, the machine's busy and all CPU
        # seconds)
        self.cpu_samples: list[tuple[float, float, float, float]] = []
        self._done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._done.is_set():
            own = _rss_bytes(me)
            children = _descendants(me)
            total = own + sum(_rss_bytes(p) for p in children)
            now = time.time()
            self.samples.append((now, total, own))
            cpu = _cpu_seconds(me) + sum(_cpu_seconds(p) for p in children)
            self.cpu_samples.append((now, cpu, *_machine_cpu()))
            self._done.wait(self.interval)

    def cpu(self, start: float, end: float) -> tuple[float, float] | None:
        """(CPU seconds this process and its children used, the share of the machine's cores
        that were busy) between start and end, from the samples nearest inside them."""
        inside = [s for s in self.cpu_samples if start <= s[0] <= end]
        if len(inside) < 2:
            return None
        (_, cpu0, busy0, all0), (_, cpu1, busy1, all1) = inside[0], inside[-1]
        return cpu1 - cpu0, (busy1 - busy0) / (all1 - all0) if all1 > all0 else 0.0

    def stop(self) -> None:
        self._done.set()
        self.join()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        return max((b for t, b, _ in self.samples if start <= t <= end), default=0)

    def own_peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        return max((o for t, _, o in self.samples if start <= t <= end), default=0)


def _in_child(function, *args):
    """function(*args) in a spawned process; its result."""
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        return pool.submit(function, *args).result()


def _step_windows(instance, run_id: str) -> dict[str, tuple[float, float]]:
    import dagster as dg

    starts, ends = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in (
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        ):
            ends[event.step_key] = entry.timestamp
    return {k: (starts[k], ends.get(k, starts[k])) for k in starts}


def read_floor(raw_dir: Path) -> dict:
    """Read every raw file once, no processing: CSV bytes parsed by pyarrow (all columns as
    text, lines that do not fit the header skipped), each xlsx sheet by python-calamine."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from python_calamine import CalamineWorkbook

    files = rows = size = 0
    t0 = time.perf_counter()
    for path in sorted(p for p in raw_dir.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix == ".csv":
            data = path.read_bytes()
            try:
                data.decode("utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "cp1252"
            # the header is the line with the most delimiters among the first ones (title lines above)
            head = data[:8192].split(b"\n")[:20]
            delimiter = (
                b";"
                if sum(h.count(b";") for h in head) >= sum(h.count(b",") for h in head)
                else b","
            )
            skip = max(range(len(head)), key=lambda i: head[i].count(delimiter))
            # quoted cells spanning lines need the slower parser that allows them
            for newlines_in_values in (False, True):
                try:
                    table = pacsv.read_csv(
                        pa.py_buffer(data),
                        read_options=pacsv.ReadOptions(
                            encoding=encoding, skip_rows=skip, autogenerate_column_names=True
                        ),
                        parse_options=pacsv.ParseOptions(
                            delimiter=delimiter.decode(),
                            newlines_in_values=newlines_in_values,
                            invalid_row_handler=lambda row: "skip",
                        ),
                        convert_options=pacsv.ConvertOptions(strings_can_be_null=False),
                    )
                    rows += table.num_rows
                    break
                except pa.ArrowInvalid:
                    continue
        elif suffix in (".xlsx", ".xls") and not path.name.startswith("~$"):
            try:
                workbook = CalamineWorkbook.from_path(str(path))
            except Exception:  # a damaged workbook: the pipeline rejects it too
                continue
            for sheet in workbook.sheet_names:
                rows += len(workbook.get_sheet_by_name(sheet).to_python())
        else:
            continue
        files += 1
        size += path.stat().st_size
    return {"seconds": time.perf_counter() - t0, "files": files, "rows": rows, "bytes": size}


def _dbt_log_events(data_dir: Path, window: tuple[float, float]) -> list[dict]:
    """dbt's own JSON log lines (dbt.log and its rotations) of the builds this run started,
    in order: every invocation whose lines fall within the dbt steps' window. A run without a
    period has two dbt builds (the period-independent models, then the month's)."""
    lines = []
    for log in (data_dir / "dbt-target").glob("dbt.log*"):
        for line in log.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if "info" in event and window[0] - 1 <= _ts(event["info"]["ts"]) <= window[1] + 5:
                lines.append(event)
    return sorted(lines, key=lambda e: e["info"]["ts"])


RESULT_EVENTS = {"LogModelResult": "model", "LogTestResult": "test", "LogSeedResult": "seed"}


def _dbt_model_timings(data_dir: Path, window: tuple[float, float]) -> list[dict]:
    """Per model (not tests), from dbt's log of the builds this run started (dbt writes it to
    the run's data dir, transform/assets.py)."""
    models = []
    for e in _dbt_log_events(data_dir, window):
        if e["info"]["name"] != "LogModelResult":
            continue
        node = e["data"].get("node_info", {})
        started, finished = node.get("node_started_at"), node.get("node_finished_at")
        models.append(
            {
                "model": node.get("unique_id", "").split(".")[-1],
                "seconds": e["data"].get("execution_time", 0.0),
                "status": e["data"].get("status"),
                "window": (_ts(started), _ts(finished)) if started and finished else None,
            }
        )
    return sorted(models, key=lambda m: -m["seconds"])


def _ts(value: str) -> float:
    value = value.replace("Z", "+00:00")
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:  # dbt's node times are UTC without a zone
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def dbt_profile(data_dir: Path, window: tuple[float, float], run_started: float) -> dict | None:
    """Where the dbt steps' time went, from dbt's own log (JSON lines, dbt.log and the rotated
    dbt.log.1...). The run's dbt worker (transform/dbt_worker.py) parses the project once when
    the run starts, beside Dagster's start-up and ingestion, then runs one build per dbt step on
    that parse. Seconds: the worker's parse (its first line to its last, dbt's import not
    included; full or partial, with dbt's reason for a full one) and how long after the first
    dbt step started it ended (0: ready in time); from each step's start to its build's first
    line, summed; execution (dbt's own elapsed time per build); and after (the last step's end
    less dbt's last result: the event stream and the row counts). Per resource type (model,
    test, seed): how many nodes and their summed time (dbt runs `threads` of them at once)."""
    events = _dbt_log_events(data_dir, (run_started, window[1]))
    invocations: dict[str, list[dict]] = {}
    for e in events:
        invocations.setdefault(e["info"]["invocation_id"], []).append(e)
    builds = [
        b for b in invocations.values() if any(e["info"]["name"] == "ConcurrencyLine" for e in b)
    ]
    parses = [b for b in invocations.values() if b not in builds]
    if not builds:
        return None
    parse = sum(_ts(b[-1]["info"]["ts"]) - _ts(b[0]["info"]["ts"]) for b in parses)
    parse_late = max((_ts(b[-1]["info"]["ts"]) - window[0] for b in parses), default=0.0)
    full_parse = next(
        (
            e["data"].get("reason")
            for b in parses
            for e in b
            if e["info"]["name"] == "UnableToPartialParse"
        ),
        None,
    )
    execution = 0.0
    by_type: dict[str, dict] = {}
    for build in builds:
        execution += next(
            (
                e["data"].get("execution_time", 0.0)
                for e in build
                if e["info"]["name"] == "FinishedRunningStats"
            ),
            0.0,
        )
        for e in build:
            kind = RESULT_EVENTS.get(e["info"]["name"])
            if kind:
                t = by_type.setdefault(kind, {"nodes": 0, "seconds": 0.0})
                t["nodes"] += 1
                t["seconds"] += e["data"].get("execution_time", 0.0)
    results = [e for b in builds for e in b if e["info"]["name"] in RESULT_EVENTS]
    return {
        "builds": len(builds),
        "parse": parse,
        "parse_after_dbt_start": max(parse_late, 0.0),
        "full_parse_reason": full_parse,
        "before_dbt": _ts(builds[0][0]["info"]["ts"]) - window[0],
        "execution": execution,
        "after_dbt": (window[1] - _ts(results[-1]["info"]["ts"])) if results else None,
        "by_resource_type": by_type,
    }


def candidate_pairs(data_dir: Path) -> dict | None:
    """Candidate pairs per resolution record: issue 13 bounds its growth with scale (province
    at most 1.5x jember's), since a block without region in its key grows with the square of
    the population."""
    import duckdb

    warehouse = data_dir / "warehouse.duckdb"
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            pairs, records = con.execute(
                "select (select count(*) from intermediate.int_person_pairs_candidates),"
                " (select count(*) from intermediate.int_person_match_records)"
            ).fetchone()
        except duckdb.CatalogException:
            return None
    return {"pairs": pairs, "records": records, "per_record": pairs / records if records else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="jember")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="bench")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument(
        "--raw-dir",
        help="run on this delivery instead of generating one (e.g. raw, the shipped sample)",
    )
    args = parser.parse_args(argv)

    out = Path(args.out).resolve()
    gen_dir = out / f"{args.scale}-{args.seed}"
    data_dir = out / f"data-{args.scale}"
    raw_dir = gen_dir / "raw"
    if args.raw_dir:
        raw_dir, data_dir = Path(args.raw_dir).resolve(), out / "data"
        args.scale, args.skip_generate = f"given ({raw_dir})", True
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}",
    }

    # The generator and the read floor run in a process of their own: memory they leave
    # allocated (Python's and Arrow's pools keep freed memory) must not count as the run's.
    if not args.skip_generate:
        from jember_dev.generator import generate

        sampler = ResourceSampler()
        sampler.start()
        t0 = time.perf_counter()
        results["generate_summary"] = _in_child(generate, gen_dir, args.scale, args.seed)
        results["generate"] = {"seconds": time.perf_counter() - t0, "peak_bytes": sampler.peak()}
        sampler.stop()

    import dagster as dg

    from dagster_project.pipeline import run_pipeline

    sampler = ResourceSampler()
    sampler.start()
    floor = _in_child(read_floor, raw_dir)
    sampler.stop()
    results["read_floor"] = {**floor, "peak_bytes": sampler.peak()}

    sampler = ResourceSampler()
    sampler.start()
    t0 = time.perf_counter()
    started_at = time.time()
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(raw_dir, data_dir, instance=instance)
    wall = time.perf_counter() - t0
    sampler.stop()

    # a run without a period is two Dagster runs (pipeline.run_pipeline): their steps together
    windows = {
        step: window
        for run_id in result.run_ids
        for step, window in _step_windows(instance, run_id).items()
    }
    stages = {}
    for stage, prefixes in STAGES.items():
        keys = [k for k in windows if k.startswith(prefixes)]
        if not keys:
            continue
        start = min(windows[k][0] for k in keys)
        end = max(windows[k][1] for k in keys)
        stages[stage] = {
            "seconds": sum(windows[k][1] - windows[k][0] for k in keys),
            "peak_bytes": sampler.peak(start, end),
            "own_peak_bytes": sampler.own_peak(start, end),
            "cpu": sampler.cpu(start, end),
        }
    # the report renders in its own run, started by the job's hooks (sensors.py)
    for run in instance.get_runs():
        if run.tags.get("jember/after_run") in result.run_ids:
            for step, window in _step_windows(instance, run.run_id).items():
                if STAGE_OF_STEP.get(step) == "report":
                    stages["report"] = {
                        "seconds": window[1] - window[0],
                        "peak_bytes": sampler.peak(*window),
                        "own_peak_bytes": sampler.own_peak(*window),
                        "cpu": sampler.cpu(*window),
                    }
    dbt_steps = [w for k, w in windows.items() if k.startswith(STAGES["dbt"])]
    dbt_window = (min(w[0] for w in dbt_steps), max(w[1] for w in dbt_steps)) if dbt_steps else None
    models = _dbt_model_timings(data_dir, dbt_window) if dbt_window else []
    for m in models:
        m["peak_bytes"] = sampler.peak(*m.pop("window")) if m.get("window") else None
    results["pipeline"] = {
        "success": result.success,
        "wall_seconds": wall,
        "peak_bytes": sampler.peak(),
        "own_peak_bytes": sampler.own_peak(),
        "cpu": sampler.cpu(started_at, started_at + wall),
        "stages": stages,
        "dbt_models": models,
        "dbt_profile": dbt_profile(data_dir, dbt_window, started_at) if dbt_window else None,
        # before the first step: process start, definitions load, resources
        "before_first_step": (min(w[0] for w in windows.values()) - started_at)
        if windows
        else None,
        "run_over_read_floor": wall / floor["seconds"] if floor["seconds"] else None,
        "candidate_pairs": candidate_pairs(data_dir),
    }
    results["load_average"] = os.getloadavg()
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))

    gib = 2**30
    print(f"\nbenchmark {results['date']} scale={args.scale} machine: {results['machine']}")
    print(
        "| stage | wall time (s) | peak memory (GiB) | of which the pipeline's own process "
        "| CPU (s) | cores busy |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    if "generate" in results:
        g = results["generate"]
        print(
            f"| generate (not part of the run) | {g['seconds']:.1f} | {g['peak_bytes'] / gib:.2f} "
            "| | | |"
        )
    for stage, s in stages.items():
        print(
            f"| {stage} | {s['seconds']:.1f} | {s['peak_bytes'] / gib:.2f} "
            f"| {s['own_peak_bytes'] / gib:.2f} | {_cpu_cells(s['cpu'])} |"
        )
    p = results["pipeline"]
    print(
        f"| **whole run** | **{p['wall_seconds']:.1f}** | **{p['peak_bytes'] / gib:.2f}** "
        f"| {p['own_peak_bytes'] / gib:.2f} | {_cpu_cells(p['cpu'])} |"
    )
    f = results["read_floor"]
    print(
        f"| read floor ({f['files']} files, {f['rows']} rows, {f['bytes'] / 2**20:.0f} MiB) "
        f"| {f['seconds']:.1f} | {f['peak_bytes'] / gib:.2f} | | | |"
    )
    print(
        f"CPU: the run's processes; cores busy: all {os.cpu_count()} of the machine's cores, "
        "every process (idle and waiting for I/O are not busy)"
    )
    if p["run_over_read_floor"]:
        print(f"run / read floor: {p['run_over_read_floor']:.0f}x")
    if p["before_first_step"] is not None:
        outside = (
            p["wall_seconds"] - p["before_first_step"] - sum(s["seconds"] for s in stages.values())
        )
        print(
            f"before the first step (definitions, resources): {p['before_first_step']:.1f} s; "
            f"between and after the steps: {outside:.1f} s"
        )
    c = p["candidate_pairs"]
    if c and c["per_record"] is not None:
        print(
            f"candidate pairs: {c['pairs']} for {c['records']} resolution records "
            f"({c['per_record']:.2f} per record)"
        )
    d = p["dbt_profile"]
    if d:
        parse = "full: " + d["full_parse_reason"] if d["full_parse_reason"] else "partial"
        print(
            f"\ndbt steps ({d['builds']} dbt builds): the worker's parse {d['parse']:.1f} s "
            f"({parse}; ended {d['parse_after_dbt_start']:.1f} s after the first dbt step "
            f"started), before the first build's first line {d['before_dbt']:.1f} s, "
            f"execution {d['execution']:.1f} s, after dbt {d['after_dbt']:.1f} s"
        )
        print("| dbt resource type | nodes | summed node time (s) |\n|---|---:|---:|")
        for kind, t in sorted(d["by_resource_type"].items(), key=lambda kv: -kv[1]["seconds"]):
            print(f"| {kind} | {t['nodes']} | {t['seconds']:.1f} |")
    print(
        "\n| dbt model | execute (s) | peak memory (GiB, with the model beside it) |\n|---|---:|---:|"
    )
    for m in p["dbt_models"]:
        peak = "" if m["peak_bytes"] is None else f"{m['peak_bytes'] / gib:.2f}"
        print(f"| {m['model']} | {m['seconds']:.1f} | {peak} |")
    print(
        f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in results['load_average'])}"
    )
    print(f"run success: {p['success']}")
    return 0 if result.success else 1


def _cpu_cells(cpu: tuple[float, float] | None) -> str:
    """Two table cells: CPU seconds of the run's processes, and the machine's busy share."""
    if cpu is None:
        return " | "
    seconds, busy = cpu
    return f"{seconds:.1f} | {busy:.0%}"


if __name__ == "__main__":
    raise SystemExit(main())
