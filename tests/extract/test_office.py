"""Office formats: Estonian register documents, the Apache Tika test corpus, and hostile files we build."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from dokreg.errors import Broken, DokregError, Encrypted, TimedOut, TooLarge, Unsupported
from dokreg.extract import libreoffice
from dokreg.extract.kinds import choose
from dokreg.extract.kinds.doc import DocExtractor
from dokreg.extract.limits import Limits
from dokreg.extract.runner import extract_bytes

MiB = 1024 * 1024
needs_libreoffice = pytest.mark.skipif(
    libreoffice.libreoffice_path() is None, reason="LibreOffice not installed"
)
OFFICE_SUFFIXES = {".docx", ".xlsx", ".odt", ".ods", ".rtf", ".doc"}


def _extract(data: bytes, name: str, limits: Limits | None = None, *, isolate: bool = False):
    return extract_bytes(data, name, limits=limits or Limits(), isolate=isolate)


@pytest.fixture(scope="module")
def delta(shared_data: Path) -> Path:
    return shared_data / "ee-delta-dhs"


@pytest.fixture(scope="module")
def tika(shared_data: Path) -> Path:
    return shared_data / "tika-test-documents"


def _tika_file(tika: Path, name: str) -> bytes:
    (path,) = tika.rglob(name)
    return path.read_bytes()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(body: str, **extra: bytes) -> bytes:
    document = f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'.encode()
    return _zip({"[Content_Types].xml": _CONTENT_TYPES, "word/document.xml": document, **extra})


# --- DOCX ---------------------------------------------------------------------------------------


@pytest.mark.shared
def test_estonian_docx_keeps_letters_tables_and_properties(delta):
    result = _extract(
        (delta / "estonian-office-docs" / "Delta_Arhitektuur.docx").read_bytes(), "arhitektuur.docx"
    )
    assert result.kind == "docx"
    assert "Käesolev dokument kirjeldab Delta dokumendihaldussüsteemi tehnilist arhitektuuri." in result.text
    assert "1.0\t22.04.2010\tTäisversioon" in result.text.splitlines()  # a table row, cells by tabs
    assert dict(result.metadata)["created"] == "2014-03-12T13:20:00Z"


@pytest.mark.shared
def test_docx_core_properties(delta):
    data = (
        delta / "estonian-office-docs" / "Juhend DHS andmete kopeerimiseks failide sisuta.docx"
    ).read_bytes()
    metadata = dict(_extract(data, "juhend.docx").metadata)
    assert (metadata["title"], metadata["author"]) == ("SIM DHS paigaldusjuhend", "Erko Hansar")


@pytest.mark.shared
def test_small_estonian_docx(delta):
    result = _extract((delta / "signed-and-office-samples" / "document1.docx").read_bytes(), "document1.docx")
    assert result.text == "Some Content:\nšõäöüž"


@pytest.mark.shared
def test_docx_embedded_file_becomes_a_child(tika):
    result = _extract(_tika_file(tika, "EmbeddedPDF.docx"), "EmbeddedPDF.docx")
    assert result.text == "Test Document with embedded pdf’s:"
    assert [c.name for c in result.children] == ["oleObject1.bin"]


def test_docx_reads_content_controls_text_boxes_and_skips_tab_stops():
    body = (
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>Kaanelehe pealkiri</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
        "<w:r><w:t>Nr</w:t><w:tab/><w:t>7-1/15</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Väli</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>Väärtus</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><w:r><w:delText>kustutatud</w:delText></w:r></w:p>"
    )
    assert _extract(_docx(body), "kiri.docx").text == "Kaanelehe pealkiri\nNr\t7-1/15\nVäli\tVäärtus"


def test_docx_named_zip_is_still_a_document():
    data = _docx("<w:p><w:r><w:t>Otsus</w:t></w:r></w:p>")
    assert choose(data[:8192], "otsus.zip").kind == "docx"


def test_docx_zip_bomb_is_refused_before_unpacking():
    bomb = _docx("<w:p/>", **{"word/media/image1.png": b"\0" * (50 * MiB)})
    with pytest.raises(TooLarge, match=r"^pomm.docx: member 'word/media/image1.png' expands \d+-fold"):
        _extract(bomb, "pomm.docx")


def test_truncated_docx_is_broken():
    data = _docx("<w:p><w:r><w:t>" + "tekst " * 5000 + "</w:t></w:r></w:p>")
    with pytest.raises(Broken, match=r"^poolik.docx: not a readable ZIP container"):
        _extract(data[: len(data) // 2], "poolik.docx")


def test_docx_with_entity_expansion_is_not_expanded():
    billion_laughs = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<w:document xmlns:w="'
        + _W.encode()
        + b'"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>'
    )
    data = _zip({"[Content_Types].xml": _CONTENT_TYPES, "word/document.xml": billion_laughs})
    assert "aaaaaaaaaa" not in _extract(data, "naer.docx").text


def test_spreadsheet_named_docx_goes_to_the_spreadsheet_kind():
    data = _xlsx_declaring("A1", '<row r="1"><c r="A1"><v>5</v></c></row>')
    assert _extract(data, "tabel.docx").kind == "xlsx"


def test_docx_name_without_a_word_part_is_refused_with_the_reason():
    with pytest.raises(
        Unsupported, match=r"^tabel.docx: an Office Open XML file without a Word document part"
    ):
        _extract(_zip({"[Content_Types].xml": _CONTENT_TYPES, "muu.bin": b"x"}), "tabel.docx")


# --- XLSX ---------------------------------------------------------------------------------------


@pytest.mark.shared
def test_estonian_xlsx_sheet_name_and_rows(delta):
    result = _extract(
        (delta / "estonian-office-docs" / "Delta_Keskkonnad.xlsx").read_bytes(), "keskkonnad.xlsx"
    )
    assert result.kind == "xlsx"
    lines = result.text.splitlines()
    assert lines[0] == "Leht1"
    assert lines[1].startswith("Asutus\tTöötajate arv asutuses\tUnikaalseid kasutajaid tööpäevas")
    assert dict(result.metadata)["sheets"] == "1"


@pytest.mark.shared
def test_xlsx_values_and_dates(tika):
    result = _extract(_tika_file(tika, "testEXCEL_dateFormats.xlsx"), "kuupaevad.xlsx")
    assert result.text == "Munka1\ndate\n2018-09-20\n1996-08-10"


@pytest.mark.shared
def test_password_protected_xlsx_is_encrypted(tika):
    with pytest.raises(Encrypted, match=r"^salajane.xlsx: a password-protected Office document"):
        _extract(_tika_file(tika, "protectedFile.xlsx"), "salajane.xlsx")


def _xlsx_declaring(dimension: str, rows: str) -> bytes:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    rels_ns = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    )
    return _zip(
        {
            "[Content_Types].xml": types.encode(),
            "_rels/.rels": f'<Relationships {rels_ns}><Relationship Id="r1" Type="{base}/officeDocument" Target="xl/workbook.xml"/></Relationships>'.encode(),
            "xl/workbook.xml": f'<workbook {ns} {rel}><sheets><sheet name="Andmed" sheetId="1" r:id="r1"/></sheets></workbook>'.encode(),
            "xl/_rels/workbook.xml.rels": f'<Relationships {rels_ns}><Relationship Id="r1" Type="{base}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'.encode(),
            "xl/worksheets/sheet1.xml": f'<worksheet {ns}><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'.encode(),
        }
    )


def test_xlsx_declaring_a_million_rows_reads_only_the_real_ones():
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>Õigusakt</t></is></c><c r="B1"><v>12</v></c></row>'
    result = _extract(_xlsx_declaring("A1:XFD1048576", rows), "suur.xlsx", Limits(seconds=20), isolate=True)
    assert result.text == "Andmed\nÕigusakt\t12"


# --- ODT / ODS ----------------------------------------------------------------------------------


@pytest.mark.shared
def test_estonian_ods(delta):
    data = (delta / "estonian-office-docs" / "Delta_Keskkonnad_JuM_Paringud.ods").read_bytes()
    result = _extract(data, "paringud.ods")
    assert result.kind == "ods"
    assert result.text.splitlines()[1].startswith("\tKeskmine aeg (ms)\tStandard-hälve (ms)\tPäringuid kokku")


@pytest.mark.shared
def test_odt_text_and_meta(tika):
    result = _extract(_tika_file(tika, "testODFwithOOo3.odt"), "tika.odt")
    assert result.kind == "odt"
    assert result.text.startswith("Apache Tika Test Document\n")
    assert dict(result.metadata)["title"] == "Apache Tika"


@pytest.mark.shared
def test_encrypted_odt(tika):
    with pytest.raises(Encrypted, match=r"^kaitstud.odt: the OpenDocument file is password-protected$"):
        _extract(_tika_file(tika, "testODTEncrypted.odt"), "kaitstud.odt")


def test_ods_with_a_million_repeated_rows_stays_small():
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    content = (
        f'<office:document-content xmlns:office="{office}" xmlns:table="{table}" xmlns:text="{text}">'
        '<office:body><office:spreadsheet><table:table table:name="Leht1">'
        "<table:table-row><table:table-cell><text:p>Kuupäev</text:p></table:table-cell>"
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    ).encode()
    data = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": content})
    assert _extract(data, "tabel.ods").text == "Leht1\nKuupäev"


# --- RTF ----------------------------------------------------------------------------------------


def test_rtf_baltic_code_page():
    rtf = b"{\\rtf1\\ansi\\ansicpg1257 P\\'f5hitegevuse k\\'e4skkiri \\'de\\'f0\\par {\\*\\generator x;}}"
    result = _extract(rtf, "kaskkiri.rtf")
    assert (result.kind, result.text) == ("rtf", "Põhitegevuse käskkiri Žš")
    assert ("code_page", "cp1257") in result.metadata


@pytest.mark.shared
def test_rtf_central_european_code_page(tika):
    assert _extract(_tika_file(tika, "testRTFWindowsCodepage1250.rtf"), "pl.rtf").text == (
        "zażółć gęślą jaźń\nZAŻÓŁĆ GĘŚLĄ JAŹŃ"
    )


def test_rtf_with_garbage_and_binary_gives_the_readable_part():
    rtf = b"{\\rtf1\\ansi Algus {\\bin6 \x00\xff}}{}\\par}} l\\u-10179\\u-8704 ?\\u55357 x\\'zz \\uc0\\u99999999999}"
    result = _extract(rtf, "prügi.rtf")
    assert result.text.startswith("Algus")
    assert "\x00" not in result.text


def test_rtf_name_without_rtf_content_is_broken():
    with pytest.raises(Broken, match=r"^kiri.rtf: named .rtf but does not start with"):
        _extract(b"<\x00\x01\x02 binary", "kiri.rtf")


# --- HTML ---------------------------------------------------------------------------------------


def test_html_in_cp1257_declared_by_meta():
    page = (
        b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1257">'
        b"<title>Kiri</title><script>var x = '<p>ei</p>';</script><style>p {}</style></head>"
        b"<body><h1>P\xf5hitegevuse   k\xe4skkiri</h1><p>Tere,<br>\xfclemus</p>"
        b"<table><tr><td>Nr</td><td>1-2/3</td></tr></table><pre>a  b</pre></body></html>"
    )
    result = _extract(page, "kiri.html")
    assert result.kind == "html"
    assert result.text == "Põhitegevuse käskkiri\n\nTere,\nülemus\n\nNr\t1-2/3\n\na  b"
    assert dict(result.metadata) == {"encoding": "cp1257", "title": "Kiri"}


def test_html_without_declaration_falls_back_from_utf8_to_cp1257():
    assert _extract("<p>Tõnis</p>".encode(), "a.htm").text == "Tõnis"
    assert _extract("<p>Tõnis</p>".encode("cp1257"), "a.htm").text == "Tõnis"


def test_word_html_saved_as_doc_is_read_as_html():
    assert _extract(b"<html><body><p>Otsus</p></body></html>", "otsus.doc").kind == "html"


# --- legacy DOC / XLS ---------------------------------------------------------------------------


def test_doc_that_is_really_text_is_read_as_text():
    result = _extract("Käskkiri nr 1\n".encode("cp1257"), "kiri.doc")
    assert (result.kind, result.text) == ("text", "Käskkiri nr 1\n")


def test_ole_file_without_word_stream_says_what_it_holds():
    with pytest.raises(Broken, match=r"^vale.doc: not a readable OLE2 \(legacy Office\) file"):
        _extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "vale.doc")


@pytest.mark.shared
def test_password_protected_doc_is_refused_without_libreoffice(tika, monkeypatch):
    monkeypatch.setattr(libreoffice, "libreoffice_path", lambda: None)
    with pytest.raises(Encrypted, match=r"^kaitstud.doc: the Word document is password-protected$"):
        _extract(_tika_file(tika, "testWORD_protected_passtika.doc"), "kaitstud.doc")


@pytest.mark.shared
def test_doc_without_libreoffice_is_unsupported(tika, monkeypatch):
    monkeypatch.setattr("dokreg.extract.libreoffice.libreoffice_path", lambda: None)
    with pytest.raises(Unsupported, match=r"^kiri.doc: LibreOffice not installed"):
        DocExtractor().extract(_tika_file(tika, "testWORD.doc"), "kiri.doc", Limits())


@pytest.mark.shared
@pytest.mark.libreoffice
@needs_libreoffice
def test_estonian_doc_through_libreoffice_keeps_the_restriction_header(delta):
    with zipfile.ZipFile(delta / "migration-sim" / "DL2010.acp") as acp:
        data = acp.read("documentList/content8.doc")
    result = _extract(data, "algatuskiri.doc", isolate=True)
    assert result.kind == "doc"
    assert result.text.startswith("ASUTUSESISESEKS KASUTAMISEKS  Märge tehtud 08.07.2010")
    assert "Siseministeeriumi infotehnoloogia- ja arenduskeskus" in result.text
    assert dict(result.metadata)["title"] == "algatuskiri"


@pytest.mark.shared
@pytest.mark.libreoffice
@needs_libreoffice
def test_doc_case_insensitive_stream_names(tika):
    result = _extract(_tika_file(tika, "simple_upper_case.doc"), "suur.doc", isolate=True)
    assert result.text == "This is a sample Word document"


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_conversion_is_stopped_at_its_time_limit():
    with pytest.raises(TimedOut, match=r"^aeglane.doc: LibreOffice took longer than 0.01 s"):
        libreoffice.libreoffice_convert(
            b"tekst", name="aeglane.doc", source_extension="txt", target="docx", seconds=0.01
        )


# --- the whole Tika corpus ----------------------------------------------------------------------


def _sweep(files: list[Path]) -> dict[str, str]:
    """Every file through the isolated runner: a result or a named error, never a crash or a hang."""
    outcomes: dict[str, str] = {}
    for path in files:
        try:
            result = extract_bytes(path.read_bytes(), path.name, limits=Limits(seconds=60))
            outcomes[path.name] = result.kind
        except DokregError as e:
            assert path.name in e.message, e.message  # says which file and why
            assert "crashed" not in e.message and "extractor failed" not in e.message, e.message
            outcomes[path.name] = e.code
    return outcomes


@pytest.mark.shared
@pytest.mark.slow
def test_every_modern_office_file_in_the_tika_corpus(tika):
    files = sorted(p for p in tika.rglob("*") if p.suffix.lower() in OFFICE_SUFFIXES - {".doc"})
    outcomes = _sweep(files)
    assert len(outcomes) >= 150
    failures = {
        name: code for name, code in outcomes.items() if code in ("broken", "encrypted", "unsupported")
    }
    # The corpus's deliberately damaged and password-protected files, and nothing else
    # (testODTnotaZipFile.odt is plain text and read as such).
    assert failures == {
        "protect.xlsx": "encrypted",
        "protectedFile.xlsx": "encrypted",
        "protected_normal_case.docx": "encrypted",
        "protected_upper_case.docx": "encrypted",
        "testEXCEL_protected_passtika.xlsx": "encrypted",
        "testEXCEL_protected_passtika_2.xlsx": "encrypted",
        "testODTEncrypted.odt": "encrypted",
        "testWORD_protected_passtika.docx": "encrypted",
        "testWORD_truncated.docx": "broken",
    }


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.libreoffice
@needs_libreoffice
def test_every_doc_in_the_tika_corpus(tika):
    outcomes = _sweep(sorted(tika.rglob("*.doc")))
    assert outcomes["testWORD_protected_passtika.doc"] == "encrypted"
    assert sum(kind == "doc" for kind in outcomes.values()) >= 40
