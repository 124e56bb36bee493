"""Reading one raw file (CSV or xlsx) into Arrow tables of canonical text columns.

Everything here follows docs/raw-contract.md and docs/raw-tables.md: cells stay text,
empty or whitespace-only cells become NULL, blank and totals records are not data but keep
their record number, and a bad file is described (status ``failed`` with a message), never
raised. Nothing here touches DuckDB; ``load.py`` writes what this module returns.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import datetime as dt
import decimal
import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from dagster_project.ingestion.contract import SOURCES, Table, header_lookup
from dagster_project.ingestion.header import (
    MAX_TITLE_RECORDS,
    HeaderMatch,
    find_header,
    is_blank_record,
    known_column_count,
    match_record,
)

CSV_DELIMITERS = (",", ";")
# Records read to look for the header: the header is within the first 7 non-blank records;
# this cap only bounds the blank lines we are willing to walk through.
HEAD_RECORDS_LIMIT = 50
UTF8_CHECK_CHUNK_BYTES = 16 * 1024 * 1024
CONSTANT_TEXT = pa.dictionary(pa.int32(), pa.string())  # one value repeated: cheap in memory


def raw_table_schema(table: Table) -> pa.Schema:
    """Schema of `raw.<table>` as Arrow: canonical text columns, then the metadata columns."""
    return pa.schema(
        [pa.field(name, pa.string()) for name in table.column_names]
        + [
            pa.field("_source", CONSTANT_TEXT),
            pa.field("_source_path", CONSTANT_TEXT),
            pa.field("_sheet", CONSTANT_TEXT),
            pa.field("_row_number", pa.int32()),
            pa.field("_file_sha256", CONSTANT_TEXT),
            pa.field("_id_numeric_cells", pa.string()),
            pa.field("_read_note", pa.string()),
        ]
    )


@dataclass
class IngestFileRecord:
    """One row of `raw.ingest_files`: a file, or one sheet of an xlsx file."""

    source: str
    source_path: str
    sheet: str
    table_name: str | None
    sha256: str
    size_bytes: int
    status: str  # loaded | failed | skipped
    message: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_record: int | None = None
    data_rows: int = 0
    non_data_rows: int = 0
    rejected_rows: int = 0
    duplicate_of: str | None = None
    ingested_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None)
    )


@dataclass
class RejectedRow:
    """One row of `raw.ingest_rejected_rows`."""

    source: str
    source_path: str
    sheet: str
    row_number: int
    reason: str
    message: str


@dataclass
class SheetRead:
    """What one sheet (or one CSV file) gave: its log record, its rows, its rejected rows."""

    record: IngestFileRecord
    data: pa.Table | None = None  # raw_table_schema(table) rows; None unless status loaded
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def table_name(self) -> str | None:
        return self.record.table_name


class UnreadableFile(Exception):
    """A whole file cannot be read; the message names the problem (not the file)."""


# --------------------------------------------------------------------------------------------
# entry point


def read_file(raw_dir: Path, path: Path, source: str) -> list[SheetRead]:
    """Read one file of `source` into one SheetRead per sheet (one for a CSV).

    `path` may be absolute or relative to `raw_dir`. Never raises for a bad file: problems come
    back as records with status `failed` (or `skipped`) and a message naming the file.
    """
    # absolute() (not resolve()): symlinked files inside raw/ keep their path under raw/.
    raw_dir = Path(raw_dir).absolute()
    path = Path(path)
    full_path = path if path.is_absolute() else raw_dir / path
    source_path = full_path.relative_to(raw_dir).as_posix()
    try:
        content = full_path.read_bytes()
    except OSError as problem:
        record = IngestFileRecord(source, source_path, "", None, "", 0, "failed")
        record.message = f"{source_path}: cannot be read ({problem.strerror or problem})"
        return [SheetRead(record)]
    file = _FileInfo(
        source=source,
        source_path=source_path,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        tables=SOURCES[source],
    )
    suffix = full_path.suffix.lower()
    is_zip = content.startswith(ZIP_SIGNATURE)
    try:
        # A workbook renamed .csv (or a CSV renamed .xlsx) is read by what its bytes are, so
        # its rows can be split and listed, but it fails: the name is what the agency meant to
        # deliver, and a wrong one is for them to fix, not for us to guess past.
        if suffix == ".csv" and is_zip:
            return _refuse(
                _read_xlsx(file, content),
                f"{source_path}: is an .xlsx workbook under a .csv name; rename it to .xlsx",
            )
        if suffix == ".xlsx" and not is_zip and content.strip():
            read = _read_csv(file, content)
            if read.record.status == "failed" and read.data is None and not read.rejected:
                raise UnreadableFile("not an .xlsx workbook (not a zip archive) nor a CSV")
            return _refuse(
                [read], f"{source_path}: is a CSV text file under an .xlsx name; rename it to .csv"
            )
        if suffix == ".csv":
            return [_read_csv(file, content)]
        if suffix == ".xlsx":
            return _read_xlsx(file, content)
        return [
            SheetRead(
                file.record(
                    "",
                    status="skipped",
                    message=f"{source_path}: not a .csv or .xlsx file, skipped",
                )
            )
        ]
    except UnreadableFile as problem:
        return [SheetRead(file.record("", status="failed", message=f"{source_path}: {problem}"))]
    except Exception as problem:  # a broken file must fail only itself, whatever broke
        return [
            SheetRead(
                file.record(
                    "",
                    status="failed",
                    message=f"{source_path}: unreadable ({type(problem).__name__}: {problem})",
                )
            )
        ]


ZIP_SIGNATURE = b"PK\x03\x04"  # every .xlsx is a zip archive


def _refuse(reads: list[SheetRead], problem: str) -> list[SheetRead]:
    """Fail every sheet of a file the contract does not allow, listing its rows as rejected."""
    refused = []
    for read in reads:
        if read.record.status == "loaded":
            refused.append(
                _reject_all(
                    read, "failed", "file_failed", _problem_note(problem, read.record.message)
                )
            )
        else:
            read.record.message = _join_notes(problem, read.record.message)
            refused.append(read)
    return refused


@dataclass(frozen=True)
class _FileInfo:
    source: str
    source_path: str
    sha256: str
    size_bytes: int
    tables: tuple[Table, ...]

    # `values`: IngestFileRecord's other fields, of mixed types (status, message, encoding, ...)
    def record(self, sheet: str, **values: Any) -> IngestFileRecord:
        return IngestFileRecord(
            source=self.source,
            source_path=self.source_path,
            sheet=sheet,
            table_name=values.pop("table_name", None),
            sha256=self.sha256,
            size_bytes=self.size_bytes,
            **values,
        )

    def reject(self, sheet: str, row_number: int, reason: str, message: str) -> RejectedRow:
        return RejectedRow(self.source, self.source_path, sheet, row_number, reason, message)

    def where(self, sheet: str) -> str:
        """How messages name the place: the file, and the sheet for xlsx."""
        return f"{self.source_path} sheet '{sheet}'" if sheet else self.source_path


def _header_problem(file: _FileInfo, sheet: str, header: HeaderMatch) -> str:
    missing = ", ".join(name.upper() for name in header.missing_required)
    return (
        f"{file.where(sheet)}: missing required column(s) {missing} for table "
        f"{header.table.name} (header row is record {header.record_index + 1})"
    )


def _no_header_problem(file: _FileInfo, sheet: str) -> str:
    expected = " or ".join(
        "(" + ", ".join(name.upper() for name in t.required) + ")" for t in file.tables
    )
    return (
        f"{file.where(sheet)}: no header row found in the first {MAX_TITLE_RECORDS + 1} "
        f"non-blank records (expected columns {expected})"
    )


# --------------------------------------------------------------------------------------------
# CSV


# Bytes Windows-1252 leaves undefined: a file holding one is still read (U+FFFD in its place).
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
ASCII_BYTES = bytes(range(0x80))
LINE_END = re.compile(rb"\r\n|\r|\n")
TEXT_LINE_END = re.compile(r"\r\n|\r|\n")
REPLACED_BYTE_NOTE = "byte(s) {bytes} undefined in Windows-1252, replaced by U+FFFD"
CP1252_LINE_NOTE = "line read as Windows-1252 (other lines of the file are UTF-8)"


@dataclass
class _CsvText:
    """A CSV file as UTF-8 bytes, with what decoding it took.

    `line_notes` are (byte offset in `data` where a physical line starts, note) for lines that
    needed care: the records holding those lines carry the note in `_read_note`.
    """

    data: bytes
    start: int
    encoding: str
    line_notes: list[tuple[int, str]] = field(default_factory=list)
    note: str | None = None  # for the file's record in raw.ingest_files


def _read_csv(file: _FileInfo, content: bytes) -> SheetRead:
    wide = _wide_encoding(content)
    if wide is not None:
        return _read_csv_refused(file, content, wide)
    text = _as_utf8(content)
    data, start = text.data, text.start
    delimiter, head = _choose_delimiter(data, start, file.tables)
    header = find_header([cells for cells, _ in head], file.tables)
    head_note = None
    if header is None or not header.is_complete:
        # A stray quote in a title line or in the header itself swallows the header into one
        # field. Title lines and the header are read line by line, never spanning lines, so
        # read them again with quotes as plain characters.
        plain_delimiter, plain_head = _choose_delimiter(data, start, file.tables, plain=True)
        plain_header = find_header([cells for cells, _ in plain_head], file.tables)
        if plain_header is not None and plain_header.is_complete:
            delimiter, head, header = plain_delimiter, plain_head, plain_header
            head_note = (
                f"{file.source_path}: a stray quote in the header row or a title line above it "
                "was read as a plain character to find the header"
            )
    base: dict[str, str | int] = dict(encoding=text.encoding, delimiter=delimiter)
    if header is None:
        return SheetRead(
            file.record("", status="failed", message=_no_header_problem(file, ""), **base)
        )
    base.update(table_name=header.table.name, header_record=header.record_index + 1)
    body_start = head[header.record_index][1]
    field_count = len(head[header.record_index][0])
    if not header.is_complete:
        # The rows can still be split and numbered: list them as rejected (conservation).
        cells, rejected = _read_csv_body_exact(
            file, text, body_start, delimiter, field_count, header
        )
        problem = _header_problem(file, "", header)
        return _failed_with_rows(file, "", header, cells, rejected, problem, base, b"\x00" in data)

    cells = None
    # The fast path cannot place row notes or find where an unterminated quote starts: an odd
    # number of quote characters means some quote is never closed.
    quotes = data.count(b'"', body_start)
    if not text.line_notes and quotes % 2 == 0:
        cells = _read_csv_body_fast(data, body_start, delimiter, field_count)
        # Two stray quotes pair up into one field holding a record's worth of delimiters.
        if cells is not None and quotes and _has_runaway_field(cells, delimiter, field_count):
            cells = None
    rejected = []
    if cells is None:
        cells, rejected = _read_csv_body_exact(
            file, text, body_start, delimiter, field_count, header
        )
    read = _finish_sheet(file, "", header, cells, rejected, base, has_nul=b"\x00" in data)
    if text.note:
        read.record.message = _join_notes(read.record.message, f"{file.source_path}: {text.note}")
    read.record.message = _join_notes(read.record.message, head_note)
    return read


# UTF-16 and UTF-32 (what "Unicode text" saves in some spreadsheet programs) are not in the
# contract (UTF-8 or Windows-1252). Read as either, every other byte is NUL and no header is
# found, so the file failed without a trace of its rows.
WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
WIDE_SAMPLE_BYTES = 4096


def _wide_encoding(content: bytes) -> str | None:
    """`utf-16-le`, `utf-16-be`, `utf-32-le`, `utf-32-be` when the file is one of them, else None.

    By its BOM, or without one by where the NUL bytes are: the text of these files is mostly
    ASCII (digits, upper-case names), so one byte position of every 2 (or 3 of every 4) is
    NUL, and the others are not. A UTF-8 or Windows-1252 file with stray NULs has them anywhere.
    """
    for bom, encoding in WIDE_BOMS:
        if content.startswith(bom):
            return encoding
    sample = content[:WIDE_SAMPLE_BYTES]
    if len(sample) < 8:
        return None

    def nul_share(offset: int, step: int) -> float:
        part = sample[offset::step]
        return part.count(0) / len(part)

    for encoding, nul_at, text_at, step in (
        ("utf-32-le", (1, 2, 3), (0,), 4),
        ("utf-32-be", (0, 1, 2), (3,), 4),
        ("utf-16-le", (1,), (0,), 2),
        ("utf-16-be", (0,), (1,), 2),
    ):
        if all(nul_share(i, step) > 0.6 for i in nul_at) and all(
            nul_share(i, step) < 0.05 for i in text_at
        ):
            return encoding
    return None


def _read_csv_refused(file: _FileInfo, content: bytes, encoding: str) -> SheetRead:
    """A UTF-16/32 file fails as a whole, but its rows are split (in that encoding) and listed as
    rejected, so none of them is lost from the count."""
    has_bom = content.startswith(tuple(bom for bom, _ in WIDE_BOMS))
    codec = encoding[: len("utf-16")] if has_bom else encoding  # "utf-16" reads and drops the BOM
    decoded = content.decode(codec, errors="replace").encode("utf-8")
    problem = (
        f"{file.source_path}: encoded as {encoding.upper()}, which the raw contract does not "
        "allow (UTF-8 or Windows-1252); save it again as 'CSV UTF-8'"
    )
    read = _read_csv(file, decoded)
    read.record.encoding = encoding
    if read.record.status == "failed" and read.data is None and not read.rejected:
        read.record.message = _join_notes(problem, read.record.message)
        return read
    return _reject_all(read, "failed", "file_failed", _problem_note(problem, _failed_note(read)))


def _failed_note(read: SheetRead) -> str | None:
    return read.record.message if read.record.status == "failed" else None


def _join_notes(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


def _problem_note(problem: str, *notes: str | None) -> str:
    """`_join_notes` led by a problem, which is never empty: so is the note."""
    return _join_notes(problem, *notes) or problem


def _as_utf8(content: bytes) -> _CsvText:
    """UTF-8 bytes of the file, where its text starts (after a BOM), and how it was decoded.

    Strict UTF-8 first (validated in chunks, so a large file is not held twice as text). Else
    Windows-1252 as a whole, when no multi-byte UTF-8 sequence occurs and no byte is undefined
    (the fast, common case). Else line by line: a line that is valid UTF-8 stays UTF-8 (Windows-
    1252 text practically never forms such sequences: `Ã‰` for `É`), any other line is read as
    Windows-1252 with undefined bytes replaced; such lines are noted, never dropped.
    """
    has_bom = content.startswith(codecs.BOM_UTF8)
    start = len(codecs.BOM_UTF8) if has_bom else 0
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    view = memoryview(content)
    try:
        for offset in range(start, len(content), UTF8_CHECK_CHUNK_BYTES):
            decoder.decode(view[offset : offset + UTF8_CHECK_CHUNK_BYTES])
        decoder.decode(b"", final=True)
        return _CsvText(content, start, "utf-8-sig" if has_bom else "utf-8")
    except UnicodeDecodeError:
        pass
    body = content[start:]
    if not _has_utf8_text(body) and not CP1252_UNDEFINED.search(body.translate(None, ASCII_BYTES)):
        return _CsvText(body.decode("cp1252").encode("utf-8"), 0, "cp1252")
    return _decode_line_by_line(body)


def _has_utf8_text(body: bytes) -> bool:
    """Whether any valid multi-byte UTF-8 sequence occurs (C-speed counts, no regex scan).

    Decoded as UTF-8 with replacement, every non-ASCII character is U+FFFD exactly when no
    valid multi-byte sequence exists (a file holding U+FFFD itself counts as UTF-8 text).
    """
    decoded = body.decode("utf-8", errors="replace")
    ascii_count = len(body) - len(body.translate(None, ASCII_BYTES))
    return len(decoded) - ascii_count != decoded.count("\ufffd")


def _decode_line_by_line(body: bytes) -> _CsvText:
    out: list[bytes] = []
    notes: list[tuple[int, list[str]]] = []
    position = 0
    utf8_lines = cp1252_lines = replaced_lines = 0
    for line in body.splitlines(keepends=True):
        if line.isascii():
            out.append(line)
        else:
            try:
                out.append(line.decode("utf-8").encode("utf-8"))
                utf8_lines += 1
            except UnicodeDecodeError:
                cp1252_lines += 1
                undefined = sorted({f"{match[0]:#04x}" for match in CP1252_UNDEFINED.findall(line)})
                text = line.decode("cp1252", errors="replace").encode("utf-8")
                replaced: list[str] = []
                if undefined:
                    replaced_lines += 1
                    replaced.append(REPLACED_BYTE_NOTE.format(bytes=", ".join(undefined)))
                notes.append((position, replaced))
                out.append(text)
        position += len(out[-1])
    mixed = utf8_lines > 0
    line_notes = [
        (offset, "; ".join(([CP1252_LINE_NOTE] if mixed else []) + extra))
        for offset, extra in notes
        if mixed or extra
    ]
    parts = []
    if mixed:
        parts.append(f"{cp1252_lines} line(s) read as Windows-1252, {utf8_lines} as UTF-8")
    if replaced_lines:
        parts.append(
            f"{replaced_lines} line(s) hold bytes undefined in Windows-1252, replaced by U+FFFD"
        )
    return _CsvText(
        b"".join(out),
        0,
        "utf-8+cp1252" if mixed else "cp1252",
        line_notes,
        "; ".join(parts) + " (rows flagged in _read_note)" if parts else None,
    )


class _LineFeeder:
    """Feeds csv.reader one physical line at a time and knows the byte offset reached.

    csv.reader pulls lines only as it needs them, so after each record `position` is the byte
    offset where the next record starts: that is how the data part is handed to pyarrow. A line
    ends at CRLF, LF or a lone CR (files pasted from several editors mix them), as pyarrow reads.
    """

    def __init__(self, data: bytes, start: int):
        self.data = data
        self.position = start

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.data):
            raise StopIteration
        newline = LINE_END.search(self.data, self.position)
        end = len(self.data) if newline is None else newline.end()
        line = self.data[self.position : end].decode("utf-8")
        self.position = end
        return line


def _head_records(
    data: bytes, start: int, delimiter: str, plain: bool = False
) -> list[tuple[list[str], int]]:
    """The first records (cells, byte offset after the record), enough to find the header.

    `plain`: one record per physical line, quote characters kept out of the cells (to read
    past a stray quote above the data).
    """
    feeder = _LineFeeder(data, start)
    records: list[tuple[list[str], int]] = []
    non_blank = 0
    reader = (
        (
            [cell.strip().strip('"') for cell in cells]
            for cells in csv.reader(feeder, delimiter=delimiter, quoting=csv.QUOTE_NONE)
        )
        if plain
        else csv.reader(feeder, delimiter=delimiter)
    )
    try:
        for cells in reader:
            records.append((cells, feeder.position))
            if not is_blank_record(cells):
                non_blank += 1
            if non_blank > MAX_TITLE_RECORDS or len(records) >= HEAD_RECORDS_LIMIT:
                break
    except csv.Error as problem:
        if not records:
            raise UnreadableFile(f"not readable as CSV ({problem})") from None
    return records


def _choose_delimiter(
    data: bytes, start: int, tables: Sequence[Table], plain: bool = False
) -> tuple[str, list[tuple[list[str], int]]]:
    """The delimiter whose header record names the most known columns (`,` on a tie)."""
    best: tuple[int, str, list[tuple[list[str], int]]] | None = None
    for delimiter in CSV_DELIMITERS:
        head = _head_records(data, start, delimiter, plain)
        count = known_column_count([cells for cells, _ in head], tables)
        if best is None or count > best[0]:
            best = (count, delimiter, head)
    assert best is not None  # CSV_DELIMITERS is not empty
    return best[1], best[2]


def _field_names(count: int) -> list[str]:
    return [f"field_{i}" for i in range(count)]


def _read_csv_body_fast(
    data: bytes, start: int, delimiter: str, field_count: int
) -> pa.Table | None:
    """The records after the header as string columns via pyarrow, or None to fall back.

    Falls back (None) when any record has a different number of fields than the header or
    pyarrow cannot parse the text: the exact reader then numbers and judges every record.
    Blank lines are kept (as all-null rows) so row numbers stay positional.
    """
    names = _field_names(field_count)
    if start >= len(data):
        return pa.table({name: pa.array([], pa.string()) for name in names})
    ragged_rows: list[pa_csv.InvalidRow] = []

    def note_ragged_row(row: pa_csv.InvalidRow) -> str:
        ragged_rows.append(row)
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data).slice(start),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=note_ragged_row,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if ragged_rows:
        return None
    return table


def _read_csv_body_exact(
    file: _FileInfo,
    text: _CsvText,
    start: int,
    delimiter: str,
    field_count: int,
    header: HeaderMatch,
) -> tuple[pa.Table, list[RejectedRow]]:
    """The records after the header via Python's csv module, judging each record on its own.

    Used for the files pyarrow will not take as they are: ragged records, an unterminated quote,
    lines that needed a note while decoding. Returns the cell table (with `_row_number` and
    `_read_note` columns: rejected records leave gaps) and the rejected rows.

    A stray quote swallows the lines after it into one field, up to the next quote character
    in the file or to its end. The record where it opens is rejected (`unterminated_quote`),
    and reading starts again on the next physical line, so the rows after it are still read
    (and each accounted for) instead of vanishing into one cell.
    """
    data = text.data
    note_offsets = [offset for offset, _ in text.line_notes]
    rows: list[list[str | None]] = []
    row_numbers: list[int] = []
    row_notes: list[str | None] = []
    rejected: list[RejectedRow] = []
    feeder = _LineFeeder(data, start)
    row_number = 0
    while feeder.position < len(data):
        record_start = feeder.position
        restart_at = None
        try:
            for cells in csv.reader(feeder, delimiter=delimiter):
                row_number += 1
                record_end = feeder.position
                column = _runaway_quote_field(cells, delimiter, field_count)
                if column is None and record_end >= len(data):
                    column = _unterminated_quote_field(data[record_start:record_end], delimiter)
                if column is not None:
                    rejected.append(_unterminated_quote(file, row_number, column, header))
                    restart_at = _next_line(data, record_start)
                    break
                lo = bisect.bisect_left(note_offsets, record_start)
                hi = bisect.bisect_left(note_offsets, record_end)
                note = "; ".join(dict.fromkeys(n for _, n in text.line_notes[lo:hi])) or None
                record_start = record_end
                if len(cells) > field_count:
                    extra = cells[field_count:]
                    if any(cell.strip() for cell in extra):
                        rejected.append(
                            _too_many_fields(file, "", row_number, len(cells), field_count)
                        )
                        continue
                    cells = cells[:field_count]
                rows.append(cells + [None] * (field_count - len(cells)))
                row_numbers.append(row_number)
                row_notes.append(note)
        except csv.Error as problem:
            # A quote left open swallows the rest of the file until the csv module's field
            # size limit (128 KiB) stops it: the same stray quote, found the other way.
            if "field larger than field limit" not in str(problem):
                raise UnreadableFile(f"not readable as CSV after the header ({problem})") from None
            row_number += 1
            restart_at = _next_line(data, record_start)
            column = _unterminated_quote_field(data[record_start:restart_at], delimiter)
            rejected.append(_unterminated_quote(file, row_number, column or 0, header))
        if restart_at is None:
            break
        feeder.position = restart_at
    columns = {
        name: pa.array([row[i] for row in rows], pa.string())
        for i, name in enumerate(_field_names(field_count))
    }
    columns["_row_number"] = pa.array(row_numbers, pa.int32())
    columns["_read_note"] = pa.array(row_notes, pa.string())
    return pa.table(columns), rejected


def _next_line(data: bytes, position: int) -> int:
    """Byte offset of the physical line after the one at `position`."""
    line_end = LINE_END.search(data, position)
    return len(data) if line_end is None else line_end.end()


def _runaway_quote_field(cells: list[str], delimiter: str, field_count: int) -> int | None:
    """Index of a quoted field that swallowed whole records, else None."""
    for index, cell in enumerate(cells):
        if _is_runaway_field(cell, index, delimiter, field_count):
            return index
    return None


def _is_runaway_field(cell: str, index: int, delimiter: str, field_count: int) -> bool:
    """Whether the quoted field at `index` was opened by a stray quote and swallowed a record.

    A quoted field may hold newlines and delimiters (an address on two lines, `JL. MAWAR, RT 01,
    RW 02` then `DUSUN KRAJAN, ...`). A field spanning lines that holds as many delimiters as a
    whole record has swallowed one when either one line inside it is a record (a delimiter
    per column), or two stray quotes paired up and the field holds the tail of one record and
    the head of the next. In the second case the field's first line is the rest of a record
    line after the stray quote: it holds no more delimiters than the record has columns to the
    field's right. An honest value whose first line holds more than that cannot be such a tail,
    whatever its delimiters in all (a narrow koperasi file, an address in the last column).
    """
    if field_count < 2 or cell.count(delimiter) < field_count - 1:
        return False
    lines = TEXT_LINE_END.split(cell)
    if len(lines) < 2:
        return False
    return lines[0].count(delimiter) <= field_count - 1 - index or any(
        line.count(delimiter) >= field_count - 1 for line in lines[1:-1]
    )


def _has_runaway_field(cells: pa.Table, delimiter: str, field_count: int) -> bool:
    """`_runaway_quote_field` over a whole cell table: Arrow finds the few cells spanning lines
    with a record's worth of delimiters, Python looks at those."""
    if field_count < 2:
        return False
    for index, column in enumerate(cells.columns):
        # The delimiter count first: one pass, and almost never true.
        many = pc.greater_equal(pc.count_substring(column, delimiter), field_count - 1)
        if not pc.any(many).as_py():
            continue
        spans_lines = pc.match_substring_regex(column, r"[\r\n]")
        candidates = column.filter(pc.and_(spans_lines, many)).to_pylist()
        if any(_is_runaway_field(c, index, delimiter, field_count) for c in candidates):
            return True
    return False


def _unterminated_quote_field(record: bytes, delimiter: str) -> int | None:
    """Index of the field whose quote is still open at the end of `record`, else None.

    The csv module's own rule: a quote opens a field only as its first character; inside, a
    doubled quote is a literal quote and a single one closes the field.
    """
    text = record.decode("utf-8")
    field_index, at_field_start, in_quote, i = 0, True, False, 0
    while i < len(text):
        char = text[i]
        if in_quote:
            if char == '"':
                if text[i + 1 : i + 2] == '"':
                    i += 1
                else:
                    in_quote = False
        elif at_field_start and char == '"':
            in_quote = True
        elif char == delimiter:
            field_index += 1
            at_field_start = True
            i += 1
            continue
        elif char in "\r\n":
            field_index, at_field_start = 0, True
            i += 1
            continue
        at_field_start = False
        i += 1
    return field_index if in_quote else None


def _unterminated_quote(
    file: _FileInfo, row_number: int, field_index: int, header: HeaderMatch
) -> RejectedRow:
    names = header.column_for_cell
    name = names[field_index] if field_index < len(names) else None
    column = name.upper() if name else f"field {field_index + 1}"
    return file.reject(
        sheet="",
        row_number=row_number,
        reason="unterminated_quote",
        message=(
            f"{file.source_path} row {row_number}: column {column} opens a quote that is not closed "
            "on its line and swallows the rows after it; this row is rejected and the lines "
            "after it are read as rows again"
        ),
    )


def _too_many_fields(
    file: _FileInfo, sheet: str, row_number: int, found: int, expected: int
) -> RejectedRow:
    return file.reject(
        sheet=sheet,
        row_number=row_number,
        reason="too_many_fields",
        message=(
            f"{file.where(sheet)} row {row_number}: {found} fields but the header has "
            f"{expected}; the {found - expected} extra field(s) are not empty"
        ),
    )


# --------------------------------------------------------------------------------------------
# xlsx


def _read_xlsx(file: _FileInfo, content: bytes) -> list[SheetRead]:
    parts = _inspect_xlsx(content)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as problem:
        raise UnreadableFile(f"not a readable .xlsx workbook ({problem})") from None
    with workbook:
        sheets = list(workbook.sheets_metadata)
        if not sheets:
            raise UnreadableFile("the workbook has no sheets")
        reads = []
        for sheet in sheets:
            part = parts.get(sheet.name, _SheetPart())
            read = _read_sheet(file, workbook, sheet.name, part)
            if sheet.visible != SheetVisibleEnum.Visible:
                read = _hidden(file, sheet.name, read)
            reads.append(read)
        return reads


def _hidden(file: _FileInfo, sheet: str, read: SheetRead) -> SheetRead:
    """A hidden sheet is not data: it is where stale copies and working tables are kept.

    Read as data, a hidden copy of a stage doubles that stage's money with nothing visible to
    the person who checks the workbook. Its rows are still listed (rejected, `hidden_sheet`) so
    every raw row stays accounted for, and the sheet is recorded as skipped with a note.
    """
    where = file.where(sheet)
    if read.record.status == "loaded":
        return _reject_all(
            read,
            "skipped",
            "hidden_sheet",
            f"{where}: hidden sheet, not read as data; its {read.record.data_rows} row(s) are "
            "rejected as hidden_sheet",
        )
    read.record.message = _join_notes(f"{where}: hidden sheet", read.record.message)
    return read


# A sheet is read only if its cells fit in this many (rows x columns of the used range): a
# stray cell at XFD1048576 makes the xlsx reader allocate 17 billion cells and abort the whole
# process, which no try/except can catch. 20 million is a full sheet of 20 columns.
MAX_SHEET_CELLS = 20_000_000
LAST_ROW = re.compile(rb'<row (?:[^>]*?\s)?r="(\d+)"')
ANY_REF = re.compile(rb'r="([A-Z]{0,3})(\d+)"')
WIDE_COLUMN = re.compile(rb'r="([A-Z]{2,3})\d')
CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class _SheetPart:
    """What the sheet's XML says before the xlsx reader sees it."""

    too_large: str | None = None  # why the sheet is not handed to the reader at all
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)  # 0-based (row, col)
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # 0-based -> `#N/A`
    has_nul: bool = True  # unknown until inspected: then look for NULs in the cells


def _inspect_xlsx(content: bytes) -> dict[str, _SheetPart]:
    """Per sheet name: its used size and its formula cells saved without a value.

    Reads the sheet XML directly (zip + regex; ElementTree only for sheets holding formulas),
    so a sheet that would crash the reader is found before it is read. Anything unexpected
    here is left to the reader, which reports it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PACKAGE_REL_NS}Relationship")}
    parts: dict[str, _SheetPart] = {}
    for sheet in workbook.iter(f"{MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{REL_NS}id"), "")
        member = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        )
        try:
            xml = archive.read(member)
        except Exception:
            continue
        name = sheet.get("name")
        if name is not None:  # a sheet without a name is left to the reader, which reports it
            parts[name] = _inspect_sheet_xml(xml)
    return parts


def _inspect_sheet_xml(xml: bytes) -> _SheetPart:
    part = _SheetPart(has_nul=b"\x00" in xml or b"_x0000_" in xml)
    last_row, widest = _used_size(xml)
    if last_row * widest > MAX_SHEET_CELLS:
        part.too_large = (
            f"cells reach row {last_row:,} and column {_column_name(widest)} "
            f"({last_row * widest:,} cells, more than the {MAX_SHEET_CELLS:,} a sheet may hold "
            "here); not read"
        )
        return part
    if b"<f" in xml or b":f>" in xml or b't="e"' in xml:
        for _, element in ElementTree.iterparse(io.BytesIO(xml)):
            if element.tag.endswith("}c") or element.tag == "c":
                children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                value = children.get("v")
                if element.get("t") == "e" and value is not None and (value.text or "").strip():
                    match = CELL_REF.fullmatch(element.get("r") or "")
                    if match:
                        position = (int(match[2]) - 1, _column_number(match[1]) - 1)
                        part.error_cells[position] = (value.text or "").strip()
                if "f" in children and (value is None or not (value.text or "").strip()):
                    match = CELL_REF.fullmatch(element.get("r") or "")
                    if match:
                        part.formulas_without_value.add(
                            (int(match[2]) - 1, _column_number(match[1]) - 1)
                        )
                element.clear()
    return part


def _used_size(xml: bytes) -> tuple[int, int]:
    """(last row number, widest column number) the sheet's cells reach, as the reader sees it.

    Cheap for the usual sheet: rows come in order, so the last `<row` tag holds the last row, and
    one search proves no reference has more row digits than it. Columns past Z are looked up
    only when some reference has two or more letters. Anything odd gets a full scan.
    """
    last_tag = xml.rfind(b"<row ")
    match = LAST_ROW.match(xml, last_tag) if last_tag >= 0 else None
    last_row = int(match[1]) if match else 0
    longer = re.compile(rb'r="[A-Z]{0,3}\d{%d,}"' % (len(str(last_row)) + 1))
    if match is None or longer.search(xml):
        references = ANY_REF.findall(xml)
        last_row = max((int(row) for _, row in references), default=0)
        widest = max(
            (_column_number(letters.decode()) for letters, _ in references if letters), default=1
        )
        return last_row, widest
    widest = max((_column_number(c.decode()) for c in WIDE_COLUMN.findall(xml)), default=26)
    return last_row, widest


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _column_name(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _read_sheet(
    file: _FileInfo, workbook: CalamineWorkbook, sheet: str, part: _SheetPart
) -> SheetRead:
    base: dict[str, str | int] = dict(encoding="xlsx")
    if part.too_large:
        return SheetRead(
            file.record(
                sheet, status="failed", message=f"{file.where(sheet)}: {part.too_large}", **base
            )
        )
    try:
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as problem:
        return SheetRead(
            file.record(
                sheet,
                status="failed",
                message=f"{file.where(sheet)}: unreadable sheet ({type(problem).__name__}: {problem})",
                **base,
            )
        )
    head = [[_cell_text(v) for v in row] for row in rows[:HEAD_RECORDS_LIMIT]]
    header = find_header(head, file.tables)
    if header is None:
        note = _no_header_problem(file, sheet).replace(
            ": no header row", ": skipped, no header row"
        )
        return SheetRead(file.record(sheet, status="skipped", message=note, **base))
    base.update(table_name=header.table.name, header_record=header.record_index + 1)

    header_cells = head[header.record_index]
    field_count = max((i + 1 for i, cell in enumerate(header_cells) if cell is not None), default=0)
    identity_cells = [
        (index, column.name)
        for column in header.table.columns
        if column.is_identity_number and column.name in header.column_for_cell
        for index in [header.column_for_cell.index(column.name)]
    ]
    # Formula cells saved without a value (written by a program, never opened in Excel) read
    # as empty: in a column we keep, the row's value is unknown, not blank, so the row is
    # rejected rather than loaded with a hole where its NIK should be.
    formula_columns: dict[int, list[int]] = {}
    for row_index, column_index in part.formulas_without_value:
        is_kept_column = column_index < field_count and header.column_for_cell[column_index]
        if row_index > header.record_index and is_kept_column:
            formula_columns.setdefault(row_index - header.record_index, []).append(column_index)
    cell_rows: list[list[str | None]] = []
    row_numbers: list[int] = []
    numeric_identity: list[str | None] = []
    rejected: list[RejectedRow] = []
    # Error cells (`#N/A`, `#REF!`) read as empty, which would turn a NIK the sheet shows as
    # `#N/A` into a blank one. They keep the text the sheet shows, as a CSV export would.
    errors_by_row: dict[int, list[tuple[int, str]]] = {}
    for (row_index, column_index), text in part.error_cells.items():
        errors_by_row.setdefault(row_index, []).append((column_index, text))
    row: Sequence[object]
    first_extra: str | None = None  # the first cell right of the header, e.g. `I7`
    rows_with_extra = 0
    for row_number, row in enumerate(rows[header.record_index + 1 :], start=1):
        errors = errors_by_row.get(header.record_index + row_number)
        if errors:
            padded: list[object] = list(row)
            for column_index, text in errors:
                padded.extend([None] * (column_index + 1 - len(padded)))
                padded[column_index] = text
            row = padded
        # A value right of the header's last named cell is in a column without a name: an
        # unknown extra column (a note typed beside the row), kept nowhere, the row read as any
        # other. Not `too_many_fields` as in a CSV, where an unquoted delimiter shifts the
        # fields and the row cannot be trusted: a cell cannot shift.
        extra_at = next(
            (i for i, v in enumerate(row[field_count:]) if _cell_text(v) is not None), None
        )
        if extra_at is not None:
            rows_with_extra += 1
            if first_extra is None:
                column = _column_name(field_count + 1 + extra_at)
                first_extra = f"{column}{header.record_index + 1 + row_number}"
        if row_number in formula_columns:
            rejected.append(
                _formula_without_value(
                    file, sheet, header, row_number, sorted(formula_columns[row_number])
                )
            )
            continue
        cells = [_cell_text(v) for v in row[:field_count]]
        cell_rows.append(cells + [None] * (field_count - len(cells)))
        row_numbers.append(row_number)
        numeric = [
            name for index, name in identity_cells if index < len(row) and _is_number(row[index])
        ]
        numeric_identity.append(",".join(numeric) if numeric else None)
    columns = {
        name: pa.array([row[i] for row in cell_rows], pa.string())
        for i, name in enumerate(_field_names(field_count))
    }
    columns["_row_number"] = pa.array(row_numbers, pa.int32())
    columns["_id_numeric_cells"] = pa.array(numeric_identity, pa.string())
    cells_table = pa.table(columns)
    if not header.is_complete:
        return _failed_with_rows(
            file,
            sheet,
            header,
            cells_table,
            rejected,
            _header_problem(file, sheet, header),
            base,
            part.has_nul,
        )
    read = _finish_sheet(file, sheet, header, cells_table, rejected, base, part.has_nul)
    if rows_with_extra:
        read.record.message = _join_notes(
            read.record.message,
            f"{file.where(sheet)}: {rows_with_extra} row(s) hold values right of the header's "
            f"last column, first in cell {first_extra} (a column without a name: ignored, "
            "the rows are read)",
        )
    if formula_columns:
        read.record.message = _join_notes(
            read.record.message,
            f"{file.where(sheet)}: {len(formula_columns)} row(s) hold formulas saved without "
            "their values (rejected as formula_without_value; open and save the file in a "
            "spreadsheet program to store the values)",
        )
    return read


def _formula_without_value(
    file: _FileInfo, sheet: str, header: HeaderMatch, row_number: int, column_indexes: list[int]
) -> RejectedRow:
    cells = ", ".join(
        f"{(header.column_for_cell[i] or '').upper()} "  # kept columns: always named
        f"(cell {_column_name(i + 1)}{header.record_index + 1 + row_number})"
        for i in column_indexes
    )
    return file.reject(
        sheet=sheet,
        row_number=row_number,
        reason="formula_without_value",
        message=f"{file.where(sheet)} row {row_number}: formula saved without its value in {cells}",
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell_text(value: object) -> str | None:
    """An xlsx cell as the text docs/raw-tables.md promises; None for empty cells."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer():
            return str(int(value))  # 3509015501800000.0 -> "3509015501800000", no exponent
        # 15 significant digits, as the spreadsheet shows it (90.30800000000001 -> 90.308),
        # then plain notation (1e-07 -> "0.0000001").
        text = format(decimal.Decimal(format(value, ".15g")), "f")
        # A typed number keeps its value. Exactly three decimals would read as thousands under
        # the contract's rule for written numbers (`90.308` -> 90308), so they get a fourth.
        if len(text) - text.index(".") == 4:
            text += "0"
        return text
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)  # durations and anything newer calamine may return


# --------------------------------------------------------------------------------------------
# shared by CSV and xlsx


def _finish_sheet(
    file: _FileInfo,
    sheet: str,
    header: HeaderMatch,
    cells: pa.Table,
    rejected: list[RejectedRow],
    base: dict[str, str | int],
    has_nul: bool = True,
) -> SheetRead:
    """Turn the cell table of one sheet into raw rows: NULLs, non-data rows, canonical columns.

    `cells` holds one string column per header field (`field_<i>`), optionally `_row_number`
    (else records are numbered 1.. in order), `_id_numeric_cells` and `_read_note`.
    A record that repeats the header (a file pasted together from pieces) is rejected as
    `repeated_header`; when it names the columns in another order, the rows after it are read
    with its order.
    """
    field_names = [name for name in cells.column_names if name.startswith("field_")]
    row_count = cells.num_rows
    raw_fields = [cells.column(name).combine_chunks() for name in field_names]
    # has_nul: whether the file holds a NUL byte at all (one C-speed search by the caller).
    fields = [_blank_to_null(column, has_nul) for column in raw_fields]
    is_data = _is_data_row(fields, row_count)

    row_numbers = (
        cells.column("_row_number").combine_chunks()
        if "_row_number" in cells.column_names
        else pa.array(np.arange(1, row_count + 1, dtype=np.int32))
    )
    optional = {
        name: (
            cells.column(name).combine_chunks()
            if name in cells.column_names
            else pa.nulls(row_count, pa.string())
        )
        for name in ("_id_numeric_cells", "_read_note")
    }
    field_for_column = {column: i for i, column in enumerate(header.column_for_cell) if column}
    column_arrays = {
        name: fields[index]
        if index is not None and index < len(fields)
        else pa.nulls(row_count, pa.string())
        for name in header.table.column_names
        for index in [field_for_column.get(name)]
    }
    is_data, column_arrays, header_rejections = _repeated_headers(
        file, sheet, header, fields, is_data, row_numbers, column_arrays
    )
    nul_rejections = _nul_records(file, sheet, raw_fields, fields, row_numbers) if has_nul else []
    rejected = sorted(rejected + header_rejections + nul_rejections, key=lambda r: r.row_number)
    data_count = pc.sum(is_data).as_py() or 0

    arrays = [pc.filter(column_arrays[name], is_data) for name in header.table.column_names]
    arrays += [
        _constant(file.source, data_count),
        _constant(file.source_path, data_count),
        _constant(sheet, data_count),
        pc.filter(row_numbers, is_data),
        _constant(file.sha256, data_count),
        pc.filter(optional["_id_numeric_cells"], is_data),
        pc.filter(optional["_read_note"], is_data),
    ]
    schema = raw_table_schema(header.table)
    data = pa.Table.from_arrays(
        [_as_chunked(array) for array in arrays], schema=schema
    ).combine_chunks()
    record = file.record(
        sheet,
        status="loaded",
        data_rows=data_count,
        non_data_rows=row_count - data_count - len(header_rejections) - len(nul_rejections),
        rejected_rows=len(rejected),
        **base,
    )
    return SheetRead(record, data, rejected)


def _nul_records(
    file: _FileInfo,
    sheet: str,
    raw_fields: list[pa.Array],
    fields: list[pa.Array],
    row_numbers: pa.Array,
) -> list[RejectedRow]:
    """Records that hold nothing but NUL bytes (and blanks): a damaged stretch of the file.

    Not blank (something was there and is lost), not data: rejected as `nul_bytes`, so a row
    overwritten by NULs is accounted for and a NUL tail is visible rather than silently dropped.
    """
    with_nul = [pc.fill_null(pc.match_substring(column, "\x00"), False) for column in raw_fields]
    if not any(pc.any(mask).as_py() for mask in with_nul):
        return []
    any_nul = with_nul[0]
    for mask in with_nul[1:]:
        any_nul = pc.or_(any_nul, mask)
    is_blank = (
        pc.invert(pc.is_valid(pc.coalesce(*fields))) if len(fields) > 1 else pc.is_null(fields[0])
    )
    damaged = pc.and_(any_nul, is_blank)
    return [
        file.reject(
            sheet=sheet,
            row_number=number,
            reason="nul_bytes",
            message=f"{file.where(sheet)} row {number}: holds only NUL bytes (the file is damaged here)",
        )
        for number in pc.filter(row_numbers, damaged).to_pylist()
    ]


def _repeated_headers(
    file: _FileInfo,
    sheet: str,
    header: HeaderMatch,
    fields: list[pa.Array],
    is_data: pa.Array,
    row_numbers: pa.Array,
    column_arrays: dict[str, pa.Array],
) -> tuple[pa.Array, dict[str, pa.Array], list[RejectedRow]]:
    """Find data records that are a header again; reject them and remap the rows after them.

    Cheap first: only records whose first required column holds a header name are looked at in
    Python (matched the same way as the header itself). Any column's name, not only that
    column's: a piece pasted with its columns in another order has another name there.
    """
    first_required = next(
        (
            i
            for i, c in enumerate(header.column_for_cell)
            if c in header.table.required and i < len(fields)
        ),
        None,
    )
    if first_required is None or not len(is_data):
        return is_data, column_arrays, []
    names = list(header_lookup(header.table))
    # contract.normalise_header, in Arrow
    stripped = pc.replace_substring_regex(fields[first_required], r"[\s._/\\-]+|\x{feff}", "")
    normalised = pc.utf8_upper(stripped)
    candidates = pc.and_(
        pc.fill_null(pc.is_in(normalised, pa.array(names, pa.string())), False), is_data
    )
    indexes = pc.indices_nonzero(candidates).to_pylist()
    if not indexes:
        return is_data, column_arrays, []
    positions = pa.array(np.arange(len(is_data), dtype=np.int64))
    rejections: list[RejectedRow] = []
    header_rows: list[int] = []
    current = header.column_for_cell
    for index in indexes:
        record = [f[index].as_py() for f in fields]
        match = match_record(0, record, header.table)
        if not match.is_complete:
            continue
        header_rows.append(index)
        number = row_numbers[index].as_py()
        mapping = match.column_for_cell
        note = "the header repeated inside the data (a file pasted together from pieces)"
        if mapping != current:
            note += "; the rows after it follow its column order"
            after = pc.greater(positions, index)  # a later repeat overwrites from its own row on
            field_for_column = {column: i for i, column in enumerate(mapping) if column}
            for name in header.table.column_names:
                i = field_for_column.get(name)
                new = (
                    fields[i]
                    if i is not None and i < len(fields)
                    else pa.nulls(len(is_data), pa.string())
                )
                column_arrays[name] = pc.if_else(after, new, column_arrays[name])
            current = mapping
        rejections.append(
            file.reject(
                sheet=sheet,
                row_number=number,
                reason="repeated_header",
                message=f"{file.where(sheet)} row {number}: {note}",
            )
        )
    if header_rows:
        is_header = pc.is_in(positions, value_set=pa.array(header_rows, pa.int64()))
        is_data = pc.and_(is_data, pc.invert(is_header))
    return is_data, column_arrays, rejections


def _reject_all(read: SheetRead, status: str, reason: str, message: str) -> SheetRead:
    """A sheet not taken as data whose rows can still be split: each data row is rejected.

    Keeps conservation (every raw row placed or rejected) for failed files and hidden sheets.
    """
    record = read.record
    rejected = list(read.rejected)
    if read.data is not None:
        for number in read.data.column("_row_number").to_pylist():
            rejected.append(
                RejectedRow(
                    record.source, record.source_path, record.sheet, number, reason, message
                )
            )
    rejected.sort(key=lambda r: r.row_number)
    record.status = status
    record.message = message
    record.rejected_rows = len(rejected)
    record.data_rows = 0
    return SheetRead(record, None, rejected)


def _failed_with_rows(
    file: _FileInfo,
    sheet: str,
    header: HeaderMatch,
    cells: pa.Table,
    rejected: list[RejectedRow],
    problem: str,
    base: dict[str, str | int],
    has_nul: bool = True,
) -> SheetRead:
    read = _finish_sheet(file, sheet, header, cells, rejected, base, has_nul)
    return _reject_all(read, "failed", "file_failed", problem)


def _blank_to_null(
    column: pa.ChunkedArray | pa.Array, has_nul: bool = True
) -> pa.ChunkedArray | pa.Array:
    """Empty and whitespace-only cells are NULL; other text is kept exactly (not trimmed).

    NUL bytes count as blank too: they are no text anyone typed but the padding an interrupted
    copy or a preallocated file leaves (a tail of NULs would otherwise load as a person row).
    Looked for only when the file holds one (`has_nul`), to keep the common case one pass.
    """
    is_blank = pc.equal(pc.utf8_trim_whitespace(column), "")
    if has_nul and pc.any(pc.match_substring(column, "\x00")).as_py():
        is_blank = pc.or_(is_blank, pc.match_substring_regex(column, r"^[\s\x00]*$"))
    return pc.if_else(is_blank, pa.scalar(None, pa.string()), column)


def _is_data_row(fields: list[pa.Array], row_count: int) -> pa.Array:
    """Vectorised `contract.is_non_data_row`, negated: not blank and not a totals row.

    A row is blank when every cell is NULL (after `_blank_to_null`); a totals row's first
    non-empty cell starts with JUMLAH or TOTAL, in any case, after leading spaces.
    """
    if not fields:
        return pa.array(np.zeros(row_count, dtype=bool))
    first_cell = pc.coalesce(*fields) if len(fields) > 1 else fields[0]
    upper = pc.utf8_upper(pc.utf8_ltrim_whitespace(first_cell))
    is_totals = pc.or_(pc.starts_with(upper, "JUMLAH"), pc.starts_with(upper, "TOTAL"))
    is_data = pc.and_(pc.is_valid(first_cell), pc.invert(pc.fill_null(is_totals, False)))
    if isinstance(is_data, pa.ChunkedArray):
        is_data = is_data.combine_chunks()
    return is_data


def _constant(value: str, length: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(length, dtype=np.int32)), pa.array([value], pa.string())
    )


def _as_chunked(array: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])
