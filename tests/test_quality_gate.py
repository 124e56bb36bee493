"""The delivery-level sanity check, with the real pipeline (Dagster, dbt, GX, DuckDB)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from conftest import REPO, copy_tree, run_jember


def _published_snapshot(data: Path) -> dict[str, str]:
    published = data / "published"
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(published.resolve().iterdir())
    } | {"->": os.readlink(published)}


def test_a_new_file_repeating_loaded_rows_blocks_but_a_byte_identical_repeat_does_not(tmp_path):
    raw = copy_tree(REPO / "raw", tmp_path / "raw")
    data = tmp_path / "data"
    # The sample already holds a byte-identical repeat delivery (pkh/2025/kirim_ulang): it publishes.
    first = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    before = _published_snapshot(data)

    # The same records under a new name, not the same bytes (a title line above the header).
    original = (raw / "dtks" / "2025-04" / "dtks_kencong.csv").read_bytes()
    again = raw / "dtks" / "2025-11" / "dtks_kencong_kirim_lagi.csv"
    again.parent.mkdir(parents=True)
    again.write_bytes(b"DATA DTKS KECAMATAN KENCONG\n" + original)

    second = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert second.returncode == 2, second.stdout[-4000:] + second.stderr[-4000:]
    assert "int_delivery_sanity" in second.stdout and "repeated_row_share" in second.stdout
    assert _published_snapshot(data) == before
    # the meeting report names the file behind the failed check
    report = next((data / "reports").glob("laporan-*.html")).read_text(encoding="utf-8")
    assert "dtks/2025-11/dtks_kencong_kirim_lagi.csv" in report


def test_a_pkh_file_whose_rupiah_fit_no_components_blocks_and_the_report_names_it(tmp_path):
    """Every NOMINAL of one stage file of one kecamatan set to an amount no components give:
    more than a tenth of the year's PKH families then carry a rupiah mismatch, which the
    mart_pkh_family suite blocks (its threshold, not the test's)."""
    raw = copy_tree(REPO / "raw", tmp_path / "raw")
    data = tmp_path / "data"
    first = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    before = _published_snapshot(data)

    path = raw / "pkh" / "2025" / "tahap1" / "pkh_kencong_tahap1.csv"
    lines = path.read_bytes().decode("latin-1").split("\n")
    header_at = next(i for i, line in enumerate(lines) if "NILAI BANTUAN" in line)
    column = lines[header_at].split(";").index("NILAI BANTUAN")
    changed = 0
    for i in range(header_at + 1, len(lines)):
        cells = lines[i].split(";")
        if len(cells) > column and cells[0].strip():
            cells[column] = "Rp 123.457"
            lines[i] = ";".join(cells)
            changed += 1
    assert changed > 20
    path.write_bytes("\n".join(lines).encode("latin-1"))

    second = run_jember("run", "--raw-dir", str(raw), "--data-dir", str(data))
    assert second.returncode == 2, second.stdout[-4000:] + second.stderr[-4000:]
    assert "mart_pkh_family" in second.stdout and "stages_rupiah_mismatch" in second.stdout
    assert _published_snapshot(data) == before
    report = next((data / "reports").glob("laporan-*.html")).read_text(encoding="utf-8")
    assert "DIBLOKIR" in report and "stages_rupiah_mismatch" in report
    assert "pkh/2025/tahap1/pkh_kencong_tahap1.csv" in report


def test_staging_suites_fail_on_bad_rows_and_pass_on_good_ones(tmp_path):
    """The real staging suites through real Great Expectations, on a warehouse whose staging
    relations hold one good and one bad version of the same rows."""
    import duckdb

    from dagster_project.quality.validation import load_suite_specs, validate_suites
    from dagster_project.resources import EXPECTATIONS_DIR

    specs = {s.name: s for s in load_suite_specs(EXPECTATIONS_DIR)}
    good = "(2023, 9.51, 236.46, 441171)"
    bad = "(2023, 951.0, 236.46, -5)"  # a percentage above 100, a negative poverty line
    outcomes = {}
    for label, values in (("good", good), ("bad", bad)):
        with duckdb.connect(str(tmp_path / f"{label}.duckdb")) as con:
            con.execute("create schema staging")
            con.execute(f"""create table staging.stg_bps__poverty as
                select 'bps_kemiskinan|x.csv||1' as row_key, 'bps/x.csv' as source_path, 1 as row_number, *
                from (values {values}) as t(tahun, persen_miskin, jumlah_miskin_ribu, garis_kemiskinan_rp)""")
            outcomes[label] = validate_suites(con, EXPECTATIONS_DIR, [specs["stg_bps__poverty"]])[0]
    assert outcomes["good"].passed and not outcomes["good"].failed
    assert not outcomes["bad"].passed
    assert {e.column for e in outcomes["bad"].blocking_failures} == {"persen_miskin", "garis_kemiskinan_rp"}


def test_data_docs_read_offline(tiny_run):
    """Every Data Docs page links the local Bootstrap copy and loads nothing from the network."""
    import re

    docs = tiny_run["data"] / "reports" / "gx"
    pages = list(docs.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(link|script)[^>]*(href|src)="https?://', text), page
        local = re.search(r'<link rel="stylesheet" href="([^"]+bootstrap\.min\.css)"', text)
        assert local and (page.parent / local.group(1)).resolve().is_file(), page
