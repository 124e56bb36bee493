"""Everything Dagster shows: ingestion -> dbt models -> quality gate -> publish -> report."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.assets.dbt import dbt_project, jember_dbt_models
from dagster_project.assets.ingestion import ingest_raw_files
from dagster_project.assets.publishing import publish
from dagster_project.assets.quality import great_expectations_gate
from dagster_project.assets.restricted import restricted_files, verification_workbooks
from dagster_project.assets.reporting import laporan
from dagster_project.resources import DBT_EXECUTABLE, PipelinePaths, ReportingPeriod
from dagster_project.sensors import (
    pipeline_job,
    raw_files_sensor,
    report_after_blocked_run,
    report_after_published_run,
    report_job,
)

defs = dg.Definitions(
    assets=[ingest_raw_files, jember_dbt_models, publish, laporan, restricted_files, verification_workbooks],
    asset_checks=[great_expectations_gate],
    jobs=[pipeline_job, report_job],
    sensors=[raw_files_sensor, report_after_published_run, report_after_blocked_run],
    resources={
        "paths": PipelinePaths(
            raw_dir=dg.EnvVar("JEMBER_RAW_DIR"), data_dir=dg.EnvVar("JEMBER_DATA_DIR")
        ),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        # empty: the period is taken from the data; the UI's launchpad can set it per run
        "period": ReportingPeriod(period=os.environ.get("JEMBER_PERIOD", "")),
    },
    # One DuckDB file has one writer: steps run one after another in the run's process.
    executor=dg.in_process_executor,
)
