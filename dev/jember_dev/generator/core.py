"""generate(): the whole run, chunk by chunk, with the ground truth streamed to Parquet."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import dtks, others, pkh
from . import formats as f
from .population import make_chunk


@dataclass(frozen=True)
class Scale:
    kecamatan: int  # how many kecamatan (of 31) the DTKS/PKH files cover
    persons: int  # about how many true persons
    parts: int  # chunks per kecamatan (bounded memory at province scale)


SCALES = {
    "tiny": Scale(4, 2_000, 1),
    "small": Scale(10, 50_000, 1),
    "jember": Scale(31, 1_000_000, 1),
    "province": Scale(31, 15_000_000, 15),
}
PERSONS_PER_FAMILY = 3.05  # what population.make_chunk produces on average
ID_STRIDE = 10_000_000  # ids of chunk k are k * ID_STRIDE + running number

ROWS_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("source_path", pa.string()),
        ("sheet", pa.string()),
        ("row_number", pa.int64()),
        ("person_id", pa.int64()),
        ("family_id", pa.int64()),
        ("kode_desa", pa.string()),
        ("damage", pa.string()),
        ("should_reject", pa.bool_()),
    ]
)
PERSON_COLUMNS = [
    "person_id",
    "family_id",
    "original_family_id",
    "nik",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "tempat_lahir",
    "hubungan",
    "kode_desa",
    "nik_region",
    "is_moved_in",
    "disabilitas",
    "hamil",
    "is_deceased",
    "in_dtks",
    "lookalike",
]
FAMILY_COLUMNS = [
    "family_id",
    "no_kk",
    "kk_registered_date",
    "kode_desa",
    "desil",
    "n_members",
    "head_person_id",
    "split_from_family_id",
    "in_dtks",
    "id_pkh",
    "status_kpm",
    "bumil",
    "aud",
    "sd",
    "smp",
    "sma",
    "disabilitas",
    "lansia",
    "yearly_amount_true",
]


# The generator builds on the same reference data the pipeline loads: the dbt seeds (their
# sources in dbt/seeds/README.md), read from the repository, never copied.
SEEDS_DIR = Path(__file__).resolve().parents[3] / "dbt" / "seeds"


def load_wilayah() -> pd.DataFrame:
    return pd.read_csv(SEEDS_DIR / "wilayah_jember.csv", dtype=str)


def load_poverty() -> pd.DataFrame:
    return pd.read_csv(SEEDS_DIR / "bps_kemiskinan_jember.csv")


def slug(name: str) -> str:
    return name.lower().replace(" ", "_")


class TruthWriter:
    """Streams truth tables to Parquet so memory stays bounded at province scale."""

    def __init__(self, truth_dir: Path):
        truth_dir.mkdir(parents=True, exist_ok=True)
        self.dir = truth_dir
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.counts: dict[str, int] = {}

    def write(self, name: str, frame: pd.DataFrame, schema: pa.Schema | None = None) -> None:
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        if name not in self.writers:
            self.writers[name] = pq.ParquetWriter(self.dir / f"{name}.parquet", table.schema)
        self.writers[name].write_table(table.cast(self.writers[name].schema))
        self.counts[name] = self.counts.get(name, 0) + len(frame)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def truth_rows(
    source: str, path: str, sheet: str, rec: pd.DataFrame, damage: np.ndarray, first_row: int = 1
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": source,
            "source_path": path,
            "sheet": sheet,
            "row_number": np.arange(first_row, first_row + len(rec), dtype=np.int64),
            "person_id": rec["person_id"].to_numpy(np.int64),
            "family_id": rec["family_id"].to_numpy(np.int64),
            "kode_desa": rec["kode_desa"].to_numpy(),
            "damage": damage,
            "should_reject": rec["should_reject"].to_numpy(bool),
        }
    )


def totals_row(style: f.FileStyle, header: list[str], n: int) -> list[str] | None:
    if not style.totals:
        return None
    # The label goes in the first cell unless a NO column comes first (then the second).
    row = [""] * len(header)
    row[1 if style.row_number_column else 0] = f"{style.totals}"
    row[-1] = str(n)
    return row


def deliver_again(
    raw: Path,
    truth: TruthWriter,
    source: str,
    path: str,
    again: str,
    rec: pd.DataFrame,
    damage: np.ndarray,
    size: int,
) -> tuple[str, str, int, int]:
    """The same CSV file delivered again (same bytes) under another path: the contract says it
    doubles nothing, yet each of its rows is accounted for, so the truth lists them too, with
    `repeated_delivery` added to their damage. Returns the copy's line for the file list."""
    (raw / again).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(raw / path, raw / again)
    again_damage = np.array(
        [(d + "," if d else "") + "repeated_delivery" for d in damage.tolist()], dtype=object
    )
    truth.write("rows", truth_rows(source, again, "", rec, again_damage), ROWS_SCHEMA)
    return (source, again, len(rec), size)


def write_update_delivery(
    seed: int, raw: Path, updates: list[pd.DataFrame], styles: f.StyleRotation, truth: TruthWriter
) -> list[tuple[str, str, int, int]]:
    """The later DTKS delivery: one file per kecamatan where the listed people now live.

    Movers thus appear in two kecamatan files (the April file of the old one, this file of
    the new one). The records are small (about 1% of persons), so they are kept until the end.
    """
    files = []
    everything = pd.concat(updates, ignore_index=True)
    everything["kode_kecamatan"] = everything["kode_desa"].str[:8]
    for i, (_kode_kec, rec) in enumerate(everything.groupby("kode_kecamatan", sort=True)):
        rng = np.random.default_rng([seed, 1_000_000 + i])
        rec = rec.sort_values(["kode_desa", "person_id"], kind="stable").reset_index(drop=True)
        name = rec["nama_kecamatan"].iloc[0]
        path = f"dtks/2025-10/pemutakhiran_dtks_{slug(name)}_oktober_2025.csv"
        style = styles.next()
        header, columns, damage = dtks.render(rng, rec, style)
        size = f.write_csv(
            raw / path,
            header,
            columns,
            style,
            f.title_lines(
                style, f"PEMUTAKHIRAN DTKS KECAMATAN {name.upper()}", "Periode: Oktober 2025"
            ),
            totals_row(style, header, len(rec)),
        )
        truth.write("rows", truth_rows("dtks", path, "", rec, damage), ROWS_SCHEMA)
        files.append(("dtks", path, len(rec), size))
    return files


def village_family_counts(
    rng: np.random.Generator, wilayah: pd.DataFrame, scale: Scale, kecamatan: list[str]
) -> dict[str, np.ndarray]:
    """Families per village per kecamatan: plausible, varied village sizes."""
    in_scope = wilayah[wilayah["kode_kecamatan"].isin(kecamatan)]
    weights = rng.lognormal(0, 0.5, len(in_scope))
    total_families = scale.persons / PERSONS_PER_FAMILY
    counts = np.maximum(3, np.round(weights / weights.sum() * total_families)).astype(np.int64)
    return {k: counts[(in_scope["kode_kecamatan"] == k).to_numpy()] for k in kecamatan}


def generate(out_dir: Path, scale: str, seed: int) -> dict:
    """Write raw/ and truth/ under out_dir; deterministic per seed. Returns a summary.

    Existing out_dir/raw and out_dir/truth are removed first, so no stale file survives
    (a run's output is exactly what this seed makes).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    settings = SCALES[scale]
    raw, truth_dir = out_dir / "raw", out_dir / "truth"
    for folder in (raw, truth_dir):
        if folder.exists():
            shutil.rmtree(folder)
    master = np.random.default_rng(seed)
    wilayah = load_wilayah()
    all_kecamatan = sorted(wilayah["kode_kecamatan"].unique())
    kecamatan = [
        all_kecamatan[i] for i in master.permutation(len(all_kecamatan))[: settings.kecamatan]
    ]
    family_counts = village_family_counts(master, wilayah, settings, kecamatan)
    styles = f.StyleRotation(master)
    # Variant kinds and pasted-family flavours cycle over the whole run (see dtks.KindRotation).
    rotation_rng = np.random.default_rng([seed, 2_000_000])
    # In-file copies and cross-file re-listings get a cycle each, so both show every kind.
    variants = dtks.KindRotation(rotation_rng, dtks.VARIANT_WEIGHTS)
    cross_file_variants = dtks.KindRotation(rotation_rng, dtks.VARIANT_WEIGHTS)
    family_flavours = dtks.KindRotation(rotation_rng, dtks.FAMILY_COPY_WEIGHTS)
    truth = TruthWriter(truth_dir)
    files: list[tuple[str, str, int, int]] = []  # source, path, data rows, bytes
    all_updates: list[pd.DataFrame] = []
    counts = {"persons": 0, "families": 0, "dtks_rows": 0, "pkh_rows": 0}

    chunk_index = 0
    for position, kode_kec in enumerate(kecamatan):
        villages = wilayah[wilayah["kode_kecamatan"] == kode_kec].reset_index(drop=True)
        per_part = np.maximum(1, family_counts[kode_kec] // settings.parts)
        kec_name = villages["nama_kecamatan"].iloc[0]
        for part in range(settings.parts):
            rng = np.random.default_rng([seed, chunk_index])
            id_base = chunk_index * ID_STRIDE
            chunk = make_chunk(rng, chunk_index, part, villages, per_part, id_base)
            plan = pkh.plan_pkh(rng, chunk)
            suffix = f"_bagian{part + 1:02d}" if settings.parts > 1 else ""
            name = slug(kec_name) + suffix

            # --- DTKS main delivery -----------------------------------------------------
            base = dtks.base_records(rng, chunk, wilayah)
            # Duplicates and variants draw from their own stream, so the older kinds of
            # damage keep their draws.
            extra_rng = np.random.default_rng([seed, chunk_index, 1])
            records = dtks.nik_of_family_member(extra_rng, base)
            records = dtks.add_in_file_duplicates(extra_rng, records, variants, family_flavours)
            records = dtks.add_reject_rows(rng, records)
            title = [f"DATA DTKS KECAMATAN {kec_name.upper()}", "Periode: April 2025"]
            if position == 0 and part == 0:
                path = f"dtks/2025-04/{slug(kec_name)}/DTKS_{kec_name.upper().replace(' ', '_')}_APRIL_2025.xlsx"
                files.append(
                    ("dtks",)
                    + write_dtks_workbook(rng, raw, path, records, styles.next(), truth, title)
                )
                # An editor lock file next to it: must be ignored by the reader.
                (raw / path).with_name("~$" + (raw / path).name).write_bytes(
                    b"\x0bDinas Sosial" + b" " * 40
                )
            else:
                folder = f"dtks/2025-04/{slug(kec_name)}/" if position % 3 == 2 else "dtks/2025-04/"
                path = f"{folder}dtks_{name}.csv"
                style = styles.next()
                header, columns, damage = dtks.render(rng, records, style)
                size = f.write_csv(
                    raw / path,
                    header,
                    columns,
                    style,
                    f.title_lines(style, *title),
                    totals_row(style, header, len(records)),
                )
                truth.write("rows", truth_rows("dtks", path, "", records, damage), ROWS_SCHEMA)
                files.append(("dtks", path, len(records), size))
                if position == 1 and part == 0:
                    files.append(
                        deliver_again(
                            raw,
                            truth,
                            "dtks",
                            path,
                            f"dtks/2025-05/dtks_{name}.csv",
                            records,
                            damage,
                            size,
                        )
                    )
            counts["dtks_rows"] += len(records)

            # --- DTKS update delivery ---------------------------------------------------
            updates, new_families = dtks.update_records(
                rng,
                chunk,
                base,
                wilayah,
                id_base + len(chunk.families),
                kecamatan,
                extra_rng,
                cross_file_variants,
            )
            all_updates.append(updates)
            counts["dtks_rows"] += len(updates)

            # --- PKH --------------------------------------------------------------------
            for stage in range(1, 5):
                rec = pkh.add_reject_rows(rng, pkh.stage_records(plan, chunk, wilayah, stage))
                title = [
                    f"DAFTAR KPM PKH TAHAP {stage} TAHUN {pkh.YEAR}",
                    f"KECAMATAN {kec_name.upper()}",
                ]
                style = styles.next()
                if position == 0 and part == 0:
                    path = f"pkh/2025/tahap{stage}/pkh_{name}_tahap{stage}.xlsx"
                    header, columns, damage = pkh.render(rng, rec, style, xlsx_cells=True)
                    rows = [list(r) for r in zip(*[c.tolist() for c in columns])]
                    size = f.write_xlsx(
                        raw / path,
                        [f.Sheet(f"TAHAP {stage}", f.title_lines(style, *title), header, rows)],
                    )
                    sheet = f"TAHAP {stage}"
                else:
                    path = f"pkh/2025/tahap{stage}/pkh_{name}_tahap{stage}.csv"
                    header, columns, damage = pkh.render(rng, rec, style)
                    size = f.write_csv(
                        raw / path,
                        header,
                        columns,
                        style,
                        f.title_lines(style, *title),
                        totals_row(style, header, len(rec)),
                    )
                    sheet = ""
                truth.write("rows", truth_rows("pkh", path, sheet, rec, damage), ROWS_SCHEMA)
                files.append(("pkh", path, len(rec), size))
                counts["pkh_rows"] += len(rec)
                if position == 1 and part == 0 and stage == 2:
                    again = f"pkh/2025/kirim_ulang/pkh_{name}_tahap{stage}.csv"
                    files.append(deliver_again(raw, truth, "pkh", path, again, rec, damage, size))
                    counts["pkh_rows"] += len(rec)

            write_population_truth(truth, chunk, plan, updates, new_families)
            counts["persons"] += len(chunk.persons)
            counts["families"] += len(chunk.families) + len(new_families)
            chunk_index += 1
            del chunk, plan, base, records, updates

    files += write_update_delivery(seed, raw, all_updates, styles, truth)

    bps_files = others.write_bps(master, raw, wilayah, styles, load_poverty())
    files += [("bps",) + item for item in bps_files]
    kop_files, kop_truth = others.write_koperasi(
        master, raw, wilayah, styles, with_xlsx=scale in ("tiny", "small")
    )
    files += [("koperasi",) + item for item in kop_files]
    truth.write("koperasi", kop_truth)
    truth.write(
        "files", pd.DataFrame(files, columns=["source", "source_path", "data_rows", "size_bytes"])
    )
    truth.close()
    (truth_dir / "README.md").write_text(TRUTH_README, encoding="utf-8")

    return {
        "out_dir": str(out_dir),
        "scale": scale,
        "seed": seed,
        "files_written": len(files),
        "rows_per_source": {
            src: int(sum(r for s, _, r, _ in files if s == src))
            for src in ("dtks", "pkh", "bps", "koperasi")
        },
        "persons": counts["persons"],
        "families": counts["families"],
        "bytes": int(sum(b for *_, b in files)),
        "seconds": round(time.perf_counter() - started, 2),
    }


def write_dtks_workbook(
    rng,
    raw: Path,
    path: str,
    records: pd.DataFrame,
    style: f.FileStyle,
    truth: TruthWriter,
    title: list[str],
) -> tuple[str, int, int]:
    """One sheet per desa (the first with NIKs as number cells), plus a notes sheet."""
    sheets = []
    for i, (_kode, rec) in enumerate(records.groupby("kode_desa", sort=True)):
        rec = rec.reset_index(drop=True)
        header, columns, damage = dtks.render(
            rng, rec, style, xlsx_cells=True, numeric_ids=(i == 0)
        )
        name = rec["nama_desa"].iloc[0][:31]
        rows = [list(r) for r in zip(*[c.tolist() for c in columns])]
        totals = totals_row(style, header, len(rows))
        sheets.append(
            f.Sheet(name, f.title_lines(style, *title) if i % 2 == 0 else [], header, rows, totals)
        )
        truth.write("rows", truth_rows("dtks", path, name, rec, damage), ROWS_SCHEMA)
    notes = [
        "Catatan:",
        "Data bersumber dari aplikasi SIKS-NG.",
        "Satu sheet per desa/kelurahan.",
        "Kolom DESIL kosong berarti belum diperingkat.",
    ]
    sheets.append(f.Sheet("KETERANGAN", notes, [], []))
    size = f.write_xlsx(raw / path, sheets)
    return path, len(records), size


def write_population_truth(
    truth: TruthWriter, chunk, plan: pkh.PkhPlan, updates: pd.DataFrame, new_families: pd.DataFrame
) -> None:
    per = chunk.persons.copy()
    fam = chunk.families.copy()
    per["original_family_id"] = per["family_id"]
    # Movers and split-off children now belong to their new family and village.
    moved = new_families.set_index("head_person_id")
    hit = per["person_id"].isin(moved.index).to_numpy()
    per.loc[hit, "family_id"] = moved.loc[per.loc[hit, "person_id"], "family_id"].to_numpy()
    per.loc[hit, "kode_desa"] = moved.loc[per.loc[hit, "person_id"], "kode_desa"].to_numpy()
    per["jenis_kelamin"] = np.where(per["is_female"], "P", "L")
    per["lookalike"] = per["lookalike"].astype(str)
    per["in_dtks"] = fam["in_dtks"].to_numpy()[per["fam_pos"].to_numpy()]
    per["tanggal_lahir"] = per["tanggal_lahir"].astype("datetime64[s]").dt.date
    truth.write("persons", per[PERSON_COLUMNS])

    first_kpm = plan.kpm.drop_duplicates("fam_row").set_index("fam_row")
    fam["id_pkh"] = pd.Series(first_kpm["id_pkh"]).reindex(range(len(fam))).fillna("").to_numpy()
    fam["status_kpm"] = (
        pd.Series(first_kpm["final_status"]).reindex(range(len(fam))).fillna("").to_numpy()
    )
    for c in pkh.COMPONENTS:
        fam[c] = (
            pd.Series(first_kpm[f"true_{c}"])
            .reindex(range(len(fam)))
            .fillna(0)
            .astype(np.int64)
            .to_numpy()
        )
    fam["yearly_amount_true"] = (
        pd.Series(first_kpm["true_yearly_amount"])
        .reindex(range(len(fam)))
        .fillna(0)
        .astype(np.int64)
        .to_numpy()
    )
    fam["split_from_family_id"] = fam["split_from_family_id"].astype("Int64")
    extra = new_families.copy()
    for c in ("id_pkh", "status_kpm"):
        extra[c] = ""
    for c in (*pkh.COMPONENTS, "yearly_amount_true"):
        extra[c] = 0
    both = pd.concat([fam[FAMILY_COLUMNS], extra[FAMILY_COLUMNS]], ignore_index=True)
    both["kk_registered_date"] = both["kk_registered_date"].astype("datetime64[s]").dt.date
    both["split_from_family_id"] = both["split_from_family_id"].astype("Int64")
    truth.write("families", both)

    planted = plan.planted.copy()
    truth.write(
        "planted_cases", planted[["kind", "family_id", "person_id", "id_pkh", "kode_desa", "note"]]
    )


TRUTH_README = """# Ground truth of a generated run

Written by `jember_dev.generator` next to `raw/`. The pipeline never reads it; tests and
scoring compare the warehouse against it. Ids are integers: chunk number * 10,000,000 + a
running number (families and persons have separate runs). All Parquet.

- `rows.parquet`: one row per data row written to any DTKS or PKH file, including the rows of
  a repeated delivery and rows that should be rejected. `source` (dtks|pkh), `source_path`
  (relative to `raw/`, forward slashes), `sheet` ('' for CSV), `row_number` (1-based record
  number after the header row; blank and totals rows are not counted), `person_id` (the true
  person; for PKH the recipient), `family_id` (the family the row describes: for an update row
  of a mover or split-off child, the new family), `kode_desa` (true village of the row,
  dotted), `damage` (comma list of what was done to the row, e.g.
  `nik_scientific,desa_misspelled`; `repeated_delivery` on copies; `duplicate_person` on
  every row re-listing a person already listed (update rows, and in-file copies);
  `in_file_duplicate` on the later row of a pair inside one file (so same-file pairs are the
  ones where one row has it, cross-file pairs the others); on PKH rows of a family with a planted targeting problem
  its kinds: `inclusion`, `duplicate_aid`, `deceased_recipient`, `component_mismatch`),
  `should_reject` (nothing identifying in the row).
- `persons.parquet`: true attributes of every person (also those whose family the DTKS files
  leave out). `family_id` is the current family (after a move or split),
  `original_family_id` the family of the April delivery. `nik` is the true NIK. `lookalike`
  (comma list, or '') names real people easy to merge by mistake: `twin`,
  `default_birth_date` (1 July or 31 December), `near_name_sibling` (shares the first word
  of a sibling's name).
- `families.parquet`: every family, including the new ones created by moves and splits
  (`split_from_family_id`). `in_dtks` false = family absent from DTKS files (planted
  inclusion). PKH columns: `id_pkh` (first id), `status_kpm` (status at stage 4), the true
  component counts on 1 January and `yearly_amount_true` (top-4 rule).
- `planted_cases.parquet`: targeting problems, `kind` in inclusion | exclusion |
  duplicate_aid | deceased_recipient | component_mismatch, with `family_id`, `person_id`
  (the recipient, or -1), `id_pkh` ('' when none), `kode_desa`, `note`.
- `koperasi.parquet`: per village the true date each formation stage was reached, whether it
  reports at all (`reports`), and planted report problems (`stage_regression`,
  `badan_hukum_without_document`).
- `files.parquet`: every file written: source, path, data rows, bytes.

Damage tags: `nik_*`/`no_kk_*` with leading_quote, spaces, dots, dashes, scientific,
trailing_dot0, short, long, empty, typo (in place), `nik_numeric_cell` (xlsx number cell, 16th
digit 0), `no_kk_missing` (PKH), `desa_/kecamatan_` split, misspelled, spaces,
`alamat_newline`, `alamat_delimiter`, `date_impossible`, `blank_<column>`, `no_identifier`,
`moved_kecamatan`, `family_split`, `kk_reissue` (family re-listed on a new NO_KK, same
family_id), `duplicate_person`, `repeated_delivery`.

In-file duplicates (DTKS April files): `in_file_duplicate` with `person_entered_twice` (a
second operator's entry) or `family_block_copy` (a family pasted again; with
`family_shuffled`, `no_kk_typo` or `family_member_missing` where the copy differs).
`nik_of_family_member`: the row carries its head of family's NIK (two persons, one NIK).

Variant kinds typed into a re-listed person's row (in-file copy or update row):
`nik_typo`, `nik_transposed`, `nik_scientific`, `nik_short`, `nik_long`, `birth_date_typo`,
`birth_date_day_month_swap`, `birth_date_year_off`, `name_typo`, `name_initial`,
`name_variant`. The same `nik_*` tags also mark formatting damage on any row. See
`jember_dev/generator/README.md` for the rates.
"""
