"""Writing one source folder into the raw schema of the warehouse DuckDB.

``ingest_source`` reads every file of one source with ``reader.read_file`` and replaces, in one
transaction, that source's raw tables and its rows of the two log tables. Schemas:
docs/raw-tables.md.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import hashlib
import os
import stat
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.ingestion.contract import SOURCES
from dagster_project.ingestion.reader import (
    IngestFileRecord,
    RejectedRow,
    SheetRead,
    raw_table_schema,
    read_file,
)

READABLE_SUFFIXES = (".csv", ".xlsx")

# Rows read (Arrow bytes) before they are written to their raw table, one insert per batch:
# bounds ingestion's memory whatever the delivery's size. Each insert costs a fixed ~0.2-0.3 s
# beyond its rows (measured at jember scale: one insert per file, 212 files, made ingestion
# 20% slower); jember's 1.1M DTKS rows are ~260 MiB of Arrow.
APPEND_BYTES = 256 * 2**20

# Files read at once, ahead of the one whose rows are being written. python-calamine and
# pyarrow's CSV reader release the GIL, so two files read side by side on the machine's two
# cores (kit `jember`'s 60 DTKS files: 7.2 s one after the other, 4.6 s two at a time), and the
# rows go on to DuckDB in the files' order as before. Memory holds the rows of the file being
# handed on and of at most this many more, besides the batch being written.
READ_AHEAD_FILES = 2

# The log tables, defined once: as Arrow schemas. The DuckDB tables are created from them
# (see _replace_log_rows) and the records that fill the first two are the dataclasses of
# reader.py, checked against these names below.
INGEST_FILES_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("source_path", pa.string()),
        ("sheet", pa.string()),
        ("table_name", pa.string()),
        ("sha256", pa.string()),
        ("size_bytes", pa.int64()),
        ("status", pa.string()),
        ("message", pa.string()),
        ("encoding", pa.string()),
        ("delimiter", pa.string()),
        ("header_record", pa.int32()),
        ("data_rows", pa.int64()),
        ("non_data_rows", pa.int64()),
        ("rejected_rows", pa.int64()),
        ("duplicate_of", pa.string()),
        ("ingested_at", pa.timestamp("us")),
    ]
)

REJECTED_ROWS_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("source_path", pa.string()),
        ("sheet", pa.string()),
        ("row_number", pa.int32()),
        ("reason", pa.string()),
        ("message", pa.string()),
    ]
)

# Which reader wrote a source's raw tables: rows read by other reading rules are read again
# even when the files did not change (see unchanged_since_last_read).
INGEST_SOURCES_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("reader_version", pa.string()),
        ("ingested_at", pa.timestamp("us")),
    ]
)

LOG_TABLES = {
    "ingest_files": INGEST_FILES_SCHEMA,
    "ingest_rejected_rows": REJECTED_ROWS_SCHEMA,
    "ingest_sources": INGEST_SOURCES_SCHEMA,
}


for _record, _schema in (
    (IngestFileRecord, INGEST_FILES_SCHEMA),
    (RejectedRow, REJECTED_ROWS_SCHEMA),
):
    if [f.name for f in dataclasses.fields(_record)] != _schema.names:
        raise ImportError(f"{_record.__name__} and its Arrow schema name different columns")


@dataclass
class IngestSummary:
    """What one `ingest_source` call did, for logs and asset metadata.

    `files` counts every entry looked at (ignored `.`/`~$` names excepted, counted in
    `files_ignored`); `files_failed` the files with a failed record (the whole file, one of its
    sheets, a refused or broken symlink); `sheets_skipped` the skipped records (xlsx sheets
    without a header, hidden sheets, files that are not .csv/.xlsx, FIFOs).
    """

    source: str
    files: int = 0
    files_failed: int = 0
    sheets_skipped: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_rejected: int = 0
    non_data_rows: int = 0
    duplicate_files: int = 0
    files_ignored: int = 0
    messages: list[str] = field(default_factory=list)


def list_source_files(raw_dir: Path, source: str) -> list[Path]:
    """The files of raw_dir/<source>/ that are read, sorted by relative path."""
    return [entry.path for entry in scan_source(raw_dir, source) if entry.path is not None]


@dataclass(frozen=True)
class SourceEntry:
    """One entry under raw/<source>/: a file to read (`path`), or a record of why it is not."""

    path: Path | None = None
    not_read: IngestFileRecord | None = None
    ignored: bool = False  # a `.`/`~$` name: not read by the contract's own rule, not a problem

    def source_path(self, raw_dir: Path) -> str:
        """Its path under raw_dir, as raw.ingest_files records it."""
        if self.not_read is not None:
            return self.not_read.source_path
        assert self.path is not None  # an entry is a file to read or a record of why not
        return self.path.relative_to(raw_dir).as_posix()


def scan_source(raw_dir: Path, source: str) -> list[SourceEntry]:
    """Every entry under raw_dir/<source>/, sorted by relative path: a file to read, or why not.

    Names starting with `.` or `~$` are ignored (contract), folders too (`.git`,
    `.ipynb_checkpoints`); they are recorded as skipped with a message `ignored: ...`. A symlink
    is followed only when its target stays inside raw_dir: one pointing outside would load data
    nobody delivered. Dangling and looping links are failed; FIFOs, sockets and devices are
    skipped without being opened (opening a FIFO blocks). Nothing under raw/ goes unrecorded.
    """
    raw_dir = Path(raw_dir).absolute()
    raw_real = Path(os.path.realpath(raw_dir))
    source_dir = raw_dir / source
    if not source_dir.is_dir():
        return []
    entries: list[SourceEntry] = []
    visited_dirs = {os.path.realpath(source_dir)}

    def note(path: Path, status: str, why: str, ignored: bool = False) -> None:
        relative = path.relative_to(raw_dir).as_posix()
        record = IngestFileRecord(source, relative, "", None, "", 0, status, f"{relative}: {why}")
        entries.append(SourceEntry(not_read=record, ignored=ignored))

    def walk(directory: Path) -> None:
        try:
            children = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as problem:
            note(directory, "failed", f"folder cannot be listed ({problem.strerror or problem})")
            return
        for entry in children:
            path = directory / entry.name
            if entry.name.startswith((".", "~$")):
                note(
                    path,
                    "skipped",
                    "ignored: the name starts with '.' or '~$' (lock or hidden file)",
                    True,
                )
                continue
            if entry.is_symlink():
                try:
                    target = Path(os.path.realpath(path, strict=True))
                except (OSError, RuntimeError) as problem:
                    looping = isinstance(problem, RuntimeError) or problem.errno == errno.ELOOP
                    why = "looping" if looping else "dangling"
                    note(path, "failed", f"{why} symlink ({os.readlink(path)}), not read")
                    continue
                if not target.is_relative_to(raw_real):
                    note(path, "failed", f"symlink to {target}, outside the raw folder: refused")
                    continue
            try:
                mode = path.stat().st_mode
            except OSError as problem:
                note(path, "failed", f"cannot be read ({problem.strerror or problem})")
                continue
            if stat.S_ISDIR(mode):
                real = os.path.realpath(path)
                if real in visited_dirs:
                    note(
                        path,
                        "skipped",
                        "folder already read through another path (link loop), skipped",
                    )
                    continue
                visited_dirs.add(real)
                walk(path)
            elif stat.S_ISREG(mode):
                if path.suffix.lower() in READABLE_SUFFIXES:
                    entries.append(SourceEntry(path=path))
                else:
                    note(path, "skipped", "not a .csv or .xlsx file, skipped")
            else:
                note(path, "skipped", "not a regular file (FIFO, socket or device), not opened")

    walk(source_dir)
    return sorted(entries, key=lambda e: e.source_path(raw_dir))


@functools.cache
def reader_version() -> str:
    """Hash of the reading rules' own code (this package): new rules, new version."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:16]


def file_hashes(raw_dir: Path, source: str) -> dict[str, str]:
    """{path under raw_dir: sha256 of its bytes} of every entry under raw_dir/<source>/, as
    raw.ingest_files records them: an entry that is not read (ignored, refused, unreadable) has
    an empty hash."""
    raw_dir = Path(raw_dir).absolute()
    hashes: dict[str, str] = {}
    for entry in scan_source(raw_dir, source):
        if entry.path is None:
            hashes[entry.source_path(raw_dir)] = ""
            continue
        try:
            hashes[entry.path.relative_to(raw_dir).as_posix()] = hashlib.sha256(
                entry.path.read_bytes()
            ).hexdigest()
        except OSError:
            hashes[entry.path.relative_to(raw_dir).as_posix()] = ""
    return hashes


def unchanged_since_last_read(raw_dir: Path, source: str, con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse holds `source` read by this reader from exactly these files
    (same paths, same bytes, per raw.ingest_files): reading them again would write the same
    rows, so an incremental run keeps them."""
    try:
        version = con.execute(
            "select reader_version from raw.ingest_sources where source = ?", [source]
        ).fetchone()
        recorded = con.execute(
            "select distinct source_path, coalesce(sha256, '') from raw.ingest_files where source = ?",
            [source],
        ).fetchall()
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw'"
            ).fetchall()
        }
    except duckdb.CatalogException:  # a warehouse from before raw.ingest_sources, or none yet
        return False
    if version is None or version[0] != reader_version():
        return False
    if any(table.name not in tables for table in SOURCES[source]):
        return False
    return dict(recorded) == file_hashes(raw_dir, source)


def ingest_source(raw_dir: Path, source: str, con: duckdb.DuckDBPyConnection) -> IngestSummary:
    """Read every file of `source` and (re)write its raw tables and log rows in `con`.

    Never raises for a bad file: it is recorded in raw.ingest_files with status `failed`. Every
    contract table of the source is created even when no file supplied rows for it.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {sorted(SOURCES)}")
    raw_dir = Path(raw_dir)
    summary = IngestSummary(source=source)
    tables = SOURCES[source]
    records: list[IngestFileRecord] = []
    rejected: list[RejectedRow] = []
    first_path_by_sha: dict[str, str] = {}

    # Rows go to a loading table beside each raw table, in batches of about APPEND_BYTES as the
    # files are read, each batch committed: memory holds a batch, not the source. Then one short
    # transaction swaps the loading tables in and replaces the log rows, so a source's tables
    # are replaced whole or not at all. (One transaction around the whole load kept every
    # uncommitted row in memory, whatever DuckDB's memory_limit: 5.8 GB for province scale's
    # 15M DTKS rows, 1.4 GB this way; holding the files' Arrow tables for one insert, as
    # before, took 6.6 GiB.)
    pending: dict[str, list[pa.Table]] = {t.name: [] for t in tables}
    # counted as batches arrive: summing Table.nbytes over the pending list after every sheet
    # walked every buffer of every pending batch again (1.2 s of kit jember's ingestion)
    pending_bytes: dict[str, int] = {t.name: 0 for t in tables}

    def flush(table_name: str) -> None:
        if pending[table_name]:
            _write_loading_rows(con, table_name, pa.concat_tables(pending[table_name]))
            pending[table_name] = []
            pending_bytes[table_name] = 0

    con.execute("create schema if not exists raw")
    try:
        for table in tables:
            _write_loading_rows(con, table.name, raw_table_schema(table).empty_table(), create=True)
            summary.rows_loaded[table.name] = 0
        for entry, read in _read_in_order(raw_dir, source, scan_source(raw_dir, source)):
            not_read = entry.not_read
            if not_read is not None:
                records.append(not_read)
                if entry.ignored:
                    summary.files_ignored += 1
                    continue
                summary.files += 1
                if not_read.message:  # always set: the record says why the entry is not read
                    summary.messages.append(not_read.message)
                if not_read.status == "failed":
                    summary.files_failed += 1
                else:
                    summary.sheets_skipped += 1
                continue
            assert read is not None  # an entry is a file to read or a record of why not
            sheets: list[SheetRead] = read.result()
            summary.files += 1
            file_record = sheets[0].record
            duplicate_of = first_path_by_sha.setdefault(file_record.sha256, file_record.source_path)
            is_duplicate = duplicate_of != file_record.source_path
            if is_duplicate:
                summary.duplicate_files += 1
            if any(s.record.status == "failed" for s in sheets):
                summary.files_failed += 1
            for sheet in sheets:
                record = sheet.record
                if is_duplicate:
                    record.duplicate_of = duplicate_of
                if record.status == "skipped":
                    summary.sheets_skipped += 1
                if record.message:
                    summary.messages.append(record.message)
                if sheet.rejected:
                    first = sheet.rejected[0]
                    summary.messages.append(
                        f"{len(sheet.rejected)} row(s) rejected; first: {first.message}"
                    )
                if sheet.data is not None:
                    assert record.table_name is not None  # rows are read only under a header
                    pending[record.table_name].append(sheet.data)
                    pending_bytes[record.table_name] += sheet.data.nbytes
                    summary.rows_loaded[record.table_name] += sheet.data.num_rows
                    if pending_bytes[record.table_name] >= APPEND_BYTES:
                        flush(record.table_name)
                summary.non_data_rows += record.non_data_rows
                summary.rows_rejected += record.rejected_rows
                records.append(record)
                rejected.extend(sheet.rejected)
            del sheets
        for table in tables:
            flush(table.name)
        con.execute("begin transaction")
        try:
            for table in tables:
                con.execute(f"drop table if exists raw.{table.name}")
                con.execute(f"alter table raw.{_loading(table.name)} rename to {table.name}")
            _replace_log_rows(con, source, records, rejected)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        for table in tables:  # left over only when the load failed
            con.execute(f"drop table if exists raw.{_loading(table.name)}")
    return summary


def _read_in_order(
    raw_dir: Path, source: str, entries: list[SourceEntry]
) -> Iterator[tuple[SourceEntry, Future[list[SheetRead]] | None]]:
    """Each entry in order, with the read of its file (None: an entry not to read) started up
    to READ_AHEAD_FILES files ahead in threads of its own."""
    with ThreadPoolExecutor(READ_AHEAD_FILES, thread_name_prefix="jember-read") as pool:
        started: deque[tuple[SourceEntry, Future[list[SheetRead]] | None]] = deque()
        files_started = 0  # of the entries in `started`
        try:
            for entry in entries:
                read = None
                if entry.path is not None:
                    # hand on entries up to the oldest started file: no more than
                    # READ_AHEAD_FILES are started beyond the one being written
                    while files_started == READ_AHEAD_FILES:
                        done = started.popleft()
                        if done[1] is not None:
                            files_started -= 1
                        yield done
                    read = pool.submit(read_file, raw_dir, entry.path, source)
                    files_started += 1
                started.append((entry, read))
            while started:
                yield started.popleft()
        finally:  # a failure while writing: no file is read after it
            for _, read in started:
                if read is not None:
                    read.cancel()


def _loading(table_name: str) -> str:
    """The table raw.<table_name>'s rows are loaded into before it is replaced by it."""
    return f"_loading_{table_name}"


def drop_loading_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Loading tables a killed run left behind: a source whose files did not change since is not
    read again, so nothing else would remove its half-loaded rows."""
    for (name,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'raw' and table_name like ?",
        [_loading("%")],
    ).fetchall():
        con.execute(f'drop table raw."{name}"')


def _write_loading_rows(
    con: duckdb.DuckDBPyConnection, table_name: str, arrow: pa.Table, *, create: bool = False
) -> None:
    """Append `arrow`'s rows to the loading table of raw.<table_name>; with `create`, make that
    table anew from them (an empty Arrow table of the source's schema gives the empty table).
    Casts pin the documented types (dictionary columns would otherwise be read as is)."""
    select_list = ", ".join(
        f'cast("{name}" as integer) as "{name}"'
        if name == "_row_number"
        else f'cast("{name}" as varchar) as "{name}"'
        for name in arrow.column_names
    )
    target = f"raw.{_loading(table_name)}"
    view_name = f"_ingest_{table_name}"
    con.register(view_name, arrow)
    try:
        if create:
            con.execute(
                f"create or replace table {target} as select {select_list} from {view_name}"
            )
        else:
            columns = ", ".join(f'"{name}"' for name in arrow.column_names)
            con.execute(f"insert into {target} ({columns}) select {select_list} from {view_name}")
    finally:
        con.unregister(view_name)


def _replace_log_rows(
    con: duckdb.DuckDBPyConnection,
    source: str,
    records: list[IngestFileRecord],
    rejected: list[RejectedRow],
) -> None:
    for name, schema in LOG_TABLES.items():
        empty = schema.empty_table()  # noqa: F841 (read by DuckDB by name)
        con.execute(f"create table if not exists raw.{name} as select * from empty")
    con.execute("delete from raw.ingest_files where source = ?", [source])
    con.execute("delete from raw.ingest_rejected_rows where source = ?", [source])
    con.execute("delete from raw.ingest_sources where source = ?", [source])
    con.execute(
        "insert into raw.ingest_sources values (?, ?, current_localtimestamp())",
        [source, reader_version()],
    )
    files = pa.Table.from_pylist(
        [dataclasses.asdict(r) for r in records], schema=INGEST_FILES_SCHEMA
    )
    rows = pa.Table.from_pylist(
        [dataclasses.asdict(r) for r in rejected], schema=REJECTED_ROWS_SCHEMA
    )
    for name, arrow in (("ingest_files", files), ("ingest_rejected_rows", rows)):
        view_name = f"_ingest_log_{name}"
        con.register(view_name, arrow)
        try:
            columns = ", ".join(arrow.column_names)
            con.execute(f"insert into raw.{name} ({columns}) select {columns} from {view_name}")
        finally:
            con.unregister(view_name)
