"""Ingestion rules, one small hand-made file per rule, read through the real code into DuckDB."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from dagster_project.ingestion import ingest_source, read_file
from dagster_project.ingestion.contract import SOURCES, TABLES

DTKS_HEADER = "NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN"


def dtks_row(n: int) -> str:
    return f"35090100000000{n:02d};35090141018000{n:02d};NAMA {n};P;01-01-1980;1;Ajung;Ajung"


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    for source in SOURCES:
        (raw / source).mkdir(parents=True)
    return raw


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def rows(con, sql: str, *params) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def file_log(con, source_path: str) -> list[dict]:
    return rows(
        con, "select * from raw.ingest_files where source_path = ? order by sheet", source_path
    )


def test_aliases_and_odd_header_spacing_map_to_canonical_columns(raw_dir, con):
    header = " No.  KK ;n_i_k;Nama Lengkap;L / P;tgl. lahir;S.H.D.K;Desa/Kelurahan;KEC.;Kode-Wilayah;Tidak Dikenal"
    write(raw_dir / "dtks/a.csv", f"{header}\n1;2;Siti;P;01-01-1980;1;Ajung;Ajung;3509012001;x\n")

    summary = ingest_source(raw_dir, "dtks", con)

    assert summary.messages == []
    [row] = rows(con, "select * from raw.dtks")
    assert (row["no_kk"], row["nik"], row["nama"], row["jenis_kelamin"]) == ("1", "2", "Siti", "P")
    assert (row["tanggal_lahir"], row["hubungan_keluarga"]) == ("01-01-1980", "1")
    assert (row["desa"], row["kecamatan"], row["kode_desa"]) == ("Ajung", "Ajung", "3509012001")
    assert "tidak_dikenal" not in row  # unknown columns are dropped, not failed


def test_two_headers_for_one_column_prefer_the_canonical_name(raw_dir, con):
    write(
        raw_dir / "dtks/a.csv",
        "NO NIK;NO_KK;NAMA;JK;TGL LAHIR;SHDK;DESA;KEC;NIK\nwrong;1;A;L;01-01-1980;1;d;k;right\n",
    )
    ingest_source(raw_dir, "dtks", con)
    assert rows(con, "select nik from raw.dtks") == [{"nik": "right"}]


def test_semicolon_csv_keeps_quoted_newline_and_delimiter_in_one_record(raw_dir, con):
    text = (
        f'{DTKS_HEADER};ALAMAT\n{dtks_row(1)};"JL. MAWAR; GG 2\nRT 01"\n{dtks_row(2)};JL. MELATI\n'
    )
    write(raw_dir / "dtks/a.csv", text)

    ingest_source(raw_dir, "dtks", con)

    assert rows(con, "select _row_number, alamat from raw.dtks order by _row_number") == [
        {"_row_number": 1, "alamat": "JL. MAWAR; GG 2\nRT 01"},
        {"_row_number": 2, "alamat": "JL. MELATI"},
    ]
    assert file_log(con, "dtks/a.csv")[0]["delimiter"] == ";"


def test_comma_csv_is_detected_from_the_header(raw_dir, con):
    write(
        raw_dir / "dtks/a.csv",
        DTKS_HEADER.replace(";", ",") + "\n" + dtks_row(1).replace(";", ",") + "\n",
    )
    ingest_source(raw_dir, "dtks", con)
    assert file_log(con, "dtks/a.csv")[0]["delimiter"] == ","
    assert rows(con, "select nama from raw.dtks") == [{"nama": "NAMA 1"}]


def test_windows_1252_file_is_transcoded(raw_dir, con):
    write(
        raw_dir / "dtks/a.csv",
        f"{DTKS_HEADER}\n{dtks_row(1).replace('NAMA 1', 'JOSÉ')}\n",
        "cp1252",
    )

    ingest_source(raw_dir, "dtks", con)

    assert rows(con, "select nama from raw.dtks") == [{"nama": "JOSÉ"}]
    assert file_log(con, "dtks/a.csv")[0]["encoding"] == "cp1252"


def test_utf8_bom_does_not_hide_the_first_header(raw_dir, con):
    write(
        raw_dir / "dtks/a.csv",
        f"{DTKS_HEADER}\n{dtks_row(1).replace('NAMA 1', 'JOSÉ')}\n",
        "utf-8-sig",
    )

    ingest_source(raw_dir, "dtks", con)

    assert rows(con, "select no_kk, nama from raw.dtks") == [
        {"no_kk": "3509010000000001", "nama": "JOSÉ"}
    ]
    assert file_log(con, "dtks/a.csv")[0]["encoding"] == "utf-8-sig"


def test_title_lines_above_the_header_are_skipped(raw_dir, con):
    text = (
        "DATA DTKS KECAMATAN AJUNG\n"
        "Periode: April 2025;;\n"
        "\n"
        '"Sumber: Dinas Sosial\nKabupaten Jember"\n'
        f"{DTKS_HEADER}\n{dtks_row(1)}\n"
    )
    write(raw_dir / "dtks/a.csv", text)

    ingest_source(raw_dir, "dtks", con)

    [log] = file_log(con, "dtks/a.csv")
    assert (log["status"], log["header_record"], log["data_rows"]) == ("loaded", 5, 1)
    assert rows(con, "select nama, _row_number from raw.dtks") == [
        {"nama": "NAMA 1", "_row_number": 1}
    ]


def test_more_than_six_title_lines_fail_the_file(raw_dir, con):
    titles = "".join(f"judul {i}\n" for i in range(7))
    write(raw_dir / "dtks/a.csv", f"{titles}{DTKS_HEADER}\n{dtks_row(1)}\n")
    summary = ingest_source(raw_dir, "dtks", con)
    assert file_log(con, "dtks/a.csv")[0]["status"] == "failed"
    assert "dtks/a.csv" in summary.messages[0] and "no header" in summary.messages[0]


# The second case adds a short record, which sends the file through the exact (csv module)
# reader instead of pyarrow: both readers must number and classify records the same way.
@pytest.mark.parametrize("ending", ["", "3509010000000007;3509014101800007;NAMA 7\n"])
def test_blank_and_totals_rows_are_not_loaded_but_keep_their_record_number(raw_dir, con, ending):
    text = (
        f"{DTKS_HEADER}\n"
        f"{dtks_row(1)}\n"
        "\n"  # blank line: record 2
        ";;  ;;;;;\n"  # only empty/whitespace cells: record 3
        f"{dtks_row(4)}\n"
        "JUMLAH;;;;;;;\n"  # record 5
        "  total keluarga: 2;;;;;;;\n" + ending  # record 6
    )
    write(raw_dir / "dtks/a.csv", text)

    summary = ingest_source(raw_dir, "dtks", con)

    loaded = rows(con, "select nama, _row_number from raw.dtks order by _row_number")
    assert loaded[:2] == [
        {"nama": "NAMA 1", "_row_number": 1},
        {"nama": "NAMA 4", "_row_number": 4},
    ]
    assert loaded[2:] == ([{"nama": "NAMA 7", "_row_number": 7}] if ending else [])
    assert summary.non_data_rows == 4
    assert file_log(con, "dtks/a.csv")[0]["non_data_rows"] == 4


def test_whitespace_cells_become_null_and_other_text_is_kept_verbatim(raw_dir, con):
    write(
        raw_dir / "dtks/a.csv",
        f"{DTKS_HEADER};DESIL\n{dtks_row(1).replace('NAMA 1', ' Siti  ')};   \n",
    )
    ingest_source(raw_dir, "dtks", con)
    assert rows(con, "select nama, desil, alamat from raw.dtks") == [
        {"nama": " Siti  ", "desil": None, "alamat": None}
    ]


def test_missing_required_column_fails_only_that_file(raw_dir, con):
    write(raw_dir / "dtks/a_ok.csv", f"{DTKS_HEADER}\n{dtks_row(1)}\n")
    write(raw_dir / "dtks/b_broken.csv", "NO_KK;NAMA;JK;TGL LAHIR;SHDK;DESA;KEC\n1;A;L;x;1;d;k\n")
    write(raw_dir / "dtks/c_ok.csv", f"{DTKS_HEADER}\n{dtks_row(2)}\n")

    summary = ingest_source(raw_dir, "dtks", con)

    assert summary.files == 3 and summary.files_failed == 1
    assert summary.rows_loaded == {"dtks": 2}
    message = summary.messages[0]
    assert "dtks/b_broken.csv" in message and "NIK" in message
    [log] = file_log(con, "dtks/b_broken.csv")
    assert log["status"] == "failed" and log["message"] == message
    # its one row can still be split and numbered: it is listed, so every row is accounted for
    assert log["rejected_rows"] == 1
    assert rows(con, "select row_number, reason, message from raw.ingest_rejected_rows") == [
        {"row_number": 1, "reason": "file_failed", "message": message}
    ]


def test_unreadable_files_fail_only_themselves(raw_dir, con):
    write(raw_dir / "dtks/a.csv", f"{DTKS_HEADER}\n{dtks_row(1)}\n")
    (raw_dir / "dtks/broken.xlsx").write_bytes(b"this is not a zip file")
    (raw_dir / "dtks/empty.csv").write_bytes(b"")
    (raw_dir / "dtks/readme.txt").write_text("catatan")

    summary = ingest_source(raw_dir, "dtks", con)

    assert summary.rows_loaded == {"dtks": 1}
    statuses = {r["source_path"]: r["status"] for r in rows(con, "select * from raw.ingest_files")}
    assert statuses == {
        "dtks/a.csv": "loaded",
        "dtks/broken.xlsx": "failed",
        "dtks/empty.csv": "failed",
        "dtks/readme.txt": "skipped",
    }
    assert any("dtks/broken.xlsx" in m for m in summary.messages)


def test_same_bytes_twice_is_recorded_as_duplicate_and_rows_keep_their_identity(raw_dir, con):
    text = f"{DTKS_HEADER}\n{dtks_row(1)}\n"
    write(raw_dir / "dtks/2025-04/ajung.csv", text)
    write(raw_dir / "dtks/2025-05/ajung.csv", text)

    summary = ingest_source(raw_dir, "dtks", con)

    assert summary.duplicate_files == 1
    logs = rows(
        con, "select source_path, duplicate_of, sha256 from raw.ingest_files order by source_path"
    )
    assert [r["duplicate_of"] for r in logs] == [None, "dtks/2025-04/ajung.csv"]
    assert logs[0]["sha256"] == logs[1]["sha256"]
    assert rows(con, "select _source_path, _row_number from raw.dtks order by 1") == [
        {"_source_path": "dtks/2025-04/ajung.csv", "_row_number": 1},
        {"_source_path": "dtks/2025-05/ajung.csv", "_row_number": 1},
    ]


def test_files_read_side_by_side_go_on_in_path_order(raw_dir, con, monkeypatch):
    """Ingestion reads files ahead in threads (load.READ_AHEAD_FILES); whichever read ends
    first, records and rows go on in path order, so the first of two byte-identical files
    stays the original and the later one its duplicate."""
    import dagster_project.ingestion.load as load

    text = f"{DTKS_HEADER}\n{dtks_row(1)}\n"
    write(raw_dir / "dtks/2025-04/ajung.csv", text)
    write(raw_dir / "dtks/2025-04/~$ajung.csv", "lock")
    write(raw_dir / "dtks/2025-05/ajung.csv", text)
    write(raw_dir / "dtks/2025-06/balung.csv", f"{DTKS_HEADER}\n{dtks_row(2)}\n{dtks_row(3)}\n")

    real_read_file = load.read_file
    later_read_done = threading.Event()

    def first_read_ends_last(raw, path, source):
        if path.parent.name == "2025-04":
            later_read_done.wait(timeout=10)
        read = real_read_file(raw, path, source)
        if path.parent.name == "2025-05":
            later_read_done.set()
        return read

    monkeypatch.setattr(load, "read_file", first_read_ends_last)
    summary = ingest_source(raw_dir, "dtks", con)

    assert later_read_done.is_set()
    assert summary.duplicate_files == 1
    assert rows(con, "select source_path, duplicate_of from raw.ingest_files order by rowid") == [
        {"source_path": "dtks/2025-04/ajung.csv", "duplicate_of": None},
        {"source_path": "dtks/2025-04/~$ajung.csv", "duplicate_of": None},
        {"source_path": "dtks/2025-05/ajung.csv", "duplicate_of": "dtks/2025-04/ajung.csv"},
        {"source_path": "dtks/2025-06/balung.csv", "duplicate_of": None},
    ]
    assert rows(con, "select _source_path, _row_number from raw.dtks order by rowid") == [
        {"_source_path": "dtks/2025-04/ajung.csv", "_row_number": 1},
        {"_source_path": "dtks/2025-05/ajung.csv", "_row_number": 1},
        {"_source_path": "dtks/2025-06/balung.csv", "_row_number": 1},
        {"_source_path": "dtks/2025-06/balung.csv", "_row_number": 2},
    ]


def test_arrow_allocates_with_malloc_in_a_process_of_ours():
    """The package sets Arrow's memory pool to the C library's malloc before pyarrow loads: with
    the bundled mimalloc the pages the reader threads freed stayed with the process
    (docs/benchmarks.md, "Ingestion on two cores"). An operator's own setting wins."""
    code = "import dagster_project, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}

    def backend(env: dict[str, str]) -> str:
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return run.stdout.strip()

    assert backend(env) == "system"
    assert backend({**env, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == "mimalloc"


def write_multisheet_workbook(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    notes = workbook.add_worksheet("Catatan")
    notes.write(0, 0, "Data ini bersumber dari Dinas Sosial")
    notes.write(1, 0, "Dicetak 1 Mei 2025")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for name, nik_as_number in (("AJUNG", True), ("KALISAT", False)):
        sheet = workbook.add_worksheet(name)
        sheet.write(0, 0, f"DATA DTKS KECAMATAN {name}")
        header = [
            "NO KK",
            "NIK",
            "NAMA",
            "JK",
            "TGL LAHIR",
            "SHDK",
            "DESA",
            "KECAMATAN",
            "DESIL",
            "RT",
        ]
        sheet.write_row(2, 0, header)
        nik = 3509014101800011 if nik_as_number else "3509014101800011"
        sheet.write_row(3, 0, ["3509010101200001", nik, "SITI", "P"])
        sheet.write_datetime(3, 4, dt.datetime(1980, 1, 1), date_format)
        sheet.write_row(3, 5, [1, "Ajung", name, 2.5, "  "])
        sheet.write_row(5, 0, ["TOTAL", None, None])
    workbook.close()


def test_xlsx_reads_every_sheet_skips_notes_and_marks_numeric_nik(raw_dir, con):
    write_multisheet_workbook(raw_dir / "dtks/dtks.xlsx")

    summary = ingest_source(raw_dir, "dtks", con)

    logs = {r["sheet"]: r for r in file_log(con, "dtks/dtks.xlsx")}
    assert {s: r["status"] for s, r in logs.items()} == {
        "Catatan": "skipped",
        "AJUNG": "loaded",
        "KALISAT": "loaded",
    }
    assert logs["AJUNG"]["header_record"] == 3 and logs["AJUNG"]["encoding"] == "xlsx"
    assert logs["AJUNG"]["non_data_rows"] == 2  # blank row 2 and the TOTAL row 3
    assert summary.sheets_skipped == 1 and summary.files_failed == 0
    assert "Catatan" in logs["Catatan"]["message"]
    loaded = rows(
        con,
        "select _sheet, _row_number, no_kk, nik, tanggal_lahir, hubungan_keluarga, desil, rt, "
        "_id_numeric_cells from raw.dtks order by _sheet",
    )
    assert loaded == [
        {
            "_sheet": "AJUNG",
            "_row_number": 1,
            "no_kk": "3509010101200001",
            "nik": "3509014101800011",  # a number cell: plain digits, no exponent, no .0
            "tanggal_lahir": "1980-01-01",
            "hubungan_keluarga": "1",
            "desil": "2.5",
            "rt": None,
            "_id_numeric_cells": "nik",
        },
        {
            "_sheet": "KALISAT",
            "_row_number": 1,
            "no_kk": "3509010101200001",
            "nik": "3509014101800011",
            "tanggal_lahir": "1980-01-01",
            "hubungan_keluarga": "1",
            "desil": "2.5",
            "rt": None,
            "_id_numeric_cells": None,
        },
    ]


def test_read_file_returns_arrow_rows_and_records_without_duckdb(raw_dir):
    write_multisheet_workbook(raw_dir / "dtks/dtks.xlsx")

    sheets = read_file(raw_dir, Path("dtks/dtks.xlsx"), "dtks")

    assert [s.record.sheet for s in sheets] == ["Catatan", "AJUNG", "KALISAT"]
    assert sheets[0].data is None and sheets[0].table_name is None
    ajung = sheets[1]
    assert ajung.table_name == "dtks"
    assert ajung.data.column_names[: len(TABLES["dtks"].column_names)] == list(
        TABLES["dtks"].column_names
    )
    assert ajung.data.column("_id_numeric_cells").to_pylist() == ["nik"]


def test_too_many_fields_rejects_the_row_with_its_number(raw_dir, con):
    text = (
        f"{DTKS_HEADER}\n"
        f"{dtks_row(1)}\n"
        f"{dtks_row(2)};stray;value\n"  # two non-empty extra fields: rejected
        f"{dtks_row(3)};;\n"  # empty extra fields: dropped, row kept
        "3509010000000004;3509014101800004;NAMA 4\n"  # fewer fields: padded with NULL
    )
    write(raw_dir / "dtks/a.csv", text)

    summary = ingest_source(raw_dir, "dtks", con)

    assert rows(con, "select _row_number, nama, desa from raw.dtks order by _row_number") == [
        {"_row_number": 1, "nama": "NAMA 1", "desa": "Ajung"},
        {"_row_number": 3, "nama": "NAMA 3", "desa": "Ajung"},
        {"_row_number": 4, "nama": "NAMA 4", "desa": None},
    ]
    [rejected] = rows(con, "select * from raw.ingest_rejected_rows")
    assert (rejected["row_number"], rejected["reason"]) == (2, "too_many_fields")
    assert "dtks/a.csv" in rejected["message"] and "row 2" in rejected["message"]
    assert "10 fields" in rejected["message"] and "has 8" in rejected["message"]
    assert summary.rows_rejected == 1
    assert file_log(con, "dtks/a.csv")[0]["rejected_rows"] == 1


def test_an_xlsx_value_right_of_the_header_is_an_unnamed_column_and_the_row_is_read(raw_dir, con):
    """In a sheet a cell cannot shift as a CSV field can after an unquoted delimiter: a value
    beside the header's last column (a note typed next to the row) is an unknown extra column,
    ignored, and the row is read. A totals row with its figure out there is still not data."""
    path = raw_dir / "dtks/catatan.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("AJUNG")
    sheet.write_row(0, 0, DTKS_HEADER.split(";"))
    sheet.write_row(1, 0, dtks_row(1).split(";") + ["catatan: pindah"])
    sheet.write_row(2, 0, dtks_row(2).split(";"))
    sheet.write_row(3, 0, ["JUMLAH", None, None, None, None, None, None, None, 2])
    workbook.close()

    summary = ingest_source(raw_dir, "dtks", con)

    assert rows(con, "select _row_number, nama from raw.dtks order by _row_number") == [
        {"_row_number": 1, "nama": "NAMA 1"},
        {"_row_number": 2, "nama": "NAMA 2"},
    ]
    assert rows(con, "select * from raw.ingest_rejected_rows") == []
    assert summary.rows_rejected == 0
    [log] = file_log(con, "dtks/catatan.xlsx")
    assert log["status"] == "loaded" and log["non_data_rows"] == 1
    assert (
        "2 row(s) hold values right of the header's last column, first in cell I2"
        in (log["message"])
    )


def test_bps_header_chooses_the_table(raw_dir, con):
    write(
        raw_dir / "bps/penduduk.csv",
        "Jumlah Penduduk per Desa\nKecamatan,Desa,Luas km2,Penduduk L,Penduduk P,Jumlah Keluarga,Tahun\n"
        "Ajung,Ajung,10.5,4000,4100,2500,2024\n",
    )
    write(
        raw_dir / "bps/kemiskinan.csv",
        "TAHUN;PERSEN MISKIN;JUMLAH MISKIN;GARIS KEMISKINAN\n2024;9,15;232,1;469000\n",
    )

    summary = ingest_source(raw_dir, "bps", con)

    assert summary.rows_loaded == {"bps_penduduk": 1, "bps_kemiskinan": 1}
    tables = {
        r["source_path"]: r["table_name"] for r in rows(con, "select * from raw.ingest_files")
    }
    assert tables == {"bps/kemiskinan.csv": "bps_kemiskinan", "bps/penduduk.csv": "bps_penduduk"}
    assert rows(con, "select jumlah_kk, luas_km2 from raw.bps_penduduk") == [
        {"jumlah_kk": "2500", "luas_km2": "10.5"}
    ]
    assert rows(con, "select persen_miskin, p1 from raw.bps_kemiskinan") == [
        {"persen_miskin": "9,15", "p1": None}
    ]


def test_hidden_and_lock_files_are_ignored(raw_dir, con):
    write(raw_dir / "dtks/a.csv", f"{DTKS_HEADER}\n{dtks_row(1)}\n")
    write(raw_dir / "dtks/.a.csv", "garbage")
    write(raw_dir / "dtks/~$a.xlsx", "garbage")
    write(raw_dir / "dtks/.hidden/b.csv", f"{DTKS_HEADER}\n{dtks_row(2)}\n")

    summary = ingest_source(raw_dir, "dtks", con)

    # ignored as the contract says, yet recorded: nothing under raw/ goes unnoticed
    assert summary.files == 1 and summary.files_ignored == 3 and summary.messages == []
    assert rows(con, "select source_path, status from raw.ingest_files order by 1") == [
        {"source_path": "dtks/.a.csv", "status": "skipped"},
        {"source_path": "dtks/.hidden", "status": "skipped"},
        {"source_path": "dtks/a.csv", "status": "loaded"},
        {"source_path": "dtks/~$a.xlsx", "status": "skipped"},
    ]
    assert all(
        ": ignored: the name starts with" in m
        for (m,) in con.execute(
            "select message from raw.ingest_files where status = 'skipped'"
        ).fetchall()
    )


def test_every_table_exists_even_without_files_and_reruns_replace_only_this_source(raw_dir, con):
    write(raw_dir / "dtks/a.csv", f"{DTKS_HEADER}\n{dtks_row(1)}\n")
    ingest_source(raw_dir, "dtks", con)
    ingest_source(raw_dir, "bps", con)  # no bps files at all
    ingest_source(raw_dir, "dtks", con)  # again: no doubled rows

    for table in ("bps_penduduk", "bps_kemiskinan"):
        columns = [r["column_name"] for r in rows(con, f"describe raw.{table}")]
        assert columns[: len(TABLES[table].column_names)] == list(TABLES[table].column_names)
        assert columns[-7:] == [
            "_source",
            "_source_path",
            "_sheet",
            "_row_number",
            "_file_sha256",
            "_id_numeric_cells",
            "_read_note",
        ]
    assert rows(con, "select count(*) as n from raw.dtks") == [{"n": 1}]
    assert rows(con, "select source, count(*) as n from raw.ingest_files group by 1") == [
        {"source": "dtks", "n": 1}
    ]
    types = {r["column_name"]: r["column_type"] for r in rows(con, "describe raw.dtks")}
    assert (
        types["_row_number"] == "INTEGER"
        and types["nik"] == "VARCHAR"
        and types["_sheet"] == "VARCHAR"
    )


def test_a_load_that_fails_halfway_keeps_the_previous_tables_whole(raw_dir, con, monkeypatch):
    """Rows go to a loading table in committed batches and are swapped in at the end: a load
    that stops halfway leaves the source's previous tables and log rows as they were, and a
    loading table a killed run left behind is dropped by the next run's ingestion."""
    import dagster_project.ingestion.load as load

    write(raw_dir / "dtks/a.csv", f"{DTKS_HEADER}\n{dtks_row(1)}\n")
    ingest_source(raw_dir, "dtks", con)
    write(raw_dir / "dtks/b.csv", f"{DTKS_HEADER}\n{dtks_row(2)}\n{dtks_row(3)}\n")
    write(raw_dir / "dtks/c.csv", f"{DTKS_HEADER}\n{dtks_row(4)}\n")

    real_read_file, calls = load.read_file, []

    def failing_read_file(raw, path, source):
        calls.append(path.name)
        if path.name == "c.csv":
            raise OSError("disk went away")
        return real_read_file(raw, path, source)

    monkeypatch.setattr(load, "APPEND_BYTES", 1)  # every file's rows committed on their own
    monkeypatch.setattr(load, "read_file", failing_read_file)
    with pytest.raises(OSError):
        ingest_source(raw_dir, "dtks", con)
    # read side by side (READ_AHEAD_FILES), so in any order; b.csv's rows went to DuckDB before
    # c.csv's failure reached the loop
    assert sorted(calls) == ["a.csv", "b.csv", "c.csv"]
    assert rows(con, "select count(*) as n from raw.dtks") == [{"n": 1}]
    assert rows(con, "select source_path from raw.ingest_files") == [{"source_path": "dtks/a.csv"}]
    loading = "select table_name from duckdb_tables() where table_name like '_loading%'"
    assert rows(con, loading) == []

    # what a SIGKILL between two batches leaves: a loading table nobody dropped
    con.execute("create table raw._loading_pkh as select 1 as x")
    load.drop_loading_tables(con)
    assert rows(con, loading) == []


def test_a_relative_raw_dir_works(raw_dir, con, monkeypatch):
    write(raw_dir / "dtks/sub/a.csv", f"{DTKS_HEADER}\n{dtks_row(1)}\n")
    monkeypatch.chdir(raw_dir.parent)

    summary = ingest_source(Path("raw"), "dtks", con)

    assert summary.rows_loaded == {"dtks": 1} and summary.messages == []
    assert rows(con, "select _source_path from raw.dtks") == [{"_source_path": "dtks/sub/a.csv"}]
