"""OpenDocument text and spreadsheets (.odt, .ods, and their templates): the text of content.xml in
document order, tables row by row, and title, author and dates from meta.xml.

OpenDocument compresses repetition: ``table:number-columns-repeated="16384"`` on an empty cell and
``table:number-rows-repeated="1048576"`` on an empty row are how LibreOffice writes the unused rest
of a sheet. Expanding them naively turns a 20 kB file into billions of cells, so empty repeats are
dropped and non-empty ones are capped (MAX_REPEAT), with MAX_CELLS over the whole document.
"""

from __future__ import annotations

import re
from typing import ClassVar

from lxml import etree

from dokreg.errors import Broken, Encrypted
from dokreg.extract.limits import Limits
from dokreg.extract.officexml import dublin_core, localname, parse_xml, zip_office_score
from dokreg.extract.types import Extraction
from dokreg.extract.zipguard import open_checked, read_named

ODT_MIME = "application/vnd.oasis.opendocument.text"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
MAX_REPEAT = 100
MAX_CELLS = 2_000_000
_MAX_SPACES = 100
# Comments, deleted text in change tracking, declarations and forms carry no reading text.
_SKIPPED = frozenset(
    {"annotation", "tracked-changes", "sequence-decls", "variable-decls", "forms", "note-citation"}
)
_INLINE = {"tab": "\t", "line-break": "\n", "soft-page-break": ""}
_BLANK_LINES = re.compile(r"\n{3,}")


class OdtExtractor:
    kind: ClassVar[str] = "odt"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = (ODT_MIME,)
    extensions: ClassVar[tuple[str, ...]] = ("odt", "ott", "fodt")

    def sniff(self, head: bytes, name: str) -> int | None:
        return zip_office_score(head, name, (b"mimetype" + ODT_MIME.encode(),), self.extensions)

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        return read_opendocument(data, name, limits, kind=self.kind, version=self.version)


class OdsExtractor:
    kind: ClassVar[str] = "ods"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = (ODS_MIME,)
    extensions: ClassVar[tuple[str, ...]] = ("ods", "ots")

    def sniff(self, head: bytes, name: str) -> int | None:
        return zip_office_score(head, name, (b"mimetype" + ODS_MIME.encode(),), self.extensions)

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        return read_opendocument(data, name, limits, kind=self.kind, version=self.version)


def read_opendocument(data: bytes, name: str, limits: Limits, *, kind: str, version: int) -> Extraction:
    archive = open_checked(data, name, limits)
    manifest = read_named(archive, "META-INF/manifest.xml", name, limits)
    if manifest and b"encryption-data" in manifest:
        raise Encrypted(f"{name}: the OpenDocument file is password-protected")
    content = read_named(archive, "content.xml", name, limits)
    if content is None:
        raise Broken(f"{name}: an OpenDocument file without content.xml")
    walker = _Walker()
    walker.blocks(parse_xml(content, "content.xml", name))
    text = _BLANK_LINES.sub("\n\n", "\n".join(walker.lines).strip())
    warnings = [f"{name}: cut after {MAX_CELLS} table cells"] if walker.cells_left < 0 else []
    metadata: list[tuple[str, str]] = []
    try:  # the properties are a bonus: a damaged meta.xml must not cost the text
        meta = read_named(archive, "meta.xml", name, limits)
        metadata = _metadata(parse_xml(meta, "meta.xml", name)) if meta else []
    except (Broken, Encrypted) as e:
        warnings.append(e.message)
    return Extraction(
        kind=kind, version=version, text=text, metadata=tuple(metadata), warnings=tuple(warnings)
    )


class _Walker:
    """Collects lines: one per paragraph or heading, one per table row (cells joined by tabs)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cells_left = MAX_CELLS

    def blocks(self, element: etree._Element) -> None:
        for child in element:
            tag = localname(child)
            if tag in ("p", "h"):
                self.lines.append(_inline(child))
            elif tag == "table":
                self.table(child)
            elif tag and tag not in _SKIPPED:
                self.blocks(child)

    def table(self, table: etree._Element) -> None:
        title = table.get(_TABLE_NAME)
        if title and self._in_spreadsheet(table):
            self.lines.extend(("", title))
        for row in _rows(table):
            if self.cells_left < 0:
                return
            line = self.row(row)
            if line:
                repeat = min(_repeat(row, "number-rows-repeated"), MAX_REPEAT)
                self.lines.extend([line] * repeat)

    def row(self, row: etree._Element) -> str:
        cells: list[str] = []
        for cell in row:
            if localname(cell) not in ("table-cell", "covered-table-cell"):
                continue
            text = " ".join(_cell_lines(cell))
            repeat = _repeat(cell, "number-columns-repeated")
            # Empty repeats (the unused rest of a row) cost nothing; filled ones are capped.
            count = min(repeat, MAX_REPEAT) if text else min(repeat, MAX_REPEAT + 1)
            self.cells_left -= count if text else 1
            cells.extend([text] * count)
        while cells and not cells[-1]:
            cells.pop()
        return "\t".join(cells)

    @staticmethod
    def _in_spreadsheet(table: etree._Element) -> bool:
        parent = table.getparent()
        return parent is not None and localname(parent) == "spreadsheet"


_TABLE_NAME = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}name"


def _rows(table: etree._Element) -> list[etree._Element]:
    """Rows, looking through header-row and row-group wrappers (not into nested tables)."""
    found = []
    for child in table:
        tag = localname(child)
        if tag == "table-row":
            found.append(child)
        elif tag in ("table-header-rows", "table-rows", "table-row-group"):
            found.extend(_rows(child))
    return found


def _cell_lines(cell: etree._Element) -> list[str]:
    walker = _Walker()
    walker.blocks(cell)
    return [line for line in walker.lines if line.strip()]


def _repeat(element: etree._Element, attribute: str) -> int:
    for key, value in element.attrib.items():
        if key.endswith("}" + attribute):
            try:
                return max(1, int(value))
            except ValueError:
                return 1
    return 1


def _inline(element: etree._Element) -> str:
    parts: list[str] = []
    _collect(element, parts)
    return "".join(parts)


def _collect(element: etree._Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = localname(child)
        if tag == "s":
            parts.append(" " * min(_repeat(child, "c"), _MAX_SPACES))
        elif tag in _INLINE:
            parts.append(_INLINE[tag])
        elif tag in ("p", "h"):  # a paragraph in a frame or note, inline in its anchor
            parts.append(" " + _inline(child) + " ")
        elif tag and tag not in _SKIPPED:
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


def _metadata(root: etree._Element) -> list[tuple[str, str]]:
    found = dublin_core(root)
    author = found.get("initial-creator") or found.get("creator")
    pairs = (("title", found.get("title")), ("author", author), ("created", found.get("creation-date")))
    return [(key, value) for key, value in pairs if value] + (
        [("modified", found["date"])] if found.get("date") else []
    )
