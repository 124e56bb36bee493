"""The event log storage of the Dagster instance the Makefile writes (`.dagster_home/dagster.yaml`).

Dagster's default SQLite event log (`SqliteEventLogStorage`: one database per run plus an index
database) creates a SQLAlchemy engine, opens a SQLite connection, commits and closes it again
for every event it stores, and twice for an asset or check event (the run's database and the
index). A run of the shipped sample stores ~1,300 events (one per dbt model and test, as
dagster-dbt reports them), and with `DAGSTER_HOME` set (`make run`, `make dev`) those opens and
closes cost `jember run` of the sample ~4 s (26.3 / 28.3 s against 22.2 / 23.6 s with this
class; py-spy: a third of the pipeline process's samples in `store_event`, most of them in
connecting and closing; docs/benchmarks.md, 2026-12-06 "The UI's event log kept open").

This class is that storage with each database's engine kept for the next event, so one
connection per database serves them all. Nothing else changes: the same files, tables and
transactions (each event still commits before `store_event` returns), the same rollback journal
(the webserver's watcher follows writes to the run's `.db` file, which WAL mode would move to a
`-wal` file). The engines of at most `MAX_RUN_ENGINES` run databases are kept (the webserver
reads many runs), and all of them are closed before Dagster deletes the files (`wipe`) and when
the instance is disposed.

Configured in dagster.yaml (the Makefile writes it):

    event_log_storage:
      module: dagster_project.instance_storage
      class: PooledSqliteEventLogStorage
      config:
        base_dir: <DAGSTER_HOME>/history/runs
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

MAX_RUN_ENGINES = 4


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage that keeps each database's connection open between events."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> PooledSqliteEventLogStorage:
        # SqliteEventLogStorage's returns a SqliteEventLogStorage whatever the class
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, made (and its database initialised) on first use; called with
        `_db_lock` held."""
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        # One DBAPI connection per database (StaticPool): `_db_lock` lets one thread use this
        # storage at a time, and that thread need not be the one that opened it.
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=StaticPool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for oldest in runs[: max(0, len(runs) - MAX_RUN_ENGINES)]:
            self._engines.pop(oldest).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As SqliteEventLogStorage._connect, but the engine (and its connection) is kept.
        with self._db_lock:
            with self._engine(shard).connect() as conn:
                with conn.begin():
                    yield conn

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_engines()
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
