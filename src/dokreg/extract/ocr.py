"""Optical character recognition with the Tesseract command-line program, Estonian first.

The binary runs as its own process: a hang or a crash on a hostile scan costs one subprocess, and
the timeout kills it. Estonian and English are loaded together because English alone reads õ, ä,
ö, ü, š and ž as other letters, and Estonian registers quote English titles often enough.

Images are handed over as greyscale PGM on stdin: Leptonica reads it without decoding work, and
the caller (not Tesseract) has already decoded and size-checked the picture with Pillow.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from PIL import Image

from dokreg.errors import Broken, DokregError, TimedOut, Unsupported
from dokreg.extract.limits import Limits
from dokreg.extract.types import Page

DEFAULT_LANG = "est+eng"
# Automatic page segmentation with orientation detection: letters scanned upside down or sideways
# are turned before reading (OCRmyPDF's cardinal.pdf: garbage at 180 degrees without it, the
# text with it); the detection costs a fraction of a second a page. Without the orientation data
# (osd.traineddata) the plain automatic segmentation is used.
_PAGE_SEGMENTATION = "1"
_PAGE_SEGMENTATION_NO_OSD = "3"
# With more than one OpenMP thread Tesseract spends more time in locks than it saves on a
# two-core worker (measured: 14 s instead of 4 s a page), and the pipeline runs pages in parallel anyway.
_ENV = {"OMP_THREAD_LIMIT": "1"}
# Tesseract reports resolutions outside this range as implausible and guesses badly.
_DPI_RANGE = range(70, 2401)


# Share of the extraction's wall time OCR may use, so the text layer and the result still get out
# before the runner kills the child.
_BUDGET_SHARE = 0.75

# A page to read: its number and a function that renders or decodes it only when its turn comes,
# so one page at a time is held in memory. It returns the picture and its resolution when known.
PageSource = tuple[int, Callable[[], tuple[Image.Image, int | None]]]


@dataclass(frozen=True)
class OcrRun:
    """What an OCR pass over several pages read, and why the pages it did not read were left."""

    texts: dict[int, str]
    unread: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    first_error: DokregError | None = None


def tesseract_available(lang: str = DEFAULT_LANG) -> bool:
    """Whether the binary and the language data for every language in ``lang`` are installed."""
    try:
        _check_installed(lang)
    except Unsupported:
        return False
    return True


def ocr_image(image: bytes, *, lang: str = DEFAULT_LANG, timeout: float, dpi: int | None = None) -> str:
    """The text Tesseract reads in one image (any format Leptonica reads: PGM, PNG, TIFF, JPEG).

    ``dpi`` is the image's true resolution when known; without it Tesseract estimates one from the
    letter heights. Raises Unsupported when Tesseract or the language data is missing, TimedOut
    after ``timeout`` seconds, Broken when Tesseract fails on the image.
    """
    binary = _check_installed(lang)
    osd = "osd" in _installed_languages(binary)
    psm = _PAGE_SEGMENTATION if osd else _PAGE_SEGMENTATION_NO_OSD
    command = [binary, "stdin", "stdout", "-l", lang, "--psm", psm]
    if dpi is not None and dpi in _DPI_RANGE:
        command += ["--dpi", str(dpi)]
    try:
        done = subprocess.run(
            command,
            input=image,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, **_ENV},
            check=False,
        )
    except subprocess.TimeoutExpired as e:  # subprocess.run has killed it already
        raise TimedOut(f"OCR took longer than {timeout:g} s; stopped") from e
    except OSError as e:
        raise Unsupported(f"tesseract cannot be started ({e})") from e
    if done.returncode != 0:
        raise Broken(f"tesseract failed on the image ({_last_line(done.stderr)})")
    return clean_ocr_text(done.stdout.decode("utf-8", errors="replace"))


def ocr_pil(picture: Image.Image, *, lang: str = DEFAULT_LANG, timeout: float, dpi: int | None = None) -> str:
    """``ocr_image`` for a decoded Pillow image: greyscale, transparency laid on white."""
    return ocr_image(to_pgm(picture), lang=lang, timeout=timeout, dpi=dpi)


def to_pgm(picture: Image.Image) -> bytes:
    """The picture as 8-bit greyscale PGM, the cheapest format to hand to Tesseract."""
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        # Transparent pixels are often black underneath: on a black background the text vanishes.
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(background, rgba)
    grey = picture if picture.mode == "L" else picture.convert("L")
    out = io.BytesIO()
    grey.save(out, format="PPM")
    return out.getvalue()


def clean_ocr_text(raw: str) -> str:
    """Tesseract's output without the form feed it ends a page with and without trailing blanks."""
    lines = raw.replace("\f", "\n").replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _check_installed(lang: str) -> str:
    binary = shutil.which("tesseract")
    if binary is None:
        raise Unsupported("tesseract not installed (Debian: apt install tesseract-ocr tesseract-ocr-est)")
    missing = [code for code in lang.split("+") if code not in _installed_languages(binary)]
    if missing:
        names = ", ".join(missing)
        if "est" in missing:
            raise Unsupported(
                f"Estonian language data missing for tesseract ({names}; apt install tesseract-ocr-est)"
            )
        raise Unsupported(f"tesseract language data missing: {names}")
    return binary


@functools.cache
def _installed_languages(binary: str) -> frozenset[str]:
    try:
        done = subprocess.run([binary, "--list-langs"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    # The first line is 'List of available languages in "<dir>" (N):'; one code a line follows.
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()[1:]
    return frozenset(line.strip() for line in lines if line.strip())


def _last_line(stderr: bytes) -> str:
    lines = [line for line in stderr.decode("utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


def ocr_pages(sources: Iterable[PageSource], *, limits: Limits, lang: str = DEFAULT_LANG) -> OcrRun:
    """OCR pages in order within ``limits.max_ocr_pages`` and the time budget.

    A page that fails is recorded, not raised, so one bad page does not lose the others; a missing
    Tesseract stops the pass at once, since every further page would fail the same way.
    """
    budget = min(limits.ocr_seconds, _BUDGET_SHARE * limits.seconds)
    deadline = time.monotonic() + budget
    texts: dict[int, str] = {}
    unread: list[int] = []
    warnings: list[str] = []
    first_error: DokregError | None = None
    stop_reason = ""
    for number, load in sources:
        remaining = deadline - time.monotonic()
        if not stop_reason and len(texts) >= limits.max_ocr_pages:
            stop_reason = f"OCR stopped after {limits.max_ocr_pages} pages (max_ocr_pages)"
        elif not stop_reason and remaining <= 0:
            stop_reason = f"OCR stopped: its time budget of {budget:g} s was spent"
        if stop_reason:
            unread.append(number)
            continue
        try:
            picture, dpi = load()
            texts[number] = ocr_pil(picture, lang=lang, timeout=remaining, dpi=dpi)
        except DokregError as e:
            unread.append(number)
            first_error = first_error or e
            if isinstance(e, Unsupported):
                stop_reason = f"OCR unavailable: {e.message}"
            else:
                warnings.append(f"page {number}: OCR failed ({e.message})")
    if stop_reason:
        warnings.append(stop_reason)
    return OcrRun(texts=texts, unread=tuple(unread), warnings=tuple(warnings), first_error=first_error)


@dataclass(frozen=True)
class OcrPages:
    """A paged document after an OCR pass: its pages, those still unread, and the metadata marks
    ``ocr_pages`` / ``needs_ocr`` (the pipeline reads ``needs_ocr`` to queue a later OCR pass)."""

    pages: tuple[Page, ...]
    needs_ocr: tuple[int, ...]
    marks: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        return "\n\f\n".join(p.text for p in self.pages)


def pages_with_ocr(pages: Sequence[Page], texts: Mapping[int, str], blank: Iterable[int]) -> OcrPages:
    """``pages`` with OCR's ``texts`` in place of theirs; ``blank`` pages OCR did not read need it still."""
    filled = tuple(Page(p.number, texts[p.number]) if p.number in texts else p for p in pages)
    needs_ocr = tuple(n for n in blank if n not in texts)
    marks = []
    if texts:
        marks.append(("ocr_pages", ",".join(map(str, sorted(texts)))))
    if needs_ocr:
        marks.append(("needs_ocr", ",".join(map(str, needs_ocr))))
    return OcrPages(pages=filled, needs_ocr=needs_ocr, marks=tuple(marks))


# --- measuring OCR against a ground truth (tests and bench/ocr_bench.py) -------------------------


def character_error_rate(recognised: str, truth: str) -> float:
    """Edit distance over the ground truth's length, both with whitespace runs made one space.

    Layout (columns, indents, blank lines) is not what OCR is judged on here: the words are.
    """
    a, b = " ".join(recognised.split()), " ".join(truth.split())
    return levenshtein(a, b) / max(1, len(b))


def levenshtein(a: str, b: str) -> int:
    """Insertions, deletions and substitutions turning ``a`` into ``b``.

    Myers' bit-parallel algorithm (Hyyrö's formulation): one column of the DP table is a pair of
    Python integers used as bit vectors, so two 5,000-character pages take milliseconds, not the
    tens of seconds of the textbook table.
    """
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    # Bit i of peq[c] says b[i] == c.
    peq: dict[str, int] = {}
    for i, char in enumerate(b):
        peq[char] = peq.get(char, 0) | (1 << i)
    mask = (1 << len(b)) - 1
    last = 1 << (len(b) - 1)
    plus, minus, score = mask, 0, len(b)  # vertical deltas of column 0 are all +1
    for char in a:
        eq = peq.get(char, 0)
        xv = eq | minus
        xh = (((eq & plus) + plus) ^ plus) | eq
        h_plus = minus | (~(xh | plus) & mask)
        h_minus = plus & xh
        if h_plus & last:
            score += 1
        elif h_minus & last:
            score -= 1
        h_plus = ((h_plus << 1) | 1) & mask  # row 0 grows by one per column
        h_minus = (h_minus << 1) & mask
        plus = h_minus | (~(xv | h_plus) & mask)
        minus = h_plus & xv
    return score
