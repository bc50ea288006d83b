"""Plain text: the fallback for anything that decodes as mostly printable characters.

Estonian files come in UTF-8 or the Baltic Windows code page (cp1257, with õ ä ö ü š ž);
latin-1 decodes anything, so it is the last resort once the bytes looked like text.
"""

from __future__ import annotations

import re
from typing import ClassVar

from dokreg.errors import Broken
from dokreg.extract.kinds.base import EXTENSION, TEXT, extension_of
from dokreg.extract.limits import Limits
from dokreg.extract.types import Extraction

ENCODINGS = ("utf-8", "cp1257", "latin-1")
MIN_PRINTABLE = 0.95
# Text-based formats that get their own extractor (DDOC, e-mail, HTML, RTF…): plain text must not
# swallow them, or their markup would be indexed as if it were the document.
_STRUCTURED_EXTENSIONS = frozenset(
    {"xml", "ddoc", "html", "htm", "xhtml", "eml", "mht", "mhtml", "rtf", "json"}
)
_MAIL_HEADER = re.compile(
    rb"^(Received|Return-Path|From|To|Subject|Date|Message-ID|MIME-Version|Delivered-To|X-[\w-]+):",
    re.IGNORECASE,
)


class TextExtractor:
    kind: ClassVar[str] = "text"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("text/plain", "text/csv")
    extensions: ClassVar[tuple[str, ...]] = ("txt", "csv", "text")

    def sniff(self, head: bytes, name: str) -> int | None:
        if not head or b"\x00" in head or looks_structured(head, name):
            return None
        if decode_text(head, final=False) is None:
            return None
        return TEXT + (EXTENSION if extension_of(name) in self.extensions else 0)

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        decoded = decode_text(data, final=True) if b"\x00" not in data else None
        if decoded is None:
            raise Broken(f"{name}: not readable as text (binary content)")
        text, encoding = decoded
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return Extraction(kind=self.kind, version=self.version, text=text, metadata=(("encoding", encoding),))


def looks_structured(head: bytes, name: str) -> bool:
    """True for markup, e-mail or RTF, which plain text must leave to their own kinds."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return (
        extension_of(name) in _STRUCTURED_EXTENSIONS
        or start.startswith((b"<", b"{\\rtf"))
        or bool(_MAIL_HEADER.match(start))
    )


def decode_text(data: bytes, *, final: bool) -> tuple[str, str] | None:
    """(text, encoding) when the bytes look like text in one of ENCODINGS, else None.

    With ``final=False`` the bytes are a head cut at an arbitrary point, so a multi-byte
    UTF-8 character split at the end is forgiven.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding) if final else _decode_head(data, encoding)
        except UnicodeDecodeError:
            continue
        return (text, encoding) if _printable_share(text) >= MIN_PRINTABLE else None
    return None


def _decode_head(head: bytes, encoding: str) -> str:
    if encoding != "utf-8":
        return head.decode(encoding)
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start >= len(head) - 3 and e.reason == "unexpected end of data":
            return head[: e.start].decode("utf-8")
        raise


def _printable_share(text: str) -> float:
    if not text:
        return 1.0
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t\f")
    return printable / len(text)
