"""DTKS rows: the true records of a chunk, the later update delivery, and their rendering.

`Records` is one row per data row to write, with clean typed values and the truth columns
(person_id, family_id, kode_desa, damage, should_reject). `render` turns records into the
cells of one file in one `FileStyle`, damaging values and tagging each damage.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from dagster_project.ingestion.contract import DTKS

from . import formats as f
from .names import spelling_variant
from .population import CHILD, FAMILI_LAIN, HEAD, Chunk, make_identity_numbers

UPDATE_DATE_RANGE = (np.datetime64("2023-01-02"), np.datetime64("2025-03-28"))
LATER_UPDATE_RANGE = (np.datetime64("2025-06-01"), np.datetime64("2025-09-30"))


def _dates_between(
    rng: np.random.Generator, n: int, span: tuple[np.datetime64, np.datetime64]
) -> np.ndarray:
    days = int((span[1] - span[0]).astype(np.int64))
    return span[0] + rng.integers(0, days, n).astype("timedelta64[D]")


def base_records(rng: np.random.Generator, chunk: Chunk, wilayah: pd.DataFrame) -> pd.DataFrame:
    """One record per person of the chunk's families that the registry holds."""
    per, fam = chunk.persons, chunk.families
    keep = fam["in_dtks"].to_numpy()[per["fam_pos"].to_numpy()]
    rec = per[keep].reset_index(drop=True)
    fam_rows = rec["fam_pos"].to_numpy()
    for col in ("no_kk", "alamat", "rt", "rw", "desil"):
        rec[col] = fam[col].to_numpy()[fam_rows]
    rec["id_dtks"] = [
        f"{chunk.region6}{chunk.part:02d}{p % 10_000_000:07d}" for p in rec["person_id"].tolist()
    ]
    rec.loc[rng.random(len(rec)) < 0.03, "id_dtks"] = ""
    rec["status_padan"] = rng.choice(
        ["PADAN", "TIDAK PADAN", ""], size=len(rec), p=[0.9, 0.06, 0.04]
    )
    rec["tanggal_update"] = _dates_between(rng, len(rec), UPDATE_DATE_RANGE)
    rec["damage"] = ""
    rec["should_reject"] = False
    return _with_region(rec, wilayah)


def _with_region(rec: pd.DataFrame, wilayah: pd.DataFrame) -> pd.DataFrame:
    w = wilayah.set_index("kode_desa").loc[rec["kode_desa"].to_numpy()]
    rec["nama_desa"] = w["nama_desa"].to_numpy()
    rec["nama_kecamatan"] = w["nama_kecamatan"].to_numpy()
    rec["is_kelurahan"] = (w["jenis"] == "KELURAHAN").to_numpy()
    return rec


def update_records(
    rng: np.random.Generator,
    chunk: Chunk,
    base: pd.DataFrame,
    wilayah: pd.DataFrame,
    id_base: int,
    kecamatan_in_scope: list[str],
    extra_rng: np.random.Generator,
    rotation: KindRotation,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the later update delivery, and the new families it creates.

    Movers (a person now in a village of another kecamatan, on a new NO_KK), split families
    (an adult child on a new NO_KK as KEPALA KELUARGA), a person listed again with a NIK one
    digit wrong, a person listed again with the name spelled another way, persons listed
    again with another variant kind (from `rotation`), and whole families listed again on a
    re-issued NO_KK. `extra_rng` draws the last two, so the older kinds keep their draws.
    """
    alive = base["is_deceased"].to_numpy() == False  # noqa: E712 (numpy bool array)
    adult = base["age_at_snapshot"].to_numpy() >= 20
    role = base["hubungan"].to_numpy()
    pool = np.flatnonzero(alive & adult & (role != HEAD))
    pool = rng.permutation(pool)
    n = len(base)
    n_move, n_split = max(1, int(n * 0.003)), max(1, int(n * 0.004))
    movers = np.sort(pool[:n_move])
    splits = np.sort(pool[n_move:][role[pool[n_move:]] == CHILD][:n_split])
    rest = rng.permutation(np.setdiff1d(np.arange(n), np.concatenate([movers, splits])))
    n_dup = max(1, int(n * 0.002))
    typos, variants = np.sort(rest[:n_dup]), np.sort(rest[n_dup : 2 * n_dup])

    # Movers go to another kecamatan the run covers, so they appear in two kecamatan files.
    destination = wilayah["kode_kecamatan"].isin(kecamatan_in_scope) & (
        wilayah["kode_kecamatan"] != chunk.kode_kecamatan
    )
    if not destination.any():
        destination = wilayah["kode_kecamatan"] != chunk.kode_kecamatan
    other_villages = wilayah[destination]["kode_desa"].to_numpy()
    moved = base.iloc[movers].copy()
    moved["kode_desa"] = other_villages[rng.integers(0, len(other_villages), len(moved))]
    moved["hubungan"] = np.where(rng.random(len(moved)) < 0.5, HEAD, FAMILI_LAIN)
    moved["damage"] = "moved_kecamatan,duplicate_person"
    split = base.iloc[splits].copy()
    split["hubungan"] = HEAD
    split["damage"] = "family_split,duplicate_person"
    new_fams = pd.concat([moved, split], ignore_index=True)
    reg = _dates_between(
        rng, len(new_fams), (np.datetime64("2025-01-02"), np.datetime64("2025-09-30"))
    )
    new_fams["no_kk"] = make_identity_numbers(
        np.full(len(new_fams), chunk.region6, dtype=object),
        reg,
        np.zeros(len(new_fams), bool),
        np.full(len(new_fams), chunk.part * 400),
    )
    new_ids = id_base + np.arange(len(new_fams))
    families = pd.DataFrame(
        {
            "family_id": new_ids,
            "no_kk": new_fams["no_kk"].to_numpy(),
            "kk_registered_date": reg,
            "kode_desa": new_fams["kode_desa"].to_numpy(),
            "desil": new_fams["desil"].to_numpy(),
            "rt": new_fams["rt"].to_numpy(),
            "rw": new_fams["rw"].to_numpy(),
            "alamat": new_fams["alamat"].to_numpy(),
            "n_members": 1,
            "head_person_id": new_fams["person_id"].to_numpy(),
            "split_from_family_id": new_fams["family_id"].to_numpy(),
            "in_dtks": True,
        }
    )
    new_fams["family_id"] = new_ids

    typo = base.iloc[typos].copy()
    typo["nik"] = [
        f.typo_digit(v, int(p), int(d))
        for v, p, d in zip(
            typo["nik"].tolist(), rng.integers(12, 16, len(typo)), rng.integers(1, 10, len(typo))
        )
    ]
    typo["damage"] = "nik_typo,duplicate_person"
    variant = base.iloc[variants].copy()
    variant["nama"] = [spelling_variant(v) for v in variant["nama"].tolist()]
    variant["damage"] = "name_variant,duplicate_person"

    # Listed again with another variant kind: cross-file pairs for every kind an in-file copy
    # can carry, so a benchmark can compare recall on same-file and cross-file pairs.
    spare = rest[2 * n_dup :]
    others = (
        base.iloc[np.sort(spare[: max(MIN_CROSS_FILE_VARIANTS, n_dup)])]
        .copy()
        .reset_index(drop=True)
    )
    others["damage"] = "duplicate_person"
    add_variants(extra_rng, others, np.arange(len(others)), rotation)

    # KK re-issue: the same family, same village, listed again on a new card number (lost
    # card, or a new card after a birth or a correction). Families with a mover or a
    # split-off child are left out: their members now belong to another family.
    fam = base["fam_pos"].to_numpy()
    changed = np.unique(fam[np.concatenate([movers, splits])])
    pool = np.setdiff1d(np.unique(fam), changed)
    count = min(len(pool), max(1, int(extra_rng.binomial(len(pool), KK_REISSUE_RATE))))
    reissued = np.sort(extra_rng.choice(pool, size=count, replace=False))
    # The dead are not written on a new card.
    reissue = base[np.isin(fam, reissued) & alive].copy().reset_index(drop=True)
    reg = _dates_between(
        extra_rng, len(reissued), (np.datetime64("2025-01-02"), np.datetime64("2025-09-30"))
    )
    # Serials from 200 up, apart from the new families' cards above (same region and year).
    new_kk = make_identity_numbers(
        np.full(len(reissued), chunk.region6, dtype=object),
        reg,
        np.zeros(len(reissued), bool),
        np.full(len(reissued), chunk.part * 400 + 200),
    )
    reissue["no_kk"] = (
        pd.Series(new_kk, index=reissued).loc[reissue["fam_pos"].to_numpy()].to_numpy()
    )
    reissue["damage"] = "kk_reissue,duplicate_person"

    updates = pd.concat([new_fams, typo, variant, others, reissue], ignore_index=True)
    updates["tanggal_update"] = _dates_between(rng, len(updates), LATER_UPDATE_RANGE)
    updates = updates.drop(columns=["nama_desa", "nama_kecamatan", "is_kelurahan"])
    return _with_region(updates, wilayah), families


def add_reject_rows(rng: np.random.Generator, rec: pd.DataFrame) -> pd.DataFrame:
    """Insert a few rows with nothing identifying (no NIK, NAMA, NO_KK): to be rejected."""
    count = max(1, int(len(rec) * 0.0005))
    source = rng.choice(len(rec), size=count, replace=False)
    rejects = rec.iloc[source].copy()
    rejects["nik"] = ""
    rejects["nama"] = ""
    rejects["no_kk"] = ""
    rejects["damage"] = "no_identifier"
    rejects["should_reject"] = True
    out = pd.concat([rec, rejects], ignore_index=True)
    # Each reject row goes before a random original row.
    positions = np.sort(rng.choice(len(rec), size=count, replace=False))
    order = np.insert(np.arange(len(rec)), positions, np.arange(len(rec), len(out)))
    return out.iloc[order].reset_index(drop=True)


def render(
    rng: np.random.Generator,
    rec: pd.DataFrame,
    style: f.FileStyle,
    xlsx_cells: bool = False,
    numeric_ids: bool = False,
) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Header, column cells and damage tags for one file (or sheet) of DTKS records."""
    n = len(rec)
    damage = f.Damage(n)
    damage.tags = np.array(["," + d if d else "" for d in rec["damage"].tolist()], dtype=object)
    identifying = rec["nama"].to_numpy() != ""
    female = rec["is_female"].to_numpy()

    cells: dict[str, np.ndarray | None] = {}
    cells["id_dtks"] = rec["id_dtks"].to_numpy().astype(object)
    cells["no_kk"] = f.damage_identity(
        rng, rec["no_kk"].to_numpy(), damage, "no_kk", 0.5, identifying
    )
    cells["nik"] = f.damage_identity(rng, rec["nik"].to_numpy(), damage, "nik", 1.0, identifying)
    cells["nama"] = f.apply_case(rng, rec["nama"].to_numpy(), style.name_case)
    cells["jenis_kelamin"] = f.mixed_coded(rng, ~female, f.SEX_CODINGS, style.sex_coding)
    cells["tempat_lahir"] = rec["tempat_lahir"].to_numpy().astype(object)
    birth = rec["tanggal_lahir"].to_numpy()
    forms = f.mixed_forms(rng, n, style.date_form)
    cells["tanggal_lahir"] = f.format_dates(birth, forms)
    if xlsx_cells:
        # Date cells for the file's main form; the hand-typed others stay text or serials.
        main = np.flatnonzero(forms == style.date_form)
        cells["tanggal_lahir"][main] = f.to_excel_date(birth[main])
        serial = np.flatnonzero(forms == 5)
        cells["tanggal_lahir"][serial] = [int(v) for v in cells["tanggal_lahir"][serial].tolist()]
    cells["hubungan_keluarga"] = f.relationship_text(
        rng, rec["hubungan"].to_numpy(), female, style.relationship
    )
    alamat = rec["alamat"].to_numpy().astype(object).copy()
    alamat = np.where(
        rng.random(n) < 0.5,
        alamat + " RT " + rec["rt"].astype(str).to_numpy().astype(object),
        alamat,
    )
    special = f.pick_rows(rng, n, {"newline": 0.004, "delimiter": 0.01})
    alamat[special["newline"]] = alamat[special["newline"]] + "\nJEMBER"
    damage.add(special["newline"], "alamat_newline")
    sep = style.delimiter + " "
    alamat[special["delimiter"]] = (
        alamat[special["delimiter"]] + sep + rec["nama_desa"].to_numpy()[special["delimiter"]]
    )
    damage.add(special["delimiter"], "alamat_delimiter")
    cells["alamat"] = alamat
    for col in ("rt", "rw"):
        values = rec[col].to_numpy()
        if xlsx_cells:
            cells[col] = values.astype(object)
        else:
            padded = np.array([f"{v:03d}" for v in values.tolist()], dtype=object)
            plain = values.astype(str).astype(object)
            cells[col] = np.where((rng.random(n) < 0.9) == style.rt_padded, padded, plain)
    cells["desa"] = f.region_text(
        rng, rec["nama_desa"].to_numpy(), rec["is_kelurahan"].to_numpy(), "desa", style, damage
    )
    cells["kecamatan"] = f.region_text(
        rng, rec["nama_kecamatan"].to_numpy(), None, "kecamatan", style, damage, 0.5
    )
    cells["kode_desa"] = f.kode_desa_text(rec["kode_desa"].to_numpy(), style)
    desil = rec["desil"].to_numpy()
    cells["desil"] = np.where(rng.random(n) < 0.03, "", desil.astype(str)).astype(object)
    if xlsx_cells:
        cells["desil"] = np.array(
            [int(d) if d else "" for d in cells["desil"].tolist()], dtype=object
        )
    cells["status_padan"] = rec["status_padan"].to_numpy().astype(object)
    cells["disabilitas"] = f.mixed_coded(
        rng, rec["disabilitas"].to_numpy(), f.YES_NO_CODINGS, style.yes_no_coding
    )
    cells["hamil"] = f.mixed_coded(
        rng, rec["hamil"].to_numpy(), (("YA", "TIDAK"), ("Ya", "Tidak")), 0
    )
    deceased = rec["is_deceased"].to_numpy()
    cells["status_hidup"] = np.where(
        deceased, "MENINGGAL", np.where(rng.random(n) < 0.85, "HIDUP", "")
    ).astype(object)
    cells["tanggal_update"] = f.format_dates(
        rec["tanggal_update"].to_numpy(), np.full(n, style.date_form)
    )

    # Impossible dates and blank required values, at low rates, on rows that identify someone.
    picked = f.pick_rows(
        rng,
        n,
        {
            "date_impossible": 0.0005,
            "blank_jenis_kelamin": 0.001,
            "blank_tanggal_lahir": 0.001,
            "blank_hubungan_keluarga": 0.001,
            "blank_desa": 0.0005,
        },
        allowed=identifying,
    )
    years = birth[picked["date_impossible"]].astype("datetime64[Y]").astype(np.int64) + 1970
    cells["tanggal_lahir"][picked["date_impossible"]] = [
        f"{d}-02-{y}" for d, y in zip(rng.integers(30, 32, len(years)).tolist(), years.tolist())
    ]
    damage.add(picked["date_impossible"], "date_impossible")
    for kind in (
        "blank_jenis_kelamin",
        "blank_tanggal_lahir",
        "blank_hubungan_keluarga",
        "blank_desa",
    ):
        cells[kind[6:]][picked[kind]] = ""
        damage.add(picked[kind], kind)

    if numeric_ids:
        # A column Excel turned into numbers: 15 significant digits, the 16th reads 0.
        nik = cells["nik"]
        clean = np.array(
            [isinstance(v, str) and len(v) == 16 and v.isdigit() for v in nik.tolist()]
        )
        rows = np.flatnonzero(clean)
        nik[rows] = [int(v[:15] + "0") for v in nik[rows].tolist()]
        damage.add(rows, "nik_numeric_cell")

    header, columns = [], []
    if style.row_number_column:
        header.append("NO")
        columns.append(
            np.arange(1, n + 1).astype(str).astype(object)
            if not xlsx_cells
            else np.arange(1, n + 1).astype(object)
        )
    for column in DTKS.columns:
        values = cells.get(column.name)
        if values is None:
            continue
        header.append(f.header_text(column, DTKS, style, rng))
        columns.append(values)
    return header, columns, damage.result()


# ---------------------------------------------------------------------------------------
# Duplicates inside one file (data ganda) and the variants a copy carries.
#
# Rates and weights are justified in README.md ("Duplicates and variants"); where the field
# gives no figure they are assumptions, said so there.

PERSON_COPY_RATE = 0.005  # persons entered a second time by another operator, per file row
PERSON_COPY_VARIANT_SHARE = 0.6  # of those, typed with a variant (retyped by hand)
FAMILY_COPY_RATE = 0.003  # family blocks pasted twice, per family of the file
FAMILY_COPY_ADJACENT_SHARE = 0.5  # pasted right below the original (else further down)
NIK_OF_FAMILY_MEMBER_RATE = 0.001  # a member listed with another member's NIK
KK_REISSUE_RATE = 0.001  # families re-listed in the update delivery on a re-issued NO_KK
# Minimums per file (in-file copies) and per chunk (cross-file variants), so that even the
# tiny scale (4 files) goes once round each KindRotation cycle and shows every kind.
MIN_PERSON_COPIES, MIN_FAMILY_COPIES, MIN_CROSS_FILE_VARIANTS = 6, 3, 4

# How often each variant kind is drawn, relative to the others (a weighted cycle, see
# KindRotation). Names are retyped wrongly more often than numbers are mistyped.
VARIANT_WEIGHTS = {
    "name_variant": 2,
    "name_typo": 2,
    "name_initial": 1,
    "nik_typo": 1,
    "nik_transposed": 1,
    "nik_scientific": 1,
    "nik_short": 1,
    "nik_long": 1,
    "birth_date_typo": 1,
    "birth_date_day_month_swap": 1,
    "birth_date_year_off": 1,
}
# What a pasted family block looks like (one flavour per block).
FAMILY_COPY_WEIGHTS = {
    "exact": 3,
    "family_shuffled": 2,
    "no_kk_typo": 2,
    "family_member_missing": 1,
    "member_variant": 2,
}


class KindRotation:
    """Hands out kinds from a shuffled, weighted cycle that runs over the whole generation.

    A cycle rather than independent draws: a run with only a few dozen copies (tiny scale)
    still shows every kind, and larger runs get the weights exactly. A kind that does not
    apply to a row (a one-word name has no initial) waits for the next row it applies to:
    the kind used instead swaps places with it in the cycle.
    """

    def __init__(self, rng: np.random.Generator, weights: dict[str, int]):
        items = [kind for kind, weight in weights.items() for _ in range(weight)]
        self.cycle = [items[i] for i in rng.permutation(len(items)).tolist()]
        self.position = 0

    def take(self, applies) -> str | None:
        size = len(self.cycle)
        for step in range(size):
            here, there = self.position, (self.position + step) % size
            if applies(self.cycle[there]):
                self.cycle[here], self.cycle[there] = self.cycle[there], self.cycle[here]
                self.position = (here + 1) % size
                return self.cycle[here]
        return None


def _variant_applies(kind: str, nik: str, birth: dt.date, nama: str) -> bool:
    if kind.startswith("nik_"):
        if not (isinstance(nik, str) and len(nik) == 16 and nik.isdigit()):
            return False
        return kind != "nik_transposed" or any(nik[p] != nik[p + 1] for p in range(6, 15))
    if kind == "birth_date_day_month_swap":
        return birth.day <= 12 and birth.day != birth.month
    if kind == "name_initial":
        words = nama.split(" ")
        return len(words) >= 2 and len(words[0]) >= 3 and not words[0].endswith(".")
    if kind == "name_typo":
        return len(nama) >= 4
    return True


def _apply_variant(
    rng: np.random.Generator, kind: str, nik: str, birth: dt.date, nama: str
) -> tuple[str, dt.date, str]:
    """One row's NIK, birth date and name with the variant `kind` typed into it."""
    if kind == "nik_typo":  # a digit of the date or serial part wrong
        nik = f.typo_digit(nik, int(rng.integers(6, 16)), int(rng.integers(1, 10)))
    elif kind == "nik_transposed":
        p = int(rng.choice([p for p in range(6, 15) if nik[p] != nik[p + 1]]))
        nik = nik[:p] + nik[p + 1] + nik[p] + nik[p + 2 :]
    elif kind == "nik_scientific":
        nik = f.scientific(nik)
    elif kind == "nik_short":
        cut = int(rng.integers(6, 16))
        nik = nik[:cut] + nik[cut + 1 :]
    elif kind == "nik_long":
        p = int(rng.integers(6, 16))
        nik = nik[:p] + nik[p] + nik[p:]
    elif kind == "birth_date_typo":  # the units digit of the day typed wrong
        day = birth.day
        candidates = [
            d for d in range(day // 10 * 10, day // 10 * 10 + 10) if d != day and 1 <= d <= 28
        ]
        birth = birth.replace(
            day=int(rng.choice(candidates)) if candidates else (day - 1 if day > 1 else 2)
        )
    elif kind == "birth_date_day_month_swap":
        birth = birth.replace(day=birth.month, month=birth.day)
    elif kind == "birth_date_year_off":
        year = birth.year + (1 if rng.random() < 0.5 else -1)
        birth = birth.replace(year=year, day=min(birth.day, 28) if birth.month == 2 else birth.day)
    elif kind == "name_typo":
        nama = f.misspell(nama, int(rng.integers(0, 20)), int(rng.integers(0, 3)))
    elif kind == "name_initial":  # MUHAMMAD RIZKY -> M. RIZKY
        first, rest = nama.split(" ", 1)
        nama = f"{first[0]}. {rest}"
    else:  # name_variant
        nama = spelling_variant(nama)
    return nik, birth, nama


def add_variants(
    rng: np.random.Generator, rec: pd.DataFrame, rows: np.ndarray, rotation: KindRotation
) -> None:
    """Type one variant from `rotation` into each of `rows` (positions) of rec, in place, tagged."""
    if not len(rows):
        return
    nik, nama = rec["nik"].to_numpy().copy(), rec["nama"].to_numpy().copy()
    birth, damage = rec["tanggal_lahir"].to_numpy().copy(), rec["damage"].to_numpy().copy()
    for i in rows.tolist():
        born = birth[i].astype("datetime64[D]").item()
        kind = rotation.take(lambda k: _variant_applies(k, nik[i], born, nama[i]))  # noqa: B023 (called at once)
        if kind is None:
            continue
        nik[i], born, nama[i] = _apply_variant(rng, kind, nik[i], born, nama[i])
        birth[i] = np.datetime64(born)
        damage[i] = (damage[i] + "," if damage[i] else "") + kind
    rec["nik"], rec["nama"], rec["tanggal_lahir"], rec["damage"] = nik, nama, birth, damage


def _tag(rec: pd.DataFrame, tags: str) -> None:
    rec["damage"] = [(d + "," if d else "") + tags for d in rec["damage"].tolist()]


def nik_of_family_member(rng: np.random.Generator, rec: pd.DataFrame) -> pd.DataFrame:
    """A few members listed with the NIK of their head of family: two persons, one NIK.

    Such rows must not merge the two persons: the name, birth date and sex disagree.
    """
    rec = rec.copy(deep=False)  # columns are replaced whole below; `rec` itself stays as it was
    role = rec["hubungan"].to_numpy()
    fam = rec["fam_pos"].to_numpy()
    head_row = pd.Series(np.arange(len(rec))[role == HEAD], index=fam[role == HEAD])
    pool = np.flatnonzero((role != HEAD) & np.isin(fam, head_row.index.to_numpy()))
    count = min(len(pool), max(1, int(rng.binomial(len(pool), NIK_OF_FAMILY_MEMBER_RATE))))
    rows = np.sort(rng.choice(pool, size=count, replace=False))
    nik = rec["nik"].to_numpy().copy()
    nik[rows] = nik[head_row.loc[fam[rows]].to_numpy()]
    rec["nik"] = nik
    damage = rec["damage"].to_numpy().copy()
    damage[rows] = [(d + "," if d else "") + "nik_of_family_member" for d in damage[rows].tolist()]
    rec["damage"] = damage
    return rec


def add_in_file_duplicates(
    rng: np.random.Generator,
    rec: pd.DataFrame,
    variants: KindRotation,
    family_flavours: KindRotation,
) -> pd.DataFrame:
    """Data ganda inside one file: persons entered twice, family blocks pasted twice.

    Copies keep the true person_id and family_id of their original and carry
    `in_file_duplicate` (the copy is the later of the two rows in the file) plus
    `person_entered_twice` or `family_block_copy` and the variant kinds typed into them.
    """
    n = len(rec)
    order_key = np.arange(n, dtype=float)
    copies, keys = [], []

    # A person entered again by a second operator: anywhere further down the file, without
    # the registry's ID_DTKS (a new entry) and with a later update date.
    count = min(n, max(MIN_PERSON_COPIES, int(rng.binomial(n, PERSON_COPY_RATE))))
    rows = np.sort(rng.choice(n, size=count, replace=False))
    person = rec.iloc[rows].copy().reset_index(drop=True)
    person["id_dtks"] = ""
    person["tanggal_update"] = _dates_between(rng, len(person), UPDATE_DATE_RANGE)
    _tag(person, "in_file_duplicate,duplicate_person,person_entered_twice")
    retyped = rng.permutation(len(person))[: int(np.ceil(len(person) * PERSON_COPY_VARIANT_SHARE))]
    add_variants(rng, person, np.sort(retyped), variants)
    copies.append(person)
    keys.append(rng.integers(rows, n) + 0.95)  # after the original, never inside a pasted block

    # A family block pasted twice: right below, or further down; one flavour per block.
    # Members of a family are consecutive rows; blocks are built as row positions first.
    fam = rec["fam_pos"].to_numpy()
    families = np.unique(fam)
    count = min(
        len(families), max(MIN_FAMILY_COPIES, int(rng.binomial(len(families), FAMILY_COPY_RATE)))
    )
    chosen = np.sort(rng.choice(families, size=count, replace=False))
    starts, ends = np.searchsorted(fam, chosen), np.searchsorted(fam, chosen, side="right")
    positions, tags, typo_kk, retype_member, block_keys = [], [], [], [], []
    done = 0
    for start, end in zip(starts.tolist(), ends.tolist()):
        members = np.arange(start, end)
        flavour = family_flavours.take(lambda k: k != "family_member_missing" or len(members) >= 2)  # noqa: B023 (called at once)
        if flavour == "family_shuffled":
            members = members[rng.permutation(len(members))]
        elif flavour == "family_member_missing":
            members = np.delete(members, int(rng.integers(1, len(members))))
        extra = "" if flavour in ("exact", "member_variant") else "," + flavour
        tags += ["in_file_duplicate,duplicate_person,family_block_copy" + extra] * len(members)
        typo_kk += [flavour == "no_kk_typo"] * len(members)
        if flavour == "member_variant":
            retype_member.append(done + int(rng.integers(0, len(members))))
        at = end - 1 if rng.random() < FAMILY_COPY_ADJACENT_SHARE else int(rng.integers(end - 1, n))
        block_keys.append(at + 0.5 + np.arange(len(members)) / (len(members) + 1) * 0.4)
        positions.append(members)
        done += len(members)
    if positions:
        block = rec.iloc[np.concatenate(positions)].copy().reset_index(drop=True)
        block["damage"] = [
            (d + "," if d else "") + t for d, t in zip(block["damage"].tolist(), tags)
        ]
        # One typo per block, the same on each member (the card number was typed once).
        first_of_block = np.r_[0, np.cumsum([len(p) for p in positions])[:-1]]
        no_kk = block["no_kk"].to_numpy().copy()
        for first, size in zip(first_of_block.tolist(), [len(p) for p in positions]):
            if typo_kk[first]:
                no_kk[first : first + size] = f.typo_digit(
                    no_kk[first], int(rng.integers(6, 16)), int(rng.integers(1, 10))
                )
        block["no_kk"] = no_kk
        add_variants(rng, block, np.array(retype_member, dtype=np.int64), variants)
        copies.append(block)
        keys.append(np.concatenate(block_keys))

    out = pd.concat([rec, *copies], ignore_index=True)
    key = np.concatenate([order_key, *keys])
    return out.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)
