"""The Data Docs site as it is read: offline, without JavaScript, critical told from warning.

Great Expectations draws its validation pages as static HTML but its index as an empty table
that JavaScript from CDNs fills in, and its status icons are Font Awesome glyphs from a CDN. A
meeting room has no internet, so after GX built the site (validation.py) we

- replace its index with a static page of our own, written from the same suite outcomes the
  gate's verdict holds: every suite, its data asset, rows, status and the severity of each
  failed expectation, linking to GX's page for the suite;
- add a local stylesheet that draws GX's icon classes as text glyphs, and at the top of each
  validation page a static table of its expectations with their severity and result (GX itself
  does not show our `severity`).

No row values are written: the reports folder is read like the analyst tier (docs/privacy.md).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # validation imports this module
    from dagster_project.quality.validation import SuiteOutcome

ICONS_CSS = """/* Font Awesome classes GX uses, drawn as text glyphs: no web font needed offline */
.fas, .far, .fa { font-style: normal; font-weight: bold; }
.fa-check-circle::before { content: "\\2714"; }
.fa-times::before { content: "\\2716"; }
.fa-exclamation-triangle::before { content: "\\26A0"; }
.fa-question-circle::before { content: "?"; }
.fa-comment::before { content: "\\2026"; }
.jember-status { font-weight: bold; white-space: nowrap; }
.jember-passed { color: #1e7e34; }
.jember-warning { color: #b36b00; }
.jember-blocked { color: #c82333; }
.jember-severity-critical { color: #c82333; font-weight: bold; }
.jember-severity-warning { color: #b36b00; font-weight: bold; }
.jember-summary { margin: 1rem; }
.jember-summary table { font-size: 0.9rem; }
"""

_STATUS = {
    # label, css class, glyph
    "passed": ("LULUS / PASSED", "jember-passed", "\u2714"),
    "warning": ("PERINGATAN / WARNING", "jember-warning", "\u26a0"),
    "blocked": ("DIBLOKIR / BLOCKED (critical)", "jember-blocked", "\u2716"),
}


def suite_status(outcome: SuiteOutcome) -> str:
    if outcome.blocking_failures:
        return "blocked"
    return "warning" if outcome.failed else "passed"


def _status_html(status: str) -> str:
    label, css, glyph = _STATUS[status]
    return f'<span class="jember-status {css}">{glyph} {html.escape(label)}</span>'


def _rel(target: Path, page: Path) -> str:
    return os.path.relpath(target, page.parent).replace(os.sep, "/")


def _head(title: str, page: Path, docs_dir: Path) -> str:
    styles = docs_dir / "static" / "styles"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f'<link rel="stylesheet" href="{_rel(styles / "bootstrap.min.css", page)}"/>'
        f'<link rel="stylesheet" href="{_rel(styles / "jember-icons.css", page)}"/>'
        f"<title>{html.escape(title)}</title></head>"
    )


def _expectations_table(outcome: SuiteOutcome) -> str:
    rows = []
    for e in outcome.expectations:
        result = "\u2714 passed" if e.success else "\u2716 failed"
        status_class = (
            "jember-passed" if e.success else "jember-severity-" + html.escape(e.severity)
        )
        rows.append(
            "<tr>"
            f"<td>{html.escape(e.expectation)}</td><td>{html.escape(e.column or '')}</td>"
            f'<td class="jember-severity-{html.escape(e.severity)}">{html.escape(e.severity)}</td>'
            f'<td class="{status_class}">{result}</td>'
            f"<td>{'' if e.unexpected_count is None else e.unexpected_count}</td>"
            "</tr>"
        )
    return (
        '<table class="table table-sm table-bordered"><thead><tr><th>expectation</th><th>column</th>'
        "<th>severity</th><th>result</th><th>unexpected rows</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def write_index(
    docs_dir: Path, outcomes: list, pages: dict[str, Path], run_id: str, generated: str
) -> Path:
    """The site's index.html: one row per suite, static HTML (replaces GX's scripted index)."""
    index = docs_dir / "index.html"
    blocked = [o for o in outcomes if suite_status(o) == "blocked"]
    warned = [o for o in outcomes if suite_status(o) == "warning"]
    verdict = "blocked" if blocked else "warning" if warned else "passed"
    rows = []
    for o in outcomes:
        failed_critical = len(o.blocking_failures)
        failed_warning = len(o.failed) - failed_critical
        page = pages.get(o.suite)
        name = html.escape(o.suite)
        link = f'<a href="{html.escape(_rel(page, index))}">{name}</a>' if page else name
        rows.append(
            f'<tr class="jember-suite" data-status="{suite_status(o)}">'
            f"<td>{link}</td><td>{html.escape(o.asset)}</td><td>{o.rows}</td>"
            f"<td>{_status_html(suite_status(o))}</td>"
            f'<td class="jember-severity-critical">{failed_critical}</td>'
            f'<td class="jember-severity-warning">{failed_warning}</td>'
            f"<td>{len(o.expectations)}</td></tr>"
        )
    details = "".join(
        f'<h3 id="{html.escape(o.suite)}">{html.escape(o.suite)} {_status_html(suite_status(o))}</h3>'
        f"<p>Data asset: {html.escape(o.asset)}</p>{_expectations_table(o)}"
        for o in outcomes
        if o.failed
    )
    index.write_text(
        _head("Jember quality gate - Data Docs", index, docs_dir)
        + '<body><div class="container-fluid jember-summary">'
        + "<h1>Jember quality gate</h1>"
        + f"<p>Run {html.escape(run_id)}, validated {html.escape(generated)}. Gate: {_status_html(verdict)}. "
        + f"{len(outcomes)} suites: {len(outcomes) - len(blocked) - len(warned)} passed, "
        + f"{len(warned)} with warnings (published), {len(blocked)} blocked by a critical expectation.</p>"
        + "<p>A failed <b>critical</b> expectation blocks publishing; a failed <b>warning</b> "
        + "expectation is published and reported.</p>"
        + '<table class="table table-sm table-bordered"><thead><tr><th>suite</th><th>data asset</th>'
        + "<th>rows validated</th><th>status</th><th>critical failed</th><th>warning failed</th>"
        + "<th>expectations</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + (f"<h2>Failed expectations</h2>{details}" if details else "")
        + "</div></body></html>",
        encoding="utf-8",
    )
    return index


def annotate_validation_page(page: Path, outcome: SuiteOutcome, index: Path) -> None:
    """Put the suite's status, data asset and each expectation's severity at the top of GX's page."""
    text = page.read_text(encoding="utf-8")
    summary = (
        '<div class="jember-summary">'
        f'<p><a href="{html.escape(_rel(index, page))}">All suites</a></p>'
        f"<h2>{html.escape(outcome.suite)} {_status_html(suite_status(outcome))}</h2>"
        f"<p>Data asset: {html.escape(outcome.asset)}, {outcome.rows} rows validated.</p>"
        f"{_expectations_table(outcome)}</div>"
    )
    page.write_text(text.replace("<body>", "<body>" + summary, 1), encoding="utf-8")


def write_icons_css(docs_dir: Path) -> Path:
    css = docs_dir / "static" / "styles" / "jember-icons.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(ICONS_CSS, encoding="utf-8")
    return css
