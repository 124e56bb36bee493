"""Shared fixtures. Each expensive piece of real work (a `jember generate`, a whole `jember run`,
a `dbt build`) is done once per session here and read by every test that only looks at it; a
test that changes a delivery or a data folder copies it first (helpers.copy_tree).

`make test` runs the suite in two pytest-xdist worker processes. A session fixture would then be
built once in each worker; `_once` has the first worker that asks build it and the other one wait
for it and read the same folders (a fixture here is read-only for the tests, so one copy serves
both). How the modules are shared between the workers: `pytest_xdist_make_scheduler` below.

Helper functions live in helpers.py; `run_jember` is also importable from here for modules that
still do so."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from handmade_delivery import build_raw_warehouse
from helpers import (
    FAST_TIER,
    KENCONG_AGAIN,
    KENCONG_LOST,
    KENCONG_PKH,
    ODD_RUPIAH,
    REPO,
    copy_tree,
    output,
    published_snapshot,
    read_until,
    run_dbt,
    run_jember,
    start_jember,
)

__all__ = ["run_jember"]  # test_resolution imports it from here


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fast",
        action="store_true",
        help="skip the tests that run the whole pipeline (jember run)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "whole_pipeline: runs the whole pipeline by another door than `jember run` "
        "(e.g. `dagster job execute`); full tier only",
    )
    if config.getoption("--fast"):
        os.environ[FAST_TIER] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--fast"):
        return
    skip = pytest.mark.skip(reason="runs the whole pipeline: full tier only (make test)")
    for item in items:
        if item.get_closest_marker("whole_pipeline"):
            item.add_marker(skip)


# -- how `make test` shares the modules between its two xdist workers ---------------------

# Tests that build their own scenario on a session fixture, each a long whole-pipeline run of
# its own and none reading a module fixture: each is a unit of work by itself, so the two
# workers share a module's cases instead of one worker running them all one after another.
OWN_UNITS = ("tests/test_publishing_safety.py::test_a_run_killed_during_a_stage_",)

# Seconds a unit takes, roughly (make test on 2026-12-05, two workers, load ~4; a module's
# figure counts the session fixtures it happened to build). Only the order the units go out in
# depends on them, longest first, so neither worker is left with a long one at the end: a
# figure gone stale costs balance, never a test. A unit not listed counts one second a test.
UNIT_SECONDS = {
    "tests/test_targeting.py": 260,
    "tests/test_resolution.py": 170,
    "tests/test_quality_gate.py": 150,
    "tests/test_hostile_gate.py": 140,
    "tests/test_partitions.py": 125,
    "tests/test_entry_points.py": 120,
    "tests/test_report.py": 115,
    "tests/test_incremental.py": 95,
    "tests/test_pipeline.py": 80,
    OWN_UNITS[0]: 80,
    "tests/test_hostile_files.py": 70,
    "tests/test_marts_koperasi.py": 65,
    "tests/test_publishing_safety.py": 55,
    "tests/test_run_safety.py": 55,
    "tests/test_dbt_models.py": 50,
    "tests/test_privacy.py": 50,
    "tests/test_dbt_worker.py": 15,
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope` (make test): a whole module is one unit of work, sent to one worker,
    so a module fixture (often a whole `jember run`) is built once; the tests of OWN_UNITS are
    units of their own. The longest unit left goes to the worker that asks, and a worker is
    sent its next unit only when it is down to its last test (xdist keeps one back until it
    knows the next), not two or three units ahead: the other worker would otherwise sit idle
    at the end while this one works through the units it was sent early."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesLongestFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(OWN_UNITS):
                return nodeid
            return nodeid.split("::", 1)[0]

        def _seconds(self, scope: str) -> float:
            for prefix, seconds in UNIT_SECONDS.items():
                if scope.startswith(prefix):
                    return seconds
            return len(self.workqueue[scope])

        def _assign_work_unit(self, node: Any) -> None:
            longest = max(self.workqueue, key=self._seconds)
            self.workqueue.move_to_end(longest, last=False)
            super()._assign_work_unit(node)

        def _reschedule(self, node: Any) -> None:
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) > 1:
                return
            self._assign_work_unit(node)

    return ModulesLongestFirst(config, log)


# -- one build of a session fixture for all xdist workers ---------------------------------


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The folder all workers of this pytest session share (the parent of each worker's own
    temporary folder, pytest-N), or None without xdist (one process: nothing to share; the
    parent is then pytest-of-USER, shared with every other session of the machine)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    return tmp_path_factory.getbasetemp().parent


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the process ends, however it ends
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _encode(value: Any) -> Any:
    if isinstance(value, Path):
        return {"__path__": str(value)}
    if isinstance(value, subprocess.CompletedProcess | subprocess.Popen):
        return {
            "__process__": {
                "args": [str(a) for a in value.args],
                "returncode": value.returncode,
                "pid": getattr(value, "pid", None),
                "stdout": value.stdout if isinstance(value.stdout, str | None) else None,
                "stderr": value.stderr if isinstance(value.stderr, str | None) else None,
            }
        }
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    assert value is None or isinstance(value, str | int | float | bool), type(value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__path__"}:
            return Path(value["__path__"])
        if set(value) == {"__process__"}:
            return SimpleNamespace(**value["__process__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _once(name: str, shared: Path | None, build: Callable[[], dict]) -> dict:
    """`build()` once for the whole session: under xdist the first worker that asks builds it
    (holding a lock in the shared folder) and leaves what it returned there; a worker asking
    later waits for the lock and reads that (the same folders, a finished process as its
    args, returncode, pid and output). A build that fails leaves nothing: the next asker tries
    again and fails the same way."""
    if shared is None:
        return build()
    saved = shared / f"{name}.json"
    with _locked(shared / f"{name}.lock"):
        if saved.exists():
            return _decode(json.loads(saved.read_text()))
        value = build()
        saved.write_text(json.dumps(_encode(value)))
        return value


@pytest.fixture(scope="session")
def tiny_generated(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path | None) -> Path:
    """`jember generate --scale tiny`: OUT/raw and OUT/truth."""

    def build() -> dict:
        out = tmp_path_factory.mktemp("tiny")
        result = run_jember("generate", "--out", str(out), "--scale", "tiny", "--seed", "7")
        assert result.returncode == 0, result.stdout + result.stderr
        return {"out": out}

    return _once("tiny_generated", shared_dir, build)["out"]


@pytest.fixture(scope="session")
def tiny_run(
    tiny_generated: Path, tmp_path_factory: pytest.TempPathFactory, shared_dir: Path | None
) -> dict:
    """The whole pipeline once over the tiny delivery; returns paths and the CLI output.
    Read-only for the tests: one that runs again on it copies `raw` and `data` first."""

    def build() -> dict:
        data = tmp_path_factory.mktemp("data")
        result = run_jember(
            "run", "--raw-dir", str(tiny_generated / "raw"), "--data-dir", str(data)
        )
        return {
            "raw": tiny_generated / "raw",
            "truth": tiny_generated / "truth",
            "data": data,
            "result": result,
        }

    return _once("tiny_run", shared_dir, build)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path | None) -> dict:
    """The shipped sample, `jember run --full` into an empty data folder with the period the
    data describes: the report tests read it, the incremental test compares against it as the
    full rebuild. Read-only for the tests."""

    def build() -> dict:
        work = tmp_path_factory.mktemp("sample_run")
        raw = copy_tree(REPO / "raw", work / "raw")
        data = work / "data"
        result = run_jember("run", "--full", "--raw-dir", str(raw), "--data-dir", str(data))
        assert result.returncode == 0, output(result)
        return {"raw": raw, "data": data, "result": result}

    return _once("sample_run", shared_dir, build)


@pytest.fixture(scope="session")
def sample_blocked(
    sample_run: dict, tmp_path_factory: pytest.TempPathFactory, shared_dir: Path | None
) -> dict:
    """A copy of `sample_run` (raw and data), the damage of helpers.KENCONG_* added, run again for the
    sample's own period (2025-12): the run blocks (exit 2). test_quality_gate asserts each
    check that blocked and that the release stayed, test_report the blocked report. Each of
    the three kinds blocks by a check of its own, so each test still fails when its own
    check no longer blocks. Read-only for the tests."""

    def build() -> dict:
        work = tmp_path_factory.mktemp("sample_blocked")
        raw = copy_tree(sample_run["raw"], work / "raw")
        data = copy_tree(sample_run["data"], work / "data")
        before = published_snapshot(data)

        (raw / KENCONG_LOST).write_text("kolom satu;kolom dua\n1;2\n", encoding="utf-8")

        original = (raw / "dtks" / "2025-04" / "dtks_kencong.csv").read_bytes()
        (raw / KENCONG_AGAIN).parent.mkdir(parents=True)
        (raw / KENCONG_AGAIN).write_bytes(b"DATA DTKS KECAMATAN KENCONG\n" + original)

        path = raw / KENCONG_PKH
        lines = path.read_bytes().decode("latin-1").split("\n")
        header_at = next(i for i, line in enumerate(lines) if "NILAI BANTUAN" in line)
        column = lines[header_at].split(";").index("NILAI BANTUAN")
        changed = 0
        for i in range(header_at + 1, len(lines)):
            cells = lines[i].split(";")
            if len(cells) > column and cells[0].strip():
                cells[column] = ODD_RUPIAH
                lines[i] = ";".join(cells)
                changed += 1
        assert changed > 20
        path.write_bytes("\n".join(lines).encode("latin-1"))

        result = run_jember(
            "run", "--raw-dir", str(raw), "--data-dir", str(data), "--period", "2025-12"
        )
        assert result.returncode == 2, output(result)
        return {"raw": raw, "data": data, "result": result, "published_before": before}

    return _once("sample_blocked", shared_dir, build)


@pytest.fixture(scope="session")
def two_runs(
    tiny_generated: Path, tmp_path_factory: pytest.TempPathFactory, shared_dir: Path | None
) -> dict:
    """Run A (the tiny delivery, under paths holding a quote and a space) and, 2 s after A holds
    the data dir, run B on the same data dir with another delivery (the shipped sample).
    test_run_safety asserts B was refused and A published its own delivery; run A is also the
    second run of the same inputs in test_publishing_safety. Read-only for the tests."""

    def build() -> dict:
        base = tmp_path_factory.mktemp("runs") / "it's here"
        raw_a = copy_tree(tiny_generated / "raw", base / "raw o'brien")
        raw_b = copy_tree(REPO / "raw", base / "another delivery")
        data = base / "data o'brien"

        a = start_jember("run", "--raw-dir", str(raw_a), "--data-dir", str(data))
        assert a.stdout is not None
        a_lines: list[str] = []
        try:
            read_until(a, "jember run: raw=", a_lines, timeout=120)  # printed once A holds the lock
            time.sleep(2)
            b = run_jember("run", "--raw-dir", str(raw_b), "--data-dir", str(data), timeout=120)
            a_running_when_b_ended = a.poll() is None
            a_lines += [line.rstrip() for line in a.stdout]
            a.wait(timeout=900)
        finally:
            if a.poll() is None:
                os.killpg(a.pid, signal.SIGKILL)
                a.wait()
            a.stdout.close()
        return {
            "a": a,
            "a_out": "\n".join(a_lines),
            "b": b,
            "a_running_when_b_ended": a_running_when_b_ended,
            "raw_a": raw_a,
            "raw_b": raw_b,
            "data": data,
        }

    return _once("two_runs", shared_dir, build)


@pytest.fixture(scope="session")
def handmade_warehouse(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path | None) -> dict:
    """The hand-made raw tables (handmade_delivery), then one real `dbt build` over them, which
    writes the manifest it used (after a `dbt parse`). Fast tier: no reader, no Dagster, only dbt. Read-only for the
    tests (test_dbt_models, test_documentation)."""

    def build() -> dict:
        work = tmp_path_factory.mktemp("handmade")
        warehouse = work / "warehouse.duckdb"
        build_raw_warehouse(warehouse)
        # `dbt parse` first, into the empty target folder (test_dbt_models asserts it wrote the
        # manifest); the build then reuses that parse instead of parsing the project again.
        parse = run_dbt("parse", warehouse=warehouse, target_dir=work)
        manifest_after_parse = (work / "target" / "manifest.json").exists()
        result = run_dbt("build", warehouse=warehouse, target_dir=work)
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
        return {
            "parse": parse,
            "manifest_after_parse": manifest_after_parse,
            "work": work,
            "warehouse": warehouse,
            "manifest": json.loads((work / "target" / "manifest.json").read_text()),
        }

    return _once("handmade_warehouse", shared_dir, build)
