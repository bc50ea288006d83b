"""The explicit registry of extractors and the choice among them.

Adding a kind means writing ``kinds/<kind>.py`` and listing it here; nothing registers itself on
import. The contract tests walk this tuple.
"""

from __future__ import annotations

from dokreg.errors import Unsupported
from dokreg.extract.kinds.asice import AsiceExtractor
from dokreg.extract.kinds.base import Extractor, extension_of
from dokreg.extract.kinds.ddoc import DdocExtractor
from dokreg.extract.kinds.doc import DocExtractor, XlsExtractor
from dokreg.extract.kinds.docx import DocxExtractor
from dokreg.extract.kinds.eml import EmlExtractor
from dokreg.extract.kinds.html import HtmlExtractor
from dokreg.extract.kinds.image import ImageExtractor
from dokreg.extract.kinds.msg import MsgExtractor
from dokreg.extract.kinds.odt import OdsExtractor, OdtExtractor
from dokreg.extract.kinds.pdf import PdfExtractor
from dokreg.extract.kinds.rtf import RtfExtractor
from dokreg.extract.kinds.text import TextExtractor
from dokreg.extract.kinds.xlsx import XlsxExtractor
from dokreg.extract.kinds.zip import ZipExtractor

EXTRACTORS: tuple[Extractor, ...] = (
    PdfExtractor(),
    ImageExtractor(),
    AsiceExtractor(),
    DdocExtractor(),
    EmlExtractor(),
    MsgExtractor(),
    DocxExtractor(),
    XlsxExtractor(),
    OdtExtractor(),
    OdsExtractor(),
    DocExtractor(),
    XlsExtractor(),
    RtfExtractor(),
    HtmlExtractor(),
    ZipExtractor(),  # after every ZIP-based kind: it scores below them, and ties go to the earlier
    TextExtractor(),
)

# Magic bytes of kinds we recognise but cannot read yet, to say what a file is when we refuse it.
_KNOWN_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "ZIP-based (DOCX, ODT, XLSX or ZIP)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 (DOC, XLS or Outlook MSG)"),
    (b"{\\rtf", "RTF"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"GIF8", "GIF image"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x1f\x8b", "gzip"),
)


def choose(head: bytes, name: str) -> Extractor:
    """The extractor with the highest sniff score for this file; ties go to the earlier one."""
    best: Extractor | None = None
    best_score = -1
    for extractor in EXTRACTORS:
        score = extractor.sniff(head, name)
        if score is not None and score > best_score:
            best, best_score = extractor, score
    if best is None:
        raise Unsupported(f"no extractor for {name} ({detected_type(head, name)}) yet")
    return best


def detected_type(head: bytes, name: str) -> str:
    """A short human description of what the file seems to be, for messages."""
    for magic, description in _KNOWN_MAGIC:
        if head.startswith(magic):
            return description
    if b"<?xml" in head[:64] or b"<SignedDoc" in head[:512]:
        return "XML"
    extension = extension_of(name)
    return f"unrecognised content, extension .{extension}" if extension else "unrecognised content"
