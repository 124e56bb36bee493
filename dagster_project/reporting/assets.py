"""The meeting report (Bahasa Indonesia), rendered after every pipeline run, blocked or not.

It runs as its own job (`jember_report`) after `jember_pipeline`, never inside it: inside, a
blocked gate would skip it, and a blocked run is exactly when the meeting must be told why.
"""

import dagster as dg

from dagster_project.publishing.release import current_release
from dagster_project.quality.validation import read_verdict
from dagster_project.reporting.report import reporting_period, write_report
from dagster_project.resources import PipelinePaths, share_with_analysts
from dagster_project.transform.assets import MONTHLY, period_of_partition
from dagster_project.warehouse import connect_read_only

REPORT_KEY = dg.AssetKey(["reports", "laporan"])
REPORT_MODELS = [
    "rpt_kabupaten",
    "rpt_desil",
    "rpt_bps_trend",
    "rpt_koperasi_tahapan",
    "rpt_kecamatan",
    "rpt_desa_perhatian",
    "rpt_masalah_instansi",
    "rpt_mutu_sumber",
    "rpt_mutu_kecamatan",
    "rpt_perubahan",
    "rpt_file_bermasalah",
    "rpt_kiriman_tidak_lengkap",
    "rpt_kiriman_janggal",
    "rpt_kunci_berlebih",
    "rpt_file_nominal_pkh",
]


@dg.asset(
    key=REPORT_KEY,
    group_name="reports",
    # the report's figures: the dbt models of dbt/models/reporting (schema `reporting`)
    deps=[dg.AssetKey(["reporting", name]) for name in REPORT_MODELS],
    kinds={"html", "pdf"},
    description="data/reports/laporan-<period>.html and .pdf: the coordination meeting's report, "
    "aggregates only, with the gate's verdict and the open data problems by agency. One "
    "partition per reporting month, rendered from the warehouse holding that month.",
    partitions_def=MONTHLY,
)
def laporan(context: dg.AssetExecutionContext, paths: PipelinePaths) -> dg.MaterializeResult:
    period = period_of_partition(context.partition_key)
    if paths.warehouse.exists():
        with connect_read_only(paths.warehouse) as con:
            held = reporting_period(con)
        if held != period:
            # Its figures are the warehouse's; they would be another month's under this title.
            raise dg.Failure(
                description=f"The warehouse holds period {held}, not {period}: run that "
                "month's partition of jember_pipeline, which renders its report."
            )
    release = current_release(paths.published)
    files = write_report(
        paths.warehouse,
        paths.data / "reports",
        read_verdict(paths.quality),
        release.name if release else None,
        period=period,
    )
    # Runs create files owner-only; the report is for the meeting (aggregates only), as before.
    share_with_analysts(files.html.parent, recursive=False)
    for path in (files.html, files.pdf, files.html.with_suffix(".json")):
        if path and path.exists():
            share_with_analysts(path)
    context.log.info(
        f"report {files.html}"
        + (f" and {files.pdf.name}" if files.pdf else " (no PDF: Chromium not installed)")
    )
    return dg.MaterializeResult(
        metadata={
            "period": files.period,
            "html": dg.MetadataValue.path(str(files.html)),
            "pdf": dg.MetadataValue.path(str(files.pdf)) if files.pdf else "not rendered",
        }
    )
