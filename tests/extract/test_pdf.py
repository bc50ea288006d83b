"""The PDF kind on real sample PDFs (py-pdf/sample-files, files.json is the oracle) and broken ones."""

from __future__ import annotations

import json

import pytest

from dokreg.errors import Broken, Encrypted
from dokreg.extract.kinds.pdf import PdfExtractor, pdf_date_iso
from dokreg.extract.limits import Limits
from dokreg.extract.runner import extract_bytes

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def samples(shared_data):
    return shared_data / "pypdf-sample-files"


def _extract(path, limits: Limits | None = None):
    return extract_bytes(path.read_bytes(), path.name, limits=limits or Limits(), isolate=False)


def test_google_doc_text_is_exact(samples):
    result = _extract(samples / "011-google-doc-document" / "google-doc-document.pdf")
    assert result.kind == "pdf"
    assert result.text.startswith(
        "Example document\nBeautiful is better than ugly.\nExplicit is better than implicit.\n"
        "Simple is better than complex."
    )
    assert dict(result.metadata)["title"] == "PDF Example Document"
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("016-libre-office-link/libre-office-link.pdf", "This is a link to an awesome blog."),
        ("022-pdfkit/pdfkit.pdf", "Header\nFoo: bar\nABC: DEF"),
        ("008-reportlab-inline-image/inline-image.pdf", "Test"),
    ],
)
def test_single_page_text_is_exact(samples, path, text):
    result = _extract(samples / path)
    assert [p.text for p in result.pages] == [text]
    assert result.text == text


def test_hyphenation_marker_is_removed_and_words_joined(samples):
    # pdfTeX hyphenated "takimata" across lines; PDFium marks the removed hyphen with U+FFFE.
    result = _extract(samples / "001-trivial" / "minimal-document.pdf")
    assert "\ufffe" not in result.text
    assert "no sea takimata sanctus" in result.text


def test_pages_are_numbered_and_joined_with_form_feeds(samples):
    result = _extract(samples / "004-pdflatex-4-pages" / "pdflatex-4-pages.pdf")
    assert [p.number for p in result.pages] == [1, 2, 3, 4]
    assert result.text == "\n\f\n".join(p.text for p in result.pages)
    assert result.text.count("\f") == 3
    assert dict(result.metadata)["pages"] == "4"


def test_page_count_producer_and_creation_date_match_files_json(samples):
    checked = 0
    for entry in json.loads((samples / "files.json").read_text())["data"]:
        path = samples / entry["path"]
        if entry["encrypted"] or not path.exists() or entry["producer"] == "?":
            continue
        metadata = dict(_extract(path).metadata)
        assert int(metadata["pages"]) == entry["pages"], entry["path"]
        assert metadata.get("producer") == entry.get("producer"), entry["path"]
        if entry.get("creation_date"):
            # files.json is inconsistent about time zones; the local date and time must agree.
            assert metadata["created"][:19] == entry["creation_date"][:19], entry["path"]
        checked += 1
    assert checked >= 25


def test_image_only_pages_are_flagged_for_ocr_when_ocr_is_off(samples):
    result = _extract(samples / "007-imagemagick-images" / "imagemagick-images.pdf", Limits(ocr=False))
    metadata = dict(result.metadata)
    assert metadata["pages"] == "6"
    assert metadata["needs_ocr"] == "4,5"
    assert "page 4 has no text layer (needs OCR)" in result.warnings
    assert "page 5 has no text layer (needs OCR)" in result.warnings


def test_pages_over_the_limit_are_not_read_and_a_warning_says_so(samples):
    result = _extract(samples / "004-pdflatex-4-pages" / "pdflatex-4-pages.pdf", Limits(max_pages=2))
    assert [p.number for p in result.pages] == [1, 2]
    assert dict(result.metadata)["pages"] == "4"
    assert result.warnings == ("pdflatex-4-pages.pdf: 4 pages, read only the first 2",)


def test_password_protected_pdf_raises_encrypted(samples):
    path = samples / "005-libreoffice-writer-password" / "libreoffice-writer-password.pdf"
    with pytest.raises(Encrypted, match="libreoffice-writer-password.pdf: the PDF is password-protected"):
        _extract(path)


def test_damaged_pdf_raises_broken_with_pdfiums_reason(samples):
    path = samples / "017-unreadable-meta-data" / "unreadablemetadata.pdf"
    with pytest.raises(Broken, match=r"unreadablemetadata.pdf: PDFium cannot open it .*Data format error"):
        _extract(path)


def test_truncated_pdf_raises_broken_not_a_crash(samples):
    data = (samples / "011-google-doc-document" / "google-doc-document.pdf").read_bytes()
    with pytest.raises(Broken, match="cut.pdf"):
        extract_bytes(data[: len(data) // 3], "cut.pdf", limits=Limits())


def test_pdf_named_docx_is_still_read_as_pdf(samples):
    data = (samples / "016-libre-office-link" / "libre-office-link.pdf").read_bytes()
    result = extract_bytes(data, "kiri.docx", limits=Limits(), isolate=False)
    assert result.kind == "pdf"
    assert result.text == "This is a link to an awesome blog."


def test_text_named_pdf_is_not_fed_to_pdfium():
    result = extract_bytes("Lugupeetud härra, vastus on lisatud.\n".encode(), "vastus.pdf", limits=Limits())
    assert result.kind == "text"
    assert result.text == "Lugupeetud härra, vastus on lisatud.\n"


def test_sniff_needs_the_header_not_the_name():
    assert PdfExtractor().sniff(b"%PDF-1.7\n", "x.bin") == 100
    assert PdfExtractor().sniff(b"hello", "x.pdf") is None


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("D:20220403180542+02'00'", "2022-04-03T18:05:42+02:00"),
        ("D:20230410074654Z", "2023-04-10T07:46:54Z"),
        ("D:20220415120134", "2022-04-15T12:01:34"),
        ("D:2024", "2024-01-01T00:00:00"),
        ("yesterday", ""),
    ],
)
def test_pdf_dates_become_iso(raw, iso):
    assert pdf_date_iso(raw) == iso
