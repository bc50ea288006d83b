"""Every file kind the simulator serves, synced over loopback and extracted the way the archive does it."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import httpx
import pytest

from dokreg.archive.models import Access, Document, File
from dokreg.errors import BadInput
from dokreg.extract.ocr import tesseract_available
from dokreg.pipeline.sync import registry_sync
from dokreg.registries.services import registry_save
from dokreg.simulator import Corpus, CorpusConfig, FileMaker, SimulatorServer
from dokreg.simulator.files import CONTENT_TYPES
from dokreg.simulator.kinds import TEST_SIGNATURE_ROLE

START = date(2025, 12, 1)
KINDS = ("asice", "pdf", "docx", "eml", "ddoc", "zip", "scan")
# Equal weights so a small corpus holds every kind; seed 3 does (checked by `corpus_kinds` below).
CONFIG = CorpusConfig(
    bodies=1,
    days=1,
    start=START,
    docs_per_day=20,
    big_day_every=0,
    ak_share=0.0,
    files="mix",
    file_mix=tuple((kind, 1) for kind in KINDS),
    seed=3,
)


@pytest.fixture(scope="module")
def corpus():
    return Corpus(CONFIG)


def corpus_files(corpus):
    return [(doc, f) for doc in corpus.documents("som") for f in doc.files if not f.name.startswith("Lisa")]


def test_the_mixed_corpus_holds_every_kind_with_register_like_names(corpus):
    kinds = {f.kind for _, f in corpus_files(corpus)}
    assert kinds == set(KINDS)
    for doc, f in corpus_files(corpus):
        extension = "pdf" if f.kind == "scan" else f.kind
        assert (
            f.name == f"{doc.reference.replace('/', '')} {doc.registered:%d.%m.%Y} {doc.doc_type}.{extension}"
        )


def test_the_default_corpus_still_serves_signed_containers_only():
    corpus = Corpus(CorpusConfig(bodies=1, days=1, docs_per_day=10, big_day_every=0))
    assert {f.kind for d in corpus.documents("som") for f in d.files} <= {"asice", "pdf"}
    mixed = Corpus(CorpusConfig(bodies=1, days=1, docs_per_day=10, big_day_every=0, files="mix"))
    # The kind has its own random stream: the documents are the same, only their files differ.
    assert [(d.id, d.title) for d in mixed.documents("som")] == [
        (d.id, d.title) for d in corpus.documents("som")
    ]


def test_a_bad_file_mix_is_refused():
    with pytest.raises(BadInput, match="unknown file kind.*xlsx"):
        Corpus(CorpusConfig(files="mix", file_mix=(("pdf", 1), ("xlsx", 1))))
    with pytest.raises(BadInput, match="positive sum"):
        Corpus(CorpusConfig(files="mix", file_mix=(("pdf", 0),)))


def test_every_kind_is_served_with_its_content_type_and_the_same_bytes_each_time(corpus):
    first = {}
    with SimulatorServer(corpus) as server:
        for doc, f in corpus_files(corpus):
            if f.kind in first:
                continue
            response = httpx.get(f"{server.base_url('som')}fail/{f.file_id}/x")
            assert response.status_code == 200
            assert response.headers["content-type"] == CONTENT_TYPES[f.kind]
            assert response.content == FileMaker(corpus.config.seed).content(doc, f)[0]
            first[f.kind] = response.content
    assert first["docx"].startswith(b"PK") and first["zip"].startswith(b"PK")
    assert first["scan"].startswith(b"%PDF") and b"/DCTDecode" in first["scan"]
    assert b"<SignedDoc" in first["ddoc"][:300] and b"testkonteiner" in first["ddoc"][:300]
    # Windows Explorer's ZIP: the Estonian member name in cp775, without the UTF-8 flag.
    with zipfile.ZipFile(io.BytesIO(first["zip"])) as archive:
        txt = archive.infolist()[1]
    assert not txt.flag_bits & 0x800
    assert txt.filename.encode("cp437").decode("cp775") == "Lisa 2. Ülevaade märkustest.txt"


def _sync(corpus):
    with SimulatorServer(corpus) as server:
        registry = registry_save(slug="som", family="adr", base_url=server.base_url("som"), name="")
        report = registry_sync(registry=registry, since=START, until=START, isolate=False)
    assert not report.failed
    return registry


def _top_file(doc, sim_file) -> File:
    return File.objects.get(document__source_id=str(doc.id), parent=None, name=sim_file.name)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.django_db(transaction=True)
def test_the_synced_archive_has_every_kind_extracted_with_its_children(corpus, settings):
    settings.DOKREG_OCR_INLINE = False  # scans wait for the OCR pass; the test below runs it
    _sync(corpus)
    assert Document.objects.filter(access=Access.PUBLIC).count() == len(corpus.documents("som"))
    for doc, sim_file in corpus_files(corpus):
        file = _top_file(doc, sim_file)
        assert file.extract_state == File.Extract.OK, (sim_file.kind, file.error_message)
        children = list(file.children.order_by("ordinal"))
        assert all(c.extract_state == File.Extract.OK for c in children), sim_file.kind
        metadata = dict(file.metadata)
        if sim_file.kind in ("pdf", "docx"):
            assert file.kind == sim_file.kind and doc.title in _flat(file.text)
            assert not children
        elif sim_file.kind == "asice":
            [pdf] = children
            assert pdf.kind == "pdf" and doc.title in _flat(pdf.text)
            [signature] = file.signatures.all()
            assert signature.value_valid and signature.digests_valid
        elif sim_file.kind == "eml":
            [attachment] = children
            assert file.kind == "eml" and metadata["subject"] == doc.title
            assert "\ufffd" not in file.text and doc.paragraphs[0] in _flat(file.text)
            assert attachment.kind == ("pdf" if doc.id % 2 else "docx")
            assert doc.title in _flat(attachment.text)
        elif sim_file.kind == "ddoc":
            [pdf] = children
            assert file.kind == "ddoc" and pdf.kind == "pdf" and doc.title in _flat(pdf.text)
            signatures = list(file.signatures.all())
            if doc.id % 2 == 0:
                [signature] = signatures
                assert signature.role == TEST_SIGNATURE_ROLE and signature.digests_valid
            else:
                assert signatures == [] and metadata["signatures"] == "0"
        elif sim_file.kind == "zip":
            pdf, notes = children
            assert file.kind == "zip" and pdf.kind == "pdf" and doc.title in _flat(pdf.text)
            assert notes.name == "Lisa 2. Ülevaade märkustest.txt"
            assert notes.kind == "text" and dict(notes.metadata)["encoding"] == "cp1257"
            assert notes.text.startswith("Märkused") and doc.paragraphs[0] in _flat(notes.text)
        else:  # a scan: a PDF with no text layer, waiting for OCR
            assert file.kind == "pdf" and file.text.strip() == "" and not children
            assert metadata["needs_ocr"] == "1" and file.ocr_pending


@pytest.mark.tesseract
@pytest.mark.skipif(not tesseract_available(), reason="tesseract with est+eng not installed")
@pytest.mark.django_db(transaction=True)
def test_scans_are_read_by_ocr_in_the_sync(settings):
    settings.DOKREG_OCR_INLINE = True
    scans_only = Corpus(
        CorpusConfig(
            bodies=1, days=1, start=START, docs_per_day=2, big_day_every=0, ak_share=0.0, files="mix",
            file_mix=(("scan", 1),), seed=3,
        )
    )  # fmt: skip
    _sync(scans_only)
    for doc, sim_file in corpus_files(scans_only):
        file = _top_file(doc, sim_file)
        assert file.extract_state == File.Extract.OK and not file.ocr_pending
        assert dict(file.metadata)["ocr_pages"] == "1"
        # Clean 200 dpi scans of DejaVu Sans: the title comes back letter for letter, õ ä ö ü included.
        assert doc.title in _flat(file.text)
