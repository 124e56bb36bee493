"""The meeting report: real HTML rendered by headless Chromium, real PDF turned into PNG pages
and text, from real pipeline runs (the tiny generated delivery, the shipped sample, and the
shipped sample damaged so that publishing is blocked, an unreadable DTKS file among the damage)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from helpers import KENCONG_LOST, REPO, chromium, needs_chromium, rendered_text

from dagster_project.publishing.privacy import small_count_threshold
from dagster_project.reporting.report import bar_chart, build_report, case_band, line_chart

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils not installed"
)
SUITES = REPO / "expectations" / "gx" / "expectations"


def _report(data: Path, suffix: str = "html") -> Path:
    reports = sorted((data / "reports").glob(f"laporan-*.{suffix}"))
    assert reports, f"no laporan-*.{suffix} in {data / 'reports'}"
    return reports[-1]


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def _titles() -> dict[tuple[str, str, str], str]:
    """Each expectation's Bahasa title, as the suites hold it, by suite, type and column."""
    titles = {}
    for path in SUITES.glob("*.json"):
        suite = json.loads(path.read_text(encoding="utf-8"))
        for e in suite["expectations"]:
            titles[(suite["name"], e["type"], e["kwargs"].get("column"), e["severity"])] = e[
                "meta"
            ]["judul"]
    return titles


def _failed(data: Path) -> list[dict]:
    verdict = json.loads((data / "quality" / "verdict.json").read_text())
    return [
        dict(e, suite=s["suite"])
        for s in verdict["suites"]
        for e in s["expectations"]
        if not e["success"]
    ]


@pytest.fixture
def sample_data(sample_run: dict) -> Path:
    """The data folder of the session's run of the shipped sample (conftest.sample_run): it
    publishes, with one warning (most villages have no DTKS rows in a sample of five
    kecamatan)."""
    return sample_run["data"]


@pytest.fixture
def blocked_run(sample_blocked: dict) -> Path:
    """The data folder of the session's blocked run of the shipped sample
    (conftest.sample_blocked): among its damage, a DTKS file of Kencong that cannot be read
    (its header is not a DTKS header, helpers.KENCONG_LOST): a kecamatan's registry lost blocks
    publishing, and the failed file is also a warning of the files check."""
    return sample_blocked["data"]


@needs_chromium
def test_report_is_in_indonesian_and_says_the_gate_passed(tiny_run, tmp_path):
    text = rendered_text(_report(tiny_run["data"]), tmp_path)
    for phrase in (
        "Status pemeriksaan mutu",
        "LOLOS",
        "Gambaran kemiskinan",
        "Koperasi Desa Merah Putih",
        "Mutu data",
        "Masalah data terbuka menurut instansi",
        "Dinas Sosial",
        "Dukcapil",
        "DPMD/Diskop UKM",
        "Koordinator PKH",
        "BPS",
        "Sumbersari",
        "Desa/kelurahan yang perlu ditangani lebih dulu",
        "Tren kemiskinan menurut BPS",
    ):
        assert phrase in text, f"{phrase!r} missing from the rendered report"


def test_report_is_self_contained_and_holds_no_identity(tiny_run):
    html = _report(tiny_run["data"]).read_text(encoding="utf-8")
    assert not re.search(r"<script|<link|@import|url\(|src=['\"]http", html), (
        "the report must open offline"
    )
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", html), (
        "a 16-digit identity number is in the report"
    )
    with duckdb.connect(str(tiny_run["data"] / "warehouse.duckdb"), read_only=True) as con:
        names = {
            r[0].strip().upper()
            for r in con.execute(
                "select nama from raw.dtks where length(trim(nama)) >= 8 union select nama_pengurus from raw.pkh "
                "where length(trim(nama_pengurus)) >= 8"
            ).fetchall()
        }
    upper = html.upper()
    leaked = [n for n in names if n in upper]
    assert not leaked, f"names from the raw files appear in the report: {leaked[:5]}"


@needs_chromium
@needs_poppler
def test_report_pdf_is_a4_with_numbered_pages_and_a_wib_footer(
    sample_data: Path, tmp_path: Path
) -> None:
    pdf = _report(sample_data, "pdf")
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert pages >= 3 and len(sizes) == pages
    # A4 is 210 x 297 mm = 595.3 x 841.9 pt (US Letter would be 612 x 792)
    assert all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in sizes), sizes
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"Halaman {page} dari {pages}" in text, f"page {page} has no page number"
        assert re.search(r"dibuat \d{1,2} \w+ 20\d\d pukul \d\d\.\d\d WIB", text), (
            f"page {page}: no WIB footer"
        )
        assert "UTC" not in text
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    # A blank page compresses to almost nothing; a page of text and charts does not.
    assert all(p.stat().st_size > 5_000 for p in images[:2]), [p.stat().st_size for p in images]


# Run in Chromium on a copy of the page (the report itself holds no script): every SVG text's
# box, as laid out, must lie inside its SVG's viewBox, or the label is cut.
_MEASURE = """<script>
window.addEventListener('load', () => {
  const out = {texts: 0, outside: []};
  for (const svg of document.querySelectorAll('svg')) {
    const vb = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      out.texts += 1;
      if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5
          || b.y + b.height > vb.y + vb.height + 0.5) {
        out.outside.push([t.textContent, b.x, b.y, b.width, b.height, vb.width, vb.height]);
      }
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _measure(html: str, tmp_path: Path) -> dict:
    page = tmp_path / "measure.html"
    page.write_text(html.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri(), tmp_path=tmp_path)
    return json.loads(
        re.search(r"<pre id=\"measured\">(.*?)</pre>", dom, re.S).group(1).replace("&quot;", '"')
    )


@needs_chromium
def test_no_chart_label_is_cut(sample_data: Path, tmp_path: Path) -> None:
    measured = _measure(_report(sample_data).read_text(encoding="utf-8"), tmp_path)
    assert measured["texts"] > 50, measured
    assert measured["outside"] == [], measured["outside"]


@needs_chromium
def test_long_stage_and_village_names_wrap_inside_the_chart(tmp_path):
    """Longer labels than any delivery has had: wrapped onto more lines, never cut."""
    labels = [
        "PENGURUS TERBENTUK",
        "AKTA NOTARIS",
        "TIDAK ADA LAPORAN",
        "KOPERASI DESA MERAH PUTIH SUMBERSARI KECAMATAN SUMBERSARI KABUPATEN JEMBER",
        "Wonoasri",
        "Mumbulsari (kelurahan yang namanya sangat panjang sekali untuk diuji)",
    ]
    charts = bar_chart([(label, 1000 * i + 7) for i, label in enumerate(labels)]) + line_chart(
        [2011, 2021, 2025],
        [
            {
                "label": "penduduk miskin menurut BPS dan jiwa DTKS, seri yang panjang",
                "color": "#b03a2e",
                "values": {2011: 1234567, 2021: 1200000, 2025: 987654},
            }
        ],
    )
    cut = (
        "<svg width='60' height='20' viewBox='0 0 60 20' xmlns='http://www.w3.org/2000/svg'>"
        "<text x='10' y='15' font-size='12'>TIDAK ADA LAPORAN</text></svg>"
    )
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{charts}{cut}</body></html>"
    )
    measured = _measure(html, tmp_path)
    assert measured["texts"] >= 2 * len(labels)
    # the measurement sees a cut label (the last SVG, made too narrow on purpose) and no other
    assert [o[0] for o in measured["outside"]] == ["TIDAK ADA LAPORAN"], measured["outside"]
    assert html.count("<tspan") > len(labels), "the long labels were not wrapped"


def test_every_expectation_has_a_bahasa_title():
    for path in SUITES.glob("*.json"):
        suite = json.loads(path.read_text(encoding="utf-8"))
        titles = [(e.get("meta") or {}).get("judul") for e in suite["expectations"]]
        assert all(titles), f"{path.name}: an expectation has no meta.judul"
        assert len(set(titles)) == len(titles), f"{path.name}: two expectations share a title"
        assert not any(t.startswith("expect_") for t in titles)


@needs_chromium
def test_a_warning_under_a_passed_gate_is_a_warning_not_a_failure(
    sample_data: Path, tmp_path: Path
) -> None:
    failed = _failed(sample_data)
    assert failed and all(e["severity"] == "warning" for e in failed), failed
    text = rendered_text(_report(sample_data), tmp_path)
    gate = _section(text, "1. Status pemeriksaan mutu", "2. Desa/kelurahan")
    assert "LOLOS" in gate and "Peringatan (tidak menghalangi publikasi)" in gate
    assert "gagal" not in gate.lower(), gate
    titles = _titles()
    for e in failed:
        title = titles[(e["suite"], e["expectation"], e.get("column"), e["severity"])]
        assert title in gate, title
    # the technical name only in small print, beside the Bahasa title
    html = _report(sample_data).read_text(encoding="utf-8")
    assert re.search(
        r"<small class=\"teknis\">expect_column_values_to_be_between dtks_persons</small>", html
    )


@needs_chromium
def test_a_blocked_report_lists_failures_apart_from_warnings_in_bahasa(blocked_run, tmp_path):
    failed = _failed(blocked_run)
    critical = [e for e in failed if e["severity"] == "critical"]
    warnings = [e for e in failed if e["severity"] == "warning"]
    assert critical and warnings, failed
    text = rendered_text(_report(blocked_run), tmp_path)
    assert "DIBLOKIR" in text
    failures_part = _section(
        text, "Pemeriksaan yang gagal (menghalangi publikasi)", "Peringatan (tidak menghalangi"
    )
    warnings_part = _section(text, "Peringatan (tidak menghalangi", "File yang tidak dapat dibaca")
    titles = _titles()
    for e in critical:
        title = titles[(e["suite"], e["expectation"], e.get("column"), "critical")]
        assert title in failures_part and title not in warnings_part, title
    for e in warnings:
        title = titles[(e["suite"], e["expectation"], e.get("column"), "warning")]
        assert title in warnings_part and title not in failures_part, title
    assert " peringatan " in warnings_part and " gagal " not in warnings_part
    assert "Data kecamatan Kencong tidak lengkap" in text
    assert KENCONG_LOST.name in text


def test_villages_needing_attention_come_in_order_of_cases_per_1000_residents(
    sample_data: Path,
) -> None:
    threshold = small_count_threshold()
    with duckdb.connect(str(sample_data / "warehouse.duckdb"), read_only=True) as con:
        expected = con.execute(
            "select nama_desa, kasus_dinas_sosial, kasus_pkh, kasus_koperasi, kasus_total, kasus_per_1000 "
            "from reporting.rpt_desa_perhatian where kasus_per_1000 is not null and kasus_total >= ? "
            "order by kasus_per_1000 desc, kasus_total desc, kode_desa limit 15",
            [threshold],
        ).fetchall()
        below = con.execute(
            "select count(*) from reporting.rpt_desa_perhatian where kasus_total between 1 and ?",
            [threshold - 1],
        ).fetchone()[0]
    assert expected and below, "the sample should have villages above and below the threshold"
    html = _report(sample_data).read_text(encoding="utf-8")
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", row)
        for row in re.findall(r"<tr class=\"perhatian\">(.*?)</tr>", html, re.S)
    ]
    # the order is the rate's (rpt_desa_perhatian), and only villages at or above the threshold
    assert [r[1] for r in rows] == [name for name, *_ in expected]
    for row, (_, dinsos, pkh, kop, total, _) in zip(rows, expected):
        # which agencies must act, never how many cases each (their sums would give back
        # cells the release suppresses); the total only as a band at least `threshold` wide
        assert row[3:6] == ["ada" if count > 0 else "-" for count in (dinsos, pkh, kop)]
        assert row[6] == case_band(total, threshold)
        assert row[6] != f"&lt; {threshold}"


def test_report_renders_when_dbt_built_nothing():
    """A run that stopped before dbt (say, every file unreadable) still gets its report."""
    with duckdb.connect() as con:
        html = build_report(con, None, "2025-12", None)
    assert "BELUM diperiksa" in html and "Desember 2025" in html and "WIB" in html
