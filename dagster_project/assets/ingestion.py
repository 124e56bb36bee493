"""Ingestion: one Dagster asset per raw source folder, each loading `raw.<table>` in DuckDB.

The reading rules live in `dagster_project.ingestion`; this module only schedules them. A broken
file fails only itself (it is recorded in `raw.ingest_files` with a message naming the file);
the asset still succeeds so the run goes on, and the failure shows in the asset's metadata.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from dagster_project.contract import SOURCES
from dagster_project.ingestion import ingest_source
from dagster_project.resources import PipelinePaths

RAW_GROUP = "raw"


def raw_key(table_name: str) -> dg.AssetKey:
    """Raw tables are keyed by their DuckDB relation, the same rule the dbt translator uses."""
    return dg.AssetKey(["raw", table_name])


def _build_ingest_asset(source: str) -> dg.AssetsDefinition:
    tables = SOURCES[source]

    @dg.multi_asset(
        name=f"ingest_{source}",
        specs=[
            dg.AssetSpec(
                raw_key(t.name),
                group_name=RAW_GROUP,
                kinds={"python", "duckdb"},
                description=f"Rows of every `{t.name}` file under raw/{source}/, all text, "
                "with their row identity (source, path, sheet, row number).",
            )
            for t in tables
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, paths: PipelinePaths):
        paths.data.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(paths.warehouse)) as con:
            summary = ingest_source(paths.raw, source, con)
        for message in summary.messages:
            context.log.warning(message)
        context.log.info(
            f"ingest {source}: {summary.files} files, "
            f"{sum(summary.rows_loaded.values())} rows, {summary.files_failed} failed files"
        )
        for t in tables:
            yield dg.MaterializeResult(
                asset_key=raw_key(t.name),
                metadata={
                    "dagster/row_count": summary.rows_loaded.get(t.name, 0),
                    "files": summary.files,
                    "files_failed": summary.files_failed,
                    "sheets_skipped": summary.sheets_skipped,
                    "duplicate_files": summary.duplicate_files,
                    "rows_rejected": summary.rows_rejected,
                    "non_data_rows": summary.non_data_rows,
                    "problems": dg.MetadataValue.md(
                        "\n".join(f"- {m}" for m in summary.messages) or "none"
                    ),
                },
            )

    return _ingest


ingest_assets = [_build_ingest_asset(source) for source in SOURCES]


@dg.multi_asset(
    name="ingest_log",
    specs=[
        dg.AssetSpec(
            raw_key(name),
            group_name=RAW_GROUP,
            kinds={"duckdb"},
            deps=[raw_key(t.name) for tables in SOURCES.values() for t in tables],
            description=description,
        )
        for name, description in (
            ("ingest_files", "One row per raw file (and sheet): status, hash, counts, problems."),
            ("ingest_rejected_rows", "Raw records the reader could not turn into a row, with reason."),
        )
    ],
)
def ingest_log(context: dg.AssetExecutionContext, paths: PipelinePaths):
    """The reading log of every source, complete once all ingestion assets have run.

    Each ingestion asset writes its own source's part; this asset states the whole so dbt's
    sources over the log have one upstream, and shows what failed across all sources.
    """
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        by_status = dict(
            con.execute("select status, count(*) from raw.ingest_files group by all").fetchall()
        )
        failed = con.execute(
            "select source_path, sheet, message from raw.ingest_files "
            "where status = 'failed' order by source_path, sheet"
        ).fetchall()
        rejected = con.execute("select count(*) from raw.ingest_rejected_rows").fetchone()[0]
    yield dg.MaterializeResult(
        asset_key=raw_key("ingest_files"),
        metadata={
            **{f"files_{status}": n for status, n in by_status.items()},
            "failed_files": dg.MetadataValue.md(
                "\n".join(f"- `{p}` {s}: {m}" for p, s, m in failed) or "none"
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("ingest_rejected_rows"), metadata={"dagster/row_count": rejected}
    )
