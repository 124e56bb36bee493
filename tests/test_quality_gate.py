"""The delivery-level sanity check, with the real pipeline (Dagster, dbt, GX, DuckDB)."""

from __future__ import annotations

from pathlib import Path

from helpers import KENCONG_AGAIN, KENCONG_PKH, blocking_failures, output, published_snapshot

# Both checks below block on one run (conftest.sample_blocked: a copy of the published shipped
# sample, with a third kind of damage test_report reads); each test asserts its own check.


def test_a_new_file_repeating_loaded_rows_blocks_but_a_byte_identical_repeat_does_not(
    sample_blocked,
):
    # The sample already holds a byte-identical repeat delivery (pkh/2025/kirim_ulang): it
    # published (conftest.sample_run). The same records under a new name, not the same bytes
    # (a title line above the header): conftest.KENCONG_AGAIN.
    second, data = sample_blocked["result"], sample_blocked["data"]
    assert second.returncode == 2, output(second)
    assert "int_delivery_sanity" in second.stdout and "repeated_row_share" in second.stdout
    # this check blocks by itself (the run's other damage blocks by other checks)
    assert ("int_delivery_sanity", "repeated_row_share") in blocking_failures(data)
    assert published_snapshot(data) == sample_blocked["published_before"]
    # the meeting report names the file behind the failed check
    report = (data / "reports" / "laporan-2025-12.html").read_text(encoding="utf-8")
    assert str(KENCONG_AGAIN) in report


def test_a_pkh_file_whose_rupiah_fit_no_components_blocks_and_the_report_names_it(
    sample_blocked,
):
    """Every NOMINAL of one stage file of one kecamatan set to an amount no components give
    (conftest.KENCONG_PKH): more than a tenth of the year's PKH families then carry a rupiah
    mismatch, which the mart_pkh_family suite blocks (its threshold, not the test's)."""
    second, data = sample_blocked["result"], sample_blocked["data"]
    assert second.returncode == 2, output(second)
    assert "mart_pkh_family" in second.stdout and "stages_rupiah_mismatch" in second.stdout
    # this check blocks by itself (the run's other damage blocks by other checks)
    assert ("mart_pkh_family", "stages_rupiah_mismatch") in blocking_failures(data)
    assert published_snapshot(data) == sample_blocked["published_before"]
    report = (data / "reports" / "laporan-2025-12.html").read_text(encoding="utf-8")
    assert "DIBLOKIR" in report and "stages_rupiah_mismatch" in report
    assert str(KENCONG_PKH) in report


def test_staging_suites_fail_on_bad_rows_and_pass_on_good_ones(tmp_path):
    """The real staging suites through real Great Expectations, on a warehouse whose staging
    relations hold one good and one bad version of the same rows."""
    import duckdb

    from dagster_project.quality.validation import load_suite_specs, validate_suites
    from dagster_project.resources import EXPECTATIONS_DIR

    specs = {s.name: s for s in load_suite_specs(EXPECTATIONS_DIR)}
    good = "(2023, 9.51, 236.46, 441171)"
    bad = "(2023, 951.0, 236.46, -5)"  # a percentage above 100, a negative poverty line
    outcomes = {}
    for label, values in (("good", good), ("bad", bad)):
        with duckdb.connect(str(tmp_path / f"{label}.duckdb")) as con:
            con.execute("create schema staging")
            con.execute(f"""create table staging.stg_bps__poverty as
                select 'bps_kemiskinan|x.csv||1' as row_key, 'bps/x.csv' as source_path, 1 as row_number, *
                from (values {values}) as t(tahun, persen_miskin, jumlah_miskin_ribu, garis_kemiskinan_rp)""")
            outcomes[label] = validate_suites(con, EXPECTATIONS_DIR, [specs["stg_bps__poverty"]])[0]
    assert outcomes["good"].passed and not outcomes["good"].failed
    assert not outcomes["bad"].passed
    assert {e.column for e in outcomes["bad"].blocking_failures} == {
        "persen_miskin",
        "garis_kemiskinan_rp",
    }


def test_data_docs_read_offline(tiny_run):
    """Every Data Docs page links the local Bootstrap copy and loads nothing from the network."""
    import re

    docs = tiny_run["data"] / "reports" / "gx"
    pages = list(docs.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(link|script)[^>]*(href|src)="https?://', text), page
        local = re.search(r'<link rel="stylesheet" href="([^"]+bootstrap\.min\.css)"', text)
        assert local and (page.parent / local.group(1)).resolve().is_file(), page


def test_value_level_expectations_count_every_row_and_mostly_holds_over_the_table(tmp_path):
    """DuckDB hands GX each distinct value once with its row count (validation.py): the counts
    in the verdict are still rows, and `mostly` is judged on rows, not on distinct values. 100
    DTKS rows, 5 distinct values of each column: 20 rows with an invalid NIK (share valid 0.80)
    fail the 0.85 warning; 10 (0.90) pass it; a NULL sex and a desil of 11 fail critically.
    The distinct values reach GX in chunks of at most the suite's batch_rows (a key column has
    as many distinct values as rows): in chunks of 7 values the verdict is the same, count for
    count, as in one."""
    import dataclasses

    import duckdb

    from dagster_project.quality.validation import load_suite_specs, validate_suites
    from dagster_project.resources import EXPECTATIONS_DIR

    spec = next(s for s in load_suite_specs(EXPECTATIONS_DIR) if s.name == "stg_dtks__persons")
    outcomes = {}
    for invalid in (20, 10):
        with duckdb.connect(str(tmp_path / f"{invalid}.duckdb")) as con:
            con.execute("create schema staging")
            con.execute(f"""create table staging.stg_dtks__persons as
                select 'dtks|x.csv||' || i as row_key, 'dtks/x.csv' as source_path, i as row_number,
                    'valid_length' as nik_status, i > {invalid} as is_nik_valid,
                    case when i = 1 then null when i % 2 = 0 then 'L' else 'P' end as jenis_kelamin,
                    1 as hubungan_keluarga_kode,
                    case when i <= 3 then 11 else 1 + i % 10 end as desil,
                from range(1, 101) as t(i)""")
            outcomes[invalid] = validate_suites(con, EXPECTATIONS_DIR, [spec])[0]
            chunked = dataclasses.replace(spec, batch_rows=7)
            in_chunks = validate_suites(con, EXPECTATIONS_DIR, [chunked])[0]
            assert in_chunks.to_dict() == outcomes[invalid].to_dict()
    by_column = {n: {e.column: e for e in o.expectations} for n, o in outcomes.items()}
    for n, columns in by_column.items():
        assert outcomes[n].rows == 100
        assert (
            columns["jenis_kelamin"].element_count,
            columns["jenis_kelamin"].missing_count,
            columns["jenis_kelamin"].unexpected_count,
        ) == (100, 1, 0)  # NULL is missing, not unexpected
        assert (columns["desil"].unexpected_count, columns["desil"].success) == (3, False)
        assert columns["row_key"].element_count == 100 and columns["row_key"].success
    assert (
        by_column[20]["is_nik_valid"].unexpected_count,
        by_column[20]["is_nik_valid"].success,
    ) == (20, False)
    assert (
        by_column[10]["is_nik_valid"].unexpected_count,
        by_column[10]["is_nik_valid"].success,
    ) == (10, True)
    assert by_column[20]["is_nik_valid"].severity == "warning"
    assert not outcomes[20].passed and {e.column for e in outcomes[20].blocking_failures} == {
        "desil"
    }


# The dbt data tests that repeated a Great Expectations expectation on the same table, column and
# kind were dropped (each rule in one place; the expectation suites are the publish gate). The
# suites must still block on what those tests caught: (suite, column, kind) -> the damage below.
GATE_HOLDS_THE_RULE = [
    ("int_delivery_completeness", "check_name", "in_set"),
    ("int_pkh__disbursements_cleaned", "row_key", "not_null"),
    ("dim_wilayah", "kode_desa", "unique"),
    ("dim_wilayah", "jenis", "in_set"),
    ("mart_desa", "kode_desa", "not_null"),
    ("mart_desa", "kode_desa", "unique"),
    ("mart_desa_changes", "kode_desa", "unique"),
    ("mart_household", "household_id", "not_null"),
    ("mart_household_history", "household_id", "not_null"),
    ("mart_household_history", "period", "not_null"),
    ("mart_kecamatan", "kode_kecamatan", "not_null"),
    ("mart_kecamatan", "kode_kecamatan", "unique"),
    ("mart_koperasi_progress", "kode_desa", "not_null"),
    ("mart_koperasi_progress", "kode_desa", "unique"),
    ("mart_koperasi_progress", "is_stuck", "not_null"),
    ("mart_koperasi_reports", "report_id", "not_null"),
    ("mart_koperasi_reports", "report_id", "unique"),
    ("mart_koperasi_reports", "kode_desa", "not_null"),
    ("mart_pkh_family", "id_pkh", "not_null"),
    *(
        (staging, column, "not_null")
        for staging in (
            "stg_dtks__persons",
            "stg_pkh__disbursements",
            "stg_bps__population",
            "stg_bps__poverty",
            "stg_koperasi__reports",
        )
        for column in ("row_key", "source_path")
    ),
    ("stg_dtks__persons", "jenis_kelamin", "in_set"),
    ("stg_pkh__disbursements", "status_kpm", "in_set"),
]
GX_KIND = {
    "not_null": "expect_column_values_to_not_be_null",
    "unique": "expect_column_values_to_be_unique",
    "in_set": "expect_column_values_to_be_in_set",
}
DBT_KIND = {
    "not_null": "not_null",
    "not_null_columns": "not_null",
    "unique": "unique",
    "accepted_values": "in_set",
    "accepted_range": "between",
}


def _gx_rules() -> dict[tuple[str, str, str], dict]:
    """{(schema.table, column, kind): expectation} of every suite in expectations/."""
    import json

    from dagster_project.resources import EXPECTATIONS_DIR

    kinds = {v: k for k, v in GX_KIND.items()} | {"expect_column_values_to_be_between": "between"}
    rules = {}
    for path in sorted((EXPECTATIONS_DIR / "gx" / "expectations").glob("*.json")):
        suite = json.loads(path.read_text())
        for e in suite["expectations"]:
            if e["type"] in kinds and "column" in e["kwargs"]:
                rules[(suite["meta"]["asset"], e["kwargs"]["column"], kinds[e["type"]])] = e
    return rules


def test_no_dbt_data_test_repeats_a_great_expectations_rule(handmade_warehouse):
    """One rule, one place: no dbt data test checks what a suite's expectation checks on the same
    table, column and kind (not NULL, unique, in a set, within a range). A rule the gate holds
    stays in the gate; dbt keeps the rules no suite has."""
    manifest = handmade_warehouse["manifest"]
    gx = _gx_rules()
    twice = []
    for test in manifest["nodes"].values():
        kind = DBT_KIND.get((test.get("test_metadata") or {}).get("name"))
        parent = manifest["nodes"].get(test.get("attached_node") or "")
        if test["resource_type"] != "test" or kind is None or parent is None:
            continue
        kwargs = test["test_metadata"]["kwargs"]
        columns = kwargs.get("columns") or [test["column_name"]]
        table = f"{parent['schema']}.{parent['alias']}"
        twice += [f"{test['name']}: {table}.{c}" for c in columns if (table, c, kind) in gx]
    assert not twice, twice
    # the check sees the rules it looks for: the gate holds every one of the dropped tests' rules
    assert {(t.split(".")[1], c, k) for (t, c, k) in gx} >= set(GATE_HOLDS_THE_RULE)


def test_the_gate_blocks_on_every_rule_dbt_no_longer_tests(handmade_warehouse, tmp_path):
    """Each rule in GATE_HOLDS_THE_RULE, through the real suites and the real validation: it
    holds on the hand-made warehouse as dbt built it, and fails critically once a copy of that
    warehouse holds a NULL, a repeated key or a value outside the set in the column."""
    import shutil

    import duckdb

    from dagster_project.quality.validation import load_suite_specs, validate_suites
    from dagster_project.resources import EXPECTATIONS_DIR

    specs = [
        s
        for s in load_suite_specs(EXPECTATIONS_DIR)
        if s.name in {r[0] for r in GATE_HOLDS_THE_RULE}
    ]
    damaged = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_warehouse["warehouse"], damaged)

    def outcomes(path: Path, read_only: bool) -> dict[tuple[str, str, str], tuple[bool, str]]:
        with duckdb.connect(str(path), read_only=read_only) as con:
            results = validate_suites(con, EXPECTATIONS_DIR, specs)
        return {
            (o.suite, e.column, e.expectation): (e.success, e.severity)
            for o in results
            for e in o.expectations
        }

    with duckdb.connect(str(damaged)) as con:
        for spec in specs:
            schema, table = spec.asset_path
            # staging models are views: the same rows as a table, so that they can be damaged
            con.execute(f"create table {schema}.damaged as select * from {schema}.{table}")
            (kind,) = con.execute(
                "select table_type from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()
            con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {schema}.{table}")
            con.execute(f"alter table {schema}.damaged rename to {table}")
            for suite, column, kind in GATE_HOLDS_THE_RULE:
                if suite != spec.name:
                    continue
                if kind == "not_null":  # a row with nothing set
                    con.execute(f"insert into {schema}.{table} ({column}) values (null)")
                elif kind == "unique":  # a second row with a key already there
                    inserted = con.execute(
                        f"insert into {schema}.{table} ({column}) "
                        f"select {column} from {schema}.{table} where {column} is not null limit 1"
                    ).fetchall()
                    assert inserted == [(1,)], (suite, column)
                else:  # a value the set does not hold
                    con.execute(
                        f"insert into {schema}.{table} ({column}) values ('NOT IN THE SET')"
                    )
    before = outcomes(handmade_warehouse["warehouse"], read_only=True)
    after = outcomes(damaged, read_only=False)
    for suite, column, kind in GATE_HOLDS_THE_RULE:
        key = (suite, column, GX_KIND[kind])
        assert before[key] == (True, "critical"), key
        assert after[key] == (False, "critical"), key
