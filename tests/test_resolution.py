"""Person and household resolution on small hand-made deliveries, one case per kind of damage
or duplicate.

One April DTKS file in Ambulu / Tegalsari (35.09.12.2001), the same file delivered again in
May, a PKH stage file, and later an October update file; each person is named for the case.
These go through the whole pipeline (`jember run` twice: real ingestion, real dbt on DuckDB,
real Dagster), as their tests also assert the restricted files, mart_household and the id map
across runs. The later deliveries (`evidence`, `rare`, `pkh_near`) are asserted on
intermediate.int_person_xref alone: they go through the real reader (ingest_source, as the
ingestion asset calls it) and a real `dbt build` of int_person_xref and what it is built from
(the project's dbt, as Dagster runs it), not the rest of the pipeline.
"""

from __future__ import annotations

import math
import re
import shutil
import stat
from pathlib import Path

import duckdb
import pytest
from helpers import output, run_dbt, run_jember

from dagster_project.ingestion import ingest_source
from dagster_project.ingestion.contract import SOURCES

DTKS_HEADER = (
    "NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN;KODE_DESA;DESIL;"
    "STATUS_HIDUP;TANGGAL_UPDATE"
)
PKH_HEADER = (
    "ID_PKH;NIK_PENGURUS;NAMA_PENGURUS;NO_KK;KECAMATAN;DESA;TAHUN;TAHAP;BUMIL;AUD;SD;SMP;SMA;"
    "DISABILITAS;LANSIA;NOMINAL;STATUS_KPM"
)
PLACE = "TEGALSARI;AMBULU;35.09.12.2001"

KK_1 = "3509120101100001"  # the Hariyanto family
KK_2 = "3509120101100002"  # the twins' family
KK_3 = "3509120101100003"  # elder Sumarni (1)
KK_4 = "3509120101100004"  # elder Sumarni (2)
KK_NEW = "3509120506250009"  # Dewi's new card after she splits off
KK_YULIANA = "3509120101100050"
KK_YULIANA_NEW = "3509120808250077"  # Yuliana's card after a move, already on the PKH list

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
    # Yuliana; PKH also pays her, without NIK, on a card DTKS does not know yet (see October)
    f"{KK_YULIANA};3509124304880021;YULIANA;P;03-04-1988;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
]

OCTOBER = [
    # Dewi splits off onto a new card as head of her own family
    f"{KK_NEW};3509124601990003;DEWI LESTARI;P;06-01-1999;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    # Hariyanto listed again with the NIK one digit wrong and another spelling of his name
    f"{KK_1};3509121502740004;MOCH. HARIYANTO;L;15-02-1974;KEPALA KELUARGA;{PLACE};3;HIDUP;01-09-2025",
    # Yuliana on her new card: her NIK ties it to April, the card and name to the PKH row, so
    # the two persons of the first run become one
    f"{KK_YULIANA_NEW};3509124304880021;YULIANA;P;03-04-1988;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
]

PKH = [
    # the wife as recipient, NIK intact, name without BINTI
    f"P001;3509126808710002;Siti Aminah;{KK_1};AMBULU;TEGALSARI;2025;1;0;0;1;0;0;0;0;225000;AKTIF",
    # the same recipient next stage, NIK empty: the family card and the name place her
    f"P001;;SITI AMINAH;{KK_1};AMBULU;TEGALSARI;2025;2;0;0;1;0;0;0;0;225000;AKTIF",
    # a recipient DTKS does not know
    "P002;3509125505850011;WARTINI;3509120101100099;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
    f"P003;;YULIANA;{KK_YULIANA_NEW};AMBULU;TEGALSARI;2025;1;0;0;1;0;0;0;0;225000;AKTIF",
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


# int_person_xref and every node it is built from, without dbt's data tests (the fixtures
# below assert on the xref's rows; the whole runs above and the other modules run the tests)
RESOLUTION_SELECT = ["--select", "+int_person_xref", "--exclude-resource-type", "test", "unit_test"]


def _resolve_in_warehouse(root: Path, files: dict[str, tuple[str, list[str]]]) -> dict:
    """Read the given raw files (the other source folders empty) with the real reader, build
    int_person_xref with the real dbt, and read the xref: the published file's columns plus
    the household rule and split."""
    raw, warehouse = root / "raw", root / "warehouse.duckdb"
    for path, (header, rows) in files.items():
        _write(raw / path, header, rows)
    for folder in SOURCES:
        (raw / folder).mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        for source in SOURCES:
            ingest_source(raw, source, con)
    result = run_dbt("build", *RESOLUTION_SELECT, warehouse=warehouse, target_dir=root)
    assert result.returncode == 0, output(result)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select * from intermediate.int_person_xref").fetchall()
        names = [d[0] for d in con.description]
    resolved: dict = {(r[0], r[1], r[3]): dict(zip(names, r)) for r in rows}
    resolved["warehouse"] = warehouse
    return resolved


def is_candidate_pair(resolved: dict, a: tuple[str, str, int], b: tuple[str, str, int]) -> bool:
    """Whether blocking (int_person_pairs_candidates) puts the two rows in front of scoring."""
    keys = (resolved[a]["record_key"], resolved[b]["record_key"])
    with duckdb.connect(str(resolved["warehouse"]), read_only=True) as con:
        return con.execute(
            "select count(*) > 0 from intermediate.int_person_pairs_candidates as c "
            "join intermediate.int_person_match_records as a on a.rid = c.rid_a "
            "join intermediate.int_person_match_records as b on b.rid = c.rid_b "
            "where [a.record_key, b.record_key] in ([$1, $2], [$2, $1])",
            keys,
        ).fetchall()[0][0]


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
    first_rejected = (
        duckdb.connect()
        .execute(f"select * from '{data / 'restricted' / 'rejected_rows.parquet'}'")
        .fetchall()
    )
    _write(raw / "dtks" / "2025-10" / "pemutakhiran_ambulu.csv", DTKS_HEADER, OCTOBER)
    _run(raw, data)
    second = _xref(data)
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    households = con.execute("select * from marts.mart_household").df()
    id_map = con.execute("select * from identity.int_identity__id_map").df()
    return {
        "first": first,
        "second": second,
        "rejected": first_rejected,
        "data": data,
        "households": households,
        "id_map": id_map,
    }


APRIL_FILE = "dtks/2025-04/dtks_ambulu.csv"
MAY_FILE = "dtks/2025-05/dtks_ambulu.csv"
OCT_FILE = "dtks/2025-10/pemutakhiran_ambulu.csv"
PKH_FILE = "pkh/pkh_ambulu_2025.csv"


def person(xref, path, row, source="dtks"):
    return xref[(source, path, row)]["person_id"]


def test_every_kept_row_is_in_person_xref_and_the_empty_row_is_rejected(resolved):
    first = resolved["first"]
    assert len(first) == 9 + 9 + 4  # April and May without the rejected row, plus PKH
    assert [(r[0], r[1], r[3]) for r in resolved["rejected"]] == [
        ("dtks", APRIL_FILE, 9),
        ("dtks", MAY_FILE, 9),
    ]


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


def test_elders_with_default_birth_date_same_name_and_nik_one_digit_apart_stay_two_persons(
    resolved,
):
    first = resolved["first"]
    assert person(first, APRIL_FILE, 7) != person(first, APRIL_FILE, 8)


def test_pkh_recipient_links_to_dtks_by_nik_and_by_family_card_and_name(resolved):
    first = resolved["first"]
    wife = person(first, APRIL_FILE, 2)
    assert person(first, PKH_FILE, 1, "pkh") == wife
    assert person(first, PKH_FILE, 2, "pkh") == wife
    assert (
        first[("pkh", PKH_FILE, 1)]["household_id"]
        == first[("dtks", APRIL_FILE, 2)]["household_id"]
    )


def test_pkh_recipient_unknown_to_dtks_gets_a_new_person_and_no_household(resolved):
    first = resolved["first"]
    unknown = first[("pkh", PKH_FILE, 3)]
    assert unknown["person_id"] not in {r["person_id"] for k, r in first.items() if k[0] == "dtks"}
    assert unknown["household_id"] is None


def test_nik_typo_and_name_variant_in_a_later_delivery_link_to_the_same_person(resolved):
    second = resolved["second"]
    assert person(second, OCT_FILE, 2) == person(second, APRIL_FILE, 1)
    assert (
        second[("dtks", OCT_FILE, 2)]["household_id"]
        == second[("dtks", APRIL_FILE, 1)]["household_id"]
    )


def test_a_split_onto_a_new_card_is_the_same_person_in_a_new_household_pointing_to_its_parent(
    resolved,
):
    second, households = resolved["second"], resolved["households"]
    assert person(second, OCT_FILE, 1) == person(second, APRIL_FILE, 3)
    new_household = second[("dtks", OCT_FILE, 1)]["household_id"]
    old_household = second[("dtks", APRIL_FILE, 3)]["household_id"]
    assert new_household != old_household
    split = households.set_index("household_id").loc[new_household]
    assert split["split_from_household_id"] == old_household
    assert split["member_count"] == 1  # Dewi counts in her new household only


YULIANA_ROWS = {("dtks", APRIL_FILE, 10), ("dtks", MAY_FILE, 10), ("pkh", PKH_FILE, 4)}


def test_ids_survive_a_new_delivery_and_a_rerun(resolved):
    first, second = resolved["first"], resolved["second"]
    for key, row in first.items():
        if key in YULIANA_ROWS:  # merged by the new delivery: the next test
            continue
        assert second[key]["person_id"] == row["person_id"], key
        assert second[key]["household_id"] == row["household_id"], key
    assert resolved["id_map"]["run"].max() == 2


def test_when_new_evidence_merges_two_persons_one_id_survives_and_the_other_points_to_it(resolved):
    first, second, id_map = resolved["first"], resolved["second"], resolved["id_map"]
    dtks_id, pkh_id = person(first, APRIL_FILE, 10), person(first, PKH_FILE, 4, "pkh")
    assert dtks_id != pkh_id
    # both first seen in run 1 with one row each: the smaller id survives (docs/resolution.md)
    survivor, retired = min(dtks_id, pkh_id), max(dtks_id, pkh_id)
    for key in YULIANA_ROWS | {("dtks", OCT_FILE, 3)}:
        assert second[key]["person_id"] == survivor, key
    pointers = id_map[(id_map["kind"] == "retired") & (id_map["entity"] == "person")]
    assert pointers[["retired_id", "id"]].values.tolist() == [[retired, survivor]]
    assert retired not in set(id_map.loc[id_map["kind"] == "member", "id"])


def test_the_weights_are_estimated_on_the_run_and_each_pair_names_its_levels(resolved):
    con = duckdb.connect(str(resolved["data"] / "warehouse.duckdb"), read_only=True)
    weights = {
        (c, level): (m, u, w)
        for c, level, m, u, w in con.execute(
            "select comparison, level, m, u, weight from intermediate.int_person_match_weights"
        ).fetchall()
    }
    for (comparison, level), (m, u, w) in weights.items():
        if comparison not in ("prior", "threshold"):
            # u is 1 for a value every record shares (one village in this delivery)
            assert 0 < m < 1 and 0 < u <= 1, (comparison, level)
            assert w == pytest.approx(math.log2(m / u)), (comparison, level)
    # the same NIK is evidence for, a clearly different name against
    assert weights[("nik", "exact")][2] > 0 > weights[("name", "different")][2]
    assert weights[("threshold", "link")][2] > weights[("threshold", "review")][2]
    # Siti Aminah's PKH row and her DTKS row: linked on the NIK, both scores and the levels shown
    evidence = con.execute("""
        select evidence, score, match_weight from intermediate.int_person_pairs_scored
        where band = 'linked' and match_rule = 'nik_exact_pkh_dtks'
    """).fetchall()
    assert evidence
    for text, score, match_weight in evidence:
        assert text.startswith("nik=exact(") and "name=equal(" in text
        assert score >= 10 and match_weight > 0


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


# --- Evidence rules added for movers, split-offs and chains (a second hand-made delivery) ---
#
# About 1,100 filler persons with distinct names make the name weights realistic (a name seen
# once among ~1,100 records weighs about 10, as a rare name does in a real regency file).

KENCONG = "CAKRU;KENCONG;35.09.02.2001"
E_KK_PUTRI = "3509120101110001"
E_KK_HOLIFAH = "3509120101110020"
E_KK_SITI = "3509120101110003"
E_KK_SUTRISNO = "3509120101110004"
E_KK_MARSUKI = "3509120101110005"
E_KK_WAHYUDI = "3509120101110006"
E_KK_BAMBANG = "3509120101110007"  # issued after the Wahyudi card: one digit from it
E_SYLLABLES = ["BA", "CE", "DI", "GO", "KU", "LA", "MO", "NE", "PI", "RU", "SA", "TO"]


def _filler_rows(count: int = 1100) -> list[str]:
    import itertools

    names = ["".join(p) for p in itertools.product(E_SYLLABLES, repeat=3)][:count]
    return [
        f"350912011512{i + 1:04d};350912150590{i + 1:04d};{name};L;15-05-1990;KEPALA KELUARGA;"
        f"{PLACE};4;HIDUP;10-01-2024"
        for i, name in enumerate(names)
    ]


E_APRIL_AMBULU = [
    # Putri: listed in April; in October on a new card with one NIK digit mistyped
    f"{E_KK_PUTRI};3509125406950001;PUTRI HIDAYATI;P;14-06-1995;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    # Holifah: her NIK was left empty in April; in October on her own card with a NIK
    f"{E_KK_HOLIFAH};;HOLIFAH;P;10-12-1983;ANAK;{PLACE};2;HIDUP;10-01-2024",
    # a mother and her daughter with the same name on one card (the daughter's NIK lost)
    f"{E_KK_SITI};3509125311810001;SITI;P;13-11-1981;ISTRI;{PLACE};3;HIDUP;10-01-2024",
    f"{E_KK_SITI};3.50912E+15;SITI;P;05-06-2020;ANAK;{PLACE};3;HIDUP;10-01-2024",
    # Sutrisno of Ambulu and Marsuki of Ambulu, each with a namesake in Kencong (below)
    f"{E_KK_SUTRISNO};3509122104770001;SUTRISNO;L;21-04-1977;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    f"{E_KK_MARSUKI};3509122206760001;MARSUKI;L;22-06-1976;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    # the Wahyudi family, the wife's NO_KK mistyped in one digit (0096 for 0006)
    f"{E_KK_WAHYUDI};3509120303700001;WAHYUDI;L;03-03-1970;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    f"3509120101110096;3509124909720001;SRI WAHYUNI;P;09-09-1972;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    f"{E_KK_WAHYUDI};3509120102050001;RIZKY;L;01-02-2005;ANAK;{PLACE};2;HIDUP;10-01-2024",
    # Bambang lives alone on the next card: a head one digit from the family above is not a typo
    f"{E_KK_BAMBANG};3509120707650001;BAMBANG;L;07-07-1965;KEPALA KELUARGA;{PLACE};4;HIDUP;10-01-2024",
    # Nur Wulan, Bayu, Hendra and Slamet each move or split off later (E_OCTOBER, E_OCT_KENCONG)
    f"3509120101110040;3509126907040001;NUR WULAN SARI;P;29-07-2004;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    f"3509120101110053;3509120509900001;BAYU SEPTIAN;L;05-09-1990;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    f"3509120101110068;3509121203850001;HENDRA WIJAYA;L;12-03-1985;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    f"3509120101110091;3509121402790001;SLAMET RIYADI;L;14-02-1979;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    # Kusnadi of Ambulu, with a namesake born the same day in Kencong (E_APRIL_KENCONG)
    f"3509120101110101;3509121708620001;KUSNADI;L;17-08-1962;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    *_filler_rows(),
]

E_APRIL_KENCONG = [
    # another Sutrisno born the same day in Kencong: his NIK differs from the Ambulu one in a
    # region digit only (350902 vs 350912), so the near-NIK rule does not apply
    f"3509020101120001;3509022104770001;SUTRISNO;L;21-04-1977;KEPALA KELUARGA;{KENCONG};2;HIDUP;10-01-2024",
    # another Marsuki born the same day, without NIK, in another kecamatan: not linked
    f"3509020101120002;;MARSUKI;L;22-06-1976;KEPALA KELUARGA;{KENCONG};2;HIDUP;10-01-2024",
    # Yulia, NIK issued in Kencong (350902); she moves to Ambulu (E_OCTOBER)
    f"3509020101120003;3509025802930001;YULIA RAHMAWATI;P;18-02-1993;ISTRI;{KENCONG};2;HIDUP;10-01-2024",
    # a Kusnadi born the same day as the one of Ambulu: NIKs two digits apart, two people
    f"3509020101120004;3509021708620004;KUSNADI;L;17-08-1962;KEPALA KELUARGA;{KENCONG};2;HIDUP;10-01-2024",
]

E_OCTOBER = [
    f"3509120506250011;3509125406951001;PUTRI HIDAYATI;P;14-06-1995;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    f"3509120506250012;3509125012830001;HOLIFAH;P;10-12-1983;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    # Wahyudi again, now his own card mistyped (0086): his April row is on the card below
    f"3509120101110086;3509120303700001;WAHYUDI;L;03-03-1970;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    f"{E_KK_WAHYUDI};3509124909720001;SRI WAHYUNI;P;09-09-1972;ISTRI;{PLACE};2;HIDUP;01-09-2025",
    # Nur Wulan on her own card: the NIK's day digits mistyped (67 for 69: it no longer agrees
    # with her birth date, the April one does) and a letter of the name too
    f"3509120506250045;3509126707040001;NUR WULAM SARI;P;29-07-2004;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    # Bayu on his own card: a region digit mistyped (350972 for 350912); he lives in Ambulu (12)
    f"3509120506250078;3509720509900001;BAYU SEPTIAN;L;05-09-1990;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    # Slamet on his own card, his NIK typed with a digit doubled (17 digits)
    f"3509120506250093;35091214022790001;SLAMET RIYADI;L;14-02-1979;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    # Yulia in Ambulu, a region digit of her NIK mistyped (350962: no kecamatan of Jember has
    # code 62), so the slip is located although she lives in neither NIK's kecamatan
    f"3509120506250099;3509625802930001;YULIA RAHMAWATI;P;18-02-1993;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
]

# Hendra moved to Kencong; his NIK there went through Excel (E+15), keeping 350912: Ambulu
E_OCT_KENCONG = [
    f"3509020506250001;3.50912E+15;HENDRA WIJAYA;L;12-03-1985;KEPALA KELUARGA;{KENCONG};2;HIDUP;01-09-2025",
]

# Data ganda inside one file (raw contract, dtks/): the Rofiqi family entered twice, the copy on
# a mistyped card, with the wife's NIK serial digits swapped and the son's NIK lost to
# scientific notation; Samsul registered twice by two operators on two cards.
E_GANDA = [
    "3509120202150001;3509121102600001;MUHAMMAD ROFIQI;L;11-02-1960;KEPALA KELUARGA;"
    + PLACE
    + ";2;HIDUP;10-01-2024",
    "3509120202150001;3509125708630012;SUPRIYATIN;P;17-08-1963;ISTRI;"
    + PLACE
    + ";2;HIDUP;10-01-2024",
    "3509120202150001;3509120305920003;BAGUS PRASETYO;L;03-05-1992;ANAK;"
    + PLACE
    + ";2;HIDUP;10-01-2024",
    "3509120303150002;3509122209580001;SAMSUL ARIFIN;L;22-09-1958;KEPALA KELUARGA;"
    + PLACE
    + ";3;HIDUP;10-01-2024",
    "3509120202150007;3509121102600001;MOCH. ROFIQI;L;11-02-1960;KEPALA KELUARGA;"
    + PLACE
    + ";2;HIDUP;10-01-2024",
    "3509120202150007;3509125708630021;SUPRIYATIN;P;17-08-1963;ISTRI;"
    + PLACE
    + ";2;HIDUP;10-01-2024",
    "3509120202150007;3.50912E+15;BAGUS PRASETYO;L;03-05-1992;ANAK;"
    + PLACE
    + ";2;HIDUP;10-01-2024",
    "3509120404150003;3509122209580001;SAMSUL ARIFIN;L;22-09-1958;KEPALA KELUARGA;"
    + PLACE
    + ";3;HIDUP;10-01-2024",
]

E_PKH = [
    # the mother as recipient, then a stage with her NIK left empty: the card and the name fit
    # both the mother and the daughter, whose birth dates (1981, 2020) contradict each other
    f"P100;3509125311810001;SITI;{E_KK_SITI};AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
    f"P100;;SITI;{E_KK_SITI};AMBULU;TEGALSARI;2025;2;0;1;0;0;0;0;0;750000;AKTIF",
    # Sainah, paid with her NIK (issued in kecamatan 19) and no card; see E_SAINAH
    "P101;3509195807830001;SITI SAINAH;;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
]

# Sainah's DTKS row: her NIK went through Excel and kept 3.50920E+15, rounded up from
# 3509195807830001 with a carry (35091|9 -> 35092|0), and her card was left empty
E_SAINAH = [
    f";3.50920E+15;SITI SAINAH;P;18-07-1983;ISTRI;{PLACE};2;HIDUP;10-01-2024",
]
E_SAINAH_FILE = "dtks/2025-04/dtks_ambulu_susulan.csv"

E_AMBULU_FILE = "dtks/2025-04/dtks_ambulu.csv"
E_KENCONG_FILE = "dtks/2025-04/dtks_kencong.csv"
E_OCT_FILE = "dtks/2025-10/pemutakhiran_ambulu.csv"
E_PKH_FILE = "pkh/pkh_ambulu_2025.csv"
E_GANDA_FILE = "dtks/2025-06/dtks_ambulu_ganda.csv"
E_OCT_KENCONG_FILE = "dtks/2025-10/pemutakhiran_kencong.csv"


@pytest.fixture(scope="module")
def evidence(tmp_path_factory) -> dict:
    return _resolve_in_warehouse(
        tmp_path_factory.mktemp("resolution_evidence"),
        {
            E_AMBULU_FILE: (DTKS_HEADER, E_APRIL_AMBULU),
            E_KENCONG_FILE: (DTKS_HEADER, E_APRIL_KENCONG),
            E_OCT_FILE: (DTKS_HEADER, E_OCTOBER),
            E_PKH_FILE: (PKH_HEADER, E_PKH),
            E_GANDA_FILE: (DTKS_HEADER, E_GANDA),
            E_OCT_KENCONG_FILE: (DTKS_HEADER, E_OCT_KENCONG),
            E_SAINAH_FILE: (DTKS_HEADER, E_SAINAH),
        },
    )


def test_a_nik_one_digit_off_in_another_file_links_on_rare_name_and_birth_date(evidence):
    assert person(evidence, E_OCT_FILE, 1) == person(evidence, E_AMBULU_FILE, 1)
    assert evidence[("dtks", E_OCT_FILE, 1)]["match_rule"] == "nik_near_name_birth"


def test_a_nik_one_region_digit_off_is_another_district_not_a_typo(evidence):
    assert person(evidence, E_KENCONG_FILE, 1) != person(evidence, E_AMBULU_FILE, 5)


def test_a_nik_region_naming_no_kecamatan_is_the_typo_wherever_the_mover_lives(evidence):
    assert person(evidence, E_KENCONG_FILE, 3) == person(evidence, E_OCT_FILE, 8)
    assert evidence[("dtks", E_OCT_FILE, 8)]["match_rule"] == "nik_near_name_birth"


def test_namesakes_born_the_same_day_in_two_kecamatan_with_their_own_niks_are_never_paired(
    evidence,
):
    # the birth-date and name block is per kecamatan between NIK holders: regency-wide its
    # pairs grew with the population (int_person_pairs_candidates)
    ambulu, kencong = ("dtks", E_AMBULU_FILE, 15), ("dtks", E_KENCONG_FILE, 4)
    assert evidence[ambulu]["record_key"] != evidence[kencong]["record_key"]
    assert not is_candidate_pair(evidence, ambulu, kencong)
    assert person(evidence, E_AMBULU_FILE, 15) != person(evidence, E_KENCONG_FILE, 4)
    # across kecamatan, a NIK a region digit off (Yulia) and a lost NIK (Hendra) still are
    assert is_candidate_pair(evidence, ("dtks", E_KENCONG_FILE, 3), ("dtks", E_OCT_FILE, 8))
    assert is_candidate_pair(evidence, ("dtks", E_AMBULU_FILE, 13), ("dtks", E_OCT_KENCONG_FILE, 1))


def test_a_lost_nik_links_on_rare_name_and_birth_date_in_the_same_kecamatan(evidence):
    assert person(evidence, E_OCT_FILE, 2) == person(evidence, E_AMBULU_FILE, 2)
    assert evidence[("dtks", E_OCT_FILE, 2)]["match_rule"] == "rare_name_birth"


def test_a_nik_typo_located_in_its_birth_digits_links_despite_a_name_typo(evidence):
    # one NIK disagrees with the birth date both rows carry, the other agrees: one person
    assert person(evidence, E_OCT_FILE, 5) == person(evidence, E_AMBULU_FILE, 11)
    assert evidence[("dtks", E_OCT_FILE, 5)]["match_rule"] == "nik_near_name_birth"


def test_a_nik_typo_in_the_region_digits_links_when_both_live_in_the_kecamatan_of_one(evidence):
    assert person(evidence, E_OCT_FILE, 6) == person(evidence, E_AMBULU_FILE, 12)
    assert evidence[("dtks", E_OCT_FILE, 6)]["match_rule"] == "nik_near_name_birth"


def test_a_nik_with_a_digit_doubled_links_to_the_nik_it_becomes_without_it(evidence):
    assert person(evidence, E_OCT_FILE, 7) == person(evidence, E_AMBULU_FILE, 14)
    assert evidence[("dtks", E_OCT_FILE, 7)]["match_rule"] == "nik_near_name_birth"


def test_a_lost_nik_whose_kept_digits_name_the_other_nik_district_links_a_mover(evidence):
    # moved from Ambulu to Kencong; the E+15 NIK kept 350912, the district of his Ambulu NIK
    assert person(evidence, E_OCT_KENCONG_FILE, 1) == person(evidence, E_AMBULU_FILE, 13)
    assert evidence[("dtks", E_OCT_KENCONG_FILE, 1)]["match_rule"] == "rare_name_birth"


def test_a_lost_nik_with_rare_name_and_birth_date_in_another_kecamatan_stays_apart(evidence):
    assert person(evidence, E_KENCONG_FILE, 2) != person(evidence, E_AMBULU_FILE, 6)


def test_a_lost_nik_whose_rounding_carried_links_to_the_pkh_recipients_nik(evidence):
    assert person(evidence, E_PKH_FILE, 3, "pkh") == person(evidence, E_SAINAH_FILE, 1)


def test_a_mother_and_her_same_named_daughter_stay_apart_even_through_a_pkh_chain(evidence):
    mother, daughter = person(evidence, E_AMBULU_FILE, 3), person(evidence, E_AMBULU_FILE, 4)
    assert mother != daughter
    assert person(evidence, E_PKH_FILE, 1, "pkh") == mother
    assert person(evidence, E_PKH_FILE, 2, "pkh") == mother


def household(xref, path, row):
    return xref[("dtks", path, row)]["household_id"]


def test_a_member_on_a_mistyped_one_row_card_joins_the_family_listed_around_them(evidence):
    wahyudi = household(evidence, E_AMBULU_FILE, 7)
    assert household(evidence, E_AMBULU_FILE, 8) == wahyudi == household(evidence, E_AMBULU_FILE, 9)
    assert evidence[("dtks", E_AMBULU_FILE, 8)]["household_rule"] == "no_kk_typo_neighbour"
    assert evidence[("dtks", E_AMBULU_FILE, 7)]["household_rule"] == "no_kk"


def test_a_head_alone_on_the_next_card_is_a_household_of_his_own(evidence):
    assert household(evidence, E_AMBULU_FILE, 10) != household(evidence, E_AMBULU_FILE, 9)
    assert evidence[("dtks", E_AMBULU_FILE, 10)]["household_rule"] == "no_kk"


def test_a_head_on_a_mistyped_card_joins_the_family_card_he_already_holds(evidence):
    # not a split onto a new card: the same person sits on the card of the row below
    assert household(evidence, E_OCT_FILE, 3) == household(evidence, E_AMBULU_FILE, 7)
    assert evidence[("dtks", E_OCT_FILE, 3)]["household_rule"] == "no_kk_typo_neighbour"
    assert evidence[("dtks", E_OCT_FILE, 3)]["split_from_household_id"] is None


# --- Data ganda: duplicates inside one file are found; contradicting evidence keeps apart ---


def test_a_person_registered_twice_in_one_file_is_one_person(evidence):
    assert person(evidence, E_GANDA_FILE, 4) == person(evidence, E_GANDA_FILE, 8)
    assert evidence[("dtks", E_GANDA_FILE, 8)]["match_rule"] == "nik_exact"


def test_a_family_pasted_twice_in_one_file_merges_member_by_member(evidence):
    for original, copy in ((1, 5), (2, 6), (3, 7)):
        assert person(evidence, E_GANDA_FILE, original) == person(evidence, E_GANDA_FILE, copy), (
            original
        )
    # and stays three persons
    assert len({person(evidence, E_GANDA_FILE, row) for row in (1, 2, 3, 5, 6, 7)}) == 3


def test_a_nik_with_two_adjacent_digits_swapped_links(evidence):
    assert person(evidence, E_GANDA_FILE, 6) == person(evidence, E_GANDA_FILE, 2)
    assert evidence[("dtks", E_GANDA_FILE, 6)]["match_rule"] == "nik_near_name_birth"


def test_a_nik_in_scientific_notation_links_on_the_digits_it_kept_name_birth_and_village(evidence):
    assert person(evidence, E_GANDA_FILE, 7) == person(evidence, E_GANDA_FILE, 3)
    # a rare name in the same kecamatan: the rare-name rule is the stronger one that applies
    assert evidence[("dtks", E_GANDA_FILE, 7)]["match_rule"] in {
        "rare_name_birth",
        "name_birth_desa",
    }


def test_a_family_entered_twice_in_one_file_is_one_household(evidence):
    rofiqi = household(evidence, E_GANDA_FILE, 1)
    assert {household(evidence, E_GANDA_FILE, row) for row in (1, 2, 3, 5, 6, 7)} == {rofiqi}
    assert evidence[("dtks", E_GANDA_FILE, 5)]["household_rule"] == "family_entered_twice"
    assert household(evidence, E_GANDA_FILE, 8) == household(evidence, E_GANDA_FILE, 4)
    assert household(evidence, E_GANDA_FILE, 4) != rofiqi


def test_the_comparison_built_in_parts_holds_the_rows_built_at_once(evidence, tmp_path):
    """int_person_pairs_compared is written in ranges of rid_a (materialization table_in_parts)
    so that a province-scale run stays within its memory limit. Built here in four parts or
    more, it holds exactly the rows the one-part build of the fixture holds."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(evidence["warehouse"], warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (candidates,) = con.execute(
            "select count(*) from intermediate.int_person_pairs_candidates"
        ).fetchone()
    result = run_dbt(
        "run",
        "--select",
        "int_person_pairs_compared",
        "--vars",
        f"{{person_pairs_part_rows: {candidates // 4}}}",
        warehouse=warehouse,
        target_dir=tmp_path,
    )
    assert result.returncode == 0, output(result)
    parts = {
        int(n) for n in re.findall(r"int_person_pairs_compared.*: part \d+ of (\d+)", result.stdout)
    }
    assert len(parts) == 1 and parts.pop() > 3, output(result)
    table = "intermediate.int_person_pairs_compared"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"attach '{evidence['warehouse']}' as whole (read_only)")
        (rows,) = con.execute(f"select count(*) from {table}").fetchone()
        only_parts = con.execute(
            f"select count(*) from (from {table} except all from whole.{table})"
        ).fetchone()
        only_whole = con.execute(
            f"select count(*) from (from whole.{table} except all from {table})"
        ).fetchone()
    assert rows > 0
    assert (only_parts, only_whole) == ((0,), (0,))


# --- Namesake guards give way to a very rare name; swapped names with a lost NIK ---
#
# A name key is very rare when at most 16 records carry it (var person_very_rare_name_records);
# a name is rare enough for the lost-NIK rules when log2(records / records with the key) >= 8,
# so the deliveries below carry 1,100 filler heads (unique names, cards, NIKs and birth dates:
# they block with nothing).

R_PLACE_FILE = "dtks/2025-04/dtks_ambulu.csv"
R_FILLER_FILE = "dtks/2025-04/dtks_ambulu_lain.csv"
R_OCT_FILE = "dtks/2025-10/pemutakhiran_ambulu.csv"


def _rare_filler_rows(count: int = 1100) -> list[str]:
    import datetime
    import itertools

    names = ["".join(p) for p in itertools.product(E_SYLLABLES, repeat=4)][:count]
    rows = []
    for i, name in enumerate(names):
        born = datetime.date(1950, 1, 2) + datetime.timedelta(days=i)
        rows.append(
            f"35091299{i:08d};350912{born:%d%m%y}0001;{name};L;{born:%d-%m-%Y};KEPALA KELUARGA;"
            f"{PLACE};4;HIDUP;10-01-2024"
        )
    return rows


R_KK_SANTOSO = "3509120101130050"
R_KK_SANTOSO_KENCONG = "3509020909250044"
R_SANTOSO = [
    "3509120505800001;BUDI SANTOSO;L;05-05-1980;KEPALA KELUARGA",
    "3509125009820001;SRI WAHYUNI;P;10-09-1982;ISTRI",
    "3509126003150001;ZAHRA AULIA;P;20-03-2015;ANAK",
    "3509126003150002;ZAHRO AULIA;P;20-03-2015;ANAK",
    "3509125107180001;SITI AMINAH;P;11-07-2018;ANAK",
]

R_APRIL = [
    # Nayla, a very rare name; in October on a card of her own, her NIK's last digit mistyped
    f"3509120101130001;3509125703030001;NAYLA ZAHIRAH PUTRI;P;17-03-2003;ANAK;{PLACE};2;HIDUP;10-01-2024",
    # two women named SITI AMINAH born the same day in Ambulu, on unrelated cards, NIK serials
    # 0001 and 0002 (Dukcapil numbers same-day births of one district in order); sixteen more
    # SITI AMINAH make the name common enough that two such namesakes are to be expected
    f"3509120101130002;3509125212850001;SITI AMINAH;P;12-12-1985;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    *[
        f"350912010113{5000 + i * 11:04d};350912{41 + i:02d}10800001;SITI AMINAH;P;{i + 1:02d}-10-1980;ISTRI;"
        f"{PLACE};2;HIDUP;10-01-2024"
        for i in range(16)
    ],
    # Indah's NIK went through Excel (E+15); in October, on her own card, her name was written
    # the other way round (ZASKIA INDAH)
    f"3509120101130004;3.50912E+15;INDAH ZASKIA;P;05-10-2017;ANAK;{PLACE};2;HIDUP;10-01-2024",
    # the Santoso family (rows 20-24), with twins ZAHRA and ZAHRO; in October it has moved to
    # Kencong on a new card (R_OCTOBER)
    *[f"{R_KK_SANTOSO};{member};{PLACE};2;HIDUP;10-01-2024" for member in R_SANTOSO],
    # twins Bagus and Nur (rows 25-26); the operator typed Bagus's NIK on Nur's row too
    f"3509120101130060;3509121404160001;BAGUS HAMZAH;L;14-04-2016;ANAK;{PLACE};2;HIDUP;10-01-2024",
    f"3509120101130060;3509121404160001;NUR FAHMI WIJAYA;L;14-04-2016;ANAK;{PLACE};2;HIDUP;10-01-2024",
]

R_OCTOBER = [
    f"3509120506260011;3509125703030004;NAYLA ZAHIRAH PUTRI;P;17-03-2003;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    f"3509120506260022;3509125212850002;SITI AMINAH;P;12-12-1985;ISTRI;{PLACE};2;HIDUP;01-09-2025",
    f"3509120506260033;3509124510170001;ZASKIA INDAH;P;05-10-2017;KEPALA KELUARGA;{PLACE};2;HIDUP;01-09-2025",
    # the Santoso family on its Kencong card (rows 4-8): Sri's NIK left empty; little Siti
    # Aminah's NIK with its last digit mistyped (serial 0002); Budi and the twins with theirs
    *[
        f"{R_KK_SANTOSO_KENCONG};{member};{KENCONG};2;HIDUP;01-09-2025"
        for member in [
            R_SANTOSO[0],
            R_SANTOSO[1].replace("3509125009820001", ""),
            *R_SANTOSO[2:4],
            R_SANTOSO[4].replace("3509125107180001", "3509125107180002"),
        ]
    ],
]


@pytest.fixture(scope="module")
def rare(tmp_path_factory) -> dict:
    return _resolve_in_warehouse(
        tmp_path_factory.mktemp("resolution_rare"),
        {
            R_PLACE_FILE: (DTKS_HEADER, R_APRIL),
            R_FILLER_FILE: (DTKS_HEADER, _rare_filler_rows()),
            R_OCT_FILE: (DTKS_HEADER, R_OCTOBER),
        },
    )


def test_a_last_digit_nik_typo_on_an_unrelated_card_links_when_the_name_is_very_rare(rare):
    assert person(rare, R_OCT_FILE, 1) == person(rare, R_PLACE_FILE, 1)
    assert rare[("dtks", R_OCT_FILE, 1)]["match_rule"] == "nik_near_name_birth"


def test_namesakes_born_the_same_day_with_neighbouring_serials_stay_apart_when_the_name_is_common(
    rare,
):
    assert person(rare, R_OCT_FILE, 2) != person(rare, R_PLACE_FILE, 2)


def test_a_name_written_the_other_way_round_links_to_a_lost_nik_in_the_same_village(rare):
    assert person(rare, R_OCT_FILE, 3) == person(rare, R_PLACE_FILE, 19)


def test_a_moved_family_member_whose_nik_was_lost_links_to_the_one_of_her_name_on_the_old_card(
    rare,
):
    # Budi and the twins carry their NIKs onto the Kencong card: the two cards are one family's
    for row in (4, 6, 7):
        assert person(rare, R_OCT_FILE, row) == person(rare, R_PLACE_FILE, row + 16)
    # Sri (no NIK, another kecamatan, a common enough name) is the one SRI WAHYUNI of the old
    # card whose NIK is not on the new one
    assert person(rare, R_OCT_FILE, 5) == person(rare, R_PLACE_FILE, 21)
    assert rare[("dtks", R_OCT_FILE, 5)]["match_rule"] == "card_move_name"


def test_twins_stay_two_persons_across_the_cards_of_their_family(rare):
    # ZAHRA and ZAHRO: one birth date, names a letter apart, NIKs one serial digit apart
    zahra = {person(rare, R_PLACE_FILE, 22), person(rare, R_OCT_FILE, 6)}
    zahro = {person(rare, R_PLACE_FILE, 23), person(rare, R_OCT_FILE, 7)}
    assert len(zahra) == 1 and len(zahro) == 1 and zahra != zahro


def test_one_nik_on_two_members_of_a_card_with_wholly_different_names_is_two_persons(rare):
    assert person(rare, R_PLACE_FILE, 25) != person(rare, R_PLACE_FILE, 26)


def test_a_moved_family_member_whose_nik_serial_was_mistyped_is_no_namesake(rare):
    # NIKs equal but for the last digit on unrelated cards are namesakes born the same day
    # (SITI AMINAH is common here: no very rare name lets it pass); on two cards of one
    # family, a typo
    assert person(rare, R_OCT_FILE, 8) == person(rare, R_PLACE_FILE, 24)


# --- A PKH recipient whose NIK is one digit off the NIK of their DTKS row ---
#
# PKH carries no birth date, so the near-NIK rule (which needs one to tell namesakes born the
# same day apart) cannot apply; pkh_near_nik_desa links the recipient when exactly one DTKS
# person of the village, under the same rare name, is a NIK typo away (docs/resolution.md).
# The 1,100 filler heads of _filler_rows make the names rare (weight >= 8), but SUMARNI, which
# 40 more women carry.

N_DTKS_FILE = "dtks/2025-04/dtks_ambulu.csv"
N_PKH_FILE = "pkh/pkh_ambulu_2025.csv"
N_DTKS = [
    # Ratna, Masruroh: the PKH list mistyped one digit of their NIKs (serial, region)
    f"3509120101140001;3509124506880003;RATNA SARI;P;05-06-1988;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    f"3509120101140002;3509125107900004;MASRUROH;P;11-07-1990;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    # Safitri's NIK went through Excel (E+15); the PKH list misspells her name
    f"3509120101140003;3.50912E+15;SITI SAFITRI;P;12-03-1985;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    # two women named NUR HASANAH born the same day in Tegalsari, on two cards, serials 0001
    # and 0111 (two NIKs two digits apart: two persons)
    f"3509120101140004;3509125508900001;NUR HASANAH;P;15-08-1990;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    f"3509120101140005;3509125508900111;NUR HASANAH;P;15-08-1990;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    # a SUMARNI born 11-09-1975 (serial 0001); the PKH list pays another SUMARNI of the village,
    # born 19-09-1975 (her NIK one birth digit away, serial 0001 too), whom DTKS does not list
    f"3509120101140006;3509125109750001;SUMARNI;P;11-09-1975;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    # Widya's DTKS NIK carries a slip in its birth digits (88 for 86: it disagrees with her
    # own birth date); the PKH list has her NIK right
    f"3509120101140007;3509126304880002;WIDYA NINGRUM;P;23-04-1986;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    # Imam's NIK was left empty on his card; on a card issued years later his name is written
    # IMAM IKBAL, his NIK intact (near_name_birth_desa)
    f"3509120101140008;;IMAM IQBAL;L;10-05-1991;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    f"3509121203190002;3509121005910001;IMAM IKBAL;L;10-05-1991;KEPALA KELUARGA;{PLACE};2;HIDUP;10-01-2024",
    # a DEWI LESTARI without a NIK, and two women of the village born that day whose names are
    # each a letter off hers, on cards of their own: either could be her
    f"3509122508050004;;DEWI LESTARI;P;07-07-1992;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    f"3509121710110007;3509124707920001;DEWI LESTRI;P;07-07-1992;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    f"3509120302170005;3509124707920002;DEWI LESTANI;P;07-07-1992;ISTRI;{PLACE};2;HIDUP;10-01-2024",
    *[
        f"350912010115{i:04d};350912{41 + i % 28:02d}0{1 + i // 28}600001;SUMARNI;P;"
        f"{1 + i % 28:02d}-0{1 + i // 28}-1960;ISTRI;{PLACE};2;HIDUP;10-01-2024"
        for i in range(40)
    ],
]
N_FILLER_FILE = "dtks/2025-04/dtks_ambulu_lain.csv"
N_PKH = [
    # serial digit 14 mistyped (0103 for 0003), no card
    "P201;3509124506880103;RATNA SARI;;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
    # a region digit mistyped (350922 for 350912: Tegalsari lies in 350912), no card
    "P202;3509225107900004;MASRUROH;;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
    # the NIK intact (its birth digits give 12-03-1985, a woman), a letter of the name dropped
    "P203;3509125203850001;SITI SFITRI;;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
    # serial 0101: one digit from either NUR HASANAH's (0001, 0111)
    "P204;3509125508900101;NUR HASANAH;;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
    # the other SUMARNI (see N_DTKS)
    "P205;3509125909750001;SUMARNI;;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
    # Widya's NIK as issued (its birth digits give 23-04-1986, a woman: her DTKS birth date)
    "P206;3509126304860002;WIDYA NINGRUM;;AMBULU;TEGALSARI;2025;1;0;1;0;0;0;0;0;750000;AKTIF",
]


@pytest.fixture(scope="module")
def pkh_near(tmp_path_factory) -> dict:
    return _resolve_in_warehouse(
        tmp_path_factory.mktemp("resolution_pkh_near"),
        {
            N_DTKS_FILE: (DTKS_HEADER, N_DTKS),
            N_FILLER_FILE: (DTKS_HEADER, _filler_rows()),
            N_PKH_FILE: (PKH_HEADER, N_PKH),
        },
    )


def test_a_pkh_recipient_one_digit_off_their_dtks_nik_links_to_them(pkh_near):
    for pkh_row, dtks_row in ((1, 1), (2, 2)):
        assert person(pkh_near, N_PKH_FILE, pkh_row, "pkh") == person(
            pkh_near, N_DTKS_FILE, dtks_row
        )
        assert pkh_near[("pkh", N_PKH_FILE, pkh_row)]["match_rule"] == "pkh_near_nik_desa"


def test_a_pkh_recipient_links_to_their_dtks_row_whose_nik_is_mistyped_in_its_birth_digits(
    pkh_near,
):
    assert person(pkh_near, N_PKH_FILE, 6, "pkh") == person(pkh_near, N_DTKS_FILE, 7)
    assert pkh_near[("pkh", N_PKH_FILE, 6)]["match_rule"] == "pkh_near_nik_desa"


def test_a_pkh_recipient_with_a_name_typo_links_to_a_lost_nik_of_their_birth_date(pkh_near):
    assert person(pkh_near, N_PKH_FILE, 3, "pkh") == person(pkh_near, N_DTKS_FILE, 3)


def test_a_pkh_recipient_one_digit_off_two_namesakes_born_the_same_day_links_to_neither(pkh_near):
    recipient = person(pkh_near, N_PKH_FILE, 4, "pkh")
    assert recipient not in {person(pkh_near, N_DTKS_FILE, 4), person(pkh_near, N_DTKS_FILE, 5)}
    assert person(pkh_near, N_DTKS_FILE, 4) != person(pkh_near, N_DTKS_FILE, 5)


def test_a_pkh_recipient_with_a_common_name_one_birth_digit_off_a_dtks_namesake_stays_apart(
    pkh_near,
):
    assert person(pkh_near, N_PKH_FILE, 5, "pkh") != person(pkh_near, N_DTKS_FILE, 6)


def test_a_lost_nik_with_a_name_one_letter_off_links_to_the_only_person_of_the_village_born_that_day(
    pkh_near,
):
    # data rows 8 and 9 of N_DTKS: IMAM IQBAL without a NIK, IMAM IKBAL with one
    assert person(pkh_near, N_DTKS_FILE, 8) == person(pkh_near, N_DTKS_FILE, 9)
    assert pkh_near[("dtks", N_DTKS_FILE, 8)]["match_rule"] == "near_name_birth_desa"


def test_a_lost_nik_with_two_people_of_the_village_a_letter_off_links_to_neither(pkh_near):
    dewi_without_nik = person(pkh_near, N_DTKS_FILE, 10)
    assert dewi_without_nik not in {
        person(pkh_near, N_DTKS_FILE, 11),
        person(pkh_near, N_DTKS_FILE, 12),
    }
