"""The Riigikantselei connector on recorded Domino XML, on the simulator over loopback, and its TLS trust."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dokreg.errors import BadInput, Broken, NotFoundAtSource, SourceChanged, SourceUnavailable
from dokreg.registries.connectors import CONNECTORS
from dokreg.registries.connectors.riigikantselei import (
    RiigikantseleiConnector,
    parse_document,
    parse_search_page,
    split_hierarchy,
    tls_context,
)
from dokreg.registries.http import PoliteClient, trusted_roots
from dokreg.registries.types import FileRef, RawCapture, RelationRef
from dokreg.simulator import Corpus, CorpusConfig, FileMaker, SimulatorServer
from dokreg.simulator.riigikantselei import RiigikantseleiSite, note_id

BASE = "https://dhs.riigikantselei.ee/avalikteave.nsf/"
DAY = date(2026, 5, 13)
CONFIG = CorpusConfig(bodies=1, days=4, docs_per_day=12, big_day_every=4, files="pdf", seed=5)


def recorded(fixtures_dir, name: str, source_id: str = "") -> RawCapture:
    url = f"{BASE}documents/{source_id or 'NT00000000'}?open"
    return RawCapture(url=url, status=200, body=(fixtures_dir / name).read_bytes(), source_id=source_id)


def mock_connector(handler) -> RiigikantseleiConnector:
    client = PoliteClient("dokreg-test/1", 0, 5.0, 0, transport=httpx.MockTransport(handler))
    return RiigikantseleiConnector(BASE, client)


# --- recorded documents -------------------------------------------------------------------------
def test_recorded_incoming_letter_with_files(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "rk_document_NT00415122.xml", "NT00415122"))

    assert entry.source_id == "NT00415122"
    assert entry.reference == "26-00998-1"
    assert entry.registered == date(2026, 5, 13)
    assert entry.doc_type == "Kiri"
    assert entry.title == "Elanikkonnakaitse e-koolitus"
    assert entry.correspondent == "Päästeamet"
    assert entry.channel == "E-post"
    assert entry.sender_reference == "7.4-2.1/3288-1"
    assert entry.function.startswith("05 Peaministri nõustamine riigi julgeoleku")
    assert entry.series == "5-19 Kirjavahetus ja muud kriisireguleerimise dokumendid"
    # No docaccesstype field: Domino leaves empty fields out, the document is public.
    assert entry.access == "Avalik"
    assert entry.files == (
        FileRef(
            ordinal=1,
            name="Elanikkonnakaitse e-koolitus.pdf",
            url=f"{BASE}documents/NT00415122/$file/Elanikkonnakaitse%20e-koolitus.pdf",
        ),
        FileRef(
            ordinal=2,
            name="Kutse tootajatele.pdf",
            url=f"{BASE}documents/NT00415122/$file/Kutse%20tootajatele.pdf",
        ),
    )
    assert entry.relations == ()  # the case lists only the document itself
    assert entry.unknown_labels == ()
    assert entry.parser == "riigikantselei/1"
    assert entry.extra == {"form": "InDoc", "case": "26-00998"}
    assert ("Saatja viit", "7.4-2.1/3288-1") in entry.source_fields
    assert ("Asi", "26-00998") in entry.source_fields
    body = dict(entry.source_fields)["Tekst"]
    assert body.startswith("Tere!\n") and "numbriga 7.4-2.1/3288-1." in body


def test_recorded_restricted_draft_with_its_own_field_names(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "rk_document_NT00415146.xml", "NT00415146"))

    assert entry.reference == "26-00992-1"
    assert entry.registered == date(2026, 5, 13)
    assert entry.doc_type == "Määruse eelnõu"  # acttype on this form
    assert entry.title == ""
    assert entry.correspondent == "Rahandusministeerium"  # govinstitution
    assert entry.sender_reference == "1.1-10.1/2091-1"  # eis$vol.initiatorrefs
    assert entry.access == "Asutusesiseseks kasutamiseks"
    assert entry.restriction_basis == (
        "AvTS § 35 lg 2 p 1 - Õigusaktide eelnõud enne nende kooskõlastamiseks saatmist või "
        "vastuvõtmiseks esitamist"
    )
    assert entry.restriction_begins == date(2026, 5, 12)
    assert entry.restriction_ends == date(2031, 5, 12)
    assert (
        "Piirangu lõpp",
        "12.05.2031 dokumendi kooskõlastamiseks saatmine või vastuvõtmiseks esitamine",
    ) in (entry.source_fields)
    assert ("EIS viit", "RAM/26-0553/01-1E") in entry.source_fields
    assert (entry.function, entry.series) == (
        "02 Vabariigi Valitsuse istungite ja nõupidamiste ettevalmistamine ja korraldamine",
        "2-5 Vabariigi Valitsuse otsuste alusdokumendid",
    )
    assert entry.files == ()


def test_recorded_cabinet_material(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "rk_document_NT0041518E.xml", "NT0041518E"))

    assert entry.reference == "26-01009-1"
    assert entry.registered == date(2026, 5, 15)
    assert entry.doc_type == "Kabinetinõupidamise materjalid"
    assert entry.correspondent == "Regionaal- ja Põllumajandusministeerium"
    assert (
        entry.restriction_basis == "AvTS § 35 lg 2 p 2 - Dokumendi kavand ja selle juurde kuuluvad dokumendid"
    )
    assert entry.restriction_ends == date(2031, 5, 12)


def test_recorded_reply_lists_the_matters_first_document(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "rk_nt00415196.xml", "nt00415196"))

    assert entry.source_id == "NT00415196"
    assert entry.reference == "26-00914-2"
    assert entry.sender_reference == "1-5/26/1740-2"  # trailing space in the source
    assert entry.channel == "Dokumendivahetuskeskus"
    assert entry.relations == (
        RelationRef(
            kind="sama asi",
            target_source_id="NT00414ECE",
            reference="26-00914-1",
            title="Eesti mehitamata sõidukite sektori arengu lähtealused ja teekaart 2026-2030",
        ),
    )
    assert [f.name for f in entry.files] == [
        "Eesti mehitamata sõidukite sektori arengu lähtealused ja teekaart 2026-2030 vastuskiri.pdf"
    ]


def test_recorded_search_page(fixtures_dir):
    page = parse_search_page((fixtures_dir / "rk_search_2026-05-13.xml").read_bytes(), BASE + "search")

    assert (page.total, page.rows, page.search_max) == (15, 15, 250)
    first, last = page.entries[0], page.entries[-1]
    assert (first.source_id, first.reference, first.registered, first.doc_type) == (
        "NT00415116", "26-01000-1", DAY, "Esitatud istungi materjalid"
    )  # fmt: skip
    assert (last.source_id, last.reference, last.doc_type, last.title) == (
        "NT0041518A", "PM2645K", "Õigusakt", "Vabariigi Valitsuse 14. mai 2026. a istungi päevakorra kinnitamine"
    )  # fmt: skip
    assert sum(1 for e in page.entries if e.title == "") == 7


def test_recorded_page_past_the_end_is_empty_but_keeps_the_total(fixtures_dir):
    page = parse_search_page((fixtures_dir / "rk_search_empty.xml").read_bytes(), BASE + "search")
    assert (page.total, page.rows, page.entries) == (15, 0, ())


def test_list_day_on_recorded_pages(fixtures_dir):
    full = (fixtures_dir / "rk_search_2026-05-13.xml").read_bytes()
    empty = (fixtures_dir / "rk_search_empty.xml").read_bytes()
    asked = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = parse_qs(urlsplit(str(request.url)).query)
        asked.append(params)
        return httpx.Response(200, content=full if params["Start"] == ["1"] else empty)

    listing = mock_connector(handler).list_day(DAY)
    assert (listing.reported_total, len(listing.entries), listing.complete) == (15, 15, True)
    assert asked[0]["query"] == ["[date]>=13.05.2026 AND [date]<=13.05.2026"]
    assert asked[0]["SearchOrder"] == ["4"]


def test_list_day_with_rows_missing_is_incomplete(fixtures_dir):
    text = (fixtures_dir / "rk_search_2026-05-13.xml").read_text()
    text = text.replace('totalhits="15"', 'totalhits="17"')

    listing = mock_connector(lambda r: httpx.Response(200, text=text)).list_day(DAY)
    assert listing.complete is False
    assert len(listing.entries) == 15
    assert any("repeated" in p for p in listing.problems)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body><h1>Error 500</h1></body></html>",
        b"<?xml version='1.0'?><entries viewname='search'><document noteid='NT00000001'/>",  # truncated
        b"<?xml version='1.0'?><entries viewname='search'></entries>",  # no totalhits
        b"<?xml version='1.0'?><entries totalhits='many'></entries>",
        b"<?xml version='1.0'?><view totalhits='3'></view>",
    ],
)
def test_broken_search_answers_are_source_changed(body):
    with pytest.raises(SourceChanged):
        mock_connector(lambda r: httpx.Response(200, content=body)).list_day(DAY)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Login</body></html>",
        b"<?xml version='1.0'?><document form='InDoc' noteid='NT00415122'><field name='docid'>1",
        b"<?xml version='1.0'?><document form='InDoc'></document>",
        b"<?xml version='1.0'?><entries totalhits='0'/>",
    ],
)
def test_broken_document_captures_are_source_changed(body):
    with pytest.raises(SourceChanged):
        parse_document(RawCapture(url=BASE + "documents/NT00415122?open", status=200, body=body))


def test_a_document_other_than_the_one_asked_for_is_source_changed(fixtures_dir):
    with pytest.raises(SourceChanged, match="NT00415122"):
        parse_document(recorded(fixtures_dir, "rk_document_NT00415122.xml", "NT00415146"))


def test_changed_copy_keeps_unknown_fields_and_what_it_can(fixtures_dir):
    text = (fixtures_dir / "rk_document_NT00415122.xml").read_text()
    text = text.replace('name="doctype"', 'name="dokumendiliik"').replace(
        'name="indoccat"', 'name="channel2"'
    )
    entry = parse_document(RawCapture(url=BASE, status=200, body=text.encode(), source_id="NT00415122"))
    assert entry.doc_type == "" and entry.channel == ""
    assert set(entry.unknown_labels) == {"channel2", "dokumendiliik"}
    assert entry.reference == "26-00998-1"


def test_document_ids_and_errors():
    connector = mock_connector(lambda r: httpx.Response(404, text="<html>Entry not found in index</html>"))
    assert connector.document_url("nt0041518e") == f"{BASE}documents/NT0041518E?open"
    with pytest.raises(BadInput):
        connector.document_url("12345")
    with pytest.raises(NotFoundAtSource):
        connector.fetch("NT00415122")
    failing = mock_connector(lambda r: httpx.Response(403, text="forbidden"))
    with pytest.raises(SourceUnavailable):
        failing.fetch("NT00415122")
    with pytest.raises(SourceUnavailable):
        failing.list_day(DAY)


def test_split_hierarchy_without_a_series_code_keeps_all_as_function():
    assert split_hierarchy("Muu asjaajamine") == ("Muu asjaajamine", "")


def test_registered_as_a_family():
    assert CONNECTORS["riigikantselei"] is RiigikantseleiConnector


# --- the simulator over loopback ----------------------------------------------------------------
@pytest.fixture
def site():
    corpus = Corpus(CONFIG)
    slug = corpus.bodies[0].slug
    servers = []

    def start(**options) -> tuple[Corpus, SimulatorServer, RiigikantseleiConnector]:
        server = SimulatorServer(corpus, site=RiigikantseleiSite(corpus, slug=slug, **options)).start()
        servers.append(server)
        return corpus, server, RiigikantseleiConnector(server.base_url(slug), PoliteClient("t", 0, 10.0, 0))

    yield start
    for server in servers:
        server.stop()


def test_simulated_days_list_every_document(site):
    corpus, _server, connector = site()
    slug = corpus.bodies[0].slug
    for day in corpus.days():
        listing = connector.list_day(day)
        expected = {note_id(d.id) for d in corpus.search(slug, day, day)}
        assert listing.complete, listing.problems
        assert listing.reported_total == len(expected)
        assert {e.source_id for e in listing.entries} == expected


def test_pages_past_the_per_query_maximum_with_start(site):
    corpus, server, connector = site()
    big_day = max(corpus.days(), key=lambda d: corpus.day_counts(corpus.bodies[0].slug)[d])
    connector.page_size = 250  # the server hands out at most 100 rows per answer
    listing = connector.list_day(big_day)

    total = corpus.day_counts(corpus.bodies[0].slug)[big_day]
    assert total > 100
    assert listing.complete and len(listing.entries) == listing.reported_total == total
    assert server.requests["search"] == -(-total // 100)


def test_a_server_that_truncates_its_total_gives_an_incomplete_day(site):
    corpus, _server, connector = site(truncate_total=True)
    big_day = max(corpus.days(), key=lambda d: corpus.day_counts(corpus.bodies[0].slug)[d])
    listing = connector.list_day(big_day)
    assert listing.complete is False
    assert listing.reported_total == 100
    assert any("SearchMax" in p for p in listing.problems)


def test_simulated_documents_parse_to_the_corpus_values(site):
    corpus, _server, connector = site()
    slug = corpus.bodies[0].slug
    files = FileMaker(corpus.config.seed)
    documents = corpus.documents(slug)[:40]
    assert {d.access for d in documents} == {"Avalik", "AK"}
    for doc in documents:
        entry = connector.parse(connector.fetch(note_id(doc.id)))
        assert (entry.reference, entry.registered, entry.doc_type, entry.title) == (
            doc.reference, doc.registered, doc.doc_type, doc.title
        )  # fmt: skip
        assert (entry.function, entry.series, entry.correspondent, entry.channel) == (
            doc.function, doc.series, doc.correspondent, doc.channel
        )  # fmt: skip
        assert (entry.sender_reference, entry.due_date, entry.responsible) == (
            doc.sender_reference, doc.due_date, doc.responsible
        )  # fmt: skip
        if doc.access == "AK":
            assert entry.access == "Asutusesiseseks kasutamiseks"
            assert (entry.restriction_basis, entry.restriction_begins, entry.restriction_ends) == (
                doc.restriction_basis, doc.restriction_begins, doc.restriction_ends
            )  # fmt: skip
            assert entry.files == ()
        else:
            assert entry.access == "Avalik"
            assert [f.name for f in entry.files] == [f.name for f in doc.files]
            for ref, sim_file in zip(entry.files, doc.files, strict=True):
                assert connector.download(ref) == files.content(doc, sim_file)[0]
        assert entry.unknown_labels == ()


def test_same_matter_documents_become_relations(site):
    corpus, _server, connector = site()
    slug = corpus.bodies[0].slug
    follow_up = next(d for d in corpus.documents(slug) if d.reference.endswith("-2"))
    first = next(d for d in corpus.documents(slug) if d.reference == follow_up.reference[:-1] + "1")
    entry = connector.parse(connector.fetch(note_id(follow_up.id)))
    assert RelationRef(kind="sama asi", target_source_id=note_id(first.id), reference=first.reference,
                       title=first.title) in entry.relations  # fmt: skip


def test_withdrawn_documents_and_restricted_files_are_not_found(site):
    corpus, _server, connector = site()
    slug = corpus.bodies[0].slug
    doc = next(d for d in corpus.documents(slug) if d.access == "Avalik" and d.files)
    ref = connector.parse(connector.fetch(note_id(doc.id))).files[0]
    corpus.mutate(slug, doc.id, access="AK")
    with pytest.raises(NotFoundAtSource):
        connector.download(ref)  # the file is gone from the register
    with pytest.raises(NotFoundAtSource):
        connector.download(FileRef(ordinal=1, name="x", url=ref.url, access="Asutusesiseseks kasutamiseks"))
    corpus.withdraw(slug, doc.id)
    with pytest.raises(NotFoundAtSource):
        connector.fetch(note_id(doc.id))


def test_file_links_only_from_the_register_host(site):
    _corpus, _server, connector = site()
    with pytest.raises(BadInput):
        connector.download(FileRef(ordinal=1, name="x", url="http://elsewhere.example/x.pdf"))


# --- TLS: an extra intermediate, verification on ------------------------------------------------
def _certificate(subject: str, key, issuer_name, issuer_key, *, ca: bool, san=None) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def tls_server(tmp_path):
    """A loopback HTTPS server whose certificate chains to a throw-away CA that certifi does not know."""
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("dokreg test intermediate", ca_key, None, ca_key, ca=True)
    san = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    leaf = _certificate("127.0.0.1", server_key, ca.subject, ca_key, ca=False, san=san)
    (tmp_path / "server.pem").write_bytes(_pem(leaf))
    (tmp_path / "server.key").write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    certs = tmp_path / "certs"
    certs.mkdir()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<?xml version='1.0'?><entries totalhits='0'></entries>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/", certs, _pem(ca)
    httpd.shutdown()
    httpd.server_close()


def test_the_extra_ca_is_trusted_and_verification_stays_on(tls_server):
    url, certs, ca_pem = tls_server
    with (
        PoliteClient("t", 0, 5.0, 0, verify=tls_context(certs)) as client,
        pytest.raises(SourceUnavailable, match="(?i)certificate verify failed"),
    ):
        client.get(url)  # without the PEM the chain does not verify
    (certs / "intermediate.pem").write_bytes(ca_pem)
    context = tls_context(certs)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    with PoliteClient("t", 0, 5.0, 0, verify=context) as client:
        assert client.get(url).status_code == 200
        # The same certificate under another name is still refused: hostname checks are on.
        with pytest.raises(SourceUnavailable, match="(?i)mismatch|hostname"):
            client.get(url.replace("127.0.0.1", "localhost"))


def test_default_clients_share_one_context_that_still_refuses_an_unknown_ca(tls_server):
    """A worker makes a client per task; they share one context (the CA bundle read once per process),
    and sharing it weakens nothing."""
    url, _certs, _ca_pem = tls_server
    for _ in range(2):
        with (
            PoliteClient("t", 0, 5.0, 0) as client,
            pytest.raises(SourceUnavailable, match="(?i)certificate verify failed"),
        ):
            client.get(url)
    context = trusted_roots()
    assert context is trusted_roots() and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_the_connector_uses_the_extra_ca_context_for_https_only():
    plain = PoliteClient("t", 0, 5.0, 0)
    https = RiigikantseleiConnector(BASE, plain)
    assert isinstance(https.client.verify, ssl.SSLContext)
    assert https.client.verify.verify_mode == ssl.CERT_REQUIRED
    assert RiigikantseleiConnector("http://127.0.0.1:1/x/", plain).client is plain


def test_a_broken_pem_is_a_named_error(tmp_path):
    (tmp_path / "bad.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    with pytest.raises(Broken, match="bad.pem"):
        tls_context(tmp_path)
