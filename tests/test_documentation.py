"""Every table and column an analyst can read is described, and the description reaches them.

The descriptions live in the dbt models' yml, one source: dbt writes them into the warehouse as
COMMENT ON TABLE/COLUMN (`persist_docs`, dbt_project.yml) and publishing copies them into the
published jember.duckdb (publishing._fill_release). Fast tier: the session's real `dbt build`
over the hand-made raw tables (conftest.handmade_warehouse), then the real build_release on
that warehouse. Full
tier: the warehouse and the release of a real `jember run` on the tiny delivery (tiny_run).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers import REPO, run_dbt

from dagster_project.publishing import privacy
from dagster_project.publishing.release import build_release


def mart_nodes(manifest: dict) -> dict[str, dict]:
    """{model name: manifest node} of the models that land in schema marts (the published ones)."""
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def described(node: dict, column: str) -> str:
    return ((node["columns"].get(column) or {}).get("description") or "").strip()


def columns_of(
    con: duckdb.DuckDBPyConnection, database: str, schema: str
) -> dict[str, dict[str, str | None]]:
    """{table: {column: comment}} as the file itself reports them."""
    out: dict[str, dict[str, str | None]] = {}
    for table, column, comment in con.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where database_name = ? and schema_name = ? order by table_name, column_index",
        [database, schema],
    ).fetchall():
        out.setdefault(table, {})[column] = comment
    return out


def table_comments(
    con: duckdb.DuckDBPyConnection, database: str, schema: str
) -> dict[str, str | None]:
    return dict(
        con.execute(
            "select table_name, comment from duckdb_tables() where database_name = ? and schema_name = ?",
            [database, schema],
        ).fetchall()
    )


def undocumented(manifest: dict, tables: dict[str, dict]) -> list[str]:
    nodes = mart_nodes(manifest)
    missing = []
    for table, columns in tables.items():
        node = nodes.get(table)
        if node is None:
            missing.append(f"{table}: no dbt model in schema marts")
            continue
        if not node["description"].strip():
            missing.append(f"{table}: no model description")
        missing += [f"{table}.{c}" for c in columns if not described(node, c)]
    return missing


@pytest.fixture
def built(handmade_warehouse: dict) -> dict:
    """The session's hand-made raw tables after one real `dbt build`, with its manifest."""
    return handmade_warehouse


def test_every_mart_and_every_column_of_it_is_described(built):
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        tables = columns_of(con, "warehouse", "marts")
    assert len(tables) >= 12
    assert sum(len(c) for c in tables.values()) >= 500
    missing = undocumented(built["manifest"], tables)
    assert not missing, (
        f"{len(missing)} mart columns without a description in the models' yml: {missing}"
    )


def test_the_yml_describes_no_column_a_mart_does_not_have(built):
    """A renamed or dropped column must take its description along, not leave it behind."""
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        tables = columns_of(con, "warehouse", "marts")
    stale = [
        f"{name}.{column}"
        for name, node in mart_nodes(built["manifest"]).items()
        for column in node["columns"]
        if column not in tables.get(name, {})
    ]
    assert not stale, f"described in yml but not in the mart: {stale}"


def test_the_warehouse_comments_are_the_yml_descriptions(built):
    nodes = mart_nodes(built["manifest"])
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        tables = columns_of(con, "warehouse", "marts")
        comments = table_comments(con, "warehouse", "marts")
    for table, columns in tables.items():
        assert comments[table] == nodes[table]["description"], table
        for column, comment in columns.items():
            assert comment == nodes[table]["columns"][column]["description"], f"{table}.{column}"


def test_the_published_file_carries_every_description(built, tmp_path, monkeypatch):
    """The real build_release on the real warehouse: each published table and column has the
    manifest's text as its comment; the column publishing adds (suppressed_columns) is
    described too; a withheld column is gone with its comment."""
    monkeypatch.setenv(privacy.KEY_ENV, "documentation-test-key-" + "k" * 20)
    manifest = built["manifest"]
    rules = privacy.columns_with_privacy_meta(manifest)
    release = build_release(
        built["warehouse"], tmp_path / "releases", "r1", {}, rules, small_count_threshold=5
    )
    nodes = mart_nodes(manifest)
    with duckdb.connect(str(release / "jember.duckdb"), read_only=True) as con:
        published = columns_of(con, "jember", "main")
        comments = table_comments(con, "jember", "main")
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        assert set(published) == set(columns_of(con, "warehouse", "marts")), (
            "every mart is published"
        )
    for table, columns in published.items():
        assert comments[table] == nodes[table]["description"], table
        for column, comment in columns.items():
            if column == privacy.SUPPRESSED_COLUMNS:
                assert comment and "hidden" in comment, f"{table}.{column}"
            else:
                assert comment == nodes[table]["columns"][column]["description"], (
                    f"{table}.{column}"
                )
    assert privacy.SUPPRESSED_COLUMNS in published["mart_desa"]
    assert "kode_desa" not in published["mart_household"], "restricted column withheld"


def test_small_count_columns_say_they_are_suppressed(built):
    """An analyst meeting a NULL in a suppressed column finds why in its description."""
    unexplained = [
        f"{table}.{column}"
        for table, rules in privacy.columns_with_privacy_meta(built["manifest"]).items()
        for column, rule in rules.items()
        if rule == privacy.SUPPRESS_META
        and "suppressed_columns" not in described(mart_nodes(built["manifest"])[table], column)
    ]
    assert not unexplained, unexplained


def test_dbt_docs_generate_works_offline_and_opens_on_the_overview(
    built: dict, tmp_path: Path
) -> None:
    # A copy of the session build's target folder: dbt reuses its parse of the same project
    # (partial_parse.msgpack) instead of parsing again, and the session's files stay as they were.
    # A copy of its warehouse too: dbt opens the file for writing, which the session's tests
    # in the other pytest-xdist worker, reading it meanwhile, would not let it do.
    shutil.copytree(built["work"] / "target", tmp_path / "target")
    warehouse = Path(shutil.copy(built["warehouse"], tmp_path / "warehouse.duckdb"))
    result = run_dbt("docs", "generate", warehouse=warehouse, target_dir=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    target = tmp_path / "target"
    assert (target / "index.html").exists() and (target / "catalog.json").exists()
    overview = json.loads((target / "manifest.json").read_text())["docs"]["doc.jember.__overview__"]
    text = overview["block_contents"]
    for words in [
        "staging",
        "intermediate",
        "marts",
        "restricted",
        "jember.duckdb",
        "mart_desa",
        "suppress",
    ]:
        assert words in text, words
    # the catalog read back from the warehouse shows the persisted comments
    catalog = json.loads((target / "catalog.json").read_text())
    mart_desa = catalog["nodes"]["model.jember.mart_desa"]
    assert mart_desa["columns"]["nama_desa"]["comment"]


def test_the_release_of_a_real_run_is_described(tiny_run):
    """Full tier: the published file of `jember run`, against the manifest that run used."""
    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-4000:]
    manifest = json.loads((REPO / "dbt" / "target" / "manifest.json").read_text())
    nodes = mart_nodes(manifest)
    with duckdb.connect(str(tiny_run["data"] / "warehouse.duckdb"), read_only=True) as con:
        warehouse = columns_of(con, "warehouse", "marts")
    assert not undocumented(manifest, warehouse)
    with duckdb.connect(
        str(tiny_run["data"] / "published" / "jember.duckdb"), read_only=True
    ) as con:
        published = columns_of(con, "jember", "main")
        comments = table_comments(con, "jember", "main")
    assert set(published) == set(warehouse)
    without = [
        f"{t}.{c}" for t, cols in published.items() for c, comment in cols.items() if not comment
    ]
    assert not without, f"published columns without a comment: {without}"
    for table, columns in published.items():
        assert comments[table] == nodes[table]["description"]
        for column, comment in columns.items():
            if column != privacy.SUPPRESSED_COLUMNS:
                assert comment == nodes[table]["columns"][column]["description"], (
                    f"{table}.{column}"
                )


def test_dbt_readme_names_every_model_and_seed(built):
    """dbt/README.md is the map of the project: a model missing from it is a model nobody
    finds (the list is generated from the manifest, see the README)."""
    readme = (REPO / "dbt" / "README.md").read_text()
    missing = sorted(
        node["name"]
        for node in built["manifest"]["nodes"].values()
        if node["resource_type"] in ("model", "seed") and f"`{node['name']}`" not in readme
    )
    assert not missing, f"not in dbt/README.md: {missing}"
