"""Legacy binary Office files: Word 97–2003 (.doc) and Excel 97–2003 (.xls), and password-protected
Office 2007+ files, which are OLE2 containers too.

OLE2 (``D0 CF 11 E0``) is also Outlook's .msg; the streams inside tell them apart: ``WordDocument``,
``Workbook``/``Book``, ``EncryptedPackage``, or ``__substg1.0_`` (mail, left to its own kind). The
head rarely shows the directory, but a Word stream usually starts right after the header with the
FIB's ``EC A5`` (and a workbook with the BIFF ``09 08`` record), so that is checked too.

Reading the binary formats is left to LibreOffice (see dokreg.extract.libreoffice): the file is
converted to DOCX or XLSX and read by those kinds, so all Word and Excel text looks alike.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import ClassVar

import olefile

from dokreg.errors import Broken, Encrypted, Unsupported
from dokreg.extract.kinds.base import MAGIC, MAGIC_WEAK, extension_of
from dokreg.extract.kinds.docx import DocxExtractor
from dokreg.extract.kinds.xlsx import XlsxExtractor
from dokreg.extract.libreoffice import libreoffice_convert
from dokreg.extract.limits import Limits
from dokreg.extract.types import Extraction

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FIRST_SECTOR = 512
_WORD_FIB = b"\xec\xa5"
_BIFF8_BOF = b"\x09\x08"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_MAIL_STREAM = "__substg1.0_".encode("utf-16-le")
# FIB flags at offset 10 of the WordDocument stream: fEncrypted and fObfuscated (XOR).
_FIB_FLAGS = struct.Struct("<H")
_WORD_ENCRYPTED = 0x0100 | 0x8000
_BIFF_FILEPASS = 0x002F
_BIFF_EOF = 0x000A
# The conversion must end before the runner's wall-time limit kills the worker child, or the
# LibreOffice processes (in their own session) would outlive it; the rest is for reading the result.
_CONVERSION_SHARE = 0.75


class DocExtractor:
    kind: ClassVar[str] = "doc"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("application/msword",)
    extensions: ClassVar[tuple[str, ...]] = ("doc", "dot")

    def sniff(self, head: bytes, name: str) -> int | None:
        if not head.startswith(OLE_MAGIC) or _MAIL_STREAM in head:
            return None
        if _WORD_STREAM in head or head[_FIRST_SECTOR : _FIRST_SECTOR + 2] == _WORD_FIB:
            return MAGIC
        if _ENCRYPTED_PACKAGE in head:  # a protected DOCX/XLSX: claimed to say so clearly
            return MAGIC_WEAK
        extension = extension_of(name)
        if extension in self.extensions or extension in DocxExtractor.extensions:
            return MAGIC_WEAK
        return None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        with office_streams(data, name) as (ole, streams):
            if "worddocument" not in streams:
                if "workbook" in streams or "book" in streams:  # a spreadsheet named .doc
                    return XlsExtractor().extract(data, name, limits)
                raise Unsupported(f"{name}: an OLE2 file without a Word document ({_listing(streams)})")
            flags = _FIB_FLAGS.unpack_from(
                ole.openstream(streams["worddocument"]).read(12).ljust(12, b"\0"), 10
            )[0]
        if flags & _WORD_ENCRYPTED:
            raise Encrypted(f"{name}: the Word document is password-protected")
        return _converted(self, data, name, limits, source_extension="doc", reader=DocxExtractor())


class XlsExtractor:
    kind: ClassVar[str] = "xls"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-excel",)
    extensions: ClassVar[tuple[str, ...]] = ("xls", "xlt")

    def sniff(self, head: bytes, name: str) -> int | None:
        if not head.startswith(OLE_MAGIC) or _MAIL_STREAM in head:
            return None
        if any(s in head for s in _WORKBOOK_STREAMS) or head[_FIRST_SECTOR : _FIRST_SECTOR + 2] == _BIFF8_BOF:
            return MAGIC
        extension = extension_of(name)
        if extension in self.extensions or extension in XlsxExtractor.extensions:
            return MAGIC_WEAK
        return None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        with office_streams(data, name) as (ole, streams):
            stream = streams.get("workbook") or streams.get("book")
            if stream is None:
                raise Unsupported(f"{name}: an OLE2 file without an Excel workbook ({_listing(streams)})")
            globals_ = ole.openstream(stream).read(1024 * 1024)
        if _biff_has_password(globals_):
            raise Encrypted(f"{name}: the Excel workbook is password-protected")
        return _converted(self, data, name, limits, source_extension="xls", reader=XlsxExtractor())


@contextmanager
def office_streams(data: bytes, name: str) -> Iterator[tuple[olefile.OleFileIO, dict[str, str]]]:
    """The open OLE2 file and its top-level streams; Encrypted for a protected 2007+ package."""
    ole = open_ole(data, name)
    try:
        streams = _top_streams(ole)
        refuse_encrypted_package(streams, name)
        yield ole, streams
    finally:
        ole.close()


def open_ole(data: bytes, name: str) -> olefile.OleFileIO:
    try:
        return olefile.OleFileIO(io.BytesIO(data))
    except Exception as e:  # olefile raises OSError, its own errors or struct errors on damage
        raise Broken(f"{name}: not a readable OLE2 (legacy Office) file ({type(e).__name__}: {e})") from e


def refuse_encrypted_package(streams: dict[str, str], name: str) -> None:
    if "encryptedpackage" in streams:
        raise Encrypted(f"{name}: a password-protected Office document (encrypted package)")


def _top_streams(ole: olefile.OleFileIO) -> dict[str, str]:
    """Top-level stream names, by their case-folded form (writers differ in case) to the real name."""
    return {entry[0].casefold(): entry[0] for entry in ole.listdir(streams=True, storages=True)}


def _listing(streams: dict[str, str]) -> str:
    shown = sorted(s for s in streams.values() if s.isprintable())[:6]
    return "streams: " + ", ".join(shown) if shown else "no named streams"


def _biff_has_password(stream: bytes) -> bool:
    """True when the workbook globals hold a FILEPASS record (the workbook is encrypted)."""
    position = 0
    while position + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, position)
        if record == _BIFF_FILEPASS:
            return True
        if record == _BIFF_EOF:
            return False
        position += 4 + length
    return False


def _converted(
    legacy: DocExtractor | XlsExtractor,
    data: bytes,
    name: str,
    limits: Limits,
    *,
    source_extension: str,
    reader: DocxExtractor | XlsxExtractor,
) -> Extraction:
    """The legacy file converted by LibreOffice to ``reader``'s format, read by it, and reported as
    the legacy kind."""
    converted = libreoffice_convert(
        data,
        name=name,
        source_extension=source_extension,
        target=reader.kind,
        seconds=limits.seconds * _CONVERSION_SHARE,
    )
    return _relabel(reader.extract(converted, name, _for_converted(limits)), legacy.kind, legacy.version)


def _for_converted(limits: Limits) -> Limits:
    # LibreOffice, not a stranger, wrote the converted ZIP; it stores pictures (WMF) that compress
    # far beyond the bomb ratio. The size limits still hold.
    return replace(limits, max_ratio=float("inf"))


def _relabel(extraction: Extraction, kind: str, version: int) -> Extraction:
    """The converted file's extraction, reported as the original kind."""
    return Extraction(
        kind=kind,
        version=version,
        text=extraction.text,
        pages=extraction.pages,
        metadata=(*extraction.metadata, ("converted_by", "LibreOffice")),
        children=extraction.children,
        warnings=extraction.warnings,
    )
