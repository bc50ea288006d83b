"""A register that answers the wrong kind of thing is refused, never stored as what we asked for.

A file link that answers an HTML page (a login wall, a challenge, the register's own error or document page)
is not the file; a list page that answers a binary is not a list. Real loopback HTTP, real recorded pages.
"""

from __future__ import annotations

import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import File, Problem
from dokreg.errors import WrongContent
from dokreg.pipeline.files import document_files_download
from dokreg.registries.connectors.riigikogu import RiigikoguConnector
from dokreg.registries.http import PoliteClient
from dokreg.registries.models import Registry

UA = "dokreg-test/1 (+https://example.org/contact)"
LOGIN_WALL = (
    b"<!DOCTYPE html>\n<html lang='et'><head><title>Sisene</title></head>"
    b"<body><form action='/login'><input name='user'></form></body></html>"
)


@pytest.fixture
def register():
    """A register whose answers per path (query ignored) the test sets: {path: (content type, body)}."""
    answers: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — http.server's name
            content_type, body = answers.get(urlsplit(self.path).path, ("text/plain", b"not here"))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    connector = RiigikoguConnector(base, PoliteClient(UA, 0, 5.0, 0))
    yield connector, base, answers
    connector.client.close()
    server.shutdown()
    server.server_close()


def _files(base: str, names: list[str]):
    registry = make_registry(family=Registry.Family.RIIGIKOGU, base_url=base)
    document = make_document(registry)
    return document, [
        File.objects.create(
            document=document,
            ordinal=n,
            name=name,
            url=f"{base}fail/{n}/{name}",
            kind=name.rsplit(".", 1)[-1],
            access="Avalik",
            download_state=File.Download.PENDING,
        )
        for n, name in enumerate(names, start=1)
    ]


@pytest.mark.django_db
def test_a_file_that_answers_an_html_page_is_a_problem_and_not_stored(register, fixtures_dir):
    connector, base, answers = register
    document, (walled, own_page, real, mislabelled, html_file) = _files(
        base, ["otsus.pdf", "kiri.docx", "leping.asice", "scan.pdf", "teade.html"]
    )
    answers["/fail/1/otsus.pdf"] = ("text/html; charset=utf-8", LOGIN_WALL)
    # The register's own document page (recorded) where the file should be, labelled as the file.
    answers["/fail/2/kiri.docx"] = (
        "application/octet-stream",
        (fixtures_dir / "som_document_18270648.html").read_bytes(),
    )
    answers["/fail/3/leping.asice"] = (
        "application/vnd.etsi.asic-e+zip",
        (fixtures_dir / "50k.asice").read_bytes(),
    )
    answers["/fail/4/scan.pdf"] = ("text/html", b"%PDF-1.4\n% a PDF a server labels text/html")
    answers["/fail/5/teade.html"] = ("text/html", b"<html><body>Teade avalikkusele</body></html>")

    assert document_files_download(document=document, connector=connector) == 3

    for refused in (walled, own_page):
        refused.refresh_from_db()
        assert (refused.download_state, refused.error_code, refused.blob) == (
            File.Download.FAILED,
            "wrong_content",
            None,
        )
    problem = Problem.objects.get(file=walled)
    assert problem.code == "wrong_content"
    assert "HTML page" in problem.message and "'Sisene'" in problem.message and "otsus.pdf" in problem.message
    assert Problem.objects.get(file=own_page).code == "wrong_content"
    for stored in (
        real,
        mislabelled,
        html_file,
    ):  # bytes decide, and an HTML file the register lists is wanted
        stored.refresh_from_db()
        assert stored.download_state == File.Download.OK and stored.blob_id


def test_an_html_page_with_a_leading_comment_or_bom_is_still_recognised(register):
    connector, base, answers = register
    answers["/x.pdf"] = (
        "application/pdf",
        b"\xef\xbb\xbf  <!-- gate -->\n<html><title>Robot?</title></html>",
    )
    with pytest.raises(WrongContent, match="instead of the file 'x.pdf'"):
        connector._download_from_register(base + "x.pdf", "x.pdf")


def test_a_list_page_must_be_a_page(register, fixtures_dir):
    connector, _base, answers = register
    recorded = (fixtures_dir / "riigikogu_list_2026-05-14_page1.html").read_bytes()
    answers["/"] = ("text/html; charset=utf-8", recorded)
    assert connector._list_page(date(2026, 5, 14), 1).rows  # the recorded page, as the register sends it

    answers["/"] = ("application/octet-stream", recorded)
    with pytest.raises(WrongContent, match="list page came as 'application/octet-stream'"):
        connector._list_page(date(2026, 5, 14), 1)
    answers["/"] = ("application/pdf", b"%PDF-1.4")
    with pytest.raises(WrongContent, match="not a page; not stored"):
        connector._list_page(date(2026, 5, 14), 1)


@pytest.mark.django_db
def test_a_day_whose_list_answers_a_binary_is_incomplete_with_a_problem(register):
    from dokreg.pipeline.sync import SyncReport, day_sync

    connector, base, answers = register
    answers["/"] = ("image/png", b"\x89PNG\r\n\x1a\n")
    registry = make_registry(family=Registry.Family.RIIGIKOGU, base_url=base)
    report = SyncReport()
    assert (
        day_sync(registry=registry, connector=connector, day=date(2026, 5, 14), refresh=False, report=report)
        == []
    )
    assert report.incomplete_days == [date(2026, 5, 14)]
    [problem] = Problem.objects.filter(registry=registry)
    assert problem.code == "wrong_content" and "image/png" in problem.message
