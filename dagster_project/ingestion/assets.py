"""Ingestion: the raw tables in DuckDB, one Dagster asset per contract table.

One op reads the four source folders (it is subsettable: materialising `raw/pkh` alone reads
only raw/pkh/) and writes the reading log beside them. The reading rules live in
`dagster_project.ingestion`; this module only schedules them. A broken file fails only itself:
it is recorded in `raw.ingest_files` with a message naming the file, the asset still succeeds so
the run goes on, and the failure shows in the asset's metadata. Every entry under raw/<source>/
is recorded, read or not (refused symlinks, FIFOs, lock files), and every record after a header
is a data row, a non-data row, or a rejected row with its reason.

Incremental by default: a source whose files are those of its last read (same paths, same
bytes by the sha256 in `raw.ingest_files`, same reading rules) is not read again; its tables
are kept as they are, which is what reading again would write. `reread_unchanged` (run config;
`jember run --full`) reads every file all the same.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb
import pyarrow as pa

from dagster_project.ingestion import ingest_source
from dagster_project.ingestion.contract import SOURCES
from dagster_project.ingestion.load import drop_loading_tables, unchanged_since_last_read
from dagster_project.resources import PipelinePaths
from dagster_project.warehouse import scalar

RAW_GROUP = "raw"
LOG_TABLES = {
    "ingest_files": "One row per raw file (and sheet): status, hash, counts, problems.",
    "ingest_rejected_rows": "Raw records the reader could not turn into a row, with the reason.",
}


def raw_key(table_name: str) -> dg.AssetKey:
    """Raw tables are keyed by their DuckDB relation, the same rule the dbt translator uses."""
    return dg.AssetKey(["raw", table_name])


class IngestConfig(dg.Config):
    reread_unchanged: bool = False
    """Read every file again, also those whose bytes did not change since their last read."""


NO_MONTH_GIVEN = (
    "jember_pipeline runs one reporting month: give it a partition (the launchpad's partition, "
    'or --tags \'{"dagster/partition": "2025-10-01"}\'), or run jember_latest for the month '
    "the data describes. Nothing was read or written."
)


@dg.multi_asset(
    name="ingest_raw_files",
    description="Read the agency files under raw/ into the raw schema, one source folder at a "
    "time; a source whose files did not change since its last read is kept as it is.",
    can_subset=True,
    specs=[
        *(
            dg.AssetSpec(
                raw_key(table.name),
                group_name=RAW_GROUP,
                kinds={"python", "duckdb"},
                skippable=True,
                description=f"Every `{table.name}` row of the files under raw/{source}/, as text, "
                "with its row identity (source, path, sheet, row number).",
            )
            for source, tables in SOURCES.items()
            for table in tables
        ),
        *(
            dg.AssetSpec(raw_key(name), group_name=RAW_GROUP, kinds={"duckdb"}, description=text)
            for name, text in LOG_TABLES.items()
        ),
    ],
)
def ingest_raw_files(
    context: dg.AssetExecutionContext, config: IngestConfig, paths: PipelinePaths
) -> Iterator[dg.MaterializeResult]:
    if context.job_def.partitions_def is not None and not (
        {"dagster/partition", "dagster/asset_partition_range_start"} & set(context.run.tags)
    ):
        # The month's models would fail after minutes of ingestion and dbt: say so at once.
        raise dg.Failure(description=NO_MONTH_GIVEN)
    selected = context.selected_asset_keys
    sources = [
        s for s, tables in SOURCES.items() if any(raw_key(t.name) in selected for t in tables)
    ]
    paths.data.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(paths.warehouse)) as con:
        drop_loading_tables(con)
        for source in sources:
            if not config.reread_unchanged and unchanged_since_last_read(paths.raw, source, con):
                files = scalar(
                    con,
                    "select count(distinct source_path) from raw.ingest_files where source = ?",
                    [source],
                )
                context.log.info(
                    f"raw/{source} unchanged: {files} files with the bytes of their last read, not read again"
                )
                for table in SOURCES[source]:
                    # Materialised all the same: the table is current for these files, and dbt
                    # (downstream in this run) must not be skipped for a missing output.
                    rows = scalar(con, f'select count(*) from raw."{table.name}"')
                    yield dg.MaterializeResult(
                        asset_key=raw_key(table.name),
                        metadata={"dagster/row_count": rows, "files": files, "read_again": False},
                    )
                continue
            summary = ingest_source(paths.raw, source, con)
            for message in summary.messages:
                context.log.warning(message)
            context.log.info(
                f"read raw/{source}: {summary.files} files, {sum(summary.rows_loaded.values())} rows, "
                f"{summary.files_failed} files failed, {summary.duplicate_files} repeated deliveries, "
                f"{summary.rows_rejected} rows rejected, {summary.files_ignored} lock/hidden names ignored"
            )
            for table in SOURCES[source]:
                yield dg.MaterializeResult(
                    asset_key=raw_key(table.name),
                    metadata={
                        "dagster/row_count": summary.rows_loaded.get(table.name, 0),
                        "files": summary.files,
                        "read_again": True,
                        "files_failed": summary.files_failed,
                        "sheets_skipped": summary.sheets_skipped,
                        "files_ignored": summary.files_ignored,
                        "duplicate_files": summary.duplicate_files,
                        "rows_rejected": summary.rows_rejected,
                        "non_data_rows": summary.non_data_rows,
                        "problems": dg.MetadataValue.md(
                            "\n".join(f"- {m}" for m in summary.messages) or "none"
                        ),
                    },
                )
        by_status = dict(
            con.execute("select status, count(*) from raw.ingest_files group by all").fetchall()
        )
        rejected = scalar(con, "select count(*) from raw.ingest_rejected_rows")
    # The files' Arrow tables are gone; give their pages back to the system (the allocator keeps
    # freed memory otherwise): ~0.12 GiB at jember scale that this process would hold through
    # dbt, the gate and publishing, on top of their own peaks (docs/benchmarks.md).
    pa.default_memory_pool().release_unused()
    if raw_key("ingest_files") in selected:
        yield dg.MaterializeResult(
            asset_key=raw_key("ingest_files"),
            metadata={f"files_{status}": n for status, n in by_status.items()},
        )
    if raw_key("ingest_rejected_rows") in selected:
        yield dg.MaterializeResult(
            asset_key=raw_key("ingest_rejected_rows"), metadata={"dagster/row_count": rejected}
        )
