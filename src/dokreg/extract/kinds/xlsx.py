"""Excel 2007 and later (.xlsx, .xlsm) through openpyxl: each sheet's name, then its rows as
tab-separated lines, with the values Excel last computed (not the formulas).

A sheet may declare a million rows it does not have, and a hostile one may really hold them: the
declared dimensions are ignored (openpyxl would pad every row to them) and reading stops after
MAX_CELLS cells with a warning, so one register spreadsheet cannot fill the index.
"""

from __future__ import annotations

import io
import warnings as python_warnings
import zipfile
from datetime import date, datetime, time
from typing import Any, ClassVar

import openpyxl

from dokreg.errors import Broken
from dokreg.extract.limits import Limits
from dokreg.extract.officexml import core_properties, parse_xml, zip_office_score
from dokreg.extract.types import Extraction
from dokreg.extract.zipguard import open_checked, read_named

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELLS = 2_000_000


class XlsxExtractor:
    kind: ClassVar[str] = "xlsx"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = (XLSX_MIME,)
    extensions: ClassVar[tuple[str, ...]] = ("xlsx", "xlsm", "xltx", "xltm")

    def sniff(self, head: bytes, name: str) -> int | None:
        return zip_office_score(
            head, name, (b"xl/workbook.xml", b"xl/_rels/", b"xl/worksheets/"), self.extensions
        )

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        archive = open_checked(data, name, limits)  # refuse a zip bomb before openpyxl unpacks anything
        workbook = _load(data, name)
        try:
            with python_warnings.catch_warnings():  # "unknown extension", "no default style": noise
                python_warnings.simplefilter("ignore")
                text, sheet_count, warnings = workbook_text(workbook, name)
        finally:
            workbook.close()
        if not sheet_count:
            warnings.append(
                f"{name}: no worksheet openpyxl can read (a strict OOXML or chart-only workbook?)"
            )
        metadata = [("sheets", str(sheet_count)), *_properties(archive, name, limits)]
        return Extraction(
            kind=self.kind,
            version=self.version,
            text=text,
            metadata=tuple(metadata),
            warnings=tuple(warnings),
        )


def _load(data: bytes, name: str) -> Any:
    try:
        with python_warnings.catch_warnings():
            python_warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as e:  # openpyxl raises whatever its parsers raise on a damaged package
        raise Broken(f"{name}: not a readable Excel workbook ({type(e).__name__}: {e})") from e


def workbook_text(workbook: Any, name: str) -> tuple[str, int, list[str]]:
    """(text, number of sheets, warnings): each sheet as its name, then one line per non-empty row."""
    blocks: list[str] = []
    warnings: list[str] = []
    cells_left = MAX_CELLS
    for sheet in workbook.worksheets:
        if cells_left <= 0:
            warnings.append(f"{name}: sheet {sheet.title!r} not read, over {MAX_CELLS} cells already")
            continue
        lines, cells_left = _sheet_lines(sheet, cells_left, name, warnings)
        blocks.append("\n".join([sheet.title, *lines]))
    return "\n\n".join(blocks), len(workbook.worksheets), warnings


def _sheet_lines(sheet: Any, cells_left: int, name: str, warnings: list[str]) -> tuple[list[str], int]:
    sheet.reset_dimensions()  # otherwise rows are padded to the declared (possibly absurd) size
    lines: list[str] = []
    try:
        for row in sheet.iter_rows(values_only=True):
            cells_left -= len(row)
            if cells_left < 0:
                warnings.append(f"{name}: sheet {sheet.title!r} cut after {MAX_CELLS} cells")
                break
            values = [cell_text(v) for v in row]
            while values and not values[-1]:
                values.pop()
            if values:
                lines.append("\t".join(values))
    except Exception as e:  # a damaged sheet costs that sheet, not the workbook
        warnings.append(f"{name}: sheet {sheet.title!r} is damaged ({type(e).__name__}: {e})")
    return lines, cells_left


def cell_text(value: object) -> str:
    """A cell as a reader would write it: 12 not 12.0, dates without a midnight time."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _properties(archive: zipfile.ZipFile, name: str, limits: Limits) -> list[tuple[str, str]]:
    # Read from the part itself: openpyxl invents an author ("openpyxl") and a creation time (now).
    data = read_named(archive, "docProps/core.xml", name, limits)
    return core_properties(parse_xml(data, "docProps/core.xml", name)) if data else []
