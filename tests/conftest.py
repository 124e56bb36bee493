"""Shared fixtures: one tiny synthetic delivery, run once through the real pipeline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# `pytest --fast` (make test-fast) is the everyday tier: every test that needs a whole
# `jember run` is skipped. An environment variable rather than a module flag, because test
# modules import this file both as `conftest` and as `tests.conftest`.
FAST_TIER = "JEMBER_TEST_FAST"


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


def _skip_whole_runs_in_fast_tier(args: tuple[str, ...]) -> None:
    if args[:1] == ("run",) and os.environ.get(FAST_TIER):
        pytest.skip("runs the whole pipeline: full tier only (make test)")


def _environment(env: dict | None) -> dict:
    # No DAGSTER_HOME: test runs use an ephemeral instance, not the engineer's UI history.
    return {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, **(env or {})}


def run_jember(
    *args: str, env: dict | None = None, timeout: int = 900
) -> subprocess.CompletedProcess:
    """Run the real `jember` command in its own process, as an engineer would, and wait.

    Every `jember` process of the suite starts here or in `start_jember`, so these two are
    where the fast tier skips the whole-pipeline runs."""
    _skip_whole_runs_in_fast_tier(args)
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=REPO,
        env=_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_jember(*args: str, env: dict | None = None, stderr=subprocess.STDOUT) -> subprocess.Popen:
    """Start a real `jember` process without waiting, in its own process group (so a kill
    reaches its dbt child too); its output is read line by line from `.stdout`."""
    _skip_whole_runs_in_fast_tier(args)
    return subprocess.Popen(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=REPO,
        env=_environment(env),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )


def says(line: str, words: str) -> bool:
    """A console line of `jember run` (`[  12.3s] dbt        started`) holds these words,
    whatever the column padding of the stage name."""
    return " ".join(words.split()) in " ".join(line.split())


@pytest.fixture(scope="session")
def tiny_generated(tmp_path_factory) -> Path:
    """`jember generate --scale tiny`: OUT/raw and OUT/truth."""
    out = tmp_path_factory.mktemp("tiny")
    result = run_jember("generate", "--out", str(out), "--scale", "tiny", "--seed", "7")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def tiny_run(tiny_generated, tmp_path_factory) -> dict:
    """The whole pipeline once over the tiny delivery; returns paths and the CLI output."""
    data = tmp_path_factory.mktemp("data")
    result = run_jember("run", "--raw-dir", str(tiny_generated / "raw"), "--data-dir", str(data))
    return {
        "raw": tiny_generated / "raw",
        "truth": tiny_generated / "truth",
        "data": data,
        "result": result,
    }


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


@pytest.fixture(scope="session")
def sample_published(tmp_path_factory) -> dict:
    """The shipped sample, published once for period 2025-11. Tests that damage a delivery copy
    raw/ and data/ from here (copy_tree) instead of each running the whole sample again first."""
    work = tmp_path_factory.mktemp("sample_published")
    raw = copy_tree(REPO / "raw", work / "raw")
    data = work / "data"
    result = run_jember(
        "run", "--raw-dir", str(raw), "--data-dir", str(data), "--period", "2025-11"
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return {"raw": raw, "data": data}
