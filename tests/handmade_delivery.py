"""The hand-made raw delivery of the dbt tests: small messy rows in exactly the raw schema of
docs/raw-tables.md. conftest.handmade_warehouse writes it and runs the real `dbt build` over it
once per session; test_dbt_models asserts on its rows, test_documentation on the marts dbt made
of it. The constants are imported from here by those modules (test data, not helpers).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from helpers import create_raw_tables, insert_file, insert_rows

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
