"""The restricted tier on disk: who is who, per raw row, and what was rejected.

data/restricted/person_xref.parquet   one row per kept raw DTKS and PKH row (repeats included)
data/restricted/rejected_rows.parquet one row per rejected raw row, with reason and message
data/restricted/verifikasi/<period>/  field-verification workbooks (dagster_project/verification.py)

Identifiable data: the folder is owner-only (0o700) and the files 0o600. Files are written
to a temporary name and renamed, so a reader never sees half a file.
"""

import os

import dagster as dg
import duckdb

from dagster_project.assets.dbt import jember_dbt_models
from dagster_project.resources import PipelinePaths
from dagster_project.verification import write_verification_workbooks

XREF_COLUMNS = "source, source_path, sheet, row_number, person_id, household_id, kode_desa, match_rule"
REJECTED_COLUMNS = "source, source_path, sheet, row_number, reason, message"

UPSTREAM = [
    k for k in jember_dbt_models.keys
    if k.path in (["intermediate", "int_person_xref"], ["intermediate", "rejected_rows"])
]


def write_restricted_files(warehouse, restricted_dir) -> dict[str, int]:
    """Write both Parquet files from the warehouse; returns the row count of each."""
    os.makedirs(restricted_dir, mode=0o700, exist_ok=True)
    os.chmod(restricted_dir, 0o700)  # also when the folder existed with looser rights
    queries = {
        "person_xref": f"select {XREF_COLUMNS} from intermediate.int_person_xref "
        "order by source, source_path, sheet, row_number",
        "rejected_rows": f"select {REJECTED_COLUMNS} from intermediate.rejected_rows "
        "order by source, source_path, sheet, row_number",
    }
    counts = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, query in queries.items():
            final = os.path.join(restricted_dir, f"{name}.parquet")
            temporary = final + ".tmp"
            # create the file owner-only before DuckDB writes into it
            os.close(os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
            # the path as a parameter: a data dir such as `data o'brien` must not end the string
            con.execute(f"copy ({query}) to ? (format parquet)", [temporary])
            os.chmod(temporary, 0o600)
            os.replace(temporary, final)
            counts[name] = con.execute(f"select count(*) from ({query})").fetchone()[0]
    return counts


@dg.asset(
    key=dg.AssetKey(["restricted", "person_xref_files"]),
    group_name="restricted",
    deps=UPSTREAM,
    kinds={"parquet"},
    description="data/restricted/person_xref.parquet and rejected_rows.parquet: identifiable, "
    "owner-only (0o700 folder, 0o600 files). Never published.",
)
def restricted_files(paths: PipelinePaths) -> dg.MaterializeResult:
    counts = write_restricted_files(paths.warehouse, paths.data / "restricted")
    return dg.MaterializeResult(
        metadata={f"{name}_rows": dg.MetadataValue.int(n) for name, n in counts.items()}
    )


@dg.asset(
    key=dg.AssetKey(["restricted", "verification_workbooks"]),
    group_name="restricted",
    # After the release: a delivery the gate blocks (a lost kecamatan file makes dozens of false
    # "not in DTKS" cases) must send no case to the field; the last good period's lists stay.
    deps=[
        *(k for k in jember_dbt_models.keys if k.path == ["restricted", "verification_list"]),
        dg.AssetKey(["published", "analyst_tier"]),
    ],
    kinds={"xlsx"},
    description="data/restricted/verifikasi/<period>/verifikasi-<kecamatan>-<period>.xlsx: per "
    "kecamatan, a sheet per desa listing the households and persons behind each targeting problem "
    "and suspected duplicate, with evidence and suggested action. Identifiable, owner-only. "
    "Written only when the period's release was published.",
)
def verification_workbooks(paths: PipelinePaths) -> dg.MaterializeResult:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        period = con.execute("select period from intermediate.int_reporting_period").fetchone()[0]
    written = write_verification_workbooks(paths.warehouse, paths.data / "restricted", period)
    return dg.MaterializeResult(
        metadata={
            "period": period,
            "workbooks": dg.MetadataValue.int(len(written)),
            "rows_listed": dg.MetadataValue.int(sum(written.values())),
        }
    )
