"""Field-verification (verval) workbooks: one .xlsx per kecamatan, one sheet per desa.

They list the households and persons behind each targeting problem and each suspected
duplicate, with the evidence and the suggested action (restricted.verification_list, where the
rules live). Village officers and PKH facilitators fill in the last two columns in the field.

Identifiable: written only under data/restricted/verifikasi/<period>/ (folder 0o700, files
0o600). A cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, or a
tab or carriage return) gets a leading apostrophe, and every cell is written as text, so a
name like `=HYPERLINK(...)` typed into a registry can never run on an officer's laptop.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

from dagster_project.restricted import xlsx
from dagster_project.warehouse import connect_read_only, scalar

COLUMNS = [
    ("masalah", "Masalah", 34),
    ("kasus", "Kasus", 16),
    ("id_pkh", "ID PKH", 16),
    ("peran", "Peran", 18),
    ("nama", "Nama", 28),
    ("nik", "NIK", 19),
    ("no_kk", "No KK", 19),
    ("tanggal_lahir", "Tgl lahir", 11),
    ("jenis_kelamin", "L/P", 4),
    ("bukti", "Bukti", 60),
    ("tindakan_disarankan", "Tindakan disarankan", 50),
    ("instansi", "Instansi", 13),
]
# Up to this many listed rows (all kecamatan together) the workbooks are written in this
# process over one connection; above it by two spawned worker processes, which take ~1-1.5 s to
# start and open the warehouse again for each workbook. This process writes ~40k listed rows a
# second (xlsx.py): at kit `jember` (281k rows) 6.9 s in process, 5.0 s with the pool.
IN_PROCESS_ROWS = 50_000
FILL_IN = [("Hasil verifikasi (sama / beda / layak / tidak layak)", 28), ("Catatan petugas", 30)]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell's text, made inert for spreadsheets (OWASP CSV/formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", " ", name).strip()[:31] or "DESA"
    candidate, n = base, 2
    while candidate.upper() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.upper())
    return candidate


def write_verification_workbooks(
    warehouse: Path, restricted_dir: Path, period: str, in_process_rows: int = IN_PROCESS_ROWS
) -> dict[str, int]:
    """Write the workbooks of `period`, replacing that period's folder as a whole.

    Returns {workbook file name: listed rows}. Kept as they are when written before from the same
    inputs (`_inputs`). Each kecamatan with no case still gets its
    workbook (a sheet saying so), so a missing file always means a failed run, never "no cases".
    Up to `in_process_rows` listed rows they are written in this process, above it by a pool
    of worker processes; the same workbooks either way (tests/test_verification_workbooks.py).
    """
    os.makedirs(restricted_dir, mode=0o700, exist_ok=True)
    os.chmod(restricted_dir, 0o700)
    root = restricted_dir / "verifikasi"
    root.mkdir(mode=0o700, exist_ok=True)
    final = root / period
    # What the period's workbooks were written from, beside their folder (the folder itself is
    # handed to the field as it is): the same inputs write the same workbooks (xlsx.py; all but
    # the time in their properties), so they are kept. A koperasi report alone changes no
    # verification case (transform/person_tables.py).
    record = root / f".{period}.inputs.json"
    with connect_read_only(warehouse) as con:
        inputs = _inputs(con, period)
    try:
        recorded = json.loads(record.read_text())
    except (OSError, ValueError):
        recorded = None
    if recorded is not None and recorded.get("inputs") == inputs and final.is_dir():
        return dict(recorded["written"])
    record.unlink(missing_ok=True)
    partial = root / f".{period}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(mode=0o700)
    with connect_read_only(warehouse) as con:
        kecamatan = con.execute(
            "select distinct kode_kecamatan, nama_kecamatan from marts.dim_wilayah order by 1"
        ).fetchall()
        listed = scalar(con, "select count(*) from restricted.verification_list")
        if listed <= in_process_rows:
            written = dict(
                _write_kecamatan_with(con, str(partial), period, kode, nama)
                for kode, nama in kecamatan
            )
        else:
            # xlsx writing is CPU-bound Python: one process per core, each with its own
            # read-only connection beside this one. Spawned, not forked: the calling process
            # (a Dagster run) has threads of its own.
            jobs = [(str(warehouse), str(partial), period, kode, nama) for kode, nama in kecamatan]
            with ProcessPoolExecutor(
                max_workers=min(len(jobs), os.cpu_count() or 1) or 1,
                mp_context=multiprocessing.get_context("spawn"),
            ) as pool:
                written = dict(pool.map(_write_kecamatan, *zip(*jobs)))
    if final.exists():
        shutil.rmtree(final)
    os.replace(partial, final)
    descriptor = os.open(record, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump({"inputs": inputs, "written": written}, out)
    return written


def _inputs(con: duckdb.DuckDBPyConnection, period: str) -> dict[str, object]:
    """Everything the period's workbooks are written from: the verification list's rows (their
    count and two hashes of the set), the kecamatan, the period and the code."""
    from dagster_project.pipeline import code_fingerprint

    listed = con.execute(
        "select count(*), sum(hash(v)::hugeint)::varchar, bit_xor(hash(v))::varchar "
        "from restricted.verification_list as v"
    ).fetchone()
    kecamatan = con.execute(
        "select distinct kode_kecamatan, nama_kecamatan from marts.dim_wilayah order by all"
    ).fetchall()
    return {
        "period": period,
        "verification_list": list(listed or ()),
        "kecamatan": [list(k) for k in kecamatan],
        "code": code_fingerprint(),
        "duckdb": duckdb.__version__,
    }


def _write_kecamatan(
    warehouse: str, folder: str, period: str, kode_kec: str, nama_kec: str
) -> tuple[str, int]:
    """One kecamatan's workbook, in a worker process of the pool."""
    with connect_read_only(warehouse) as con:
        return _write_kecamatan_with(con, folder, period, kode_kec, nama_kec)


def _write_kecamatan_with(
    con: duckdb.DuckDBPyConnection, folder: str, period: str, kode_kec: str, nama_kec: str
) -> tuple[str, int]:
    select = ", ".join(c for c, _, _ in COLUMNS)
    rows = con.execute(
        f"""select kode_desa, nama_desa, {select} from restricted.verification_list
            where kode_kecamatan = ? order by kode_desa, urutan, kasus, peran <> 'PENGURUS PKH', nama, person_id""",
        [kode_kec],
    ).fetchall()
    name = f"verifikasi-{kode_kec.replace('.', '')}-{re.sub(r'[^a-z0-9]+', '_', nama_kec.lower())}-{period}.xlsx"
    path = Path(folder) / name
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    _write_workbook(path, nama_kec, period, rows)
    os.chmod(path, 0o600)
    return name, len(rows)


def _write_workbook(path: Path, nama_kec: str, period: str, rows: list[tuple]) -> None:
    workbook = xlsx.Workbook(path)
    used: set[str] = set()
    by_desa: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        by_desa.setdefault((row[0], row[1]), []).append(row[2:])

    summary: list[xlsx.Row] = [
        (0, [f"Daftar verifikasi lapangan Kecamatan {nama_kec}, periode {period}"], xlsx.TITLE),
        (
            1,
            ["RAHASIA: memuat data pribadi (UU PDP No 27/2022). Hanya untuk petugas verifikasi."],
            xlsx.PLAIN,
        ),
        (3, ["Kode desa", "Desa", "Masalah", "Kasus", "Baris"], xlsx.HEADER),
    ]
    line = 4
    for (kode, desa), items in by_desa.items():
        counts: dict[str, set] = {}
        for item in items:
            counts.setdefault(item[0], set()).add(item[1])
        for masalah, cases in counts.items():
            listed = sum(1 for i in items if i[0] == masalah)
            summary.append(
                (line, [kode, neutralise(desa), masalah, len(cases), listed], xlsx.PLAIN)
            )
            line += 1
    if not by_desa:
        summary.append((line, ["Tidak ada kasus untuk diverifikasi pada periode ini."], xlsx.PLAIN))
    workbook.add_sheet(_sheet_name("RINGKASAN", used), summary, widths={0: 15, 1: 40, 2: 40})

    header = [label for _, label, _ in COLUMNS] + [label for label, _ in FILL_IN]
    widths = dict(enumerate([width for _, _, width in COLUMNS] + [width for _, width in FILL_IN]))
    for (kode, desa), items in by_desa.items():
        title = f"Desa/Kelurahan {desa} ({kode}), Kecamatan {nama_kec}, periode {period}"
        # a generator: the sheet's rows reach the file as they are made, not as a second copy
        sheet = itertools.chain(
            [(0, [title], xlsx.TITLE), (2, header, xlsx.HEADER)],
            (
                (r, [neutralise(value) for value in item], xlsx.PLAIN)
                for r, item in enumerate(items, start=3)
            ),
        )
        workbook.add_sheet(
            _sheet_name(desa, used),
            sheet,
            widths=widths,
            frozen_rows=3,
            autofilter=(2, 2 + len(items), len(header) - 1),
        )
    workbook.close()
