"""OCR accuracy and speed on the derived Estonian scans, per page and per render resolution.

    python bench/ocr_bench.py [--dpi 150,200,300,400] [--data ../shared/data/ee-derived-scans]

Each image-only PDF page is rendered the way the PDF extractor does it (column "own": the scan's
own resolution) and at every fixed resolution asked for, and read with Tesseract (est+eng); the character error rate is measured against the
folder's ground-truth.txt (pdftotext of the original, one form feed a page). The folder holding a
person's name and ID code is skipped: it is for privacy tests only. Nothing here is asserted; the
bounds in tests/extract/test_ocr.py were set from this table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from dokreg.extract.kinds.pdf import render_page
from dokreg.extract.ocr import character_error_rate, ocr_pil

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ee-derived-scans"
PRIVATE = {"otsus-julgestusinstruktor-2024"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dpi", default="150,200,300,400")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    resolutions: list[int | None] = [None, *(int(d) for d in args.dpi.split(",") if d)]
    print(f"{'page':40} " + " ".join(f"{d or 'own':>4}dpi CER   s" for d in resolutions))
    totals = {d: [0.0, 0.0, 0] for d in resolutions}
    for folder in sorted(p for p in args.data.iterdir() if p.is_dir() and p.name not in PRIVATE):
        truths = (folder / "ground-truth.txt").read_text().split("\f")
        document = pdfium.PdfDocument(next(folder.glob("*-scan.pdf")))
        try:
            for index in range(len(document)):
                cells = []
                for dpi in resolutions:
                    cer, seconds = _measure(document, index, dpi, truths[index])
                    totals[dpi][0] += cer
                    totals[dpi][1] += seconds
                    totals[dpi][2] += 1
                    cells.append(f"{cer:11.4f} {seconds:4.1f}")
                print(f"{folder.name + ' p' + str(index + 1):40} " + " ".join(cells))
        finally:
            document.close()
    means = [f"{t[0] / t[2]:11.4f} {t[1] / t[2]:4.1f}" for t in totals.values()]
    print(f"{'mean':40} " + " ".join(means))


def _measure(document: pdfium.PdfDocument, index: int, dpi: int | None, truth: str) -> tuple[float, float]:
    if dpi is None:
        picture, dpi = render_page(document, index + 1, "bench")
    else:
        page = document[index]
        try:
            bitmap = page.render(scale=dpi / 72, grayscale=True, force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
            picture = bitmap.to_pil().copy()
            bitmap.close()
        finally:
            page.close()
    started = time.perf_counter()
    text = ocr_pil(picture, timeout=300, dpi=dpi)
    return character_error_rate(text, truth), time.perf_counter() - started


if __name__ == "__main__":
    main()
