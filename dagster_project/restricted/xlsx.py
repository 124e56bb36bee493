"""The small xlsx writer the verification workbooks need, written for speed.

xlsxwriter spends ~6 us of pure Python on every cell (argument checks, a regular expression per
string, one file write per cell). The workbooks list every row of restricted.verification_list,
12 cells each: 281k rows at `jember` scale (eval kit) took 12.9 s of a run on two processes, 13M
rows at province scale 415 s. Here a row's cells are one f-string and a clean string (nearly
all) is checked by one regular expression; a sheet's rows reach the zip in blocks.

What it writes, and nothing more: text cells (inline strings, as xlsxwriter's constant_memory
mode writes them) and number cells; three cell styles (plain, a header: bold on a light blue
fill, wrapped, top-aligned, and a title: bold 13 pt); column widths; rows frozen at the top; an
autofilter. No document properties: nothing in a file depends on when it was written, so the
same rows give the same bytes. Every part is plain SpreadsheetML (ECMA-376), in the element
order the schema requires (Excel refuses a sheet whose elements are out of order).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PLAIN, HEADER, TITLE = 0, 1, 2  # cell styles: the order of cellXfs in STYLES

Cell = str | int | float | None
# (row number from 0, its cells from column A, the style of every cell of the row)
Row = tuple[int, Sequence[Cell], int]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# A fixed time for every zip entry: the same workbook, byte for byte, whenever it is written.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ROWS_PER_WRITE = 2_000

STYLES = (
    XML_DECLARATION + f'<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="3">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="3">'
    '<fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill>"
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"'
    ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

# What a text needs done before it goes between XML tags: XML's own three characters; control
# characters XML 1.0 cannot carry at all, written as Excel writes them (_xHHHH_, ST_Xstring);
# and a literal `_xHHHH_` in the text, whose underscore is then escaped so that Excel does not
# read it as such an escape (`_x005F_xHHHH_`). The same rules as xlsxwriter's.
_NEEDS_ESCAPING = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def _escaped(text: str) -> str:
    if not _NEEDS_ESCAPING.search(text):
        return text
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def column_letters(index: int) -> str:
    """A, B, ... Z, AA, ... for a column number from 0."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _excel_width(characters: float) -> float:
    """The stored width of a column `characters` wide, as Excel stores it (Calibri 11: 7 pixels a
    digit, 5 pixels of padding, in 1/256ths)."""
    return int((characters * 7 + 5) / 7 * 256) / 256


@dataclass
class _Sheet:
    name: str
    autofilter: tuple[int, int, int] | None  # (first row, last row, last column), from 0


def _range(first_row: int, last_row: int, last_column: int, absolute: str = "") -> str:
    """A1:N250 (or $A$1:$N$250 with absolute="$") from column A to `last_column`."""
    a = absolute
    return f"{a}A{a}{first_row + 1}:{a}{column_letters(last_column)}{a}{last_row + 1}"


@dataclass
class Workbook:
    """Sheets are written to the file as they are added; `close` writes the rest."""

    path: Path
    _zip: zipfile.ZipFile = field(init=False)
    _sheets: list[_Sheet] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=6)

    def add_sheet(
        self,
        name: str,
        rows: Iterable[Row],
        *,
        widths: Mapping[int, float] | None = None,
        frozen_rows: int = 0,
        autofilter: tuple[int, int, int] | None = None,
    ) -> None:
        """A sheet of `rows` (in ascending row order), named `name` (at most 31 characters,
        none of []:*?/\\, unique in the workbook: the caller's to ensure). `widths` maps a
        column number (from 0) to its width in characters; `frozen_rows` rows stay in view;
        `autofilter` = (first row, last row, last column) puts filter buttons on the first."""
        number = len(self._sheets) + 1
        self._sheets.append(_Sheet(name, autofilter))
        head = [XML_DECLARATION, f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">']
        selected = ' tabSelected="1"' if number == 1 else ""
        if frozen_rows:
            head.append(
                f'<sheetViews><sheetView{selected} workbookViewId="0">'
                f'<pane ySplit="{frozen_rows}" topLeftCell="A{frozen_rows + 1}" '
                'activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/></sheetView></sheetViews>'
            )
        else:
            head.append(f'<sheetViews><sheetView{selected} workbookViewId="0"/></sheetViews>')
        head.append('<sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            head.append("<cols>")
            for column in sorted(widths):
                head.append(
                    f'<col min="{column + 1}" max="{column + 1}" '
                    f'width="{_excel_width(widths[column])}" customWidth="1"/>'
                )
            head.append("</cols>")
        head.append("<sheetData>")
        info = zipfile.ZipInfo(f"xl/worksheets/sheet{number}.xml", ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with self._zip.open(info, "w") as part:
            part.write("".join(head).encode())
            block: list[str] = []
            letters: list[str] = []
            for row, cells, style in rows:
                while len(letters) < len(cells):
                    letters.append(column_letters(len(letters)))
                block.append(_row_xml(row + 1, cells, style, letters))
                if len(block) >= ROWS_PER_WRITE:
                    part.write("".join(block).encode())
                    block = []
            block.append("</sheetData>")
            if autofilter:
                block.append(f'<autoFilter ref="{_range(*autofilter)}"/>')
            block.append(
                '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                'footer="0.3"/></worksheet>'
            )
            part.write("".join(block).encode())

    def close(self) -> None:
        sheets = "".join(
            f'<sheet name="{_attribute(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(self._sheets, start=1)
        )
        # Excel keeps each sheet's filter range as a hidden name too, and expects it
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_escaped(_quoted_sheet(s.name))}!{_range(*s.autofilter, absolute='$')}</definedName>"
            for i, s in enumerate(self._sheets)
            if s.autofilter
        )
        workbook = (
            XML_DECLARATION + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>"
            + (f"<definedNames>{names}</definedNames>" if names else "")
            + "</workbook>"
        )
        count = len(self._sheets)
        workbook_rels = (
            XML_DECLARATION
            + f'<Relationships xmlns="{PACKAGE_REL_NS}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
            + "</Relationships>"
        )
        content_types = (
            XML_DECLARATION
            + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, count + 1)
            )
            + '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"
        )
        package_rels = (
            XML_DECLARATION + f'<Relationships xmlns="{PACKAGE_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        )
        for name, text in (
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", package_rels),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/styles.xml", STYLES),
        ):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            self._zip.writestr(info, text)
        self._zip.close()


def _row_xml(number: int, cells: Sequence[Cell], style: int, letters: list[str]) -> str:
    s = f' s="{style}"' if style else ""
    parts = [f'<row r="{number}">']
    for letter, value in zip(letters, cells):
        if value is None or value == "":
            if style:
                parts.append(f'<c r="{letter}{number}"{s}/>')
        elif isinstance(value, str):
            space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
            parts.append(
                f'<c r="{letter}{number}"{s} t="inlineStr"><is><t{space}>{_escaped(value)}'
                "</t></is></c>"
            )
        else:
            parts.append(f'<c r="{letter}{number}"{s}><v>{value!r}</v></c>')
    parts.append("</row>")
    return "".join(parts)


def _quoted_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"
