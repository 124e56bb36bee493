"""The `publish` asset: the analyst tier, switched in only after the quality gate passed."""

import json

import dagster as dg

from dagster_project.publishing import privacy
from dagster_project.publishing.privacy import restricted_dir
from dagster_project.publishing.release import (
    KEEP_RELEASES,
    build_release,
    new_release_id,
    prune_releases,
    switch_published,
)
from dagster_project.quality.validation import marts_fingerprint, read_verdict
from dagster_project.resources import PipelinePaths
from dagster_project.transform.assets import (
    MONTHLY,
    ONE_MONTH_PER_RUN,
    dbt_asset_keys,
    dbt_project,
)
from dagster_project.warehouse import connect_read_only

MART_KEYS = sorted(
    (k for k in dbt_asset_keys() if k.path[0] == "marts"), key=lambda k: k.to_user_string()
)


class PublishConfig(dg.Config):
    keep_releases: int = KEEP_RELEASES
    """Releases kept in DATA_DIR/releases, the new one included; older ones are removed."""


class GateBlocked(dg.Failure):
    """Publishing refused because the quality gate did not pass for these marts."""


@dg.asset(
    key=dg.AssetKey(["published", "analyst_tier"]),
    group_name="published",
    deps=MART_KEYS,
    kinds={"duckdb", "parquet"},
    description="data/published/: jember.duckdb and one Parquet file per mart, for analysts. "
    "Replaced atomically, and only when every blocking quality check passed. One partition per "
    "reporting month: the release of that month's run (the history marts hold every month).",
    partitions_def=MONTHLY,
    backfill_policy=ONE_MONTH_PER_RUN,
)
def publish(
    context: dg.AssetExecutionContext, config: PublishConfig, paths: PipelinePaths
) -> dg.MaterializeResult:
    verdict = read_verdict(paths.quality)
    with connect_read_only(paths.warehouse) as con:
        fingerprint = marts_fingerprint(con)
    if verdict is None or not verdict["passed"]:
        failed = [s["suite"] for s in (verdict or {}).get("suites", []) if not s["passed"]]
        raise GateBlocked(
            description="Quality gate did not pass; the previous release stays published. "
            f"Failed suites: {', '.join(failed) or 'no verdict (checks not run)'}"
        )
    if verdict["marts_fingerprint"] != fingerprint:
        raise GateBlocked(
            description="The marts changed after they were validated; run the quality "
            "checks again before publishing. The previous release stays published."
        )
    # Privacy rules come from the dbt column meta (`meta: {privacy: ...}`), read at run time.
    privacy_rules = privacy.columns_with_privacy_meta(
        json.loads(dbt_project.manifest_path.read_text())
    )
    release = build_release(
        paths.warehouse,
        paths.releases,
        new_release_id(context.run.run_id),
        {"run_id": context.run.run_id, "validated_in_run": verdict["run_id"]},
        privacy_rules=privacy_rules,
        small_count_threshold=privacy.small_count_threshold(),
    )
    switch_published(paths.published, release)
    removed = prune_releases(paths.releases, release, keep=max(1, config.keep_releases))
    # Identifiable outputs written during the run are closed to owner-only here at the latest.
    restricted_dir(paths)
    context.log.info(f"published {release.name} -> {paths.published}")
    return dg.MaterializeResult(
        metadata={
            "release": release.name,
            "path": dg.MetadataValue.path(str(paths.published)),
            "tables": len(list(release.glob("*.parquet"))),
            "old_releases_removed": len(removed),
            "small_count_threshold": privacy.small_count_threshold(),
            "columns_with_privacy_rules": dg.MetadataValue.json(privacy_rules),
        }
    )
