"""Who gets PKH in a chunk, for how much, and the targeting problems planted among them.

The plan works on the true population: components are counted from the true members on
1 January of the year, the yearly amount is the sum of the four highest component amounts,
paid in four equal stages. Planted problems are recorded one row per case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dagster_project.ingestion.contract import PKH

from . import formats as f
from .names import spelling_variant
from .population import CHILD, HEAD, MENANTU, SPOUSE, Chunk, age_on

YEAR = 2025
# Yearly rupiah per component (contract, "PKH index since 2021"), highest first.
COMPONENT_AMOUNTS = {
    "bumil": 3_000_000,
    "aud": 3_000_000,
    "disabilitas": 2_400_000,
    "lansia": 2_400_000,
    "sma": 2_000_000,
    "smp": 1_500_000,
    "sd": 900_000,
}
COMPONENTS = ("bumil", "aud", "sd", "smp", "sma", "disabilitas", "lansia")  # column order
MAX_PAID_COMPONENTS = 4
# Share of eligible families enrolled, by desil 1..10 (desil >= 6 only by planted inclusion).
ENROL_BY_DESIL = np.array([0.80, 0.65, 0.45, 0.23, 0.07, 0, 0, 0, 0, 0])
BANKS = np.array(["BRI", "BNI", "MANDIRI", "BSI", "POS"])
BANK_P = np.array([0.5, 0.2, 0.1, 0.1, 0.1])


def member_components(persons: pd.DataFrame) -> np.ndarray:
    """Each living member's single, highest-paying component ('' when none)."""
    age = age_on(persons["tanggal_lahir"].to_numpy(), np.datetime64(f"{YEAR}-01-01"))
    alive = ~persons["is_deceased"].to_numpy()
    conditions = [
        persons["hamil"].to_numpy(),
        age <= 6,
        persons["disabilitas"].to_numpy(),
        age >= 70,
        (age >= 16) & (age <= 18),
        (age >= 13) & (age <= 15),
        (age >= 7) & (age <= 12),
    ]
    out = np.select(conditions, ["bumil", "aud", "disabilitas", "lansia", "sma", "smp", "sd"], "")
    return np.where(alive, out, "").astype(object)


def count_components(fam_pos: np.ndarray, components: np.ndarray, n_fam: int) -> pd.DataFrame:
    counts = {c: np.bincount(fam_pos[components == c], minlength=n_fam) for c in COMPONENTS}
    return pd.DataFrame(counts)


def yearly_amount(counts: pd.DataFrame) -> np.ndarray:
    """Sum of the highest component amounts, at most four members."""
    remaining = np.full(len(counts), MAX_PAID_COMPONENTS)
    total = np.zeros(len(counts), dtype=np.int64)
    for component, amount in COMPONENT_AMOUNTS.items():
        take = np.minimum(counts[component].to_numpy(), remaining)
        total += take * amount
        remaining -= take
    return total


@dataclass
class PkhPlan:
    kpm: pd.DataFrame  # one row per ID_PKH: family, recipient, written counts, status...
    planted: pd.DataFrame


def _pick(rng: np.random.Generator, pool: np.ndarray, rate: float, minimum: int = 1) -> np.ndarray:
    if len(pool) == 0:
        return pool
    count = min(len(pool), max(minimum, int(rng.binomial(len(pool), rate))))
    return np.sort(rng.choice(pool, size=count, replace=False))


def plan_pkh(rng: np.random.Generator, chunk: Chunk) -> PkhPlan:
    fam, per = chunk.families, chunk.persons
    n_fam = len(fam)
    fam_pos = per["fam_pos"].to_numpy()
    components = member_components(per)
    counts = count_components(fam_pos, components, n_fam)
    eligible = counts.to_numpy().sum(axis=1) > 0
    desil = fam["desil"].to_numpy()

    # Recipient: the mother (wife or female head), else another adult woman, else the head.
    female = per["is_female"].to_numpy()
    role = per["hubungan"].to_numpy()
    alive = ~per["is_deceased"].to_numpy()
    adult = per["age_at_snapshot"].to_numpy() >= 18
    priority = np.select(
        [
            female & (role == SPOUSE),
            female & (role == HEAD),
            female & np.isin(role, [MENANTU, CHILD]) & adult,
            role == HEAD,
            adult,
        ],
        [0, 1, 2, 3, 4],
        9,
    )
    priority = np.where(alive & adult, priority, 9)
    ranked = pd.DataFrame({"fam": fam_pos, "priority": priority, "row": np.arange(len(per))})
    ranked = ranked[ranked["priority"] < 9].sort_values(["fam", "priority", "row"], kind="stable")
    first = ranked.drop_duplicates("fam")
    recipient_row = np.full(n_fam, -1)
    recipient_row[first["fam"].to_numpy()] = first["row"].to_numpy()
    eligible &= recipient_row >= 0

    enrolled = eligible & (rng.random(n_fam) < ENROL_BY_DESIL[desil - 1])
    planted = []

    def record(
        kind: str, fam_rows: np.ndarray, note: str, person_rows: np.ndarray | None = None
    ) -> None:
        if person_rows is None:
            person_rows = recipient_row[fam_rows]
        planted.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "family_id": fam["family_id"].to_numpy()[fam_rows],
                    "person_id": np.where(
                        person_rows >= 0,
                        per["person_id"].to_numpy()[np.maximum(person_rows, 0)],
                        -1,
                    ),
                    "fam_row": fam_rows,
                    "kode_desa": fam["kode_desa"].to_numpy()[fam_rows],
                    "note": note,
                }
            )
        )

    # Inclusion: well-off families (desil >= 6) enrolled, and enrolled families absent from DTKS.
    rich = _pick(rng, np.flatnonzero(eligible & (desil >= 6)), 0.08)
    enrolled[rich] = True
    record("inclusion", rich, "PKH family with DTKS desil >= 6")
    absent = _pick(rng, np.flatnonzero(enrolled & (desil <= 5)), 0.01)
    fam["in_dtks"] = True
    fam.loc[absent, "in_dtks"] = False
    record("inclusion", absent, "PKH family absent from DTKS")

    # Exclusion: poorest families with eligible members and no PKH (they arise naturally).
    excluded = np.flatnonzero(eligible & ~enrolled & (desil <= 2))
    record("exclusion", excluded, "DTKS desil 1-2 family with PKH-eligible members, no PKH")

    kpm_fams = np.flatnonzero(enrolled)
    region6 = chunk.region6
    id_pkh = np.array(
        [f"{region6}{chunk.part:02d}{i + 1:05d}" for i in range(len(kpm_fams))], dtype=object
    )
    written = counts.iloc[kpm_fams].reset_index(drop=True)
    kpm = pd.DataFrame(
        {
            "fam_row": kpm_fams,
            "family_id": fam["family_id"].to_numpy()[kpm_fams],
            "id_pkh": id_pkh,
            "recipient_row": recipient_row[kpm_fams],
            "bank": BANKS[rng.choice(len(BANKS), size=len(kpm_fams), p=BANK_P)],
        }
    )
    true_amount = yearly_amount(written)
    kpm["true_yearly_amount"] = true_amount
    for c in COMPONENTS:
        kpm[f"true_{c}"] = written[c].to_numpy()

    # Component mismatch: the programme's counts (or rupiah) differ from the true members.
    mismatch = _pick(rng, np.arange(len(kpm)), 0.01)
    nominal_off = mismatch[: len(mismatch) // 2]
    counts_off = mismatch[len(mismatch) // 2 :]
    for i, comp in zip(
        counts_off.tolist(), rng.choice(["lansia", "aud", "sd", "smp"], len(counts_off)).tolist()
    ):
        written.loc[i, comp] = written.loc[i, comp] + 1
    yearly = yearly_amount(written)
    yearly[nominal_off] = yearly[nominal_off] + 900_000
    for c in COMPONENTS:
        kpm[c] = written[c].to_numpy()
    kpm["yearly_amount"] = yearly
    record(
        "component_mismatch",
        kpm_fams[counts_off],
        "one component count higher than the true members",
    )
    record(
        "component_mismatch", kpm_fams[nominal_off], "NOMINAL above the amount the components give"
    )

    # Status over the four stages: most stay AKTIF; others stop from a stage on.
    status = rng.choice(
        ["AKTIF", "GRADUASI", "NON AKTIF", "DIKELUARKAN"], size=len(kpm), p=[0.9, 0.04, 0.03, 0.03]
    )
    kpm["final_status"] = status
    kpm["status_from_stage"] = np.where(status == "AKTIF", 5, rng.integers(2, 5, len(kpm)))
    kpm["unpaid_stage"] = np.where(rng.random(len(kpm)) < 0.03, rng.integers(1, 5, len(kpm)), 0)
    kpm["planted"] = ""

    # Deceased recipient: DTKS marks the recipient MENINGGAL, PKH still pays.
    in_dtks = fam["in_dtks"].to_numpy()[kpm_fams]
    paid_throughout = np.flatnonzero(
        (status == "AKTIF") & (kpm["unpaid_stage"].to_numpy() == 0) & in_dtks
    )
    dead = _pick(rng, paid_throughout, 0.005)
    per.loc[kpm["recipient_row"].to_numpy()[dead], "is_deceased"] = True
    record("deceased_recipient", kpm_fams[dead], "PKH paid to a recipient DTKS marks MENINGGAL")

    # Duplicate aid: a family under a second ID_PKH, and one person recipient for two families.
    second = _pick(rng, paid_throughout, 0.003)
    extra = kpm.iloc[second].copy()
    extra["id_pkh"] = [
        f"{region6}{chunk.part:02d}{len(kpm) + i + 1:05d}" for i in range(len(extra))
    ]
    extra["planted"] = "duplicate_aid:second_id_pkh"
    record("duplicate_aid", kpm_fams[second], "family paid under two ID_PKH")
    pool = np.setdiff1d(paid_throughout, np.concatenate([second, dead]))
    pairs = _pick(rng, pool, 0.002) if len(pool) >= 4 else pool[:0]
    pairs = pairs[: len(pairs) // 2 * 2]
    if len(pairs):
        takers, givers = pairs[0::2], pairs[1::2]
        kpm.loc[takers, "recipient_row"] = kpm["recipient_row"].to_numpy()[givers]
        kpm.loc[takers, "planted"] = "duplicate_aid:recipient_twice"
        record(
            "duplicate_aid",
            kpm_fams[takers],
            "recipient also receives PKH for another family",
            kpm["recipient_row"].to_numpy()[takers],
        )
    kpm = pd.concat([kpm, extra], ignore_index=True)
    planted_df = pd.concat(planted, ignore_index=True) if planted else pd.DataFrame()
    id_by_fam = kpm.drop_duplicates("fam_row").set_index("fam_row")["id_pkh"]
    planted_df["id_pkh"] = planted_df["fam_row"].map(id_by_fam).fillna("").astype(str)
    # Each PKH row of a family with a planted problem carries the kinds in its damage tags.
    kinds = (
        planted_df[planted_df["kind"] != "exclusion"]
        .groupby("fam_row")["kind"]
        .agg(lambda s: ",".join(sorted(set(s))))
    )
    kpm["planted"] = kpm["fam_row"].map(kinds).fillna("").astype(str)
    return PkhPlan(kpm, planted_df)


def stage_records(plan: PkhPlan, chunk: Chunk, wilayah: pd.DataFrame, stage: int) -> pd.DataFrame:
    """One record per ID_PKH for one disbursement stage, with the truth columns."""
    kpm, fam, per = plan.kpm, chunk.families, chunk.persons
    recipient = kpm["recipient_row"].to_numpy()
    fam_rows = kpm["fam_row"].to_numpy()
    status = np.where(
        stage >= kpm["status_from_stage"].to_numpy(), kpm["final_status"].to_numpy(), "AKTIF"
    )
    paid = (status == "AKTIF") & (kpm["unpaid_stage"].to_numpy() != stage)
    rec = pd.DataFrame(
        {
            "id_pkh": kpm["id_pkh"].to_numpy(),
            "nik_pengurus": per["nik"].to_numpy()[recipient],
            "nama_pengurus": per["nama"].to_numpy()[recipient],
            "no_kk": fam["no_kk"].to_numpy()[fam_rows],
            "kode_desa": fam["kode_desa"].to_numpy()[fam_rows],
            "alamat": fam["alamat"].to_numpy()[fam_rows],
            "tahap": stage,
            "nominal": np.where(paid, kpm["yearly_amount"].to_numpy() // 4, 0),
            "status_kpm": status,
            "bank": kpm["bank"].to_numpy(),
            "person_id": per["person_id"].to_numpy()[recipient],
            "family_id": kpm["family_id"].to_numpy(),
            "damage": kpm["planted"].to_numpy(),
            "should_reject": False,
        }
    )
    for c in COMPONENTS:
        rec[c] = kpm[c].to_numpy()
    w = wilayah.set_index("kode_desa").loc[rec["kode_desa"].to_numpy()]
    rec["nama_desa"] = w["nama_desa"].to_numpy()
    rec["nama_kecamatan"] = w["nama_kecamatan"].to_numpy()
    rec["is_kelurahan"] = (w["jenis"] == "KELURAHAN").to_numpy()
    # Lists are sorted by village, then ID_PKH.
    return rec.sort_values(["kode_desa", "id_pkh"], kind="stable").reset_index(drop=True)


def add_reject_rows(rng: np.random.Generator, rec: pd.DataFrame) -> pd.DataFrame:
    """A row with nothing identifying (no ID_PKH, NIK, name, NO_KK), somewhere in the list."""
    source = int(rng.integers(0, len(rec)))
    reject = rec.iloc[[source]].copy()
    for col in ("id_pkh", "nik_pengurus", "nama_pengurus", "no_kk"):
        reject[col] = ""
    reject["damage"] = "no_identifier"
    reject["should_reject"] = True
    position = int(rng.integers(0, len(rec)))
    return pd.concat([rec.iloc[:position], reject, rec.iloc[position:]], ignore_index=True)


def render(
    rng: np.random.Generator, rec: pd.DataFrame, style: f.FileStyle, xlsx_cells: bool = False
) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Header, column cells and damage tags for one PKH stage file (or sheet)."""
    n = len(rec)
    damage = f.Damage(n)
    damage.tags = np.array(["," + d if d else "" for d in rec["damage"].tolist()], dtype=object)
    identifying = rec["id_pkh"].to_numpy() != ""
    # The programme's operator sometimes spells the recipient's name otherwise than DTKS.
    names = rec["nama_pengurus"].to_numpy().copy()
    variant = f.pick_rows(rng, n, {"name_variant": 0.01}, allowed=identifying)["name_variant"]
    names[variant] = [spelling_variant(v) for v in names[variant].tolist()]
    damage.add(variant, "name_variant")
    cells = {
        "id_pkh": rec["id_pkh"].to_numpy().astype(object),
        "nik_pengurus": f.damage_identity(
            rng, rec["nik_pengurus"].to_numpy(), damage, "nik", 1.0, identifying
        ),
        "nama_pengurus": f.apply_case(rng, names, style.name_case),
        "kecamatan": f.region_text(
            rng, rec["nama_kecamatan"].to_numpy(), None, "kecamatan", style, damage, 0.5
        ),
        "desa": f.region_text(
            rng, rec["nama_desa"].to_numpy(), rec["is_kelurahan"].to_numpy(), "desa", style, damage
        ),
        "kode_desa": f.kode_desa_text(rec["kode_desa"].to_numpy(), style),
        "alamat": rec["alamat"].to_numpy().astype(object),
        "tahun": np.full(n, str(YEAR), dtype=object),
        "tahap": rec["tahap"].astype(str).to_numpy().astype(object),
        "status_kpm": np.array(
            [
                s.title() if low else s
                for s, low in zip(rec["status_kpm"].tolist(), (rng.random(n) < 0.02).tolist())
            ],
            dtype=object,
        ),
        "bank": rec["bank"].to_numpy().astype(object),
    }
    no_kk = f.damage_identity(rng, rec["no_kk"].to_numpy(), damage, "no_kk", 0.5, identifying)
    blank_kk = (rng.random(n) < 0.05) & (no_kk != "")
    no_kk[blank_kk] = ""
    damage.add(np.flatnonzero(blank_kk), "no_kk_missing")
    cells["no_kk"] = no_kk
    # Component counts: some files leave zeros blank (blank = 0).
    for c in COMPONENTS:
        counts = rec[c].to_numpy()
        if xlsx_cells:
            cells[c] = counts.astype(object)
        else:
            text = counts.astype(str).astype(object)
            cells[c] = np.where(counts == 0, "", text) if style.money in (1, 3) else text
    nominal = rec["nominal"].to_numpy()
    money_style = np.full(n, style.money)
    other = rng.random(n) < 0.03
    money_style[other] = rng.integers(0, 6, int(other.sum()))
    cells["nominal"] = np.empty(n, dtype=object)
    for s in range(6):
        rows = money_style == s
        cells["nominal"][rows] = f.format_money(nominal[rows], s)
    if xlsx_cells:
        cells["nominal"] = nominal.astype(object)
    header, columns = [], []
    if style.row_number_column:
        header.append("NO")
        columns.append(np.arange(1, n + 1).astype(str).astype(object))
    for column in PKH.columns:
        values = cells.get(column.name)
        if values is None:
            continue
        header.append(f.header_text(column, PKH, style, rng))
        columns.append(values)
    return header, columns, damage.result()
