"""Notice new or changed files under raw/ and run the whole pipeline once per change."""


import hashlib

import dagster as dg

from dagster_project.resources import PipelinePaths

pipeline_job = dg.define_asset_job(
    "jember_pipeline",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("reports"),
    description="Ingest raw/, build the dbt models, run the quality gate, publish.",
)

report_job = dg.define_asset_job(
    "jember_report",
    selection=dg.AssetSelection.groups("reports"),
    description="Render the meeting report from the latest pipeline run, published or blocked.",
)


def raw_listing_fingerprint(paths: PipelinePaths) -> str:
    """Hash of (path, size, mtime) of every delivered file: cheap, no file is read."""
    digest = hashlib.sha256()
    root = paths.raw
    if root.is_dir():
        for f in sorted(p for p in root.rglob("*") if p.is_file()):
            if f.name.startswith((".", "~$")):
                continue
            stat = f.stat()
            digest.update(f"{f.relative_to(root).as_posix()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dg.sensor(job=pipeline_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED)
def raw_files_sensor(context: dg.SensorEvaluationContext, paths: PipelinePaths):
    fingerprint = raw_listing_fingerprint(paths)
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed files under raw/")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[pipeline_job],
    request_job=report_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def report_after_published_run(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=f"report-{context.dagster_run.run_id}")


@dg.run_failure_sensor(
    monitored_jobs=[pipeline_job],
    request_job=report_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def report_after_blocked_run(context: dg.RunFailureSensorContext):
    """A blocked gate fails the run; the report says why."""
    return dg.RunRequest(run_key=f"report-{context.dagster_run.run_id}")
