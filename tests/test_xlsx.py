"""The verification workbooks' own xlsx writer (dagster_project/restricted/xlsx.py): what a
spreadsheet reads back is what was written, for the texts a registry can hold (XML's special
characters, control characters, Excel's own _xHHHH_ escapes, spaces at either end, non-Latin
letters), every part is well-formed XML, and the same rows give the same bytes."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from dagster_project.restricted import xlsx

TEXTS = [
    "SITI AMINAH",
    "A & B <C> \"D\" 'E'",
    '=HYPERLINK("x")',
    "  leading and trailing  ",
    "line\nbreak\tand tab",
    "bell\x07 and \x1f unit separator",
    "literal _x0041_ stays literal",
    "Ñoño 名前 ẞ",
    "x" * 3000,
]


def _write(path):
    book = xlsx.Workbook(path)
    book.add_sheet(
        "RINGKASAN",
        [
            (0, ["title"], xlsx.TITLE),
            (2, ["a", "b"], xlsx.HEADER),
            (3, ["kode", 7, 2.5], xlsx.PLAIN),
        ],
        widths={0: 15, 1: 40},
    )
    rows = [(r, [text, str(r), None, ""], xlsx.PLAIN) for r, text in enumerate(TEXTS, start=3)]
    book.add_sheet(
        "Desa & <Satu>",
        [(0, ["Desa"], xlsx.TITLE), (2, ["Teks", "Baris", "Kosong", "Juga"], xlsx.HEADER), *rows],
        widths={0: 30},
        frozen_rows=3,
        autofilter=(2, 2 + len(rows), 3),
    )
    book.close()


def test_what_is_written_is_read_back(tmp_path):
    path = tmp_path / "book.xlsx"
    _write(path)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["RINGKASAN", "Desa & <Satu>"]
    summary = book.get_sheet_by_name("RINGKASAN").to_python()
    assert summary[0][0] == "title" and summary[2][:2] == ["a", "b"]
    assert summary[3][:3] == ["kode", 7, 2.5]
    cells = book.get_sheet_by_name("Desa & <Satu>").to_python()
    assert cells[2] == ["Teks", "Baris", "Kosong", "Juga"]
    assert [row[0] for row in cells[3:]] == TEXTS
    assert [row[1] for row in cells[3:]] == [str(r) for r in range(3, 3 + len(TEXTS))]
    assert all(row[2] == "" and row[3] == "" for row in cells[3:])


def test_every_part_is_well_formed_and_the_bytes_repeat(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    _write(first)
    _write(second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert z.testzip() is None
        parts = {name: ElementTree.fromstring(z.read(name)) for name in z.namelist()}
    ns = {"m": xlsx.MAIN_NS}
    sheet = parts["xl/worksheets/sheet2.xml"]
    # the schema's element order: sheetViews, sheetFormatPr, cols, sheetData, autoFilter
    order = [child.tag.split("}")[1] for child in sheet]
    assert order == [
        "sheetViews",
        "sheetFormatPr",
        "cols",
        "sheetData",
        "autoFilter",
        "pageMargins",
    ]
    pane = sheet.find("m:sheetViews/m:sheetView/m:pane", ns)
    assert pane is not None and pane.get("ySplit") == "3" and pane.get("state") == "frozen"
    assert sheet.find("m:autoFilter", ns).get("ref") == f"A3:D{3 + len(TEXTS)}"
    name = parts["xl/workbook.xml"].find("m:definedNames/m:definedName", ns)
    assert name.text == f"'Desa & <Satu>'!$A$3:$D${3 + len(TEXTS)}"
    assert name.get("localSheetId") == "1"


def test_column_letters():
    assert [xlsx.column_letters(i) for i in (0, 13, 25, 26, 27, 701, 702)] == [
        "A",
        "N",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
