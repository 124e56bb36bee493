"""Finding the header row of a raw file and mapping its cells to canonical columns.

The rules come from the raw file contract: up to 6 title lines (and blank lines) may stand above
the header; the header is the first record that names every required column of one of the
source's tables; header text matches through ``contract.normalise_header`` and the aliases in
``contract.header_lookup``. Nothing here reads files: it works on records already split into
cells, so the CSV and the xlsx readers share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dagster_project.ingestion.contract import Table, header_lookup, normalise_header

# Title lines allowed above the header (contract: "up to 6"), so the header is at most the 7th
# non-blank record.
MAX_TITLE_RECORDS = 6
# A record naming fewer known columns than this does not look like a header at all.
MIN_KNOWN_COLUMNS_FOR_A_HEADER = 2


@dataclass(frozen=True)
class HeaderMatch:
    """A record read as the header of one contract table."""

    record_index: int  # 0-based position among the records given (blank records included)
    table: Table
    # Canonical column name for each cell of the header record; None for unknown cells, which
    # are dropped, and for the losing cell when two cells name the same column.
    column_for_cell: tuple[str | None, ...]
    missing_required: tuple[str, ...]  # required columns of `table` the header does not name

    @property
    def named_columns(self) -> set[str]:
        return {c for c in self.column_for_cell if c is not None}

    @property
    def is_complete(self) -> bool:
        return not self.missing_required


def is_blank_record(cells: Sequence[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def map_header_cells(cells: Sequence[object], table: Table) -> tuple[str | None, ...]:
    """Canonical column per header cell; unknown cells map to None.

    When two cells name the same canonical column, the cell whose normalised text is the
    canonical name itself wins (``NIK`` over ``NO NIK``); otherwise the first one does.
    """
    lookup = header_lookup(table)
    normalised = [normalise_header(cell) for cell in cells]
    cell_for_column: dict[str, int] = {}
    for index, text in enumerate(normalised):
        column = lookup.get(text)
        if column is None:
            continue
        if column not in cell_for_column:
            cell_for_column[column] = index
            continue
        canonical_text = normalise_header(column)
        if text == canonical_text and normalised[cell_for_column[column]] != canonical_text:
            cell_for_column[column] = index
    mapping: list[str | None] = [None] * len(cells)
    for column, index in cell_for_column.items():
        mapping[index] = column
    return tuple(mapping)


def match_record(record_index: int, cells: Sequence[object], table: Table) -> HeaderMatch:
    mapping = map_header_cells(cells, table)
    named = set(mapping)
    missing = tuple(name for name in table.required if name not in named)
    return HeaderMatch(record_index, table, mapping, missing)


def candidate_indexes(records: Sequence[Sequence[object]]) -> list[int]:
    """Indexes of the records that may be the header: the first 7 non-blank records."""
    indexes = []
    for index, cells in enumerate(records):
        if is_blank_record(cells):
            continue
        indexes.append(index)
        if len(indexes) > MAX_TITLE_RECORDS:
            break
    return indexes


def find_header(records: Sequence[Sequence[object]], tables: Sequence[Table]) -> HeaderMatch | None:
    """The header of the first records of a file or sheet, or None when nothing looks like one.

    Returns the first record that names all required columns of one of `tables` (on a tie
    between tables, the one naming more columns). Failing that, the record and table naming the
    most known columns (at least 2), with its missing required columns listed: the caller fails
    the file with them. None means no record names 2 known columns.
    """
    best: HeaderMatch | None = None
    for index in candidate_indexes(records):
        matches = [match_record(index, records[index], table) for table in tables]
        complete = [m for m in matches if m.is_complete]
        if complete:
            return max(complete, key=lambda m: len(m.named_columns))  # max keeps the first on ties
        for match in matches:
            if best is None or len(match.named_columns) > len(best.named_columns):
                best = match
    if best is not None and len(best.named_columns) >= MIN_KNOWN_COLUMNS_FOR_A_HEADER:
        return best
    return None


def known_column_count(records: Sequence[Sequence[object]], tables: Sequence[Table]) -> int:
    """The most known column names any candidate header record holds (to choose a delimiter)."""
    best = 0
    for index in candidate_indexes(records):
        for table in tables:
            best = max(best, len(match_record(index, records[index], table).named_columns))
    return best
