"""The bridge between Great Expectations suites and Dagster asset checks.

The rules live in the suites under `expectations/gx/expectations/*.json` (a GX file data
context committed to git). Each suite names what it validates in its `meta`:

- `asset`: the warehouse relation, `schema.table` (e.g. `marts.mart_desa`), which is also the
  Dagster asset key the check attaches to;
- `query` (optional): SQL over the warehouse whose result is validated instead of the whole
  relation; used for table-level facts (totals, conservation) on large tables;
- `batch_rows` (optional): validate in batches of this many rows so memory stays flat at
  province scale. Expectations in a batched suite must be row-level (column values); their
  counts are summed over batches and `mostly` is re-evaluated on the totals.

Each expectation's `severity` says what a failure means: `critical` blocks publishing,
`warning` publishes and is reported. GX cannot validate DuckDB through SQLAlchemy here
(great_expectations issues 10738, 11579), so batches are fetched from DuckDB as Arrow and
validated as pandas dataframes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from dagster_project.resources import share_with_analysts
from dagster_project.warehouse import mart_tables, quote_identifier

SUITES_SUBDIR = Path("gx") / "expectations"
DEFAULT_BATCH_ROWS = 250_000


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    asset: str  # schema.table
    query: str | None
    batch_rows: int | None
    description: str

    @property
    def asset_path(self) -> list[str]:
        return self.asset.split(".")

    @property
    def sql(self) -> str:
        return self.query or f"select * from {self.asset}"


def load_suite_specs(expectations_dir: Path) -> list[SuiteSpec]:
    """Read suite names and targets from the JSON files; cheap enough for definition time."""
    specs = []
    for path in sorted((expectations_dir / SUITES_SUBDIR).glob("*.json")):
        suite = json.loads(path.read_text())
        meta = suite.get("meta") or {}
        specs.append(
            SuiteSpec(
                name=suite["name"],
                asset=meta["asset"],
                query=meta.get("query"),
                batch_rows=meta.get("batch_rows"),
                description=meta.get("description", ""),
            )
        )
    return specs


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    severity: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    missing_count: int | None = None
    observed_value: object = None
    kwargs: dict = field(default_factory=dict)


@dataclass
class SuiteOutcome:
    suite: str
    asset: str
    rows: int
    batches: int
    expectations: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [e for e in self.failed if e.severity == "critical"]

    @property
    def passed(self) -> bool:
        """Passed means publishable: warnings may have failed."""
        return not self.blocking_failures

    def to_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def _gx_runtime():
    """An in-memory GX context for data, and the file context that holds the suites."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    runtime = gx.get_context(mode="ephemeral")
    runtime.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        runtime.data_sources.add_pandas("warehouse")
        .add_dataframe_asset("batch")
        .add_batch_definition_whole_dataframe("whole")
    )
    return gx, batch_definition


def _observed(result: dict) -> object:
    value = result.get("observed_value")
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def validate_suites(
    con: duckdb.DuckDBPyConnection, expectations_dir: Path, specs: list[SuiteSpec]
) -> list[SuiteOutcome]:
    gx, batch_definition = _gx_runtime()
    suite_store = gx.get_context(mode="file", project_root_dir=str(expectations_dir))
    outcomes = []
    for spec in specs:
        suite = suite_store.suites.get(spec.name)
        configs = [e.configuration for e in suite.expectations]
        totals = [
            ExpectationOutcome(
                expectation=c.type,
                column=c.kwargs.get("column"),
                severity=str(getattr(c, "severity", "critical") or "critical").split(".")[-1].lower(),
                success=True,
                kwargs={k: v for k, v in c.kwargs.items() if k != "batch_id"},
            )
            for c in configs
        ]
        # GX does not return results in suite order: match them back by configuration.
        index_of = {_config_key(c): i for i, c in enumerate(configs)}
        nonnull = [0] * len(configs)
        rows = batches = 0
        reader = con.execute(spec.sql).to_arrow_reader(spec.batch_rows or DEFAULT_BATCH_ROWS)
        for record_batch in _batches_or_empty(reader):
            frame = record_batch.to_pandas()
            rows += len(frame)
            batches += 1
            result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
                suite, result_format="SUMMARY"
            )
            for r in result.results:
                i = index_of[_config_key(r.expectation_config)]
                total = totals[i]
                total.success = total.success and bool(r.success)
                res = r.result or {}
                if "element_count" in res:
                    total.element_count = (total.element_count or 0) + int(res["element_count"])
                    total.missing_count = (total.missing_count or 0) + int(res.get("missing_count") or 0)
                    nonnull[i] += int(res["element_count"]) - int(res.get("missing_count") or 0)
                if "unexpected_count" in res:
                    total.unexpected_count = (total.unexpected_count or 0) + int(
                        res["unexpected_count"] or 0
                    )
                total.observed_value = _observed(res) if batches == 1 else total.observed_value
                if r.exception_info and r.exception_info.get("raised_exception"):
                    total.observed_value = r.exception_info.get("exception_message")
        for i, total in enumerate(totals):
            # `mostly` holds over the whole table, not batch by batch.
            mostly = total.kwargs.get("mostly")
            if mostly is not None and batches > 1 and nonnull[i]:
                total.success = 1 - (total.unexpected_count or 0) / nonnull[i] >= mostly
        outcomes.append(SuiteOutcome(spec.name, spec.asset, rows, batches, totals))
    return outcomes


def _config_key(config) -> str:
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return json.dumps([config.type, kwargs, str(getattr(config, "severity", ""))], sort_keys=True, default=str)


def _batches_or_empty(reader):
    """Yield record batches; an empty result still gets validated once (row counts etc.)."""
    seen = False
    for batch in reader:
        seen = True
        yield batch
    if not seen:
        yield reader.schema.empty_table()


def write_verdict(quality_dir: Path, outcomes: list[SuiteOutcome], fingerprint: str, run_id: str) -> dict:
    """The gate's verdict, read by the publish asset: what was validated and whether it passed."""
    quality_dir.mkdir(parents=True, exist_ok=True)
    verdict = {
        "run_id": run_id,
        "passed": all(o.passed for o in outcomes),
        "marts_fingerprint": fingerprint,
        "suites": [o.to_dict() for o in outcomes],
    }
    tmp = quality_dir / "verdict.json.tmp"
    tmp.write_text(json.dumps(verdict, indent=2, default=str))
    tmp.replace(quality_dir / "verdict.json")
    return verdict


def read_verdict(quality_dir: Path) -> dict | None:
    path = quality_dir / "verdict.json"
    return json.loads(path.read_text()) if path.exists() else None


def marts_fingerprint(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> str:
    """Content fingerprint of every table in a schema: what was validated is what is published."""
    parts = []
    for table in mart_tables(con, schema):
        relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
        n, h = con.execute(f"select count(*), bit_xor(hash(t)) from {relation} t").fetchone()
        parts.append(f"{table}:{n}:{h}")
    return ";".join(parts)


# ---------------------------------------------------------------------------------------------
# Validation results as JSON per run, and Great Expectations Data Docs (static HTML)

GX_SITE_NAME = "local_site"  # its builder options live in expectations/gx/great_expectations.yml


def write_validation_results_and_docs(
    outcomes: list[SuiteOutcome],
    expectations_dir: Path,
    results_dir: Path,
    docs_dir: Path,
    run_id: str,
) -> Path:
    """Store each suite's outcome as a GX validation result (JSON, one per suite and run) under
    `results_dir`, and rebuild the Data Docs site under `docs_dir`; returns its index.html.

    The results are the batch totals computed by `validate_suites`, turned back into GX's own
    result objects so its renderer draws them. No row values are kept (no `partial_unexpected_list`):
    the reports folder is not a restricted tier, and failing values may be NIKs or names.
    """
    from datetime import datetime, timezone

    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    gx_root = (expectations_dir / "gx").resolve()
    suite_store = gx.get_context(mode="file", project_root_dir=str(expectations_dir))
    site = dict(suite_store.get_config().data_docs_sites[GX_SITE_NAME])
    site["store_backend"] = {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir.resolve())}
    results_dir.mkdir(parents=True, exist_ok=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            config_version=4,
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            stores={
                "expectations_store": {
                    "class_name": "ExpectationsStore",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(gx_root / "expectations"),
                    },
                },
                "validation_results_store": {
                    "class_name": "ValidationResultsStore",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(results_dir.resolve()),
                    },
                },
            },
            expectations_store_name="expectations_store",
            validation_results_store_name="validation_results_store",
            data_docs_sites={GX_SITE_NAME: site},
        ),
    )
    gx_run = RunIdentifier(run_name=run_id, run_time=datetime.now(timezone.utc))
    for outcome in outcomes:
        suite = suite_store.suites.get(outcome.suite)
        results = [
            ExpectationValidationResult(
                success=e.success,
                expectation_config=expectation.configuration,
                result=_gx_result(e),
            )
            for expectation, e in zip(suite.expectations, outcome.expectations)
        ]
        evaluated, successful = len(results), sum(1 for e in outcome.expectations if e.success)
        validation = ExpectationSuiteValidationResult(
            success=outcome.passed,
            results=results,
            suite_name=outcome.suite,
            statistics={
                "evaluated_expectations": evaluated,
                "successful_expectations": successful,
                "unsuccessful_expectations": evaluated - successful,
                "success_percent": 100.0 * successful / evaluated if evaluated else None,
            },
            meta={
                "great_expectations_version": gx.__version__,
                "run_id": gx_run.to_json_dict(),
                "validation_time": gx_run.run_time.isoformat(),
                "batch_spec": {"query": outcome.asset, "rows": outcome.rows, "batches": outcome.batches},
                "active_batch_definition": {"datasource_name": "warehouse", "data_asset_name": outcome.asset},
                "jember": {"passed_gate": outcome.passed, "rows_validated": outcome.rows},
            },
        )
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=outcome.suite),
            run_id=gx_run,
            batch_identifier=outcome.asset,
        )
        context.validation_results_store.set(key, validation)
    context.build_data_docs(site_names=[GX_SITE_NAME])
    make_data_docs_offline(docs_dir)
    # The reports tier is read like the analyst tier (docs/privacy.md): no row values in it.
    share_with_analysts(docs_dir.parent, recursive=False)
    share_with_analysts(docs_dir)
    return docs_dir / "index.html"


_REMOTE_STYLESHEET = re.compile(r"<link[^>]*href=\"https?://[^\"]*\"[^>]*>")
_REMOTE_SCRIPT = re.compile(r"<script[^>]*src=\"https?://[^\"]*\"[^>]*>\s*</script>")


def make_data_docs_offline(docs_dir: Path) -> int:
    """Data Docs pages load Bootstrap, jQuery and fonts from CDNs, which this machine (and a
    meeting room without internet) cannot reach: the pages then show unstyled. Copy Bootstrap's
    CSS (the XStatic-Bootstrap package) into the site and point every page at it; drop the other
    remote stylesheets and scripts (sorting and filtering widgets; the tables are static HTML).
    Returns the number of pages rewritten."""
    import xstatic.pkg.bootstrap as bootstrap

    css = docs_dir / "static" / "styles" / "bootstrap.min.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(bootstrap.BASE_DIR) / "css" / "bootstrap.min.css", css)
    pages = 0
    for page in docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        local = os.path.relpath(css, page.parent).replace(os.sep, "/")
        offline = _REMOTE_SCRIPT.sub("", _REMOTE_STYLESHEET.sub("", text))
        offline = offline.replace("<head>", f'<head><link rel="stylesheet" href="{local}"/>', 1)
        if offline != text:
            page.write_text(offline, encoding="utf-8")
            pages += 1
    return pages


def _gx_result(e: ExpectationOutcome) -> dict:
    result: dict = {}
    if e.observed_value is not None:
        result["observed_value"] = e.observed_value
    if e.element_count is not None:
        result["element_count"] = e.element_count
        result["missing_count"] = e.missing_count or 0
        result["missing_percent"] = 100.0 * (e.missing_count or 0) / e.element_count if e.element_count else None
    if e.unexpected_count is not None:
        nonnull = (e.element_count or 0) - (e.missing_count or 0)
        result["unexpected_count"] = e.unexpected_count
        result["unexpected_percent"] = 100.0 * e.unexpected_count / nonnull if nonnull else 0.0
        result["unexpected_percent_nonmissing"] = result["unexpected_percent"]
        result["partial_unexpected_list"] = []
    return result
