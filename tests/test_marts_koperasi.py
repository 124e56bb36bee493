"""Koperasi Desa Merah Putih progress: hand-made reports, one small case per rule and flag, run
through the real `dbt build`; then the flags against the generator's planted truth.

The hand-made raw tables are built with the helpers of helpers.py (the raw schema of
docs/raw-tables.md); only the koperasi and BPS poverty tables hold rows here.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers import create_raw_tables, insert_file, insert_rows, query, run_dbt

# Villages of the reference list used below (one case each)
AJUNG_AJUNG = "35.09.17.2004"  # regression
AJUNG_KLOMPANGAN = "35.09.17.2005"  # BADAN HUKUM without SK
AJUNG_PANCAKARYA = "35.09.17.2003"  # OPERASIONAL long ago: done, not stuck
PUGER_MOJOSARI = "35.09.08.2003"  # stuck in MUSDESUS
SEMBORO_SEMBORO = "35.09.07.2004"  # 60 days in stage: not stuck
UMBULSARI_SIDOREJO = "35.09.05.2002"  # 61 days in stage: stuck
KALISAT_AJUNG = "35.09.27.2008"  # reports on the same date in two files, and twice in one file
SUMBERSARI_KEBONSARI = "35.09.21.1001"  # a kelurahan
KALIWATES_MANGLI = "35.09.19.1001"  # a kelurahan with no report
SUMBERJAMBE_SUMBERPAKEM = "35.09.31.2002"  # a desa with no report
AMBULU_ANDONGSARI = "35.09.12.2006"  # a report without a readable date, and a repeat delivery
JOMBANG_WRINGINAGUNG = "35.09.01.2005"  # BADAN HUKUM, then a report back, never a document
JOMBANG_NGAMPELREJO = "35.09.01.2004"  # documents given at BADAN HUKUM, blank at OPERASIONAL

MAIN_FILE = "koperasi/2025/rekap.csv"
TIE_FILE_A = "koperasi/2025/12/a.csv"
TIE_FILE_B = "koperasi/2025/12/b.csv"
REPEAT_FILE = "koperasi/2025/rekap_andongsari.csv"
REPEAT_COPY = "koperasi/2025/kirim_ulang/rekap_andongsari.csv"  # same bytes again

AS_OF = "31-12-2025"  # the latest report date in these files

MAIN_ROWS: list[tuple[int, dict]] = [
    # Ajung: SOSIALISASI, MUSDESUS, a jump to AKTA NOTARIS, then a report back at AD/ART
    (1, dict(kecamatan="Ajung", desa="Ajung", tahapan="Sosialisasi", tanggal_laporan="30-04-2025")),
    (
        2,
        dict(
            kecamatan="Ajung",
            desa="Ajung",
            tahapan="MUSDESUS",
            tanggal_laporan="31-05-2025",
            jumlah_anggota="40",
        ),
    ),
    (
        3,
        dict(
            kecamatan="Ajung",
            desa="Ajung",
            tahapan="akta notaris",
            tanggal_laporan="31-07-2025",
            jumlah_anggota="120",
            nomor_akta="12",
            unit_usaha="GERAI SEMBAKO; APOTEK DESA, KLINIK DESA, apotek  desa",
        ),
    ),
    (4, dict(kecamatan="Ajung", desa="Ajung", tahapan="AD/ART", tanggal_laporan="31-08-2025")),
    # Klompangan: AKTA NOTARIS with its deed, then BADAN HUKUM without the SK number
    (
        5,
        dict(
            kecamatan="Ajung",
            desa="Klompangan",
            tahapan="AKTA NOTARIS",
            tanggal_laporan="31-07-2025",
            nomor_akta="7",
        ),
    ),
    (
        6,
        dict(
            kecamatan="Ajung",
            desa="Klompangan",
            tahapan="BADAN HUKUM",
            tanggal_laporan="31-12-2025",
            nomor_akta="7",
        ),
    ),
    # Pancakarya: OPERASIONAL since June with both documents: finished, never stuck
    (
        7,
        dict(
            kecamatan="Ajung",
            desa="Pancakarya",
            tahapan="OPERASIONAL",
            tanggal_laporan="30-06-2025",
            nomor_akta="9",
            nomor_sk_ahu="AHU-9",
        ),
    ),
    # Mojosari: MUSDESUS in April and still in December
    (8, dict(kecamatan="Puger", desa="Mojosari", tahapan="MUSDESUS", tanggal_laporan="30-04-2025")),
    (9, dict(kecamatan="Puger", desa="Mojosari", tahapan="MUSDESUS", tanggal_laporan=AS_OF)),
    # Semboro: PENGURUS TERBENTUK exactly 60 days before the latest report date: not stuck
    (
        10,
        dict(
            kecamatan="Semboro",
            desa="Semboro",
            tahapan="PENGURUS TERBENTUK",
            tanggal_laporan="01-11-2025",
        ),
    ),
    # Sidorejo: 61 days: stuck
    (
        11,
        dict(
            kecamatan="Umbulsari",
            desa="Sidorejo",
            tahapan="PENGURUS TERBENTUK",
            tanggal_laporan="31-10-2025",
        ),
    ),
    # Kebonsari: a kelurahan cooperative, kept and shown apart
    (
        12,
        dict(
            kecamatan="Sumbersari",
            desa="Kebonsari",
            tahapan="OPERASIONAL",
            tanggal_laporan="31-10-2025",
            nomor_akta="1",
            nomor_sk_ahu="AHU-1",
        ),
    ),
    # Ajung in kecamatan Kalisat: the latest report of the year is decided below by the tie rules
    (
        13,
        dict(
            kecamatan="Kalisat", desa="Ajung", tahapan="SOSIALISASI", tanggal_laporan="30-04-2025"
        ),
    ),
    # Wringinagung: BADAN HUKUM without documents, then a report back at AKTA NOTARIS
    (
        14,
        dict(
            kecamatan="Jombang",
            desa="Wringinagung",
            tahapan="BADAN HUKUM",
            tanggal_laporan="31-05-2025",
        ),
    ),
    (
        15,
        dict(
            kecamatan="Jombang",
            desa="Wringinagung",
            tahapan="AKTA NOTARIS",
            tanggal_laporan="30-06-2025",
        ),
    ),
    # Ngampelrejo: BADAN HUKUM with both documents, then OPERASIONAL leaving them blank
    (
        16,
        dict(
            kecamatan="Jombang",
            desa="Ngampelrejo",
            tahapan="BADAN HUKUM",
            tanggal_laporan="31-05-2025",
            nomor_akta="4",
            nomor_sk_ahu="AHU-4",
        ),
    ),
    (
        17,
        dict(
            kecamatan="Jombang",
            desa="Ngampelrejo",
            tahapan="OPERASIONAL",
            tanggal_laporan="30-06-2025",
        ),
    ),
]

# Same date in two files, and twice in the later file: the file whose path sorts last, then
# the later row, is the current report.
TIE_A_ROWS = [
    (
        1,
        dict(
            kecamatan="Kalisat",
            desa="Ajung",
            tahapan="AD/ART",
            tanggal_laporan=AS_OF,
            jumlah_anggota="10",
        ),
    )
]
TIE_B_ROWS = [
    (
        1,
        dict(
            kecamatan="Kalisat",
            desa="Ajung",
            tahapan="AD/ART",
            tanggal_laporan=AS_OF,
            jumlah_anggota="20",
        ),
    ),
    (
        2,
        dict(
            kecamatan="Kalisat",
            desa="Ajung",
            tahapan="MUSDESUS",
            tanggal_laporan=AS_OF,
            jumlah_anggota="30",
        ),
    ),
]

# Andongsari: one dated report and one without a readable date, delivered twice
REPEAT_ROWS = [
    (
        1,
        dict(
            kecamatan="Ambulu",
            desa="Andongsari",
            tahapan="SOSIALISASI",
            tanggal_laporan="30-11-2025",
        ),
    ),
    (
        2,
        dict(
            kecamatan="Ambulu", desa="Andongsari", tahapan="OPERASIONAL", tanggal_laporan="kemarin"
        ),
    ),
]

# BPS poverty: a delivered 2024 row that differs from the reference seed (9.01 there)
POVERTY_FILE = "bps/kemiskinan.csv"
POVERTY_ROWS = [
    (1, dict(tahun="2024", persen_miskin="9,50", jumlah_miskin="230,5", garis_kemiskinan="460.000"))
]


def build_koperasi_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    create_raw_tables(con)
    for file, rows, sha in [
        (MAIN_FILE, MAIN_ROWS, "1" * 64),
        (TIE_FILE_A, TIE_A_ROWS, "2" * 64),
        (TIE_FILE_B, TIE_B_ROWS, "3" * 64),
        (REPEAT_FILE, REPEAT_ROWS, "4" * 64),
    ]:
        insert_rows(con, "koperasi", "koperasi", file, "", sha, rows)
        insert_file(con, "koperasi", file, "", "koperasi", sha, len(rows))
    insert_rows(con, "koperasi", "koperasi", REPEAT_COPY, "", "4" * 64, REPEAT_ROWS)
    insert_file(
        con,
        "koperasi",
        REPEAT_COPY,
        "",
        "koperasi",
        "4" * 64,
        len(REPEAT_ROWS),
        duplicate_of=REPEAT_FILE,
    )
    insert_rows(con, "bps_kemiskinan", "bps", POVERTY_FILE, "", "5" * 64, POVERTY_ROWS)
    insert_file(con, "bps", POVERTY_FILE, "", "bps_kemiskinan", "5" * 64, len(POVERTY_ROWS))
    con.close()


@pytest.fixture(scope="module")
def koperasi_warehouse(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("marts_koperasi")
    path = work / "warehouse.duckdb"
    build_koperasi_warehouse(path)
    result = run_dbt("build", warehouse=path, target_dir=work)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    return path


def progress(warehouse: Path, kode_desa: str, columns: str) -> tuple:
    rows = query(
        warehouse,
        f"select {columns} from marts.mart_koperasi_progress where kode_desa = ?",
        [kode_desa],
    )
    assert len(rows) == 1
    return rows[0]


def test_progress_has_every_village_and_marks_the_target_desa(koperasi_warehouse):
    assert query(
        koperasi_warehouse,
        "select count(*), count(*) filter (where is_target_desa) from marts.mart_koperasi_progress",
    ) == [(248, 226)]


def test_current_stage_is_the_highest_reached_and_a_regression_is_flagged(koperasi_warehouse):
    row = progress(
        koperasi_warehouse,
        AJUNG_AJUNG,
        "tahapan, has_stage_regression, stage_regressions, reports, jumlah_anggota, unit_usaha_count",
    )
    assert row == ("AKTA NOTARIS", True, 1, 4, 120, 3)
    history = query(
        koperasi_warehouse,
        "select report_sequence, tahapan, highest_tahapan_urutan_so_far, "
        "is_stage_regression, is_stage_advance from marts.mart_koperasi_reports "
        "where kode_desa = ? order by report_sequence",
        [AJUNG_AJUNG],
    )
    assert history == [
        (1, "SOSIALISASI", 2, False, True),
        (2, "MUSDESUS", 3, False, True),
        (3, "AKTA NOTARIS", 6, False, True),
        (4, "AD/ART", 6, True, False),
    ]


def test_each_stage_date_is_the_first_report_at_that_stage_or_later(koperasi_warehouse):
    row = progress(
        koperasi_warehouse,
        AJUNG_AJUNG,
        "sosialisasi_reached_date::varchar, musdesus_reached_date::varchar, "
        "pengurus_terbentuk_reached_date::varchar, ad_art_reached_date::varchar, "
        "akta_notaris_reached_date::varchar, badan_hukum_reached_date, tahapan_reached_date::varchar, "
        "as_of_date::varchar, days_in_tahapan",
    )
    # the jump to AKTA NOTARIS on 31 July also reached PENGURUS TERBENTUK and AD/ART that day;
    # the regression on 31 August does not restart the clock: 153 days to 31 December
    assert row == (
        "2025-04-30",
        "2025-05-31",
        "2025-07-31",
        "2025-07-31",
        "2025-07-31",
        None,
        "2025-07-31",
        "2025-12-31",
        153,
    )


def test_badan_hukum_without_sk_number_is_flagged(koperasi_warehouse):
    assert progress(
        koperasi_warehouse,
        AJUNG_KLOMPANGAN,
        "tahapan, has_nomor_akta, has_nomor_sk_ahu, is_legal_docs_missing",
    ) == ("BADAN HUKUM", True, False, True)
    assert progress(koperasi_warehouse, AJUNG_PANCAKARYA, "is_legal_docs_missing") == (False,)
    # below BADAN HUKUM nothing is missing yet
    assert progress(koperasi_warehouse, AJUNG_AJUNG, "is_legal_docs_missing") == (False,)


def test_a_village_at_badan_hukum_lacks_documents_even_when_its_current_report_went_back(
    koperasi_warehouse,
):
    """The village's stage is the highest reached, so a current report back at AKTA NOTARIS
    does not hide that a village at BADAN HUKUM never gave its numbers. The rule is the raw
    contract's per report (a report at BADAN HUKUM or later carries both numbers): a current
    report at OPERASIONAL that leaves them blank lacks them, whatever an earlier report gave;
    the village keeps the numbers last given. (A current report gone back below BADAN HUKUM
    after one that gave both: nothing missing, tests/test_dbt_models.py.)"""
    columns = (
        "tahapan, has_stage_regression, has_nomor_akta, has_nomor_sk_ahu, is_legal_docs_missing"
    )
    assert progress(koperasi_warehouse, JOMBANG_WRINGINAGUNG, columns) == (
        "BADAN HUKUM",
        True,
        False,
        False,
        True,
    )
    assert progress(koperasi_warehouse, JOMBANG_NGAMPELREJO, columns + ", nomor_sk_ahu") == (
        "OPERASIONAL",
        False,
        False,
        False,
        True,
        "AHU-4",
    )
    reports = query(
        koperasi_warehouse,
        "select kode_desa, tahapan, is_legal_docs_missing from marts.mart_koperasi_reports "
        f"where kode_desa in ('{JOMBANG_WRINGINAGUNG}', '{JOMBANG_NGAMPELREJO}') "
        "order by kode_desa, report_date",
    )
    assert reports == [
        (JOMBANG_NGAMPELREJO, "BADAN HUKUM", False),
        (JOMBANG_NGAMPELREJO, "OPERASIONAL", True),
        (JOMBANG_WRINGINAGUNG, "BADAN HUKUM", True),
        (JOMBANG_WRINGINAGUNG, "AKTA NOTARIS", False),
    ]


def test_desa_with_no_report_is_flagged_and_in_no_stage(koperasi_warehouse):
    assert progress(
        koperasi_warehouse,
        SUMBERJAMBE_SUMBERPAKEM,
        "has_no_report, tahapan, reports, is_stuck, is_target_desa",
    ) == (True, None, 0, False, True)
    assert progress(koperasi_warehouse, AJUNG_AJUNG, "has_no_report") == (False,)


def test_stuck_means_longer_than_the_configured_days_short_of_operasional(koperasi_warehouse):
    assert progress(koperasi_warehouse, PUGER_MOJOSARI, "tahapan, days_in_tahapan, is_stuck") == (
        "MUSDESUS",
        245,
        True,
    )
    assert progress(koperasi_warehouse, SEMBORO_SEMBORO, "days_in_tahapan, is_stuck") == (60, False)
    assert progress(koperasi_warehouse, UMBULSARI_SIDOREJO, "days_in_tahapan, is_stuck") == (
        61,
        True,
    )
    # OPERASIONAL is the end of the funnel, however long ago it was reached
    assert progress(koperasi_warehouse, AJUNG_PANCAKARYA, "days_in_tahapan, is_stuck") == (
        184,
        False,
    )


def test_stuck_threshold_is_the_dbt_var(koperasi_warehouse, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(koperasi_warehouse, path)
    result = run_dbt(
        "run",
        "--select",
        "mart_koperasi_progress",
        "--vars",
        "{koperasi_stuck_days: 300}",
        warehouse=path,
        target_dir=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert query(path, "select count(*) from marts.mart_koperasi_progress where is_stuck") == [(0,)]


def test_latest_report_on_a_tie_is_the_last_path_then_the_later_row(koperasi_warehouse):
    # b.csv row 2 (MUSDESUS, 30 members) is the current report: it goes back from AD/ART
    assert progress(
        koperasi_warehouse, KALISAT_AJUNG, "tahapan, jumlah_anggota, has_stage_regression, reports"
    ) == ("AD/ART", 30, True, 4)
    # the published mart carries no path (a file name may hold a NIK); the restricted map has it
    latest = query(
        koperasi_warehouse,
        "select r.source_path, r.row_number from marts.mart_koperasi_reports m "
        "join restricted.koperasi_report_rows r using (report_id) "
        "where m.kode_desa = ? and m.is_latest_report",
        [KALISAT_AJUNG],
    )
    assert latest == [(TIE_FILE_B, 2)]


def test_repeat_delivery_counts_once_and_an_undated_report_is_kept_outside_the_timeline(
    koperasi_warehouse,
):
    assert progress(
        koperasi_warehouse, AMBULU_ANDONGSARI, "reports, reports_outside_timeline, tahapan"
    ) == (2, 1, "SOSIALISASI")
    history = query(
        koperasi_warehouse,
        "select r.source_path, m.is_in_timeline from marts.mart_koperasi_reports m "
        "join restricted.koperasi_report_rows r using (report_id) "
        "where m.kode_desa = ? order by r.row_number",
        [AMBULU_ANDONGSARI],
    )
    assert history == [(REPEAT_FILE, True), (REPEAT_FILE, False)]


def test_kelurahan_reports_are_kept_apart_from_the_desa_funnel(koperasi_warehouse):
    assert progress(koperasi_warehouse, SUMBERSARI_KEBONSARI, "is_target_desa, tahapan") == (
        False,
        "OPERASIONAL",
    )
    assert progress(koperasi_warehouse, KALIWATES_MANGLI, "is_target_desa, has_no_report") == (
        False,
        True,
    )
    sumbersari = query(
        koperasi_warehouse,
        "select koperasi_desa_operasional, koperasi_kelurahan_reporting, "
        "koperasi_kelurahan_operasional from marts.mart_kecamatan where nama_kecamatan = 'Sumbersari'",
    )
    assert sumbersari == [(0, 1, 1)]


def test_funnel_counts_desa_per_stage_in_kecamatan_and_kabupaten(koperasi_warehouse):
    ajung = query(
        koperasi_warehouse,
        "select koperasi_desa_akta_notaris, koperasi_desa_badan_hukum, "
        "koperasi_desa_operasional, koperasi_desa_with_stage_regression, koperasi_desa_legal_docs_missing "
        "from marts.mart_kecamatan where nama_kecamatan = 'Ajung'",
    )
    assert ajung == [(1, 1, 1, 1, 1)]
    kabupaten = query(
        koperasi_warehouse,
        "select koperasi_desa_no_report, koperasi_desa_stuck, "
        "koperasi_desa_operasional, koperasi_kelurahan_reporting from marts.mart_kabupaten",
    )
    # 226 desa, 10 of them report; 4 stuck (Ajung in AKTA NOTARIS since July, Mojosari,
    # Sidorejo, Wringinagung in BADAN HUKUM since May); the kelurahan Kebonsari reports
    assert kabupaten == [(216, 4, 2, 1)]


def test_kabupaten_sets_the_delivered_poverty_figures_beside_the_reference(koperasi_warehouse):
    row = query(
        koperasi_warehouse,
        "select bps_persen_miskin_tahun, bps_persen_miskin, bps_persen_miskin_source, "
        "bps_jumlah_miskin_tahun, bps_jumlah_miskin, bps_jumlah_miskin_source, bps_garis_kemiskinan_rp "
        "from marts.mart_kabupaten",
    )
    # P0 2025 is only in the reference seed; the count and line of 2024 come from the delivery
    assert row == [(2025, 8.67, "reference", 2024, 230500, "delivered", 460000)]
    # the meeting report's trend shows the same series: the delivered year over the seed's
    trend = query(
        koperasi_warehouse,
        "select tahun, persen_miskin, jumlah_miskin_jiwa, garis_kemiskinan_rp "
        "from reporting.rpt_bps_trend where tahun in (2024, 2025) order by tahun",
    )
    assert trend == [(2024, 9.5, 230500, 460000), (2025, 8.67, None, None)]


# --- against the generator's truth -------------------------------------------------------------

FLAG_TRUTH = {
    "has_no_report": "true_no_report",
    "has_stage_regression": "true_stage_regression",
    "is_legal_docs_missing": "true_legal_docs_missing",
    "is_stuck": "true_stuck",
}


def koperasi_truth_flags(
    truth: pd.DataFrame, as_of: pd.Timestamp, stuck_days: int = 60
) -> pd.DataFrame:
    """The generator's truth (truth/koperasi.parquet) as one boolean per flag and village."""
    t = truth.copy()
    date_cols = [c for c in t.columns if c.startswith("date_")]  # SOSIALISASI .. OPERASIONAL
    dates = np.stack([pd.to_datetime(t[c]).to_numpy() for c in date_cols], axis=1)
    # The generator's stage on a date is the number of stage dates passed (its dates need not
    # be in stage order), so the current stage began on the stage_idx-th earliest date.
    stage_idx = (dates <= np.datetime64(as_of)).sum(axis=1)
    began = np.sort(dates, axis=1)[np.arange(len(t)), np.maximum(stage_idx - 1, 0)]
    days = (np.datetime64(as_of) - began).astype("timedelta64[D]").astype(int)
    t["true_no_report"] = ~t["reports"].astype(bool)
    t["true_stage_regression"] = t["planted_problems"].str.contains("stage_regression")
    t["true_legal_docs_missing"] = t["planted_problems"].str.contains(
        "badan_hukum_without_document"
    )
    t["true_stuck"] = (
        t["reports"].astype(bool)
        & (stage_idx > 0)
        & (stage_idx < len(date_cols))
        & (days > stuck_days)
    )
    return t[["kode_desa", *FLAG_TRUTH.values()]]


def flag_scores(progress_df: pd.DataFrame, truth: pd.DataFrame) -> dict[str, dict]:
    """Precision and recall of each flag of mart_koperasi_progress against the planted truth."""
    as_of = pd.Timestamp(progress_df["as_of_date"].dropna().max())
    merged = koperasi_truth_flags(truth, as_of).merge(
        progress_df, on="kode_desa", validate="one_to_one"
    )
    scores = {}
    for flag, truth_col in FLAG_TRUTH.items():
        flagged, planted = merged[flag].astype(bool), merged[truth_col].astype(bool)
        tp, fp, fn = (
            int((flagged & planted).sum()),
            int((flagged & ~planted).sum()),
            int((~flagged & planted).sum()),
        )
        scores[flag] = dict(
            planted=int(planted.sum()),
            flagged=int(flagged.sum()),
            tp=tp,
            fp=fp,
            fn=fn,
            precision=tp / (tp + fp) if tp + fp else 1.0,
            recall=tp / (tp + fn) if tp + fn else 1.0,
        )
    return scores


def read_progress(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select * from marts.mart_koperasi_progress").df()


def test_flags_match_the_generators_planted_koperasi_problems(tiny_run):
    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-4000:]
    scores = flag_scores(
        read_progress(tiny_run["data"] / "warehouse.duckdb"),
        pd.read_parquet(tiny_run["truth"] / "koperasi.parquet"),
    )
    for flag, score in scores.items():
        assert score["precision"] == 1.0, (flag, score)
        # the generator's truth names only regressions the reports show, so every flag finds all
        assert score["recall"] == 1.0, (flag, score)
    assert scores["has_no_report"]["planted"] > 0 and scores["is_legal_docs_missing"]["planted"] > 0
    assert scores["has_stage_regression"]["planted"] > 0


if __name__ == "__main__":
    # python tests/test_marts_koperasi.py DATA_DIR/warehouse.duckdb OUT/truth: the benchmark figures
    for name, score in flag_scores(
        read_progress(Path(sys.argv[1])), pd.read_parquet(Path(sys.argv[2]) / "koperasi.parquet")
    ).items():
        print(name, score)
