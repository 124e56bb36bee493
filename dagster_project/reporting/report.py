"""The coordination-meeting report (laporan rapat koordinasi), in Bahasa Indonesia.

Rendered after every run, published or blocked, so the meeting always learns what the data
says and, when the gate blocked publishing, why. Its figures come from the dbt models of
`dbt/models/reporting/` (schema `reporting`, aggregates only: no NIK, NO_KK or name); the checks
come from the gate's verdict file, named in Bahasa by the expectation's own `meta.judul`. This
module only reads those, suppresses small counts where it shows village cells, and renders the
Jinja2 templates of `templates/` (autoescaped). The HTML is self-contained (inline CSS and SVG,
no scripts, no external fonts) and prints on A4 with page numbers; the PDF is printed from it
by headless Chromium, offline, when installed.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape
from markupsafe import Markup, escape

from dagster_project.publishing.privacy import small_count_threshold
from dagster_project.quality.validation import BLOCKING_SEVERITY
from dagster_project.resources import EXPECTATIONS_DIR
from dagster_project.warehouse import connect_read_only, scalar

TEMPLATES = Path(__file__).parent / "templates"
# Western Indonesia Time has had no daylight saving since 1964: a fixed UTC+7 is exact and
# needs no tz database.
WIB = timezone(timedelta(hours=7), "WIB")
BULAN = [
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
]
REPORTING = "reporting"


@dataclass
class ReportFiles:
    html: Path
    pdf: Path | None
    period: str


# -- formatting ---------------------------------------------------------------------------


def fmt(value: object, decimals: int = 0) -> str:
    """Indonesian number format: 1.234.567 and 12,5; a dash when unknown (NULL, or a model
    dbt did not build this run)."""
    if value is None or isinstance(value, Undefined):
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and decimals == 0 and not value.is_integer():
        decimals = 1
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "§").replace(".", ",").replace("§", ".")


def pct(share: float | Undefined | None, decimals: int = 1) -> str:
    """A share (0..1) as an Indonesian percentage."""
    return (
        "–" if share is None or isinstance(share, Undefined) else fmt(100.0 * share, decimals) + "%"
    )


_LONG_NUMBER = re.compile(r"[0-9]{12,}")


def masked_path(path: object) -> str:
    """A delivered file's path for the report, with long digit runs masked: agencies name files
    freely, and a name may carry a NIK or NO_KK, which the report never shows."""
    return _LONG_NUMBER.sub(lambda m: "#" * len(m.group()), "" if path is None else str(path))


def period_label(period: str) -> str:
    year, month = period.split("-")
    return f"{BULAN[int(month) - 1]} {year}"


def wib_label(moment: datetime) -> str:
    local = moment.astimezone(WIB)
    return f"{local.day} {BULAN[local.month - 1]} {local.year} pukul {local:%H.%M} WIB"


def css_string(text: str) -> Markup:
    """A quoted CSS string (the page footer's `content:`). Inside <style> the HTML parser
    decodes no entities, so it is CSS-escaped here instead of HTML-escaped."""
    escaped = "".join(
        c if c.isalnum() or c in " .,:;·-–()/" else f"\\{ord(c):x} " for c in str(text)
    )
    return Markup(f'"{escaped}"')


# -- reading ------------------------------------------------------------------------------


class _Warehouse:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def has(self, schema: str, table: str) -> bool:
        return bool(
            scalar(
                self.con,
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            )
        )

    def read(self, model: str, order_by: str | None = None) -> list[dict]:
        """Every row of a reporting model as dicts; none when dbt did not build it this run."""
        if not self.has(REPORTING, model):
            return []
        cursor = self.con.execute(
            f"select * from {REPORTING}.{model}" + (f" order by {order_by}" if order_by else "")
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def reporting_period(con: duckdb.DuckDBPyConnection) -> str:
    """The run's period, as dbt decided it (intermediate.int_reporting_period: --period, else
    the month the data describes); the current month when dbt did not get that far."""
    wh = _Warehouse(con)
    if wh.has("intermediate", "int_reporting_period"):
        row = con.execute("select period from intermediate.int_reporting_period").fetchone()
        if row and row[0]:
            return row[0]
    return datetime.now(WIB).strftime("%Y-%m")


# -- the gate's checks, in Bahasa ---------------------------------------------------------


def _plain(value: object) -> object:
    """GX hands arguments back with whole numbers as floats (min_value 1 -> 1.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _check_key(suite: str, expectation: str, kwargs: dict[str, Any] | None) -> str:
    plain = {k: _plain(v) for k, v in (kwargs or {}).items() if k != "batch_id"}
    return json.dumps([suite, expectation, plain], sort_keys=True, default=str)


def check_titles(expectations_dir: Path = EXPECTATIONS_DIR) -> dict[str, str]:
    """The Bahasa title of every expectation (its `meta.judul` in the suite file), keyed by
    suite, type and arguments: the verdict names an expectation the same way."""
    titles = {}
    for path in sorted((expectations_dir / "gx" / "expectations").glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        for e in suite.get("expectations", []):
            judul = (e.get("meta") or {}).get("judul")
            if judul:
                titles[_check_key(suite["name"], e["type"], e.get("kwargs"))] = judul
    return titles


def gate_checks(verdict: dict | None, titles: dict[str, str]) -> dict:
    """The gate's state and its failed checks, blocking failures apart from warnings.

    A warning (severity `warning`) never blocks publishing, so it is never called "gagal":
    it is a "peringatan", also when the gate passed."""
    failures: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for suite in (verdict or {}).get("suites", []):
        for e in suite.get("expectations", []):
            if e.get("success"):
                continue
            item = {
                "judul": titles.get(
                    _check_key(suite.get("suite", ""), e["expectation"], e.get("kwargs"))
                )
                or "Pemeriksaan tanpa judul (tambahkan meta.judul pada ekspektasi)",
                "teknis": f"{e['expectation']} {e.get('column') or ''}".strip(),
                "tabel": suite.get("asset", ""),
                "baris": e.get("unexpected_count"),
            }
            (failures if e.get("severity") == BLOCKING_SEVERITY else warnings).append(item)
    if verdict is None:
        state = "belum"
    else:
        state = "lolos" if verdict.get("passed") else "blokir"
    return {"state": state, "failures": failures, "warnings": warnings}


# -- charts (inline SVG, no script) -------------------------------------------------------

FONT_PX = 12
# Widest DejaVu Sans glyphs at 12 px are about 9 px (capitals such as M and W); sizing labels
# by this bound keeps every label inside its SVG, which tests/test_report.py measures.
CHAR_PX = 8.6


def _wrap(label: str, max_chars: int) -> list[str]:
    words, lines, line = str(label).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > max_chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return lines or [""]


def bar_chart(
    items: list[tuple[str, float | None]],
    *,
    width: int = 660,
    color: str = "#1f6f8b",
    max_label_chars: int = 24,
) -> Markup:
    """Horizontal bars: label (wrapped onto more lines rather than cut), bar, value."""
    if not items:
        return Markup("<p class='muted'>Tidak ada data.</p>")
    wrapped = [(_wrap(label, max_label_chars), value) for label, value in items]
    longest = max(len(line) for lines, _ in wrapped for line in lines)
    label_w = int(16 + CHAR_PX * longest)
    value_w = int(16 + CHAR_PX * max(len(fmt(v)) for _, v in items))
    bar_w = max(60, width - label_w - value_w)
    width = label_w + bar_w + value_w
    line_h, pad = 15, 8
    top = max((v or 0) for _, v in items) or 1
    parts, y = [], 4
    for lines, value in wrapped:
        row_h = max(22, len(lines) * line_h + pad)
        w = max(1, round(bar_w * value / top)) if value else 0
        first = y + row_h / 2 - (len(lines) - 1) * line_h / 2 + 4
        spans = "".join(
            f"<tspan x='{label_w - 8}' y='{first + i * line_h:.1f}'>{escape(line)}</tspan>"
            for i, line in enumerate(lines)
        )
        parts.append(f"<text text-anchor='end' font-size='{FONT_PX}'>{spans}</text>")
        parts.append(
            f"<rect x='{label_w}' y='{y + row_h / 2 - 7:.1f}' width='{w}' height='14' fill='{color}'/>"
        )
        parts.append(
            f"<text x='{label_w + w + 6}' y='{y + row_h / 2 + 4:.1f}' font-size='{FONT_PX}'>"
            f"{escape(fmt(value))}</text>"
        )
        y += row_h
    height = int(y + 4)
    return Markup(
        f"<svg class='chart' width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
        f"role='img' xmlns='http://www.w3.org/2000/svg'>{''.join(parts)}</svg>"
    )


def _nice_step(rough: float) -> float:
    """A round axis step (1, 2, 2.5 or 5 times a power of ten) at least `rough`."""
    if rough <= 0:
        return 1
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)


def line_chart(
    years: list[int], series: list[dict], *, width: int = 660, height: int = 250, unit: str = ""
) -> Markup:
    """A trend over years: one line (with its points and values) per series; a series is
    {"label", "color", "values": {year: value}}. Gaps in a series are left open."""
    points = [(y, v) for s in series for y, v in s["values"].items() if v is not None]
    if not points:
        return Markup("<p class='muted'>Tidak ada data.</p>")
    years = sorted(set(years))
    step = _nice_step(max(v for _, v in points) / 4)
    top = step * (int(max(v for _, v in points) / step) + 1)
    ticks = [step * i for i in range(int(round(top / step)) + 1)]
    left = 16 + CHAR_PX * max(len(fmt(t) + unit) for t in ticks)
    right, upper, lower = 30, 20, 30 + 18 * len(series)
    plot_w, plot_h = width - left - right, height - upper - lower
    span = (years[-1] - years[0]) or 1

    def x(year: float) -> float:
        return left + plot_w * ((year - years[0]) / span if len(years) > 1 else 0.5)

    def y(value: float) -> float:
        return upper + plot_h * (1 - value / top)

    parts = [
        f"<line x1='{left}' y1='{upper + plot_h}' x2='{left + plot_w}' y2='{upper + plot_h}' stroke='#888'/>"
    ]
    for v in ticks:
        parts.append(
            f"<line x1='{left}' y1='{y(v):.1f}' x2='{left + plot_w}' y2='{y(v):.1f}' stroke='#e3e3e3'/>"
        )
        parts.append(
            f"<text x='{left - 6}' y='{y(v) + 4:.1f}' text-anchor='end' font-size='11' fill='#555'>"
            f"{escape(fmt(v))}{escape(unit)}</text>"
        )
    for year in years:
        parts.append(
            f"<text x='{x(year):.1f}' y='{upper + plot_h + 16}' text-anchor='middle' font-size='11'>{year}</text>"
        )
    for s in series:
        known = [(yr, s["values"][yr]) for yr in years if s["values"].get(yr) is not None]
        segment: list[str] = []
        for yr in years:
            v = s["values"].get(yr)
            if v is None:
                if len(segment) > 1:
                    parts.append(
                        f"<polyline fill='none' stroke='{s['color']}' stroke-width='2' points='{' '.join(segment)}'/>"
                    )
                segment = []
                continue
            segment.append(f"{x(yr):.1f},{y(v):.1f}")
        if len(segment) > 1:
            parts.append(
                f"<polyline fill='none' stroke='{s['color']}' stroke-width='2' points='{' '.join(segment)}'/>"
            )
        for i, (yr, v) in enumerate(known):
            parts.append(f"<circle cx='{x(yr):.1f}' cy='{y(v):.1f}' r='3.5' fill='{s['color']}'/>")
            if 0 < i < len(known) - 1:
                continue
            anchor = (
                "end"
                if yr == years[-1] and len(years) > 1
                else ("start" if yr == years[0] else "middle")
            )
            parts.append(
                f"<text x='{x(yr):.1f}' y='{y(v) - 8:.1f}' text-anchor='{anchor}' font-size='11' "
                f"fill='{s['color']}'>{escape(fmt(v))}{escape(unit)}</text>"
            )
    for i, s in enumerate(series):  # one legend line per series, under the year axis
        legend_y = upper + plot_h + 26 + 18 * i
        parts.append(
            f"<rect x='{left}' y='{legend_y}' width='12' height='12' fill='{s['color']}'/>"
        )
        parts.append(
            f"<text x='{left + 17}' y='{legend_y + 10}' font-size='12'>{escape(s['label'])}</text>"
        )
    return Markup(
        f"<svg class='chart' width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
        f"role='img' xmlns='http://www.w3.org/2000/svg'>{''.join(parts)}</svg>"
    )


# -- villages needing attention -----------------------------------------------------------

ATTENTION_AGENCIES = [
    ("kasus_dinas_sosial", "Dinas Sosial"),
    ("kasus_pkh", "Koordinator PKH"),
    ("kasus_koperasi", "DPMD/Diskop UKM"),
]


CASE_BANDS = [(100, "100 atau lebih"), (50, "50-99"), (20, "20-49"), (10, "10-19"), (5, "5-9")]


def case_band(total: int, threshold: int) -> str:
    """A count of open cases as a band at least `threshold` wide, never the number itself."""
    for low, label in CASE_BANDS:
        if total >= max(low, threshold):
            return label
    return f"< {threshold}"


def attention_list(rows: list[dict], threshold: int, limit: int = 15) -> list[dict]:
    """The villages with the most open cases per 1,000 residents (rpt_desa_perhatian's order).

    Which agencies must act is shown per village, not how many cases each has: the Dinas
    Sosial and PKH counts are sums of mart_desa cells the release suppresses village by
    village, and an exact sum beside the published cells would give a hidden cell back. For
    the same reason the total is shown as a band (at least `threshold` wide) and the rate not
    at all; the order is the rate's. A village is listed only with at least `threshold` open
    cases (docs/privacy.md)."""
    listed = []
    for row in rows:
        if row["kasus_per_1000"] is None or (row["kasus_total"] or 0) < threshold:
            continue
        listed.append(
            {
                **row,
                "sel": [
                    (agency, "ada" if (row[col] or 0) > 0 else "-")
                    for col, agency in ATTENTION_AGENCIES
                ],
                "kasus_band": case_band(row["kasus_total"], threshold),
            }
        )
        if len(listed) == limit:
            break
    return listed


# -- the document -------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        fmt=fmt, pct=pct, path=masked_path, period=period_label, css_string=css_string
    )
    return env


def _limit(verdict: dict[str, Any] | None, suite: str, column: str, bound: str) -> object:
    """A failing expectation's own limit, read from the verdict (never repeated here); None
    when that check did not fail."""
    for s in (verdict or {}).get("suites", []):
        if s.get("suite") != suite:
            continue
        for e in s.get("expectations", []):
            if not e.get("success") and e.get("column") == column:
                return (e.get("kwargs") or {}).get(bound)
    return None


def _failed(verdict: dict | None, suite: str, column: str) -> bool:
    return any(
        s.get("suite") == suite
        and any(
            not e.get("success") and e.get("column") == column for e in s.get("expectations", [])
        )
        for s in (verdict or {}).get("suites", [])
    )


def report_context(
    con: duckdb.DuckDBPyConnection,
    verdict: dict | None,
    period: str,
    published_release: str | None,
    *,
    now: datetime | None = None,
    titles: dict[str, str] | None = None,
    threshold: int | None = None,
) -> dict:
    """Everything the template shows, read from the reporting models and the verdict."""
    wh = _Warehouse(con)
    threshold = small_count_threshold() if threshold is None else threshold
    checks = gate_checks(verdict, check_titles() if titles is None else titles)
    kab = (wh.read("rpt_kabupaten") or [{}])[0]

    trend = wh.read("rpt_bps_trend", "tahun")
    trend_years = [r["tahun"] for r in trend]
    percent_chart = line_chart(
        trend_years,
        [
            {
                "label": "penduduk miskin menurut BPS (%)",
                "color": "#b03a2e",
                "values": {r["tahun"]: r["persen_miskin"] for r in trend},
            }
        ],
        unit="%",
    )
    persons_chart = line_chart(
        trend_years,
        [
            {
                "label": "penduduk miskin menurut BPS (jiwa)",
                "color": "#b03a2e",
                "values": {r["tahun"]: r["jumlah_miskin_jiwa"] for r in trend},
            },
            {
                "label": "jiwa di DTKS (periode terakhir tahun itu)",
                "color": "#1f6f8b",
                "values": {r["tahun"]: r["dtks_persons"] for r in trend},
            },
        ],
    )

    targeting = [
        ("inclusion_candidates", "Salah sasaran masuk (inclusion)"),
        ("exclusion_candidates", "Terlewat (exclusion)"),
        ("duplicate_aid_cases", "Bantuan ganda"),
        ("deceased_recipients", "Penerima sudah meninggal"),
        ("component_mismatches", "Komponen/nominal tidak sesuai"),
    ]

    files = wh.read(
        "rpt_file_bermasalah",
        "masalah, baris_tanpa_desa desc nulls last, baris_nilai_tidak_sah desc nulls last, "
        "source_path",
    )
    show_unplaced = bool(checks["failures"] or checks["warnings"])
    share_limit = _limit(verdict, "int_delivery_completeness", "share_of_previous", "min_value")
    unknown_limit = _limit(verdict, "int_delivery_completeness", "pkh_unknown_share", "max_value")
    unreadable_failed = _failed(verdict, "int_delivery_completeness", "check_name")
    incomplete = [
        r
        for r in wh.read("rpt_kiriman_tidak_lengkap", "nama_kecamatan, source_path")
        if (r["check_name"] == "file_unreadable" and unreadable_failed)
        or (
            r["check_name"] == "persons_vs_previous_period"
            and share_limit is not None
            and r["share_of_previous"] is not None
            and r["share_of_previous"] < share_limit
        )
        or (
            r["check_name"] == "pkh_families_unknown_to_dtks"
            and unknown_limit is not None
            and r["pkh_unknown_share"] is not None
            and r["pkh_unknown_share"] > unknown_limit
        )
    ]
    odd_files = []
    for column, label in (
        ("repeated_row_share", "bagian baris yang sudah pernah dikirim"),
        ("max_records_per_person", "catatan terbanyak untuk satu orang"),
    ):
        limit = _limit(verdict, "int_delivery_sanity", column, "max_value")
        if limit is not None:
            odd = [
                r
                for r in wh.read("rpt_kiriman_janggal", f"{column} desc, source_path")
                if r[column] is not None and r[column] > limit
            ][:20]
            odd_files += [
                {
                    "file": r["source_path"],
                    "pemeriksaan": label,
                    "nilai": fmt(r[column], 2)
                    if column == "repeated_row_share"
                    else fmt(r[column]),
                }
                for r in odd
            ]
    if any(
        x.get("suite") == "int_delivery_blocks" and not x.get("passed", True)
        for x in (verdict or {}).get("suites", [])
    ):
        kinds = {
            "nik": "NIK",
            "no_kk": "NO_KK",
            "id_pkh": "ID_PKH",
            "birth_name": "tanggal lahir + nama",
        }
        odd_files += [
            {
                "file": r["source_path"],
                "pemeriksaan": f"satu {kinds.get(r['block_kind'], r['block_kind'])} pada terlalu banyak baris",
                "nilai": fmt(r["file_rows"]),
            }
            for r in wh.read("rpt_kunci_berlebih", "block_rows desc, source_path")[:20]
        ]
    rupiah_files = (
        wh.read("rpt_file_nominal_pkh", "keluarga desc, source_path")[:20]
        if _failed(verdict, "mart_pkh_family", "stages_rupiah_mismatch")
        else []
    )

    changes = wh.read("rpt_perubahan", "nama_kecamatan")
    change_labels = [
        ("households_added", "keluarga bertambah"),
        ("households_removed", "keluarga berkurang"),
        ("households_desil_down", "desil turun"),
        ("households_desil_up", "desil naik"),
        ("households_pkh_graduated", "graduasi PKH"),
        ("households_pkh_joined", "baru masuk PKH"),
        ("desa_koperasi_naik_tahap", "desa/kelurahan yang koperasinya naik tahap"),
    ]

    moment = now or datetime.now(UTC)
    return {
        "title": "Laporan Rapat Koordinasi Data Kemiskinan dan Koperasi Desa Merah Putih",
        "period": period,
        "generated": wib_label(moment),
        "release": published_release,
        "checks": checks,
        "kab": kab,
        "desil_chart": bar_chart(
            [(r["label"], r["keluarga"]) for r in wh.read("rpt_desil", "urutan")]
        ),
        "trend": trend,
        "latest_bps": next((r for r in reversed(trend) if r["persen_miskin"] is not None), None),
        "percent_chart": percent_chart,
        "persons_chart": persons_chart,
        "targeting": targeting,
        "targeting_chart": bar_chart(
            [(label, kab.get(col)) for col, label in targeting], color="#b9770e"
        )
        if kab
        else None,
        "kecamatan": wh.read("rpt_kecamatan", "nama_kecamatan"),
        "koperasi_chart": bar_chart(
            [(r["tahapan"], r["desa"]) for r in wh.read("rpt_koperasi_tahapan", "urutan")],
            color="#7d3c98",
        ),
        "attention": attention_list(wh.read("rpt_desa_perhatian", "peringkat"), threshold),
        "attention_agencies": [agency for _, agency in ATTENTION_AGENCIES],
        "threshold": threshold,
        "problems": wh.read("rpt_masalah_instansi", "urutan_instansi, instansi, masalah"),
        "quality_sources": wh.read("rpt_mutu_sumber", "source"),
        "quality_kecamatan": wh.read("rpt_mutu_kecamatan", "nama_kecamatan"),
        "unreadable_files": [r for r in files if r["masalah"] == "gagal_dibaca"],
        "unplaced_files": [r for r in files if r["masalah"] == "desa_tidak_dikenali"][:10]
        if show_unplaced
        else [],
        "value_problem_files": [r for r in files if r["masalah"] == "nilai_tidak_sah"][:10],
        "incomplete": incomplete,
        "incomplete_kecamatan": sorted({r["nama_kecamatan"] for r in incomplete}),
        "odd_files": odd_files,
        "rupiah_files": rupiah_files,
        "changes": changes,
        "change_labels": change_labels,
        "change_totals": {col: sum(r[col] or 0 for r in changes) for col, _ in change_labels},
        "previous_period": max((r["previous_period"] for r in changes), default=None),
    }


def build_report(
    con: duckdb.DuckDBPyConnection,
    verdict: dict | None,
    period: str,
    published_release: str | None,
    *,
    now: datetime | None = None,
    titles: dict[str, str] | None = None,
    threshold: int | None = None,
) -> str:
    context = report_context(
        con, verdict, period, published_release, now=now, titles=titles, threshold=threshold
    )
    return _environment().get_template("laporan.html.j2").render(**context)


def render_pdf(html_path: Path, pdf_path: Path) -> Path | None:
    """Print the HTML to PDF with headless Chromium; None when Chromium is not installed.

    Paper size, margins and the page-number footer come from the document's own CSS `@page`
    rules (`--no-pdf-header-footer` drops Chromium's URL-and-date header so they show); no
    network is used: the document loads nothing."""
    browser = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if browser is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf_path}",
                html_path.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    return pdf_path if pdf_path.exists() else None


def write_report(
    warehouse: Path,
    reports_dir: Path,
    verdict: dict | None,
    published_release: str | None,
    period: str | None = None,
) -> ReportFiles:
    with connect_read_only(warehouse) as con:
        period = period or reporting_period(con)
        document = build_report(con, verdict, period, published_release)
    reports_dir.mkdir(parents=True, exist_ok=True)
    html_path = reports_dir / f"laporan-{period}.html"
    tmp = html_path.with_suffix(".html.tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(html_path)
    pdf = render_pdf(html_path, reports_dir / f"laporan-{period}.pdf")
    (reports_dir / f"laporan-{period}.json").write_text(
        json.dumps(
            {
                "period": period,
                "gate_passed": bool(verdict and verdict.get("passed")),
                "published_release": published_release,
            },
            indent=2,
        )
    )
    return ReportFiles(html_path, pdf, period)
