"""Person and household resolution on small hand-made deliveries, through the real pipeline
(real ingestion, real dbt on DuckDB, real Dagster), one case per kind of damage or duplicate.

One April DTKS file in Ambulu / Tegalsari (35.09.12.2001), the same file delivered again in
May, a PKH stage file, and later an October update file; each person is named for the case.
"""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_jember

DTKS_HEADER = "NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN;KODE_DESA;DESIL;STATUS_HIDUP;TANGGAL_UPDATE"
PKH_HEADER = "ID_PKH;NIK_PENGURUS;NAMA_PENGURUS;NO_KK;KECAMATAN;DESA;TAHUN;TAHAP;BUMIL;AUD;SD;SMP;SMA;DISABILITAS;LANSIA;NOMINAL;STATUS_KPM"
PLACE = "TEGALSARI;AMBULU;35.09.12.2001"

KK_1 = "3509120101100001"  # the Hariyanto family
KK_2 = "3509120101100002"  # the twins' family
KK_3 = "3509120101100003"  # elder Sumarni (1)
KK_4 = "3509120101100004"  # elder Sumarni (2)
KK_NEW = "3509120506250009"  # Dewi's new card after she splits off

APRIL = [
    # a family: head, wife (recipient of PKH), daughter Dewi
    f"{KK_1};3509121502740001;H. MUHAMMAD HARIYANTO;L;15-02-1974;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    f"{KK_1};3509126808710002;SITI AMINAH BINTI KARIM;P;28-08-1971;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    f"{KK_1};3509124601990003;DEWI LESTARI;P;06-01-1999;ANAK;{PLACE};2;HIDUP;10-01-2024",
    # twins: same card, same birth date, NIKs one digit apart, different names
    f"{KK_2};3509121203100005;AHMAD FAUZI;L;12-03-2010;ANAK;{PLACE};3;HIDUP;10-01-2024",
    f"{KK_2};3509121203100006;AHMAD FAUZAN;L;12-03-2010;ANAK;{PLACE};3;HIDUP;10-01-2024",
    # NIK lost to scientific notation: the person is still one row, kept
    f"{KK_2};3.50912E+15;RUKMINI;P;01-05-1980;KEPALA KELUARGA;{PLACE};3;HIDUP;10-01-2024",
    # two elders, different families, default birth date 1 July, the same common name,
    # NIKs one digit apart: two real people
    f"{KK_3};3509124107500007;SUMARNI;P;01-07-1950;KEPALA KELUARGA;{PLACE};1;HIDUP;10-01-2024",
    f"{KK_4};3509124107500008;SUMARNI;P;01-07-1950;KEPALA KELUARGA;{PLACE};1;HIDUP;10-01-2024",
    # nothing identifies a person: rejected
    f";;;L;01-01-1990;ANAK;{PLACE};1;HIDUP;10-01-2024",
]

OCTOBER = [
    # Dewi splits off onto a new card as head of her own family
    f"{KK_NEW};3509124601990003;DEWI LESTARI;P;06-01-1999;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    # Hariyanto listed again with the NIK one digit wrong and another spelling of his name
    f"{KK_1};3509121502740004;MOCH. HARIYANTO;L;15-02-1974;KEPALA KELUARGA;{PLACE};3;HIDUP;01-09-2025",
]

PKH = [
    # the wife as recipient, NIK intact, name without BINTI
    f"P001;3509126808710002;Siti Aminah;{KK_1};AMBULU;TEGALSARI;2025;1;0;0;1;0;0;0;0;225000;AKTIF",
    # the same recipient next stage, NIK empty: the family card and the name place her
    f"P001;;SITI AMINAH;{KK_1};AMBULU;TEGALSARI;2025;2;0;0;1;0;0;0;0;225000;AKTIF",
    # a recipient DTKS does not know
    "P002;3509125505850011;WARTINI;3509120101100099;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
]


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def _run(raw: Path, data: Path) -> None:
    result = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert (data / "restricted" / "person_xref.parquet").exists(), result.stdout + result.stderr


def _xref(data: Path) -> dict[tuple[str, str, int], dict]:
    con = duckdb.connect()
    rows = con.execute(f"select * from '{data / 'restricted' / 'person_xref.parquet'}'").fetchall()
    names = [d[0] for d in con.description]
    return {(r[0], r[1], r[3]): dict(zip(names, r)) for r in rows}


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    """Run 1: April + its repeat + PKH. Run 2 (same data dir): the October update added."""
    root = tmp_path_factory.mktemp("resolution")
    raw, data = root / "raw", root / "data"
    _write(raw / "dtks" / "2025-04" / "dtks_ambulu.csv", DTKS_HEADER, APRIL)
    _write(raw / "dtks" / "2025-05" / "dtks_ambulu.csv", DTKS_HEADER, APRIL)
    _write(raw / "pkh" / "pkh_ambulu_2025.csv", PKH_HEADER, PKH)
    for folder in ("bps", "koperasi"):
        (raw / folder).mkdir(parents=True, exist_ok=True)
    _run(raw, data)
    first = _xref(data)
    first_rejected = duckdb.connect().execute(
        f"select * from '{data / 'restricted' / 'rejected_rows.parquet'}'").fetchall()
    _write(raw / "dtks" / "2025-10" / "pemutakhiran_ambulu.csv", DTKS_HEADER, OCTOBER)
    _run(raw, data)
    second = _xref(data)
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    households = con.execute("select * from marts.mart_household").df()
    id_map = con.execute("select * from identity.int_identity__id_map").df()
    return {"first": first, "second": second, "rejected": first_rejected, "data": data,
            "households": households, "id_map": id_map}


APRIL_FILE = "dtks/2025-04/dtks_ambulu.csv"
MAY_FILE = "dtks/2025-05/dtks_ambulu.csv"
OCT_FILE = "dtks/2025-10/pemutakhiran_ambulu.csv"
PKH_FILE = "pkh/pkh_ambulu_2025.csv"


def person(xref, path, row, source="dtks"):
    return xref[(source, path, row)]["person_id"]


def test_every_kept_row_is_in_person_xref_and_the_empty_row_is_rejected(resolved):
    first = resolved["first"]
    assert len(first) == 8 + 8 + 3  # April and May without the rejected row, plus PKH
    assert [(r[0], r[1], r[3]) for r in resolved["rejected"]] == [
        ("dtks", APRIL_FILE, 9), ("dtks", MAY_FILE, 9)]


def test_a_repeated_delivery_maps_to_the_same_persons_and_households(resolved):
    first = resolved["first"]
    for row in range(1, 9):
        april, may = first[("dtks", APRIL_FILE, row)], first[("dtks", MAY_FILE, row)]
        assert may["person_id"] == april["person_id"]
        assert may["household_id"] == april["household_id"]
        assert may["match_rule"] == "repeat_delivery"


def test_twins_with_nik_one_digit_apart_stay_two_persons(resolved):
    first = resolved["first"]
    assert person(first, APRIL_FILE, 4) != person(first, APRIL_FILE, 5)


def test_elders_with_default_birth_date_same_name_and_nik_one_digit_apart_stay_two_persons(resolved):
    first = resolved["first"]
    assert person(first, APRIL_FILE, 7) != person(first, APRIL_FILE, 8)


def test_pkh_recipient_links_to_dtks_by_nik_and_by_family_card_and_name(resolved):
    first = resolved["first"]
    wife = person(first, APRIL_FILE, 2)
    assert person(first, PKH_FILE, 1, "pkh") == wife
    assert person(first, PKH_FILE, 2, "pkh") == wife
    assert first[("pkh", PKH_FILE, 1)]["household_id"] == first[("dtks", APRIL_FILE, 2)]["household_id"]


def test_pkh_recipient_unknown_to_dtks_gets_a_new_person_and_no_household(resolved):
    first = resolved["first"]
    unknown = first[("pkh", PKH_FILE, 3)]
    assert unknown["person_id"] not in {r["person_id"] for k, r in first.items() if k[0] == "dtks"}
    assert unknown["household_id"] is None


def test_nik_typo_and_name_variant_in_a_later_delivery_link_to_the_same_person(resolved):
    second = resolved["second"]
    assert person(second, OCT_FILE, 2) == person(second, APRIL_FILE, 1)
    assert second[("dtks", OCT_FILE, 2)]["household_id"] == second[("dtks", APRIL_FILE, 1)]["household_id"]


def test_a_split_onto_a_new_card_is_the_same_person_in_a_new_household_pointing_to_its_parent(resolved):
    second, households = resolved["second"], resolved["households"]
    assert person(second, OCT_FILE, 1) == person(second, APRIL_FILE, 3)
    new_household = second[("dtks", OCT_FILE, 1)]["household_id"]
    old_household = second[("dtks", APRIL_FILE, 3)]["household_id"]
    assert new_household != old_household
    split = households.set_index("household_id").loc[new_household]
    assert split["split_from_household_id"] == old_household
    assert split["member_count"] == 1  # Dewi counts in her new household only


def test_ids_survive_a_new_delivery_and_a_rerun(resolved):
    first, second = resolved["first"], resolved["second"]
    for key, row in first.items():
        assert second[key]["person_id"] == row["person_id"], key
        assert second[key]["household_id"] == row["household_id"], key
    assert resolved["id_map"]["run"].max() == 2


def test_ids_are_not_cluster_order(resolved):
    ids = {r["person_id"] for r in resolved["first"].values()}
    assert all(i.startswith("P") and len(i) == 13 for i in ids)


def test_mart_household_holds_no_direct_identifiers(resolved):
    columns = {c.lower() for c in resolved["households"].columns}
    assert not columns & {"nik", "no_kk", "nama", "alamat", "nik_pengurus", "nama_pengurus"}


def test_restricted_files_are_owner_only(resolved):
    folder = resolved["data"] / "restricted"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("person_xref.parquet", "rejected_rows.parquet"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
