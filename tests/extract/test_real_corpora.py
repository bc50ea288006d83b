"""Every file of the real test corpora through ``extract_tree``, isolated, with OCR off.

The proof that extraction survives what the world publishes: Tika's, pypdf's and OCRmyPDF's test
files, DigiDoc4j's valid, invalid and degenerate containers, the Estonian register fixtures and
DELTA's office documents. Whatever a file is, the result is an extraction or an error with a code
and a message naming the file; no native crash, no timeout. A per-kind table is printed (``-s``).

OCR is off (it costs seconds a page and has its own tests in test_ocr.py). Legacy Word and Excel
files go through headless LibreOffice at seconds each; to keep the sweep near three minutes only
every third of them (in path order) is taken, and test_office.py covers the kind in depth. Two
files whose SOURCES.md says they hold personal data are left out: they are for privacy tests.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from dokreg import errors
from dokreg.extract.kinds.base import extension_of
from dokreg.extract.limits import Limits
from dokreg.extract.runner import ExtractedNode, extract_tree, sandbox_reset

pytestmark = [pytest.mark.shared, pytest.mark.slow]

CORPORA = (
    "tika-test-documents",
    "pypdf-sample-files",
    "ocrmypdf-test-resources",
    "ee-digidoc4j-containers",
    "ee-dokumendiregistrid-fixtures/fixtures",
    "ee-delta-dhs/estonian-office-docs",
    "ee-delta-dhs/signed-and-office-samples",
)
PERSONAL_DATA = frozenset(
    {
        "ee-dokumendiregistrid-fixtures/fixtures/old_bdoc.bdoc",
        "ee-dokumendiregistrid-fixtures/fixtures/pii_ex/julg.pdf",
    }
)
# Nested-ZIP bombs that fan out into thousands of members (5 per level, 6 levels deep, each leaf
# refused by the ratio guard): extract_tree has no budget for the whole tree, so each takes minutes.
# They are swept on their own, with a deadline, below.
FAN_OUT_BOMBS = (
    "ee-digidoc4j-containers/invalid-containers/zip-bomb.asice",
    "ee-digidoc4j-containers/invalid-containers/zip-bomb-package-zip.asics",
)
FAN_OUT_DEADLINE = 30.0
LIBREOFFICE_EXTENSIONS = frozenset({"doc", "xls"})
LIBREOFFICE_SAMPLE_EVERY = 3
LIMITS = Limits(ocr=False, seconds=60)
KNOWN_CODES = frozenset(
    cls.code for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.DokregError)
)


@dataclass(frozen=True)
class Swept:
    path: str  # relative to the data directory
    node: ExtractedNode
    seconds: float

    @property
    def extension(self) -> str:
        return extension_of(self.path) or "(none)"


def corpus_paths(data: Path) -> list[str]:
    paths: list[str] = []
    legacy_office = 0
    for corpus in CORPORA:
        for path in sorted((data / corpus).rglob("*")):
            relative = str(path.relative_to(data))
            if not path.is_file() or relative in PERSONAL_DATA or relative in FAN_OUT_BOMBS:
                continue
            if extension_of(path.name) in LIBREOFFICE_EXTENSIONS:
                legacy_office += 1
                if legacy_office % LIBREOFFICE_SAMPLE_EVERY != 1:
                    continue
            paths.append(relative)
    return paths


@pytest.fixture(scope="module")
def swept(shared_data) -> dict[str, Swept]:
    results: dict[str, Swept] = {}
    for relative in corpus_paths(shared_data):
        path = shared_data / relative
        started = time.perf_counter()
        node = extract_tree(path.read_bytes(), path.name, LIMITS, isolate=True)
        results[relative] = Swept(relative, node, time.perf_counter() - started)
    return results


def walk(node: ExtractedNode):
    yield node
    for child in node.children:
        yield from walk(child)


def test_the_sweep_covers_every_corpus(swept):
    per_corpus = Counter(next(c for c in CORPORA if p.startswith(c + "/")) for p in swept)
    assert set(per_corpus) == set(CORPORA)
    assert len(swept) > 600  # ~740 files, a third of the legacy Office ones


def test_every_file_is_extracted_or_refused_with_a_code_and_a_message(swept):
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for item in swept.values():
        outcome = "ok" if item.node.extraction else item.node.error_code
        table[item.extension]["files"] += 1
        table[item.extension][outcome] += 1
        for node in walk(item.node):
            if node.extraction is None:
                assert node.error_code in KNOWN_CODES, (item.path, node.name, node.error_code)
                assert node.error_message.strip(), (item.path, node.name)
    _print_table(table, swept)


def test_nothing_crashes_or_hangs(swept):
    """A native crash or a timeout is the runner saving the worker; on these files it must not be needed."""
    bad = [
        (item.path, node.name, node.error_message)
        for item in swept.values()
        for node in walk(item.node)
        if node.error_code == errors.TimedOut.code
        or "crashed" in node.error_message
        or " extractor failed (" in node.error_message  # an exception the extractor did not expect
    ]
    assert bad == []


def test_pypdf_samples_read_with_their_listed_page_counts(swept, shared_data):
    listed = json.loads((shared_data / "pypdf-sample-files" / "files.json").read_text())["data"]
    checked = 0
    for item in listed:
        result = swept.get(f"pypdf-sample-files/{item['path']}")
        if result is None:
            continue  # the mirror leaves out a few listed files (the GeoTopo pair)
        node = result.node
        if item["encrypted"]:
            assert node.error_code == errors.Encrypted.code, item["path"]
        elif item["path"] == "017-unreadable-meta-data/unreadablemetadata.pdf":
            # A broken cross-reference table pypdf tolerates and PDFium refuses: a failure with a reason.
            assert node.error_code == errors.Broken.code and "PDFium cannot open it" in node.error_message
        else:
            assert node.extraction is not None, (item["path"], node.error_message)
            assert len(node.extraction.pages) == item["pages"], item["path"]
            checked += 1
    assert checked >= 28


def test_mail_subjects_decode_without_replacement_characters(swept):
    subjects = [
        (item.path, dict(node.extraction.metadata).get("subject", ""))
        for item in swept.values()
        for node in walk(item.node)
        if node.extraction is not None and node.extraction.kind in ("eml", "msg")
    ]
    assert len(subjects) >= 30
    assert [(path, subject) for path, subject in subjects if "\ufffd" in subject] == []


def test_every_valid_digidoc4j_container_opens_and_its_xades_signatures_verify(swept):
    valid = {p: s for p, s in swept.items() if p.startswith("ee-digidoc4j-containers/valid-containers/")}
    assert len(valid) >= 90
    signed = 0
    for path, item in valid.items():
        extraction = item.node.extraction
        assert extraction is not None, (path, item.node.error_message)
        if path.endswith(".pdf"):  # the one PAdES file: a PDF whose signature is inside it
            assert extraction.kind == "pdf"
            continue
        assert extraction.kind in ("asice", "ddoc") and item.node.children, path
        if extraction.kind == "asice":
            # Our offline check of each XAdES signature value against its certificate.
            assert all(s.value_valid for s in extraction.signatures), path
            signed += bool(extraction.signatures)
    assert signed >= 50


def test_delta_office_documents_read_as_estonian_text(swept):
    office = {p: s for p, s in swept.items() if p.startswith("ee-delta-dhs/estonian-office-docs/")}
    assert office
    for path, item in office.items():
        texts = [n.extraction.text for n in walk(item.node) if n.extraction is not None]
        assert texts, (path, item.node.error_message)
        assert any(letter in "".join(texts).casefold() for letter in "õäöü"), path


def _extract_tree_in_child(data: bytes, name: str) -> None:
    extract_tree(data, name, LIMITS, isolate=True)


@pytest.mark.parametrize("relative", FAN_OUT_BOMBS)
def test_a_fan_out_zip_bomb_is_refused_within_seconds(shared_data, relative):
    path = shared_data / relative
    sandbox_reset()  # the forked child must not share this process's extraction child
    # A forked child so the test can stop it at the deadline (a thread could not be stopped).
    child = multiprocessing.get_context("fork").Process(
        target=_extract_tree_in_child, args=(path.read_bytes(), path.name)
    )  # not a daemon: it forks its own extraction child
    child.start()
    child.join(FAN_OUT_DEADLINE)
    finished = not child.is_alive()
    if not finished:
        child.kill()
        child.join(5)
    assert finished and child.exitcode == 0


def _print_table(table: dict[str, Counter[str]], swept: dict[str, Swept]) -> None:
    codes = sorted({k for row in table.values() for k in row} - {"files", "ok"})
    print(f"\n{'kind':<10}{'files':>6}{'ok':>6}" + "".join(f"{c:>12}" for c in codes))
    for extension, row in sorted(table.items(), key=lambda kv: (-kv[1]["files"], kv[0])):
        print(f"{extension:<10}{row['files']:>6}{row['ok']:>6}" + "".join(f"{row[c]:>12}" for c in codes))
    slowest = sorted(swept.values(), key=lambda s: -s.seconds)[:5]
    total = sum(s.seconds for s in swept.values())
    print(
        f"{len(swept)} files in {total:.0f} s; slowest: "
        + "; ".join(f"{s.path} {s.seconds:.1f} s" for s in slowest)
    )
