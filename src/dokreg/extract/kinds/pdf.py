"""PDF through pypdfium2 (PDFium, the engine in Chrome): text per page, page count, document info.

PDFium objects hold native memory and are not freed reliably by the garbage collector, so every
document, page and text page is closed explicitly.
"""

from __future__ import annotations

import re
from typing import ClassVar

import pypdfium2 as pdfium

from dokreg.errors import Broken, Encrypted
from dokreg.extract.kinds.base import MAGIC
from dokreg.extract.limits import Limits
from dokreg.extract.types import Extraction, Page

# PDFium's load error codes (FPDF_ERR_*), see fpdfview.h.
_ERR_PASSWORD = 4
_ERR_SECURITY = 5
_INFO_KEYS = {"Title": "title", "Author": "author", "Producer": "producer"}
# D:YYYYMMDDHHmmSS followed by Z, or +HH'mm', or nothing; everything after the year is optional.
_PDF_DATE = re.compile(
    r"D:(?P<y>\d{4})(?P<mo>\d{2})?(?P<d>\d{2})?(?P<h>\d{2})?(?P<mi>\d{2})?(?P<s>\d{2})?"
    r"(?:(?P<z>Z)|(?P<sign>[+-])(?P<oh>\d{2})'?(?P<om>\d{2})?'?)?"
)
# The header may be preceded by junk; readers accept it within the first kilobyte.
_HEADER_WINDOW = 1024
# PDFium marks a hyphen it removed at a line break with U+FFFE; the word is already joined.
_PDFIUM_HYPHEN = "\ufffe"
# A page with fewer visible characters than this is treated as a scan without a text layer.
_MIN_PAGE_CHARS = 3


class PdfExtractor:
    kind: ClassVar[str] = "pdf"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("application/pdf",)
    extensions: ClassVar[tuple[str, ...]] = ("pdf",)

    def sniff(self, head: bytes, name: str) -> int | None:
        # The extension alone is not enough: a text file named .pdf must not reach PDFium.
        return MAGIC if b"%PDF-" in head[:_HEADER_WINDOW] else None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        document = _open(data, name)
        try:
            return self._read(document, name, limits)
        finally:
            document.close()

    def _read(self, document: pdfium.PdfDocument, name: str, limits: Limits) -> Extraction:
        page_count = len(document)
        warnings: list[str] = []
        if page_count > limits.max_pages:
            warnings.append(f"{name}: {page_count} pages, read only the first {limits.max_pages}")
        pages = tuple(_page(document, i, name) for i in range(min(page_count, limits.max_pages)))
        needs_ocr = [p.number for p in pages if len(p.text.strip()) < _MIN_PAGE_CHARS]
        warnings.extend(f"page {n} has no text layer (needs OCR)" for n in needs_ocr)
        metadata = [("pages", str(page_count)), *_info(document)]
        if needs_ocr:
            metadata.append(("needs_ocr", ",".join(map(str, needs_ocr))))
        return Extraction(
            kind=self.kind,
            version=self.version,
            text="\n\f\n".join(p.text for p in pages),
            pages=pages,
            metadata=tuple(metadata),
            warnings=tuple(warnings),
        )


def _open(data: bytes, name: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code in (_ERR_PASSWORD, _ERR_SECURITY):
            raise Encrypted(f"{name}: the PDF is password-protected ({e})") from e
        raise Broken(f"{name}: PDFium cannot open it ({e})") from e


def _page(document: pdfium.PdfDocument, index: int, name: str) -> Page:
    try:
        page = document[index]
    except pdfium.PdfiumError as e:
        raise Broken(f"{name}: page {index + 1} cannot be loaded ({e})") from e
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()
    return Page(number=index + 1, text=_clean(raw))


def _clean(raw: str) -> str:
    text = raw.replace(_PDFIUM_HYPHEN, "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _info(document: pdfium.PdfDocument) -> list[tuple[str, str]]:
    try:
        info = document.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:
        return []
    found = [
        (label, info[key].replace("\x00", "").strip()) for key, label in _INFO_KEYS.items() if info.get(key)
    ]
    created = pdf_date_iso(info.get("CreationDate", ""))
    return [(label, value) for label, value in found if value] + ([("created", created)] if created else [])


def pdf_date_iso(value: str) -> str:
    """A PDF date string (``D:20220403180542+02'00'``) as ISO 8601, or '' when it is not one."""
    m = _PDF_DATE.match(value.strip())
    if not m:
        return ""
    iso = f"{m['y']}-{m['mo'] or '01'}-{m['d'] or '01'}T{m['h'] or '00'}:{m['mi'] or '00'}:{m['s'] or '00'}"
    if m["z"]:
        return iso + "Z"
    if m["sign"]:
        return f"{iso}{m['sign']}{m['oh']}:{m['om'] or '00'}"
    return iso
