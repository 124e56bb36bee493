"""The Data Docs site as a reader sees it: rendered by headless Chromium with every host
unreachable, so only what the files themselves hold shows (no CDN, no JavaScript widgets)."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from helpers import needs_chromium, rendered_text


def _icon_classes_are_drawn_locally(page) -> None:
    """GX's status icons are Font Awesome classes; every one the page uses has a glyph in the
    local stylesheet the page links (no web font)."""
    text = page.read_text(encoding="utf-8")
    link = re.search(r'href="([^"]*jember-icons\.css)"', text)
    assert link, page
    css = (page.parent / link.group(1)).resolve().read_text(encoding="utf-8")
    for icon in set(re.findall(r"\bfa-[a-z-]+", text)):
        assert re.search(rf"\.{icon}::before\s*{{\s*content:", css), (page, icon)


@pytest.fixture(scope="module")
def docs_of_a_blocked_gate(tmp_path_factory):
    """Real suites through real Great Expectations on a real DuckDB warehouse: one suite failing
    a critical expectation (poverty rate above 100 %), one failing only a warning (a file that
    failed to read), one passing; then the Data Docs site built from the outcomes."""
    from dagster_project.quality.validation import (
        load_suite_specs,
        validate_suites,
        write_validation_results_and_docs,
    )
    from dagster_project.resources import EXPECTATIONS_DIR

    work = tmp_path_factory.mktemp("docs")
    specs = {s.name: s for s in load_suite_specs(EXPECTATIONS_DIR)}
    with duckdb.connect(str(work / "warehouse.duckdb")) as con:
        con.execute("create schema staging")
        con.execute("""create table staging.stg_bps__poverty as
            select 'bps_kemiskinan|x.csv||1' as row_key, 'bps/x.csv' as source_path, 1 as row_number, *
            from (values (2023, 951.0, 236.46, 441171))
                as t(tahun, persen_miskin, jumlah_miskin_ribu, garis_kemiskinan_rp)""")
        con.execute("""create table staging.stg_ingest__files as
            select * from (values ('dtks/a.csv', 'loaded', 10), ('dtks/b.csv', 'failed', 0))
            as t(source_path, status, data_rows)""")
        con.execute("""create table staging.stg_ingest__rejected_rows as
            select * from (values ('dtks/a.csv', 'no_identity', 'baris 3: tidak ada NIK'))
                as t(source_path, reason, message)""")
        outcomes = validate_suites(
            con,
            EXPECTATIONS_DIR,
            [
                specs[n]
                for n in ("stg_bps__poverty", "stg_ingest__files", "stg_ingest__rejected_rows")
            ],
        )
    assert [o.passed for o in outcomes] == [False, True, True]
    assert [len(o.failed) for o in outcomes] == [1, 1, 0]
    data = work / "data"
    index = write_validation_results_and_docs(
        outcomes,
        EXPECTATIONS_DIR,
        data / "quality" / "validations",
        data / "reports" / "gx",
        "run-1",
    )
    return {"index": index, "docs": index.parent, "outcomes": outcomes}


@needs_chromium
def test_the_index_reads_offline_with_each_suites_asset_status_and_severity(
    docs_of_a_blocked_gate, tmp_path
):
    index = docs_of_a_blocked_gate["index"]
    html = index.read_text(encoding="utf-8")
    assert "<script" not in html and not re.search(r'(href|src)="https?://', html)
    text = rendered_text(index, tmp_path)
    assert "Gate: \u2716 DIBLOKIR / BLOCKED (critical)" in text
    assert (
        "3 suites: 1 passed, 1 with warnings (published), 1 blocked by a critical expectation"
        in text
    )
    rows = dict(re.findall(r"(stg_\w+) (staging\.stg_\w+ \d+ \S+ [A-Z]+)", text))
    assert rows["stg_bps__poverty"].startswith("staging.stg_bps__poverty 1 \u2716 DIBLOKIR")
    assert rows["stg_ingest__files"].startswith("staging.stg_ingest__files 2 \u26a0 PERINGATAN")
    assert rows["stg_ingest__rejected_rows"].startswith(
        "staging.stg_ingest__rejected_rows 1 \u2714 LULUS"
    )
    # the failed expectations, each with its severity
    assert "expect_column_values_to_be_between persen_miskin critical \u2716 failed 1" in text
    assert "expect_column_values_to_be_in_set status warning \u2716 failed 1" in text
    assert "expect_column_values_to_be_in_set status critical \u2714 passed 0" in text


@needs_chromium
def test_a_validation_page_names_its_data_asset_and_shows_status_icons_offline(
    docs_of_a_blocked_gate, tmp_path
):
    docs = docs_of_a_blocked_gate["docs"]
    page = next((docs / "validations" / "stg_ingest__files" / "run-1").rglob("*.html"))
    html = page.read_text(encoding="utf-8")
    # nothing fetched from the network: no stylesheet, script, image or CSS background
    assert not re.search(r'<(link|script|img)[^>]*(href|src)="https?://', html)
    assert not re.search(r"url\(\s*'?https?://", html)
    text = rendered_text(page, tmp_path)
    assert "Data asset: None" not in text
    assert "Data asset: staging.stg_ingest__files" in text
    assert "stg_ingest__files \u26a0 PERINGATAN / WARNING" in text
    assert "expect_column_values_to_be_in_set status warning \u2716 failed 1" in text
    _icon_classes_are_drawn_locally(page)
    # the link back to the index works
    assert 'href="../../../index.html"' in html or "index.html" in html


@needs_chromium
def test_the_pipelines_data_docs_show_every_suite_of_the_verdict(tiny_run, tmp_path):
    """The Data Docs site of a whole tiny run: every suite the gate validated is on the index
    with the status the verdict gives it."""
    data = tiny_run["data"]
    verdict = json.loads((data / "quality" / "verdict.json").read_text())
    index = data / "reports" / "gx" / "index.html"
    text = rendered_text(index, tmp_path)
    assert f"Run {verdict['run_id']}" in text
    for suite in verdict["suites"]:
        failed = [e for e in suite["expectations"] if not e["success"]]
        status = "DIBLOKIR" if not suite["passed"] else "PERINGATAN" if failed else "LULUS"
        assert re.search(
            rf"{suite['suite']} {re.escape(suite['asset'])} {suite['rows']} \S+ {status}", text
        ), suite["suite"]
    for page in (data / "reports" / "gx" / "validations").rglob("*.html"):
        _icon_classes_are_drawn_locally(page)
