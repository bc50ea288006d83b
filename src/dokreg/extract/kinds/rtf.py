"""Rich Text Format through striprtf, with the Estonian code pages handled.

RTF escapes non-ASCII letters as ``\\'xx`` in the document's ANSI code page (``\\ansicpg1257`` for
Baltic Windows, so ``\\'f5`` is õ) or as ``\\uN`` Unicode; striprtf decodes both, per font charset
too. Around it: ``\\binN`` payloads (raw bytes that would otherwise be read as text) are cut out
first, the few raw 8-bit bytes some writers leave are decoded in the declared code page, and
``\\u`` surrogate pairs are joined (a lone one becomes U+FFFD, which the database can store).
"""

from __future__ import annotations

import codecs
import re
from datetime import datetime
from typing import ClassVar

from striprtf.striprtf import rtf_to_text

from dokreg.errors import Broken
from dokreg.extract.kinds.base import EXTENSION, MAGIC, extension_of
from dokreg.extract.limits import Limits
from dokreg.extract.types import Extraction

RTF_MAGIC = b"{\\rtf"
DEFAULT_CODE_PAGE = "cp1252"  # the RTF specification's default when \ansicpg is missing
_ANSICPG = re.compile(rb"\\ansicpg(\d{3,5})")
_BIN = re.compile(rb"\\bin(\d{1,10}) ?")
_INFO_FIELD = re.compile(rb"\{\\(title|author|subject|company)\s+((?:[^{}\\]|\\[^{}]|\\[{}])*)\}")
_CREATED = re.compile(rb"\\creatim\\yr(\d{4})\\mo(\d{1,2})\\dy(\d{1,2})(?:\\hr(\d{1,2}))?(?:\\min(\d{1,2}))?")
_BLANK_LINES = re.compile(r"\n{3,}")


class RtfExtractor:
    kind: ClassVar[str] = "rtf"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("application/rtf", "text/rtf")
    extensions: ClassVar[tuple[str, ...]] = ("rtf",)

    def sniff(self, head: bytes, name: str) -> int | None:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(RTF_MAGIC):
            return MAGIC
        return EXTENSION if extension_of(name) in self.extensions else None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        if RTF_MAGIC not in data[:1024]:
            raise Broken(f"{name}: named .rtf but does not start with {{\\rtf")
        data = strip_binary(data)
        code_page = code_page_of(data)
        source = _decode_source(data, code_page)
        try:
            text = rtf_to_text(source, encoding=code_page, errors="replace")
        except (ValueError, OverflowError, IndexError) as e:  # \u99999999, odd hex runs
            raise Broken(f"{name}: RTF control words could not be decoded ({e})") from e
        text = _BLANK_LINES.sub("\n\n", _join_surrogates(text).replace("\r\n", "\n").strip())
        metadata = [("code_page", code_page), *_info(data, code_page)]
        return Extraction(kind=self.kind, version=self.version, text=text, metadata=tuple(metadata))


def strip_binary(data: bytes) -> bytes:
    """The RTF with every ``\\binN`` and its N raw bytes removed."""
    if b"\\bin" not in data:
        return data
    pieces: list[bytes] = []
    position = 0
    while match := _BIN.search(data, position):
        pieces.append(data[position : match.start()])
        position = match.end() + int(match.group(1))
    pieces.append(data[position:])
    return b"".join(pieces)


def code_page_of(data: bytes) -> str:
    match = _ANSICPG.search(data[:4096])
    if match:
        candidate = f"cp{int(match.group(1))}"
        try:
            codecs.lookup(candidate)
            return candidate
        except LookupError:
            pass
    return DEFAULT_CODE_PAGE


def _decode_source(data: bytes, code_page: str) -> str:
    # Proper RTF is 7-bit ASCII; raw 8-bit bytes are either UTF-8 or the declared code page.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(code_page, errors="replace")


def _join_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _info(data: bytes, code_page: str) -> list[tuple[str, str]]:
    """Title, author, subject and company from the \\info group; the creation time."""
    head = data[:65536]
    found: list[tuple[str, str]] = []
    for key, raw in _INFO_FIELD.findall(head):
        group = b"{\\rtf1\\ansi " + raw + b"}"
        value = _join_surrogates(
            rtf_to_text(_decode_source(group, code_page), encoding=code_page, errors="replace")
        )
        if value.strip() and key.decode() not in dict(found):
            found.append((key.decode(), " ".join(value.split())))
    created = _CREATED.search(head)
    if created:
        year, month, day, hour, minute = (int(g or 0) for g in created.groups())
        try:
            found.append(("created", datetime(year, month, day, hour, minute).isoformat()))
        except ValueError:
            pass
    return found
