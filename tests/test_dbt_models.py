"""The dbt project over hand-made raw tables: parsing, village matching, rejection, conservation.

The raw tables (handmade_delivery) hold exactly the schema of docs/raw-tables.md (every contract
column VARCHAR, then the metadata columns), filled with small messy rows; the real `dbt build`
runs over them once per session in its own process (conftest.handmade_warehouse). Each test then
reads the resulting warehouse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from handmade_delivery import (
    AJUNG_AJUNG,
    AJUNG_KLOMPANGAN,
    AJUNG_PANCAKARYA,
    BPS_FILE,
    DTKS_FILE,
    DTKS_ROWS,
    KALISAT_AJUNG,
    KALIWATES_MANGLI,
    PKH_FILE,
    PUGER_MOJOSARI,
    REPEATED_ROW_NUMBERS,
    SEMBORO_SEMBORO,
    SUMBERSARI_KEBONSARI,
    SUMBERSARI_SUMBERSARI,
    UMBULSARI_SIDOREJO,
)
from helpers import DBT_DIR, REPO, query, run_dbt


@pytest.fixture
def warehouse(handmade_warehouse: dict) -> Path:
    return handmade_warehouse["warehouse"]


def dtks_row(warehouse: Path, row_number: int, columns: str) -> tuple:
    rows = query(
        warehouse,
        f"select {columns} from staging.stg_dtks__persons where source_path = ? and row_number = ?",
        [DTKS_FILE, row_number],
    )
    assert len(rows) == 1
    return rows[0]


def test_dbt_parse_writes_the_manifest(handmade_warehouse: dict) -> None:
    """`dbt parse` into an empty target folder (the session's, before its build ran)."""
    result = handmade_warehouse["parse"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert handmade_warehouse["manifest_after_parse"]


def test_every_dbt_unit_test_runs_here_and_passes(handmade_warehouse: dict) -> None:
    """The pipeline's `dbt build` leaves the unit tests out (transform/assets.py RUN_EXCLUDES):
    they test the models' code, not a delivery. This build is where they run: every unit test
    of the project, each passed (a failing one also fails the fixture's build)."""
    import json

    manifest = handmade_warehouse["manifest"]
    unit_tests = set(manifest["unit_tests"])
    assert len(unit_tests) >= 9
    results = json.loads((handmade_warehouse["work"] / "target" / "run_results.json").read_text())
    status = {r["unique_id"]: r["status"] for r in results["results"]}
    assert {u: status.get(u) for u in unit_tests} == dict.fromkeys(unit_tests, "pass")


@pytest.mark.parametrize(
    ("row_number", "nik", "status"),
    [
        (1, "3509015501800001", "valid_length"),
        (2, "3509010101750002", "valid_length"),  # leading '
        (3, "3509010308750003", "valid_length"),  # spaces
        (4, "3509015205800004", "valid_length"),  # dots
        (5, "3509015208800005", "valid_length"),  # dashes
        (6, "3509011205800006", "valid_length"),  # trailing .0
        (7, None, "scientific_notation"),
        (8, "350901120580", "wrong_length"),
        (9, None, "empty"),
    ],
)
def test_each_damaged_nik_is_parsed_or_flagged(warehouse, row_number, nik, status):
    assert dtks_row(warehouse, row_number, "nik, nik_status") == (nik, status)


def test_nik_structure_gives_birth_date_and_sex(warehouse):
    import datetime as dt

    assert dtks_row(
        warehouse, 1, "nik_birth_date, nik_sex, nik_structure_status, is_nik_valid"
    ) == (dt.date(1980, 1, 15), "P", "valid", True)
    assert dtks_row(warehouse, 1, "nik_birth_date_mismatch, nik_sex_mismatch") == (False, False)
    # row 10: the NIK says a man (day 05), the row says P
    assert dtks_row(warehouse, 10, "nik_sex, nik_sex_mismatch, nik_birth_date_mismatch") == (
        "L",
        True,
        False,
    )
    # row 11: NIK 15-01-80, TANGGAL_LAHIR 16-01-1980
    assert dtks_row(warehouse, 11, "nik_birth_date_mismatch, nik_sex_mismatch") == (True, False)
    # row 12: numeric xlsx cells: structure fine as far as it can be read, but not valid for counting
    assert dtks_row(
        warehouse,
        12,
        "nik_structure_status, is_nik_valid, nik_last_digit_untrusted, no_kk_last_digit_untrusted",
    ) == ("valid", False, True, True)
    # row 25: the same digits typed as text: serial 0000 is wrong
    assert dtks_row(warehouse, 25, "nik_structure_status, is_nik_valid") == (
        "invalid_serial",
        False,
    )
    assert dtks_row(warehouse, 1, "nik_last_digit_untrusted") == (False,)
    assert dtks_row(warehouse, 8, "nik_structure_status, is_nik_valid") == ("not_checked", False)


@pytest.mark.parametrize(
    ("row_number", "expected"),
    [
        (1, "1980-01-15"),  # DD-MM-YYYY
        (2, "1975-01-01"),  # DD/MM/YYYY
        (3, "1975-08-03"),  # 3 Agustus 1975
        (4, "1980-05-12"),  # 12 Mei 1980
        (5, "1980-08-12"),  # 12 Agu 1980
        (6, "1980-05-12"),  # YYYY-MM-DD
        (7, "1980-05-12"),  # Excel serial 29353
        (8, None),  # 31-02-1980 is impossible: NULL, not an error
    ],
)
def test_each_date_form_is_parsed(warehouse, row_number, expected):
    (value,) = dtks_row(warehouse, row_number, "tanggal_lahir::varchar")
    assert value == expected


def test_sex_relationship_and_yes_no_are_parsed(warehouse):
    rows = {
        n: dtks_row(
            warehouse, n, "jenis_kelamin, hubungan_keluarga_kode, hubungan_keluarga, is_disabilitas"
        )
        for n in range(1, 8)
    }
    assert rows[1] == ("P", 2, "ISTRI/SUAMI", False)
    assert rows[2] == ("L", 1, "KEPALA KELUARGA", True)
    assert rows[3] == ("L", 3, "ANAK", True)
    assert rows[4] == ("P", 1, "KEPALA KELUARGA", False)
    assert rows[5] == ("P", 3, "ANAK", False)
    assert rows[6] == ("L", 8, "FAMILI LAIN", True)
    assert rows[7] == ("L", 9, "LAINNYA", None)
    assert dtks_row(warehouse, 2, "desil, nama") == (1, "Ahmad Fauzi")


def test_numbers_in_every_contract_form(warehouse):
    nominal = dict(
        query(warehouse, "select row_number, nominal from staging.stg_pkh__disbursements")
    )
    assert nominal == {1: 750000.0, 2: 750000.0, 3: 750000.0, 4: 1234.5, 5: 0.0}
    bps = query(
        warehouse,
        "select luas_km2, penduduk_l, penduduk_p, jumlah_kk from staging.stg_bps__population where row_number = 1",
    )
    assert bps == [(12.5, 1234567, 1234567, 1234567)]
    status = dict(
        query(warehouse, "select row_number, status_kpm from staging.stg_pkh__disbursements")
    )
    assert status[1] == "AKTIF" and status[3] == "NON AKTIF" and status[4] == "NON AKTIF"
    poverty = query(
        warehouse, "select tahun, persen_miskin, garis_kemiskinan_rp from staging.stg_bps__poverty"
    )
    assert poverty == [(2024, 9.01, 459043.0)]


@pytest.mark.parametrize(
    ("row_number", "kode_desa", "method"),
    [
        (1, AJUNG_AJUNG, "exact"),
        (14, KALIWATES_MANGLI, "kode_desa"),  # dotted code wins over unknown names
        (15, KALIWATES_MANGLI, "kode_desa"),  # code without dots
        (16, KALISAT_AJUNG, "exact"),  # the other Ajung: known only with its kecamatan
        (17, SUMBERSARI_KEBONSARI, "normalised"),  # prefixes, spaces and hyphens
        (18, SUMBERSARI_SUMBERSARI, "fuzzy"),  # kecamatan misspelt
        (19, AJUNG_KLOMPANGAN, "fuzzy"),  # desa misspelt
        (20, None, "unmatched_kecamatan"),
        (21, None, "unmatched_desa"),
        (22, None, "ambiguous"),  # Monosari: one letter from both Mojosari and Wonosari
        (23, PUGER_MOJOSARI, "normalised"),  # code not in the list: names decide
        (26, SEMBORO_SEMBORO, "fuzzy"),  # 'Semboor': adjacent letters swapped
        (27, UMBULSARI_SIDOREJO, "fuzzy"),  # tied kecamatan settled by the desa
        (28, AJUNG_PANCAKARYA, "fuzzy"),
    ],
)
def test_each_village_variant_is_matched_with_its_method(warehouse, row_number, kode_desa, method):
    rows = query(
        warehouse,
        "select kode_desa, desa_match_method from intermediate.int_dtks__persons_cleaned "
        "where source_path = ? and row_number = ?",
        [DTKS_FILE, row_number],
    )
    assert rows == [(kode_desa, method)]


def test_rejected_rows_hold_reader_and_dbt_rejections(warehouse):
    rows = query(
        warehouse,
        "select source, source_path, row_number, rejected_by, reason from intermediate.rejected_rows "
        "order by source, source_path, row_number",
    )
    assert rows == [
        ("bps", BPS_FILE, 3, "dbt", "no_village"),
        ("dtks", DTKS_FILE, 13, "dbt", "no_identifying_value"),
        ("dtks", DTKS_FILE, 24, "reader", "too_many_fields"),
        ("pkh", PKH_FILE, 5, "dbt", "no_identifying_value"),
    ]
    (message,) = query(
        warehouse, "select message from intermediate.rejected_rows where row_number = 13"
    )[0]
    assert DTKS_FILE in message and "13" in message


def test_every_raw_row_is_accounted_for_once(warehouse):
    raw = query(warehouse, "select count(*) from raw.dtks")[0][0]
    cleaned = query(warehouse, "select count(*) from intermediate.int_dtks__persons_cleaned")[0][0]
    rejected = query(
        warehouse,
        "select count(*) from intermediate.rejected_rows where source = 'dtks' and rejected_by = 'dbt'",
    )[0][0]
    assert raw == len(DTKS_ROWS) + len(REPEATED_ROW_NUMBERS)
    assert cleaned + rejected == raw
    repeats = query(
        warehouse,
        "select count(*), min(canonical_source_path) from intermediate.int_dtks__persons_cleaned "
        "where is_repeat_delivery",
    )
    assert repeats == [(len(REPEATED_ROW_NUMBERS), DTKS_FILE)]


def test_mart_desa_has_every_village_and_counts_the_hand_made_rows(warehouse):
    assert query(warehouse, "select count(*), count(distinct kode_desa) from marts.mart_desa") == [
        (248, 248)
    ]
    assert query(warehouse, "select count(*) from marts.dim_wilayah") == [(248,)]
    assert query(warehouse, "select count(*) from marts.mart_kecamatan") == [(31,)]
    ajung = query(
        warehouse,
        "select dtks_rows, dtks_rows_first_delivery, dtks_persons, dtks_families, pkh_families, "
        "pkh_nominal_rp, bps_tahun, bps_penduduk, bps_jumlah_kk, koperasi_tahapan, "
        "koperasi_has_stage_regression, koperasi_lacks_legal_documents "
        "from marts.mart_desa where kode_desa = ?",
        [AJUNG_AJUNG],
    )
    # Ajung/Ajung DTKS rows: 1-12 and 25 (13 is rejected) plus the 3 repeated rows.
    # Persons: valid NIKs of rows 1-6, 10, 11 (8) + rows 7, 8, 9, 12, 25 by row (5) = 13.
    # Families: NO_KK ...01, ...02, ...03, ...04 = 4. PKH: PKH-001, -002, -003 = 3.
    assert ajung == [
        (16, 13, 13, 4, 3, 750000.0 * 3 + 1234.5, 2024, 10100, 3000, "BADAN HUKUM", True, False)
    ]
    assert query(
        warehouse,
        "select dtks_persons from marts.mart_desa where kode_desa = ?",
        [KALIWATES_MANGLI],
    ) == [(2,)]
    assert query(
        warehouse,
        "select koperasi_tahapan, koperasi_has_stage_regression, koperasi_lacks_legal_documents "
        "from marts.mart_desa where kode_desa = ?",
        [AJUNG_KLOMPANGAN],
    ) == [("OPERASIONAL", False, True)]


def test_unmatched_rows_are_counted_not_lost(warehouse):
    summary = dict(
        query(
            warehouse,
            "select desa_match_method, rows from marts.mart_region_match_summary where table_name = 'dtks'",
        )
    )
    assert summary["unmatched_kecamatan"] == 1
    assert summary["unmatched_desa"] == 1
    assert summary["ambiguous"] == 1
    assert (
        sum(summary.values())
        == query(warehouse, "select count(*) from intermediate.int_dtks__persons_cleaned")[0][0]
    )


@pytest.mark.parametrize("name", ["wilayah_jember.csv", "bps_kemiskinan_jember.csv"])
def test_seeds_are_copies_of_the_shared_reference(name):
    shared = REPO.parent / "shared" / "reference" / name
    if not shared.exists():
        pytest.skip("shared reference folder not present in this checkout")
    assert (DBT_DIR / "seeds" / name).read_bytes() == shared.read_bytes()


def test_a_null_in_one_listed_column_fails_not_null_columns_and_the_failure_names_it(
    handmade_warehouse: dict, tmp_path: Path
) -> None:
    """A model's "must be set" columns are one dbt test (dbt/tests/generic/not_null_columns.sql),
    not one node per column. It passed in the fixture's build; on a copy of that warehouse with
    one NULL `reason` in rejected_rows it fails, and its failure rows (stored with
    --store-failures) name that column alone, with its one NULL row. In the same dbt call, the
    whole-table uniqueness of mart_pkh_family.id_pkh, a rule dbt keeps instead of the suite
    (docs/quality.md), fails on a family listed twice."""
    import shutil

    manifest = handmade_warehouse["manifest"]
    (test,) = [
        n
        for n in manifest["nodes"].values()
        if (n.get("test_metadata") or {}).get("name") == "not_null_columns"
        and n.get("attached_node") == "model.jember.rejected_rows"
    ]
    assert test["test_metadata"]["kwargs"]["columns"] == ["row_key", "reason", "message"]
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_warehouse["warehouse"], path)
    with duckdb.connect(str(path)) as con:
        (rows,) = con.execute("select count(*) from intermediate.rejected_rows").fetchone()
        assert rows >= 2
        con.execute(
            "update intermediate.rejected_rows set reason = null "
            "where row_key = (select min(row_key) from intermediate.rejected_rows)"
        )
        con.execute("insert into marts.mart_pkh_family select * from marts.mart_pkh_family limit 1")
    unique = "unique_mart_pkh_family_id_pkh"
    assert f"test.jember.{unique}" in {k.rsplit(".", 1)[0] for k in manifest["nodes"]}
    result = run_dbt(
        "test",
        "--select",
        f"{test['name']} {unique}",
        "--store-failures",
        warehouse=path,
        target_dir=tmp_path,
    )
    assert result.returncode != 0, result.stdout[-3000:]
    assert f"FAIL 1 {test['name']}" in result.stdout, result.stdout[-3000:]
    assert f"FAIL 1 {unique}" in result.stdout, result.stdout[-3000:]
    (audit,) = query(
        path,
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where schema_name like '%dbt_test__audit' and table_name = ?",
        [test["name"]],
    )
    assert query(path, f"select column_name, null_rows from {audit[0]}") == [("reason", 1)]
