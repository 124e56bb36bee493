"""When the pipeline runs by itself, and what follows every run.

- `jember_pipeline`: the whole pipeline. It renders the meeting report itself when it ends
  (hooks below), so every way of starting it leaves an up-to-date report: `jember run`,
  `dagster job execute`, the UI's launchpad, the raw-files sensor, the monthly schedule.
- `raw_files_sensor` (off by default): one run per change of the files under raw/.
- `monthly_run` (off by default): the monthly run, on the 5th at 06:00 Asia/Jakarta.
- `report_after_other_run`: after a run the UI started on a selection of assets
  ("Materialize"), which is not `jember_pipeline` and has no hooks, the report job follows.
"""

import hashlib

import dagster as dg

from dagster_project.pipeline import step_of
from dagster_project.reporting.assets import laporan
from dagster_project.resources import PipelinePaths, run_lock_holder

report_job = dg.define_asset_job(
    "jember_report",
    selection=dg.AssetSelection.groups("reports"),
    description="Render the meeting report from the latest pipeline run, published or blocked.",
)


def _render_report(context: dg.HookContext) -> None:
    """The report as its own run of `jember_report`, in this process (the run lock is
    re-entrant within a process): inside `jember_pipeline` a blocked gate would skip it, and a
    blocked run is exactly when the meeting must be told why."""
    result = dg.materialize(
        [laporan],
        instance=context.instance,
        resources={"paths": context.resources.paths},
        tags={"jember/after_run": context.run_id},
        raise_on_error=False,
    )
    if not result.success:
        context.log.error("the meeting report failed to render; see the jember_report run")


@dg.success_hook(required_resource_keys={"paths"})
def report_after_publish(context: dg.HookContext) -> None:
    # Publishing is the run's last word when it succeeds; other steps' success adds nothing.
    if context.step_key == step_of("publish"):
        _render_report(context)


@dg.failure_hook(required_resource_keys={"paths"})
def report_after_failure(context: dg.HookContext) -> None:
    # A failed step (the quality gate blocking, dbt, a publish refusal) ends what the report
    # can show; the report says why. Never after a refused run: it wrote nothing.
    if "another jember run is using data dir" not in str(context.op_exception or ""):
        _render_report(context)


pipeline_job = dg.define_asset_job(
    "jember_pipeline",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("reports"),
    description="Ingest raw/, build the dbt models, run the quality gate, publish; then the "
    "meeting report, published or blocked.",
    hooks={report_after_publish, report_after_failure},
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
            digest.update(
                f"{f.relative_to(root).as_posix()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


@dg.sensor(
    job=pipeline_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED
)
def raw_files_sensor(
    context: dg.SensorEvaluationContext, paths: PipelinePaths
) -> dg.RunRequest | dg.SkipReason:
    # A run it launched now would fail on the lock; the cursor stays, so the change is picked
    # up on the first tick after that run ends.
    holder = run_lock_holder(paths.data)
    if holder is not None:
        return dg.SkipReason(
            f"another run holds data dir {paths.data} (pid {holder.get('pid')}, started "
            f"{holder.get('started')}); waiting for it to end"
        )
    fingerprint = raw_listing_fingerprint(paths)
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed files under raw/")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)


# Agencies deliver by the first days of the month; the 5th leaves room for late files.
monthly_run = dg.ScheduleDefinition(
    name="monthly_run",
    job=pipeline_job,
    cron_schedule="0 6 5 * *",
    execution_timezone="Asia/Jakarta",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="The monthly run on the 5th at 06:00 WIB. Off until switched on in the UI.",
)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    request_job=report_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a UI run of selected assets (not jember_pipeline, which renders the "
    "report itself), render the report.",
)
def report_after_other_run(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    return _report_request(context.dagster_run)


@dg.run_failure_sensor(
    request_job=report_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a failed UI run of selected assets, render the report (it says why).",
)
def report_after_other_failed_run(
    context: dg.RunFailureSensorContext,
) -> dg.RunRequest | dg.SkipReason:
    return _report_request(context.dagster_run)


def _report_request(run: dg.DagsterRun) -> dg.RunRequest | dg.SkipReason:
    if run.job_name in (pipeline_job.name, report_job.name) or "jember/after_run" in run.tags:
        return dg.SkipReason(f"run {run.run_id} of {run.job_name} has its report already")
    if run.asset_selection and all(k.path[0] == "reports" for k in run.asset_selection):
        return dg.SkipReason(f"run {run.run_id} rendered only the report")
    return dg.RunRequest(run_key=f"report-{run.run_id}")
