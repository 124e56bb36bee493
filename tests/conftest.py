"""Shared fixtures. Each expensive piece of real work (a `jember generate`, a whole `jember run`,
a `dbt build`) is done once per session here and read by every test that only looks at it; a
test that changes a delivery or a data folder copies it first (helpers.copy_tree).

Helper functions live in helpers.py; `run_jember` is also importable from here for modules that
still do so."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

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


@pytest.fixture(scope="session")
def tiny_generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`jember generate --scale tiny`: OUT/raw and OUT/truth."""
    out = tmp_path_factory.mktemp("tiny")
    result = run_jember("generate", "--out", str(out), "--scale", "tiny", "--seed", "7")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def tiny_run(tiny_generated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The whole pipeline once over the tiny delivery; returns paths and the CLI output.
    Read-only for the tests: one that runs again on it copies `raw` and `data` first."""
    data = tmp_path_factory.mktemp("data")
    result = run_jember("run", "--raw-dir", str(tiny_generated / "raw"), "--data-dir", str(data))
    return {
        "raw": tiny_generated / "raw",
        "truth": tiny_generated / "truth",
        "data": data,
        "result": result,
    }


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The shipped sample, `jember run --full` into an empty data folder with the period the
    data describes: the report tests read it, the incremental test compares against it as the
    full rebuild. Read-only for the tests."""
    work = tmp_path_factory.mktemp("sample_run")
    raw = copy_tree(REPO / "raw", work / "raw")
    data = work / "data"
    result = run_jember("run", "--full", "--raw-dir", str(raw), "--data-dir", str(data))
    assert result.returncode == 0, output(result)
    return {"raw": raw, "data": data, "result": result}


@pytest.fixture(scope="session")
def sample_blocked(sample_run: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of `sample_run` (raw and data), the damage of helpers.KENCONG_* added, run again for the
    sample's own period (2025-12): the run blocks (exit 2). test_quality_gate asserts each
    check that blocked and that the release stayed, test_report the blocked report. Each of
    the three kinds blocks by a check of its own, so each test still fails when its own
    check no longer blocks. Read-only for the tests."""
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


@pytest.fixture(scope="session")
def two_runs(tiny_generated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run A (the tiny delivery, under paths holding a quote and a space) and, 2 s after A holds
    the data dir, run B on the same data dir with another delivery (the shipped sample).
    test_run_safety asserts B was refused and A published its own delivery; run A is also the
    second run of the same inputs in test_publishing_safety. Read-only for the tests."""
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


@pytest.fixture(scope="session")
def handmade_warehouse(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The hand-made raw tables (handmade_delivery), then one real `dbt build` over them, which
    writes the manifest it used (after a `dbt parse`). Fast tier: no reader, no Dagster, only dbt. Read-only for the
    tests (test_dbt_models, test_documentation)."""
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
