"""mart_kecamatan and mart_kabupaten over the generated tiny delivery (the real pipeline run of
conftest.tiny_run): totals reconcile with the villages, and the reconciliation test catches a
total that does not."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest
from helpers import run_dbt

DESA_MEASURES = [
    "dtks_rows",
    "dtks_rows_first_delivery",
    "dtks_persons",
    "dtks_families",
    "pkh_rows",
    "pkh_families",
    "pkh_nominal_rp",
    "bps_penduduk_l",
    "bps_penduduk_p",
    "bps_penduduk",
    "bps_jumlah_kk",
    "bps_luas_km2",
]
STAGES = [
    "belum_mulai",
    "sosialisasi",
    "musdesus",
    "pengurus_terbentuk",
    "ad_art",
    "akta_notaris",
    "badan_hukum",
    "operasional",
]


@pytest.fixture(scope="module")
def marts(tiny_run) -> dict[str, pd.DataFrame]:
    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-4000:]
    with duckdb.connect(
        str(tiny_run["data"] / "published" / "jember.duckdb"), read_only=True
    ) as con:
        return {
            name: con.execute(f"select * from {name}").df()
            for name in ("mart_desa", "mart_kecamatan", "mart_kabupaten", "mart_koperasi_progress")
        }


def test_kecamatan_rows_are_the_sums_of_their_villages(marts):
    kecamatan = marts["mart_kecamatan"].set_index("kode_kecamatan").sort_index()
    from_villages = marts["mart_desa"].groupby("kode_kecamatan")[DESA_MEASURES].sum().sort_index()
    assert len(kecamatan) == 31 and list(kecamatan.index) == list(from_villages.index)
    pd.testing.assert_frame_equal(
        kecamatan[DESA_MEASURES].astype(float),
        from_villages.astype(float),
        check_dtype=False,
        atol=0.005,
    )
    assert marts["mart_desa"]["dtks_persons"].sum() > 1000  # the check is not over zeros


def test_kabupaten_row_is_the_sum_of_all_villages(marts):
    kabupaten = marts["mart_kabupaten"]
    assert len(kabupaten) == 1
    row = kabupaten.iloc[0]
    assert (row["kecamatan"], row["villages"], row["desa"], row["kelurahan"]) == (31, 248, 226, 22)
    for column in DESA_MEASURES:
        assert row[column] == pytest.approx(marts["mart_desa"][column].sum(), abs=0.005), column


def test_funnel_places_every_target_desa_once(marts):
    progress = marts["mart_koperasi_progress"]
    desa = progress[progress["is_target_desa"]]
    row = marts["mart_kabupaten"].iloc[0]
    in_stages = (
        sum(row[f"koperasi_desa_{stage}"] for stage in STAGES) + row["koperasi_desa_without_stage"]
    )
    assert in_stages == len(desa) == 226
    assert row["koperasi_desa_operasional"] == (desa["tahapan"] == "OPERASIONAL").sum()
    assert row["koperasi_desa_no_report"] == desa["has_no_report"].sum()
    assert (
        row["koperasi_kelurahan_reporting"]
        == (~progress["is_target_desa"] & ~progress["has_no_report"]).sum()
    )


def test_dtks_poorest_desil_counts_nest_and_sit_beside_bps_poverty(marts):
    kecamatan = marts["mart_kecamatan"]
    assert (kecamatan["dtks_persons_desil_1_2"] <= kecamatan["dtks_persons_desil_1_4"]).all()
    assert (kecamatan["dtks_families_desil_1_2"] <= kecamatan["dtks_families_desil_1_4"]).all()
    row = marts["mart_kabupaten"].iloc[0]
    assert (
        0 < row["dtks_persons_desil_1_2"] and row["dtks_persons_desil_1_4"] <= row["dtks_persons"]
    )
    assert (
        0 < row["dtks_families_desil_1_2"]
        and row["dtks_families_desil_1_4"] <= row["dtks_families"]
    )
    assert row["bps_persen_miskin_tahun"] >= 2024 and 0 < row["bps_persen_miskin"] < 100
    assert row["bps_jumlah_miskin"] > 100_000 and row["bps_garis_kemiskinan_rp"] > 0
    assert row["dtks_desil_1_2_per_bps_miskin"] == pytest.approx(
        row["dtks_persons_desil_1_2"] / row["bps_jumlah_miskin"], abs=0.001
    )


def test_reconciliation_test_fails_when_a_kecamatan_total_is_off(tiny_run, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(tiny_run["data"] / "warehouse.duckdb", path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update marts.mart_kecamatan set pkh_families = pkh_families + 1 "
            "where kode_kecamatan = (select min(kode_kecamatan) from marts.mart_kecamatan)"
        )
    result = run_dbt(
        "test",
        "--select",
        "mart_kecamatan_equals_sum_of_mart_desa mart_kabupaten_equals_sum_of_mart_kecamatan",
        warehouse=path,
        target_dir=tmp_path,
    )
    assert result.returncode != 0
    assert "FAIL 1 mart_kecamatan_equals_sum_of_mart_desa" in result.stdout, result.stdout[-3000:]
    assert "FAIL 1 mart_kabupaten_equals_sum_of_mart_kecamatan" in result.stdout, result.stdout[
        -3000:
    ]
