"""Synthetic personal names as they appear in Jember's registries.

Javanese, Madurese and Islamic names. Each list is ordered from most to least common and is
drawn with Zipf-like weights, so a few names (SITI, MUHAMMAD, SUMARNI...) are very frequent
and the rest form a long tail. Older people mostly carry one Javanese name; younger people
mostly two words. A few names hold a typographic apostrophe (’), which makes the file
encoding matter (UTF-8 vs Windows-1252).
"""

from __future__ import annotations

import numpy as np

MALE_OLD = [
    "SUPARMAN",
    "SLAMET",
    "SUTRISNO",
    "MUHAMMAD",
    "SUGIANTO",
    "SUPRIADI",
    "SUNARTO",
    "SUHARTONO",
    "MOH. HASAN",
    "SAMSUL",
    "ABDUL ROHMAN",
    "SUKARDI",
    "PONIMAN",
    "SUYITNO",
    "MISNADI",
    "SUWARNO",
    "JUMADI",
    "SAIFUL",
    "MARSUKI",
    "BUSIRI",
    "HOSNAN",
    "SUBAIRI",
    "MATRAWI",
    "BAMBANG",
    "SUDARMAN",
    "HARIYANTO",
    "SAHRONI",
    "JUMALI",
    "NGATIMAN",
    "KASIM",
    "MISTAR",
    "MARZUKI",
    "SUNARJO",
    "SATUMAN",
    "TOYYIB",
    "SAHWI",
    "SAMHADI",
    "SUHAR",
    "JUMAR",
    "ASMO",
    "KARTO",
    "SUKIMAN",
    "PAIDI",
    "SUPENO",
    "TUKIMAN",
    "MA’RUF",
    "SYAFI’I",
    "SUKARNO",
    "SAMAT",
    "MUNARI",
    "SURATMAN",
    "RASIMAN",
]

FEMALE_OLD = [
    "SUMARNI",
    "SITI",
    "PONIRAH",
    "SUPARTI",
    "SITI AMINAH",
    "SUMIATI",
    "MISNAH",
    "TUMINAH",
    "SUNARSIH",
    "SITI FATIMAH",
    "SAMIATUN",
    "RUKAYAH",
    "ATIKAH",
    "MARYAM",
    "SUWARNI",
    "PAINEM",
    "NGATINI",
    "SRI WAHYUNI",
    "MUSRIFAH",
    "SAMIYAH",
    "HOLIFAH",
    "RUMINAH",
    "SAINAB",
    "SUMINTEN",
    "JUMARIYAH",
    "SA’DIYAH",
    "MA’RIFAH",
    "SUPIYAH",
    "KASIATI",
    "SUTIAH",
    "MARFU’AH",
    "SITI MUNAWAROH",
    "TUKINEM",
    "NGATIYEM",
    "SUKARTI",
    "BUTIK",
    "SAMINAH",
    "MUTMAINAH",
    "SITI KHOTIJAH",
    "JUMRATUN",
    "SRI UTAMI",
    "WARSINI",
]

MALE_YOUNG_FIRST = [
    "MUHAMMAD",
    "MOH.",
    "AHMAD",
    "MOCH.",
    "ABDUL",
    "MOHAMMAD",
    "RIZKY",
    "AGUS",
    "EKO",
    "DIMAS",
    "FAJAR",
    "ANDI",
    "BAYU",
    "DENI",
    "ARIF",
    "IMAM",
    "YOGA",
    "HASAN",
    "ILHAM",
    "NUR",
    "DWI",
    "M.",
    "ACHMAD",
    "FIRMAN",
    "HENDRA",
    "YUSUF",
    "ZAINUL",
    "RAHMAT",
    "DANI",
    "ROSYID",
]
MALE_YOUNG_SECOND = [
    "RIZKY",
    "FAISAL",
    "HIDAYAT",
    "FIRMANSYAH",
    "MAULANA",
    "SAPUTRA",
    "SYAIFUL",
    "PRASETYO",
    "WAHYUDI",
    "SETIAWAN",
    "ARDIANSYAH",
    "ALFARIZI",
    "HAFIDZ",
    "ALI",
    "ZAINAL",
    "MA’RUF",
    "JA’FAR",
    "SYAFI’I",
    "KURNIAWAN",
    "ROMADHON",
    "FAUZI",
    "ANSORI",
    "HAKIM",
    "IQBAL",
    "NURHUDA",
]
FEMALE_YOUNG_FIRST = [
    "SITI",
    "NUR",
    "DEWI",
    "SRI",
    "PUTRI",
    "NURUL",
    "AYU",
    "RINA",
    "FITRIA",
    "INDAH",
    "AISYAH",
    "NABILA",
    "ANISA",
    "LAILATUL",
    "WULAN",
    "YULI",
    "DIAN",
    "ELOK",
    "UMI",
    "NOVITA",
    "LUTFI",
    "ROFIATUL",
    "ZAHROTUL",
    "FAIZAH",
    "KHOIRUN",
]
FEMALE_YOUNG_SECOND = [
    "AMINAH",
    "FATIMAH",
    "HASANAH",
    "KHOIRIYAH",
    "NUR AINI",
    "AISYAH",
    "MAGHFIROH",
    "ZAHRA",
    "RAHMAWATI",
    "LESTARI",
    "WAHYUNI",
    "NUR’AINI",
    "ROHMAH",
    "SAFITRI",
    "ANGGRAINI",
    "MUSYAROFAH",
    "QOMARIYAH",
    "HIDAYATI",
    "NISA",
    "MUFIDAH",
    "JANNAH",
    "SHOLIHAH",
    "FADILAH",
    "MAULIDIA",
]


def _zipf_weights(n: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def _draw(rng: np.random.Generator, pool: list[str], size: int) -> np.ndarray:
    values = np.array(pool, dtype=object)
    return values[rng.choice(len(pool), size=size, p=_zipf_weights(len(pool)))]


def make_names(rng: np.random.Generator, is_female: np.ndarray, age: np.ndarray) -> np.ndarray:
    """One canonical (upper-case) name per person; older people mostly single names."""
    n = len(is_female)
    names = np.empty(n, dtype=object)
    young = age < 40
    for female in (False, True):
        for is_young in (False, True):
            mask = (is_female == female) & (young == is_young)
            count = int(mask.sum())
            if count == 0:
                continue
            if is_young:
                first = _draw(rng, FEMALE_YOUNG_FIRST if female else MALE_YOUNG_FIRST, count)
                second = _draw(rng, FEMALE_YOUNG_SECOND if female else MALE_YOUNG_SECOND, count)
                two_words = rng.random(count) < 0.8
                names[mask] = np.where(two_words, first + " " + second, first)
                # A bare "MOH." or "M." alone is not a name.
                lone = ~two_words & np.isin(first, ["MOH.", "MOCH.", "M.", "ABDUL"])
                fixed = names[mask]
                fixed[lone] = fixed[lone] + " " + second[lone]
                names[mask] = fixed
            else:
                pool = FEMALE_OLD if female else MALE_OLD
                names[mask] = _draw(rng, pool, count)
    return names


# Spelling variants a clerk may type for the same person (old Dutch-era spellings, short
# forms). Applied to make "a name spelled two ways".
NAME_VARIANT_RULES = (
    ("MUHAMMAD", "MOCHAMMAD"),
    ("MOH.", "MOCHAMAD"),
    ("SITI", "SITTI"),
    ("NUR", "NOER"),
    ("SU", "SOE"),
    ("U", "OE"),
    ("Y", "J"),
    ("AH", "A"),
    ("I", "Y"),
)


def spelling_variant(name: str) -> str:
    """A different but recognisable spelling of the same name."""
    for old, new in NAME_VARIANT_RULES:
        if old in name:
            return name.replace(old, new, 1)
    return name + "H"
