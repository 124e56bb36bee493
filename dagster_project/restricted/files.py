"""The restricted tier on disk: who is who, per raw row, and what was rejected.

data/restricted/person_xref.parquet   one row per kept raw DTKS and PKH row (repeats included)
data/restricted/rejected_rows.parquet one row per rejected raw row, with reason and message
data/restricted/verifikasi/<period>/  field-verification workbooks (dagster_project/restricted/verification.py)

Identifiable data: the folder is owner-only (0o700) and the files 0o600. Files are written
to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster_project.warehouse import connect_read_only, scalar

XREF_COLUMNS = (
    "source, source_path, sheet, row_number, person_id, household_id, kode_desa, match_rule"
)
REJECTED_COLUMNS = "source, source_path, sheet, row_number, reason, message"


def write_restricted_files(warehouse: Path, restricted_dir: Path) -> dict[str, int]:
    """Write both Parquet files from the warehouse; returns the row count of each."""
    os.makedirs(restricted_dir, mode=0o700, exist_ok=True)
    os.chmod(restricted_dir, 0o700)  # also when the folder existed with looser rights
    queries = {
        "person_xref": f"select {XREF_COLUMNS} from intermediate.int_person_xref "
        "order by source, source_path, sheet, row_number",
        "rejected_rows": f"select {REJECTED_COLUMNS} from intermediate.rejected_rows "
        "order by source, source_path, sheet, row_number",
    }
    counts: dict[str, int] = {}
    with connect_read_only(warehouse) as con:
        for name, query in queries.items():
            final = os.path.join(restricted_dir, f"{name}.parquet")
            temporary = final + ".tmp"
            # create the file owner-only before DuckDB writes into it
            os.close(os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
            # the path as a parameter: a data dir such as `data o'brien` must not end the string
            con.execute(f"copy ({query}) to ? (format parquet)", [temporary])
            os.chmod(temporary, 0o600)
            os.replace(temporary, final)
            counts[name] = scalar(con, f"select count(*) from ({query})")
    return counts
