"""The synthetic data generator, at tiny scale: deterministic, contract-complete, truthful.

Files are read back here with a deliberately simple reader (csv module, python-calamine),
independent of the project's ingestion code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from dagster_project.ingestion.contract import SOURCES, header_lookup, normalise_header
from jember_dev.generator import generate

SEED = 7


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    summary = generate(out, "tiny", SEED)
    assert summary["persons"] > 1500 and summary["files_written"] > 20
    return out


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def csv_records(path: Path) -> tuple[list[list[str]], str, str]:
    text, encoding = decode(path.read_bytes())
    lines = text.splitlines()
    header_line = next(line for line in lines if line.count(";") + line.count(",") >= 4)
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), encoding, delimiter


def xlsx_sheets(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def header_index(records: list[list[object]], source: str) -> int | None:
    """First record naming all required columns of one of the source's tables."""
    for i, record in enumerate(records[:10]):
        cells = {normalise_header(c) for c in record}
        for table in SOURCES[source]:
            lookup = header_lookup(table)
            if set(table.required) <= {lookup.get(c) for c in cells}:
                return i
    return None


def data_records(records: list[list[object]], source: str) -> list[list[object]]:
    start = header_index(records, source)
    assert start is not None
    out = []
    for record in records[start + 1 :]:
        first = next((str(c).strip() for c in record if c not in (None, "") and str(c).strip()), "")
        if first == "" or first.upper().startswith(("JUMLAH", "TOTAL")):
            continue
        out.append(record)
    return out


def test_same_seed_gives_identical_bytes(tiny, tmp_path):
    again = tmp_path / "again"
    generate(again, "tiny", SEED)
    first = {p.relative_to(tiny): p.read_bytes() for p in all_files(tiny)}
    second = {p.relative_to(again): p.read_bytes() for p in all_files(again)}
    assert first.keys() == second.keys()
    different = [str(k) for k in first if first[k] != second[k]]
    assert different == []


def test_another_seed_gives_other_data(tiny, tmp_path):
    other = tmp_path / "other"
    generate(other, "tiny", SEED + 1)
    a = pd.read_parquet(tiny / "truth" / "persons.parquet")
    b = pd.read_parquet(other / "truth" / "persons.parquet")
    assert set(a["nik"]) != set(b["nik"])


def test_every_contract_feature_is_present(tiny):
    raw = tiny / "raw"
    encodings, delimiters, titles, totals = Counter(), Counter(), Counter(), Counter()
    cells: list[str] = []
    headers: set[str] = set()
    for path in all_files(raw):
        if path.suffix != ".csv":
            continue
        source = path.relative_to(raw).parts[0]
        records, encoding, delimiter = csv_records(path)
        encodings[encoding] += 1
        delimiters[(source, delimiter)] += 1
        start = header_index(records, source)
        titles[start] += 1
        headers.update(records[start])
        for record in records[start + 1 :]:
            first = next((c.strip() for c in record if c.strip()), "")
            if first.upper().startswith(("JUMLAH", "TOTAL")):
                totals[first.split()[0].upper()] += 1
            cells.extend(record)
    assert set(encodings) == {"utf-8", "utf-8-sig", "cp1252"}
    assert {("dtks", ","), ("dtks", ";"), ("pkh", ","), ("pkh", ";")} <= set(delimiters)
    assert 0 in titles and max(titles) == 6 and len(titles) >= 3
    assert totals["JUMLAH"] and totals["TOTAL"]
    # Header aliases and case variants, not only canonical names.
    assert {"NAMA ART", "L/P", "SHDK"} & headers or any(h.islower() or h.istitle() for h in headers)
    assert any(h != h.upper() for h in headers)

    text = "\n".join(cells)
    # Damaged identity numbers.
    assert re.search(r"^3\.\d{1,5}E\+15$", text, re.M), "scientific NIK"
    assert re.search(r"^'35\d{14}$", text, re.M), "leading quote"
    assert re.search(r"^35\d{14}\.0$", text, re.M), "trailing .0"
    assert re.search(r"^\d{4} \d{4} \d{4} \d{4}$", text, re.M), "spaced NIK"
    assert re.search(r"^\d{6}-\d{6}-\d{4}$", text, re.M), "dashed NIK"
    # Dates in every written form, and an impossible one.
    for pattern in (
        r"^\d\d-\d\d-\d{4}$",
        r"^\d\d/\d\d/\d{4}$",
        r"^\d{4}-\d\d-\d\d$",
        r"^\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) \d{4}$",
        r"^\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4}$",
        r"^(1[0-9]|[2-4][0-9])\d{3}$",
        r"^3[01]-02-\d{4}$",
    ):
        assert re.search(pattern, text, re.M), pattern
    # Rupiah spellings.
    for pattern in (
        r"^Rp \d{1,3}(\.\d{3})+$",
        r"^Rp\d{1,3}(\.\d{3})+,00$",
        r"^Rp\. \d{1,3}(\.\d{3})+$",
        r"^\d{1,3}(\.\d{3})+$",
    ):
        assert re.search(pattern, text, re.M), pattern
    # Region names with prefixes, a quoted newline in an address, sex and relationship codings.
    assert re.search(r"^(Kec\.|Kecamatan|KEC\.|KECAMATAN) ", text, re.M)
    assert re.search(r"^(Ds\.|Desa|DS\.|DESA) ", text, re.M)
    assert re.search(r"^(Kel\.|Kelurahan|KEL\.|KELURAHAN) ", text, re.M)
    assert any("\n" in c for c in cells)
    for value in (
        "L",
        "P",
        "LAKI-LAKI",
        "PEREMPUAN",
        "KEPALA KELUARGA",
        "ISTRI",
        "ANAK",
        "MENINGGAL",
        "GRADUASI",
        "BADAN HUKUM",
        "OPERASIONAL",
        "MUSDESUS",
    ):
        assert value in cells, value
    assert re.search(r"^35\.09\.\d\d\.\d{4}$", text, re.M) and re.search(r"^3509\d{6}$", text, re.M)
    # Non-ASCII characters (encoding matters).
    assert "’" in text and "é" in text.lower()


def test_xlsx_workbooks_and_deliveries(tiny):
    raw = tiny / "raw"
    workbooks = [p for p in all_files(raw) if p.suffix == ".xlsx" and not p.name.startswith("~$")]
    assert {p.relative_to(raw).parts[0] for p in workbooks} >= {"dtks", "pkh"}
    multi = [p for p in workbooks if len(xlsx_sheets(p)) > 3]
    assert multi, "a multi-sheet workbook (one sheet per desa)"
    sheets = xlsx_sheets(multi[0])
    headerless = [name for name, rows in sheets.items() if header_index(rows, "dtks") is None]
    assert headerless == ["KETERANGAN"]
    numeric_nik = [
        c
        for rows in sheets.values()
        for row in rows
        for c in row
        if isinstance(c, float) and 3.5e15 < c < 3.6e15
    ]
    assert numeric_nik, "NIK stored as a number cell"
    assert any(p.name.startswith("~$") for p in all_files(raw)), "an editor lock file"
    # The same file delivered twice: same bytes under another path.
    by_bytes = Counter(p.read_bytes() for p in all_files(raw / "dtks"))
    assert max(by_bytes.values()) == 2
    by_bytes = Counter(p.read_bytes() for p in all_files(raw / "pkh"))
    assert max(by_bytes.values()) == 2


def test_truth_rows_match_the_files(tiny):
    raw = tiny / "raw"
    truth = pd.read_parquet(tiny / "truth" / "rows.parquet")
    persons = pd.read_parquet(tiny / "truth" / "persons.parquet").set_index("person_id")
    expected = truth.groupby(["source_path", "sheet"]).size().to_dict()
    found: dict[tuple[str, str], int] = {}
    clean_nik_checked = 0
    for path in all_files(raw):
        rel = path.relative_to(raw).as_posix()
        source = rel.split("/")[0]
        if source not in ("dtks", "pkh") or path.name.startswith("~$"):
            continue
        if path.suffix == ".csv":
            sheets = {"": csv_records(path)[0]}
        else:
            sheets = {
                n: [[("" if c is None else c) for c in r] for r in rows]
                for n, rows in xlsx_sheets(path).items()
            }
        for sheet, records in sheets.items():
            if header_index(records, source) is None:
                continue
            rows = data_records(records, source)
            found[(rel, sheet)] = len(rows)
            # Rows without NIK damage carry exactly the true person's NIK.
            header = [normalise_header(c) for c in records[header_index(records, source)]]
            lookup = header_lookup(SOURCES[source][0])
            nik_col = next(
                i for i, h in enumerate(header) if lookup.get(h) in ("nik", "nik_pengurus")
            )
            mine = truth[(truth["source_path"] == rel) & (truth["sheet"] == sheet)].sort_values(
                "row_number"
            )
            assert mine["row_number"].tolist() == list(range(1, len(rows) + 1))
            for row, (_, t) in zip(rows, mine.iterrows()):
                if "nik" not in t["damage"] and not t["should_reject"]:
                    assert str(row[nik_col]) == persons.loc[t["person_id"], "nik"], (
                        rel,
                        sheet,
                        t["row_number"],
                    )
                    clean_nik_checked += 1
    assert found == expected
    assert clean_nik_checked > 1000
    assert truth["should_reject"].sum() >= 2
    assert truth["kode_desa"].str.fullmatch(r"35\.09\.\d\d\.\d{4}").all()


def test_clean_niks_follow_the_dukcapil_structure(tiny):
    persons = pd.read_parquet(tiny / "truth" / "persons.parquet")
    families = pd.read_parquet(tiny / "truth" / "families.parquet").set_index("family_id")
    assert persons["nik"].is_unique
    nik = persons["nik"]
    assert nik.str.fullmatch(r"\d{16}").all()
    assert (nik.str[12:] != "0000").all()
    birth = pd.to_datetime(persons["tanggal_lahir"])
    day = birth.dt.day + np.where(persons["jenis_kelamin"] == "P", 40, 0)
    assert (nik.str[6:8].astype(int) == day).all()
    assert (nik.str[8:10].astype(int) == birth.dt.month).all()
    assert (nik.str[10:12].astype(int) == birth.dt.year % 100).all()
    local = ~persons["is_moved_in"]
    home = (
        families.loc[persons["original_family_id"], "kode_desa"]
        .str.replace(".", "")
        .str[:6]
        .to_numpy()
    )
    assert (nik[local].str[:6].to_numpy() == home[local.to_numpy()]).all()
    assert (
        persons["is_moved_in"].any()
        and not nik[persons["is_moved_in"]].str.startswith("3509").all()
    )
    # Twins and default birth dates: NIKs one serial apart are two real people.
    prefix_counts = nik.str[:12].value_counts()
    assert (prefix_counts >= 2).any()
    assert families["no_kk"].str.fullmatch(r"3509\d{12}").all() and families["no_kk"].is_unique


def test_family_structure_is_plausible(tiny):
    persons = pd.read_parquet(tiny / "truth" / "persons.parquet")
    spouses = persons[persons["hubungan"] == 2].merge(
        persons[persons["hubungan"] == 1][["original_family_id", "jenis_kelamin"]],
        on="original_family_id",
        suffixes=("", "_head"),
    )
    assert (spouses["jenis_kelamin"] != spouses["jenis_kelamin_head"]).all()
    assert (
        persons.groupby("original_family_id")["hubungan"].apply(lambda s: (s == 1).sum()) == 1
    ).all()
    top_names = persons["nama"].value_counts()
    assert top_names.iloc[0] > 10 * top_names.iloc[-1]  # a few very common names, long tail


def test_pkh_components_and_planted_cases(tiny):
    persons = pd.read_parquet(tiny / "truth" / "persons.parquet")
    families = pd.read_parquet(tiny / "truth" / "families.parquet")
    planted = pd.read_parquet(tiny / "truth" / "planted_cases.parquet")
    assert set(planted["kind"]) == {
        "inclusion",
        "exclusion",
        "duplicate_aid",
        "deceased_recipient",
        "component_mismatch",
    }
    # True counts recomputed from members, ages on 1 January 2025.
    birth = pd.to_datetime(persons["tanggal_lahir"])
    ref = pd.Timestamp("2025-01-01")
    age = (
        ref.year
        - birth.dt.year
        - ((birth.dt.month > 1) | ((birth.dt.month == 1) & (birth.dt.day > 1))).astype(int)
    )
    # Planted deceased recipients died after the counts were made (they may count as LANSIA).
    died_later = persons["person_id"].isin(
        planted.loc[planted["kind"] == "deceased_recipient", "person_id"]
    )
    alive = ~persons["is_deceased"] | died_later
    lansia = persons[alive & (age >= 70) & ~persons["hamil"] & ~persons["disabilitas"]]
    counts = lansia.groupby("original_family_id").size()
    pkh_fams = families[families["id_pkh"] != ""].set_index("family_id")
    assert len(pkh_fams) > 100
    assert (pkh_fams["lansia"] == counts.reindex(pkh_fams.index).fillna(0).astype(int)).all()
    amounts = {
        "bumil": 3_000_000,
        "aud": 3_000_000,
        "disabilitas": 2_400_000,
        "lansia": 2_400_000,
        "sma": 2_000_000,
        "smp": 1_500_000,
        "sd": 900_000,
    }
    for _, fam in pkh_fams.iterrows():
        members = sorted((a for c, a in amounts.items() for _ in range(int(fam[c]))), reverse=True)
        assert fam["yearly_amount_true"] == sum(members[:4])


# --- duplicates inside one file, variant kinds and lookalikes (issue 12) -----------------

VARIANT_KINDS = (
    "nik_typo",
    "nik_transposed",
    "nik_scientific",
    "nik_short",
    "nik_long",
    "birth_date_typo",
    "birth_date_day_month_swap",
    "birth_date_year_off",
    "name_typo",
    "name_initial",
    "name_variant",
)
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        (
            "JANUARI",
            "FEBRUARI",
            "MARET",
            "APRIL",
            "MEI",
            "JUNI",
            "JULI",
            "AGUSTUS",
            "SEPTEMBER",
            "OKTOBER",
            "NOVEMBER",
            "DESEMBER",
        )
    )
}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["AGU"] = 8


def parse_date(cell: object) -> dt.date | None:
    """The contract's date forms, as simply as a test can read them; None if not a date."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = str(cell).strip()
    try:
        if re.fullmatch(r"\d{4,5}(\.0)?", text):
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(text)))
        if m := re.fullmatch(r"(\d\d)[-/](\d\d)[-/](\d{4})", text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2}) (\w+) (\d{4})", text):
            return dt.date(int(m[3]), MONTHS[m[2].upper()], int(m[1]))
    except (ValueError, KeyError):
        return None
    return None


@pytest.fixture(scope="module")
def dtks_rows(tiny) -> pd.DataFrame:
    """Every DTKS data row read back from the files, by canonical column, beside its truth row."""
    raw = tiny / "raw"
    lookup = header_lookup(SOURCES["dtks"][0])
    read = []
    for path in all_files(raw / "dtks"):
        if path.name.startswith("~$"):
            continue
        rel = path.relative_to(raw).as_posix()
        if path.suffix == ".csv":
            sheets = {"": csv_records(path)[0]}
        else:
            sheets = {
                n: [[("" if c is None else c) for c in r] for r in rows]
                for n, rows in xlsx_sheets(path).items()
            }
        for sheet, records in sheets.items():
            start = header_index(records, "dtks")
            if start is None:
                continue
            columns = [lookup.get(normalise_header(c)) for c in records[start]]
            for number, record in enumerate(data_records(records, "dtks"), start=1):
                cells = {c: v for c, v in zip(columns, record) if c}
                read.append(
                    {
                        "source_path": rel,
                        "sheet": sheet,
                        "row_number": number,
                        "nik_cell": cells["nik"],
                        "no_kk_cell": cells["no_kk"],
                        "nama_cell": cells["nama"],
                        "lahir_cell": cells["tanggal_lahir"],
                    }
                )
    truth = pd.read_parquet(tiny / "truth" / "rows.parquet").query("source == 'dtks'")
    rows = truth.merge(
        pd.DataFrame(read), on=["source_path", "sheet", "row_number"], how="left", validate="1:1"
    )
    assert rows["nik_cell"].notna().all()
    rows["tags"] = rows["damage"].str.split(",").apply(set)
    return rows


def tagged(rows: pd.DataFrame, *tags: str) -> pd.DataFrame:
    return rows[rows["tags"].apply(lambda t: set(tags) <= t)]


def test_every_duplicate_and_variant_kind_appears_with_its_tag(dtks_rows):
    in_file = dtks_rows[dtks_rows["tags"].apply(lambda t: "in_file_duplicate" in t)]
    cross_file = dtks_rows[
        dtks_rows["tags"].apply(lambda t: "duplicate_person" in t and "in_file_duplicate" not in t)
    ]
    for kind in (
        *VARIANT_KINDS,
        "person_entered_twice",
        "family_block_copy",
        "family_shuffled",
        "no_kk_typo",
        "family_member_missing",
    ):
        assert len(tagged(in_file, kind)), f"in-file {kind}"
    for kind in (*VARIANT_KINDS, "moved_kecamatan", "family_split", "kk_reissue"):
        assert len(tagged(cross_file, kind)), f"cross-file {kind}"
    assert len(tagged(dtks_rows, "nik_of_family_member"))
    # In-file copies are a visible share of the April rows, not a flood.
    april = dtks_rows[dtks_rows["source_path"].str.startswith("dtks/2025-04/")]
    assert 0.005 < april["tags"].apply(lambda t: "in_file_duplicate" in t).mean() < 0.06


def test_in_file_copies_sit_below_their_original_in_the_same_file(dtks_rows):
    copies = tagged(dtks_rows, "in_file_duplicate")
    originals = dtks_rows[
        dtks_rows["tags"].apply(lambda t: "in_file_duplicate" not in t)
        & ~dtks_rows["should_reject"]
    ]
    first = originals.groupby(["source_path", "sheet", "person_id"])["row_number"].min()
    key = pd.MultiIndex.from_frame(copies[["source_path", "sheet", "person_id"]])
    assert key.isin(first.index).all(), "every copy has its original in the same file and sheet"
    assert (copies["row_number"].to_numpy() > first.loc[key].to_numpy()).all()
    # A pasted block is the whole family, or the family less one member.
    blocks = tagged(copies, "family_block_copy").groupby(["source_path", "sheet", "family_id"])
    family_size = originals.groupby(["source_path", "sheet", "family_id"]).size()
    for (path, sheet, family), block in blocks:
        missing = block["tags"].apply(lambda t: "family_member_missing" in t).all()
        assert len(block) == family_size[(path, sheet, family)] - (1 if missing else 0), (
            path,
            family,
        )
    # Cross-file re-listings are in another file than the person's April row.
    cross = dtks_rows[
        dtks_rows["tags"].apply(lambda t: "duplicate_person" in t and "in_file_duplicate" not in t)
    ]
    april = originals[originals["source_path"].str.startswith("dtks/2025-04/")]
    assert cross["person_id"].isin(april["person_id"]).all()
    assert not cross["source_path"].str.startswith("dtks/2025-04/").any()


def test_variants_are_really_typed_into_the_copies(dtks_rows, tiny):
    persons = pd.read_parquet(tiny / "truth" / "persons.parquet").set_index("person_id")
    families = pd.read_parquet(tiny / "truth" / "families.parquet").set_index("family_id")
    rows = dtks_rows.join(persons[["nik", "nama", "tanggal_lahir", "hubungan"]], on="person_id")
    head_nik = persons[persons["hubungan"] == 1].set_index("original_family_id")["nik"]
    assert (tagged(rows, "nik_of_family_member")["hubungan"] != 1).all()
    # NIK kinds, on rows whose NIK cell got no other damage when the file was written.
    for kind in (
        "nik_typo",
        "nik_transposed",
        "nik_short",
        "nik_long",
        "nik_scientific",
        "nik_of_family_member",
    ):
        mine = tagged(rows, kind)
        mine = mine[mine["tags"].apply(lambda t: len([x for x in t if x.startswith("nik_")]) == 1)]
        assert len(mine), kind
        for cell, nik, family in zip(mine["nik_cell"].astype(str), mine["nik"], mine["family_id"]):
            if kind == "nik_typo":
                assert len(cell) == 16 and sum(a != b for a, b in zip(cell, nik)) == 1
            elif kind == "nik_transposed":
                wrong = [i for i in range(16) if cell[i] != nik[i]]
                assert (
                    len(wrong) == 2 and wrong[1] == wrong[0] + 1 and cell[wrong[0]] == nik[wrong[1]]
                )
            elif kind == "nik_short":
                assert len(cell) == 15 and cell.isdigit()
            elif kind == "nik_long":
                assert len(cell) == 17 and cell.isdigit()
            elif kind == "nik_scientific":
                assert re.fullmatch(r"3\.\d{1,5}E\+15", cell) and abs(float(cell) - int(nik)) < 1e10
            else:  # two persons, one NIK: the head's
                assert cell != nik and cell == head_nik[family]
    # Birth-date kinds.
    for kind in ("birth_date_typo", "birth_date_day_month_swap", "birth_date_year_off"):
        mine = tagged(rows, kind)
        checked = 0
        for cell, true in zip(mine["lahir_cell"], mine["tanggal_lahir"]):
            typed = parse_date(cell)
            if typed is None:
                continue
            checked += 1
            assert typed != true
            if kind == "birth_date_typo":
                assert (typed.year, typed.month) == (true.year, true.month)
            elif kind == "birth_date_day_month_swap":
                assert (typed.day, typed.month, typed.year) == (true.month, true.day, true.year)
            else:
                assert abs(typed.year - true.year) == 1 and typed.month == true.month
        assert checked, kind
    # Name kinds (cells may be in title or lower case).
    for kind in ("name_typo", "name_initial", "name_variant"):
        mine = tagged(rows, kind)
        assert len(mine), kind
        for cell, name in zip(mine["nama_cell"].str.upper(), mine["nama"]):
            assert cell != name
            if kind == "name_initial":
                assert re.fullmatch(r"[A-Z]\. .+", cell) and cell[3:] == name.split(" ", 1)[1]
            if kind == "name_typo":
                assert abs(len(cell) - len(name)) <= 1
    # A pasted block with a NO_KK typo: one digit off the family's card, the same on each member.
    typo = tagged(rows, "family_block_copy", "no_kk_typo")
    typo = typo[typo["tags"].apply(lambda t: len([x for x in t if x.startswith("no_kk_")]) == 1)]
    assert len(typo)
    for cell, family in zip(typo["no_kk_cell"].astype(str), typo["family_id"]):
        assert (
            len(cell) == 16
            and sum(a != b for a, b in zip(cell, families.loc[family, "no_kk"])) == 1
        )
    # A re-issued card: the same family and persons, another NO_KK.
    reissue = tagged(rows, "kk_reissue")
    clean = reissue[reissue["tags"].apply(lambda t: not any(x.startswith("no_kk_") for x in t))]
    assert (
        len(clean)
        and (
            clean["no_kk_cell"].astype(str).to_numpy()
            != families.loc[clean["family_id"], "no_kk"].to_numpy()
        ).all()
    )
    assert clean.groupby("family_id")["no_kk_cell"].nunique().eq(1).all()


def test_lookalikes_are_real_distinct_people_in_the_files(tiny, dtks_rows):
    persons = pd.read_parquet(tiny / "truth" / "persons.parquet")
    tags = persons["lookalike"].str.split(",").apply(set)
    listed = persons["person_id"].isin(dtks_rows["person_id"])
    for kind in ("twin", "default_birth_date", "near_name_sibling"):
        assert (tags.apply(lambda t: kind in t) & listed).any(), kind  # noqa: B023 (called at once)
    twins = persons[tags.apply(lambda t: "twin" in t)]
    for _, pair in twins.groupby(["original_family_id", "tanggal_lahir"]):
        assert len(pair) >= 2 and pair["nik"].is_unique
    near = persons[tags.apply(lambda t: "near_name_sibling" in t)]
    first_word = near["nama"].str.split(" ").str[0]
    assert (near.assign(w=first_word).groupby(["original_family_id", "w"]).size() >= 2).any()
    assert near.groupby("original_family_id")["nama"].apply(lambda s: s.is_unique).all()
    default = persons[tags.apply(lambda t: "default_birth_date" in t)]
    dates = pd.to_datetime(default["tanggal_lahir"])
    assert (
        ((dates.dt.month == 7) & (dates.dt.day == 1))
        | ((dates.dt.month == 12) & (dates.dt.day == 31))
    ).all()
