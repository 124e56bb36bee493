"""Run the whole pipeline (the `jember_pipeline` job) in this process.

One way in for every caller that is not the Dagster UI: `jember run`, the benchmarks and the
tests that need a run in-process. The raw and data folders, the period and the run's options
are handed to the job as run config (never through this process's environment, which would
outlive the run).

Also here, without Dagster (the CLI asks before importing it): the inputs of the last run that
published, so a run on the same inputs can say "nothing new" and end in seconds.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_project.runstate import PROJECT_ROOT

if TYPE_CHECKING:  # Dagster is imported when a run starts, not with this module
    import dagster as dg

    from dagster_project.resources import PipelinePaths

LAST_PUBLISHED_RUN = "last-published-run.json"  # in the data dir

# The stage each step of a run belongs to (step keys are the ops' names), in the order a run
# takes them; the report is rendered last, by the job's hooks. One list for every view of a
# run by stage: the CLI's progress lines and the benchmark's table per stage.
STAGE_OF_STEP: dict[str, str] = {
    "ingest_raw_files": "ingest",
    "jember_dbt_models": "dbt",
    "jember_dbt_period_models": "dbt",
    "great_expectations_gate": "checks",
    "restricted__person_xref_files": "restricted",
    "published__analyst_tier": "publish",
    "restricted__verification_workbooks": "verifikasi",
    "reports__laporan": "report",
}


def steps_of(stage: str) -> tuple[str, ...]:
    """The steps (op names) of a stage, e.g. ("jember_dbt_models", "jember_dbt_period_models")."""
    return tuple(step for step, s in STAGE_OF_STEP.items() if s == stage)


def step_of(stage: str) -> str:
    """The step (op name) of a stage that has one step, e.g. "publish"."""
    (step,) = steps_of(stage)
    return step


def partition_key_of(period: str) -> str:
    """The monthly partition of a reporting period: `2025-10` -> `2025-10-01`."""
    return f"{period}-01"


def run_config_for(
    raw_dir: Path | str,
    data_dir: Path | str,
    *,
    full: bool = False,
    keep_releases: int | None = None,
    steps: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """The run config for these folders and options (the launchpad's YAML, as a dict), for a
    run whose steps are `steps` (None: every step of `jember_pipeline`). `keep_releases` None:
    the publish step's default (publishing.release.KEEP_RELEASES). The period is not config:
    it is the run's partition."""
    config: dict[str, Any] = {
        "resources": {
            "paths": {"config": {"raw_dir": str(raw_dir), "data_dir": str(data_dir)}},
        },
        "ops": {},
    }
    if steps is None or step_of("ingest") in steps:
        config["ops"][step_of("ingest")] = {"config": {"reread_unchanged": full}}
    if steps is None or "jember_dbt_models" in steps:
        config["ops"]["jember_dbt_models"] = {"config": {"rebuild_person_tables": full}}
    if keep_releases is not None and (steps is None or step_of("publish") in steps):
        config["ops"][step_of("publish")] = {"config": {"keep_releases": keep_releases}}
    if not config["ops"]:
        del config["ops"]
    return config


class PipelineResult:
    """The Dagster runs of one pipeline run: one (`--period`: that month's partition, every
    step), or two (no period: ingestion and the period-independent models, then the month the
    data describes). Read like one ExecuteInProcessResult: events of both, success of both, the
    run id of the last (the one that validated and published)."""

    def __init__(self, runs: list[dg.ExecuteInProcessResult], period: str | None) -> None:
        self.runs = runs
        self.period = period  # the partition's month, None when the first run failed

    @property
    def success(self) -> bool:
        return all(run.success for run in self.runs)

    @property
    def run_id(self) -> str:
        return self.runs[-1].run_id

    @property
    def run_ids(self) -> list[str]:
        return [run.run_id for run in self.runs]

    @property
    def all_events(self) -> list[dg.DagsterEvent]:
        return [event for run in self.runs for event in run.all_events]


# Tag of a `jember_latest` run whose caller (run_pipeline) runs the month itself; without it the
# job's own hook runs the month (`dagster job execute -j jember_latest`, the sensor, the schedule).
MONTH_BY_CALLER = "jember/month_by_caller"
# Tag of the month's run: the run id of the `jember_latest` run it follows.
MONTH_AFTER = "jember/month_after"


def run_pipeline(
    raw_dir: Path,
    data_dir: Path,
    *,
    period: str | None = None,
    instance: dg.DagsterInstance | None = None,
    logger_defs: dict[str, dg.LoggerDefinition] | None = None,
    run_config: dict[str, Any] | None = None,
    full: bool = False,
    keep_releases: int | None = None,
) -> PipelineResult:
    """Materialise the pipeline on `raw_dir` into `data_dir`; returns its runs' results.

    With `period`: one run of `jember_pipeline` for that month's partition, every step. Without:
    first `jember_latest` (ingestion and the dbt models that do not depend on the period), then
    the partition of the month the data describes (int_data_period) with every remaining step;
    no dbt model is built twice.

    `instance` defaults to an ephemeral one (nothing recorded); `logger_defs` replace Dagster's
    console logger (the CLI prints its own stage lines) and `run_config` adds to the config
    built here (loggers). `full` reads every raw file again, changed or not. Errors inside the
    run do not raise: the result says which steps failed.
    """
    from dagster_project.resources import PipelinePaths
    from dagster_project.transform.dbt_worker import shared_worker

    # dbt's worker process starts first: it imports dbt and parses the project while Dagster
    # loads the definitions, creates the run and ingestion reads the raw files
    # (transform/dbt_worker.py). Every dbt build of this call uses it.
    paths = PipelinePaths(raw_dir=str(raw_dir), data_dir=str(data_dir))
    with shared_worker(paths.data / "dbt-target"):
        return _run_pipeline(
            raw_dir,
            data_dir,
            paths,
            period=period,
            instance=instance,
            logger_defs=logger_defs,
            run_config=run_config,
            full=full,
            keep_releases=keep_releases,
        )


def _run_pipeline(
    raw_dir: Path,
    data_dir: Path,
    paths: PipelinePaths,
    *,
    period: str | None,
    instance: dg.DagsterInstance | None,
    logger_defs: dict[str, dg.LoggerDefinition] | None,
    run_config: dict[str, Any] | None,
    full: bool,
    keep_releases: int | None,
) -> PipelineResult:
    import dagster as dg

    from dagster_project.definitions import defs

    instance = instance if instance is not None else dg.DagsterInstance.ephemeral()
    extra = (
        run_config
        if run_config is not None
        else {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    )

    def job_def(name: str) -> dg.JobDefinition:
        job = defs.resolve_job_def(name)
        return job.with_logger_defs(logger_defs) if logger_defs else job

    if period:
        job = job_def("jember_pipeline")
        config = run_config_for(raw_dir, data_dir, full=full, keep_releases=keep_releases)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={**config, **extra},
            partition_key=partition_key_of(period),
        )
        return PipelineResult([result], period)

    latest = job_def("jember_latest")
    config = run_config_for(raw_dir, data_dir, full=full, steps=steps_in(latest))
    first = latest.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={**config, **extra},
        tags={MONTH_BY_CALLER: "true"},
    )
    if not first.success:
        return PipelineResult([first], None)
    month = data_month(paths)
    second = run_month(
        month,
        instance,
        raw_dir=raw_dir,
        data_dir=data_dir,
        keep_releases=keep_releases,
        logger_defs=logger_defs,
        extra_config=extra,
        after_run=first.run_id,
    )
    return PipelineResult([first, second], month)


def steps_in(job: dg.JobDefinition) -> tuple[str, ...]:
    return tuple(node.name for node in job.graph.nodes)


def data_month(paths: Any) -> str:
    """The month the data describes, as the period-independent dbt models found it."""
    from dagster_project.warehouse import connect_read_only  # imports DuckDB: not at start-up

    with connect_read_only(paths.warehouse) as con:
        row = con.execute("select period from intermediate.int_data_period").fetchone()
    if not row or not row[0]:
        raise RuntimeError("intermediate.int_data_period holds no month")
    return str(row[0])


def run_month(
    period: str,
    instance: dg.DagsterInstance,
    *,
    raw_dir: Path | str,
    data_dir: Path | str,
    keep_releases: int | None = None,
    logger_defs: dict[str, dg.LoggerDefinition] | None = None,
    extra_config: dict[str, Any] | None = None,
    after_run: str | None = None,
) -> dg.ExecuteInProcessResult:
    """The second run of a run without a period: `jember_pipeline`'s partition `period`, every
    step that `jember_latest` did not take (ingestion and the period-independent dbt models are
    not run again). Its own hooks render the report."""
    from dagster_project.definitions import defs
    from dagster_project.sensors import month_asset_keys, month_check_keys

    subset = defs.resolve_job_def("jember_pipeline").get_subset(
        asset_selection=month_asset_keys(), asset_check_selection=month_check_keys()
    )
    if logger_defs:
        subset = subset.with_logger_defs(logger_defs)
    config = run_config_for(raw_dir, data_dir, keep_releases=keep_releases, steps=steps_in(subset))
    return subset.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={**config, **(extra_config or {})},
        partition_key=partition_key_of(period),
        tags={MONTH_AFTER: after_run} if after_run else None,
    )


# ---------------------------------------------------------------------------------------------
# Nothing new: the inputs of the last run that published

# What decides a run's result besides the raw files and the period: the code of every stage
# and its settings (config/privacy.yml sets the small-count threshold of the release).
CODE = [
    PROJECT_ROOT / "config",
    PROJECT_ROOT / "dagster_project",
    PROJECT_ROOT / "dbt" / "models",
    PROJECT_ROOT / "dbt" / "macros",
    PROJECT_ROOT / "dbt" / "seeds",
    PROJECT_ROOT / "dbt" / "tests",
    PROJECT_ROOT / "dbt" / "dbt_project.yml",
    PROJECT_ROOT / "expectations",
]


def run_inputs(raw_dir: Path, period: str | None) -> dict[str, Any]:
    """Everything a run's result follows from: each raw file's bytes (sha256, the hashes
    raw.ingest_files records), the period asked for, and a hash of the pipeline's code."""
    from dagster_project.ingestion.contract import SOURCES
    from dagster_project.ingestion.load import file_hashes
    from dagster_project.resources import resolve_raw_dir

    raw_dir = resolve_raw_dir(Path(raw_dir))
    return {
        "raw": {source: file_hashes(raw_dir, source) for source in SOURCES},
        "period": period or "",
        "code": code_fingerprint(),
        "pseudonym_key": pseudonym_key_fingerprint(),
    }


def code_fingerprint() -> str:
    """A hash of the pipeline's code and settings (CODE): every file's path and bytes."""
    code = hashlib.sha256()
    for root in CODE:
        for f in sorted([root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())):
            if "__pycache__" not in f.parts:
                code.update(
                    f.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + f.read_bytes()
                )
    return code.hexdigest()


def pseudonym_key_fingerprint() -> str:
    """A one-way fingerprint of the pseudonym key: the published pseudonyms follow the key, so a
    new key must publish again rather than end in 'nothing new'. Only this hash is stored, never
    the key. An unusable key gives a marker; publishing then stops with the key's error."""
    from dagster_project.publishing.privacy import PrivacyError, load_key

    try:
        key = load_key()
    except PrivacyError:
        return "unusable"
    return hashlib.sha256(b"jember pseudonym key fingerprint\0" + key).hexdigest()


def record_published_run(data_dir: Path, inputs: dict[str, Any], run_id: str) -> None:
    """After a run that published: its inputs and release, for the next run to compare."""
    release = (data_dir / "published").resolve()
    state = {"inputs": inputs, "run_id": run_id, "release": release.name}
    (data_dir / LAST_PUBLISHED_RUN).write_text(json.dumps(state, indent=1))


def nothing_new(data_dir: Path, inputs: dict[str, Any]) -> dict[str, Any] | None:
    """The last published run's record when this run's inputs are the same and its release is
    still the published one: running again would publish the same release. Else None."""
    try:
        state = json.loads((data_dir / LAST_PUBLISHED_RUN).read_text())
    except (OSError, ValueError):
        return None
    published = data_dir / "published"
    if (
        state.get("inputs") != inputs
        or not published.is_symlink()
        or published.resolve().name != state.get("release")
    ):
        return None
    return state
