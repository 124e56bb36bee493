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

LAST_PUBLISHED_RUN = "last-published-run.json"  # in the data dir

# The stage each step of a run belongs to (step keys are the ops' names), in the order a run
# takes them; the report is rendered last, by the job's hooks. One list for every view of a
# run by stage: the CLI's progress lines and the benchmark's table per stage.
STAGE_OF_STEP: dict[str, str] = {
    "ingest_raw_files": "ingest",
    "jember_dbt_models": "dbt",
    "great_expectations_gate": "checks",
    "restricted__person_xref_files": "restricted",
    "published__analyst_tier": "publish",
    "restricted__verification_workbooks": "verifikasi",
    "reports__laporan": "report",
}


def step_of(stage: str) -> str:
    """The step (op name) of a stage that has one step, e.g. "publish"."""
    (step,) = (step for step, s in STAGE_OF_STEP.items() if s == stage)
    return step


def run_config_for(
    raw_dir: Path,
    data_dir: Path,
    *,
    period: str | None = None,
    full: bool = False,
    keep_releases: int | None = None,
) -> dict[str, Any]:
    """The job's run config for these folders and options (the launchpad's YAML, as a dict).
    `keep_releases` None: the publish step's default (publishing.release.KEEP_RELEASES)."""
    config: dict[str, Any] = {
        "resources": {
            "paths": {"config": {"raw_dir": str(raw_dir), "data_dir": str(data_dir)}},
            "period": {"config": {"period": period or ""}},
        },
        "ops": {
            step_of("ingest"): {"config": {"reread_unchanged": full}},
        },
    }
    if keep_releases is not None:
        config["ops"][step_of("publish")] = {"config": {"keep_releases": keep_releases}}
    return config


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
) -> dg.ExecuteInProcessResult:
    """Materialise `jember_pipeline` on `raw_dir` into `data_dir`; returns Dagster's result.

    `instance` defaults to an ephemeral one (nothing recorded); `logger_defs` replace Dagster's
    console logger (the CLI prints its own stage lines) and `run_config` adds to the config
    built here (loggers). `full` reads every raw file again, changed or not. Errors inside the
    run do not raise: the result says which steps failed.
    """
    import dagster as dg

    from dagster_project.definitions import defs

    job = defs.resolve_job_def("jember_pipeline")
    if logger_defs:
        job = job.with_logger_defs(logger_defs)
    config = run_config_for(
        raw_dir, data_dir, period=period, full=full, keep_releases=keep_releases
    )
    config.update(
        run_config
        if run_config is not None
        else {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    )
    return job.execute_in_process(
        instance=instance if instance is not None else dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config=config,
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
    code = hashlib.sha256()
    for root in CODE:
        for f in sorted([root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())):
            if "__pycache__" not in f.parts:
                code.update(
                    f.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + f.read_bytes()
                )
    return {
        "raw": {source: file_hashes(raw_dir, source) for source in SOURCES},
        "period": period or "",
        "code": code.hexdigest(),
        "pseudonym_key": pseudonym_key_fingerprint(),
    }


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
