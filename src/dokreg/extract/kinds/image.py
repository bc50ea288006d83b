"""Scanned pages sent as pictures (PNG, JPEG, TIFF): their text through OCR, one page a frame.

Registers receive faxes as multi-page TIFF and photographed letters as JPEG. Pillow decodes them
(only these three formats, so no other decoder ever sees a stranger's bytes); the declared size is
checked before a single pixel is decoded, because a few hundred bytes can declare a picture of
gigapixels. With ``limits.ocr`` off the pages are listed in ``needs_ocr`` with no text, as the PDF
kind does for scans, so a later OCR pass can fill them in.
"""

from __future__ import annotations

import io
import warnings
from typing import ClassVar

from PIL import Image, ImageOps, UnidentifiedImageError

from dokreg.errors import Broken, TooLarge
from dokreg.extract.kinds.base import MAGIC
from dokreg.extract.limits import Limits
from dokreg.extract.ocr import PageSource, ocr_pages, pages_with_ocr
from dokreg.extract.types import Extraction, Page

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_FORMATS = ["PNG", "JPEG", "TIFF"]


class ImageExtractor:
    kind: ClassVar[str] = "image"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("image/png", "image/jpeg", "image/tiff")
    extensions: ClassVar[tuple[str, ...]] = ("png", "jpg", "jpeg", "tif", "tiff")

    def sniff(self, head: bytes, name: str) -> int | None:
        # Only the content counts: a picture named .pdf is still a picture, a text named .png is not.
        return MAGIC if any(head.startswith(magic) for magic, _ in _MAGIC) else None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        picture = _open(data, name, limits)
        try:
            return self._read(picture, name, limits)
        finally:
            picture.close()

    def _read(self, picture: Image.Image, name: str, limits: Limits) -> Extraction:
        frame_count = _frame_count(picture, name)
        numbers = list(range(1, min(frame_count, limits.max_pages) + 1))
        warnings_: list[str] = []
        if frame_count > limits.max_pages:
            warnings_.append(f"{name}: {frame_count} pages, read only the first {limits.max_pages}")
        texts: dict[int, str] = {}
        if limits.ocr:
            run = ocr_pages(_frame_sources(picture, numbers, name, limits), limits=limits)
            if run.first_error is not None and not run.texts:
                # Nothing read at all: the file failed (and can be retried), it is not an empty page.
                error = run.first_error
                message = error.message if error.message.startswith(name) else f"{name}: {error.message}"
                raise type(error)(message, code=error.code)
            texts = run.texts
            warnings_.extend(run.warnings)
        read = pages_with_ocr([Page(number=n, text="") for n in numbers], texts, numbers)
        warnings_.extend(f"page {n} is a picture not yet read (needs OCR)" for n in read.needs_ocr)
        metadata = (
            ("format", picture.format or ""),
            ("width", str(picture.size[0])),
            ("height", str(picture.size[1])),
            ("pages", str(frame_count)),
            *read.marks,
        )
        return Extraction(
            kind=self.kind,
            version=self.version,
            text=read.text,
            pages=read.pages,
            metadata=metadata,
            warnings=tuple(warnings_),
        )


def _open(data: bytes, name: str, limits: Limits) -> Image.Image:
    """The picture with only its header read, refused when it declares too many pixels."""
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own global bound; ours (limits.max_image_pixels) decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=_FORMATS)
    except Image.DecompressionBombError as e:
        raise TooLarge(f"{name}: the picture declares more pixels than Pillow will decode ({e})") from e
    except UnidentifiedImageError as e:
        raise Broken(f"{name}: not a readable PNG, JPEG or TIFF picture") from e
    except (OSError, SyntaxError, ValueError) as e:  # Pillow's plugins raise these on bad headers
        raise Broken(f"{name}: the picture's header is damaged ({e})") from e
    try:
        _check_size(picture, name, limits, 1)
    except TooLarge:
        picture.close()
        raise
    return picture


def _check_size(picture: Image.Image, name: str, limits: Limits, number: int) -> None:
    width, height = picture.size
    if width < 1 or height < 1:
        raise Broken(f"{name}: page {number} declares no pixels ({width} x {height})")
    if width * height > limits.max_image_pixels:
        raise TooLarge(
            f"{name}: page {number} is {width} x {height} pixels, more than the limit of "
            f"{limits.max_image_pixels}"
        )


def _frame_count(picture: Image.Image, name: str) -> int:
    # Only TIFF holds pages; an animated PNG's extra frames are animation, not more text.
    if picture.format != "TIFF":
        return 1
    try:
        return max(1, int(getattr(picture, "n_frames", 1)))
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise Broken(f"{name}: the TIFF's page directory is damaged ({e})") from e


def _frame_sources(picture: Image.Image, numbers: list[int], name: str, limits: Limits) -> list[PageSource]:
    return [(n, lambda n=n: _frame(picture, n, name, limits)) for n in numbers]


def _frame(picture: Image.Image, number: int, name: str, limits: Limits) -> tuple[Image.Image, int | None]:
    """Page ``number`` decoded, upright, with the resolution the file declares."""
    try:
        picture.seek(number - 1)
        _check_size(picture, name, limits, number)  # every TIFF page declares its own size
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture.load()
            frame = ImageOps.exif_transpose(picture)  # phone photos are stored sideways plus a tag
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise Broken(f"{name}: page {number} cannot be decoded ({e})") from e
    return frame, _dpi(picture)


def _dpi(picture: Image.Image) -> int | None:
    dpi = picture.info.get("dpi")
    try:
        return round(float(dpi[0])) if dpi else None
    except (TypeError, ValueError, IndexError):
        return None
