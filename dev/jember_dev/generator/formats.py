"""How values are written into files, and how they get damaged.

Every function takes clean values (numpy arrays) and returns the text a clerk's spreadsheet
would hold, plus, where the change is a damage the pipeline must undo or flag, a tag added
to the row's damage list (`Damage`). File-level choices (delimiter, encoding, codings...)
live in `FileStyle`, picked so that the options rotate over the files of a run: even the
tiny scale, with few files, shows every variant.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dagster_project.ingestion.contract import Column, Table, header_lookup, normalise_header

MONTHS_LONG = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
EXCEL_EPOCH = np.datetime64("1899-12-30")

# Date forms (contract): 0 DD-MM-YYYY, 1 DD/MM/YYYY, 2 YYYY-MM-DD, 3 "12 Mei 1980",
# 4 "12 Agu 1980", 5 Excel serial number.
DATE_FORMS = 6
SEX_CODINGS = (("L", "P"), ("LAKI-LAKI", "PEREMPUAN"), ("1", "2"), ("Laki-laki", "Perempuan"))
YES_NO_CODINGS = (("YA", "TIDAK"), ("Y", "T"), ("1", "0"), ("Ya", "Tidak"))
RELATIONSHIP_NAMES = {
    1: "KEPALA KELUARGA",
    3: "ANAK",
    4: "MENANTU",
    5: "CUCU",
    6: "ORANG TUA",
    7: "MERTUA",
    8: "FAMILI LAIN",
    9: "LAINNYA",
}


class Damage:
    """Per-row list of damage tags, kept as one comma-joined string per row."""

    def __init__(self, n: int):
        self.tags = np.full(n, "", dtype=object)

    def add(self, rows: np.ndarray, tag: str) -> None:
        if len(rows):
            self.tags[rows] = self.tags[rows] + "," + tag

    def result(self) -> np.ndarray:
        return np.array([t[1:] for t in self.tags.tolist()], dtype=object)


def pick_rows(
    rng: np.random.Generator,
    n: int,
    rates: dict[str, float],
    minimum: int = 1,
    allowed: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Distinct rows for each kind of damage: about rate*n rows, at least `minimum` each."""
    candidates = np.arange(n) if allowed is None else np.flatnonzero(allowed)
    candidates = rng.permutation(candidates)
    picked, start = {}, 0
    for kind, rate in rates.items():
        count = int(rng.binomial(len(candidates), rate))
        if len(candidates) >= 200:  # big enough files show every kind at least once
            count = max(minimum, count)
        picked[kind] = np.sort(candidates[start : start + count])
        start += count
    return picked


# ---------------------------------------------------------------------------------------
# File style


@dataclass
class FileStyle:
    delimiter: str
    encoding: str  # utf-8, utf-8-sig, cp1252
    line_end: str
    title_lines: int
    header_case: str
    kode_desa: str  # dotted, plain, absent
    date_form: int
    sex_coding: int
    yes_no_coding: int
    relationship: str  # name, code, name_kk
    name_case: str
    desa_prefix: str  # none, short, long
    kec_prefix: str
    split_compound: bool
    totals: str  # JUMLAH, TOTAL or ''
    trailing_blank: int
    row_number_column: bool
    rt_padded: bool
    money: int


STYLE_OPTIONS = {
    "delimiter": (",", ";"),
    "encoding": ("utf-8", "cp1252", "utf-8-sig"),
    "line_end": ("\r\n", "\n"),
    "title_lines": (0, 3, 6, 2, 0, 4, 1),
    "header_case": ("upper", "alias", "title", "lower", "alias"),
    "kode_desa": ("dotted", "absent", "plain"),
    "date_form": (0, 1, 2, 3, 0, 4),
    "sex_coding": (0, 1, 2, 3),
    "yes_no_coding": (0, 1, 2, 3),
    "relationship": ("name", "code", "name_kk"),
    "name_case": ("upper", "upper", "title", "mixed"),
    "desa_prefix": ("none", "short", "long", "none"),
    "kec_prefix": ("none", "short", "long"),
    "split_compound": (False, True, False),
    "totals": ("JUMLAH", "", "TOTAL"),
    "trailing_blank": (0, 2, 1),
    "row_number_column": (True, False, False),
    "rt_padded": (True, False),
    "money": (0, 1, 2, 3, 4, 5),
}


class StyleRotation:
    """Hands out file styles: option i of each field rotates with the file ordinal."""

    def __init__(self, rng: np.random.Generator):
        self.offsets = {name: int(rng.integers(0, 1000)) for name in STYLE_OPTIONS}
        self.ordinal = 0

    def next(self) -> FileStyle:
        k = self.ordinal
        self.ordinal += 1
        # Fields advance at different speeds so that they do not move in lockstep; each
        # field still cycles through all its options over consecutive files.
        values = {}
        for i, (name, options) in enumerate(STYLE_OPTIONS.items()):
            step = k if i % 3 == 0 else (k * 7 + i) // (1 + i % 3)
            values[name] = options[(step + self.offsets[name]) % len(options)]
        return FileStyle(**values)


# ---------------------------------------------------------------------------------------
# Headers


def header_text(column: Column, table: Table, style: FileStyle, rng: np.random.Generator) -> str:
    """A header a clerk would write for `column`, checked to map back through the contract."""
    choices = [column.name.upper(), column.name.upper().replace("_", " "), *column.aliases]
    text = (
        choices[int(rng.integers(0, len(choices)))] if style.header_case == "alias" else choices[0]
    )
    if style.header_case == "title":
        text = text.replace("_", " ").title()
    elif style.header_case == "lower":
        text = text.lower()
    if header_lookup(table).get(normalise_header(text)) != column.name:
        text = column.name.upper()
    return text


def title_lines(style: FileStyle, first: str, period: str) -> list[str]:
    lines = [first, period, "", "Sumber: Dinas Sosial Kabupaten Jember", "Dicetak: operator", ""]
    return lines[: style.title_lines]


# ---------------------------------------------------------------------------------------
# Values


def date_parts(dates: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    dates = np.asarray(dates).astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return years.tolist(), months.tolist(), days.tolist()


def format_dates(dates: np.ndarray, forms: np.ndarray) -> np.ndarray:
    """Dates as text in the given form per row (see DATE_FORMS)."""
    dates = np.asarray(dates).astype("datetime64[D]")
    out = np.empty(len(dates), dtype=object)
    for form in range(DATE_FORMS):
        rows = np.flatnonzero(forms == form)
        if not len(rows):
            continue
        if form == 5:
            serial = (dates[rows] - EXCEL_EPOCH).astype(np.int64)
            out[rows] = serial.astype(str).astype(object)
            continue
        ys, ms, ds = date_parts(dates[rows])
        if form == 0:
            text = [f"{d:02d}-{m:02d}-{y:04d}" for y, m, d in zip(ys, ms, ds)]
        elif form == 1:
            text = [f"{d:02d}/{m:02d}/{y:04d}" for y, m, d in zip(ys, ms, ds)]
        elif form == 2:
            text = [f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in zip(ys, ms, ds)]
        elif form == 3:
            text = [f"{d} {MONTHS_LONG[m - 1]} {y}" for y, m, d in zip(ys, ms, ds)]
        else:
            text = [f"{d} {MONTHS_SHORT[m - 1]} {y}" for y, m, d in zip(ys, ms, ds)]
        out[rows] = text
    return out


def mixed_forms(
    rng: np.random.Generator, n: int, main: int, other_rate: float = 0.04
) -> np.ndarray:
    """Mostly the file's main form; a few rows typed another way (hand edits)."""
    forms = np.full(n, main)
    other = rng.random(n) < other_rate
    forms[other] = rng.integers(0, DATE_FORMS, int(other.sum()))
    return forms


def to_excel_date(dates: np.ndarray) -> list[dt.date]:
    ys, ms, ds = date_parts(dates)
    return [dt.date(y, m, d) for y, m, d in zip(ys, ms, ds)]


def format_money(values: np.ndarray, style: int) -> np.ndarray:
    """Rupiah in one of the contract's spellings."""
    ints = values.astype(np.int64).tolist()
    if style == 0:
        return np.array([str(v) for v in ints], dtype=object)
    dotted = [f"{v:,}".replace(",", ".") for v in ints]
    if style == 1:
        return np.array(dotted, dtype=object)
    if style == 2:
        return np.array(["Rp " + v for v in dotted], dtype=object)
    if style == 3:
        return np.array(["Rp" + v + ",00" for v in dotted], dtype=object)
    if style == 4:
        return np.array(["Rp. " + v for v in dotted], dtype=object)
    return np.array([f"{v:,}" for v in ints], dtype=object)


def coded(flags: np.ndarray, coding: tuple[str, str]) -> np.ndarray:
    return np.where(flags, coding[0], coding[1]).astype(object)


def mixed_coded(
    rng: np.random.Generator, flags: np.ndarray, codings: tuple, main: int
) -> np.ndarray:
    """Enumerations in the file's main spelling, a few rows in another (and some lower case)."""
    which = np.full(len(flags), main)
    other = rng.random(len(flags)) < 0.03
    which[other] = rng.integers(0, len(codings), int(other.sum()))
    out = np.empty(len(flags), dtype=object)
    for i, coding in enumerate(codings):
        rows = which == i
        out[rows] = coded(flags[rows], coding)
    lower = rng.random(len(flags)) < 0.01
    out[lower] = [v.lower() for v in out[lower].tolist()]
    return out


def relationship_text(
    rng: np.random.Generator, role: np.ndarray, female: np.ndarray, style: str
) -> np.ndarray:
    names = np.array([RELATIONSHIP_NAMES.get(r, "") for r in role.tolist()], dtype=object)
    names[role == 2] = np.where(female[role == 2], "ISTRI", "SUAMI")
    codes = role.astype(str).astype(object)
    out = codes if style == "code" else names
    if style == "name_kk":
        out = out.copy()
        out[role == 1] = "KK"
    # A few rows in another spelling than the file's own.
    other = rng.random(len(role)) < 0.03
    out = out.copy()
    out[other] = np.where(rng.random(int(other.sum())) < 0.5, codes[other], names[other])
    return out


def apply_case(rng: np.random.Generator, names: np.ndarray, style: str) -> np.ndarray:
    if style == "title":
        return np.array([n.title() for n in names.tolist()], dtype=object)
    out = names.copy()
    if style == "mixed":
        lower = rng.random(len(names)) < 0.3
        out[lower] = [n.title() for n in names[lower].tolist()]
    few = rng.random(len(names)) < 0.01
    out[few] = [n.lower() for n in names[few].tolist()]
    return out


# ---------------------------------------------------------------------------------------
# Identity numbers (NIK, NO_KK)

ID_DAMAGE_RATES = {
    "leading_quote": 0.006,
    "spaces": 0.003,
    "dots": 0.002,
    "dashes": 0.002,
    "scientific": 0.005,
    "trailing_dot0": 0.003,
    "short": 0.002,
    "long": 0.001,
    "empty": 0.003,
    "typo": 0.002,
}


def scientific(value: str) -> str:
    """What Excel shows for a 16-digit number in a General cell: 3.50912E+15."""
    mantissa = f"{int(value) / 1e15:.5f}".rstrip("0").rstrip(".")
    return f"{mantissa}E+15"


def damage_identity(
    rng: np.random.Generator,
    values: np.ndarray,
    damage: Damage,
    name: str,
    rate_scale: float = 1.0,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Damage identity numbers at low rates; every kind at least once per call."""
    out = values.copy()
    rates = {k: r * rate_scale for k, r in ID_DAMAGE_RATES.items()}
    present = np.array([isinstance(v, str) and len(v) == 16 for v in values.tolist()])
    if allowed is not None:
        present &= allowed
    picked = pick_rows(rng, len(values), rates, allowed=present)
    for kind, rows in picked.items():
        if not len(rows):
            continue
        vals = values[rows].tolist()
        if kind == "leading_quote":
            new = ["'" + v for v in vals]
        elif kind == "spaces":
            new = [f"{v[:4]} {v[4:8]} {v[8:12]} {v[12:]}" for v in vals]
        elif kind == "dots":
            new = [f"{v[:2]}.{v[2:4]}.{v[4:6]}.{v[6:12]}.{v[12:]}" for v in vals]
        elif kind == "dashes":
            new = [f"{v[:6]}-{v[6:12]}-{v[12:]}" for v in vals]
        elif kind == "scientific":
            new = [scientific(v) for v in vals]
        elif kind == "trailing_dot0":
            new = [v + ".0" for v in vals]
        elif kind == "short":
            cut = rng.integers(6, 16, len(vals)).tolist()
            new = [v[:c] + v[c + 1 :] for v, c in zip(vals, cut)]
        elif kind == "long":
            pos = rng.integers(6, 16, len(vals)).tolist()
            new = [v[:p] + v[p] + v[p:] for v, p in zip(vals, pos)]
        elif kind == "empty":
            new = [""] * len(vals)
        else:  # typo: one digit wrong, a valid-looking but different number
            new = [
                typo_digit(v, int(p), int(d))
                for v, p, d in zip(
                    vals, rng.integers(6, 16, len(vals)), rng.integers(1, 10, len(vals))
                )
            ]
        out[rows] = new
        damage.add(rows, f"{name}_{kind}")
    return out


def typo_digit(value: str, position: int, shift: int) -> str:
    digit = (int(value[position]) + shift) % 10
    return value[:position] + str(digit) + value[position + 1 :]


# ---------------------------------------------------------------------------------------
# Region names

COMPOUND = re.compile(
    r"^(Sumber|Karang|Kali|Tegal|Sido|Suko|Wono|Jati|Gunung|Rowo|Tanjung|Kebon|"
    r"Sumur|Gumuk|Curah|Ampel|Dawuhan|Sabrang|Pondok|Mangli|Jambe|Gelang|Kemuning)(\w{3,})$"
)


def misspell(name: str, position: int, kind: int) -> str:
    letters = list(name)
    p = 1 + position % max(1, len(letters) - 2)
    if kind == 0 and letters[p] != letters[p + 1]:  # swap two neighbours
        letters[p], letters[p + 1] = letters[p + 1], letters[p]
    elif kind == 1:  # a letter typed twice
        letters.insert(p, letters[p])
    else:  # a letter dropped
        del letters[p]
    result = "".join(letters)
    return result if result != name else name + name[-1]


def region_text(
    rng: np.random.Generator,
    names: np.ndarray,
    is_kelurahan: np.ndarray | None,
    level: str,
    style: FileStyle,
    damage: Damage,
    rate_scale: float = 1.0,
) -> np.ndarray:
    """Village or kecamatan names as typed: prefixes, case, spaces, split compounds, typos."""
    out = names.astype(object).copy()
    split_rate = 0.5 if style.split_compound else 0.02
    split = rng.random(len(out)) < split_rate
    can_split = np.array([bool(COMPOUND.match(n)) for n in names.tolist()])
    rows = np.flatnonzero(split & can_split)
    out[rows] = [COMPOUND.sub(r"\1 \2", n) for n in out[rows].tolist()]
    damage.add(rows, f"{level}_split")
    picked = pick_rows(
        rng, len(out), {"misspelled": 0.006 * rate_scale, "spaces": 0.01 * rate_scale}
    )
    rows = picked["misspelled"]
    out[rows] = [
        misspell(n, int(p), int(k))
        for n, p, k in zip(
            out[rows].tolist(), rng.integers(0, 20, len(rows)), rng.integers(0, 3, len(rows))
        )
    ]
    damage.add(rows, f"{level}_misspelled")
    case = style.name_case
    if case in ("upper", "mixed"):
        out = np.array([n.upper() for n in out.tolist()], dtype=object)
    prefix = style.desa_prefix if level == "desa" else style.kec_prefix
    if prefix != "none":
        if level == "kecamatan":
            pre = "Kec. " if prefix == "short" else "Kecamatan "
            out = pre + out
        else:
            pre = np.where(
                is_kelurahan,
                "Kel. " if prefix == "short" else "Kelurahan ",
                "Ds. " if prefix == "short" else "Desa ",
            )
            out = pre + out
        if case == "upper":
            out = np.array([n.upper() for n in out.tolist()], dtype=object)
    rows = picked["spaces"]
    out[rows] = ["  " + n.replace(" ", "  ") + " " for n in out[rows].tolist()]
    damage.add(rows, f"{level}_spaces")
    return out


def kode_desa_text(codes: np.ndarray, style: FileStyle) -> np.ndarray | None:
    if style.kode_desa == "absent":
        return None
    if style.kode_desa == "plain":
        return np.array([c.replace(".", "") for c in codes.tolist()], dtype=object)
    return codes.astype(object)


# ---------------------------------------------------------------------------------------
# Writers


def write_csv(
    path: Path,
    header: list[str],
    columns: list[np.ndarray],
    style: FileStyle,
    titles: list[str],
    totals: list[str] | None,
) -> int:
    """Write one CSV file; returns the number of bytes. Rows are records (csv quoting)."""
    buffer = io.StringIO()
    for line in titles:
        buffer.write(line + style.line_end)
    writer = csv.writer(
        buffer, delimiter=style.delimiter, lineterminator=style.line_end, quoting=csv.QUOTE_MINIMAL
    )
    writer.writerow(header)
    writer.writerows(zip(*[c.tolist() for c in columns]))
    for _ in range(style.trailing_blank):
        writer.writerow([""] * len(header))
    if totals is not None:
        writer.writerow(totals)
    data = buffer.getvalue().encode(
        "utf-8-sig" if style.encoding == "utf-8-sig" else style.encoding
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


@dataclass
class Sheet:
    name: str
    titles: list[str]
    header: list[str]
    rows: list[list]  # cells: str, int, float, dt.date or None
    totals: list | None = None


def write_xlsx(path: Path, sheets: list[Sheet]) -> int:
    """Write a workbook with fixed document dates so the bytes depend only on the data."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"created": dt.datetime(2025, 4, 1), "author": "Dinas Sosial"})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.name)
        r = 0
        for line in sheet.titles:
            if line:
                ws.write_string(r, 0, line)
            r += 1
        ws.write_row(r, 0, sheet.header)
        r += 1
        for row in sheet.rows + ([sheet.totals] if sheet.totals else []):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                elif isinstance(value, dt.date):
                    ws.write_datetime(
                        r, c, dt.datetime(value.year, value.month, value.day), date_format
                    )
                else:
                    ws.write_number(r, c, value)
            r += 1
    workbook.close()
    return path.stat().st_size
