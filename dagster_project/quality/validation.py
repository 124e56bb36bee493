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
(great_expectations issues 10738, 11579), so GX validates pandas frames that DuckDB prepares
with only what each expectation needs (`validate_suites`): for a value-level expectation (not
null, in set, between, regex) each distinct value of its column once, with its row count, so a
million-row table reaches Python as a few thousand values; for the others (uniqueness, row
counts, column pairs) the rows of only the columns they name, in Arrow batches.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import duckdb

from dagster_project.quality import data_docs
from dagster_project.resources import share_with_analysts
from dagster_project.warehouse import mart_tables, one_row, quote_identifier

if TYPE_CHECKING:  # Great Expectations is imported when the gate runs, not with this module
    import pyarrow as pa
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

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


# An expectation's `severity` that blocks publishing when it fails (the other is `warning`); also
# the default of an expectation that names none.
BLOCKING_SEVERITY = "critical"


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
        return [e for e in self.failed if e.severity == BLOCKING_SEVERITY]

    @property
    def passed(self) -> bool:
        """Passed means publishable: warnings may have failed."""
        return not self.blocking_failures

    def to_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


_IMPORTING: threading.Thread | None = None


def import_gx_in_background() -> None:
    """Start importing Great Expectations in a thread of this process, for the gate that comes
    next. Called when the dbt step starts: dbt works in its own process, this one mostly waits
    for dbt's output, and GX's import (2-4 s on this machine, most of the checks stage on the
    shipped sample) is then over when the gate starts. Python's import lock makes the gate's
    own `import great_expectations` wait for this one to finish; an import that fails here
    leaves no module behind, so the gate imports again and reports the error itself. Not a
    daemon thread: a process that ends early (dbt failed) waits for the import rather than
    ending in the middle of it."""
    global _IMPORTING
    if "great_expectations" in sys.modules or (_IMPORTING is not None and _IMPORTING.is_alive()):
        return

    def run() -> None:
        try:
            import great_expectations  # noqa: F401
        except Exception:  # the gate imports it again and reports the error
            pass

    _IMPORTING = threading.Thread(target=run, name="import-great-expectations")
    _IMPORTING.start()


def _gx_runtime() -> tuple[ModuleType, BatchDefinition]:
    """An in-memory GX context for data, and the file context that holds the suites."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch smaller than HASH_THRESHOLD bytes (pandas'
    # hash_pandas_object over the whole frame, then md5) for a batch marker nothing here reads:
    # ~1.5 s of the checks at `jember` (54 batches, ~2.5M values). 0: no batch is fingerprinted.
    pandas_execution_engine.HASH_THRESHOLD = 0
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


# Expectations whose verdict on a row depends on that row's value in one column only. For these
# DuckDB counts the rows of each distinct value, Great Expectations evaluates the distinct values,
# and each value's verdict is weighted by its row count: the same counts and verdict as
# validating every row, without copying the table into Python.
VALUE_LEVEL = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
    }
)


def _is_value_level(config: ExpectationConfiguration) -> bool:
    return (
        config.type in VALUE_LEVEL
        and "column" in config.kwargs
        and not config.kwargs.get("row_condition")
    )


def validate_suites(
    con: duckdb.DuckDBPyConnection, expectations_dir: Path, specs: list[SuiteSpec]
) -> list[SuiteOutcome]:
    """Every suite evaluated by Great Expectations, with only what each expectation needs taken
    out of DuckDB: for value-level expectations the distinct values of their column with row
    counts (`_value_level`), for the others (uniqueness, row counts, column pairs...) the rows of
    only the columns they name, in batches (`_row_level`)."""
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
                severity=str(getattr(c, "severity", BLOCKING_SEVERITY) or BLOCKING_SEVERITY)
                .split(".")[-1]
                .lower(),
                success=True,
                kwargs={k: v for k, v in c.kwargs.items() if k != "batch_id"},
            )
            for c in configs
        ]
        relation = f"({spec.sql}) as validated"
        rows = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
        value_level = [i for i, c in enumerate(configs) if _is_value_level(c)]
        row_level = [i for i, c in enumerate(configs) if i not in value_level]
        if value_level:
            _value_level(
                gx,
                batch_definition,
                con,
                relation,
                suite,
                configs,
                value_level,
                totals,
                spec.batch_rows or DEFAULT_BATCH_ROWS,
            )
        batches = 0
        if row_level:
            batches = _row_level(gx, batch_definition, con, spec, suite, configs, row_level, totals)
        outcomes.append(SuiteOutcome(spec.name, spec.asset, rows, batches, totals))
    return outcomes


def _sub_suite(
    gx: ModuleType,
    suite: ExpectationSuite,
    configs: list[ExpectationConfiguration],
    indexes: list[int],
    name: str,
) -> ExpectationSuite:
    return gx.ExpectationSuite(
        name=f"{suite.name}.{name}",
        expectations=[suite.expectations[i].__class__(**configs[i].kwargs) for i in indexes],
    )


def _value_level(
    gx: ModuleType,
    batch_definition: BatchDefinition,
    con: duckdb.DuckDBPyConnection,
    relation: str,
    suite: ExpectationSuite,
    configs: list[ExpectationConfiguration],
    indexes: list[int],
    totals: list[ExpectationOutcome],
    chunk_rows: int,
) -> None:
    """Distinct values and their row counts per column from DuckDB; GX evaluates the values;
    counts weighted back. The values come in chunks of at most `chunk_rows` (a key column has as
    many distinct values as rows: 15M NIK row keys at province scale held 9 GiB as one frame).
    A chunk's frame holds each column's distinct values in that chunk, padded with the column's
    first value there up to the longest column (pad rows are not read)."""
    import pandas as pd
    import pyarrow.compute as pc

    columns = list(dict.fromkeys(configs[i].kwargs["column"] for i in indexes))
    # One pass over the relation for all columns (a grouping set per column) rather than one
    # query per column: the relation is often a view, computed again by every query. A row of
    # column k's set has grouping_id with every bit set but k's (the first column is the
    # highest bit); the other columns are NULL there, so ordering by every column in turn
    # orders each set by its own column, NULL last (a column's pad value is then a value
    # whenever the column has one).
    selected = [f"{quote_identifier(c)} as v{k}" for k, c in enumerate(columns)]
    names = [f"v{k}" for k in range(len(columns))]
    reader = con.sql(
        f"select {', '.join(selected)}, grouping_id({', '.join(names)}) as set_id, "
        f"count(*) as n from {relation} "
        f"group by grouping sets ({', '.join(f'({n})' for n in names)}) "
        f"order by set_id, {', '.join(f'{n} nulls last' for n in names)}"
    ).to_arrow_reader(chunk_rows)
    full = 2 ** len(columns) - 1
    observed: set[int] = set()  # the observed value shown is the first chunk's
    raised: set[int] = set()  # GX raised: failed, with its message
    for chunk in _batches_or_empty(reader):
        values: dict[str, tuple] = {}
        for k, column in enumerate(columns):
            rows = chunk.filter(
                pc.equal(chunk.column("set_id"), full - 2 ** (len(columns) - 1 - k))
            )
            # an empty relation comes as one empty chunk: every column validated on no rows
            if rows.num_rows or chunk.num_rows == 0:
                values[column] = (rows.column(f"v{k}").to_pandas(), rows.column("n").to_numpy())
        if not values:
            continue
        present = [i for i in indexes if configs[i].kwargs["column"] in values]
        longest = max(len(n) for _, n in values.values())
        frame = pd.DataFrame(
            {
                column: pd.concat([v, v.iloc[:1].repeat(longest - len(v))], ignore_index=True)
                if len(v)
                else v
                for column, (v, _) in values.items()
            }
        )
        sub = _sub_suite(gx, suite, configs, present, "values")
        result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
            sub, result_format={"result_format": "COMPLETE", "include_unexpected_rows": False}
        )
        by_key = {_config_key(r.expectation_config): r for r in result.results}
        for i in present:
            if i in raised:
                continue
            r = by_key[_config_key(sub.expectations[present.index(i)].configuration)]
            total, res = totals[i], r.result or {}
            v, counts = values[configs[i].kwargs["column"]]
            if r.exception_info and r.exception_info.get("raised_exception"):
                total.success = False
                total.observed_value = r.exception_info.get("exception_message")
                raised.add(i)
                continue
            # row counts as a numpy array: a key column has ~1M distinct values at `jember`
            nulls = int(counts[v.isna().to_numpy()].sum())
            # GX reports a missing count where it leaves NULLs out (in set, between, regex...)
            total.element_count = (total.element_count or 0) + int(counts.sum())
            total.missing_count = (total.missing_count or 0) + (
                nulls if "missing_count" in res else 0
            )
            if "unexpected_count" in res:
                rows_unexpected = [
                    j for j in set(res.get("unexpected_index_list") or []) if j < len(counts)
                ]
                total.unexpected_count = (total.unexpected_count or 0) + int(
                    counts[rows_unexpected].sum()
                )
            if i not in observed:
                total.observed_value = _observed(res)
                observed.add(i)
    for i in indexes:
        total = totals[i]
        if i in raised:
            continue
        considered = (total.element_count or 0) - (total.missing_count or 0)
        unexpected = total.unexpected_count or 0
        mostly = configs[i].kwargs.get("mostly")
        # GX's own rule (Expectation._validate for column map expectations): vacuously true on
        # no rows considered, else the share of expected rows at least `mostly` (default 1)
        total.success = considered == 0 or (considered - unexpected) / considered >= (
            1.0 if mostly is None else mostly
        )


def _row_level(
    gx: ModuleType,
    batch_definition: BatchDefinition,
    con: duckdb.DuckDBPyConnection,
    spec: SuiteSpec,
    suite: ExpectationSuite,
    configs: list[ExpectationConfiguration],
    indexes: list[int],
    totals: list[ExpectationOutcome],
) -> int:
    """Expectations over rows (uniqueness, row counts, column pairs...): the rows of only the
    columns they name, from DuckDB in batches, validated by GX as before."""
    named = []
    for i in indexes:
        kw = configs[i].kwargs
        named += [kw[k] for k in ("column", "column_A", "column_B") if k in kw]
        named += list(kw.get("column_list") or [])
    columns = ", ".join(quote_identifier(c) for c in dict.fromkeys(named)) or "1 as _row"
    sub = _sub_suite(gx, suite, configs, indexes, "rows")
    index_of = {_config_key(c): i for i, c in zip(indexes, (configs[i] for i in indexes))}
    nonnull = dict.fromkeys(indexes, 0)
    batches = 0
    reader = con.sql(f"select {columns} from ({spec.sql}) as validated").to_arrow_reader(
        spec.batch_rows or DEFAULT_BATCH_ROWS
    )
    for record_batch in _batches_or_empty(reader):
        frame = record_batch.to_pandas()
        batches += 1
        result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
            sub, result_format="SUMMARY"
        )
        # GX does not return results in suite order: match them back by configuration.
        for r in result.results:
            i = index_of[_config_key(r.expectation_config)]
            total = totals[i]
            total.success = total.success and bool(r.success)
            res = r.result or {}
            if "element_count" in res:
                total.element_count = (total.element_count or 0) + int(res["element_count"])
                total.missing_count = (total.missing_count or 0) + int(
                    res.get("missing_count") or 0
                )
                nonnull[i] += int(res["element_count"]) - int(res.get("missing_count") or 0)
            if "unexpected_count" in res:
                total.unexpected_count = (total.unexpected_count or 0) + int(
                    res["unexpected_count"] or 0
                )
            total.observed_value = _observed(res) if batches == 1 else total.observed_value
            if r.exception_info and r.exception_info.get("raised_exception"):
                total.observed_value = r.exception_info.get("exception_message")
    for i in indexes:
        # `mostly` holds over the whole table, not batch by batch.
        mostly = totals[i].kwargs.get("mostly")
        if mostly is not None and batches > 1 and nonnull[i]:
            totals[i].success = 1 - (totals[i].unexpected_count or 0) / nonnull[i] >= mostly
    return batches


def _config_key(config: ExpectationConfiguration | None) -> str:
    assert config is not None  # GX types a result's configuration optional; results carry it
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return json.dumps([config.type, kwargs], sort_keys=True, default=str)


def _batches_or_empty(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch | pa.Table]:
    """Yield record batches; an empty result still gets validated once (row counts etc.)."""
    seen = False
    for batch in reader:
        seen = True
        yield batch
    if not seen:
        yield reader.schema.empty_table()


def write_verdict(
    quality_dir: Path, outcomes: list[SuiteOutcome], fingerprint: str, run_id: str
) -> dict:
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
        n, h = one_row(con, f"select count(*), bit_xor(hash(t)) from {relation} t")
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
    from datetime import datetime

    import great_expectations as gx
    from great_expectations.core import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    gx_root = (expectations_dir / "gx").resolve()
    suite_store = gx.get_context(mode="file", project_root_dir=str(expectations_dir))
    config = suite_store.get_config()
    # A file context's config, whose sites great_expectations.yml sets; GX types the config as
    # a union and its sites as optional.
    assert isinstance(config, DataContextConfig) and config.data_docs_sites is not None
    site = dict(config.data_docs_sites[GX_SITE_NAME])
    site["store_backend"] = {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": str(docs_dir.resolve()),
    }
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
    gx_run = RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))
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
                # GX's page header reads the data asset from batch_spec (else "Data asset: None")
                "batch_spec": {
                    "data_asset_name": outcome.asset,
                    "query": outcome.asset,
                    "rows": outcome.rows,
                    "batches": outcome.batches,
                },
                "active_batch_definition": {
                    "datasource_name": "warehouse",
                    "data_asset_name": outcome.asset,
                },
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
    # GX's index is filled in by JavaScript and its pages know nothing of our severities:
    # a static index and a severity table on each page of this run (data_docs.py).
    index = docs_dir / "index.html"
    pages = {}
    for outcome in outcomes:
        run_pages = sorted((docs_dir / "validations" / outcome.suite / run_id).rglob("*.html"))
        if run_pages:
            pages[outcome.suite] = run_pages[-1]
            data_docs.annotate_validation_page(run_pages[-1], outcome, index)
    data_docs.write_index(
        docs_dir, outcomes, pages, run_id, gx_run.run_time.isoformat(timespec="seconds")
    )
    # The reports tier is read like the analyst tier (docs/privacy.md): no row values in it.
    share_with_analysts(docs_dir.parent, recursive=False)
    share_with_analysts(docs_dir)
    return docs_dir / "index.html"


_REMOTE_STYLESHEET = re.compile(r"<link[^>]*href=\"https?://[^\"]*\"[^>]*>")
_REMOTE_SCRIPT = re.compile(r"<script[^>]*src=\"https?://[^\"]*\"[^>]*>\s*</script>")
# GX's logo: an image and a CSS background fetched from S3 (with the data context's id in the URL)
_REMOTE_IMAGE = re.compile(r"<img\s[^>]*src=\"https?://[^\"]*\"[^>]*>", re.DOTALL)
_REMOTE_CSS_URL = re.compile(r"url\(\s*'?https?://[^)]*\)")


def make_data_docs_offline(docs_dir: Path) -> int:
    """Data Docs pages load Bootstrap, jQuery and fonts from CDNs, which this machine (and a
    meeting room without internet) cannot reach: the pages then show unstyled. Copy Bootstrap's
    CSS (the XStatic-Bootstrap package) into the site and point every page at it; drop the other
    remote stylesheets and scripts (sorting and filtering widgets; the tables are static HTML)
    and GX's logo fetched from S3.
    Returns the number of pages rewritten."""
    import xstatic.pkg.bootstrap as bootstrap

    css = docs_dir / "static" / "styles" / "bootstrap.min.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(bootstrap.BASE_DIR) / "css" / "bootstrap.min.css", css)
    icons = data_docs.write_icons_css(docs_dir)  # GX's Font Awesome status icons, as glyphs
    pages = 0
    for page in docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "jember-icons.css" in text:  # rewritten by an earlier run
            continue
        links = "".join(
            f'<link rel="stylesheet" href="{os.path.relpath(f, page.parent).replace(os.sep, "/")}"/>'
            for f in (css, icons)
        )
        offline = _REMOTE_SCRIPT.sub("", _REMOTE_STYLESHEET.sub("", text))
        offline = _REMOTE_CSS_URL.sub("none", _REMOTE_IMAGE.sub("Great Expectations", offline))
        offline = offline.replace("<head>", f"<head>{links}", 1)
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
        result["missing_percent"] = (
            100.0 * (e.missing_count or 0) / e.element_count if e.element_count else None
        )
    if e.unexpected_count is not None:
        nonnull = (e.element_count or 0) - (e.missing_count or 0)
        result["unexpected_count"] = e.unexpected_count
        result["unexpected_percent"] = 100.0 * e.unexpected_count / nonnull if nonnull else 0.0
        result["unexpected_percent_nonmissing"] = result["unexpected_percent"]
        result["partial_unexpected_list"] = []
    return result
