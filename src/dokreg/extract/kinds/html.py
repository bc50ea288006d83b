"""HTML pages (and Word's "save as web page" files) as readable text.

Scripts, styles and the head are dropped; block elements and line breaks become new lines, table
cells are joined by tabs, whitespace inside a paragraph collapses as a browser would (except in
``pre``). The charset comes from a byte-order mark, then a ``<meta>`` declaration, then UTF-8 if the
bytes are valid UTF-8, and the Baltic Windows code page (cp1257, õ ä ö ü š ž) otherwise.
"""

from __future__ import annotations

import codecs
import re
from typing import ClassVar

from lxml import etree
from lxml import html as lxml_html

from dokreg.errors import Broken
from dokreg.extract.kinds.base import EXTENSION, MAGIC, MAGIC_WEAK, extension_of
from dokreg.extract.limits import Limits
from dokreg.extract.types import Extraction

FALLBACK_ENCODING = "cp1257"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SKIPPED = frozenset({"script", "style", "head", "noscript", "template", "svg", "object", "iframe"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead",
        "tfoot", "tr", "ul",
    }
)  # fmt: skip
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")
_LINE_SPACES = re.compile(r"[ \t]*\n[ ]*")  # trailing cell tabs go too
_BLANK_LINES = re.compile(r"\n{3,}")


class HtmlExtractor:
    kind: ClassVar[str] = "html"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("text/html", "application/xhtml+xml")
    extensions: ClassVar[tuple[str, ...]] = ("html", "htm", "xhtml")

    def sniff(self, head: bytes, name: str) -> int | None:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith((b"<!doctype html", b"<html")):
            return MAGIC
        if b"<html" in start[:1024] or b"<body" in start[:1024]:
            return MAGIC_WEAK
        return EXTENSION if extension_of(name) in self.extensions and start.startswith(b"<") else None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        markup, encoding = decode_html(data)
        try:
            root = lxml_html.document_fromstring(_XML_DECLARATION.sub("", markup, count=1) or "<html></html>")
        except (etree.ParserError, ValueError) as e:
            raise Broken(f"{name}: not readable as HTML ({e})") from e
        title = " ".join((root.findtext(".//title") or "").split())
        metadata = [("encoding", encoding)] + ([("title", title)] if title else [])
        return Extraction(
            kind=self.kind, version=self.version, text=html_text(root), metadata=tuple(metadata)
        )


def decode_html(data: bytes) -> tuple[str, str]:
    """(markup, encoding) following the order a browser uses, minus its network hints."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff"), encoding
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
            if not encoding.startswith("utf-16"):  # a UTF-16 label in bytes we can read is a lie
                return data.decode(encoding, errors="replace"), encoding
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode(FALLBACK_ENCODING, errors="replace"), FALLBACK_ENCODING


def html_text(root: etree._Element) -> str:
    """The readable text of a parsed page: blocks on their own lines, cells split by tabs."""
    parts: list[str] = []
    body = root.find("body")
    _walk(body if body is not None else root, parts, preformatted=False)
    text = _LINE_SPACES.sub("\n", "".join(parts))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _walk(element: etree._Element, parts: list[str], *, preformatted: bool) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag in _SKIPPED or not tag:  # comments and processing instructions have no string tag
        return
    pre = preformatted or tag == "pre"
    if tag in _BLOCKS:
        parts.append("\n")
    elif tag == "br":
        parts.append("\n")
    _text(element.text, parts, pre)
    for child in element:
        _walk(child, parts, preformatted=pre)
        _text(child.tail, parts, pre)
    if tag in ("td", "th"):
        parts.append("\t")
    elif tag in _BLOCKS:
        parts.append("\n")


def _text(text: str | None, parts: list[str], preformatted: bool) -> None:
    if text:
        parts.append(text if preformatted else _SPACES.sub(" ", text))
