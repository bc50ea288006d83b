"""The ADR register simulator, exercised over real HTTP on loopback like a connector would."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from datetime import date

import httpx
import pypdfium2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from dokreg.errors import BadInput, NotFoundAtSource
from dokreg.privacy.personal_codes import contains_personal_code
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer, simulate_main
from dokreg.simulator.adr import AdrSite
from dokreg.simulator.files import personal_code_check_digit
from dokreg.simulator.web import Request

DS = {"ds": "http://www.w3.org/2000/09/xmldsig#", "xades": "http://uri.etsi.org/01903/v1.3.2#"}
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
AK_LABELS = {"Juurdepääsupiirangu alus", "Juurdepääsupiirangu muutmise alus", "Kehtiv alates", "Kehtiv kuni"}
SMALL = CorpusConfig(bodies=2, days=4, docs_per_day=30, big_day_every=0, seed=7)


@pytest.fixture
def served():
    """A fresh corpus and server per test, since some tests change documents."""

    def start(config: CorpusConfig = SMALL):
        corpus = Corpus(config)
        server = SimulatorServer(corpus).start()
        client = httpx.Client(timeout=10)
        started.append((server, client))
        return corpus, server, client

    started: list[tuple[SimulatorServer, httpx.Client]] = []
    yield start
    for server, client in started:
        client.close()
        server.stop()


def search(client: httpx.Client, base: str, day: date, access: str = "", types=(), page: int = 1) -> str:
    form = {"title": "", "regDateBegin": f"{day:%d.%m.%Y}", "regDateEnd": f"{day:%d.%m.%Y}"}
    form |= {"accessRestriction": access, "pageNumber": str(page), "_documentTypes": "on"}
    response = client.post(base + "otsing", data=form | {"documentTypes": [str(t) for t in types]})
    assert response.status_code == 200
    return response.text


def result_ids(html: str) -> list[int]:
    rows = HTMLParser(html).css("#content table.data tbody tr")
    return [int(row.css_first("a").attributes["href"].rsplit("/", 1)[1]) for row in rows]


def pager(html: str) -> tuple[int, int, int]:
    text = HTMLParser(html).css_first("div.pager p").text()
    first, last, total = re.fullmatch(r"Näitan: (\d+)-(\d+) \| Kokku: (\d+)", text).groups()
    return int(first), int(last), int(total)


def labels(html: str) -> dict[str, str]:
    rows = HTMLParser(html).css("#content table.form tr")
    return {row.css_first("th").text(strip=True).rstrip(":"): row.css_first("td").text() for row in rows}


def walk(client: httpx.Client, base: str, html: str) -> list[int]:
    """Every row of a search, following the pager with the session cookie."""
    _, _, total = pager(html)
    ids = result_ids(html)
    for page in range(2, -(-total // 20) + 1):
        ids += result_ids(client.get(f"{base}otsing/{page}").text)
    return ids


def test_same_config_gives_identical_documents_and_pages():
    first, second = Corpus(SMALL), Corpus(SMALL)
    assert first == second
    assert first != Corpus(CorpusConfig(bodies=2, days=4, docs_per_day=30, big_day_every=0, seed=8))
    doc = first.documents("som")[5]
    pages = []
    for corpus in (first, second):
        site = AdrSite(corpus)
        page = site.handle(Request("GET", f"/som/dokument/{doc.id}")).body
        body = b"regDateBegin=01.12.2025&regDateEnd=01.12.2025&accessRestriction=Avalik&pageNumber=1"
        listing = site.handle(Request("POST", "/som/otsing", body=body)).body
        file = (
            site.handle(Request("GET", f"/som/fail/{doc.files[0].file_id}/x")).body if doc.is_public else b""
        )
        pages.append((page, listing, file))
    assert pages[0] == pages[1]


def test_form_offers_the_body_document_types_as_checkboxes(served):
    corpus, server, client = served()
    tree = HTMLParser(client.get(server.base_url("som") + "otsing").text)
    boxes = tree.css('form#advancedSearch input[name="documentTypes"]')
    assert [int(b.attributes["value"]) for b in boxes] == [t.type_id for t in corpus.doc_types("som")]
    names = [n.text() for n in tree.css("form#advancedSearch ul.multi-select-list li.item label span")][
        : len(boxes)
    ]
    assert names == [t.name for t in corpus.doc_types("som")]
    assert "Väljaminev kiri" in names
    assert len(tree.css('input[name="_documentTypes"]')) == len(boxes)
    assert [o.attributes["value"] for o in tree.css("select#accessRestriction option")] == [
        "",
        "Avalik",
        "AK",
    ]
    assert tree.css_first("title").text() == "Sotsiaalministeeriumi avalik dokumendiregister"
    assert tree.css_first("#footer .aligner p strong").text() == "Sotsiaalministeerium"


def test_a_day_pages_through_twenty_rows_newest_first_with_a_correct_pager(served):
    corpus, server, client = served()
    base = server.base_url("som")
    day = next(d for d in corpus.days() if 20 < len(corpus.search("som", d, d, "Avalik")) <= 40)
    expected = [doc.id for doc in corpus.search("som", day, day, "Avalik")]

    first = search(client, base, day, "Avalik")
    assert "JSESSIONID" in client.cookies
    assert result_ids(first) == expected[:20]
    assert pager(first) == (1, 20, len(expected))
    second = client.get(base + "otsing/2").text
    assert result_ids(second) == expected[20:]
    assert pager(second) == (21, len(expected), len(expected))
    assert HTMLParser(second).css_first("div.pager li.last span").text() == "Viimane"
    # An out-of-range page repeats the last one, as the real register does.
    assert client.get(base + "otsing/9").text == second
    ids = [doc.id for doc in corpus.search("som", day, day, "Avalik")]
    assert ids == sorted(ids, reverse=True)


def test_paging_without_a_session_shows_only_the_form(served):
    _, server, _ = served()
    html = httpx.get(server.base_url("som") + "otsing/2").text
    assert HTMLParser(html).css_first("#content").text() == ""


def test_a_big_day_shows_only_100_and_splitting_by_access_and_type_reaches_every_document(served):
    corpus, server, client = served(CorpusConfig(bodies=1, days=4, docs_per_day=10, big_day_every=2, seed=3))
    base = server.base_url("som")
    day = max(corpus.days(), key=lambda d: len(corpus.search("som", d, d)))
    everything = {doc.id for doc in corpus.search("som", day, day)}
    assert 130 <= len(everything) <= 250

    capped = search(client, base, day)
    assert pager(capped) == (1, 20, 100)
    assert pager(client.get(base + "otsing/6").text) == (81, 100, 100)

    collected: list[int] = []
    for access in ("Avalik", "AK"):
        for doc_type in corpus.doc_types("som"):
            html = search(client, base, day, access, [doc_type.type_id])
            assert pager(html)[2] < 100, "a slice must fit under the cap"
            collected += walk(client, base, html)
    assert len(collected) == len(everything)
    assert set(collected) == everything


def test_document_page_has_every_label_and_the_files_and_relations_tables(served):
    corpus, server, client = served()
    doc = next(
        d
        for d in corpus.documents("som")
        if d.is_public
        and d.relations
        and d.sent_at
        and len(d.files) == 2
        and d.relations[0].kind == "alusdokument"
    )
    html = client.get(f"{server.base_url('som')}dokument/{doc.id}").text
    fields = labels(html)
    assert fields["Viit"] == doc.reference
    assert fields["Registreerimise kpv"] == f"{doc.registered:%d.%m.%Y}"
    assert fields["Dokumendi liik"] == "Väljaminev kiri"
    assert fields["Pealkiri"] == doc.title
    assert fields["Toimik"] == f"{doc.case_file} "
    assert fields["Juurdepääsupiirang"] == "Avalik"
    assert fields["Vastutaja"].startswith(doc.responsible.split(" (")[0] + " (Sotsiaalministeerium, ")
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", fields["Välja saatmise kuupäev"])

    tree = HTMLParser(html)
    assert [h.text() for h in tree.css("#content div.title h2")] == ["Metaandmed", "Failid", "Seosed"]
    links = tree.css("#content table.data")[0].css("tbody a")
    assert [a.text() for a in links] == [f.name for f in doc.files]
    assert links[0].text().endswith(f"{doc.registered:%d.%m.%Y} Väljaminev kiri.asice")
    assert links[0].attributes["href"].startswith(f"/som/fail/{doc.files[0].file_id}/")
    relation = tree.css("#content table.data")[1].css("tbody tr")[0]
    base_doc = corpus.document("som", doc.relations[0].target_id)
    assert [td.text() for td in relation.css("td")] == [
        base_doc.doc_type,
        base_doc.reference,
        base_doc.title,
        "alusdokument",
    ]
    # The base document shows the same link from its side.
    back = HTMLParser(client.get(f"{server.base_url('som')}dokument/{base_doc.id}").text)
    assert any(
        row.css("td")[1].text() == doc.reference and row.css("td")[3].text() == "vastusdokument"
        for row in back.css("#content table.data tbody tr")
        if len(row.css("td")) == 4
    )


def test_labels_match_the_real_recordings(served, fixtures_dir):
    corpus, server, client = served(CorpusConfig(bodies=1, days=6, docs_per_day=40, big_day_every=0, seed=2))
    recorded_in = labels((fixtures_dir / "som_document_18270648.html").read_text())
    recorded_out = labels((fixtures_dir / "doc_page.html").read_text())
    docs = corpus.documents("som")
    incoming = next(d for d in docs if d.is_public and d.sender_reference and d.due_date and d.channel)
    outgoing = next(
        d for d in docs if d.is_public and d.sent_at and not d.sender_reference and not d.due_date
    )
    base = server.base_url("som")
    assert set(labels(client.get(f"{base}dokument/{incoming.id}").text)) == set(recorded_in)
    assert list(labels(client.get(f"{base}dokument/{outgoing.id}").text)) == list(recorded_out)

    seen: set[str] = set()
    for doc in docs[:150]:
        seen |= set(labels(client.get(f"{base}dokument/{doc.id}").text))
    assert seen - set(recorded_in) - set(recorded_out) <= AK_LABELS
    assert {"Kehtiv alates", "Kehtiv kuni", "Juurdepääsupiirangu alus"} <= seen

    real_list = HTMLParser((fixtures_dir / "som_otsing_avalik_page1.html").read_text())
    sim_list = HTMLParser(search(client, base, corpus.days()[0], "Avalik"))
    for tree in (real_list, sim_list):
        assert [th.text() for th in tree.css("#content table.data thead th")] == [
            "Viit", "Reg. kpv", "Pealkiri", "Dokumendi liik", "Teised osapooled",
        ]  # fmt: skip
        assert [li.attributes.get("class") for li in tree.css("div.pager ul li")][0] == "first"
        assert len(tree.css("#content table.data tbody tr")[0].css("td a")) == 5


def test_asice_is_a_valid_container_with_the_title_in_its_pdf(served):
    corpus, server, client = served()
    doc = next(d for d in corpus.documents("som") if d.is_public and any(c in d.title for c in "õäöüšž"))
    response = client.get(f"{server.base_url('som')}fail/{doc.files[0].file_id}/{doc.files[0].name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.etsi.asic-e+zip"
    assert int(response.headers["content-length"]) == len(response.content)

    container = zipfile.ZipFile(io.BytesIO(response.content))
    first = container.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert container.read("mimetype") == b"application/vnd.etsi.asic-e+zip"
    pdf_name = next(n for n in container.namelist() if n.endswith(".pdf"))
    manifest = etree.fromstring(container.read("META-INF/manifest.xml"))
    entries = {e.get(f"{{{MANIFEST}}}full-path"): e.get(f"{{{MANIFEST}}}media-type") for e in manifest}
    assert entries == {"/": "application/vnd.etsi.asic-e+zip", pdf_name: "application/pdf"}
    text = pypdfium2.PdfDocument(container.read(pdf_name))[0].get_textpage().get_text_range()
    assert doc.title in text
    assert doc.reference in text


def test_signature_verifies_against_the_embedded_certificate(served):
    corpus, server, client = served()
    doc = next(d for d in corpus.documents("som") if d.is_public)
    container = zipfile.ZipFile(
        io.BytesIO(client.get(f"{server.base_url('som')}fail/{doc.files[0].file_id}/x").content)
    )
    pdf_name = next(n for n in container.namelist() if n.endswith(".pdf"))
    root = etree.fromstring(container.read("META-INF/signatures0.xml"))

    cert_b64 = root.findtext(".//ds:X509Certificate", namespaces=DS)
    cert = x509.load_der_x509_certificate(base64.b64decode(cert_b64))
    signed_info = root.find(".//ds:SignedInfo", DS)
    raw = base64.b64decode(root.findtext(".//ds:SignatureValue", namespaces=DS))
    half = len(raw) // 2
    der = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    c14n = etree.tostring(signed_info, method="c14n", exclusive=True)
    cert.public_key().verify(der, c14n, ec.ECDSA(hashes.SHA256()))  # raises when invalid

    data_ref, props_ref = signed_info.findall("ds:Reference", DS)
    digest = base64.b64encode(hashlib.sha256(container.read(pdf_name)).digest()).decode()
    assert data_ref.findtext("ds:DigestValue", namespaces=DS) == digest
    props = root.find(".//xades:SignedProperties", DS)
    assert props_ref.get("URI") == "#" + props.get("Id")
    props_digest = hashlib.sha256(etree.tostring(props, method="c14n", exclusive=True)).digest()
    assert props_ref.findtext("ds:DigestValue", namespaces=DS) == base64.b64encode(props_digest).decode()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.findtext(".//xades:SigningTime", namespaces=DS)
    )

    code = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value.removeprefix("PNOEE-")
    assert len(code) == 11 and code[0] in "3456"
    assert personal_code_check_digit(code[:10]) == int(code[10])
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value.endswith("," + code)
    page = client.get(f"{server.base_url('som')}dokument/{doc.id}").text
    assert code not in page


def test_restricted_documents_list_and_serve_no_files(served):
    corpus, server, client = served()
    doc = next(d for d in corpus.documents("som") if not d.is_public and d.files)
    html = client.get(f"{server.base_url('som')}dokument/{doc.id}").text
    assert "Failid" not in html
    assert labels(html)["Kehtiv kuni"] == f"{doc.registered.replace(year=doc.registered.year + 5):%d.%m.%Y}"
    response = client.get(f"{server.base_url('som')}fail/{doc.files[0].file_id}/{doc.files[0].name}")
    assert response.status_code == 404
    assert "Lehekülge ei leitud!" in response.text


def test_mutate_and_withdraw_change_what_is_served(served):
    corpus, server, client = served()
    base = server.base_url("som")
    doc = next(d for d in corpus.documents("som") if d.is_public and d.files)
    url = f"{base}dokument/{doc.id}"

    corpus.mutate("som", doc.id, title="Pöördumise täiendamine")
    assert labels(client.get(url).text)["Pealkiri"] == "Pöördumise täiendamine"

    corpus.mutate("som", doc.id, access="AK")
    html = client.get(url).text
    assert labels(html)["Juurdepääsupiirangu alus"] == "AvTS § 35 lg 1 p 12"
    assert "Failid" not in html
    assert client.get(f"{base}fail/{doc.files[0].file_id}/x").status_code == 404
    assert doc.id in result_ids(search(client, base, doc.registered, "AK"))

    corpus.withdraw("som", doc.id)
    assert client.get(url).status_code == 404
    assert doc.id not in walk(client, base, search(client, base, doc.registered))
    with pytest.raises(NotFoundAtSource):
        corpus.document("som", doc.id)
    with pytest.raises(BadInput, match="id"):
        corpus.mutate("som", corpus.documents("som")[0].id, id=1)


def test_requests_are_counted_by_kind_and_unknown_paths_are_404(served):
    corpus, server, client = served()
    base = server.base_url("som")
    client.get(base + "otsing")
    search(client, base, corpus.days()[0])
    client.get(base + "otsing/2")
    assert client.get(f"{base}dokument/1").status_code == 404
    assert client.get(server.url + "/nobody/otsing").status_code == 404
    assert server.requests == {"form": 1, "search": 1, "page": 1, "other": 2}


def test_a_broken_date_is_answered_with_a_message_not_results(served):
    _, server, client = served()
    html = client.post(server.base_url("som") + "otsing", data={"regDateBegin": "32.13.2025"}).text
    assert "Vigane kuupäev: 32.13.2025" in html
    assert HTMLParser(html).css_first("#content table") is None


def test_cheap_file_modes(served):
    corpus, server, client = served(
        CorpusConfig(bodies=1, days=2, docs_per_day=10, big_day_every=0, files="pdf")
    )
    doc = next(d for d in corpus.documents("som") if d.is_public)
    response = client.get(f"{server.base_url('som')}fail/{doc.files[0].file_id}/x")
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    bare = Corpus(CorpusConfig(bodies=1, days=2, files="none"))
    assert all(not d.files for d in bare.documents("som"))


def test_bad_config_and_cli_arguments_are_refused(capsys):
    with pytest.raises(BadInput, match="ak_share"):
        Corpus(CorpusConfig(ak_share=2))
    with pytest.raises(BadInput, match="files"):
        Corpus(CorpusConfig(files="docx"))
    assert simulate_main(["--days", "0", "--port", "0"]) == 2
    assert "days must be at least 1" in capsys.readouterr().err


def test_simulate_hostile_serves_the_hostile_corpus(monkeypatch, capsys):
    served = []

    def serve_forever(self):
        served.append(self.corpus)
        raise KeyboardInterrupt

    monkeypatch.setattr(SimulatorServer, "serve_forever", serve_forever)
    assert simulate_main(["--hostile", "--bodies", "1", "--days", "1", "--port", "0"]) == 0
    [corpus] = served
    assert corpus.config.hostile
    assert all(contains_personal_code(doc.title) for doc in corpus.documents(corpus.bodies[0].slug))
    assert "Serving" in capsys.readouterr().out
