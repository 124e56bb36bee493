"""Where the pipeline reads and writes. One resource, configured from the environment.

Definitions bind the fields to the environment variables `JEMBER_RAW_DIR` and
`JEMBER_DATA_DIR` through `EnvVar`, resolved when a run starts, never at import time. The
Makefile exports both (`raw`, `data`); `jember run --raw-dir/--data-dir` sets them for its own
process. Relative paths are taken from the working directory.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
# dbt installed beside this interpreter (the venv), so an unactivated venv works too.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt") if (Path(sys.executable).parent / "dbt").exists() else (shutil.which("dbt") or "dbt")


class ReportingPeriod(dg.ConfigurableResource):
    """The run's reporting period, `YYYY-MM`; empty = taken from the data (dbt model
    int_reporting_period). `jember run --period` sets it through `JEMBER_PERIOD`."""

    period: str = ""

    def dbt_vars(self) -> list[str]:
        if not self.period:
            return []
        if not PERIOD_PATTERN.fullmatch(self.period):
            raise ValueError(f"reporting period {self.period!r} is not YYYY-MM (e.g. 2025-10)")
        return ["--vars", json.dumps({"period": self.period})]


PERIOD_PATTERN = re.compile(r"20[0-9]{2}-(0[1-9]|1[0-2])")


class PipelinePaths(dg.ConfigurableResource):
    raw_dir: str = "raw"
    data_dir: str = "data"

    def _absolute(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else (Path.cwd() / path).resolve()

    @property
    def raw(self) -> Path:
        return resolve_raw_dir(self._absolute(self.raw_dir))

    @property
    def data(self) -> Path:
        return self._absolute(self.data_dir)

    @property
    def warehouse(self) -> Path:
        """The working warehouse: only pipeline runs write here. Analysts read published/."""
        return self.data / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.data / "published"

    @property
    def releases(self) -> Path:
        return self.data / "releases"

    @property
    def quality(self) -> Path:
        return self.data / "quality"


def resolve_raw_dir(path: Path) -> Path:
    """Accept the folder that holds dtks/, pkh/... or one that holds raw/ (a generator --out)."""
    sources = ("dtks", "pkh", "bps", "koperasi")
    if not any((path / s).is_dir() for s in sources) and (path / "raw").is_dir():
        return path / "raw"
    return path
