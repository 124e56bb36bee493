"""Reading one raw file (CSV or xlsx) into Arrow tables of canonical text columns.

Everything here follows ../shared/raw-contract.md and docs/raw-tables.md: cells stay text,
empty or whitespace-only cells become NULL, blank and totals records are not data but keep
their record number, and a bad file is described (status ``failed`` with a message), never
raised. Nothing here touches DuckDB; ``load.py`` writes what this module returns.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from python_calamine import CalamineWorkbook

from dagster_project.contract import SOURCES, Table
from dagster_project.ingestion.header import (
    MAX_TITLE_RECORDS,
    HeaderMatch,
    find_header,
    is_blank_record,
    known_column_count,
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
        default_factory=lambda: dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
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
    try:
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


@dataclass(frozen=True)
class _FileInfo:
    source: str
    source_path: str
    sha256: str
    size_bytes: int
    tables: tuple[Table, ...]

    def record(self, sheet: str, **values) -> IngestFileRecord:
        return IngestFileRecord(
            source=self.source,
            source_path=self.source_path,
            sheet=sheet,
            table_name=values.pop("table_name", None),
            sha256=self.sha256,
            size_bytes=self.size_bytes,
            **values,
        )

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


def _read_csv(file: _FileInfo, content: bytes) -> SheetRead:
    data, start, encoding = _as_utf8(content)
    delimiter, head = _choose_delimiter(data, start, file.tables)
    header = find_header([cells for cells, _ in head], file.tables)
    base = dict(encoding=encoding, delimiter=delimiter)
    if header is None:
        return SheetRead(file.record("", status="failed", message=_no_header_problem(file, ""), **base))
    base.update(table_name=header.table.name, header_record=header.record_index + 1)
    if not header.is_complete:
        return SheetRead(
            file.record("", status="failed", message=_header_problem(file, "", header), **base)
        )

    body_start = head[header.record_index][1]
    field_count = len(head[header.record_index][0])
    cells = _read_csv_body_fast(data, body_start, delimiter, field_count)
    rejected: list[RejectedRow] = []
    if cells is None:
        cells, rejected = _read_csv_body_exact(file, data, body_start, delimiter, field_count)
    return _finish_sheet(file, "", header, cells, rejected, base)


def _as_utf8(content: bytes) -> tuple[bytes, int, str]:
    """UTF-8 bytes of the file, where its text starts (after a BOM), and the encoding found.

    Strict UTF-8 first (validated in chunks, so a large file is not held twice as text); else
    Windows-1252, transcoded to UTF-8 because pyarrow reads only UTF-8.
    """
    has_bom = content.startswith(codecs.BOM_UTF8)
    start = len(codecs.BOM_UTF8) if has_bom else 0
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    view = memoryview(content)
    try:
        for offset in range(start, len(content), UTF8_CHECK_CHUNK_BYTES):
            decoder.decode(view[offset : offset + UTF8_CHECK_CHUNK_BYTES])
        decoder.decode(b"", final=True)
        return content, start, "utf-8-sig" if has_bom else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content[start:].decode("cp1252").encode("utf-8"), 0, "cp1252"
    except UnicodeDecodeError as problem:
        raise UnreadableFile(
            f"neither UTF-8 nor Windows-1252 text (byte {problem.object[problem.start]:#04x} "
            f"at offset {problem.start + start})"
        ) from None


class _LineFeeder:
    """Feeds csv.reader one physical line at a time and knows the byte offset reached.

    csv.reader pulls lines only as it needs them, so after each record `position` is the byte
    offset where the next record starts: that is how the data part is handed to pyarrow.
    """

    def __init__(self, data: bytes, start: int):
        self.data = data
        self.position = start

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.data):
            raise StopIteration
        newline = self.data.find(b"\n", self.position)
        end = len(self.data) if newline < 0 else newline + 1
        line = self.data[self.position : end].decode("utf-8")
        self.position = end
        return line


def _head_records(data: bytes, start: int, delimiter: str) -> list[tuple[list[str], int]]:
    """The first records (cells, byte offset after the record), enough to find the header."""
    feeder = _LineFeeder(data, start)
    records: list[tuple[list[str], int]] = []
    non_blank = 0
    try:
        for cells in csv.reader(feeder, delimiter=delimiter):
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
    data: bytes, start: int, tables: Sequence[Table]
) -> tuple[str, list[tuple[list[str], int]]]:
    """The delimiter whose header record names the most known columns (`,` on a tie)."""
    best: tuple[int, str, list] | None = None
    for delimiter in CSV_DELIMITERS:
        head = _head_records(data, start, delimiter)
        count = known_column_count([cells for cells, _ in head], tables)
        if best is None or count > best[0]:
            best = (count, delimiter, head)
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
    ragged_rows = []

    def note_ragged_row(row) -> str:
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
    file: _FileInfo, data: bytes, start: int, delimiter: str, field_count: int
) -> tuple[pa.Table, list[RejectedRow]]:
    """The records after the header via Python's csv module, judging each record's width.

    Used for the few files pyarrow will not take as they are (ragged records). Returns the cell
    table (with a `_row_number` column: rejected records leave gaps) and the rejected rows.
    """
    rows: list[list[str | None]] = []
    row_numbers: list[int] = []
    rejected: list[RejectedRow] = []
    try:
        for row_number, cells in enumerate(
            csv.reader(_LineFeeder(data, start), delimiter=delimiter), start=1
        ):
            if len(cells) > field_count:
                extra = cells[field_count:]
                if any(cell.strip() for cell in extra):
                    rejected.append(_too_many_fields(file, "", row_number, len(cells), field_count))
                    continue
                cells = cells[:field_count]
            rows.append(cells + [None] * (field_count - len(cells)))
            row_numbers.append(row_number)
    except csv.Error as problem:
        raise UnreadableFile(f"not readable as CSV after the header ({problem})") from None
    columns = {
        name: pa.array([row[i] for row in rows], pa.string())
        for i, name in enumerate(_field_names(field_count))
    }
    columns["_row_number"] = pa.array(row_numbers, pa.int32())
    return pa.table(columns), rejected


def _too_many_fields(
    file: _FileInfo, sheet: str, row_number: int, found: int, expected: int
) -> RejectedRow:
    return RejectedRow(
        source=file.source,
        source_path=file.source_path,
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
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as problem:
        raise UnreadableFile(f"not a readable .xlsx workbook ({problem})") from None
    with workbook:
        sheet_names = list(workbook.sheet_names)
        if not sheet_names:
            raise UnreadableFile("the workbook has no sheets")
        return [_read_sheet(file, workbook, name) for name in sheet_names]


def _read_sheet(file: _FileInfo, workbook: CalamineWorkbook, sheet: str) -> SheetRead:
    base = dict(encoding="xlsx")
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
        note = _no_header_problem(file, sheet).replace(": no header row", ": skipped, no header row")
        return SheetRead(file.record(sheet, status="skipped", message=note, **base))
    base.update(table_name=header.table.name, header_record=header.record_index + 1)
    if not header.is_complete:
        return SheetRead(
            file.record(sheet, status="failed", message=_header_problem(file, sheet, header), **base)
        )

    header_cells = head[header.record_index]
    field_count = max((i + 1 for i, cell in enumerate(header_cells) if cell is not None), default=0)
    identity_cells = [
        (index, column.name)
        for column in header.table.columns
        if column.is_identity_number and column.name in header.column_for_cell
        for index in [header.column_for_cell.index(column.name)]
    ]
    cell_rows: list[list[str | None]] = []
    row_numbers: list[int] = []
    numeric_identity: list[str | None] = []
    rejected: list[RejectedRow] = []
    for row_number, row in enumerate(rows[header.record_index + 1 :], start=1):
        extra = [v for v in row[field_count:] if _cell_text(v) is not None]
        if extra:
            width = max(i + 1 for i, v in enumerate(row) if _cell_text(v) is not None)
            rejected.append(_too_many_fields(file, sheet, row_number, width, field_count))
            continue
        cells = [_cell_text(v) for v in row[:field_count]]
        cell_rows.append(cells + [None] * (field_count - len(cells)))
        row_numbers.append(row_number)
        numeric = [name for index, name in identity_cells if index < len(row) and _is_number(row[index])]
        numeric_identity.append(",".join(numeric) if numeric else None)
    columns = {
        name: pa.array([row[i] for row in cell_rows], pa.string())
        for i, name in enumerate(_field_names(field_count))
    }
    columns["_row_number"] = pa.array(row_numbers, pa.int32())
    columns["_id_numeric_cells"] = pa.array(numeric_identity, pa.string())
    return _finish_sheet(file, sheet, header, pa.table(columns), rejected, base)


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
        return format(decimal.Decimal(repr(value)), "f")  # 1e-07 -> "0.0000001"
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
    base: dict,
) -> SheetRead:
    """Turn the cell table of one sheet into raw rows: NULLs, non-data rows, canonical columns.

    `cells` holds one string column per header field (`field_<i>`), optionally `_row_number`
    (else records are numbered 1.. in order) and `_id_numeric_cells`.
    """
    field_names = [name for name in cells.column_names if name.startswith("field_")]
    row_count = cells.num_rows
    fields = [_blank_to_null(cells.column(name)) for name in field_names]
    is_data = _is_data_row(fields, row_count)

    row_numbers = (
        cells.column("_row_number")
        if "_row_number" in cells.column_names
        else pa.array(np.arange(1, row_count + 1, dtype=np.int32))
    )
    id_numeric = (
        cells.column("_id_numeric_cells")
        if "_id_numeric_cells" in cells.column_names
        else pa.nulls(row_count, pa.string())
    )
    data_count = pc.sum(is_data).as_py() or 0
    field_for_column = {column: i for i, column in enumerate(header.column_for_cell) if column}

    arrays = []
    for name in header.table.column_names:
        index = field_for_column.get(name)
        if index is None or index >= len(fields):
            arrays.append(pa.nulls(data_count, pa.string()))
        else:
            arrays.append(pc.filter(fields[index], is_data))
    arrays += [
        _constant(file.source, data_count),
        _constant(file.source_path, data_count),
        _constant(sheet, data_count),
        pc.filter(row_numbers, is_data),
        _constant(file.sha256, data_count),
        pc.filter(id_numeric, is_data),
    ]
    schema = raw_table_schema(header.table)
    data = pa.Table.from_arrays(
        [_as_chunked(array) for array in arrays], schema=schema
    ).combine_chunks()
    record = file.record(
        sheet,
        status="loaded",
        data_rows=data_count,
        non_data_rows=row_count - data_count,
        rejected_rows=len(rejected),
        **base,
    )
    return SheetRead(record, data, rejected)


def _blank_to_null(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Empty and whitespace-only cells are NULL; other text is kept exactly (not trimmed)."""
    is_blank = pc.equal(pc.utf8_trim_whitespace(column), "")
    return pc.if_else(is_blank, pa.scalar(None, pa.string()), column)


def _is_data_row(fields: list, row_count: int) -> pa.Array:
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


def _as_chunked(array) -> pa.ChunkedArray:
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])
