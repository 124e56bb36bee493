"""DTKS rows: the true records of a chunk, the later update delivery, and their rendering.

`Records` is one row per data row to write, with clean typed values and the truth columns
(person_id, family_id, kode_desa, damage, should_reject). `render` turns records into the
cells of one file in one `FileStyle`, damaging values and tagging each damage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..contract import DTKS
from . import formats as f
from .names import spelling_variant
from .population import CHILD, FAMILI_LAIN, HEAD, Chunk, make_identity_numbers

UPDATE_DATE_RANGE = (np.datetime64("2023-01-02"), np.datetime64("2025-03-28"))
LATER_UPDATE_RANGE = (np.datetime64("2025-06-01"), np.datetime64("2025-09-30"))


def _dates_between(rng: np.random.Generator, n: int, span: tuple[np.datetime64, np.datetime64]) -> np.ndarray:
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
    rec["id_dtks"] = [f"{chunk.region6}{chunk.part:02d}{p % 10_000_000:07d}" for p in rec["person_id"].tolist()]
    rec.loc[rng.random(len(rec)) < 0.03, "id_dtks"] = ""
    rec["status_padan"] = rng.choice(["PADAN", "TIDAK PADAN", ""], size=len(rec), p=[0.9, 0.06, 0.04])
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


def update_records(rng: np.random.Generator, chunk: Chunk, base: pd.DataFrame, wilayah: pd.DataFrame,
                   id_base: int, kecamatan_in_scope: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the later update delivery, and the new families it creates.

    Movers (a person now in a village of another kecamatan, on a new NO_KK), split families
    (an adult child on a new NO_KK as KEPALA KELUARGA), a person listed again with a NIK one
    digit wrong, and a person listed again with the name spelled another way.
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
    typos, variants = np.sort(rest[:n_dup]), np.sort(rest[n_dup:2 * n_dup])

    # Movers go to another kecamatan the run covers, so they appear in two kecamatan files.
    destination = wilayah["kode_kecamatan"].isin(kecamatan_in_scope) & (wilayah["kode_kecamatan"] != chunk.kode_kecamatan)
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
    reg = _dates_between(rng, len(new_fams), (np.datetime64("2025-01-02"), np.datetime64("2025-09-30")))
    new_fams["no_kk"] = make_identity_numbers(
        np.full(len(new_fams), chunk.region6, dtype=object), reg, np.zeros(len(new_fams), bool),
        np.full(len(new_fams), chunk.part * 400),
    )
    new_ids = id_base + np.arange(len(new_fams))
    families = pd.DataFrame({
        "family_id": new_ids, "no_kk": new_fams["no_kk"].to_numpy(), "kk_registered_date": reg,
        "kode_desa": new_fams["kode_desa"].to_numpy(), "desil": new_fams["desil"].to_numpy(),
        "rt": new_fams["rt"].to_numpy(), "rw": new_fams["rw"].to_numpy(), "alamat": new_fams["alamat"].to_numpy(),
        "n_members": 1, "head_person_id": new_fams["person_id"].to_numpy(),
        "split_from_family_id": new_fams["family_id"].to_numpy(), "in_dtks": True,
    })
    new_fams["family_id"] = new_ids

    typo = base.iloc[typos].copy()
    typo["nik"] = [f.typo_digit(v, int(p), int(d)) for v, p, d in
                   zip(typo["nik"].tolist(), rng.integers(12, 16, len(typo)), rng.integers(1, 10, len(typo)))]
    typo["damage"] = "nik_typo,duplicate_person"
    variant = base.iloc[variants].copy()
    variant["nama"] = [spelling_variant(v) for v in variant["nama"].tolist()]
    variant["damage"] = "name_variant,duplicate_person"

    updates = pd.concat([new_fams, typo, variant], ignore_index=True)
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


def render(rng: np.random.Generator, rec: pd.DataFrame, style: f.FileStyle, xlsx_cells: bool = False,
           numeric_ids: bool = False) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Header, column cells and damage tags for one file (or sheet) of DTKS records."""
    n = len(rec)
    damage = f.Damage(n)
    damage.tags = np.array(["," + d if d else "" for d in rec["damage"].tolist()], dtype=object)
    identifying = rec["nama"].to_numpy() != ""
    female = rec["is_female"].to_numpy()

    cells: dict[str, np.ndarray | None] = {}
    cells["id_dtks"] = rec["id_dtks"].to_numpy().astype(object)
    cells["no_kk"] = f.damage_identity(rng, rec["no_kk"].to_numpy(), damage, "no_kk", 0.5, identifying)
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
    cells["hubungan_keluarga"] = f.relationship_text(rng, rec["hubungan"].to_numpy(), female, style.relationship)
    alamat = rec["alamat"].to_numpy().astype(object).copy()
    alamat = np.where(rng.random(n) < 0.5, alamat + " RT " + rec["rt"].astype(str).to_numpy().astype(object), alamat)
    special = f.pick_rows(rng, n, {"newline": 0.004, "delimiter": 0.01})
    alamat[special["newline"]] = alamat[special["newline"]] + "\nJEMBER"
    damage.add(special["newline"], "alamat_newline")
    sep = style.delimiter + " "
    alamat[special["delimiter"]] = alamat[special["delimiter"]] + sep + rec["nama_desa"].to_numpy()[special["delimiter"]]
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
    cells["desa"] = f.region_text(rng, rec["nama_desa"].to_numpy(), rec["is_kelurahan"].to_numpy(), "desa", style, damage)
    cells["kecamatan"] = f.region_text(rng, rec["nama_kecamatan"].to_numpy(), None, "kecamatan", style, damage, 0.5)
    cells["kode_desa"] = f.kode_desa_text(rec["kode_desa"].to_numpy(), style)
    desil = rec["desil"].to_numpy()
    cells["desil"] = np.where(rng.random(n) < 0.03, "", desil.astype(str)).astype(object)
    if xlsx_cells:
        cells["desil"] = np.array([int(d) if d else "" for d in cells["desil"].tolist()], dtype=object)
    cells["status_padan"] = rec["status_padan"].to_numpy().astype(object)
    cells["disabilitas"] = f.mixed_coded(rng, rec["disabilitas"].to_numpy(), f.YES_NO_CODINGS, style.yes_no_coding)
    cells["hamil"] = f.mixed_coded(rng, rec["hamil"].to_numpy(), (("YA", "TIDAK"), ("Ya", "Tidak")), 0)
    deceased = rec["is_deceased"].to_numpy()
    cells["status_hidup"] = np.where(deceased, "MENINGGAL", np.where(rng.random(n) < 0.85, "HIDUP", "")).astype(object)
    cells["tanggal_update"] = f.format_dates(rec["tanggal_update"].to_numpy(), np.full(n, style.date_form))

    # Impossible dates and blank required values, at low rates, on rows that identify someone.
    picked = f.pick_rows(rng, n, {"date_impossible": 0.0005, "blank_jenis_kelamin": 0.001,
                                  "blank_tanggal_lahir": 0.001, "blank_hubungan_keluarga": 0.001,
                                  "blank_desa": 0.0005}, allowed=identifying)
    years = birth[picked["date_impossible"]].astype("datetime64[Y]").astype(np.int64) + 1970
    cells["tanggal_lahir"][picked["date_impossible"]] = [f"{d}-02-{y}" for d, y in zip(rng.integers(30, 32, len(years)).tolist(), years.tolist())]
    damage.add(picked["date_impossible"], "date_impossible")
    for kind in ("blank_jenis_kelamin", "blank_tanggal_lahir", "blank_hubungan_keluarga", "blank_desa"):
        cells[kind[6:]][picked[kind]] = ""
        damage.add(picked[kind], kind)

    if numeric_ids:
        # A column Excel turned into numbers: 15 significant digits, the 16th reads 0.
        nik = cells["nik"]
        clean = np.array([isinstance(v, str) and len(v) == 16 and v.isdigit() for v in nik.tolist()])
        rows = np.flatnonzero(clean)
        nik[rows] = [int(v[:15] + "0") for v in nik[rows].tolist()]
        damage.add(rows, "nik_numeric_cell")

    header, columns = [], []
    if style.row_number_column:
        header.append("NO")
        columns.append(np.arange(1, n + 1).astype(str).astype(object) if not xlsx_cells else np.arange(1, n + 1).astype(object))
    for column in DTKS.columns:
        values = cells.get(column.name)
        if values is None:
            continue
        header.append(f.header_text(column, DTKS, style, rng))
        columns.append(values)
    return header, columns, damage.result()
