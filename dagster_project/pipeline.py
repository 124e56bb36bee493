"""Run the whole pipeline (the `jember_pipeline` job) in this process.

One way in for every caller that is not the Dagster UI: `jember run`, the benchmarks and the
tests that need a run in-process. The raw and data folders (and the period, if given) are
handed to the job's resources through the environment they read.
"""

from __future__ import annotations

import os
from pathlib import Path


def run_pipeline(raw_dir: Path, data_dir: Path, *, period: str | None = None, instance=None,
                 logger_defs: dict | None = None, run_config: dict | None = None):
    """Materialise `jember_pipeline` on `raw_dir` into `data_dir`; returns Dagster's result.

    `instance` defaults to an ephemeral one (nothing recorded); `logger_defs` replace Dagster's
    console logger (the CLI prints its own stage lines). Errors inside the run do not raise:
    the result says which steps failed.
    """
    os.environ["JEMBER_RAW_DIR"] = str(raw_dir)
    os.environ["JEMBER_DATA_DIR"] = str(data_dir)
    if period:
        os.environ["JEMBER_PERIOD"] = period

    import dagster as dg

    from dagster_project.definitions import defs

    job = defs.resolve_job_def("jember_pipeline")
    if logger_defs:
        job = job.with_logger_defs(logger_defs)
    if run_config is None:
        run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    return job.execute_in_process(
        instance=instance if instance is not None else dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config=run_config,
    )
