"""Hostile deliveries through the real pipeline (Dagster, dbt, GX, DuckDB), on copies of the
shipped sample damaged by the test: a registry file lost as a whole, a delivery of rows sharing
one NIK or one name and birth date, PKH rows pasted twice, a file name carrying 16 digits.

Two runs: the damage that must block (on a copy of the published sample, for the next month),
and the damage that must not (into an empty data folder); each test asserts its own kind."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers import blocking_failures, copy_tree, output, published_snapshot, query, run_jember

PUGER_DTKS = Path("dtks/2025-04/puger/dtks_puger.csv")
PUGER_PKH = Path("pkh/2025/tahap1/pkh_puger_tahap1.csv")
PUGER_PKH_AGAIN = Path("pkh/2025/koreksi/pkh_puger_tahap1_koreksi.csv")
KOPERASI = Path("koperasi/2025/2025-10/rekap_kopdes_2025-10-31.csv")
SIXTEEN_DIGITS = "3509014101900001"


@pytest.fixture(scope="module")
def baseline(sample_run) -> dict:
    """The shipped sample, published once for its own period 2025-12 (conftest.sample_run,
    shared with test_report, test_incremental and test_quality_gate)."""
    return sample_run


@pytest.fixture(scope="module")
def blocked(baseline: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the published sample (raw and data) with two kinds of damage, each of which
    blocks publishing by a check of its own, run for the next month (2026-01): Puger's main
    DTKS file lost as a whole, and 20,000 rows sharing one NIK or one name and birth date
    (write_hostile_dtks, in Kencong)."""
    work = tmp_path_factory.mktemp("blocked")
    raw = copy_tree(baseline["raw"], work / "raw")
    data = copy_tree(baseline["data"], work / "data")
    before = published_snapshot(data)
    puger_before = query(
        data / "published" / "jember.duckdb",
        "select dtks_persons from mart_kecamatan where nama_kecamatan = 'Puger'",
    )[0][0]

    # Puger's main DTKS file re-saved as UTF-16 (not allowed by the contract): it fails as a whole.
    path = raw / PUGER_DTKS
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    # 20,000 rows (CI size; 200,000 measured by hand in docs/benchmarks.md)
    write_hostile_dtks(raw, 20_000)
    result = run_jember(
        "run", "--raw-dir", str(raw), "--data-dir", str(data), "--period", "2026-01"
    )
    return {"data": data, "result": result, "before": before, "puger_before": puger_before}


def test_a_lost_dtks_file_blocks_publishing_and_the_report_names_the_kecamatan(blocked):
    result, data, puger_before = blocked["result"], blocked["data"], blocked["puger_before"]
    assert puger_before > 100

    assert result.returncode == 2, output(result)
    assert "int_delivery_completeness" in result.stdout
    # the lost file and the persons lost block by themselves (the 20,000 rows block too)
    assert {
        ("int_delivery_completeness", "check_name"),
        ("int_delivery_completeness", "share_of_previous"),
    } <= blocking_failures(data)
    # the previous release stays, byte for byte
    assert published_snapshot(data) == blocked["before"]
    # and no verification list of the blocked period reaches the field
    assert (data / "restricted" / "verifikasi" / "2025-12").is_dir()
    assert not (data / "restricted" / "verifikasi" / "2026-01").exists()
    rows = query(
        data / "warehouse.duckdb",
        "select check_name, nama_kecamatan, source_path, persons_before, persons_now "
        "from intermediate.int_delivery_completeness where nama_kecamatan = 'Puger' order by 1",
    )
    assert rows[0][:3] == ("file_unreadable", "Puger", str(PUGER_DTKS))
    # ... and against the previous period Puger kept almost none of its persons
    assert rows[1][0] == "persons_vs_previous_period" and rows[1][3] == puger_before
    assert rows[1][4] < puger_before / 2
    # the other kecamatan are complete
    assert query(
        data / "warehouse.duckdb",
        "select count(*) from intermediate.int_delivery_completeness "
        "where nama_kecamatan <> 'Puger' and share_of_previous < 0.5",
    ) == [(0,)]

    report = (data / "reports" / "laporan-2026-01.html").read_text(encoding="utf-8")
    assert "DIBLOKIR" in report
    assert "Data kecamatan Puger tidak lengkap" in report
    assert str(PUGER_DTKS) in report and "file tidak dapat dibaca" in report
    assert f"jiwa DTKS turun dari {puger_before}" in report


@pytest.fixture(scope="module")
def publishable_damage(baseline: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One run of the sample with three kinds of damage none of which may block publishing
    (each test below asserts on its own kind; a run exits 0 only if none of them blocks):
    an unreadable koperasi report, PKH rows pasted twice, a file name holding 16 digits."""
    work = tmp_path_factory.mktemp("publishable_damage")
    raw = copy_tree(baseline["raw"], work / "raw")
    # A koperasi report re-saved as UTF-16 (not allowed by the contract): it fails as a whole.
    failed = raw / "koperasi/2025/2025-05/rekap_kopdes_2025-05-31.csv"
    failed.write_bytes(failed.read_text(encoding="utf-8").encode("utf-16"))
    # Five data rows of Puger's stage-1 list pasted a second time, right below themselves.
    path = raw / PUGER_PKH
    lines = path.read_bytes().splitlines(keepends=True)  # Windows-1252, as delivered
    header, data_rows, rest = lines[0], lines[1:6], lines[6:]
    path.write_bytes(header + b"".join(data_rows) + b"".join(data_rows) + b"".join(rest))
    # Two families' stage-1 rows sent again in a file of their own (a corrected list: the
    # rupiah written as plain digits, so not the same rows byte for byte): each stage is paid once.
    with open(baseline["raw"] / PUGER_PKH, encoding="cp1252", newline="") as f:
        header_cells, *cells = list(csv.reader(f))
    nominal = header_cells.index("nominal")
    again = [
        row[:nominal] + [str(parse_rupiah(row[nominal]))] + row[nominal + 1 :]
        for row in cells[10:12]
    ]
    (raw / PUGER_PKH_AGAIN).parent.mkdir(parents=True)
    with open(raw / PUGER_PKH_AGAIN, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header_cells, *again])
    # A koperasi report whose file name holds a NIK-shaped number.
    named = raw / KOPERASI.with_name(f"rekap_kopdes_{SIXTEEN_DIGITS}_2025-10-31.csv")
    shutil.move(raw / KOPERASI, named)

    data = work / "data"
    result = run_jember(
        "run", "--raw-dir", str(raw), "--data-dir", str(data), "--period", "2025-12"
    )
    return {"raw": raw, "data": data, "named": named, "result": result}


def test_a_failed_koperasi_file_still_publishes_with_a_warning(publishable_damage: dict) -> None:
    """Only a lost DTKS or PKH file makes a kecamatan incomplete; koperasi reports repeat every
    village each month, so one unreadable report is a warning (named in the report)."""
    result, data = publishable_damage["result"], publishable_damage["data"]
    assert result.returncode == 0, output(result)
    assert "stg_ingest__files" in result.stdout  # the warning is reported
    report = (data / "reports" / "laporan-2025-12.html").read_text(encoding="utf-8")
    assert "rekap_kopdes_2025-05-31.csv" in report


def parse_rupiah(text: str) -> int:
    """`Rp1.500.000,00` as the sample writes it, in whole rupiah."""
    return int(text.removeprefix("Rp").split(",")[0].replace(".", ""))


def test_pkh_rows_pasted_twice_are_paid_once_and_a_file_name_with_16_digits_publishes(
    baseline: dict, publishable_damage: dict
) -> None:
    result, data = publishable_damage["result"], publishable_damage["data"]
    raw, named = publishable_damage["raw"], publishable_damage["named"]
    assert result.returncode == 0, output(result)

    money = (
        "select sum(nominal_rp), sum(stages_paid), sum(stages_listed), count(*) filter "
        "(where stages_paid > stages_listed) from mart_pkh_family"
    )
    published, before = (
        data / "published" / "jember.duckdb",
        baseline["data"] / "published" / "jember.duckdb",
    )
    assert query(published, money) == query(before, money)
    assert query(published, money)[0][3] == 0
    for table in ("mart_kabupaten", "mart_kecamatan", "mart_desa"):
        total = f"select sum(pkh_nominal_rp), sum(pkh_nominal_rp_tahun_ini), sum(pkh_families) from {table}"
        assert query(published, total) == query(before, total), table
    # the stages sent again are listed again, and paid once (the mart totals above)
    assert query(
        data / "warehouse.duckdb",
        "select count(*) from intermediate.int_pkh__disbursements_cleaned "
        "where is_stage_listed_later and source_path = ?",
        [str(PUGER_PKH_AGAIN)],
    ) == [(2,)]
    # the copies are kept, flagged and counted, not lost
    assert query(published, "select sum(duplicate_disbursement_rows) from mart_pkh_family") == [
        (5,)
    ]
    assert query(
        data / "warehouse.duckdb",
        "select count(*), count(distinct row_number) from intermediate.int_pkh__disbursements_cleaned "
        "where is_duplicate_disbursement and source_path = ?",
        [str(PUGER_PKH)],
    ) == [(5, 5)]

    # Analyst tier: no raw paths or row identities anywhere, so the name cannot leak.
    columns = query(published, "select table_name, column_name from information_schema.columns")
    assert not [
        c
        for c in columns
        if c[1] in ("source_path", "sheet", "row_number", "row_key", "record_key")
    ]
    with duckdb.connect(str(published), read_only=True) as con:
        for table, column in columns:
            hits = con.execute(
                f'select count(*) from "{table}" where "{column}"::varchar like ?',
                [f"%{SIXTEEN_DIGITS}%"],
            ).fetchone()[0]
            assert hits == 0, (table, column)
    for parquet in (data / "published").resolve().glob("*.parquet"):
        assert SIXTEEN_DIGITS.encode() not in parquet.read_bytes()
    # the provenance stays in the restricted schema, and the report masks the number
    assert (
        query(
            data / "warehouse.duckdb",
            "select count(*) from restricted.koperasi_report_rows where source_path = ?",
            [str(named.relative_to(raw))],
        )[0][0]
        > 200
    )
    report = (data / "reports" / "laporan-2025-12.html").read_text(encoding="utf-8")
    assert not re.search(r"[0-9]{16}", report)


HOSTILE_DTKS = Path("dtks/2025-10/pemutakhiran_dtks_kencong_tambahan_oktober_2025.csv")


def write_hostile_dtks(raw: Path, rows: int) -> Path:
    """A DTKS file of `rows` persons in Kencong: the first half all carry one NIK (different
    names, cards and birth dates), the second half one name and one birth date (different NIKs
    and cards). Either is a blocking key resolution will not pair (var person_block_max_rows)."""
    path = raw / HOSTILE_DTKS
    header = (
        "ID_DTKS;NO_KK;NIK;NAMA;JENIS_KELAMIN;TEMPAT_LAHIR;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;ALAMAT;"
        "RT;RW;KECAMATAN;DESA;KODE_DESA;DESIL;STATUS_PADAN;DISABILITAS;HAMIL;STATUS_HIDUP;TANGGAL_UPDATE"
    )
    names = ["SITI AMINAH", "SUPARMI", "AHMAD FAUZI", "NUR HASANAH", "SLAMET", "MISNAWI", "RUSMINI"]
    lines = ["PEMUTAKHIRAN DTKS KECAMATAN KENCONG", header]
    for i in range(rows):
        no_kk = f"35090213022{i:05d}"
        if i < rows // 2:  # one NIK on every row
            nik, nama, lahir = (
                "3509020710930001",
                f"{names[i % 7]} {i}",
                f"{1 + i % 28} Maret {1950 + i % 50}",
            )
        else:  # one name and birth date on every row
            nik, nama, lahir = f"35090207109{i:05d}", "SITI AMINAH", "7 Oktober 1993"
        lines.append(
            f"3509029{i:08d};{no_kk};{nik};{nama};P;JEMBER;{lahir};KEPALA KELUARGA;DUSUN KRAJAN;1;1;"
            "KEC. KENCONG;KRATON;35.09.02.2003;4;PADAN;0;TIDAK;HIDUP;18 Agustus 2025"
        )
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_a_delivery_of_rows_sharing_one_nik_or_one_name_and_birth_date_ends_in_the_gate(
    blocked,
):
    """Resolution leaves the oversized blocks unpaired, the quality model int_delivery_blocks
    counts them from the staging rows, and its critical suite blocks publishing; the report
    names the file."""
    result, data = blocked["result"], blocked["data"]

    assert result.returncode == 2, output(result)
    assert "int_delivery_blocks" in result.stdout
    blocks = query(
        data / "warehouse.duckdb",
        "select block_kind, block_rows, source_path, file_rows from intermediate.int_delivery_blocks "
        "order by block_kind",
    )
    assert ("birth_name", 10_000, str(HOSTILE_DTKS), 10_000) in blocks
    # the NIK's own holder in the sample shares the block: at least the file's 10,000 rows
    nik = [b for b in blocks if b[0] == "nik"]
    assert len(nik) >= 1 and nik[0][1] >= 10_000 and str(HOSTILE_DTKS) in {b[2] for b in nik}
    verdict = json.loads((data / "quality" / "verdict.json").read_text())
    suite = next(s for s in verdict["suites"] if s["suite"] == "int_delivery_blocks")
    assert not suite["passed"] and suite["expectations"][0]["severity"] == "critical"
    assert published_snapshot(data) == blocked["before"]  # nothing of it published
    report = (data / "reports" / "laporan-2026-01.html").read_text(encoding="utf-8")
    assert "DIBLOKIR" in report and str(HOSTILE_DTKS) in report
