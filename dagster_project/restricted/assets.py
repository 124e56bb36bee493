"""Assets of the restricted tier: the person cross-reference and rejected rows as owner-only
Parquet files (files.py), and the field-verification workbooks (verification.py)."""

import dagster as dg

from dagster_project.resources import PipelinePaths
from dagster_project.restricted.files import write_restricted_files
from dagster_project.restricted.verification import write_verification_workbooks
from dagster_project.transform.assets import (
    MONTHLY,
    ONE_MONTH_PER_RUN,
    dbt_asset_keys,
    period_of_partition,
)
from dagster_project.warehouse import connect_read_only, scalar

UPSTREAM = [
    k
    for k in dbt_asset_keys()
    if k.path in (["intermediate", "int_person_xref"], ["intermediate", "rejected_rows"])
]


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
        *(k for k in dbt_asset_keys() if k.path == ["restricted", "verification_list"]),
        dg.AssetKey(["published", "analyst_tier"]),
    ],
    kinds={"xlsx"},
    description="data/restricted/verifikasi/<period>/verifikasi-<kecamatan>-<period>.xlsx: per "
    "kecamatan, a sheet per desa listing the households and persons behind each targeting problem "
    "and suspected duplicate, with evidence and suggested action. Identifiable, owner-only. "
    "Written only when the period's release was published. One partition per reporting month.",
    partitions_def=MONTHLY,
    backfill_policy=ONE_MONTH_PER_RUN,
)
def verification_workbooks(
    context: dg.AssetExecutionContext, paths: PipelinePaths
) -> dg.MaterializeResult:
    with connect_read_only(paths.warehouse) as con:
        period = scalar(con, "select period from intermediate.int_reporting_period")
    if period != period_of_partition(context.partition_key):
        raise dg.Failure(
            description=f"The warehouse holds period {period}, not "
            f"{period_of_partition(context.partition_key)}: run that month's partition of "
            "jember_pipeline first."
        )
    written = write_verification_workbooks(paths.warehouse, paths.data / "restricted", period)
    return dg.MaterializeResult(
        metadata={
            "period": period,
            "workbooks": dg.MetadataValue.int(len(written)),
            "rows_listed": dg.MetadataValue.int(sum(written.values())),
        }
    )
