"""When the pipeline runs by itself, and what follows every run.

- `jember_pipeline`: the whole pipeline for one reporting month (a partition: `jember run
  --period`, the UI's launchpad or a backfill). It renders the meeting report itself when it
  ends (hooks below), so every way of starting it leaves an up-to-date report.
- `jember_latest`: the pipeline for the month the data describes, with no partition to choose
  (`dagster job execute`, the raw-files sensor, the monthly schedule, `jember run` without
  --period): ingestion and the period-independent dbt models, then, from its dbt step's hook,
  `jember_pipeline`'s partition of the month the data describes for everything else.
- `raw_files_sensor` (off by default): one run per change of the files under raw/.
- `monthly_run` (off by default): the monthly run, on the 5th at 06:00 Asia/Jakarta.
- `report_after_other_run`: after a run the UI started on a selection of assets
  ("Materialize"), which is not `jember_pipeline` and has no hooks, the report job follows.
"""

import hashlib

import dagster as dg

from dagster_project.ingestion.assets import NO_MONTH_GIVEN, ingest_raw_files
from dagster_project.pipeline import MONTH_BY_CALLER, partition_key_of, step_of
from dagster_project.publishing.assets import publish
from dagster_project.quality.assets import great_expectations_gate
from dagster_project.reporting.assets import laporan
from dagster_project.reporting.report import reporting_period
from dagster_project.resources import PipelinePaths, run_lock_holder
from dagster_project.restricted.assets import restricted_files, verification_workbooks
from dagster_project.runstate import period_range
from dagster_project.transform.assets import jember_dbt_models, jember_dbt_period_models
from dagster_project.warehouse import connect_read_only

# The steps of a run without a period: first these (nothing in them depends on the period) ...
LATEST_ASSETS = [ingest_raw_files, jember_dbt_models]
# ... then the month the data describes: these, and the quality gate over everything.
MONTH_ASSETS = [jember_dbt_period_models, restricted_files, publish, verification_workbooks]


def month_asset_keys() -> set[dg.AssetKey]:
    return {key for asset in MONTH_ASSETS for key in asset.keys}


def month_check_keys() -> set[dg.AssetCheckKey]:
    """dbt's tests on the month's models, and the whole quality gate (it validates after every
    model of the run is built, the period-independent ones included)."""
    return {
        *(key for asset in MONTH_ASSETS for key in asset.check_keys),
        *great_expectations_gate.check_keys,
    }


report_job = dg.define_asset_job(
    "jember_report",
    selection=dg.AssetSelection.groups("reports"),
    description="Render the meeting report from the latest pipeline run, published or blocked.",
)


def report_partition(paths: PipelinePaths) -> str:
    """The partition the report is rendered for: the period the warehouse holds (what its
    figures describe; the run's own partition once its dbt step has run), else this month."""
    import duckdb

    try:
        with connect_read_only(paths.warehouse) as con:
            return partition_key_of(reporting_period(con))
    except duckdb.Error:  # no warehouse yet: a first run that failed before writing one
        return partition_key_of(period_range()[1])


def _render_report(context: dg.HookContext) -> None:
    """The report as its own run of `jember_report`, in this process (the run lock is
    re-entrant within a process): inside `jember_pipeline` a blocked gate would skip it, and a
    blocked run is exactly when the meeting must be told why."""
    result = dg.materialize(
        [laporan],
        instance=context.instance,
        resources={"paths": context.resources.paths},
        partition_key=report_partition(context.resources.paths),
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
    error = str(context.op_exception or "")
    if "another jember run is using data dir" not in error and NO_MONTH_GIVEN not in error:
        _render_report(context)


pipeline_job = dg.define_asset_job(
    "jember_pipeline",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("reports"),
    description="One reporting month (choose the partition): ingest raw/, build the dbt models, "
    "run the quality gate, publish; then the meeting report, published or blocked.",
    hooks={report_after_publish, report_after_failure},
)


@dg.success_hook(required_resource_keys={"paths"})
def then_the_month(context: dg.HookContext) -> None:
    """After `jember_latest`'s dbt step: `jember_pipeline`'s partition of the month the data
    describes, in this process (the run lock is re-entrant within a process), for every step
    not run yet. Not when the caller runs the month itself (`jember run`, run_pipeline)."""
    if context.step_key != jember_dbt_models.op.name:
        return
    run = context.instance.get_run_by_id(context.run_id)
    if run is not None and run.tags.get(MONTH_BY_CALLER):
        return
    from dagster_project.pipeline import data_month, run_month

    paths: PipelinePaths = context.resources.paths
    month = data_month(paths)
    context.log.info(f"the data describes {month}: running that partition")
    result = run_month(
        month,
        context.instance,
        raw_dir=paths.raw_dir,
        data_dir=paths.data_dir,
        after_run=context.run_id,
    )
    if not result.success:
        context.log.error(f"the run of {month} failed; see run {result.run_id}")


latest_job = dg.define_asset_job(
    "jember_latest",
    # no quality gate here: it runs in the month's run, once every model is built
    selection=dg.AssetSelection.assets(*LATEST_ASSETS).without_checks()
    | dg.AssetSelection.checks(*jember_dbt_models.check_keys),
    description="The month the data describes, with no partition to choose: ingest raw/ and "
    "build the dbt models that do not depend on the period, then run jember_pipeline's "
    "partition of the month the data describes for the rest (its report follows).",
    hooks={then_the_month, report_after_failure},
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
    job=latest_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED
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


# Agencies deliver by the first days of the month; the 5th leaves room for late files. The run
# is for the month the data describes (as `jember run` without --period), not a fixed partition.
monthly_run = dg.ScheduleDefinition(
    name="monthly_run",
    job=latest_job,
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
    if (
        run.job_name in (pipeline_job.name, latest_job.name, report_job.name)
        or "jember/after_run" in run.tags
    ):
        return dg.SkipReason(f"run {run.run_id} of {run.job_name} has its report already")
    if run.asset_selection and all(k.path[0] == "reports" for k in run.asset_selection):
        return dg.SkipReason(f"run {run.run_id} rendered only the report")
    # the run's month; a run of period-independent assets only: the month the warehouse holds
    partition = run.tags.get("dagster/partition") or report_partition(PipelinePaths())
    return dg.RunRequest(run_key=f"report-{run.run_id}", partition_key=partition)
