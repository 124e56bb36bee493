"""Hostile raw files (issue 15): each test damages one real sample file the way deliveries get
damaged, reads it through the real reader or loader, and checks that every raw row is placed or
rejected exactly once, with the expected reason, and that the values are right."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from helpers import REPO, copy_tree, run_jember

from dagster_project.ingestion import ingest_source, read_file

SAMPLE_DTKS = REPO / "raw/dtks/2025-04/dtks_kencong.csv"


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    for source in ("dtks", "pkh", "bps", "koperasi"):
        (raw / source).mkdir(parents=True)
    return raw


def read(raw_dir: Path, relative: str, content: bytes, source: str = "dtks"):
    path = raw_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return read_file(raw_dir, path, source)


def accounted(sheets) -> tuple[dict[tuple[str, int], dict], dict[tuple[str, int], str]]:
    """(placed rows by (sheet, row number), rejection reason by (sheet, row number))."""
    placed, rejected = {}, {}
    for sheet in sheets:
        if sheet.data is not None:
            for row in sheet.data.to_pylist():
                key = (row["_sheet"], row["_row_number"])
                assert key not in placed, f"{key} placed twice"
                placed[key] = row
        for row in sheet.rejected:
            key = (row.sheet, row.row_number)
            assert key not in rejected and key not in placed, f"{key} accounted twice"
            rejected[key] = row.reason
    return placed, rejected


def sample_lines() -> list[bytes]:
    lines = SAMPLE_DTKS.read_bytes().split(b"\r\n")
    assert len(lines) > 100  # the shipped sample is CRLF throughout
    return lines


@pytest.fixture
def original(raw_dir):
    sheets = read(raw_dir, "dtks/original.csv", SAMPLE_DTKS.read_bytes())
    placed, rejected = accounted(sheets)
    assert rejected == {} and len(placed) > 200
    return placed


def test_unterminated_quote_rejects_its_row_and_keeps_the_rows_after_it(raw_dir, original):
    lines = sample_lines()
    line = lines[50]  # a data line: 3 title lines and the header come first
    assert line.count(b",DUSUN") == 1
    lines[50] = line.replace(b",DUSUN", b',"DUSUN')
    sheets = read(raw_dir, "dtks/a.csv", b"\r\n".join(lines))

    placed, rejected = accounted(sheets)

    [row_number] = rejected
    assert rejected == {row_number: "unterminated_quote"}
    assert set(placed) | set(rejected) == set(original)
    assert row_number == ("", 50 - 3)  # record numbers count after the header line
    for key, row in placed.items():
        assert row["nik"] == original[key]["nik"] and row["nama"] == original[key]["nama"]
    [message] = [r.message for r in sheets[0].rejected]
    assert "dtks/a.csv row 47" in message and "ALAMAT" in message


# A quote left open swallows the file up to the next quote character (a later, honest quoted
# address) or, with none, past the csv module's 128 KiB field limit: both end the same way.
@pytest.mark.parametrize("later_quote", [True, False])
def test_stray_quote_in_a_long_file_rejects_one_row(raw_dir, later_quote):
    header = "NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN;ALAMAT"
    rows = [
        f"35090100000{n:05d};35090141018{n:05d};NAMA {n};P;01-01-1980;1;Ajung;Ajung;JL. MAWAR {n}"
        for n in range(1, 4001)
    ]
    rows[9] = rows[9].replace(";NAMA 10;", ';"NAMA 10;')
    if later_quote:
        rows[499] = rows[499].replace("JL. MAWAR 500", '"JL. MAWAR\nRT 500"')
    content = ("\n".join([header] + rows) + "\n").encode()
    assert len(content) > 2 * 131072

    [sheet] = read(raw_dir, "dtks/a.csv", content)
    placed, rejected = accounted([sheet])

    assert rejected == {("", 10): "unterminated_quote"}
    assert len(placed) == 3999 and placed[("", 11)]["nama"] == "NAMA 11"
    assert placed[("", 500)]["alamat"] == ("JL. MAWAR\nRT 500" if later_quote else "JL. MAWAR 500")
    assert placed[("", 4000)]["nama"] == "NAMA 4000"
    assert "column NAMA" in sheet.rejected[0].message


def test_two_stray_quotes_in_one_column_do_not_merge_two_rows(raw_dir, original):
    """Two stray quotes in the same column of consecutive lines pair up: the quoted field holds
    the tail of one record and the head of the next, and the merged record has the header's
    field count. Neither row may be loaded as that merged record."""
    lines = sample_lines()
    for i in (60, 61):
        cells = lines[i].split(b",")
        cells[3] = b'"' + cells[3]
        lines[i] = b",".join(cells)
    sheets = read(raw_dir, "dtks/a.csv", b"\r\n".join(lines))

    placed, rejected = accounted(sheets)

    assert set(placed) | set(rejected) == set(original)
    assert sorted(rejected.values()) == ["unterminated_quote", "unterminated_quote"]
    for key, row in placed.items():
        assert row == {
            **original[key],
            "_source_path": "dtks/a.csv",
            "_file_sha256": row["_file_sha256"],
        }


# A narrow file (a DTKS file of its required columns and ALAMAT, a koperasi report of a few) and
# an address or a business list on two lines holding more delimiters than the file has columns:
# an honest quoted value, not a stray quote that swallowed a record. `exact`: a stray quote on
# another row sends the file to the line-by-line reader, which must tell the two apart.
@pytest.mark.parametrize("path", ["fast", "exact"])
def test_a_quoted_value_on_two_lines_with_many_delimiters_is_one_field(raw_dir, path):
    header = "NO_KK,NIK,NAMA,JENIS_KELAMIN,TANGGAL_LAHIR,HUBUNGAN_KELUARGA,DESA,KECAMATAN,ALAMAT"
    alamat = "JL. MAWAR NO 1, RT 01, RW 02,\nDUSUN KRAJAN, DESA KLOMPANGAN, KEC. AJUNG, JAWA TIMUR"
    rows = [
        f'3509010000000001,3509014101800001,SITI AMINAH,P,01-01-1980,1,Klompangan,Ajung,"{alamat}"',
        "3509010000000002,3509014101800002,NUR HASANAH,P,01-01-1980,1,Klompangan,Ajung,JL. MELATI",
        "3509010000000003,3509014101800003,RINI,P,01-01-1980,1,Klompangan,Ajung,JL. KENANGA",
    ]
    if path == "exact":
        rows[2] = rows[2].replace(",RINI,", ',"RINI,')
    content = ("\n".join([header, *rows]) + "\n").encode()

    [sheet] = read(raw_dir, "dtks/a.csv", content)
    placed, rejected = accounted([sheet])

    assert placed[("", 1)]["nama"] == "SITI AMINAH"
    assert placed[("", 1)]["alamat"] == alamat
    assert placed[("", 2)]["nama"] == "NUR HASANAH"
    assert set(placed) == ({("", 1), ("", 2)} | ({("", 3)} if path == "fast" else set()))
    assert rejected == ({} if path == "fast" else {("", 3): "unterminated_quote"})

    report = (
        "KECAMATAN,DESA,TAHAPAN,TANGGAL_LAPORAN,UNIT_USAHA\n"
        'Ajung,Klompangan,OPERASIONAL,30-06-2025,"GERAI SEMBAKO, APOTEK DESA,\n'
        'KLINIK DESA, SIMPAN PINJAM, LOGISTIK"\n'
        "Ajung,Ajung,SOSIALISASI,30-06-2025,\n"
    )
    [sheet] = read(raw_dir, "koperasi/a.csv", report.encode(), source="koperasi")
    placed, rejected = accounted([sheet])
    assert rejected == {} and sorted(placed) == [("", 1), ("", 2)]
    assert placed[("", 1)]["unit_usaha"].endswith("LOGISTIK")


@pytest.mark.parametrize("where", ["title", "header"])
def test_stray_quote_above_the_data_does_not_hide_the_header(raw_dir, original, where):
    """A stray quote in a title line or in the header swallowed the header into one field and
    the whole file failed with no row accounted: those lines are read again quote-blind."""
    lines = sample_lines()
    index = 0 if where == "title" else next(i for i, line in enumerate(lines) if b",Nik," in line)
    lines[index] = (
        lines[index].replace(b",", b',"', 1) if where == "header" else b'"' + lines[index]
    )
    [sheet] = read(raw_dir, "dtks/a.csv", b"\r\n".join(lines))

    placed, rejected = accounted([sheet])

    assert sheet.record.status == "loaded" and "stray quote" in sheet.record.message
    assert rejected == {} and set(placed) == set(original)
    assert all(
        row["nik"] == original[key]["nik"] and row["nama"] == original[key]["nama"]
        for key, row in placed.items()
    )


@pytest.mark.parametrize(
    "encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b""), ("utf-32-le", b"")]
)
def test_utf16_and_utf32_files_fail_with_their_rows_listed(raw_dir, original, encoding, bom):
    """Not in the contract: the file fails naming its encoding, and each of its rows is still
    listed (rejected, file_failed) instead of the file vanishing with no header found."""
    text = SAMPLE_DTKS.read_bytes().decode("utf-8-sig")
    [sheet] = read(raw_dir, "dtks/a.csv", bom + text.encode(encoding))

    placed, rejected = accounted([sheet])

    assert placed == {} and set(rejected) == set(original)
    assert set(rejected.values()) == {"file_failed"}
    assert sheet.record.status == "failed" and sheet.record.encoding == encoding
    assert f"dtks/a.csv: encoded as {encoding.upper()}" in sheet.record.message


def test_nul_bytes_are_never_a_person_row(raw_dir, original):
    """A row overwritten by NULs and a NUL tail (an interrupted copy) are rejected as nul_bytes,
    not loaded as persons made of NULs; a cell of NULs in a real row is blank."""
    lines = sample_lines()
    index = next(i for i in range(40, len(lines)) if b",," in lines[i])
    lines[index] = lines[index].replace(b",,", b",\x00 \x00,", 1)  # an empty cell of NULs
    lines[30] = b"\x00" * len(lines[30])
    content = b"\r\n".join(lines) + b"\x00" * 4096
    [sheet] = read(raw_dir, "dtks/a.csv", content)

    placed, rejected = accounted([sheet])

    overwritten = ("", 30 - 3)  # 3 title lines and the header come first
    tail = ("", 1 + max(k[1] for k in original) + 1)  # after the totals row
    assert rejected == {overwritten: "nul_bytes", tail: "nul_bytes"}
    assert set(placed) == set(original) - {overwritten}
    assert all(
        "\x00" not in (value or "")
        for row in placed.values()
        for value in row.values()
        if isinstance(value, str)
    )
    assert sheet.record.data_rows == len(original) - 1 and sheet.record.rejected_rows == 2


def test_mixed_line_endings_read_the_same_rows(raw_dir, original):
    lines = sample_lines()
    # Three line-ending styles in one file: CR (old Mac export), LF, and CRLF.
    content = (
        b"\r".join(lines[:60])
        + b"\r"
        + b"\n".join(lines[60:120])
        + b"\n"
        + b"\r\n".join(lines[120:])
    )
    placed, rejected = accounted(read(raw_dir, "dtks/a.csv", content))
    assert rejected == {}
    assert {k: (r["nik"], r["nama"], r["tanggal_update"]) for k, r in placed.items()} == {
        k: (r["nik"], r["nama"], r["tanggal_update"]) for k, r in original.items()
    }


def test_undefined_windows_1252_byte_is_replaced_and_flagged_not_the_file_dropped(
    raw_dir, original
):
    text = SAMPLE_DTKS.read_bytes().decode("utf-8")
    row = original[("", 40)]
    damaged = text.replace(f",{row['nama']},", f",{row['nama']}\x00,", 1).encode(
        "cp1252", errors="replace"
    )
    damaged = damaged.replace(b"\x00", b"\x81")
    [sheet] = read(raw_dir, "dtks/a.csv", damaged)

    placed, rejected = accounted([sheet])

    assert rejected == {} and set(placed) == set(original)
    assert placed[("", 40)]["nama"] == row["nama"] + "\ufffd"
    assert "0x81" in placed[("", 40)]["_read_note"]
    assert [k for k, r in placed.items() if r["_read_note"]] == [("", 40)]
    assert sheet.record.status == "loaded" and "U+FFFD" in sheet.record.message


def test_mostly_utf8_file_with_a_few_windows_1252_lines_is_decoded_per_line(raw_dir, original):
    lines = sample_lines()
    header = b"NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN"
    rows = [
        f"3509010000000001;350901410180000{i};{name};P;01-01-1980;1;Ajung;Ajung"
        for i, name in enumerate(["JOSÉ", "RENÉ", "ANDRÉ", "MA’RUF"])
    ]
    content = (
        b"\n".join(
            [
                header,
                rows[0].encode(),
                rows[1].encode("cp1252"),
                rows[2].encode(),
                rows[3].encode("cp1252"),
            ]
        )
        + b"\n"
    )
    [sheet] = read(raw_dir, "dtks/a.csv", content)

    assert sheet.record.encoding == "utf-8+cp1252"
    assert [r["nama"] for r in sheet.data.to_pylist()] == ["JOSÉ", "RENÉ", "ANDRÉ", "MA’RUF"]
    assert [bool(r["_read_note"]) for r in sheet.data.to_pylist()] == [False, True, False, True]
    assert "2 line(s) read as Windows-1252" in sheet.record.message
    assert len(lines) > 0


def test_repeated_header_rows_are_rejected_and_a_reordered_piece_is_remapped(raw_dir):
    header = "NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN"
    swapped = "No KK;Nama;NIK;JK;Tgl Lahir;SHDK;Desa;Kec"  # the second piece put NAMA first
    content = (
        "\n".join(
            [
                header,
                "3509010000000001;3509014101800001;SITI;P;01-01-1980;1;Ajung;Ajung",
                header,
                "3509010000000002;3509014101800002;AMINAH;P;01-01-1980;1;Ajung;Ajung",
                swapped,
                "3509010000000003;RUKMINI;3509014101800003;P;01-01-1980;1;Ajung;Ajung",
            ]
        )
        + "\n"
    )
    [sheet] = read(raw_dir, "dtks/a.csv", content.encode())

    placed, rejected = accounted([sheet])

    assert rejected == {("", 2): "repeated_header", ("", 4): "repeated_header"}
    assert [(k[1], r["nik"], r["nama"]) for k, r in sorted(placed.items())] == [
        (1, "3509014101800001", "SITI"),
        (3, "3509014101800002", "AMINAH"),
        (5, "3509014101800003", "RUKMINI"),
    ]
    assert sheet.record.data_rows == 3 and sheet.record.rejected_rows == 2
    assert sheet.record.non_data_rows == 0


def test_repeated_header_with_another_column_first_is_not_loaded_as_a_person(raw_dir):
    """The pasted piece's header starts with another column than the first header's: it is
    still the header again, never a data row holding the word NAMA as a name."""
    content = (
        "\n".join(
            [
                "NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN",
                "3509010000000001;3509014101800001;SITI;P;01-01-1980;1;Ajung;Ajung",
                "nama;nik;no kk;jk;tgl lahir;shdk;desa;kec",
                "AMINAH;3509014101800002;3509010000000002;P;01-01-1980;1;Ajung;Ajung",
            ]
        )
        + "\n"
    )
    [sheet] = read(raw_dir, "dtks/a.csv", content.encode())

    placed, rejected = accounted([sheet])

    assert rejected == {("", 2): "repeated_header"}
    assert [(r["no_kk"], r["nama"]) for _, r in sorted(placed.items())] == [
        ("3509010000000001", "SITI"),
        ("3509010000000002", "AMINAH"),
    ]


def rewrite_xlsx(content: bytes, change) -> bytes:
    """The same workbook with each part passed through change(name, bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def dtks_workbook(
    sheets: dict[str, list[list]], hidden: tuple[str, ...] = (), formulas=()
) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, values in enumerate(rows):
            sheet.write_row(r, 0, values)
        for r, c, formula in formulas if name == next(iter(sheets)) else ():
            sheet.write_formula(r, c, formula)
        if name in hidden:
            sheet.hide()
    workbook.close()
    return out.getvalue()


DTKS_XLSX_HEADER = [
    "NO_KK",
    "NIK",
    "NAMA",
    "JENIS_KELAMIN",
    "TANGGAL_LAHIR",
    "HUBUNGAN_KELUARGA",
    "DESA",
    "KECAMATAN",
]


def dtks_values(n: int) -> list:
    return [
        f"35090100000000{n:02d}",
        f"35090141018000{n:02d}",
        f"NAMA {n}",
        "P",
        "01-01-1980",
        "1",
        "Ajung",
        "Ajung",
    ]


def test_formula_cells_saved_without_values_reject_their_rows(raw_dir):
    rows = [DTKS_XLSX_HEADER] + [dtks_values(n) for n in range(1, 5)]
    formulas = [(2, 1, '="3509014101"&"800002"'), (3, 1, '="3509014101"&"800003"')]
    content = dtks_workbook({"AJUNG": rows}, formulas=formulas)
    # As a program that never opened Excel saves them: the formula, no cached <v> value.
    content = rewrite_xlsx(
        content,
        lambda name, data: (
            re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", data) if "worksheets" in name else data
        ),
    )
    sheets = read(raw_dir, "dtks/a.xlsx", content)

    placed, rejected = accounted(sheets)

    assert rejected == {
        ("AJUNG", 2): "formula_without_value",
        ("AJUNG", 3): "formula_without_value",
    }
    assert {k[1]: r["nik"] for k, r in placed.items()} == {
        1: "3509014101800001",
        4: "3509014101800004",
    }
    messages = [r.message for r in sheets[0].rejected]
    assert "NIK (cell B3)" in messages[0] and "dtks/a.xlsx sheet 'AJUNG' row 2" in messages[0]
    assert "formula_without_value" in sheets[0].record.message


def test_formula_cells_with_cached_values_are_read(raw_dir):
    rows = [DTKS_XLSX_HEADER] + [dtks_values(1)]
    content = dtks_workbook({"AJUNG": rows}, formulas=[(1, 1, '="3509014101"&"800009"')])
    content = rewrite_xlsx(
        content,
        lambda name, data: (
            data.replace(b"</f><v>0</v>", b"</f><v>3509014101800009</v>")
            if "sheet1" in name
            else data
        ),
    )
    [sheet] = read(raw_dir, "dtks/a.xlsx", content)
    assert sheet.rejected == [] and sheet.data.column("nik").to_pylist() == ["3509014101800009"]


def test_error_cells_keep_the_error_the_sheet_shows_not_a_blank(raw_dir):
    """A VLOOKUP that found nothing shows #N/A in the NIK column; read as empty it would turn an
    unknown NIK into a blank one. It keeps the text the sheet shows, as a CSV export would."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("AJUNG")
    sheet.write_row(0, 0, DTKS_XLSX_HEADER)
    for r in (1, 2, 3):
        sheet.write_row(r, 0, dtks_values(r))
    sheet.write_formula(1, 1, "=VLOOKUP(C2,Z:Z,2,0)", None, "#N/A")
    sheet.write_formula(2, 2, "=#REF!", None, "#REF!")
    workbook.close()
    sheets = read(raw_dir, "dtks/a.xlsx", out.getvalue())

    placed, rejected = accounted(sheets)

    assert rejected == {} and sorted(placed) == [("AJUNG", 1), ("AJUNG", 2), ("AJUNG", 3)]
    assert placed[("AJUNG", 1)]["nik"] == "#N/A" and placed[("AJUNG", 2)]["nama"] == "#REF!"
    assert placed[("AJUNG", 3)]["nik"] == dtks_values(3)[1]


def test_renamed_files_fail_with_their_rows_listed(raw_dir, original):
    """A workbook renamed .csv read as CSV found no header, and a CSV renamed .xlsx was no
    workbook: both failed with none of their rows accounted. Read by what the bytes are, they
    still fail (the name is wrong) but every row is listed."""
    workbook = dtks_workbook({"AJUNG": [DTKS_XLSX_HEADER, dtks_values(1), dtks_values(2)]})
    as_csv = read(raw_dir, "dtks/a.csv", workbook)
    as_xlsx = read(raw_dir, "dtks/b.xlsx", SAMPLE_DTKS.read_bytes())
    not_either = read(raw_dir, "dtks/c.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)

    placed, rejected = accounted(as_csv)
    assert placed == {} and rejected == {("AJUNG", 1): "file_failed", ("AJUNG", 2): "file_failed"}
    assert "dtks/a.csv: is an .xlsx workbook under a .csv name" in as_csv[0].record.message
    placed, rejected = accounted(as_xlsx)
    assert (
        placed == {}
        and set(rejected) == set(original)
        and set(rejected.values()) == {"file_failed"}
    )
    assert (
        as_xlsx[0].record.status == "failed"
        and "is a CSV text file under an .xlsx name" in as_xlsx[0].record.message
    )
    [record] = [s.record for s in not_either]
    assert record.status == "failed" and "not an .xlsx workbook" in record.message


def test_typed_numbers_keep_their_value_and_are_not_read_as_thousands(raw_dir):
    header = ["KECAMATAN", "DESA", "LUAS_KM2", "PENDUDUK_L", "PENDUDUK_P", "JUMLAH_KK", "TAHUN"]
    content = dtks_workbook(
        {
            "2024": [
                header,
                ["Ajung", "Ajung", 90.308, 5000, 5100, 3000, 2024],
                ["Ajung", "Klompangan", 12.5, 1, 2, 3, 2024],
                ["JEMBER", "", 3314.358, 1, 2, 3, 2024],
            ]
        }
    )
    [sheet] = read(raw_dir, "bps/penduduk.xlsx", content, "bps")
    luas = sheet.data.column("luas_km2").to_pylist()
    assert luas == ["90.3080", "12.5", "3314.3580"]
    assert [float(v) for v in luas] == [90.308, 12.5, 3314.358]
    # `90.308` (a separator, then exactly three digits) is how the contract writes ninety thousand
    assert not any(re.fullmatch(r"-?[0-9]{1,3}([.,][0-9]{3})+", v) for v in luas)


def test_hidden_sheet_is_not_data_and_its_rows_are_rejected(raw_dir):
    header = [
        "ID_PKH",
        "NIK_PENGURUS",
        "NAMA_PENGURUS",
        "KECAMATAN",
        "DESA",
        "TAHUN",
        "TAHAP",
        "BUMIL",
        "AUD",
        "SD",
        "SMP",
        "SMA",
        "DISABILITAS",
        "LANSIA",
        "NOMINAL",
        "STATUS_KPM",
    ]
    rows = [header] + [
        [
            f"P{n}",
            f"350901410180000{n}",
            f"IBU {n}",
            "Ajung",
            "Ajung",
            2025,
            2,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            750000,
            "AKTIF",
        ]
        for n in range(1, 4)
    ]
    content = dtks_workbook({"TAHAP 2": rows, "TAHAP 2 (lama)": rows}, hidden=("TAHAP 2 (lama)",))
    sheets = read(raw_dir, "pkh/tahap2.xlsx", content, "pkh")

    placed, rejected = accounted(sheets)

    assert sorted(placed) == [("TAHAP 2", 1), ("TAHAP 2", 2), ("TAHAP 2", 3)]
    assert rejected == {("TAHAP 2 (lama)", n): "hidden_sheet" for n in (1, 2, 3)}
    hidden = sheets[1].record
    assert (hidden.status, hidden.data_rows, hidden.rejected_rows) == ("skipped", 0, 3)
    assert "hidden sheet" in hidden.message and "TAHAP 2 (lama)" in hidden.message


def test_sheet_with_a_cell_at_the_far_corner_fails_alone_instead_of_killing_the_process(
    raw_dir, con_path=None
):
    rows = [DTKS_XLSX_HEADER, dtks_values(1)]
    content = dtks_workbook({"AJUNG": rows, "KALISAT": rows})

    def far_cell(name, data):
        if name.endswith("sheet1.xml"):
            data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            data = data.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
            )
        return data

    # Read unguarded, this sheet makes calamine allocate 512 GiB and abort the interpreter.
    sheets = read(raw_dir, "dtks/a.xlsx", rewrite_xlsx(content, far_cell))

    by_sheet = {s.record.sheet: s.record for s in sheets}
    assert by_sheet["AJUNG"].status == "failed" and "XFD" in by_sheet["AJUNG"].message
    assert "dtks/a.xlsx sheet 'AJUNG'" in by_sheet["AJUNG"].message
    assert by_sheet["KALISAT"].status == "loaded" and by_sheet["KALISAT"].data_rows == 1


def test_symlinks_fifos_and_unknown_entries_are_recorded_and_outside_links_refused(
    raw_dir, tmp_path
):
    header = "NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN\n"
    (raw_dir / "dtks/a.csv").write_text(header + "1;2;SITI;P;01-01-1980;1;Ajung;Ajung\n")
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(header + "3;4;ORANG LUAR;P;01-01-1980;1;Ajung;Ajung\n")
    (raw_dir / "dtks/outside.csv").symlink_to(outside)
    (raw_dir / "dtks/inside.csv").symlink_to(raw_dir / "dtks/a.csv")
    (raw_dir / "dtks/dangling.csv").symlink_to(tmp_path / "gone.csv")
    (raw_dir / "dtks/loop.csv").symlink_to(raw_dir / "dtks/loop.csv")
    (raw_dir / "dtks/sub").mkdir()
    (raw_dir / "dtks/sub/back").symlink_to(raw_dir / "dtks", target_is_directory=True)
    os.mkfifo(raw_dir / "dtks/pipe.csv")
    (raw_dir / "dtks/notes.txt").write_text("catatan")

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        summary = ingest_source(raw_dir, "dtks", con)
        logged = {
            path: (status, message)
            for path, status, message in con.execute(
                "select source_path, status, message from raw.ingest_files"
            ).fetchall()
        }
        names = sorted(r[0] for r in con.execute("select nama from raw.dtks").fetchall())

    assert names == ["SITI", "SITI"]  # a.csv and the link to it inside raw/; never ORANG LUAR
    assert (
        logged["dtks/outside.csv"][0] == "failed"
        and "outside the raw folder" in logged["dtks/outside.csv"][1]
    )
    assert (
        logged["dtks/dangling.csv"][0] == "failed"
        and "dangling symlink" in logged["dtks/dangling.csv"][1]
    )
    assert (
        logged["dtks/loop.csv"][0] == "failed" and "looping symlink" in logged["dtks/loop.csv"][1]
    )
    assert logged["dtks/sub/back"][0] == "skipped"
    assert logged["dtks/pipe.csv"][0] == "skipped" and "FIFO" in logged["dtks/pipe.csv"][1]
    assert logged["dtks/notes.txt"][0] == "skipped"
    assert logged["dtks/a.csv"][0] == logged["dtks/inside.csv"][0] == "loaded"
    assert summary.files_failed == 3


def test_hostile_delivery_runs_to_the_end_with_every_row_accounted(tiny_generated, tmp_path):
    """End to end: the real pipeline on a tiny delivery with damaged files still exits 0, and
    every truth row is loaded or rejected exactly once."""
    raw = copy_tree(tiny_generated / "raw", tmp_path / "raw")
    truth = tiny_generated / "truth"
    # Damage only files delivered once: a damaged copy of a re-sent file is no longer the same
    # bytes, so its rows count as repeating an earlier file and the gate rightly blocks.
    all_csvs = sorted((raw / "dtks").rglob("*.csv"))
    contents = [p.read_bytes() for p in all_csvs]
    csvs = [p for p, c in zip(all_csvs, contents) if contents.count(c) == 1]
    # 1: a stray quote opening in the middle of a data line
    lines = csvs[0].read_bytes().splitlines(keepends=True)
    target = next(
        i
        for i in range(len(lines) // 2, len(lines))
        if max(lines[i].count(b","), lines[i].count(b";")) > 10 and b'"' not in lines[i]
    )
    lines[target] = re.sub(rb"([,;])([A-Za-z])", rb'\1"\2', lines[target], count=1)
    csvs[0].write_bytes(b"".join(lines))
    # 2: lone CR line endings for the first half of another file
    data = csvs[1].read_bytes().replace(b"\r\n", b"\n")
    half = len(data) // 2
    csvs[1].write_bytes(data[:half].replace(b"\n", b"\r") + data[half:])
    # 3: a byte undefined in Windows-1252 inside a UTF-8 file
    data = csvs[2].read_bytes()
    position = data.index(b"\n", len(data) // 2) + 20
    csvs[2].write_bytes(data[:position] + b"\x81" + data[position:])
    # 4: a symlink out of raw/, and a FIFO
    (tmp_path / "outside.csv").write_bytes(csvs[3].read_bytes())
    (raw / "dtks/outside.csv").symlink_to(tmp_path / "outside.csv")
    os.mkfifo(raw / "dtks/pipe.csv")

    data_dir = tmp_path / "data"
    result = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data_dir))

    expected = set(
        duckdb.sql(
            f"select source, source_path, sheet, row_number from read_parquet('{truth}/rows.parquet')"
        ).fetchall()
    )
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        found = con.execute(
            """
            select _source, _source_path, _sheet, _row_number from raw.dtks
            union all select _source, _source_path, _sheet, _row_number from raw.pkh
            union all select source, source_path, sheet, row_number from raw.ingest_rejected_rows
            where source in ('dtks', 'pkh')
            """
        ).fetchall()
        reasons = dict(
            con.execute(
                "select reason, count(*) from raw.ingest_rejected_rows group by 1"
            ).fetchall()
        )
        files = dict(con.execute("select source_path, status from raw.ingest_files").fetchall())
        incomplete = con.execute(
            "select check_name, source_path from intermediate.int_delivery_completeness "
            "where check_name = 'file_unreadable'"
        ).fetchall()
    # The run goes to the end; the one thing it refuses to do is publish: the link out of raw/
    # is a DTKS file whose rows were not read, so the delivery is incomplete and the gate blocks
    # (exit 2, int_delivery_completeness names it). The damaged but readable files do not block.
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    assert incomplete == [("file_unreadable", "dtks/outside.csv")]
    assert len(found) == len(set(found)), "a raw row was accounted twice"
    assert set(found) == expected, f"{len(expected - set(found))} rows neither placed nor rejected"
    assert reasons.get("unterminated_quote") == 1
    assert files["dtks/outside.csv"] == "failed" and files["dtks/pipe.csv"] == "skipped"


def test_xlsx_repeated_header_and_a_failed_sheet_account_for_their_rows(raw_dir):
    no_nik = [c for c in DTKS_XLSX_HEADER if c != "NIK"]
    content = dtks_workbook(
        {
            "AJUNG": [DTKS_XLSX_HEADER, dtks_values(1), DTKS_XLSX_HEADER, dtks_values(2)],
            "KALISAT": [no_nik]
            + [[v for c, v in zip(DTKS_XLSX_HEADER, dtks_values(n)) if c != "NIK"] for n in (3, 4)],
        }
    )
    sheets = read(raw_dir, "dtks/a.xlsx", content)

    placed, rejected = accounted(sheets)

    assert sorted(placed) == [("AJUNG", 1), ("AJUNG", 3)]
    assert rejected == {
        ("AJUNG", 2): "repeated_header",
        ("KALISAT", 1): "file_failed",
        ("KALISAT", 2): "file_failed",
    }
    kalisat = sheets[1].record
    assert kalisat.status == "failed" and "NIK" in kalisat.message and kalisat.rejected_rows == 2
