"""A run's footing on disk, without Dagster: the project root, the period's form, the raw dir's
resolution, the data dir's run lock and the owner-only file mode. The CLI imports this module
before Dagster, so a refused run (another run holds the data dir) is refused at once;
resources.py re-exports these names for the Dagster side.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"

PERIOD_PATTERN = re.compile(r"20[0-9]{2}-(0[1-9]|1[0-2])")
# Reporting months are Dagster partitions (transform/assets.py MONTHLY): from this month
# through the current month of Jakarta's calendar.
FIRST_PERIOD = "2021-01"
PERIOD_TIMEZONE = "Asia/Jakarta"


def period_range() -> tuple[str, str]:
    """The first and the last reporting month a run may be for: FIRST_PERIOD, this month."""
    from zoneinfo import ZoneInfo

    return FIRST_PERIOD, datetime.now(ZoneInfo(PERIOD_TIMEZONE)).strftime("%Y-%m")


# The raw dir's source folders (the raw contract's sources; ingestion.contract.SOURCES holds
# their tables). Written here, not in the contract, so the CLI finds the raw dir without
# importing ingestion (and pyarrow with it).
SOURCE_FOLDERS = ("dtks", "pkh", "bps", "koperasi")


def resolve_raw_dir(path: Path) -> Path:
    """Accept the folder that holds dtks/, pkh/... or one that holds raw/ (a generator --out)."""
    if not any((path / s).is_dir() for s in SOURCE_FOLDERS) and (path / "raw").is_dir():
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
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "raw_dir": str(raw_dir),
        "run_id": run_id,
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
    _HELD[path] = [fd, 1, os.umask(OWNER_ONLY_UMASK)]
    # Working files left readable by runs from before this rule are closed now.
    for existing in [
        data_dir / "warehouse.duckdb",
        data_dir / "warehouse.duckdb.wal",
        data_dir / "logs",
        *(data_dir / "logs").glob("*"),
    ]:
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
