"""Ingestion: raw agency files (CSV, xlsx) into the `raw` schema of the warehouse DuckDB.

`ingest_source(raw_dir, source, con)` loads one source folder; `read_file(raw_dir, path,
source)` reads one file without DuckDB. Rules: docs/raw-contract.md; table schemas:
docs/raw-tables.md.
"""

from dagster_project.ingestion.load import IngestSummary, ingest_source, list_source_files
from dagster_project.ingestion.reader import IngestFileRecord, RejectedRow, SheetRead, read_file

__all__ = [
    "IngestFileRecord",
    "IngestSummary",
    "RejectedRow",
    "SheetRead",
    "ingest_source",
    "list_source_files",
    "read_file",
]
