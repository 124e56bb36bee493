"""BPS tables and Koperasi Desa Merah Putih reports (small files, all 248 villages)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dagster_project.ingestion.contract import BPS_KEMISKINAN, BPS_PENDUDUK, KOPERASI

from . import formats as f

JEMBER_POPULATION = 2_615_874
JEMBER_AREA_KM2 = 3314.358


def _header(table, style, rng, names):
    columns = {c.name: c for c in table.columns}
    return [f.header_text(columns[n], table, style, rng) for n in names]


def write_bps(
    rng: np.random.Generator,
    raw: Path,
    wilayah: pd.DataFrame,
    styles: f.StyleRotation,
    poverty: pd.DataFrame,
) -> list[tuple[str, int, int]]:
    """Population per village (all 248) and the regency poverty series; returns (path, rows, bytes)."""
    written = []
    n = len(wilayah)
    weights = rng.lognormal(0, 0.45, n)
    population = np.round(weights / weights.sum() * JEMBER_POPULATION).astype(np.int64)
    male = np.round(population * rng.normal(0.4993, 0.006, n)).astype(np.int64)
    households = np.round(population / rng.normal(3.2, 0.15, n)).astype(np.int64)
    area_w = rng.lognormal(0, 0.6, n)
    area = np.round(area_w / area_w.sum() * JEMBER_AREA_KM2, 2)
    style = styles.next()
    damage = f.Damage(n)
    names = [
        "kecamatan",
        "desa",
        "kode_desa",
        "luas_km2",
        "penduduk_l",
        "penduduk_p",
        "jumlah_kk",
        "tahun",
    ]
    # Dotted thousands with a decimal comma in ';' files (Indonesian locale), plain otherwise.
    comma_decimal = style.delimiter == ";"
    cells = [
        f.region_text(
            rng, wilayah["nama_kecamatan"].to_numpy(), None, "kecamatan", style, damage, 0.3
        ),
        f.region_text(
            rng,
            wilayah["nama_desa"].to_numpy(),
            (wilayah["jenis"] == "KELURAHAN").to_numpy(),
            "desa",
            style,
            damage,
            0.3,
        ),
        wilayah["kode_desa"].to_numpy().astype(object),
        np.array(
            [f"{a:.2f}".replace(".", ",") if comma_decimal else f"{a:.2f}" for a in area.tolist()],
            dtype=object,
        ),
        f.format_money(male, 1 if comma_decimal else 0),
        f.format_money(population - male, 1 if comma_decimal else 0),
        f.format_money(households, 1 if comma_decimal else 0),
        np.full(n, "2024", dtype=object),
    ]
    titles = ["JUMLAH PENDUDUK MENURUT DESA/KELURAHAN DI KABUPATEN JEMBER", "Tahun 2024", ""][
        : min(3, style.title_lines)
    ]
    total = [
        "JUMLAH",
        "",
        "",
        "",
        str(int(male.sum())),
        str(int((population - male).sum())),
        str(int(households.sum())),
        "",
    ]
    path = "bps/penduduk/penduduk_desa_jember_2024.csv"
    size = f.write_csv(
        raw / path, _header(BPS_PENDUDUK, style, rng, names), cells, style, titles, total
    )
    written.append((path, n, size))

    style = styles.next()
    rows = poverty[poverty["tahun"] >= 2021]
    names = ["tahun", "persen_miskin", "jumlah_miskin", "garis_kemiskinan", "p1", "p2"]

    def number(v: object, decimals: int) -> str:
        if pd.isna(v):
            return ""
        text = f"{float(v):.{decimals}f}"
        return text.replace(".", ",") if style.delimiter == ";" else text

    cells = [
        rows["tahun"].astype(str).to_numpy().astype(object),
        np.array([number(v, 2) for v in rows["persen_miskin"]], dtype=object),
        np.array([number(v, 2) for v in rows["jumlah_miskin_ribu"]], dtype=object),
        np.array(
            [
                "" if pd.isna(v) else f"{int(v):,}".replace(",", ".")
                for v in rows["garis_kemiskinan_rp"]
            ],
            dtype=object,
        ),
        np.array([number(v, 2) for v in rows["p1"]], dtype=object),
        np.array([number(v, 2) for v in rows["p2"]], dtype=object),
    ]
    titles = [
        "Persentase dan Jumlah Penduduk Miskin Kabupaten Jember",
        "Sumber: BPS Kabupaten Jember",
    ][: style.title_lines]
    path = "bps/kemiskinan/kemiskinan_jember_2021_2025.csv"
    size = f.write_csv(
        raw / path, _header(BPS_KEMISKINAN, style, rng, names), cells, style, titles, None
    )
    written.append((path, len(rows), size))
    return written


STAGES = (
    "BELUM MULAI",
    "SOSIALISASI",
    "MUSDESUS",
    "PENGURUS TERBENTUK",
    "AD/ART",
    "AKTA NOTARIS",
    "BADAN HUKUM",
    "OPERASIONAL",
)
UNITS = (
    "GERAI SEMBAKO",
    "APOTEK DESA",
    "KLINIK DESA",
    "SIMPAN PINJAM",
    "COLD STORAGE",
    "LOGISTIK",
    "KANTOR KOPERASI",
)
REPORT_DATES = [
    np.datetime64(d)
    for d in (
        "2025-04-30",
        "2025-05-31",
        "2025-06-16",
        "2025-06-30",
        "2025-07-15",
        "2025-07-31",
        "2025-08-31",
        "2025-09-30",
        "2025-10-31",
        "2025-11-30",
        "2025-12-31",
    )
]


def koperasi_truth(rng: np.random.Generator, wilayah: pd.DataFrame) -> pd.DataFrame:
    """When each village reached each stage (the national timeline), and its documents."""
    n = len(wilayah)
    day = lambda s: np.datetime64(s)  # noqa: E731
    jitter = lambda lo, hi: rng.integers(lo, hi, n).astype("timedelta64[D]")  # noqa: E731
    t = {}
    t["SOSIALISASI"] = day("2025-04-01") + jitter(0, 45)
    t["MUSDESUS"] = np.maximum(t["SOSIALISASI"] + 7, day("2025-05-01") + jitter(0, 60))  # May-June
    t["PENGURUS TERBENTUK"] = t["MUSDESUS"] + jitter(0, 8)
    t["AD/ART"] = t["PENGURUS TERBENTUK"] + jitter(1, 14)
    t["AKTA NOTARIS"] = np.maximum(t["AD/ART"] + 3, day("2025-06-10") + jitter(0, 45))  # June-July
    t["BADAN HUKUM"] = np.maximum(
        t["AKTA NOTARIS"] + 3, day("2025-07-01") + jitter(0, 25)
    )  # SK July
    t["OPERASIONAL"] = np.maximum(
        t["BADAN HUKUM"] + 5, day("2025-07-21") + jitter(0, 150)
    )  # launch 21 July
    # Some villages lag: everything after musdesus slips by months.
    slow = rng.random(n) < 0.15
    for stage in STAGES[3:]:
        t[stage] = np.where(
            slow, t[stage] + rng.integers(60, 200, n).astype("timedelta64[D]"), t[stage]
        )
    truth = pd.DataFrame(
        {"kode_desa": wilayah["kode_desa"].to_numpy(), "jenis": wilayah["jenis"].to_numpy()}
    )
    for stage in STAGES[1:]:
        truth["date_" + stage.lower().replace(" ", "_").replace("/", "")] = t[stage]
    # Desa always report, most kelurahan too, except a few villages that never report.
    is_desa = truth["jenis"].to_numpy() == "DESA"
    truth["reports"] = np.where(is_desa, rng.random(n) >= 0.03, rng.random(n) < 0.5)
    truth["members"] = rng.integers(25, 600, n)
    truth["modal_awal"] = rng.integers(3, 60, n) * 500_000
    return truth


def write_koperasi(
    rng: np.random.Generator,
    raw: Path,
    wilayah: pd.DataFrame,
    styles: f.StyleRotation,
    with_xlsx: bool,
) -> tuple[list[tuple[str, int, int]], pd.DataFrame]:
    truth = koperasi_truth(rng, wilayah)
    stage_dates = np.stack(
        [truth[c].to_numpy() for c in truth.columns if c.startswith("date_")], axis=1
    )
    reporting = np.flatnonzero(truth["reports"].to_numpy())
    n = len(reporting)
    # A few villages without notary deed or SK number even at BADAN HUKUM; a few regressions.
    missing_docs = set(rng.choice(reporting, size=max(2, n // 40), replace=False).tolist())
    regressions = {
        int(v): int(r)
        for v, r in zip(
            rng.choice(reporting, size=max(2, n // 60), replace=False),
            rng.integers(3, len(REPORT_DATES), max(2, n // 60)),
        )
    }
    flags = []
    written = []
    highest_delivered = np.zeros(n, dtype=np.int64)  # per reporting village, over earlier reports
    unit_choice = rng.random((len(wilayah), len(UNITS))) < 0.45
    for r, report_date in enumerate(REPORT_DATES):
        style = styles.next()
        reached = (stage_dates <= report_date).sum(axis=1)  # 0 = BELUM MULAI
        stage_idx = reached[reporting].copy()
        for pos, village in enumerate(reporting.tolist()):
            if regressions.get(village) == r and stage_idx[pos] >= 2:
                stage_idx[pos] -= int(rng.integers(1, 3))
                # Truth names a regression only where the files show one: a report lowered to
                # a stage an earlier report already had does not go backwards.
                if stage_idx[pos] < highest_delivered[pos]:
                    flags.append(
                        {
                            "kode_desa": truth["kode_desa"].iloc[village],
                            "report_date": str(report_date),
                            "problem": "stage_regression",
                        }
                    )
        highest_delivered = np.maximum(highest_delivered, stage_idx)
        v = truth.iloc[reporting]
        stage = np.array(STAGES, dtype=object)[stage_idx]
        slug = v["kode_desa"].str.replace(".", "", regex=False).to_numpy()
        akta = np.where(stage_idx >= 5, "AHU-" + slug + "/2025", "")
        sk = np.where(
            stage_idx >= 6, "AHU-00" + slug.astype(object) + ".AH.01.29.TAHUN 2025", ""
        ).astype(object)
        for pos, village in enumerate(reporting.tolist()):
            if village in missing_docs and stage_idx[pos] >= 6:
                if village % 2:
                    akta[pos] = ""
                else:
                    sk[pos] = ""
                flags.append(
                    {
                        "kode_desa": truth["kode_desa"].iloc[village],
                        "report_date": str(report_date),
                        "problem": "badan_hukum_without_document",
                    }
                )

        def dates(col: str, min_stage: int, v=v, stage_idx=stage_idx, form=style.date_form):
            formatted = f.format_dates(v[col].to_numpy(), np.full(n, form))
            return np.where(stage_idx >= min_stage, formatted, "")

        units = np.array(
            [
                ", ".join(u for u, keep in zip(UNITS, row) if keep) or "GERAI SEMBAKO"
                for row in unit_choice[reporting].tolist()
            ],
            dtype=object,
        )
        if style.delimiter == ",":
            units = np.array([u.replace(", ", "; ") for u in units.tolist()], dtype=object)
        damage = f.Damage(n)
        names = [c.name for c in KOPERASI.columns]
        kode = f.kode_desa_text(v["kode_desa"].to_numpy(), style)
        w = wilayah.iloc[reporting]
        cells = {
            "kecamatan": f.region_text(
                rng, w["nama_kecamatan"].to_numpy(), None, "kecamatan", style, damage, 0.3
            ),
            "desa": f.region_text(
                rng,
                w["nama_desa"].to_numpy(),
                (w["jenis"] == "KELURAHAN").to_numpy(),
                "desa",
                style,
                damage,
                0.5,
            ),
            "kode_desa": kode,
            "nama_koperasi": (
                "Koperasi "
                + np.where(w["jenis"] == "KELURAHAN", "Kelurahan", "Desa")
                + " Merah Putih "
                + w["nama_desa"].to_numpy()
            ).astype(object),
            "tahapan": stage,
            "tanggal_musdesus": dates("date_musdesus", 2),
            "jumlah_anggota": np.where(stage_idx >= 3, v["members"].astype(str).to_numpy(), ""),
            "nomor_akta": akta,
            "tanggal_akta": dates("date_akta_notaris", 5),
            "nomor_sk_ahu": sk,
            "tanggal_sk": dates("date_badan_hukum", 6),
            "unit_usaha": np.where(stage_idx >= 4, units, ""),
            "modal_awal": np.where(
                stage_idx >= 3, f.format_money(v["modal_awal"].to_numpy(), style.money), ""
            ),
            "tanggal_laporan": f.format_dates(np.full(n, report_date), np.full(n, style.date_form)),
        }
        header = _header(KOPERASI, style, rng, [nm for nm in names if cells[nm] is not None])
        columns = [np.asarray(cells[nm], dtype=object) for nm in names if cells[nm] is not None]
        month = str(report_date)[:7]
        titles = [
            "REKAP PEMBENTUKAN KOPERASI DESA MERAH PUTIH KAB. JEMBER",
            f"Per {str(report_date)}",
        ][: style.title_lines]
        if with_xlsx and r == 3:
            path = f"koperasi/2025/{month}/rekap_kopdes_{str(report_date)}.xlsx"
            rows = [list(row) for row in zip(*[c.tolist() for c in columns])]
            size = f.write_xlsx(raw / path, [f.Sheet("REKAP", titles, header, rows)])
        else:
            path = f"koperasi/2025/{month}/rekap_kopdes_{str(report_date)}.csv"
            size = f.write_csv(raw / path, header, columns, style, titles, None)
        written.append((path, n, size))
    truth_flags = pd.DataFrame(flags, columns=["kode_desa", "report_date", "problem"])
    return written, truth.drop(columns=["members", "modal_awal"]).merge(
        truth_flags.groupby("kode_desa")["problem"]
        .agg(lambda s: ",".join(sorted(set(s))))
        .rename("planted_problems"),
        left_on="kode_desa",
        right_index=True,
        how="left",
    ).fillna({"planted_problems": ""})
