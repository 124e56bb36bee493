"""Shared fixtures: one tiny synthetic delivery, run once through the real pipeline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_jember(*args: str, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the real `jember` command in its own process, as an engineer would."""
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=REPO,
        # No DAGSTER_HOME: test runs use an ephemeral instance, not the engineer's UI history.
        env={**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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
    return {"raw": tiny_generated / "raw", "truth": tiny_generated / "truth", "data": data, "result": result}


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst
