"""Word 2007 and later (.docx, .docm, .dotx): body text in document order, tables, notes, headers and
footers, and the core properties (title, author, dates).

The XML is walked here rather than through python-docx: python-docx skips content controls (``w:sdt``,
where Word templates keep cover pages and form fields) and text boxes, refuses macro-enabled and
strict files, and loads every part, images included, without our ZIP limits. Walking by local name
reads the transitional and the strict OOXML namespaces alike.
"""

from __future__ import annotations

import posixpath
import re
from typing import ClassVar

from lxml import etree

from dokreg.errors import Unsupported
from dokreg.extract.limits import Limits
from dokreg.extract.officexml import core_properties, localname, parse_xml, zip_office_score
from dokreg.extract.types import ChildFile, Extraction
from dokreg.extract.zipguard import Budget, open_checked, read_member

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_DEFAULT_MAIN = "word/document.xml"
# Related parts whose text belongs to the document, in the order they are appended after the body.
_EXTRA_PARTS = ("footnotes", "endnotes", "header", "footer")
# Run-level elements and what they stand for in text; anything not listed is walked into.
_RUN_TEXT = {"tab": "\t", "ptab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}
# Properties (tab stops!), deleted text, field instructions and the legacy copy of a text box.
_SKIPPED = frozenset({"pPr", "rPr", "sectPr", "tblPr", "trPr", "tcPr", "delText", "instrText", "Fallback"})
_BLANK_LINES = re.compile(r"\n{3,}")


class DocxExtractor:
    kind: ClassVar[str] = "docx"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = (DOCX_MIME,)
    extensions: ClassVar[tuple[str, ...]] = ("docx", "docm", "dotx", "dotm")

    def sniff(self, head: bytes, name: str) -> int | None:
        return zip_office_score(head, name, (b"word/document.xml", b"word/_rels/"), self.extensions)

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        package = OoxmlPackage(data, name, limits)
        main = package.main_part() or _DEFAULT_MAIN
        root = package.xml(main)
        if root is None or localname(root) != "document":
            raise Unsupported(f"{name}: an Office Open XML file without a Word document part ({main})")
        sections = [block_text(root)]
        warnings: list[str] = []
        for part in package.related(main, _EXTRA_PARTS):
            part_root = package.xml(part)
            if part_root is None:
                warnings.append(f"{name}: part {part} is listed but missing")
                continue
            part_text = block_text(part_root)
            if part_text and part_text not in sections:  # each section repeats the same header
                sections.append(part_text)
        return Extraction(
            kind=self.kind,
            version=self.version,
            text="\n\n".join(s for s in sections if s),
            metadata=tuple(package.core_properties()),
            children=tuple(package.embedded("word/embeddings/", limits)),
            warnings=tuple(warnings),
        )


class OoxmlPackage:
    """The parts of an Office Open XML ZIP, read under the limits, and their relationships."""

    def __init__(self, data: bytes, name: str, limits: Limits):
        self.name = name
        self.archive = open_checked(data, name, limits)
        self.budget = Budget(limits.max_expanded_bytes, name)

    def read(self, part: str) -> bytes | None:
        try:
            member = self.archive.getinfo(part)
        except KeyError:
            return None
        return read_member(self.archive, member, part, self.name, self.budget)

    def xml(self, part: str) -> etree._Element | None:
        data = self.read(part)
        return None if data is None else parse_xml(data, part, self.name)

    def relationships(self, part: str) -> list[tuple[str, str]]:
        """(type's last word, target part) for each internal relationship of ``part`` ('' = package)."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        if root is None:
            return []
        found = []
        for rel in root:
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found.append(((rel.get("Type") or "").rpartition("/")[2], posixpath.normpath(path)))
        return found

    def main_part(self) -> str | None:
        for kind, target in self.relationships(""):
            if kind == "officeDocument":
                return target
        return None

    def related(self, part: str, kinds: tuple[str, ...]) -> list[str]:
        rels = self.relationships(part)
        return [target for kind in kinds for rel_kind, target in rels if rel_kind == kind]

    def embedded(self, folder: str, limits: Limits) -> list[ChildFile]:
        """Files embedded in the document (a PDF or a spreadsheet pasted into a letter) as children."""
        members = [m for m in self.archive.infolist() if m.filename.startswith(folder) and not m.is_dir()]
        return [
            ChildFile(name=posixpath.basename(m.filename), data=self.read(m.filename) or b"")
            for m in members[: limits.max_children]
        ]

    def core_properties(self) -> list[tuple[str, str]]:
        root = self.xml("docProps/core.xml")
        if root is None:
            return []
        return core_properties(root)


# --- the text walk --------------------------------------------------------------------------------


def block_text(root: etree._Element) -> str:
    """Paragraphs one per line and tables row by row (cells joined by tabs), blank runs collapsed."""
    text = "\n".join(_blocks(root)).strip()
    return _BLANK_LINES.sub("\n\n", text)


def _blocks(element: etree._Element) -> list[str]:
    lines: list[str] = []
    for child in element:
        tag = localname(child)
        if tag == "p":
            lines.append(_paragraph(child))
        elif tag == "tbl":
            lines.extend(_table(child))
        elif tag and tag not in _SKIPPED:  # content controls, custom XML, tracked insertions, notes
            lines.extend(_blocks(child))
    return lines


def _paragraph(p: etree._Element) -> str:
    parts: list[str] = []
    _runs(p, parts)
    return "".join(parts)


def _runs(element: etree._Element, parts: list[str]) -> None:
    for child in element:
        tag = localname(child)
        if tag == "t":
            parts.append(child.text or "")
        elif tag in _RUN_TEXT:
            parts.append(_RUN_TEXT[tag])
        elif tag == "p":  # a paragraph inside a text box, inline in its anchor paragraph
            parts.append(" " + _paragraph(child) + " ")
        elif tag == "tbl":
            parts.append(" " + " ".join(_table(child)) + " ")
        elif tag and tag not in _SKIPPED:
            _runs(child, parts)


def _table(tbl: etree._Element) -> list[str]:
    rows = []
    for row in _descendants_named(tbl, "tr", stop="tbl"):
        cells = [
            " ".join(line for line in _blocks(cell) if line.strip())
            for cell in _descendants_named(row, "tc", stop="tbl")
        ]
        if any(cells):
            rows.append("\t".join(cells))
    return rows


def _descendants_named(element: etree._Element, tag: str, *, stop: str) -> list[etree._Element]:
    """Children named ``tag``, looking through wrappers (content controls) but not into nested tables."""
    found = []
    for child in element:
        child_tag = localname(child)
        if child_tag == tag:
            found.append(child)
        elif child_tag and child_tag != stop and child_tag not in _SKIPPED:
            found.extend(_descendants_named(child, tag, stop=stop))
    return found
