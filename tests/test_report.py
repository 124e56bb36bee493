"""The meeting report: real HTML rendered by headless Chromium, real PDF turned into PNG pages."""

from __future__ import annotations

import re
import shutil
import subprocess

import duckdb
import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make test installs it)")


def _rendered_text(html_path, tmp_path) -> str:
    """What a browser shows: the DOM after Chromium loaded the file, tags stripped."""
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", html_path.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


@needs_chromium
def test_report_is_in_indonesian_and_says_the_gate_passed(tiny_run, tmp_path):
    reports = sorted((tiny_run["data"] / "reports").glob("laporan-*.html"))
    assert reports, tiny_run["result"].stdout[-3000:]
    text = _rendered_text(reports[-1], tmp_path)
    for phrase in ("Status pemeriksaan mutu", "LOLOS", "Gambaran kemiskinan", "Koperasi Desa Merah Putih",
                   "Mutu data", "Masalah data terbuka menurut instansi", "Dinas Sosial", "Dukcapil",
                   "DPMD/Diskop", "Sumbersari"):
        assert phrase in text, f"{phrase!r} missing from the rendered report"


def test_report_is_self_contained_and_holds_no_identity(tiny_run):
    html = sorted((tiny_run["data"] / "reports").glob("laporan-*.html"))[-1].read_text(encoding="utf-8")
    assert not re.search(r"<script|<link|@import|url\(|src=['\"]http", html), "the report must open offline"
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", html), "a 16-digit identity number is in the report"
    with duckdb.connect(str(tiny_run["data"] / "warehouse.duckdb"), read_only=True) as con:
        names = {r[0].strip().upper() for r in con.execute(
            "select nama from raw.dtks where length(trim(nama)) >= 8 union select nama_pengurus from raw.pkh "
            "where length(trim(nama_pengurus)) >= 8").fetchall()}
    upper = html.upper()
    leaked = [n for n in names if n in upper]
    assert not leaked, f"names from the raw files appear in the report: {leaked[:5]}"


@needs_chromium
def test_report_pdf_has_pages_with_content(tiny_run, tmp_path):
    pdf = sorted((tiny_run["data"] / "reports").glob("laporan-*.pdf"))[-1]
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    # A blank page compresses to almost nothing; a page of text and charts does not.
    assert all(p.stat().st_size > 5_000 for p in pages[:2]), [p.stat().st_size for p in pages]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Laporan Rapat Koordinasi" in text and "Status pemeriksaan mutu" in text
