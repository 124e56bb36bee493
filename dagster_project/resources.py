"""Where the pipeline reads and writes. One resource, configured from the environment.

Each field, when left empty (the default), is read from the environment variable
`JEMBER_RAW_DIR` / `JEMBER_DATA_DIR` when a run uses it, never at import time; when that is
unset too, it is `raw/` / `data/` of the project (the folder holding this package), the same
folders the Makefile uses. So `dagster job execute`, the UI and `jember run` all work from a
fresh clone without any variable set. The UI's launchpad may set the fields per run. A relative
path given by the user is taken from the working directory.

Every run takes the data dir's run lock (one run at a time per data dir) and the owner-only
file mode when this resource is set up, whether started by `jember run`, the UI or the sensor;
both live in runstate.py, without Dagster, and are re-exported here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
from pydantic import Field

# Re-exported: runstate.py holds what the CLI needs before it imports Dagster (a refused run
# is refused at once).
from dagster_project.runstate import (  # noqa: F401
    DBT_PROJECT_DIR,
    LOCK_FILE_NAME,
    OWNER_ONLY_UMASK,
    PERIOD_PATTERN,
    PROJECT_ROOT,
    RunLocked,
    begin_run,
    end_run,
    resolve_raw_dir,
    run_lock_holder,
    share_with_analysts,
)

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEFAULT_RAW_DIR = PROJECT_ROOT / "raw"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
# dbt installed beside this interpreter (the venv), so an unactivated venv works too: `make dev`
# and the webserver's code server do not put .venv/bin on PATH.
DBT_EXECUTABLE = (
    str(Path(sys.executable).parent / "dbt")
    if (Path(sys.executable).parent / "dbt").exists()
    else (shutil.which("dbt") or "dbt")
)


def ensure_dbt_manifest() -> Path:
    """The Dagster definitions read dbt's manifest: (re)build it with `dbt parse` when it is
    missing or older than dbt's files, with the dbt beside this interpreter (never `dbt` on
    PATH). Cheap when it is up to date (file times only), so every entry point calls it."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    sources = [
        p
        for folder in ("models", "macros", "seeds", "tests")
        for p in (DBT_PROJECT_DIR / folder).rglob("*")
        if p.is_file()
    ] + [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    newest = max(p.stat().st_mtime for p in sources if p.exists())
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return manifest
    # Output captured: dbt's chatter would land among the caller's lines (the CLI's console).
    parsed = subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    if parsed.returncode != 0:
        raise RuntimeError(
            f"dbt parse failed in {DBT_PROJECT_DIR}:\n{parsed.stdout[-3000:]}{parsed.stderr[-3000:]}"
        )
    os.utime(manifest)  # dbt keeps the old file when nothing changed; mark it checked
    return manifest


class PipelinePaths(dg.ConfigurableResource):
    raw_dir: str = Field(
        default="",
        description="Folder holding dtks/, pkh/, bps/, koperasi/. Empty: $JEMBER_RAW_DIR, "
        "else raw/ of the project.",
    )
    data_dir: str = Field(
        default="",
        description="Warehouse, releases, reports. Empty: $JEMBER_DATA_DIR, else data/ of the project.",
    )

    @staticmethod
    def _absolute(value: str, variable: str, default: Path) -> Path:
        value = value or os.environ.get(variable, "")
        if not value:
            return default
        path = Path(value)
        return path if path.is_absolute() else (Path.cwd() / path).resolve()

    @property
    def raw(self) -> Path:
        return resolve_raw_dir(self._absolute(self.raw_dir, "JEMBER_RAW_DIR", DEFAULT_RAW_DIR))

    @property
    def data(self) -> Path:
        return self._absolute(self.data_dir, "JEMBER_DATA_DIR", DEFAULT_DATA_DIR)

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

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Only runs lock and write; a sensor evaluating this resource (no run) reads raw/ only.
        if context.dagster_run is not None:
            begin_run(self.data, self.raw, context.dagster_run.run_id)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if context.dagster_run is not None:
            end_run(self.data)
