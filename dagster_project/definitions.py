"""Everything Dagster shows: ingestion -> dbt models -> quality gate -> publish -> report.

Loads from a fresh clone with nothing set: the paths default to raw/ and data/ of the project
(PipelinePaths), dbt is the one beside this interpreter and its manifest is parsed when missing
(assets/dbt.py). `make dev`, `dagster job execute -m dagster_project.definitions -j
jember_latest` and `jember run` all run the same assets.

Reporting months are partitions (transform/assets.py MONTHLY) of every asset that depends on
the period: the dbt models downstream of int_reporting_period, publish, the verification
workbooks and the report. Ingestion and the other dbt models are not partitioned.
"""

import warnings

import dagster as dg

from dagster_project.ingestion.assets import ingest_raw_files
from dagster_project.publishing.assets import publish
from dagster_project.quality.assets import great_expectations_gate
from dagster_project.reporting.assets import laporan
from dagster_project.resources import PipelinePaths
from dagster_project.restricted.assets import restricted_files, verification_workbooks
from dagster_project.sensors import (
    latest_job,
    monthly_run,
    pipeline_job,
    raw_files_sensor,
    report_after_other_failed_run,
    report_after_other_run,
    report_job,
)
from dagster_project.transform.assets import (
    jember_dbt_models,
    jember_dbt_period_models,
)

# Who answers for each stage's data, by asset group (one place; the UI shows it per asset).
OWNERS_BY_GROUP = {
    "raw": "team:ingestion",
    "reference": "team:transformation",
    "staging": "team:transformation",
    "intermediate": "team:transformation",
    "identity": "team:resolution",
    "marts": "team:transformation",
    "restricted": "team:privacy",
    "published": "team:publishing",
    "reports": "team:reporting",
}
DEFAULT_OWNER = "team:jember-data"


def _with_owner(spec: dg.AssetSpec) -> dg.AssetSpec:
    if spec.owners:
        return spec
    return spec.replace_attributes(
        owners=[OWNERS_BY_GROUP.get(spec.group_name or "", DEFAULT_OWNER)]
    )


def _definitions() -> dg.Definitions:
    # map_asset_specs is marked "preview"; its warning would print on every load, among the
    # CLI's lines. (A function: Dagster accepts one Definitions object at module scope.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.Definitions(
            assets=[
                ingest_raw_files,
                jember_dbt_models,
                jember_dbt_period_models,
                publish,
                laporan,
                restricted_files,
                verification_workbooks,
            ],
            asset_checks=[great_expectations_gate],
            jobs=[pipeline_job, latest_job, report_job],
            schedules=[monthly_run],
            sensors=[raw_files_sensor, report_after_other_run, report_after_other_failed_run],
            resources={
                # empty: $JEMBER_RAW_DIR / $JEMBER_DATA_DIR, else raw/ and data/ of the project
                "paths": PipelinePaths(),
            },
            # One DuckDB file has one writer: steps run one after another in the run's process.
            executor=dg.in_process_executor,
        ).map_asset_specs(func=_with_owner)


defs = _definitions()
