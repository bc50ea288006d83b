"""Extraction speed and memory: text-layer PDFs, OCR, and the real mixed corpora.

    python bench/extract_bench.py [--data ../shared/data] [--ocr-pages 4] [--rounds 1] [--out FILE]

1. **Text-layer PDFs** — every PDF of pypdf's sample files that files.json does not mark encrypted,
   through `extract_bytes` (OCR off) isolated and in-process, and through poppler's `pdftotext` (one
   process per file, text to stdout) as the reference speed. Pages/s = pages read ÷ wall time.
2. **OCR** — the first ``--ocr-pages`` pages of ee-derived-scans (the folder with a person's ID code
   left out; it is for privacy tests), one page a PDF, through `extract_bytes` with OCR on: s/page.
3. **Mixed corpus** — every file of the real corpora tests/extract/test_real_corpora.py sweeps, through
   `extract_tree` (OCR off, isolated, children recursed): files/s and extractions/s (children incl.),
   with the slowest files named. Two nested-ZIP bombs are left out (minutes each; see the test).
4. **Peak RSS** — `getrusage`: RUSAGE_SELF for this process and RUSAGE_CHILDREN after the extraction
   child is stopped (the largest child, LibreOffice and Tesseract included: they are its children).

Nothing is asserted; figures go to BENCHMARKS.md ("Extraction"). The machine is shared: read ±20 %.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# The corpora the real-corpora test sweeps (folder, relative to the data directory).
CORPORA = (
    "tika-test-documents",
    "pypdf-sample-files",
    "ocrmypdf-test-resources",
    "ee-digidoc4j-containers",
    "ee-dokumendiregistrid-fixtures/fixtures",
    "ee-delta-dhs/estonian-office-docs",
    "ee-delta-dhs/signed-and-office-samples",
)
# Their SOURCES.md says these hold personal data: only privacy tests read them.
PERSONAL_DATA = frozenset(
    {
        "ee-dokumendiregistrid-fixtures/fixtures/old_bdoc.bdoc",
        "ee-dokumendiregistrid-fixtures/fixtures/pii_ex/julg.pdf",
    }
)
# Nested-ZIP bombs that fan out into ~3900 extractions each (minutes): measured apart, not in files/s.
FAN_OUT_BOMBS = frozenset(
    {
        "ee-digidoc4j-containers/invalid-containers/zip-bomb.asice",
        "ee-digidoc4j-containers/invalid-containers/zip-bomb-package-zip.asics",
    }
)
PRIVATE_SCANS = frozenset({"otsus-julgestusinstruktor-2024"})
MiB = 1024 * 1024


@dataclass
class Result:
    machine: str = ""
    pdf_files: int = 0
    pdf_pages: int = 0
    pdf_failed: int = 0  # files PDFium refuses (their pages are not counted; pdftotext still reads them)
    pdf_seconds: dict[str, float] = field(default_factory=dict)  # isolated / in_process / pdftotext
    ocr_pages: int = 0
    ocr_seconds: float = 0.0
    mixed_files: int = 0
    mixed_extractions: int = 0
    mixed_seconds: float = 0.0
    mixed_outcomes: dict[str, int] = field(default_factory=dict)
    slowest: list[tuple[str, float]] = field(default_factory=list)
    rss_self_mib: float = 0.0
    rss_children_mib: float = 0.0


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--ocr-pages", type=int, default=4, help="0 skips OCR")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the PDF measurement (best is kept)")
    parser.add_argument("--skip-mixed", action="store_true", help="leave out the mixed corpus (slow)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    _django_setup()
    result = Result(machine=_machine())
    pdfs = text_layer_pdfs(args.data)
    pdf_bench(pdfs, result, rounds=args.rounds)
    if args.ocr_pages:
        ocr_bench(args.data, args.ocr_pages, result)
    if not args.skip_mixed:
        mixed_bench(args.data, result)
    _rss(result)
    print_tables(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(asdict(result), indent=2, ensure_ascii=False))
    return result


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
    os.environ.setdefault("DOKREG_DATA_DIR", tempfile.mkdtemp(prefix="dokreg-extract-bench-"))
    import django

    django.setup()


def _machine() -> str:
    import platform

    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


# --- 1. text-layer PDFs -----------------------------------------------------------------------------


def text_layer_pdfs(data: Path) -> list[Path]:
    root = data / "pypdf-sample-files"
    listed = json.loads((root / "files.json").read_text())["data"]
    # The mirror leaves out a few of the listed files (the 117-page GeoTopo ones among them).
    return [
        root / item["path"] for item in listed if not item["encrypted"] and (root / item["path"]).is_file()
    ]


def pdf_bench(pdfs: list[Path], result: Result, *, rounds: int) -> None:
    from dokreg.errors import DokregError
    from dokreg.extract.limits import Limits
    from dokreg.extract.runner import extract_bytes, sandbox_reset

    limits = Limits(ocr=False)
    blobs = [(p.name, p.read_bytes()) for p in pdfs]
    result.pdf_files = len(blobs)
    for label, isolate in (("isolated", True), ("in_process", False)):
        best = float("inf")
        for _ in range(rounds):
            sandbox_reset()  # the first file pays the fork, as a worker's first file does
            started = time.perf_counter()
            pages = failed = 0
            for name, data in blobs:
                try:
                    pages += len(extract_bytes(data, name, limits=limits, isolate=isolate).pages)
                except DokregError:
                    failed += 1
            best = min(best, time.perf_counter() - started)
        result.pdf_pages, result.pdf_failed = pages, failed
        result.pdf_seconds[label] = best
    if shutil.which("pdftotext"):
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            for path in pdfs:
                subprocess.run(
                    ["pdftotext", "-q", str(path), "-"], capture_output=True, check=False, timeout=120
                )
            best = min(best, time.perf_counter() - started)
        result.pdf_seconds["pdftotext"] = best


# --- 2. OCR ---------------------------------------------------------------------------------------------


def ocr_bench(data: Path, pages: int, result: Result) -> None:
    """One page a PDF (the page cut out with PDFium), so the time is per page and nothing is cut short."""
    import pypdfium2 as pdfium

    from dokreg.extract.limits import Limits
    from dokreg.extract.ocr import tesseract_available
    from dokreg.extract.runner import extract_bytes

    if not tesseract_available():
        print("tesseract with est+eng not installed: OCR skipped", file=sys.stderr)
        return
    limits = Limits(ocr=True, seconds=600, ocr_seconds=540)
    singles = _single_pages(data / "ee-derived-scans", pages, pdfium)
    started = time.perf_counter()
    for name, blob in singles:
        extraction = extract_bytes(blob, name, limits=limits, isolate=True)
        if dict(extraction.metadata).get("ocr_pages") != "1":
            print(f"{name}: not OCR'd ({extraction.warnings})", file=sys.stderr)
    result.ocr_seconds = time.perf_counter() - started
    result.ocr_pages = len(singles)


def _single_pages(folder: Path, wanted: int, pdfium) -> list[tuple[str, bytes]]:
    singles: list[tuple[str, bytes]] = []
    for scan in sorted(folder.glob("*/*-scan.pdf")):
        if scan.parent.name in PRIVATE_SCANS:
            continue
        source = pdfium.PdfDocument(scan)
        try:
            for index in range(len(source)):
                if len(singles) >= wanted:
                    return singles
                page = pdfium.PdfDocument.new()
                page.import_pages(source, [index])
                buffer = _BytesSink()
                page.save(buffer)
                page.close()
                singles.append((f"{scan.stem}-p{index + 1}.pdf", buffer.getvalue()))
        finally:
            source.close()
    return singles


class _BytesSink:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


# --- 3. the mixed corpus ------------------------------------------------------------------------------


def corpus_files(data: Path) -> list[Path]:
    files = []
    for corpus in CORPORA:
        for path in sorted((data / corpus).rglob("*")):
            relative = str(path.relative_to(data))
            if path.is_file() and relative not in PERSONAL_DATA and relative not in FAN_OUT_BOMBS:
                files.append(path)
    return files


def mixed_bench(data: Path, result: Result) -> None:
    from dokreg.extract.limits import Limits
    from dokreg.extract.runner import extract_tree

    limits = Limits(ocr=False)
    outcomes: Counter[str] = Counter()
    timings: list[tuple[str, float]] = []
    extractions = 0
    started = time.perf_counter()
    for path in corpus_files(data):
        file_started = time.perf_counter()
        node = extract_tree(path.read_bytes(), path.name, limits)
        timings.append((str(path.relative_to(data)), time.perf_counter() - file_started))
        outcomes["ok" if node.extraction else node.error_code] += 1
        extractions += _count(node)
    result.mixed_seconds = time.perf_counter() - started
    result.mixed_files = len(timings)
    result.mixed_extractions = extractions
    result.mixed_outcomes = dict(outcomes.most_common())
    result.slowest = sorted(timings, key=lambda t: -t[1])[:5]


def _count(node) -> int:
    return 1 + sum(_count(child) for child in node.children)


def _rss(result: Result) -> None:
    from dokreg.extract.runner import sandbox_reset

    sandbox_reset()  # reaped children are the ones RUSAGE_CHILDREN counts
    result.rss_self_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.rss_children_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# --- output -------------------------------------------------------------------------------------------


def print_tables(r: Result) -> None:
    print(f"\nMachine: {r.machine}\n")
    print(f"Text-layer PDFs: {r.pdf_files} files, {r.pdf_pages} pages read, {r.pdf_failed} refused\n")
    print("| reader | wall time | pages/s |\n|---|---|---|")
    for label, seconds in r.pdf_seconds.items():
        print(f"| {label} | {seconds:.2f} s | {r.pdf_pages / seconds:.0f} |")
    if r.ocr_pages:
        print(
            f"\nOCR: {r.ocr_pages} pages in {r.ocr_seconds:.1f} s = {r.ocr_seconds / r.ocr_pages:.1f} s/page"
        )
    if r.mixed_files:
        print(
            f"\nMixed corpus: {r.mixed_files} files ({r.mixed_extractions} extractions with children) in "
            f"{r.mixed_seconds:.1f} s = {r.mixed_files / r.mixed_seconds:.1f} files/s, "
            f"{r.mixed_extractions / r.mixed_seconds:.1f} extractions/s"
        )
        print("outcomes: " + ", ".join(f"{k} {v}" for k, v in r.mixed_outcomes.items()))
        print("slowest: " + "; ".join(f"{name} {seconds:.1f} s" for name, seconds in r.slowest))
    print(f"\nPeak RSS: process {r.rss_self_mib:.0f} MiB, largest child {r.rss_children_mib:.0f} MiB")


if __name__ == "__main__":
    main()
