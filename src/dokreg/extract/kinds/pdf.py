"""PDF through pypdfium2 (PDFium, the engine in Chrome): text per page, page count, document info.

Pages without a usable text layer (scans) are rendered and read with Tesseract when
``limits.ocr`` is on. Metadata ``ocr_pages`` lists the pages whose text came from OCR and
``needs_ocr`` the ones still without text, so a quick pass with ``ocr=False`` can be followed by a
second extraction with OCR that replaces the first.

PDFium objects hold native memory and are not freed reliably by the garbage collector, so every
document, page, text page and bitmap is closed explicitly.
"""

from __future__ import annotations

import math
import re
from typing import ClassVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from dokreg.errors import Broken, Encrypted
from dokreg.extract.kinds.base import MAGIC
from dokreg.extract.limits import Limits
from dokreg.extract.ocr import PageSource, ocr_pages, pages_with_ocr
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
# A page with fewer letters than this has no usable text layer: a scan, or a font without a
# Unicode map whose "text" is control codes and punctuation ('"7+%-' in OCRmyPDF's samples).
_MIN_PAGE_LETTERS = 3
# A scan is rendered at its own resolution: resampling a 200 dpi scan to 300 adds no detail and
# blows its specks up into blots Tesseract reads as punctuation (bench/ocr_bench.py: CER 0.027 at
# the scan's 200 dpi, 0.090 at 300). Within these bounds: Tesseract's models were trained on text at
# about 300 dpi and lose the marks telling õ from o below ~150; beyond 400 time grows, accuracy not.
_SCAN_DPI_RANGE = (150, 400)
# Pages drawn as vectors (text as outlines, fonts without a Unicode map) have no resolution of their
# own: 300 dpi gives 10-point letters the ~30-pixel height Tesseract reads best.
VECTOR_DPI = 300
_POINTS_PER_INCH = 72
# An image covering less of the page than this is a logo or a stamp, not the scan.
_SCAN_COVERAGE = 0.25
# Objects inspected to find the scan; a hostile page may hold hundreds of thousands.
_MAX_OBJECTS = 500
# A poster-sized page is rendered at a lower resolution rather than into gigabytes:
# 36 million pixels is an A2 sheet at 300 dpi.
_MAX_RENDER_PIXELS = 36_000_000


class PdfExtractor:
    kind: ClassVar[str] = "pdf"
    version: ClassVar[int] = 2  # 2: OCR of pages without a text layer
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
        pages = _readable_pages(document, min(page_count, limits.max_pages), name, warnings)
        blank = [p.number for p in pages if sum(c.isalpha() for c in p.text) < _MIN_PAGE_LETTERS]
        ocr_texts: dict[int, str] = {}
        if blank and limits.ocr:
            run = ocr_pages(_render_sources(document, blank, name), limits=limits)
            ocr_texts = run.texts
            warnings.extend(run.warnings)
        read = pages_with_ocr(pages, ocr_texts, blank)
        warnings.extend(f"page {n} has no text layer (needs OCR)" for n in read.needs_ocr)
        return Extraction(
            kind=self.kind,
            version=self.version,
            text=read.text,
            pages=read.pages,
            metadata=(("pages", str(page_count)), *_info(document), *read.marks),
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


def _readable_pages(
    document: pdfium.PdfDocument, count: int, name: str, warnings: list[str]
) -> tuple[Page, ...]:
    """Every page that loads; one broken page (a looping page tree, say) costs only that page."""
    pages = []
    for index in range(count):
        try:
            pages.append(_page(document, index, name))
        except Broken as e:
            warnings.append(e.message)
    if count and not pages:
        raise Broken(f"{name}: none of its {count} pages can be loaded")
    return tuple(pages)


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


def _render_sources(document: pdfium.PdfDocument, numbers: list[int], name: str) -> list[PageSource]:
    return [(n, lambda n=n: render_page(document, n, name)) for n in numbers]


def render_page(document: pdfium.PdfDocument, number: int, name: str) -> tuple[Image.Image, int]:
    """Page ``number`` (from 1) as a greyscale picture for OCR, and the resolution it was drawn at."""
    try:
        page = document[number - 1]
    except pdfium.PdfiumError as e:
        raise Broken(f"{name}: page {number} cannot be loaded ({e})") from e
    try:
        dpi = _render_dpi(page, name, number)
        bitmap = page.render(
            scale=dpi / _POINTS_PER_INCH, grayscale=True, force_bitmap_format=pdfium_c.FPDFBitmap_Gray
        )
        try:
            picture = bitmap.to_pil().copy()  # the copy owns its pixels once the bitmap is closed
        finally:
            bitmap.close()
    except pdfium.PdfiumError as e:
        raise Broken(f"{name}: page {number} cannot be rendered ({e})") from e
    finally:
        page.close()
    return picture, dpi


def _render_dpi(page: pdfium.PdfPage, name: str, number: int) -> int:
    width, height = page.get_size()
    if not (math.isfinite(width) and math.isfinite(height) and width >= 1 and height >= 1):
        raise Broken(f"{name}: page {number} has no usable size ({width} x {height} points)")
    scan = _scan_dpi(page, width * height)
    dpi = VECTOR_DPI if scan is None else min(max(round(scan), _SCAN_DPI_RANGE[0]), _SCAN_DPI_RANGE[1])
    pixels = (width * dpi / _POINTS_PER_INCH) * (height * dpi / _POINTS_PER_INCH)
    if pixels <= _MAX_RENDER_PIXELS:
        return dpi
    return max(1, int(dpi * math.sqrt(_MAX_RENDER_PIXELS / pixels)))


def _scan_dpi(page: pdfium.PdfPage, page_area: float) -> float | None:
    """The resolution of the largest image on the page when it covers enough to be the scan."""
    best_area, best_dpi = 0.0, None
    objects = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)
    for index, image in enumerate(objects):
        if index >= _MAX_OBJECTS:
            break
        left, bottom, right, top = image.get_bounds()
        area = (right - left) * (top - bottom)
        px_width, px_height = image.get_px_size()
        if area > best_area and px_width > 0 and px_height > 0:
            # Pixels per square inch, square-rooted: the same for an image turned by 90 degrees.
            best_area = area
            best_dpi = math.sqrt(px_width * px_height / area) * _POINTS_PER_INCH
    return best_dpi if best_area >= _SCAN_COVERAGE * page_area else None


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
