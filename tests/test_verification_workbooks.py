"""The verification workbooks are the same whether written in this process (a small delivery:
the shipped sample lists a few hundred rows) or by the pool of worker processes (a large one):
same files, same rows, every part of each xlsx byte for byte except its creation time. Fast
tier: the warehouse of one real `dbt build` over the hand-made delivery (handmade_warehouse)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb

from dagster_project.restricted.verification import write_verification_workbooks
from dagster_project.warehouse import scalar


def _parts(workbook: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(workbook) as z:
        # docProps/core.xml holds the time the file was written
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def test_workbooks_written_in_process_equal_those_of_the_worker_pool(handmade_warehouse, tmp_path):
    warehouse = handmade_warehouse["warehouse"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        period = scalar(con, "select period from intermediate.int_reporting_period")
        listed = scalar(con, "select count(*) from restricted.verification_list")
        kecamatan = scalar(con, "select count(distinct kode_kecamatan) from marts.dim_wilayah")
    assert listed > 0, "the hand-made delivery should list verification cases"

    in_process = write_verification_workbooks(warehouse, tmp_path / "a", period)
    pooled = write_verification_workbooks(warehouse, tmp_path / "b", period, in_process_rows=0)

    assert in_process == pooled
    assert len(in_process) == kecamatan and sum(in_process.values()) == listed
    folder_a = tmp_path / "a" / "verifikasi" / period
    folder_b = tmp_path / "b" / "verifikasi" / period
    assert sorted(p.name for p in folder_a.iterdir()) == sorted(in_process)
    for name in in_process:
        assert _parts(folder_a / name) == _parts(folder_b / name), name


def test_the_workbooks_of_the_same_inputs_are_kept_and_a_changed_list_writes_them_again(
    handmade_warehouse, tmp_path
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_warehouse["warehouse"], warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        period = scalar(con, "select period from intermediate.int_reporting_period")
    folder = tmp_path / "restricted" / "verifikasi" / period

    def written_at() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    first = write_verification_workbooks(warehouse, tmp_path / "restricted", period)
    before = written_at()
    assert sorted(before) == sorted(first)  # the record lies beside the folder, not in it
    assert write_verification_workbooks(warehouse, tmp_path / "restricted", period) == first
    assert written_at() == before, "the same inputs: the workbooks are kept"

    with duckdb.connect(str(warehouse)) as con:
        kode = scalar(con, "select min(kode_kecamatan) from restricted.verification_list")
        con.execute(
            "delete from restricted.verification_list where kode_kecamatan = ? "
            "and person_id = (select min(person_id) from restricted.verification_list "
            "where kode_kecamatan = ?)",
            [kode, kode],
        )
    again = write_verification_workbooks(warehouse, tmp_path / "restricted", period)
    assert sum(again.values()) < sum(first.values())
    assert written_at() != before, "a changed list: written again"
