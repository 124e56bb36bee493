"""The true population of one chunk (a kecamatan, or a part of one): families and persons.

Everything is built with numpy arrays, one element per family or person, so a chunk of
hundreds of thousands of persons takes a second or two. Nothing here is damaged: this is the
ground truth that the file writers later format and damage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .names import make_names

SNAPSHOT_DATE = np.datetime64("2025-04-01")  # the DTKS delivery the files describe

# Relationship codes (the contract's numeric SHDK codes) in the order members are listed.
HEAD, SPOUSE, CHILD, MENANTU, GRANDCHILD, ORANG_TUA, MERTUA, FAMILI_LAIN = 1, 2, 3, 4, 5, 6, 7, 8

# Districts outside Jember whose NIK prefix moved-in residents keep (East Java and beyond).
OUTSIDE_REGIONS = np.array(
    [
        "357801",
        "357805",
        "351001",
        "351012",
        "351101",
        "351105",
        "350801",
        "350812",
        "351301",
        "351320",
        "352901",
        "352910",
        "352601",
        "352701",
        "351401",
        "351501",
        "357301",
        "357901",
        "330101",
        "317401",
        "510301",
        "640101",
    ]
)
OUTSIDE_BIRTHPLACE = {
    "3578": "SURABAYA",
    "3510": "BANYUWANGI",
    "3511": "BONDOWOSO",
    "3508": "LUMAJANG",
    "3513": "PROBOLINGGO",
    "3529": "SUMENEP",
    "3526": "BANGKALAN",
    "3527": "SAMPANG",
    "3514": "PASURUAN",
    "3515": "SIDOARJO",
    "3573": "MALANG",
    "3579": "BATU",
    "3301": "CILACAP",
    "3174": "JAKARTA",
    "5103": "BADUNG",
    "6401": "PASER",
}

DESIL_PROBABILITIES = np.array([0.22, 0.20, 0.17, 0.14, 0.09, 0.06, 0.04, 0.03, 0.03, 0.02])

DUSUN = np.array(
    [
        "KRAJAN",
        "KRAJAN",
        "KRAJAN",
        "KRAJAN I",
        "KRAJAN II",
        "TEGALREJO",
        "SUMBEREJO",
        "KARANGANYAR",
        "GUMUKSARI",
        "LOJI",
        "TÉGAL",
        "PÉTUNG",
        "KEBONSARI",
        "CURAHDAMI",
        "BEDADUNG",
        "TANJUNGREJO",
        "SUMURAN",
        "WONOASRI",
        "PASAR",
        "DAM",
    ],
    dtype=object,
)
STREETS = np.array(
    [
        "JL. MASTRIP",
        "JL. GAJAH MADA",
        "JL. HAYAM WURUK",
        "JL. KARIMATA",
        "JL. RAYA",
        "JL. KALIMANTAN",
        "JL. SRIKOYO",
        "JL. DANAU TOBA",
        "GG. MAWAR",
        "JL. DIPONEGORO",
    ],
    dtype=object,
)


@dataclass
class Chunk:
    """Families and persons of one chunk, plus the chunk's place in the whole run."""

    index: int  # global chunk number (0-based), used to keep ids and serials unique
    part: int  # part number inside the kecamatan (0 unless the scale splits kecamatan)
    kode_kecamatan: str  # 35.09.01
    nama_kecamatan: str
    families: pd.DataFrame
    persons: pd.DataFrame

    @property
    def region6(self) -> str:
        return self.kode_kecamatan.replace(".", "")


def _date_parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dates = np.asarray(dates).astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, days


def age_on(birth: np.ndarray, when: np.datetime64) -> np.ndarray:
    """Completed years at `when` (birthday counts on the day)."""
    by, bm, bd = _date_parts(birth)
    wy, wm, wd = (int(x[0]) for x in _date_parts(np.array([when])))
    had_birthday = (bm < wm) | ((bm == wm) & (bd <= wd))
    return wy - by - (~had_birthday).astype(np.int64)


def make_identity_numbers(
    region6: np.ndarray, dates: np.ndarray, add_40: np.ndarray, serial_offset: np.ndarray
) -> np.ndarray:
    """region6 + DDMMYY (+40 on DD where asked) + 4-digit serial, unique per region and date.

    The serial is the running count of earlier holders with the same prefix, plus an offset
    that keeps chunks apart; twins and default birth dates thus get consecutive serials.
    """
    years, months, days = _date_parts(dates)
    dd = days + np.where(add_40, 40, 0)
    prefix = region6.astype(np.int64) * 1_000_000 + dd * 10_000 + months * 100 + years % 100
    running = pd.Series(prefix).groupby(prefix).cumcount().to_numpy()
    serial = serial_offset + running + 1
    if serial.max(initial=1) > 9999:
        raise ValueError("identity serial overflow; use smaller chunks")
    return np.array(
        [f"{p:012d}{s:04d}" for p, s in zip(prefix.tolist(), serial.tolist())], dtype=object
    )


def near_name_siblings(
    rng: np.random.Generator,
    names: np.ndarray,
    role: np.ndarray,
    fam: np.ndarray,
    female: np.ndarray,
    twin: np.ndarray,
) -> np.ndarray:
    """Give some younger siblings the elder's first word ("NUR AINI", "NUR HASANAH").

    Families often reuse a first name across children, and twins share "often most of a
    name" (contract); such siblings share a family card, an address and sometimes a birth
    date, and only their given name and NIK serial tell them apart. Changes `names` in
    place; returns which persons got a name near the sibling listed before them.
    """
    n = len(names)
    pair = np.zeros(n, dtype=bool)
    pair[1:] = (
        (role[1:] == CHILD)
        & (role[:-1] == CHILD)
        & (fam[1:] == fam[:-1])
        & (female[1:] == female[:-1])
    )
    # Rates: an assumption (no field figure); twins more often than other siblings.
    chosen = np.flatnonzero(pair & (rng.random(n) < np.where(twin, 0.5, 0.08)))
    near = np.zeros(n, dtype=bool)
    # Members of a family are consecutive (sorted by family): [start, end) per chosen person.
    starts, ends = (
        np.searchsorted(fam, fam[chosen]),
        np.searchsorted(fam, fam[chosen], side="right"),
    )
    for i, start, end in zip(chosen.tolist(), starts.tolist(), ends.tolist()):
        elder, mine = names[i - 1].split(" "), names[i].split(" ")
        renamed = " ".join(elder[:1] + mine[1:])
        if len(elder) >= 2 and len(mine) >= 2 and elder[0] == mine[0] and names[i] != names[i - 1]:
            near[i] = near[i - 1] = True  # drawn near already
            continue
        if len(elder) < 2 or len(mine) < 2 or renamed in names[start:end]:
            continue  # no two children of one family with the same name
        names[i] = renamed
        near[i] = near[i - 1] = True
    return near


def lookalike_tags(
    twin: np.ndarray, default_birth: np.ndarray, near_name: np.ndarray
) -> np.ndarray:
    """Comma list per person: twin, default_birth_date, near_name_sibling (or '')."""
    tags = np.full(len(twin), "", dtype=object)
    both_twins = twin | np.r_[twin[1:], False]  # `twin` marks the younger one
    for flags, tag in (
        (both_twins, "twin"),
        (default_birth, "default_birth_date"),
        (near_name, "near_name_sibling"),
    ):
        tags[flags] = tags[flags] + "," + tag
    return np.array([t[1:] for t in tags.tolist()], dtype=object)


def make_chunk(
    rng: np.random.Generator,
    index: int,
    part: int,
    villages: pd.DataFrame,
    families_per_village: np.ndarray,
    id_base: int,
) -> Chunk:
    """Build the families and persons of one kecamatan (or one part of it).

    `villages` are the chunk's rows of the wilayah list; `id_base` makes family and person
    ids unique over the run (ids are id_base + running number).
    """
    kode_kecamatan = villages["kode_kecamatan"].iloc[0]
    region6 = kode_kecamatan.replace(".", "")
    n_fam = int(families_per_village.sum())
    village_of_family = np.repeat(np.arange(len(villages)), families_per_village)

    # --- family composition ------------------------------------------------------------
    head_age = np.clip(np.round(19 + rng.gamma(4.0, 8.0, n_fam)), 20, 90).astype(np.int64)
    head_female = rng.random(n_fam) < np.where(head_age >= 60, 0.30, 0.10)
    has_spouse = rng.random(n_fam) < np.where(head_female, 0.04, np.where(head_age >= 70, 0.6, 0.9))
    child_rate = np.select([head_age < 30, head_age < 50, head_age < 65], [0.9, 1.6, 0.9], 0.3)
    n_children = np.clip(rng.poisson(child_rate), 0, 7)
    n_grandchildren = np.where(head_age >= 48, np.clip(rng.poisson(0.35, n_fam), 0, 3), 0)
    has_menantu = (n_grandchildren > 0) & (rng.random(n_fam) < 0.4)
    has_mertua = (head_age < 55) & (rng.random(n_fam) < 0.05)
    has_orang_tua = (head_age < 55) & (rng.random(n_fam) < 0.03)
    has_famili_lain = rng.random(n_fam) < 0.02

    spouse_age = np.clip(head_age - np.where(head_female, -3, rng.integers(-2, 9, n_fam)), 17, 95)
    mother_age = np.where(head_female, head_age, np.where(has_spouse, spouse_age, head_age - 4))

    parts_fam, parts_role, parts_age, parts_female = [], [], [], []

    def add(fam_idx: np.ndarray, role: int, age: np.ndarray, female: np.ndarray) -> None:
        parts_fam.append(fam_idx)
        parts_role.append(np.full(len(fam_idx), role))
        parts_age.append(age.astype(np.int64))
        parts_female.append(female.astype(bool))

    all_fam = np.arange(n_fam)
    add(all_fam, HEAD, head_age, head_female)
    sp = all_fam[has_spouse]
    add(sp, SPOUSE, spouse_age[sp], ~head_female[sp])
    ch = np.repeat(all_fam, n_children)
    # The eldest child was born when the mother was 18-44; siblings follow 1.5-6 years apart
    # (children not yet born by that spacing are dropped).
    youngest = np.clip(mother_age - 44, 0, None)
    oldest = np.clip(mother_age - 18, youngest, None)
    eldest_age = youngest + rng.random(n_fam) * (oldest - youngest + 1)
    gap = 1.5 + rng.gamma(2.0, 0.9, len(ch))
    first_of_family = np.r_[True, ch[1:] != ch[:-1]]
    gap[first_of_family] = 0.0
    spacing = pd.Series(gap).groupby(ch).cumsum().to_numpy()
    child_age = np.floor(eldest_age[ch] - spacing)
    born = child_age >= 0
    ch, child_age = ch[born], child_age[born]
    add(ch, CHILD, child_age, rng.random(len(ch)) < 0.5)
    me = all_fam[has_menantu]
    add(
        me,
        MENANTU,
        np.clip(head_age[me] - rng.integers(20, 30, len(me)), 17, None),
        rng.random(len(me)) < 0.5,
    )
    gc = np.repeat(all_fam, n_grandchildren)
    max_gc_age = np.clip(head_age[gc] - 40, 0, 17)
    add(gc, GRANDCHILD, np.floor(rng.random(len(gc)) * (max_gc_age + 1)), rng.random(len(gc)) < 0.5)
    for role, flag in ((ORANG_TUA, has_orang_tua), (MERTUA, has_mertua)):
        idx = all_fam[flag]
        add(
            idx,
            role,
            np.clip(head_age[idx] + rng.integers(20, 32, len(idx)), 40, 100),
            rng.random(len(idx)) < 0.7,
        )
    fl = all_fam[has_famili_lain]
    add(fl, FAMILI_LAIN, rng.integers(5, 70, len(fl)), rng.random(len(fl)) < 0.5)

    fam = np.concatenate(parts_fam)
    role = np.concatenate(parts_role)
    age = np.concatenate(parts_age)
    female = np.concatenate(parts_female)
    order = np.lexsort((-age, role, fam))  # by family, role, oldest child first
    fam, role, age, female = fam[order], role[order], age[order], female[order]
    n = len(fam)

    # --- birth dates (ages are at the snapshot date) -----------------------------------
    birth = SNAPSHOT_DATE - (age * 365.25 + rng.random(n) * 365).astype("timedelta64[D]")
    years, _, _ = _date_parts(birth)
    # Elderly people registered without a known birthday get 1 July (a few 31 December).
    default = (age >= 55) & (rng.random(n) < 0.35)
    default_day = np.where(rng.random(n) < 0.88, "-07-01", "-12-31")
    for mask, suffix in (
        (default & (default_day == "-07-01"), "-07-01"),
        (default & (default_day == "-12-31"), "-12-31"),
    ):
        birth[mask] = np.array(
            [f"{y:04d}{suffix}" for y in years[mask].tolist()], dtype="datetime64[D]"
        )
    # Twins: a child born the same day as the older sibling listed just before.
    twin = np.zeros(n, dtype=bool)
    twin[1:] = (
        (role[1:] == CHILD)
        & (role[:-1] == CHILD)
        & (fam[1:] == fam[:-1])
        & (rng.random(n - 1) < 0.02)
    )
    twin_idx = np.flatnonzero(twin)
    birth[twin_idx] = birth[twin_idx - 1]
    age = age_on(birth, SNAPSHOT_DATE)

    # --- attributes --------------------------------------------------------------------
    names = make_names(rng, female, age)
    # A spawned stream: the draws below (and the rest of the population) stay as they were.
    near_name = near_name_siblings(rng.spawn(1)[0], names, role, fam, female, twin)
    # bin/binti with the head's first name for some children; hajj titles for some elders.
    head_pos = np.searchsorted(fam, np.arange(n_fam))  # first member (the head) of each family
    head_first_word = np.array([s.split(" ")[0] for s in names[head_pos].tolist()], dtype=object)
    bin_form = (role == CHILD) & (rng.random(n) < 0.03) & ~female[head_pos[fam]]
    names[bin_form] = (
        names[bin_form]
        + np.where(female[bin_form], " BINTI ", " BIN ")
        + head_first_word[fam[bin_form]]
    )
    hajj = (age >= 50) & (rng.random(n) < 0.05)
    names[hajj] = np.where(female[hajj], "HJ. ", "H. ") + names[hajj]
    degree = (age >= 25) & (age <= 55) & (rng.random(n) < 0.006)
    names[degree] = names[degree] + ", S.PD"

    desil = rng.choice(np.arange(1, 11), size=n_fam, p=DESIL_PROBABILITIES)
    disabilitas = rng.random(n) < np.where(age >= 60, 0.06, 0.012)
    hamil = (
        female
        & (age >= 17)
        & (age <= 42)
        & np.isin(role, [HEAD, SPOUSE, MENANTU, CHILD])
        & (rng.random(n) < 0.06)
    )
    hamil &= (role != CHILD) | (age >= 19)
    deceased = rng.random(n) < np.where(age >= 70, 0.06, 0.004)

    # Moved-in residents keep another district's NIK prefix.
    moved_in = (age >= 18) & (rng.random(n) < np.where(role == SPOUSE, 0.08, 0.025))
    person_region = np.full(n, region6, dtype=object)
    person_region[moved_in] = OUTSIDE_REGIONS[
        rng.integers(0, len(OUTSIDE_REGIONS), int(moved_in.sum()))
    ]
    nik = np.empty(n, dtype=object)
    # Outside prefixes are shared by all chunks: give each chunk its own serial block and
    # keep at most 3 holders per prefix inside a chunk; the rest are treated as local.
    moved_idx = np.flatnonzero(moved_in)
    if len(moved_idx):
        outside = make_identity_numbers(
            person_region[moved_idx],
            birth[moved_idx],
            female[moved_idx],
            np.full(len(moved_idx), 6000 + (index % 1300) * 3),
        )
        serials = np.array([int(s[12:]) for s in outside.tolist()], dtype=np.int64)
        keep = serials <= 6000 + (index % 1300) * 3 + 3
        nik[moved_idx[keep]] = outside[keep]
        moved_in[moved_idx[~keep]] = False
        person_region[moved_idx[~keep]] = region6
    local_idx = np.flatnonzero(~moved_in)
    nik[local_idx] = make_identity_numbers(
        person_region[local_idx],
        birth[local_idx],
        female[local_idx],
        np.full(len(local_idx), part * 400),
    )

    birthplace = np.where(
        rng.random(n) < 0.93,
        "JEMBER",
        np.char.upper(villages["nama_desa"].to_numpy()[village_of_family[fam]].astype(str)),
    )
    birthplace = birthplace.astype(object)
    birthplace[moved_in] = [
        OUTSIDE_BIRTHPLACE.get(r[:4], "SURABAYA") for r in person_region[moved_in].tolist()
    ]

    # --- family card numbers and addresses ---------------------------------------------
    reg_dates = np.datetime64("2005-01-01") + rng.integers(0, 7300, n_fam).astype("timedelta64[D]")
    no_kk = make_identity_numbers(
        np.full(n_fam, region6, dtype=object),
        reg_dates,
        np.zeros(n_fam, bool),
        np.full(n_fam, part * 400),
    )
    rw = rng.integers(1, 12, n_fam)
    rt = rng.integers(1, 16, n_fam)
    street_address = rng.random(n_fam) < 0.2
    dusun = DUSUN[rng.integers(0, len(DUSUN), n_fam)]
    street = STREETS[rng.integers(0, len(STREETS), n_fam)]
    house_no = rng.integers(1, 120, n_fam)
    alamat = np.where(
        street_address,
        np.array(
            [f"{s} NO. {h}" for s, h in zip(street.tolist(), house_no.tolist())], dtype=object
        ),
        "DUSUN " + dusun,
    )

    family_ids = id_base + np.arange(n_fam)
    families = pd.DataFrame(
        {
            "family_id": family_ids,
            "no_kk": no_kk,
            "kk_registered_date": reg_dates,
            "kode_desa": villages["kode_desa"].to_numpy()[village_of_family],
            "village_pos": village_of_family,
            "desil": desil,
            "rt": rt,
            "rw": rw,
            "alamat": alamat,
            "n_members": np.bincount(fam, minlength=n_fam),
            "head_person_id": id_base + head_pos,
            "split_from_family_id": pd.array([None] * n_fam, dtype="Int64"),
        }
    )
    persons = pd.DataFrame(
        {
            "person_id": id_base + np.arange(n),
            "family_id": family_ids[fam],
            "fam_pos": fam,
            "hubungan": role,
            "nama": names,
            "is_female": female,
            "tanggal_lahir": birth,
            "age_at_snapshot": age,
            "tempat_lahir": birthplace,
            "nik": nik,
            "nik_region": person_region,
            "is_moved_in": moved_in,
            "kode_desa": families["kode_desa"].to_numpy()[fam],
            "disabilitas": disabilitas,
            "hamil": hamil,
            "is_deceased": deceased,
            # Real people who look alike: what must NOT be merged (tests and benchmarks).
            "lookalike": lookalike_tags(twin, default, near_name),
        }
    )
    return Chunk(index, part, kode_kecamatan, villages["nama_kecamatan"].iloc[0], families, persons)
