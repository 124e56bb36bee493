"""The quality gate: every Great Expectations suite in expectations/ as a Dagster asset check.

All checks run in one op after dbt, against the warehouse. The checks on the reporting month's
models (partitioned) are declared `blocking`, so a check that fails with ERROR severity (a
`critical` expectation failed) stops `publish` in the same run; a failed `warning` expectation
gives a WARN result and publishing goes on. Checks on period-independent models cannot block:
the month's dbt step is downstream of those models and upstream of this op (a blocking check
there would make a cycle); a critical failure there blocks publishing all the same, through the
verdict `publish` reads. The op
also writes the gate's verdict, which `publish` re-reads so that publishing on its own (from
the UI) cannot skip the gate, each suite's result as GX validation-result JSON under
`data/quality/validations/<suite>/<run id>/`, and the Data Docs site `data/reports/gx/index.html`.

The op can run for a subset of its checks: the UI's "Materialize" on one asset, and `dagster
asset materialize --select`, select that asset with its own checks only (a check op that cannot
be subset made Dagster refuse to build such a run). It still validates every suite, so the
verdict `publish` reads always covers the whole warehouse, and reports the selected checks.
"""

from collections.abc import Iterator

import dagster as dg

from dagster_project.quality.validation import (
    SuiteOutcome,
    load_suite_specs,
    marts_fingerprint,
    validate_suites,
    write_validation_results_and_docs,
    write_verdict,
)
from dagster_project.resources import EXPECTATIONS_DIR, PipelinePaths
from dagster_project.transform.assets import jember_dbt_period_models
from dagster_project.warehouse import connect_read_only

SUITE_SPECS = load_suite_specs(EXPECTATIONS_DIR)
# each suite's asset check, in the order of SUITE_SPECS
CHECK_KEYS = [
    dg.AssetCheckKey(dg.AssetKey(spec.asset_path), f"gx_{spec.name}") for spec in SUITE_SPECS
]


def _failure_table(outcome: SuiteOutcome) -> str:
    lines = ["| expectation | column | severity | unexpected | observed |", "|---|---|---|---|---|"]
    for e in outcome.failed:
        lines.append(
            f"| {e.expectation} | {e.column or ''} | {e.severity} | "
            f"{'' if e.unexpected_count is None else e.unexpected_count} | "
            f"{'' if e.observed_value is None else e.observed_value} |"
        )
    return "\n".join(lines)


@dg.multi_asset_check(
    name="great_expectations_gate",
    specs=[
        dg.AssetCheckSpec(
            name=key.name,
            asset=key.asset_key,
            blocking=key.asset_key in jember_dbt_period_models.keys,
            description=spec.description or f"Great Expectations suite {spec.name}",
        )
        for spec, key in zip(SUITE_SPECS, CHECK_KEYS)
    ],
    can_subset=True,
)
def great_expectations_gate(
    context: dg.AssetCheckExecutionContext, paths: PipelinePaths
) -> Iterator[dg.AssetCheckResult]:
    with connect_read_only(paths.warehouse) as con:
        outcomes = validate_suites(con, EXPECTATIONS_DIR, SUITE_SPECS)
        fingerprint = marts_fingerprint(con)
    write_verdict(paths.quality, outcomes, fingerprint, context.run.run_id)
    docs_index = paths.data / "reports" / "gx" / "index.html"
    try:
        docs_index = write_validation_results_and_docs(
            outcomes,
            EXPECTATIONS_DIR,
            paths.quality / "validations",
            docs_index.parent,
            context.run.run_id,
        )
        context.log.info(f"Data Docs: {docs_index}")
    except Exception as error:  # the docs report on the gate; failing to draw them must not move it
        context.log.warning(f"Data Docs not built: {error!r}")
    for key, outcome in zip(CHECK_KEYS, outcomes):
        if key not in context.selected_asset_check_keys:
            continue
        context.log.info(
            f"check {outcome.suite}: {'passed' if outcome.passed else 'BLOCKED'} "
            f"({len(outcome.failed)} of {len(outcome.expectations)} expectations failed)"
        )
        yield dg.AssetCheckResult(
            check_name=key.name,
            asset_key=key.asset_key,
            passed=not outcome.failed,
            severity=dg.AssetCheckSeverity.ERROR
            if outcome.blocking_failures
            else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_validated": outcome.rows,
                "batches": outcome.batches,
                "expectations": len(outcome.expectations),
                "failed_blocking": len(outcome.blocking_failures),
                "failed_warning": len(outcome.failed) - len(outcome.blocking_failures),
                "failures": dg.MetadataValue.md(
                    _failure_table(outcome) if outcome.failed else "none"
                ),
                "data_docs": dg.MetadataValue.path(str(docs_index)),
            },
        )
