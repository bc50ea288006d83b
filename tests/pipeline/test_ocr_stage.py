"""Scans wait for their own OCR pass: the quick pass never blocks on them, the OCR pass fills their text in."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from tests.public.factories import make_document, make_file, make_registry

from dokreg.archive.models import Document, File
from dokreg.extract.ocr import tesseract_available
from dokreg.pipeline.files import file_extract, files_ocr_pending
from dokreg.simulator import Corpus, CorpusConfig
from dokreg.simulator.files import FileMaker

pytestmark = [pytest.mark.django_db, pytest.mark.tesseract]


def scanned_pdf(text_pdf: bytes) -> bytes:
    """The first page of a text PDF as a picture inside a PDF without a text layer, as a scanner makes it."""
    document = pypdfium2.PdfDocument(text_pdf)
    try:
        page = document[0]
        image = page.render(scale=200 / 72).to_pil().convert("L")
        page.close()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=200)
    return out.getvalue()


@pytest.fixture
def scan():
    if not tesseract_available():
        pytest.skip("tesseract with Estonian data is not installed (scripts/install-system-deps.sh)")
    corpus = Corpus(
        CorpusConfig(bodies=1, days=1, docs_per_day=4, big_day_every=0, ak_share=0, files="pdf", seed=4)
    )
    sim = next(d for d in corpus.documents(corpus.bodies[0].slug) if d.files)
    text_pdf, _ = FileMaker(seed=4).content(sim, sim.files[0])
    document = make_document(make_registry(), title=sim.title)
    file = make_file(
        document, name="skaneering.pdf", data=scanned_pdf(text_pdf), extract_state=File.Extract.PENDING
    )
    return file, sim


def test_scan_is_marked_in_the_quick_pass_and_read_in_the_ocr_pass(scan):
    scan_file, sim = scan
    file_extract(file=scan_file, isolate=False)
    scan_file.refresh_from_db()
    assert scan_file.extract_state == File.Extract.OK and scan_file.ocr_pending and not scan_file.text.strip()
    Document.objects.filter(pk=scan_file.document_id).update(index_dirty=False)

    assert files_ocr_pending(isolate=False) == 1
    scan_file.refresh_from_db()
    assert not scan_file.ocr_pending
    words = [w for w in sim.paragraphs[0].split() if len(w) > 6][:5]
    found = [w for w in words if w in scan_file.text]
    assert len(found) >= len(words) - 1, (words, scan_file.text[:300])
    assert Document.objects.get(pk=scan_file.document_id).index_dirty
