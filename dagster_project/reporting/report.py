"""The coordination-meeting report (laporan rapat koordinasi), in Bahasa Indonesia.

Rendered from the warehouse after every run, published or blocked, so the meeting always
learns what the data says and, when the gate blocked publishing, why. It holds aggregates only:
no NIK, NO_KK or name ever appears in it. The HTML is self-contained (inline CSS and SVG, no
scripts, no external fonts); the PDF is printed from it by headless Chromium when installed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

STAGES = [
    "BELUM MULAI",
    "SOSIALISASI",
    "MUSDESUS",
    "PENGURUS TERBENTUK",
    "AD/ART",
    "AKTA NOTARIS",
    "BADAN HUKUM",
    "OPERASIONAL",
]
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]


@dataclass
class ReportFiles:
    html: Path
    pdf: Path | None
    period: str


def _fmt(value, decimals: int = 0) -> str:
    """Indonesian number format: 1.234.567 and 12,5."""
    if value is None:
        return "–"
    if isinstance(value, float) and decimals == 0 and not value.is_integer():
        decimals = 1
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "§").replace(".", ",").replace("§", ".")


def _pct(part, whole) -> str:
    if not whole:
        return "–"
    return _fmt(100.0 * (part or 0) / whole, 1) + "%"


def _e(text) -> str:
    return html.escape("" if text is None else str(text))


_LONG_NUMBER = re.compile(r"[0-9]{12,}")


def _path(path) -> str:
    """A delivered file's path for the report, with long digit runs masked: agencies name files
    freely, and a name may carry a NIK or NO_KK, which the report never shows."""
    return _LONG_NUMBER.sub(lambda m: "#" * len(m.group()), "" if path is None else str(path))


class _Warehouse:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def has(self, relation: str) -> bool:
        schema, table = relation.split(".")
        return bool(
            self.con.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()[0]
        )

    def columns(self, relation: str) -> set[str]:
        if not self.has(relation):
            return set()
        return {r[0] for r in self.con.execute(f"describe {relation}").fetchall()}

    def rows(self, sql: str, params=None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params=None):
        row = self.con.execute(sql, params or []).fetchone()
        return row[0] if row else None


def reporting_period(con: duckdb.DuckDBPyConnection) -> str:
    """The run's period, as dbt decided it (intermediate.int_reporting_period: --period, else
    the month the data describes); the current month when dbt did not get that far."""
    wh = _Warehouse(con)
    if wh.has("intermediate.int_reporting_period"):
        period = wh.one("select period from intermediate.int_reporting_period")
        if period:
            return period
    return datetime.now(timezone.utc).strftime("%Y-%m")


def _period_label(period: str) -> str:
    year, month = period.split("-")
    return f"{BULAN[int(month) - 1]} {year}"


def _bar_chart(items: list[tuple[str, float]], *, width: int = 640, unit: str = "", color: str = "#1f6f8b") -> str:
    """A horizontal bar chart as inline SVG: label, bar, value."""
    if not items:
        return "<p class='muted'>Tidak ada data.</p>"
    top = max((v or 0) for _, v in items) or 1
    row_h, value_w = 22, 90
    # room for the longest label (about 7 px a character at font-size 12)
    label_w = min(330, max(110, 12 + 7 * max(len(str(label)) for label, _ in items)))
    bar_w = width - label_w - value_w
    parts = [f"<svg class='chart' width='{width}' height='{row_h * len(items) + 8}' "
             f"viewBox='0 0 {width} {row_h * len(items) + 8}' role='img' xmlns='http://www.w3.org/2000/svg'>"]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row_h
        w = max(1, int(bar_w * (value or 0) / top)) if value else 0
        parts.append(f"<text x='{label_w - 8}' y='{y + 15}' text-anchor='end' font-size='12'>{_e(label)}</text>")
        parts.append(f"<rect x='{label_w}' y='{y + 3}' width='{w}' height='{row_h - 8}' fill='{color}'/>")
        parts.append(f"<text x='{label_w + w + 6}' y='{y + 15}' font-size='12'>{_fmt(value)}{unit}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = " class='num'" if i >= numeric_from else ""
            text = value if isinstance(value, str) else _fmt(value)
            cells.append(f"<td{cls}>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;color:#1b1b1b;margin:24px auto;max-width:960px;font-size:13px;line-height:1.45}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-bottom:2px solid #1f6f8b;padding-bottom:3px;margin-top:28px}
h3{font-size:14px;margin:18px 0 6px}.muted{color:#666}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}
th{background:#eef4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{padding:10px 14px;border-radius:4px;margin:12px 0;font-weight:bold}
.lolos{background:#e3f4e1;border:1px solid #5a9e52}.blokir{background:#fbe3e1;border:1px solid #c0392b}
.cards{display:flex;gap:10px;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:4px;padding:8px 12px;min-width:150px}
.card b{display:block;font-size:18px}.chart{display:block;margin:6px 0}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}}
"""


def build_report(con: duckdb.DuckDBPyConnection, verdict: dict | None, period: str,
                 published_release: str | None) -> str:
    wh = _Warehouse(con)
    sections: list[str] = []
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    # Gate status first: it decides whether the numbers below may be relied on.
    failed_suites = [s for s in (verdict or {}).get("suites", []) if not s.get("passed")]
    warn_suites = [s for s in (verdict or {}).get("suites", [])
                   if s.get("passed") and any(not e["success"] for e in s["expectations"])]
    if verdict is None:
        status = ("<div class='status blokir'>Pemeriksaan mutu belum dijalankan: data di bawah ini "
                  "BELUM diperiksa dan tidak dipublikasikan.</div>")
    elif verdict.get("passed"):
        status = ("<div class='status lolos'>Pemeriksaan mutu LOLOS. Data dipublikasikan"
                  f"{' (rilis ' + _e(published_release) + ')' if published_release else ''}.</div>")
    else:
        status = ("<div class='status blokir'>Pemeriksaan mutu GAGAL: publikasi DIBLOKIR. Versi terakhir "
                  "yang lolos tetap dipakai analis. Angka di bawah ini berasal dari kiriman yang gagal "
                  "diperiksa dan hanya untuk menelusuri masalah.</div>")
    failures = []
    for suite in failed_suites + warn_suites:
        for e in suite["expectations"]:
            if not e["success"]:
                sifat = "memblokir" if e["severity"] == "critical" else "peringatan"
                failures.append([suite["asset"], e["expectation"], e.get("column") or "", sifat,
                                 e.get("unexpected_count") if e.get("unexpected_count") is not None else "–"])
    gate_html = status
    if failures:
        gate_html += "<h3>Pemeriksaan yang gagal</h3>" + _table(
            ["tabel", "pemeriksaan", "kolom", "sifat", "baris bermasalah"], failures, numeric_from=4)
    gate_html += _files_behind_problems(wh, show_unplaced=bool(failures))
    gate_html += _files_behind_failed_checks(wh, failed_suites + warn_suites)
    sections.append("<h2>1. Status pemeriksaan mutu</h2>" + gate_html)

    # Kabupaten summary and the poverty picture.
    md = "marts.mart_desa"
    mdc = wh.columns(md)
    totals = {}
    if mdc:
        for col in ("dtks_persons", "dtks_families", "pkh_families", "bps_penduduk", "bps_jumlah_kk", "pkh_nominal_rp"):
            if col in mdc:
                totals[col] = wh.one(f"select sum({col}) from {md}")
    bps = wh.rows("select tahun, persen_miskin, jumlah_miskin_ribu, garis_kemiskinan_rp from reference.bps_kemiskinan_jember order by tahun") \
        if wh.has("reference.bps_kemiskinan_jember") else []
    latest_bps = bps[-1] if bps else None
    cards = [
        ("Penduduk (BPS)", totals.get("bps_penduduk")),
        ("Jiwa di DTKS", totals.get("dtks_persons")),
        ("Keluarga di DTKS", totals.get("dtks_families")),
        ("Keluarga penerima PKH (KPM)", totals.get("pkh_families")),
    ]
    card_html = "<div class='cards'>" + "".join(
        f"<div class='card'><span class='muted'>{_e(k)}</span><b>{_fmt(v)}</b></div>" for k, v in cards) + "</div>"
    kab = "marts.mart_kabupaten"
    kabc = wh.columns(kab)
    if "dtks_families_desil_1" in kabc:
        values = wh.rows("select " + ", ".join(f"dtks_families_desil_{d}" for d in range(1, 11))
                         + ", dtks_families_desil_unknown from " + kab)[0]
        desil_items = [(f"desil {d}", values[d - 1]) for d in range(1, 11)] + [("tanpa desil", values[10])]
        poverty = "<h3>Keluarga DTKS menurut desil (1 = termiskin)</h3>" + _bar_chart(desil_items)
        persons = wh.rows(f"select dtks_persons_desil_1_2, dtks_persons_desil_1_4, bps_jumlah_miskin, "
                          f"bps_jumlah_miskin_tahun from {kab}")[0] if "bps_jumlah_miskin" in kabc else None
        if persons:
            poverty += _table(
                ["ukuran", "jiwa"],
                [["jiwa DTKS di keluarga desil 1-2", persons[0]], ["jiwa DTKS di keluarga desil 1-4", persons[1]],
                 [f"penduduk miskin menurut BPS ({persons[3] or '–'})", persons[2]]], numeric_from=1)
    else:
        poverty = "<p class='muted'>Belum ada keluarga DTKS.</p>"
    if bps:
        poverty += "<h3>Seri kemiskinan BPS Kabupaten Jember</h3>" + _table(
            ["tahun", "persentase miskin (P0)", "jumlah miskin (ribu jiwa)", "garis kemiskinan (Rp/kapita/bulan)"],
            [[str(t), _fmt(p, 2), _fmt(j, 2), g] for t, p, j, g in bps])
        if latest_bps and totals.get("dtks_persons"):
            poverty += (f"<p>BPS mencatat {_fmt(latest_bps[1], 2)}% penduduk miskin pada {latest_bps[0]}"
                        f"{' (' + _fmt(latest_bps[2], 2) + ' ribu jiwa)' if latest_bps[2] else ''}; "
                        f"DTKS memuat {_fmt(totals['dtks_persons'])} jiwa. DTKS mencakup keluarga rentan, "
                        "tidak hanya yang miskin menurut garis BPS, sehingga kedua angka tidak sama.</p>")
    sections.append("<h2>2. Gambaran kemiskinan</h2>" + card_html + poverty)

    # PKH coverage and targeting problems, for the kabupaten and per kecamatan.
    pkh_html = ""
    if "pkh_families_tahun_ini" in kabc:
        (tahun, fam, paid, rupiah, c12, c14, d12, d14) = wh.rows(
            "select pkh_tahun, pkh_families_tahun_ini, pkh_families_paid_tahun_ini, pkh_nominal_rp_tahun_ini, "
            "pkh_coverage_desil_1_2, pkh_coverage_desil_1_4, dtks_families_desil_1_2, dtks_families_desil_1_4 "
            f"from {kab} cross join (select max(pkh_tahun) as pkh_tahun from {md})")[0]
        pkh_html += (f"<p>Tahun PKH {tahun or '–'}: {_fmt(fam)} keluarga (KPM) di daftar, {_fmt(paid)} dibayar, "
                     f"total Rp {_fmt(rupiah)}.</p>")
        pkh_html += "<div class='cards'>" + "".join(
            f"<div class='card'><span class='muted'>{_e(k)}</span><b>{v}</b></div>" for k, v in (
                ("Cakupan PKH desil 1-2", _pct(c12, 1) if c12 is not None else "–"),
                ("Cakupan PKH desil 1-4", _pct(c14, 1) if c14 is not None else "–"),
                ("Keluarga desil 1-2", _fmt(d12)), ("Keluarga desil 1-4", _fmt(d14)))) + "</div>"
    problems = [("inclusion_candidates", "Salah sasaran masuk (inclusion)"),
                ("exclusion_candidates", "Terlewat (exclusion)"),
                ("duplicate_aid_cases", "Bantuan ganda"),
                ("deceased_recipients", "Penerima sudah meninggal"),
                ("component_mismatches", "Komponen/nominal tidak sesuai")]
    present = [(c, label) for c, label in problems if c in kabc]
    if present:
        values = wh.rows("select " + ", ".join(c for c, _ in present) + f" from {kab}")[0]
        pkh_html += "<h3>Masalah penargetan, Kabupaten (jumlah keluarga)</h3>" + _bar_chart(
            [(label, v) for (_, label), v in zip(present, values)], color="#b9770e")
        rows = wh.rows("select nama_kecamatan, " + ", ".join(c for c, _ in present)
                       + ", pkh_coverage_desil_1_2 from marts.mart_kecamatan order by nama_kecamatan")
        pkh_html += "<h3>Masalah penargetan per kecamatan</h3>" + _table(
            ["kecamatan"] + [label for _, label in present] + ["cakupan PKH desil 1-2"],
            [list(r[:-1]) + [_pct(r[-1], 1) if r[-1] is not None else "–"] for r in rows])
        pkh_html += ("<p class='muted'>Daftar keluarga dan orang di balik setiap kasus, dengan bukti dan tindakan "
                     "yang disarankan, ada di lembar verifikasi per kecamatan (data terbatas, hanya untuk petugas).</p>")
    else:
        pkh_html += "<p class='muted'>Penanda masalah penargetan belum tersedia pada periode ini.</p>"
    sections.append("<h2>3. Cakupan PKH dan masalah penargetan</h2>" + pkh_html)

    # Cooperative funnel for the 226 desa.
    kop_html = ""
    if "koperasi_tahapan" in mdc:
        stage_counts = dict(wh.rows(f"select coalesce(koperasi_tahapan, 'TIDAK ADA LAPORAN'), count(*) from {md} where jenis = 'DESA' group by 1"))
        items = [(s, stage_counts.get(s, 0)) for s in STAGES] + [("TIDAK ADA LAPORAN", stage_counts.get("TIDAK ADA LAPORAN", 0))]
        kop_html += "<h3>Tahap terkini koperasi di 226 desa</h3>" + _bar_chart(items, color="#7d3c98")
        flags = [(c, label) for c, label in (("koperasi_has_stage_regression", "laporan dengan tahap mundur"),
                                             ("koperasi_lacks_legal_documents", "badan hukum tanpa akta/SK")) if c in mdc]
        if flags:
            kop_html += "<ul>" + "".join(
                f"<li>{_fmt(wh.one(f'select count(*) from {md} where {c}'))} desa: {label}</li>" for c, label in flags) + "</ul>"
    sections.append("<h2>4. Koperasi Desa Merah Putih</h2>" + (kop_html or "<p class='muted'>Belum ada laporan koperasi.</p>"))

    # Data quality by source and by kecamatan.
    q_html = ""
    if wh.has("staging.stg_ingest__files"):
        rows = wh.rows("select source, count(*) filter (where status='loaded'), count(*) filter (where status='failed'), "
                       "count(*) filter (where is_repeat_delivery), sum(data_rows) from staging.stg_ingest__files group by 1 order by 1")
        rejected = dict(wh.rows("select source, count(*) from intermediate.rejected_rows group by 1")) \
            if wh.has("intermediate.rejected_rows") else {}
        q_html += "<h3>Menurut sumber</h3>" + _table(
            ["sumber", "file/sheet terbaca", "file gagal", "kiriman berulang", "baris data", "baris ditolak"],
            [[s, a, b, c, d, rejected.get(s, 0)] for s, a, b, c, d in rows])
    if wh.has("intermediate.int_dtks__persons_cleaned"):
        rows = wh.rows(
            "select coalesce(w.nama_kecamatan, '(desa tidak dikenali)'), count(*), "
            "count(*) filter (where p.is_nik_valid), count(*) filter (where p.is_padan), "
            "count(*) filter (where p.desa_match_method = 'fuzzy'), count(*) filter (where p.kode_desa is null) "
            "from intermediate.int_dtks__persons_cleaned p left join marts.dim_wilayah w on w.kode_desa = p.kode_desa "
            "where not p.is_repeat_delivery group by 1 order by 1")
        q_html += "<h3>DTKS menurut kecamatan</h3>" + _table(
            ["kecamatan", "baris", "NIK valid", "padan Dukcapil", "nama desa dicocokkan kira-kira", "desa tak dikenali"],
            [[k, n, _pct(v, n), _pct(p, n), f, u] for k, n, v, p, f, u in rows])
    sections.append("<h2>5. Mutu data</h2>" + (q_html or "<p class='muted'>Belum ada data.</p>"))

    # Changes since the previous period: needs published history.
    sections.append("<h2>6. Perubahan sejak periode sebelumnya</h2>" + _changes(wh))

    # Per kecamatan overview.
    if wh.has("marts.mart_kecamatan"):
        kc = wh.columns("marts.mart_kecamatan")
        cols = [c for c in ("dtks_persons", "dtks_families", "pkh_families", "bps_penduduk", "koperasi_desa_badan_hukum_or_later") if c in kc]
        labels = {"dtks_persons": "jiwa DTKS", "dtks_families": "keluarga DTKS", "pkh_families": "KPM PKH",
                  "bps_penduduk": "penduduk BPS", "koperasi_desa_badan_hukum_or_later": "desa koperasi berbadan hukum"}
        rows = wh.rows(f"select nama_kecamatan, {', '.join(cols)} from marts.mart_kecamatan order by nama_kecamatan")
        sections.append("<h2>7. Per kecamatan</h2>" + _table(["kecamatan"] + [labels[c] for c in cols], [list(r) for r in rows]))

    sections.append("<h2>8. Masalah data terbuka menurut instansi penanggung jawab</h2>" + _open_problems(wh))

    title = "Laporan Rapat Koordinasi Data Kemiskinan dan Koperasi Desa Merah Putih"
    return (
        "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>{_e(title)} – {_e(_period_label(period))}</title><style>{CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class='muted'>Kabupaten Jember · Periode {_e(_period_label(period))} · "
        f"dibuat {generated} · hanya angka agregat, tanpa NIK atau nama</p>"
        + "".join(sections)
        + "</body></html>"
    )


def _files_behind_problems(wh: _Warehouse, show_unplaced: bool) -> str:
    """Name the files behind the problems: unreadable files, and files whose rows could not be placed."""
    out = ""
    if wh.has("staging.stg_ingest__files"):
        failed = wh.rows("select source_path, sheet, message from staging.stg_ingest__files where status = 'failed' order by 1, 2")
        if failed:
            out += "<h3>File yang tidak dapat dibaca</h3>" + _table(
                ["file", "sheet", "masalah"], [[_path(p), s or "", _path(m)] for p, s, m in failed], numeric_from=99)
    parts = [
        f"select source_path, count(*) as baris, count(*) filter (where kode_desa is null) as tanpa_desa from {t} group by 1"
        for t in ("intermediate.int_dtks__persons_cleaned", "intermediate.int_pkh__disbursements_cleaned")
        if wh.has(t)
    ]
    if show_unplaced and parts:
        worst = wh.rows(
            f"select source_path, baris, tanpa_desa from ({' union all '.join(parts)}) "
            "where tanpa_desa > 0 order by tanpa_desa desc, source_path limit 10"
        )
        if worst:
            out += "<h3>File dengan baris yang desanya tidak dikenali</h3>" + _table(
                ["file", "baris", "desa tidak dikenali"], [[_path(p), n, u] for p, n, u in worst])
    return out


def _files_behind_failed_checks(wh: _Warehouse, suites: list[dict]) -> str:
    """For a failed delivery check or PKH rupiah check, the delivered files behind it (the
    limits are the failing expectations' own, read from the verdict, never repeated here)."""
    out = ""
    for suite in suites:
        failed = [e for e in suite["expectations"] if not e["success"]]
        if suite["asset"] == "intermediate.int_delivery_completeness" and wh.has("intermediate.int_delivery_completeness"):
            out += _incomplete_kecamatan(wh, failed)
        if suite["asset"] == "intermediate.int_delivery_sanity" and wh.has("intermediate.int_delivery_sanity"):
            rows = []
            for e in failed:
                column, limit = e.get("column"), (e.get("kwargs") or {}).get("max_value")
                if column in ("repeated_row_share", "max_records_per_person") and limit is not None:
                    rows += wh.rows(f"select source_path, '{column}', {column} from intermediate.int_delivery_sanity "
                                    f"where {column} > ? order by {column} desc, source_path limit 20", [limit])
            if rows:
                labels = {"repeated_row_share": "bagian baris yang sudah pernah dikirim",
                          "max_records_per_person": "catatan terbanyak untuk satu orang"}
                out += "<h3>File kiriman yang tampak salah secara keseluruhan</h3>" + _table(
                    ["file", "pemeriksaan", "nilai"],
                    [[_path(p), labels[c], _fmt(v, 2) if c == "repeated_row_share" else v] for p, c, v in rows], numeric_from=2)
        if suite["asset"] == "intermediate.int_delivery_blocks" and failed and wh.has("intermediate.int_delivery_blocks"):
            rows = wh.rows("select source_path, block_kind, block_rows, file_rows from intermediate.int_delivery_blocks "
                           "order by block_rows desc, source_path limit 20")
            if rows:
                out += "<h3>File dengan satu kunci identitas pada terlalu banyak baris</h3>" + _table(
                    ["file", "kunci", "baris dengan kunci yang sama", "di file ini"],
                    [[_path(p), k, n, f] for p, k, n, f in rows], numeric_from=2)
        if suite["asset"] == "marts.mart_pkh_family" and any(e.get("column") == "stages_rupiah_mismatch" for e in failed) \
                and "rupiah_mismatch_files" in wh.columns("intermediate.int_pkh_families"):
            rows = wh.rows("select f, count(*) from (select unnest(rupiah_mismatch_files) as f "
                           "from intermediate.int_pkh_families) group by 1 order by 2 desc, 1 limit 20")
            if rows:
                out += "<h3>File PKH dengan nominal yang tidak sesuai komponen</h3>" + _table(
                    ["file", "keluarga dengan nominal tidak sesuai"], [[_path(p), n] for p, n in rows])
    return out


def _incomplete_kecamatan(wh: _Warehouse, failed: list[dict]) -> str:
    """Which kecamatan the delivery lacks, which file and why (the limit is the failing
    expectation's own, read from the verdict)."""
    rows = []
    for e in failed:
        if e.get("column") == "check_name":
            rows += wh.rows(
                "select coalesce(nama_kecamatan, '(tidak diketahui dari nama file)'), source, source_path, "
                "'file tidak dapat dibaca: ' || coalesce(message, '') from intermediate.int_delivery_completeness "
                "where check_name = 'file_unreadable' order by nama_kecamatan nulls last, source_path")
        limit = (e.get("kwargs") or {}).get("min_value")
        if e.get("column") == "share_of_previous" and limit is not None:
            rows += wh.rows(
                "select nama_kecamatan, source, '', 'jiwa DTKS turun dari ' || persons_before || ' (periode ' "
                "|| previous_period || ') menjadi ' || persons_now from intermediate.int_delivery_completeness "
                "where check_name = 'persons_vs_previous_period' and share_of_previous < ? order by nama_kecamatan",
                [limit])
        limit = (e.get("kwargs") or {}).get("max_value")
        if e.get("column") == "pkh_unknown_share" and limit is not None:
            rows += wh.rows(
                "select nama_kecamatan, source, '', message || ' (data DTKS kecamatan ini tampaknya hilang)' "
                "from intermediate.int_delivery_completeness "
                "where check_name = 'pkh_families_unknown_to_dtks' and pkh_unknown_share > ? order by nama_kecamatan",
                [limit])
    if not rows:
        return ""
    names = sorted({k for k, *_ in rows})
    return ("<h3>Kiriman tidak lengkap: kecamatan yang datanya hilang</h3>"
            f"<p><b>Data kecamatan {_e(', '.join(names))} tidak lengkap</b> pada kiriman ini. Angka kecamatan "
            "tersebut (dan total kabupaten) akan salah dan lembar verifikasi akan berisi kasus palsu, sehingga "
            "publikasi diblokir sampai file dikirim ulang dengan benar.</p>"
            + _table(["kecamatan", "sumber", "file", "alasan"],
                     [[k, src.upper(), _path(p), _path(m)] for k, src, p, m in rows], numeric_from=99))


def _changes(wh: _Warehouse) -> str:
    if not wh.has("marts.mart_desa_changes"):
        return "<p class='muted'>Riwayat periode belum tersedia.</p>"
    previous = wh.one("select max(previous_period) from marts.mart_desa_changes")
    if previous is None:
        return "<p class='muted'>Belum ada periode sebelumnya yang tersimpan untuk dibandingkan.</p>"
    labels = [("households_added", "keluarga bertambah"), ("households_removed", "keluarga berkurang"),
              ("households_desil_down", "desil turun"), ("households_desil_up", "desil naik"),
              ("households_pkh_graduated", "graduasi PKH"), ("households_pkh_joined", "baru masuk PKH")]
    cols = ", ".join(f"sum({c})" for c, _ in labels)
    total = wh.rows(f"select {cols}, count(*) filter (where koperasi_stage_advanced) from marts.mart_desa_changes")[0]
    out = f"<p>Dibandingkan dengan periode {_e(_period_label(previous))}.</p>"
    out += _table(["perubahan", "jumlah"], [[label, v] for (_, label), v in zip(labels, total[:-1])]
                  + [["desa/kelurahan yang koperasinya naik tahap", total[-1]]], numeric_from=1)
    rows = wh.rows(
        f"select w.nama_kecamatan, {cols}, count(*) filter (where c.koperasi_stage_advanced) "
        "from marts.mart_desa_changes c join marts.dim_wilayah w using (kode_desa) group by 1 order by 1")
    out += "<h3>Per kecamatan</h3>" + _table(
        ["kecamatan"] + [label for _, label in labels] + ["koperasi naik tahap"], [list(r) for r in rows])
    return out


def _open_problems(wh: _Warehouse) -> str:
    rows: list[list] = []

    def add(agency: str, problem: str, sql: str, needs: str) -> None:
        relation = needs
        if wh.has(relation):
            rows.append([agency, problem, wh.one(sql) or 0])

    add("Dinas Sosial", "baris DTKS tanpa identitas (ditolak)",
        "select count(*) from intermediate.rejected_rows where source = 'dtks'", "intermediate.rejected_rows")
    add("Dinas Sosial", "baris DTKS dengan desa tidak dikenali",
        "select count(*) from intermediate.int_dtks__persons_cleaned where kode_desa is null and not is_repeat_delivery",
        "intermediate.int_dtks__persons_cleaned")
    add("Dukcapil", "NIK rusak atau strukturnya tidak valid",
        "select count(*) from intermediate.int_dtks__persons_cleaned where not coalesce(is_nik_valid, false) and not is_repeat_delivery",
        "intermediate.int_dtks__persons_cleaned")
    add("Dukcapil", "NIK tidak cocok dengan tanggal lahir atau jenis kelamin",
        "select count(*) from intermediate.int_dtks__persons_cleaned where (nik_birth_date_mismatch or nik_sex_mismatch) and not is_repeat_delivery",
        "intermediate.int_dtks__persons_cleaned")
    add("PKH", "baris PKH tanpa identitas (ditolak)",
        "select count(*) from intermediate.rejected_rows where source = 'pkh'", "intermediate.rejected_rows")
    add("PKH", "baris PKH dengan desa tidak dikenali",
        "select count(*) from intermediate.int_pkh__disbursements_cleaned where kode_desa is null and not is_repeat_delivery",
        "intermediate.int_pkh__disbursements_cleaned")
    add("DPMD/Diskop", "desa dengan laporan tahap mundur",
        "select count(*) from marts.mart_desa where koperasi_has_stage_regression", "marts.mart_desa")
    add("DPMD/Diskop", "desa berbadan hukum tanpa akta atau SK",
        "select count(*) from marts.mart_desa where koperasi_lacks_legal_documents", "marts.mart_desa")
    add("DPMD/Diskop", "desa tanpa laporan koperasi",
        "select count(*) from marts.mart_desa where jenis = 'DESA' and coalesce(koperasi_reports, 0) = 0", "marts.mart_desa")
    if wh.has("intermediate.int_targeting_cases"):
        names = {"inclusion": "keluarga PKH salah sasaran masuk (verifikasi kelayakan)",
                 "exclusion": "keluarga desil 1-2 layak PKH belum menerima (usulan calon KPM)",
                 "duplicate_aid": "keluarga dengan bantuan ganda",
                 "deceased_recipient": "PKH dibayar kepada penerima yang tercatat meninggal",
                 "component_mismatch": "komponen atau nominal PKH tidak sesuai"}
        for instansi, kind, n in wh.rows("select instansi, kind, count(*) from intermediate.int_targeting_cases "
                                         "group by all order by 1, 2"):
            rows.append([instansi, names.get(kind, kind), n])
        if wh.has("restricted.person_review_list"):
            rows.append(["Dinas Sosial", "pasangan catatan dugaan orang yang sama (perlu dicek)",
                         wh.one("select count(*) from restricted.person_review_list")])
    if wh.has("staging.stg_ingest__files"):
        rows.append(["Semua pengirim", "file yang gagal dibaca",
                     wh.one("select count(*) from staging.stg_ingest__files where status = 'failed'")])
    order = {"Dinas Sosial": 0, "Dukcapil": 1, "PKH": 2, "DPMD/Diskop": 3}
    rows.sort(key=lambda r: order.get(r[0], 9))
    return _table(["instansi", "masalah", "jumlah"], rows, numeric_from=2)


def render_pdf(html_path: Path, pdf_path: Path) -> Path | None:
    """Print the HTML to PDF with headless Chromium; None when Chromium is not installed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    return pdf_path if pdf_path.exists() else None


def write_report(warehouse: Path, reports_dir: Path, verdict: dict | None,
                 published_release: str | None, period: str | None = None) -> ReportFiles:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        period = period or reporting_period(con)
        document = build_report(con, verdict, period, published_release)
    reports_dir.mkdir(parents=True, exist_ok=True)
    html_path = reports_dir / f"laporan-{period}.html"
    tmp = html_path.with_suffix(".html.tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(html_path)
    pdf = render_pdf(html_path, reports_dir / f"laporan-{period}.pdf")
    (reports_dir / f"laporan-{period}.json").write_text(
        json.dumps({"period": period, "gate_passed": bool(verdict and verdict.get("passed")),
                    "published_release": published_release}, indent=2))
    return ReportFiles(html_path, pdf, period)
