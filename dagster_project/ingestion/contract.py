"""The raw file contract (docs/raw-contract.md) as data: tables, columns, aliases.

This module is the one place that knows how the agencies name their columns. The reader in
``ingestion/`` uses it to find header rows and map headers to canonical names; the synthetic
data generator uses the same aliases to write realistic header variants. Values are never
parsed here: raw tables keep every cell as text, and the dbt staging models parse them.

A *source* is a folder under ``raw/`` (dtks, pkh, bps, koperasi). A *table* is one kind of
file inside a source; ``bps`` holds two kinds (population per village, poverty series), told
apart by their headers. Each table lands in DuckDB as ``raw.<table name>``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from dagster_project.runstate import SOURCE_FOLDERS


@dataclass(frozen=True)
class Column:
    name: str  # canonical name, lower case: the column name in the raw DuckDB table
    required: bool = False
    aliases: tuple[str, ...] = ()
    # Identity numbers: when they come from a numeric spreadsheet cell their 16th digit is
    # untrustworthy, so the reader records which identity cells were numeric.
    is_identity_number: bool = False


@dataclass(frozen=True)
class Table:
    name: str  # raw table name, e.g. "dtks" -> raw.dtks
    source: str  # folder under raw/
    columns: tuple[Column, ...]
    # What makes a row worth keeping at all: a row with every one of these blank is
    # rejected (contract: "nothing identifies a person in it").
    identifying_columns: tuple[str, ...] = field(default=())

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def normalise_header(text: object) -> str:
    """Header cells match case-, space-, dot-, slash- and underscore-insensitively."""
    if text is None:
        return ""
    return re.sub(r"[\s._/\\-]+", "", str(text).replace("\ufeff", "")).upper()


# Shared region columns ("as in dtks" for pkh, koperasi and bps).
def _region_columns(required: bool = True) -> tuple[Column, ...]:
    return (
        Column("kecamatan", required, ("KEC", "NAMA KECAMATAN")),
        Column("desa", required, ("DESA/KELURAHAN", "KELURAHAN", "NAMA DESA")),
        Column("kode_desa", False, ("KODE WILAYAH", "KODE DESA")),
    )


DTKS = Table(
    name="dtks",
    source="dtks",
    columns=(
        Column("id_dtks", False, ("ID DTKS", "IDDTKS")),
        Column("no_kk", True, ("NOKK", "NOMOR KK", "NO KARTU KELUARGA"), is_identity_number=True),
        Column(
            "nik",
            True,
            ("NO NIK", "NOMOR NIK", "NOMOR INDUK KEPENDUDUKAN"),
            is_identity_number=True,
        ),
        Column("nama", True, ("NAMA LENGKAP", "NAMA ART")),
        Column("jenis_kelamin", True, ("JK", "L/P", "JENIS KELAMIN", "SEX")),
        Column("tempat_lahir", False, ("TEMPAT LAHIR", "TMP LAHIR")),
        Column("tanggal_lahir", True, ("TGL LAHIR", "TGL_LAHIR", "TANGGAL LAHIR")),
        Column(
            "hubungan_keluarga",
            True,
            ("SHDK", "HUB KEL", "HUBUNGAN DALAM KELUARGA", "STATUS HUBUNGAN DALAM KELUARGA"),
        ),
        Column("alamat", False, ("ALAMAT LENGKAP",)),
        Column("rt", False, ()),
        Column("rw", False, ()),
        *_region_columns(),
        Column("desil", False, ("DESIL NASIONAL", "PERINGKAT DESIL")),
        Column("status_padan", False, ("KET PADAN", "PADAN DUKCAPIL")),
        Column("disabilitas", False, ("PENYANDANG DISABILITAS",)),
        Column("hamil", False, ("STATUS HAMIL",)),
        Column("status_hidup", False, ("KET MENINGGAL", "STATUS")),
        Column("tanggal_update", False, ("TGL UPDATE",)),
    ),
    identifying_columns=("nik", "nama", "no_kk"),
)

PKH_COMPONENTS = ("bumil", "aud", "sd", "smp", "sma", "disabilitas", "lansia")
_PKH_COMPONENT_EXTRA_ALIASES = {
    "bumil": ("IBU HAMIL",),
    "aud": ("ANAK USIA DINI",),
    "disabilitas": ("DISABILITAS BERAT",),
    "lansia": ("LANJUT USIA",),
}

PKH = Table(
    name="pkh",
    source="pkh",
    columns=(
        Column("id_pkh", True, ("IDPKH", "ID KPM", "ID_KPM")),
        Column(
            "nik_pengurus",
            True,
            ("NIK PENGURUS", "NIK PENERIMA", "NIK KPM"),
            is_identity_number=True,
        ),
        Column("nama_pengurus", True, ("NAMA PENGURUS", "NAMA PENERIMA", "NAMA KPM")),
        Column("no_kk", False, ("NOKK", "NOMOR KK"), is_identity_number=True),
        *_region_columns(),
        Column("alamat", False, ("ALAMAT LENGKAP",)),
        Column("tahun", True, ()),
        Column("tahap", True, ("TAHAP SALUR",)),
        *(
            Column(c, True, (f"KOMP {c.upper()}",) + _PKH_COMPONENT_EXTRA_ALIASES.get(c, ()))
            for c in PKH_COMPONENTS
        ),
        Column("nominal", True, ("NILAI BANTUAN", "JUMLAH BANTUAN")),
        Column("status_kpm", True, ("STATUS",)),
        Column("bank", False, ("PENYALUR",)),
    ),
    identifying_columns=("id_pkh", "nik_pengurus", "nama_pengurus", "no_kk"),
)

BPS_PENDUDUK = Table(
    name="bps_penduduk",
    source="bps",
    columns=(
        *_region_columns(),
        Column("luas_km2", True, ()),
        Column("penduduk_l", True, ()),
        Column("penduduk_p", True, ()),
        Column("jumlah_kk", True, ("JUMLAH KELUARGA", "RUMAH TANGGA")),
        Column("tahun", True, ()),
    ),
    identifying_columns=("desa", "kode_desa"),
)

BPS_KEMISKINAN = Table(
    name="bps_kemiskinan",
    source="bps",
    columns=(
        Column("tahun", True, ()),
        Column("persen_miskin", True, ()),
        Column("jumlah_miskin", True, ()),
        Column("garis_kemiskinan", True, ()),
        Column("p1", False, ()),
        Column("p2", False, ()),
    ),
    identifying_columns=("tahun",),
)

KOPERASI = Table(
    name="koperasi",
    source="koperasi",
    columns=(
        *_region_columns(),
        Column("nama_koperasi", False, ("NAMA KOPERASI",)),
        Column("tahapan", True, ("STATUS", "TAHAP")),
        Column("tanggal_musdesus", False, ("TGL MUSDESUS",)),
        Column("jumlah_anggota", False, ("ANGGOTA",)),
        Column("nomor_akta", False, ()),
        Column("tanggal_akta", False, ()),
        Column("nomor_sk_ahu", False, ("NO SK",)),
        Column("tanggal_sk", False, ("TGL SK",)),
        Column("unit_usaha", False, ()),
        Column("modal_awal", False, ()),
        Column("tanggal_laporan", True, ("TGL LAPORAN",)),
    ),
    identifying_columns=("desa", "kode_desa"),
)

TABLES: dict[str, Table] = {t.name: t for t in (DTKS, PKH, BPS_PENDUDUK, BPS_KEMISKINAN, KOPERASI)}
SOURCES: dict[str, tuple[Table, ...]] = {
    source: tuple(t for t in TABLES.values() if t.source == source) for source in SOURCE_FOLDERS
}

# Metadata columns every raw table carries after its contract columns. Together
# (source, source_path, sheet, row_number) is the row's identity in the contract.
ROW_IDENTITY_COLUMNS = ("_source", "_source_path", "_sheet", "_row_number")
RAW_METADATA_COLUMNS = ROW_IDENTITY_COLUMNS + (
    "_file_sha256",  # content hash of the delivered file: same bytes, same delivery
    "_id_numeric_cells",  # comma list of identity columns read from numeric xlsx cells, else null
    "_read_note",  # what the reader had to do to read the row (bytes replaced...), else null
)


@functools.cache  # tables are frozen; this runs for every candidate header record of every file
def header_lookup(table: Table) -> dict[str, str]:
    """Normalised header text -> canonical column name, canonical names and aliases alike.

    Callers must not change the returned dict (it is shared).
    """
    lookup: dict[str, str] = {}
    for column in table.columns:
        for text in (column.name, *column.aliases):
            lookup.setdefault(normalise_header(text), column.name)
    return lookup


def is_non_data_row(cells: list[object]) -> bool:
    """Blank rows and totals rows (first non-empty cell starts JUMLAH/TOTAL) are not data."""
    for cell in cells:
        text = "" if cell is None else str(cell).strip()
        if text:
            upper = text.upper()
            return upper.startswith("JUMLAH") or upper.startswith("TOTAL")
    return True
