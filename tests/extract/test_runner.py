"""The runner: limits, the choice of kind, isolation (hang, crash, memory), and the tree."""

from __future__ import annotations

import os
import signal
import time

import pytest

from dokreg.errors import Broken, Encrypted, TimedOut, TooLarge, Unsupported
from dokreg.extract.kinds import EXTRACTORS, choose
from dokreg.extract.kinds.pdf import PdfExtractor
from dokreg.extract.kinds.text import TextExtractor
from dokreg.extract.limits import Limits, limits_from_settings
from dokreg.extract.runner import extract_bytes, extract_tree

PDF_HEAD = b"%PDF-1.4\n"


def test_empty_file_is_broken():
    with pytest.raises(Broken, match="^tühi.pdf: empty file$"):
        extract_bytes(b"", "tühi.pdf", limits=Limits())


def test_file_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(TooLarge, match="suur.pdf: 2000 bytes, more than the limit of 1000"):
        extract_bytes(PDF_HEAD + b"x" * 1991, "suur.pdf", limits=Limits(max_bytes=1000))


def test_unknown_binary_is_unsupported_with_the_detected_type():
    with pytest.raises(Unsupported, match=r"^no extractor for kiri.doc \(7-Zip archive\) yet$"):
        extract_bytes(b"7z\xbc\xaf\x27\x1c" + b"\0" * 100, "kiri.doc", limits=Limits())


def test_text_leaves_rtf_to_its_own_kind_whatever_the_name():
    result = extract_bytes(b"{\\rtf1\\ansi hello}", "kiri.txt", limits=Limits(), isolate=False)
    assert (result.kind, result.text) == ("rtf", "hello")


def test_baltic_code_page_text_is_decoded():
    result = extract_bytes(
        "Tõnis Mägi, Šiauliai, Žemaitija\r\n".encode("cp1257"), "nimed.txt", limits=Limits()
    )
    assert result.text == "Tõnis Mägi, Šiauliai, Žemaitija\n"
    assert dict(result.metadata)["encoding"] == "cp1257"


def test_choose_prefers_magic_over_extension():
    assert isinstance(choose(PDF_HEAD, "kiri.txt"), PdfExtractor)
    assert isinstance(choose(b"plain words", "kiri.txt"), TextExtractor)


def test_every_extractor_declares_itself_and_survives_hostile_heads():
    kinds = [e.kind for e in EXTRACTORS]
    assert len(set(kinds)) == len(kinds)
    for extractor in EXTRACTORS:
        assert extractor.version >= 1 and extractor.mime_types and extractor.extensions
        for head in (b"", b"\0" * 64, os.urandom(512), b"PK\x03\x04", b"%PDF-"):
            score = extractor.sniff(head, "x")
            assert score is None or isinstance(score, int)
        for data in (b"\0" * 64, b"PK\x03\x04" + os.urandom(200), b"%PDF-1.7\n" + os.urandom(200)):
            try:
                extractor.extract(data, "vigane", Limits())
            except (Broken, Encrypted, TooLarge) as error:
                assert "vigane" in error.message


# --- isolation -------------------------------------------------------------------------------------


def test_hanging_extractor_is_stopped_at_the_time_limit(monkeypatch):
    monkeypatch.setattr(PdfExtractor, "extract", lambda self, data, name, limits: time.sleep(60))
    started = time.monotonic()
    with pytest.raises(TimedOut, match=r"ripub.pdf: extraction \(pdf\) took longer than 0.5 s; stopped"):
        extract_bytes(PDF_HEAD, "ripub.pdf", limits=Limits(seconds=0.5))
    assert time.monotonic() - started < 5


def test_crashing_extractor_costs_only_the_child(monkeypatch):
    monkeypatch.setattr(
        PdfExtractor, "extract", lambda self, data, name, limits: os.kill(os.getpid(), signal.SIGSEGV)
    )
    with pytest.raises(Broken, match=r"kukub.pdf: the pdf extractor crashed \(killed by signal 11\)"):
        extract_bytes(PDF_HEAD, "kukub.pdf", limits=Limits(seconds=10))


def test_memory_blow_up_is_capped(monkeypatch):
    from dokreg.extract.runner import _address_space_bytes

    # The cap counts from what the child inherits: ask for 2 GiB past it, whatever that is.
    monkeypatch.setattr(
        PdfExtractor,
        "extract",
        lambda self, data, name, limits: bytearray(_address_space_bytes() + 2 * 1024**3),
    )
    with pytest.raises(TooLarge, match="ahne.pdf: the pdf extractor ran out of memory"):
        extract_bytes(PDF_HEAD, "ahne.pdf", limits=Limits(seconds=10, memory_bytes=1024**3))


def test_errors_cross_the_process_boundary_with_their_class():
    with pytest.raises(Broken, match="katki.pdf: PDFium cannot open it"):
        extract_bytes(PDF_HEAD + b"garbage", "katki.pdf", limits=Limits())


# --- the tree ---------------------------------------------------------------------------------------


@pytest.mark.shared
def test_tree_extracts_the_container_and_its_pdf(fixtures_dir):
    node = extract_tree((fixtures_dir / "50k.asice").read_bytes(), "50k.asice", Limits())
    assert node.extraction.kind == "asice"
    (child,) = node.children
    assert child.name == "50k.pdf"
    assert child.extraction.kind == "pdf"
    assert len(child.extraction.pages) == 18
    assert child.extraction.text.startswith("Vabariigi Valitsus\nKORRALDUS\n22. veebruar 2024 nr 50\n")


@pytest.mark.shared
def test_tree_stops_at_the_depth_limit(fixtures_dir):
    node = extract_tree((fixtures_dir / "50k.asice").read_bytes(), "50k.asice", Limits(max_depth=0))
    (child,) = node.children
    assert child.extraction is None
    assert (child.error_code, child.error_message) == (
        "too_large",
        "50k.pdf: nested deeper than 0 levels; not extracted",
    )


def test_tree_records_errors_on_the_node():
    node = extract_tree(b"", "tühi.txt", Limits())
    assert (node.error_code, node.error_message) == ("broken", "tühi.txt: empty file")


def test_limits_come_from_settings(settings):
    settings.DOKREG_EXTRACT_LIMITS = {"max_pages": 7, "seconds": 3}
    limits = limits_from_settings()
    assert (limits.max_pages, limits.seconds, limits.max_depth) == (7, 3, Limits().max_depth)


def test_the_memory_cap_counts_from_what_the_child_inherits(monkeypatch):
    # A worker that ran the index stage maps the index (about 1 GB at a million documents) and its
    # threads reserve arenas; the child forked after that inherits all of it. A cap counted from
    # zero left the child no room at all: its first real allocation failed, file after file.
    import io
    import mmap

    from reportlab.pdfgen import canvas

    from dokreg.extract.runner import sandbox_reset

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Tere maailm")
    page.save()
    extract = PdfExtractor.extract

    def working(self, data, name, limits):
        room = bytearray(256 * 1024**2)  # what parsing a large file may take, well under the cap
        return extract(self, data, name, limits) if room else None

    monkeypatch.setattr(PdfExtractor, "extract", working)
    inherited = mmap.mmap(-1, 3 * 1024**3, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # never touched
    try:
        sandbox_reset()  # the next child is forked with the 3 GiB reserved above
        result = extract_bytes(buffer.getvalue(), "kiri.pdf", limits=Limits(seconds=30, memory_bytes=1024**3))
    finally:
        sandbox_reset()
        inherited.close()
    assert "Tere maailm" in result.text


def test_the_extraction_child_is_not_forked_while_a_background_thread_reads_the_database():
    # A child forked while another thread is inside the database driver inherits its locks held.
    import threading

    from dokreg.extract.runner import extract_bytes, sandbox_reset
    from dokreg.threads import FORK_GUARD

    sandbox_reset()
    done = threading.Event()
    extracted = []
    with FORK_GUARD:  # as reading.figures holds it while it computes a body's figures
        worker = threading.Thread(
            target=lambda: (extracted.append(extract_bytes(b"tere maailm", "kiri.txt").text), done.set())
        )
        worker.start()
        assert not done.wait(1.0)  # the fork waits
    assert done.wait(30) and extracted == ["tere maailm"]
    worker.join()
