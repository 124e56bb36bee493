"""The dbt project over hand-made raw tables: parsing, village matching, rejection, conservation.

The raw tables are built here with exactly the schema of docs/raw-tables.md (every contract
column VARCHAR, then the metadata columns), filled with small messy rows, and the real
`dbt build` runs over them in its own process. Each test then reads the resulting warehouse.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingestion.contract import TABLES
from dagster_project.ingestion.load import INGEST_FILES_SCHEMA, REJECTED_ROWS_SCHEMA

REPO = Path(__file__).resolve().parent.parent
DBT_DIR = REPO / "dbt"
DBT = str(Path(sys.executable).with_name("dbt"))

# Kemendagri codes from the reference list used below
AJUNG_AJUNG = "35.09.17.2004"  # desa Ajung in kecamatan Ajung
KALISAT_AJUNG = "35.09.27.2008"  # desa Ajung in kecamatan Kalisat: same name, other kecamatan
AJUNG_KLOMPANGAN = "35.09.17.2005"
SUMBERSARI_KEBONSARI = "35.09.21.1001"
SUMBERSARI_SUMBERSARI = "35.09.21.1002"
KALIWATES_MANGLI = "35.09.19.1001"
PUGER_MOJOSARI = "35.09.08.2003"
SEMBORO_SEMBORO = "35.09.07.2004"
UMBULSARI_SIDOREJO = "35.09.05.2002"
AJUNG_PANCAKARYA = "35.09.17.2003"

DTKS_FILE = "dtks/2025-04/ajung.csv"
DTKS_REPEAT_FILE = "dtks/2025-05/ajung.csv"  # the same bytes delivered again
SHA_DTKS = "a" * 64

# Each DTKS row: (row_number, columns). Region (kecamatan, desa, kode_desa) default: Ajung/Ajung.
DTKS_ROWS: list[tuple[int, dict]] = [
    # 1: a clean woman born 15-01-1980 (NIK day 55 = 15 + 40)
    (
        1,
        dict(
            nik="3509015501800001",
            no_kk="3509010101100001",
            nama="Siti Aminah",
            jenis_kelamin="P",
            tanggal_lahir="15-01-1980",
            hubungan_keluarga="ISTRI",
            desil="1",
            disabilitas="T",
        ),
    ),
    # 2: leading apostrophe, KK code, DD/MM/YYYY
    (
        2,
        dict(
            nik="'3509010101750002",
            no_kk="3509010101100001",
            nama="  Ahmad   Fauzi ",
            jenis_kelamin="LAKI-LAKI",
            tanggal_lahir="01/01/1975",
            hubungan_keluarga="KK",
            desil="01",
            disabilitas="Y",
        ),
    ),
    # 3: spaces inside, numeric relationship, Indonesian long month
    (
        3,
        dict(
            nik="3509 0103 0875 0003",
            no_kk="3509010101100001",
            nama="Budi",
            jenis_kelamin="1",
            tanggal_lahir="3 Agustus 1975",
            hubungan_keluarga="3",
            disabilitas="1",
        ),
    ),
    # 4: dots inside, Indonesian month 'Mei'
    (
        4,
        dict(
            nik="3509.0152.0580.0004",
            no_kk="3509010101100002",
            nama="Ani",
            jenis_kelamin="perempuan",
            tanggal_lahir="12 Mei 1980",
            hubungan_keluarga="Kepala Keluarga",
            disabilitas="tidak",
        ),
    ),
    # 5: dashes inside, 3-letter month 'Agu'
    (
        5,
        dict(
            nik="3509-0152-0880-0005",
            no_kk="3509010101100002",
            nama="Dewi",
            jenis_kelamin="2",
            tanggal_lahir="12 Agu 1980",
            hubungan_keluarga="anak",
            disabilitas="0",
        ),
    ),
    # 6: trailing .0 (float printed), ISO date
    (
        6,
        dict(
            nik="3509011205800006.0",
            no_kk="3509010101100002",
            nama="Eko",
            jenis_kelamin=" l ",
            tanggal_lahir="1980-05-12",
            hubungan_keluarga="famili lain",
            disabilitas="ya",
        ),
    ),
    # 7: scientific notation: unrecoverable; Excel serial date 29353 = 1980-05-12
    (
        7,
        dict(
            nik="3.50901E+15",
            no_kk="3509010101100003",
            nama="Fajar",
            jenis_kelamin="L",
            tanggal_lahir="29353",
            hubungan_keluarga="9",
        ),
    ),
    # 8: too few digits; impossible date
    (
        8,
        dict(
            nik="350901120580",
            no_kk="3509010101100003",
            nama="Gita",
            jenis_kelamin="P",
            tanggal_lahir="31-02-1980",
            hubungan_keluarga="MENANTU",
        ),
    ),
    # 9: no NIK at all (a person all the same, identified by name and NO_KK)
    (
        9,
        dict(
            nik=None,
            no_kk="3509010101100003",
            nama="Hadi",
            jenis_kelamin="L",
            tanggal_lahir="01-01-1990",
            hubungan_keluarga="CUCU",
        ),
    ),
    # 10: NIK says a man born 05-01-1980 (day 05) but the row says woman: sex mismatch
    (
        10,
        dict(
            nik="3509010501800010",
            no_kk="3509010101100004",
            nama="Indah",
            jenis_kelamin="P",
            tanggal_lahir="05-01-1980",
            hubungan_keluarga="1",
        ),
    ),
    # 11: NIK birth date 15-01-80 but TANGGAL_LAHIR 16-01-1980: birth date mismatch
    (
        11,
        dict(
            nik="3509015501800011",
            no_kk="3509010101100004",
            nama="Joko",
            jenis_kelamin="P",
            tanggal_lahir="16-01-1980",
            hubungan_keluarga="2",
        ),
    ),
    # 12: a numeric xlsx cell: the 16th digit reads 0, so serial 0000 is unknown, not wrong
    (
        12,
        dict(
            nik="3509011505800000",
            no_kk="3509010101100004",
            nama="Kiki",
            jenis_kelamin="L",
            tanggal_lahir="15-05-1980",
            hubungan_keluarga="3",
            _id_numeric_cells="nik,no_kk",
        ),
    ),
    # 25: serial 0000 typed as text: invalid
    (
        25,
        dict(
            nik="3509011505800000",
            no_kk=None,
            nama="Lala",
            jenis_kelamin="L",
            tanggal_lahir="15-05-1980",
        ),
    ),
    # 13: nothing identifies a person: rejected in dbt
    (13, dict(nik=None, no_kk=None, nama=None, jenis_kelamin="L", tanggal_lahir="01-01-1990")),
    # 14-22: one row per village-matching variant
    (
        14,
        dict(
            nik="3509010101900014",
            nama="Kode Dotted",
            kecamatan="Nowhere",
            desa="Nowhere",
            kode_desa=KALIWATES_MANGLI,
        ),
    ),
    (
        15,
        dict(
            nik="3509010101900015",
            nama="Kode Digits",
            kecamatan=None,
            desa=None,
            kode_desa=KALIWATES_MANGLI.replace(".", ""),
        ),
    ),
    (
        16,
        dict(
            nik="3509010101900016", nama="Exact Other Kecamatan", kecamatan="KALISAT", desa="ajung"
        ),
    ),
    (
        17,
        dict(
            nik="3509010101900017",
            nama="Normalised",
            kecamatan="Kec. Sumber Sari",
            desa="Kel. Kebon-Sari",
        ),
    ),
    (18, dict(nik="3509010101900018", nama="Fuzzy", kecamatan="Sumbersary", desa="Sumber sari")),
    (19, dict(nik="3509010101900019", nama="Fuzzy Desa", kecamatan="Ajung", desa="Klompangn")),
    (
        20,
        dict(
            nik="3509010101900020", nama="Unmatched Kecamatan", kecamatan="Atlantis", desa="Ajung"
        ),
    ),
    (21, dict(nik="3509010101900021", nama="Unmatched Desa", kecamatan="Ajung", desa="Zzyzx")),
    (22, dict(nik="3509010101900022", nama="Ambiguous", kecamatan="Puger", desa="Monosari")),
    # 26: two adjacent letters swapped (one edit for Damerau-Levenshtein)
    (
        26,
        dict(nik="3509010101900026", nama="Swapped", kecamatan="Kecamatan Semboor", desa="Semboro"),
    ),
    # 27: 'Ummbulsari' is one edit from Umbulsari and from Mumbulsari; only Umbulsari has a Sidorejo
    (
        27,
        dict(
            nik="3509010101900027",
            nama="Settled By Desa",
            kecamatan="Kec. Ummbulsari",
            desa="Sidorejo",
        ),
    ),
    # 28: a missing first vowel (Jaro-Winkler 0.84)
    (
        28,
        dict(
            nik="3509010101900028", nama="Missing Vowel", kecamatan="Ajung", desa="Desa Pncakarya"
        ),
    ),
    # 23: an invalid code loses to the names
    (
        23,
        dict(
            nik="3509010101900023",
            nama="Bad Code",
            kecamatan="Puger",
            desa="Desa Mojosari",
            kode_desa="35.09.99.9999",
        ),
    ),
]

# Rows 1-3 delivered again in the repeated file (same persons).
REPEATED_ROW_NUMBERS = (1, 2, 3)

PKH_FILE = "pkh/2025/ajung.xlsx"
PKH_ROWS: list[tuple[int, dict]] = [
    (
        1,
        dict(
            id_pkh="PKH-001",
            nik_pengurus="3509015501800001",
            nama_pengurus="Siti Aminah",
            tahun="2025",
            tahap="1",
            sd="1",
            aud=None,
            nominal="Rp 750.000",
            status_kpm="aktif",
        ),
    ),
    (
        2,
        dict(
            id_pkh="PKH-001",
            nik_pengurus="3509015501800001",
            nama_pengurus="Siti Aminah",
            tahun="2025",
            tahap="2",
            sd="1",
            nominal="Rp750.000,00",
            status_kpm="AKTIF",
        ),
    ),
    (
        3,
        dict(
            id_pkh="PKH-002",
            nik_pengurus="3509015208800004",
            nama_pengurus="Ani",
            tahun="2025",
            tahap="1",
            lansia="1",
            nominal="Rp. 750.000",
            status_kpm="Non Aktif",
        ),
    ),
    (
        4,
        dict(
            id_pkh="PKH-003",
            nik_pengurus="3509015208800005",
            nama_pengurus="Dewi",
            tahun="2025",
            tahap="1",
            nominal="1.234,50",
            status_kpm="dikeluarkan",
        ),
    ),
    # nothing identifies a family: rejected in dbt
    (
        5,
        dict(
            id_pkh=None,
            nik_pengurus=None,
            nama_pengurus=None,
            no_kk=None,
            tahun="2025",
            tahap="1",
            nominal="0",
            status_kpm="AKTIF",
        ),
    ),
]

BPS_FILE = "bps/penduduk_2024.csv"
BPS_ROWS: list[tuple[int, dict]] = [
    (
        1,
        dict(
            kecamatan="Ajung",
            desa="Ajung",
            luas_km2="12,5",
            penduduk_l="1.234.567",
            penduduk_p="1,234,567",
            jumlah_kk="1234567",
            tahun="2023",
        ),
    ),
    (
        2,
        dict(
            kecamatan="Ajung",
            desa="Ajung",
            luas_km2="12.5",
            penduduk_l="5.000",
            penduduk_p="5.100",
            jumlah_kk="3.000",
            tahun="2024",
        ),
    ),
    # neither DESA nor KODE_DESA: rejected in dbt
    (
        3,
        dict(
            kecamatan="Ajung",
            desa=None,
            kode_desa=None,
            luas_km2="1",
            penduduk_l="1",
            penduduk_p="1",
            jumlah_kk="1",
            tahun="2024",
        ),
    ),
]

KOPERASI_FILE = "koperasi/laporan.csv"
KOPERASI_ROWS: list[tuple[int, dict]] = [
    (1, dict(kecamatan="Ajung", desa="Ajung", tahapan="musdesus", tanggal_laporan="01-03-2025")),
    (
        2,
        dict(
            kecamatan="Ajung",
            desa="Ajung",
            tahapan="Badan Hukum",
            tanggal_laporan="01-06-2025",
            nomor_akta="12",
            nomor_sk_ahu="AHU-1",
        ),
    ),
    # a later report that goes backwards: the highest stage reached stays current
    (3, dict(kecamatan="Ajung", desa="Ajung", tahapan="SOSIALISASI", tanggal_laporan="01-07-2025")),
    # OPERASIONAL without NOMOR_AKTA / NOMOR_SK_AHU: flagged
    (
        4,
        dict(
            kecamatan="Ajung",
            desa="Klompangan",
            tahapan="Operasional",
            tanggal_laporan="2025-07-01",
        ),
    ),
]

POVERTY_FILE = "bps/kemiskinan.csv"
POVERTY_ROWS: list[tuple[int, dict]] = [
    (
        1,
        dict(
            tahun="2024", persen_miskin="9,01", jumlah_miskin="224,77", garis_kemiskinan="459.043"
        ),
    ),
]


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The raw schema exactly as docs/raw-tables.md describes it."""
    con.execute("create schema if not exists raw")
    for table in TABLES.values():
        columns = [f"{name} varchar" for name in table.column_names] + [
            "_source varchar",
            "_source_path varchar",
            "_sheet varchar",
            "_row_number integer",
            "_file_sha256 varchar",
            "_id_numeric_cells varchar",
        ]
        con.execute(f"create table raw.{table.name} ({', '.join(columns)})")
    for name, schema in (
        ("ingest_files", INGEST_FILES_SCHEMA),
        ("ingest_rejected_rows", REJECTED_ROWS_SCHEMA),
    ):
        empty = schema.empty_table()  # noqa: F841 (read by DuckDB by name)
        con.execute(f"create table raw.{name} as select * from empty")


def insert_rows(
    con, table_name: str, source: str, path: str, sheet: str, sha: str, rows, defaults=None
) -> None:
    table = TABLES[table_name]
    for row_number, values in rows:
        values = {**(defaults or {}), **values}
        contract_values = [values.get(name) for name in table.column_names]
        metadata = [source, path, sheet, row_number, sha, values.get("_id_numeric_cells")]
        placeholders = ", ".join("?" for _ in contract_values + metadata)
        con.execute(
            f"insert into raw.{table_name} values ({placeholders})", contract_values + metadata
        )


def insert_file(
    con, source, path, sheet, table_name, sha, data_rows, duplicate_of=None, status="loaded"
):
    con.execute(
        "insert into raw.ingest_files values (?, ?, ?, ?, ?, 100, ?, null, 'utf-8', ',', 1, ?, 0, 0, ?, now())",
        [source, path, sheet, table_name, sha, status, data_rows, duplicate_of],
    )


def build_raw_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    create_raw_tables(con)
    dtks_defaults = dict(kecamatan="Ajung", desa="Ajung")
    insert_rows(con, "dtks", "dtks", DTKS_FILE, "", SHA_DTKS, DTKS_ROWS, dtks_defaults)
    repeated = [(n, v) for n, v in DTKS_ROWS if n in REPEATED_ROW_NUMBERS]
    insert_rows(con, "dtks", "dtks", DTKS_REPEAT_FILE, "", SHA_DTKS, repeated, dtks_defaults)
    insert_file(con, "dtks", DTKS_FILE, "", "dtks", SHA_DTKS, len(DTKS_ROWS))
    insert_file(
        con, "dtks", DTKS_REPEAT_FILE, "", "dtks", SHA_DTKS, len(repeated), duplicate_of=DTKS_FILE
    )
    pkh_defaults = dict(kecamatan="Kec. Ajung", desa="Ds. Ajung")
    insert_rows(con, "pkh", "pkh", PKH_FILE, "Tahap 1", "b" * 64, PKH_ROWS, pkh_defaults)
    insert_file(con, "pkh", PKH_FILE, "Tahap 1", "pkh", "b" * 64, len(PKH_ROWS))
    insert_rows(con, "bps_penduduk", "bps", BPS_FILE, "", "c" * 64, BPS_ROWS)
    insert_file(con, "bps", BPS_FILE, "", "bps_penduduk", "c" * 64, len(BPS_ROWS))
    insert_rows(con, "bps_kemiskinan", "bps", POVERTY_FILE, "", "d" * 64, POVERTY_ROWS)
    insert_file(con, "bps", POVERTY_FILE, "", "bps_kemiskinan", "d" * 64, len(POVERTY_ROWS))
    insert_rows(con, "koperasi", "koperasi", KOPERASI_FILE, "", "e" * 64, KOPERASI_ROWS)
    insert_file(con, "koperasi", KOPERASI_FILE, "", "koperasi", "e" * 64, len(KOPERASI_ROWS))
    # a record the reader could not read
    con.execute(
        "insert into raw.ingest_rejected_rows values ('dtks', ?, '', 24, 'too_many_fields', ?)",
        [DTKS_FILE, f"{DTKS_FILE}: row 24 has 31 fields, the header has 20"],
    )
    con.close()


def run_dbt(*args: str, warehouse: Path, target_dir: Path) -> subprocess.CompletedProcess:
    """The real dbt CLI in its own process, as Dagster runs it."""
    env = {
        **os.environ,
        "JEMBER_DUCKDB_PATH": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    return subprocess.run(
        [
            DBT,
            *args,
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(target_dir / "target"),
            "--log-path",
            str(target_dir / "logs"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """Hand-made raw tables, then one real `dbt build` over them."""
    work = tmp_path_factory.mktemp("dbt_models")
    path = work / "warehouse.duckdb"
    build_raw_warehouse(path)
    result = run_dbt("build", warehouse=path, target_dir=work)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    return path


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def dtks_row(warehouse: Path, row_number: int, columns: str) -> tuple:
    rows = query(
        warehouse,
        f"select {columns} from staging.stg_dtks__persons where source_path = ? and row_number = ?",
        [DTKS_FILE, row_number],
    )
    assert len(rows) == 1
    return rows[0]


def test_dbt_parse_writes_the_manifest(tmp_path):
    result = run_dbt("parse", warehouse=tmp_path / "unused.duckdb", target_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "target" / "manifest.json").exists()


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
