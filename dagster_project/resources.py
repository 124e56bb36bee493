"""Where the pipeline reads and writes. One resource, configured from the environment.

Each field, when left empty (the default), is read from the environment variable
`JEMBER_RAW_DIR` / `JEMBER_DATA_DIR` when a run uses it, never at import time; when that is
unset too, it is `raw/` / `data/` of the project (the folder holding this package), the same
folders the Makefile uses. So `dagster job execute`, the UI and `jember run` all work from a
fresh clone without any variable set. The UI's launchpad may set the fields per run. A relative
path given by the user is taken from the working directory.

Also here: the run lock (one run at a time per data dir) and the owner-only file mode of a
run, which every run gets when this resource is set up, whether started by `jember run`, the
UI or the sensor.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
from pydantic import Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEFAULT_RAW_DIR = PROJECT_ROOT / "raw"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
# dbt installed beside this interpreter (the venv), so an unactivated venv works too: `make dev`
# and the webserver's code server do not put .venv/bin on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt") if (Path(sys.executable).parent / "dbt").exists() else (shutil.which("dbt") or "dbt")


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
        [DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR)],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    if parsed.returncode != 0:
        raise RuntimeError(f"dbt parse failed in {DBT_PROJECT_DIR}:\n{parsed.stdout[-3000:]}{parsed.stderr[-3000:]}")
    os.utime(manifest)  # dbt keeps the old file when nothing changed; mark it checked
    return manifest


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


def resolve_raw_dir(path: Path) -> Path:
    """Accept the folder that holds dtks/, pkh/... or one that holds raw/ (a generator --out)."""
    sources = ("dtks", "pkh", "bps", "koperasi")
    if not any((path / s).is_dir() for s in sources) and (path / "raw").is_dir():
        return path / "raw"
    return path


# ---------------------------------------------------------------------------------------------
# A run: one at a time per data dir, and owner-only files

# A run holds an exclusive flock on this file for its whole life. The kernel releases the lock
# when the process ends in any way, SIGKILL and power loss included, so a crash never leaves a
# stale lock behind; the file itself may stay and means nothing without the lock. Its content
# (pid, start time, raw dir) only tells a refused run who holds the lock.
LOCK_FILE_NAME = ".jember-run.lock"

# Everything a run creates is owner-only from the first byte: the warehouse, its WAL and spill
# folder (DuckDB creates them, also in the dbt child process, which inherits the umask), logs,
# quality results and the restricted tier. A umask, not a chmod afterwards, so there is no
# moment when a file holding NIKs is readable by other local users. What analysts read (the
# published releases, the reports) is opened explicitly by share_with_analysts (below).
OWNER_ONLY_UMASK = 0o077


class RunLocked(RuntimeError):
    """Another process holds the run lock of this data dir."""

    def __init__(self, data_dir: Path, holder: dict | None):
        self.data_dir = data_dir
        self.holder = holder or {}
        who = (
            f"pid {self.holder.get('pid')}, started {self.holder.get('started')}, "
            f"raw dir {self.holder.get('raw_dir')}"
            if holder
            else "a process that has not written its details yet"
        )
        super().__init__(
            f"another jember run is using data dir {data_dir} ({who}). Only one run at a time "
            f"may use a data dir: wait for it to finish, or use another --data-dir. "
            f"(lock: {data_dir / LOCK_FILE_NAME})"
        )


# lock file -> [file descriptor, depth, umask before the run]: `jember run` begins a run, then
# the Dagster runs it starts in the same process begin it again through PipelinePaths; only the
# outermost end releases the lock and restores the umask.
_HELD: dict[Path, list[int]] = {}


def begin_run(data_dir: Path, raw_dir: Path, run_id: str | None = None) -> None:
    """Take the data dir's run lock without waiting (RunLocked when another process has it),
    then make every file this process creates from now on owner-only."""
    path = (data_dir / LOCK_FILE_NAME).resolve()
    if path in _HELD:
        _HELD[path][1] += 1
        return
    # Created with the caller's usual mode: analysts reach published/ through this folder.
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        _lock_now_or_soon(fd)
    except OSError as error:
        locked = error.errno in (errno.EWOULDBLOCK, errno.EACCES)
        holder = _read_holder(fd) if locked else None
        os.close(fd)
        if locked:
            raise RunLocked(data_dir, holder) from None
        raise
    holder = {
        "pid": os.getpid(),
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "raw_dir": str(raw_dir),
        "run_id": run_id,
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
    _HELD[path] = [fd, 1, os.umask(OWNER_ONLY_UMASK)]
    # Working files left readable by runs from before this rule are closed now.
    for existing in [data_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb.wal",
                     data_dir / "logs", *(data_dir / "logs").glob("*")]:
        if existing.exists() and not existing.is_symlink():
            os.chmod(existing, 0o700 if existing.is_dir() else 0o600)


def _lock_now_or_soon(fd: int) -> None:
    """Exclusive flock without waiting for a run, but past a sensor's instant test (a shared
    lock held for microseconds by run_lock_holder): a few tries over 0.2 s."""
    for attempt in range(5):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as error:
            if attempt == 4 or error.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            time.sleep(0.05)


def end_run(data_dir: Path) -> None:
    path = (data_dir / LOCK_FILE_NAME).resolve()
    held = _HELD.get(path)
    if held is None:
        return
    held[1] -= 1
    if held[1] == 0:
        del _HELD[path]
        os.umask(held[2])
        os.ftruncate(held[0], 0)  # no stale holder details for the next reader
        os.close(held[0])  # closing the only descriptor releases the flock


def run_lock_holder(data_dir: Path) -> dict | None:
    """The details of the run holding this data dir's lock, or None when it is free. Creates
    nothing: a sensor asks this on every tick. It takes a shared lock for an instant to test;
    begin_run tries again for 0.2 s, so a run starting in that instant is not refused."""
    path = data_dir / LOCK_FILE_NAME
    if path.resolve() in _HELD:
        return {"pid": os.getpid(), "started": "in this process"}
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EACCES):
                return _read_holder(fd) or {}
            raise
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> dict | None:
    """The holder's details; it writes them just after taking the lock, so wait a moment."""
    for _ in range(20):
        try:
            return json.loads(os.pread(fd, 4096, 0).decode())
        except ValueError:
            time.sleep(0.05)
    return None


def share_with_analysts(path: Path, recursive: bool = True) -> None:
    """Make `path` (and, if a folder, what it holds) readable by analysts: 0755 / 0644.

    A run creates every file owner-only (resources.OWNER_ONLY_UMASK); the analyst tier is the
    exception, opened here on purpose once it holds only publishable data (a release after the
    privacy rules and the identity-number scan; the aggregate reports). Opening up after
    creation is safe; it is closing up after creation that leaves a window.
    """
    paths = [path, *(path.rglob("*") if recursive and path.is_dir() else [])]
    for p in paths:
        if not p.is_symlink():
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
