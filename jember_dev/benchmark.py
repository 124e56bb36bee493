"""`make bench`: generate a scale, run the pipeline on it, report wall time and peak memory per stage.

Peak memory is sampled every 100 ms as the resident set of this process plus its child
processes (dbt runs as a child), and attributed to the Dagster step running at that moment.
Results are printed as a Markdown table and written to OUT/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

STAGES = {
    "ingest": ("ingest_raw_files",),
    "dbt": ("jember_dbt_models",),
    "checks": ("great_expectations_gate",),
    "publish": ("publish",),
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


class MemorySampler(threading.Thread):
    def __init__(self, interval: float = 0.1):
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._done.is_set():
            total = _rss_bytes(me) + sum(_rss_bytes(p) for p in _descendants(me))
            self.samples.append((time.time(), total))
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        return max((b for t, b in self.samples if start <= t <= end), default=0)


def _step_windows(instance, run_id: str) -> dict[str, tuple[float, float]]:
    import dagster as dg

    starts, ends = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            ends[event.step_key] = entry.timestamp
    return {k: (starts[k], ends.get(k, starts[k])) for k in starts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="jember")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="bench")
    parser.add_argument("--skip-generate", action="store_true")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve()
    gen_dir = out / f"{args.scale}-{args.seed}"
    data_dir = out / f"data-{args.scale}"
    results: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scale": args.scale,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}",
    }

    if not args.skip_generate:
        from jember_dev.generator import generate

        sampler = MemorySampler()
        sampler.start()
        t0 = time.perf_counter()
        results["generate_summary"] = generate(gen_dir, args.scale, args.seed)
        results["generate"] = {"seconds": time.perf_counter() - t0, "peak_bytes": sampler.peak()}
        sampler.stop()

    import dagster as dg

    from dagster_project.pipeline import run_pipeline

    sampler = MemorySampler()
    sampler.start()
    t0 = time.perf_counter()
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(gen_dir / "raw", data_dir, instance=instance)
    wall = time.perf_counter() - t0
    sampler.stop()

    windows = _step_windows(instance, result.run_id)
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
        }
    results["pipeline"] = {
        "success": result.success,
        "wall_seconds": wall,
        "peak_bytes": sampler.peak(),
        "stages": stages,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))

    gib = 2**30
    print(f"\nbenchmark {results['date']} scale={args.scale} machine: {results['machine']}")
    print("| stage | wall time (s) | peak memory (GiB) |\n|---|---:|---:|")
    if "generate" in results:
        g = results["generate"]
        print(f"| generate (not part of the run) | {g['seconds']:.1f} | {g['peak_bytes'] / gib:.2f} |")
    for stage, s in stages.items():
        print(f"| {stage} | {s['seconds']:.1f} | {s['peak_bytes'] / gib:.2f} |")
    p = results["pipeline"]
    print(f"| **whole run** | **{p['wall_seconds']:.1f}** | **{p['peak_bytes'] / gib:.2f}** |")
    print(f"run success: {p['success']}")
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
