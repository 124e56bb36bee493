"""dbt's builds in one child process per pipeline run, which parses the project once.

dagster-dbt runs each `dbt build` as a new `dbt` process: every build imports dbt (~1.5 s) and
parses the project (~1-1.4 s with the partial-parse file), and a run without `--period` has two
builds (the period-independent models, then the month's). On the shipped sample that fixed cost
was ~6 s of a ~25 s run. Here one worker process per run imports dbt and parses once, while the
Dagster run is being created and ingestion reads the raw files (pipeline.run_pipeline starts
it), then runs each build on that parsed manifest through dbt's programmatic API (`dbtRunner`
with a manifest: https://docs.getdbt.com/reference/programmatic-invocations#reusing-objects).

dbt still runs in a process of its own, not in the Dagster process: dbt's Python is bound to
one core by the GIL, and the Dagster process's own work during dbt (recording ~600 events,
importing Great Expectations for the gate) runs beside it on the second core; dbt's memory
(its manifest, the Python models' frames, DuckDB's buffers) goes back to the system when the
run ends; and a crash inside dbt is a failed step, not a dead run.

The conversation, one JSON object per line:
- worker -> run, first: `{"parsed": true}`, or `{"parsed": false, "error": "..."}` (then it exits);
- run -> worker, per build: `{"args": [...], "env": {NAME: value or null}}`;
- worker -> run, during it: `{"event": {...}}` for each node's result (dbt's structured event,
  as `dbt --log-format json` writes it; dagster-dbt turns it into Dagster events),
  `{"log": "..."}` for each line dbt would print at info level or above;
- worker -> run, at its end: `{"done": true, "success": bool, "errors": [...]}`, sent after the
  worker closed its DuckDB connection, so the run can read the warehouse at once.
The worker ends when its standard input closes. Its standard output carries only these lines:
anything else printed in it (a Python model's print) goes to its standard error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# runstate, not resources: the worker process imports this module, and resources imports Dagster.
from dagster_project.runstate import DBT_PROJECT_DIR, OWNER_ONLY_UMASK

# The warehouse as the profile names it when the worker parses: the string `make manifest`
# parses with, so that the prepared partial-parse file is valid in every data dir (dbt parses
# the whole project again, 5-7 s, when the profile's connection values differ from those its
# partial-parse file was written with). A build is given the warehouse's real path: it does
# not parse, and nothing compares it with the parse's.
PARSE_WAREHOUSE = "~/warehouse.duckdb"
# In a data dir's dbt target folder: the JEMBER_PERIOD its last month's build had. The worker
# parses with it, so that dbt, which notes each environment variable a model read while parsing,
# finds nothing changed while the month stays the same. A build gets the run's own period.
LAST_PERIOD_FILE = "jember-period"
PREPARED_PARSE = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"

# dbt's result events: the ones dagster-dbt turns into Dagster events (an Output per model or
# seed, an AssetCheckResult per test)
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
PRINTED_LEVELS = frozenset({"info", "warn", "error"})

# Flags of every command, parse and build: the project, the run's own target folder (its
# partial-parse file and dbt.log), no stdout of dbt's own (this module passes its lines on),
# dbt.log as JSON lines (jember_dev.benchmark and the tests read it) at info (debug writes ~30
# lines per node and made a build of the sample 1-2.5 s longer; JEMBER_DBT_LOG_LEVEL_FILE=debug
# brings them back for a diagnosis: every SQL statement, which files a partial parse read
# again), no manifest.json/run_results.json (nothing reads them; ~0.4 s of dbt's Python per
# write), no usage statistics (no network here).
DBT_LOG_LEVEL_FILE_ENV = "JEMBER_DBT_LOG_LEVEL_FILE"


def _log_level_file() -> str:
    """dbt.log's level: info, or what JEMBER_DBT_LOG_LEVEL_FILE says."""
    return os.environ.get(DBT_LOG_LEVEL_FILE_ENV) or "info"


def _common_flags(target: Path) -> list[str]:
    return [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
        "--log-level",
        "none",
        "--log-level-file",
        _log_level_file(),
        "--log-format-file",
        "json",
        "--no-write-json",
        "--no-send-anonymous-usage-stats",
    ]


def last_period(target: Path) -> str | None:
    path = target / LAST_PERIOD_FILE
    return path.read_text() if path.exists() else None


def remember_period(target: Path, period: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / LAST_PERIOD_FILE).write_text(period)


class DbtBuildError(Exception):
    """dbt could not parse the project, a build failed, or the worker ended."""


class DbtWorker:
    """The run's side of one worker process (started here, parsing at once)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        # Owner-only like everything a run writes (runstate.begin_run), though the worker may
        # start before the run has taken the data dir (pipeline.run_pipeline): the data dir
        # itself, if made here, keeps the usual mode (analysts reach published/ through it).
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A data dir's first run starts from the prepared parse (`make manifest`).
        if PREPARED_PARSE.exists() and not (target / PREPARED_PARSE.name).exists():
            shutil.copy(PREPARED_PARSE, target / PREPARED_PARSE.name)
        env = {**os.environ, "JEMBER_DUCKDB_PATH": PARSE_WAREHOUSE, "PYTHONUNBUFFERED": "1"}
        env.pop("JEMBER_PERIOD", None)
        period = last_period(target)
        if period is not None:
            env["JEMBER_PERIOD"] = period
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(target)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=_stderr(),
            cwd=DBT_PROJECT_DIR,
            env=env,
            text=True,
            bufsize=1,
        )
        self.parsed = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def _messages(self) -> Iterator[dict[str, Any]]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            yield json.loads(line)
        code = self.process.wait()
        raise DbtBuildError(f"the dbt worker process ended (exit code {code}) during the build")

    def build(self, args: list[str], env: dict[str, str | None]) -> Iterator[dict[str, Any]]:
        """Run `dbt <args>` (a build) with these environment variables; yield each message
        (`event` and `log` lines) as it comes; raise DbtBuildError when it did not succeed.
        Stopped early (the run interrupted), the worker is killed."""
        assert self.process.stdin is not None
        messages = self._messages()
        finished = False
        try:
            if not self.parsed:
                first = next(messages)
                if not first.get("parsed"):
                    raise DbtBuildError(f"dbt could not parse the project:\n{first.get('error')}")
                self.parsed = True
            self.process.stdin.write(json.dumps({"args": args, "env": env}) + "\n")
            self.process.stdin.flush()
            for message in messages:
                if message.get("done"):
                    finished = True
                    if not message["success"]:
                        errors = "\n".join(message["errors"]) or "(no error message from dbt)"
                        raise DbtBuildError(
                            f"`dbt {' '.join(args)}` failed; errors from dbt's log "
                            f"({self.target / 'dbt.log'}):\n{errors}"
                        )
                    return
                yield message
        finally:
            if not finished:
                self.kill()

    def close(self) -> None:
        """Let the worker end (its input closes) and wait for it."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()


def _stderr() -> Any:
    """Where the worker's standard error goes: this process's sys.stderr when it is a file
    (the CLI sends it to the run's log), else this process's own standard error."""
    try:
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return sys.stderr


# The worker a block of builds shares (`jember run`, pipeline.run_pipeline: every build of the
# run), by target folder.
_SHARED: dict[Path, DbtWorker] = {}


@contextmanager
def shared_worker(target: Path) -> Iterator[None]:
    """Start a worker now, for every build inside this block that uses `target`: it imports
    dbt and parses while the caller goes on. Ended when the block ends; inside another such
    block for the same target, that block's worker serves."""
    key = target.resolve()
    if key in _SHARED:
        yield
        return
    worker = DbtWorker(target)
    _SHARED[key] = worker
    try:
        yield
    finally:
        worker = _SHARED.pop(key, worker)
        worker.close()


def retire(target: Path) -> None:
    """No build follows (the month's build is a run's last): end the block's shared worker
    now, so that what it holds (the parsed project, memory its allocator kept from the Python
    models) does not sit beside the stages after dbt until the block ends."""
    worker = _SHARED.get(target.resolve())
    if worker is not None:
        worker.close()


@contextmanager
def worker_for(target: Path) -> Iterator[DbtWorker]:
    """The block's shared worker for `target` when there is one (started anew if it ended),
    else a worker of this build's own, ended after it."""
    key = target.resolve()
    if key in _SHARED:
        if not _SHARED[key].alive():
            _SHARED[key].close()
            _SHARED[key] = DbtWorker(target)
        yield _SHARED[key]
        return
    worker = DbtWorker(target)
    try:
        yield worker
    finally:
        worker.close()


# -- the worker process ----------------------------------------------------------------------


def _serve(target: Path, out: IO[str]) -> int:
    import threading

    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest
    from dbt_common.events.functions import msg_to_dict

    lock = threading.Lock()
    _debug_events_dropped()

    def send(message: dict[str, Any]) -> None:
        line = json.dumps(message, default=str)
        with lock:
            out.write(line + "\n")
            out.flush()

    parsed = dbtRunner().invoke(["parse", *_common_flags(target)])
    if not parsed.success:
        send({"parsed": False, "error": str(parsed.exception or "dbt parse did not succeed")})
        return 1
    manifest = parsed.result
    assert isinstance(manifest, Manifest)
    send({"parsed": True})

    for line in sys.stdin:
        request = json.loads(line)
        for name, value in request["env"].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        errors: list[str] = []

        def on_event(event: Any, errors: list[str] = errors) -> None:
            # Called on dbt's threads for every event, debug ones included (~30 per node):
            # kept cheap for the ones passed over.
            name = event.info.name
            if name in RESULT_EVENTS:
                send({"event": msg_to_dict(event)})
            level = event.info.level
            if level in PRINTED_LEVELS and event.info.msg:
                send({"log": event.info.msg})
                if level == "error":
                    errors.append(event.info.msg)

        result = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(
            [*request["args"], *_common_flags(target)]
        )
        if result.exception is not None:
            errors.append(f"{type(result.exception).__name__}: {result.exception}")
        _close_warehouse()
        send({"done": True, "success": bool(result.success), "errors": errors})
    return 0


def _debug_events_dropped() -> None:
    """dbt's debug events (~30 per node: each SQL statement, each connection opened, reused,
    closed) are dropped as they fire, unless dbt.log asks for them
    (JEMBER_DBT_LOG_LEVEL_FILE=debug). dbt turns every event into a protobuf message, and its
    file logger turns that into a JSON line, before Python's logging drops the ones under the
    file's level: ~2 s of dbt's Python in a build of the shipped sample, on the one thread
    every node waits for (the GIL). Nothing else here reads them: the run takes the result
    events and the lines at info and above (on_event), dbt.log is written at info. Installed
    through dbt's own hook for an event manager of the caller's (ctx_set_event_manager); each
    command then sets up its loggers and callbacks on it as on dbt's own."""
    if _log_level_file() == "debug":
        return
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.event_manager_client import ctx_set_event_manager

    class AtInfoEventManager(EventManager):
        def fire_event(
            self,
            e: Any,
            level: Any = None,
            node: Any = None,
            force_warn_or_error_handling: bool = False,
        ) -> None:
            if (level or e.level_tag()) == EventLevel.DEBUG and not force_warn_or_error_handling:
                return
            super().fire_event(e, level, node, force_warn_or_error_handling)

    ctx_set_event_manager(AtInfoEventManager())


def _end(code: int, out: IO[str]) -> None:
    """End at once: the warehouse is closed after each build, dbt.log and the semaphores dbt
    made (multiprocessing's finalizers) are dealt with here, and the interpreter's own teardown
    (dbt's and its libraries' modules) took ~0.6 s that every run waited for."""
    import logging
    from multiprocessing import util

    out.flush()
    logging.shutdown()
    util._exit_function()  # type: ignore[attr-defined]  # dbt's semaphores, unregistered
    sys.stderr.flush()
    os._exit(code)


def _close_warehouse() -> None:
    """dbt-duckdb keeps its DuckDB connection open after a command (profile: keep_open), in a
    class attribute: closed here, so the run's process can open the warehouse next."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


def main() -> int:
    # What dbt writes is the run's (the warehouse, its WAL and spill files, dbt.log): owner-only
    # whatever umask the worker was started under (runstate.begin_run sets it for the run's
    # own process, which may start the worker first).
    os.umask(OWNER_ONLY_UMASK)
    # The conversation keeps the original standard output; whatever else writes to it from
    # here on (print, a library) goes to standard error.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _end(_serve(Path(sys.argv[1]), out), out)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
