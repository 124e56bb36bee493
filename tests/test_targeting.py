"""Targeting problems, periods and verification lists on a small hand-made delivery, through
the real pipeline (`jember run`: real ingestion, real dbt on DuckDB, real Dagster, real
Great Expectations), one household per rule; then the flags against the generator's truth.

One village, Tegalsari (Ambulu, 35.09.12.2001). PKH year 2025: ages are taken on 1 January 2025.
Yearly component amounts come from the pkh_komponen seed (SD Rp900.000, AUD Rp3.000.000,
LANSIA Rp2.400.000 ...), a stage pays a quarter.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import duckdb
import pytest
from helpers import run_jember
from python_calamine import CalamineWorkbook

DTKS_HEADER = (
    "NO_KK;NIK;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;HUBUNGAN_KELUARGA;DESA;KECAMATAN;KODE_DESA;"
    "DESIL;STATUS_HIDUP;HAMIL;DISABILITAS;TANGGAL_UPDATE"
)
PKH_HEADER = (
    "ID_PKH;NIK_PENGURUS;NAMA_PENGURUS;NO_KK;KECAMATAN;DESA;TAHUN;TAHAP;BUMIL;AUD;SD;SMP;SMA;"
    "DISABILITAS;LANSIA;NOMINAL;STATUS_KPM"
)
PLACE = "TEGALSARI;AMBULU;35.09.12.2001"
KODE_DESA = "35.09.12.2001"
FORMULA_NAME = '=HYPERLINK("http://x","KLIK")'


def nik(dob: str, female: bool, serial: int) -> str:
    """A NIK of Ambulu with the birth date part DDMMYY (+40 on DD for women)."""
    day, month, year = dob.split("-")
    return f"350912{int(day) + (40 if female else 0):02d}{month}{year[2:]}{serial:04d}"


def kk(serial: int) -> str:
    return f"35091201011{serial:05d}"


class Family:
    """One DTKS family: rows are (name, sex, birth date, relationship, alive, hamil, disabilitas)."""

    def __init__(self, serial: int, desil: int, members: list[tuple], update: str = "10-01-2024"):
        self.no_kk = kk(serial)
        self.desil = desil
        self.people = []
        for i, (name, sex, dob, rel, alive, hamil, disab) in enumerate(members):
            self.people.append(
                dict(
                    name=name,
                    sex=sex,
                    dob=dob,
                    rel=rel,
                    alive=alive,
                    hamil=hamil,
                    disab=disab,
                    nik=nik(dob, sex == "P", serial * 10 + i + 1),
                )
            )
        self.update = update

    def rows(self, desil: int | None = None) -> list[str]:
        return [
            f"{p.get('no_kk', self.no_kk)};{p['nik']};{p['name']};{p['sex']};{p['dob']};{p['rel']};{PLACE};"
            f"{desil or self.desil};{p['alive']};{p['hamil']};{p['disab']};{self.update}"
            for p in self.people
        ]

    def mother(self) -> dict:
        return self.people[1]


def couple(first: str, child: tuple | None = None, extra: list[tuple] | None = None) -> list[tuple]:
    people = [
        (f"{first} SUAMI", "L", "05-05-1980", "KEPALA KELUARGA", "HIDUP", "TIDAK", "TIDAK"),
        (f"{first} ISTRI", "P", "06-06-1983", "ISTRI", "HIDUP", "TIDAK", "TIDAK"),
    ]
    if child:
        people.append(child)
    return people + (extra or [])


SD_CHILD = ("ANAK SD", "L", "07-07-2016", "ANAK", "HIDUP", "TIDAK", "TIDAK")  # 8 on 1 January 2025
AUD_CHILD = ("ANAK BALITA", "P", "03-03-2021", "ANAK", "HIDUP", "TIDAK", "TIDAK")  # 3

FAMILIES = {
    "rich": Family(1, 7, couple("KAYA", SD_CHILD)),
    "excluded": Family(
        2,
        1,
        couple(
            "TERLEWAT",
            AUD_CHILD,
            [(FORMULA_NAME, "L", "01-01-2000", "FAMILI LAIN", "HIDUP", "TIDAK", "TIDAK")],
        ),
    ),
    "poor_no_component": Family(3, 1, couple("DEWASA")),
    "desil_4_no_pkh": Family(4, 4, couple("DESILEMPAT", AUD_CHILD)),
    "two_ids": Family(5, 2, couple("DUAID", SD_CHILD)),
    "giver": Family(6, 1, couple("PEMBERI", SD_CHILD)),
    "taker": Family(7, 1, couple("PENERIMA", SD_CHILD)),
    "deceased": Family(
        8,
        2,
        [
            ("ALMARHUM SUAMI", "L", "05-05-1980", "KEPALA KELUARGA", "HIDUP", "TIDAK", "TIDAK"),
            ("ALMARHUMAH ISTRI", "P", "06-06-1983", "ISTRI", "MENINGGAL", "TIDAK", "TIDAK"),
            SD_CHILD,
        ],
    ),
    "rupiah_off": Family(9, 2, couple("RUPIAH", SD_CHILD)),
    "count_off": Family(10, 2, couple("HITUNG", SD_CHILD)),
    "correct": Family(
        11,
        1,
        couple(
            "BENAR",
            SD_CHILD,
            [("NENEK BENAR", "P", "03-03-1949", "ORANG TUA", "HIDUP", "TIDAK", "TIDAK")],
        ),
    ),
    "capped": Family(
        12,
        1,
        couple(
            "BATAS",
            AUD_CHILD,
            [
                ("ADIK BALITA", "L", "04-04-2022", "ANAK", "HIDUP", "TIDAK", "TIDAK"),
                SD_CHILD,
                ("KAKAK SD", "P", "08-08-2014", "ANAK", "HIDUP", "TIDAK", "TIDAK"),
                ("KAKEK BATAS", "L", "02-02-1945", "ORANG TUA", "HIDUP", "TIDAK", "TIDAK"),
            ],
        ),
    ),
}
# the head's card typed with one digit wrong: resolution cannot tell it from the next card of
# the village, so the head is a one-row household next to its real family, a suspected fragment
# (a mistyped card of another member joins the family: tests/test_resolution.py)
FAMILIES["card_typo"] = Family(14, 2, couple("SALAHKETIK", SD_CHILD))
FAMILIES["card_typo"].people[0]["no_kk"] = kk(14)[:-2] + "9" + kk(14)[-1]


def pkh_row(
    id_pkh: str,
    family: Family | None,
    tahap: int,
    counts: dict,
    nominal: int,
    status: str = "AKTIF",
    recipient: dict | None = None,
    no_kk: str | None = None,
) -> str:
    who = recipient or (family.mother() if family else None)
    c = {k: counts.get(k, 0) for k in ("bumil", "aud", "sd", "smp", "sma", "disabilitas", "lansia")}
    return (
        f"{id_pkh};{who['nik']};{who['name']};{no_kk or family.no_kk};AMBULU;TEGALSARI;2025;{tahap};"
        f"{c['bumil']};{c['aud']};{c['sd']};{c['smp']};{c['sma']};{c['disabilitas']};{c['lansia']};"
        f"{nominal};{status}"
    )


F = FAMILIES
STRANGER = dict(nik=nik("09-09-1979", True, 9001), name="ORANG LUAR")
PKH_TAHAP_1 = [
    pkh_row("P101", F["rich"], 1, {"sd": 1}, 225000),  # inclusion: desil 7
    pkh_row(
        "P102", None, 1, {"aud": 1}, 750000, recipient=STRANGER, no_kk=kk(99)
    ),  # inclusion: not in DTKS
    pkh_row("P103", F["two_ids"], 1, {"sd": 1}, 225000),  # duplicate aid: one family, two ids
    # and the second id's list writes two SD children where DTKS has one: a count mismatch of
    # that id alone
    pkh_row("P104", F["two_ids"], 1, {"sd": 2}, 450000),
    pkh_row("P105", F["giver"], 1, {"sd": 1}, 225000),  # the giver's own, correct
    pkh_row(
        "P106", F["taker"], 1, {"sd": 1}, 225000, recipient=F["giver"].mother()
    ),  # paid via another family's mother
    pkh_row("P107", F["deceased"], 1, {"sd": 1}, 225000),  # recipient MENINGGAL in DTKS
    pkh_row("P108", F["rupiah_off"], 1, {"sd": 1}, 450000),  # rupiah: components give 225.000
    pkh_row("P109", F["count_off"], 1, {"sd": 2}, 450000),  # counts: two SD, DTKS has one
    pkh_row("P110", F["correct"], 1, {"sd": 1, "lansia": 1}, 825000),  # (900.000 + 2.400.000) / 4
    # five members in components, the four best paid count: (3.000.000 * 2 + 2.400.000 + 900.000) / 4
    pkh_row("P111", F["capped"], 1, {"aud": 2, "sd": 2, "lansia": 1}, 2325000),
    # the family whose head's card was mistyped in DTKS: not a mismatch
    pkh_row("P112", F["card_typo"], 1, {"sd": 1}, 225000),
]
# October: the correct family's PKH graduates (the list writes no components for a stage it does
# not pay); the desil of the poor family without components rises
PKH_TAHAP_2 = [pkh_row("P110", F["correct"], 2, {}, 0, status="GRADUASI")]
NEW_FAMILY = Family(
    13,
    2,
    [("KELUARGA BARU", "L", "01-01-1990", "KEPALA KELUARGA", "HIDUP", "TIDAK", "TIDAK")],
    update="01-09-2025",
)

EXPECTED = {  # family -> the flags mart_household must raise (all others false)
    "rich": {"is_inclusion_candidate"},
    "excluded": {"is_exclusion_candidate"},
    "poor_no_component": set(),
    "desil_4_no_pkh": set(),
    "two_ids": {"is_duplicate_aid_case", "is_component_mismatch"},
    "giver": set(),
    "taker": {"is_duplicate_aid_case"},
    "deceased": {"is_deceased_recipient"},
    "rupiah_off": {"is_component_mismatch"},
    "count_off": {"is_component_mismatch"},
    "correct": set(),
    "capped": set(),
    "card_typo": set(),
}
FLAGS = [
    "is_inclusion_candidate",
    "is_exclusion_candidate",
    "is_duplicate_aid_case",
    "is_deceased_recipient",
    "is_component_mismatch",
]


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def _run(raw: Path, data: Path, period: str, *options: str) -> str:
    result = run_jember(
        "run", "--raw-dir", str(raw), "--data-dir", str(data), "--period", period, *options
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def _query(data: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def delivered(tmp_path_factory) -> dict:
    """Run 1 (period 2025-04): the April DTKS file and PKH stage 1. Its warehouse is kept
    aside, then run 2 (2025-10, same data dir) adds the October DTKS update and PKH stage 2."""
    root = tmp_path_factory.mktemp("targeting")
    raw, data = root / "raw", root / "data"
    _write(
        raw / "dtks" / "2025-04" / "dtks_ambulu.csv",
        DTKS_HEADER,
        [row for family in FAMILIES.values() for row in family.rows()],
    )
    _write(raw / "pkh" / "2025" / "pkh_ambulu_tahap1.csv", PKH_HEADER, PKH_TAHAP_1)
    for folder in ("bps", "koperasi"):
        (raw / folder).mkdir(parents=True, exist_ok=True)
    _run(raw, data, "2025-04")
    first = root / "after-april"
    shutil.copytree(data, first, symlinks=True)

    _write(
        raw / "dtks" / "2025-10" / "dtks_ambulu_update.csv",
        DTKS_HEADER,
        F["poor_no_component"].rows(desil=3) + NEW_FAMILY.rows(),
    )
    _write(raw / "pkh" / "2025" / "pkh_ambulu_tahap2.csv", PKH_HEADER, PKH_TAHAP_2)
    _run(raw, data, "2025-10")
    return {"raw": raw, "data": data, "first": first}


def test_a_mistyped_card_makes_a_fragment_not_an_exclusion_or_a_mismatch(delivered):
    data = delivered["first"]
    fragment = _query(
        data,
        f"""
        select h.household_id, h.is_card_typo_fragment, h.is_composition_uncertain, m.is_exclusion_candidate
        from intermediate.int_households_dtks h join marts.mart_household m using (household_id)
        join intermediate.int_dtks_rows_placed r using (household_id)
        where r.no_kk = '{F["card_typo"].people[0]["no_kk"]}'""",
    )
    assert [row[1:] for row in fragment] == [(True, True, False)]
    family = _query(
        data,
        f"""select is_composition_uncertain from intermediate.int_households_dtks
                               where household_id = '{_household_of(data, F["card_typo"])}'""",
    )
    assert family == [(True,)]


def _household_of(data: Path, family: Family) -> str:
    rows = _query(
        data,
        f"""
        select distinct x.household_id from intermediate.int_person_xref x
        join intermediate.int_dtks__persons_cleaned d on d.row_key = x.record_key
        where d.no_kk = '{family.no_kk}'""",
    )  # the family's own card
    assert len(rows) == 1, (family.no_kk, rows)
    return rows[0][0]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_household_gets_exactly_its_targeting_flags(delivered, name):
    data = delivered["first"]
    household = _household_of(data, FAMILIES[name])
    values = _query(
        data,
        f"select {', '.join(FLAGS)} from marts.mart_household where household_id = '{household}'",
    )[0]
    raised = {flag for flag, value in zip(FLAGS, values) if value}
    assert raised == EXPECTED[name]


def test_a_graduated_stage_without_components_is_no_component_mismatch(delivered):
    # the family was paid on SD 1 + LANSIA 1, which its DTKS members give; its GRADUASI stage
    # (NOMINAL 0) writes 0 for every component
    household = _household_of(delivered["data"], F["correct"])
    assert _query(
        delivered["data"],
        f"select is_component_mismatch from marts.mart_household where household_id = '{household}'",
    ) == [(False,)]


def test_a_pkh_familys_flags_are_its_own_cases_not_its_households(delivered):
    """A household paid under two ID_PKH (duplicate aid: a case naming both) whose second list
    alone writes a component DTKS does not have (a case naming that ID_PKH): mart_pkh_family
    flags the mismatch on that ID_PKH only."""
    rows = _query(
        delivered["first"],
        "select id_pkh, is_duplicate_aid_case, is_component_mismatch from marts.mart_pkh_family "
        "where id_pkh in ('P103', 'P104') order by id_pkh",
    )
    assert rows == [("P103", True, False), ("P104", True, True)]


def test_a_pkh_family_unknown_to_dtks_is_an_inclusion_candidate(delivered):
    rows = _query(
        delivered["first"],
        """
        select is_unknown_to_dtks, is_inclusion_candidate, is_duplicate_aid_case
        from marts.mart_pkh_family where id_pkh = 'P102'""",
    )
    assert rows == [(True, True, False)]
    cases = _query(
        delivered["first"],
        "select kind, family_key, kode_desa from intermediate.int_targeting_cases "
        "where id_pkh_list = 'P102'",
    )
    assert cases == [("inclusion", "PKH-P102", KODE_DESA)]


def test_expected_rupiah_takes_the_four_best_paid_members_from_the_seed(delivered):
    rows = dict(
        _query(
            delivered["first"],
            "select id_pkh, expected_stage_rp from intermediate.int_pkh_families",
        )
    )
    assert rows["P110"] == 825000
    assert rows["P111"] == 2325000
    assert rows["P108"] == 225000


def test_mart_desa_counts_families_per_kind_and_rollups_reconcile(delivered):
    data = delivered["first"]
    columns = [
        "inclusion_candidates",
        "exclusion_candidates",
        "duplicate_aid_cases",
        "deceased_recipients",
        "component_mismatches",
    ]
    village = _query(
        data, f"select {', '.join(columns)} from marts.mart_desa where kode_desa = '{KODE_DESA}'"
    )[0]
    # inclusion: desil 7 + unknown to DTKS; duplicate aid: two ids + the taker family;
    # component mismatch: rupiah_off, count_off, and two_ids' second id
    assert village == (2, 1, 2, 1, 3)
    kabupaten = _query(data, f"select {', '.join(columns)} from marts.mart_kabupaten")[0]
    kecamatan = _query(
        data, f"select {', '.join(f'sum({c})' for c in columns)} from marts.mart_kecamatan"
    )[0]
    assert kabupaten == kecamatan == village
    coverage = _query(
        data,
        f"select dtks_families_desil_1_2, pkh_families_desil_1_2, pkh_coverage_desil_1_2 "
        f"from marts.mart_desa where kode_desa = '{KODE_DESA}'",
    )[0]
    # desil 1-2: excluded, poor_no_component, two_ids, giver, taker, deceased, rupiah, count, correct,
    # capped, card_typo and its one-row fragment
    assert coverage == (12, 9, 0.75)  # all but excluded, poor_no_component and the fragment


def test_verification_workbook_lists_the_cases_with_formulas_neutralised(delivered):
    folder = delivered["first"] / "restricted" / "verifikasi" / "2025-04"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    workbook_path = folder / "verifikasi-350912-ambulu-2025-04.xlsx"
    assert stat.S_IMODE(workbook_path.stat().st_mode) == 0o600
    book = CalamineWorkbook.from_path(str(workbook_path))
    assert book.sheet_names[0] == "RINGKASAN" and "Tegalsari" in book.sheet_names
    rows = book.get_sheet_by_name("Tegalsari").to_python()
    header = rows[2]
    cells = [dict(zip(header, r)) for r in rows[3:]]
    problems = {c["Masalah"] for c in cells}
    assert {
        "Inclusion error: penerima PKH tidak layak / tidak terdaftar di DTKS",
        "Exclusion error: keluarga miskin layak PKH belum menerima",
        "Bantuan ganda",
        "Penerima PKH tercatat meninggal",
        "Komponen/nominal PKH tidak sesuai",
    } <= problems
    names = {c["Nama"] for c in cells}
    assert "'" + FORMULA_NAME in names and FORMULA_NAME not in names
    deceased = [
        c
        for c in cells
        if c["Masalah"] == "Penerima PKH tercatat meninggal" and c["Peran"] == "PENGURUS PKH"
    ]
    assert [c["Nama"] for c in deceased] == ["ALMARHUMAH ISTRI"]
    assert all(c["Tindakan disarankan"] for c in cells)


def test_a_later_period_keeps_the_earlier_one_and_reports_the_changes(delivered):
    data = delivered["data"]
    assert _query(
        data, "select period, count(*) from marts.mart_desa_history group by 1 order by 1"
    ) == [("2025-04", 248), ("2025-10", 248)]
    changes = _query(
        data,
        f"""
        select previous_period, households_added, households_removed, households_desil_up,
               households_desil_down, households_pkh_graduated
        from marts.mart_desa_changes where kode_desa = '{KODE_DESA}'""",
    )[0]
    assert changes == ("2025-04", 1, 0, 1, 0, 1)
    # the published release carries both periods
    with duckdb.connect(str(data / "published" / "jember.duckdb"), read_only=True) as con:
        assert (
            con.execute("select count(distinct period) from mart_desa_history").fetchone()[0] == 2
        )
    report = (data / "reports" / "laporan-2025-10.html").read_text(encoding="utf-8")
    assert "Dibandingkan dengan periode April 2025" in report


def test_rerunning_a_period_replaces_that_period_only(delivered):
    data = delivered["data"]
    april = _query(
        data, "select * from marts.mart_desa_history where period = '2025-04' order by kode_desa"
    )
    # --full: the same files, period and code again would end at once in "nothing new"
    # (test_incremental), and this test would then assert only that nothing ran.
    out = _run(delivered["raw"], data, "2025-10", "--full")
    assert "nothing new" not in out, out
    assert _query(
        data, "select period, count(*) from marts.mart_desa_history group by 1 order by 1"
    ) == [("2025-04", 248), ("2025-10", 248)]
    assert (
        _query(
            data,
            "select * from marts.mart_desa_history where period = '2025-04' order by kode_desa",
        )
        == april
    )
    households = _query(
        data, "select period, count(*) from marts.mart_household_history group by 1 order by 1"
    )
    assert households == [
        ("2025-04", 14),
        ("2025-10", 15),
    ]  # the card typo makes a household of its own


def test_flags_match_the_generators_planted_cases(tiny_run):
    """Precision and recall per kind on the tiny generated delivery (the full benchmark is
    `python -m jember_dev.targeting_benchmark`, figures in docs/benchmarks.md)."""
    from jember_dev.targeting_benchmark import score

    assert tiny_run["result"].returncode == 0, tiny_run["result"].stdout[-3000:]
    scores = score(tiny_run["data"] / "warehouse.duckdb", tiny_run["truth"])
    for kind, s in scores.items():
        # a few cases per kind at this scale: at most one family (or 5%) missed or wrongly flagged
        assert s["planted"] > 0, kind
        assert s["planted"] - s["correct"] <= max(1, 0.05 * s["planted"]), (kind, s)
        assert s["flagged"] - s["correct"] <= max(1, 0.05 * s["flagged"]), (kind, s)
    correct = sum(s["correct"] for s in scores.values())
    assert correct / sum(s["flagged"] for s in scores.values()) >= 0.95, scores
    assert correct / sum(s["planted"] for s in scores.values()) >= 0.95, scores
