"""A register cannot steer our fetches: every redirect hop is checked before it is sent (SSRF).

Real loopback HTTP servers: the "register" answers redirects, a second server on another port plays the
internal service that must never be reached.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import File, Problem
from dokreg.errors import RedirectRefused, SourcePaused, SourceUnavailable
from dokreg.pipeline.files import document_files_download
from dokreg.registries.connectors.riigikogu import RiigikoguConnector
from dokreg.registries.http import PoliteClient
from dokreg.registries.models import Registry

UA = "dokreg-test/1 (+https://example.org/contact)"


def _serve(routes: dict[str, tuple[int, dict[str, str], bytes]], hits: list[str]):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — http.server's name
            hits.append(self.path)
            status, headers, body = routes.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for name, value in {"Content-Type": "text/plain", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def internal():
    """The service behind the archive that a register must never make us read."""
    hits: list[str] = []
    server = _serve({"/secret.txt": (200, {}, b"TOP SECRET")}, hits)
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def _register(internal_port: int):
    hits: list[str] = []
    moves = {
        "/own.pdf": "/files/real.pdf",
        "/other-port.pdf": f"http://127.0.0.1:{internal_port}/secret.txt",
        "/localhost.pdf": f"http://localhost:{internal_port}/secret.txt",
        "/private.pdf": "http://10.0.0.1/secret.txt",
        "/metadata.pdf": "http://169.254.169.254/latest/meta-data/",
        "/metadata6.pdf": "http://[fd00:ec2::254]/latest/meta-data/",
        "/public.pdf": "https://example.org/file.pdf",
        "/loop.pdf": "/loop.pdf",
        "/gate": "/?returnUrl=%2Fgate",
    }
    routes = {path: (302, {"Location": where}, b"") for path, where in moves.items()}
    routes["/files/real.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 real")
    server = _serve(routes, hits)
    return server, hits


@pytest.fixture
def register(internal):
    server, hits = _register(internal[0])
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    connector = RiigikoguConnector(base, PoliteClient(UA, 0, 5.0, 0))
    yield connector, base, hits
    connector.client.close()
    server.shutdown()
    server.server_close()


def test_a_redirect_within_the_registers_own_host_and_port_is_followed(register):
    connector, base, hits = register
    response = connector._download_from_register(base + "own.pdf")
    assert response.content == b"%PDF-1.4 real"
    assert hits == ["/own.pdf", "/files/real.pdf"]


@pytest.mark.parametrize(
    "path",
    [
        "other-port.pdf",  # loopback, another port: another host
        "localhost.pdf",  # a name that resolves to 127.0.0.1, another port
        "private.pdf",
        "metadata.pdf",
        "metadata6.pdf",
        "public.pdf",  # any host that is not the register
    ],
)
def test_a_redirect_off_the_register_is_refused_and_never_sent(register, internal, path):
    connector, base, _hits = register
    with pytest.raises(RedirectRefused) as caught:
        connector._download_from_register(base + path)
    assert caught.value.code == "redirect_refused"
    assert base + path in caught.value.message  # the Problem names the link that tried it
    assert internal[1] == []  # the internal service was never asked


def test_a_redirect_loop_stops_after_a_bounded_number_of_hops(register):
    connector, base, hits = register
    with pytest.raises(RedirectRefused, match="more than 5 redirects"):
        connector._download_from_register(base + "loop.pdf")
    assert len(hits) == 6


def test_a_redirect_to_a_return_url_gate_is_a_robot_check_not_a_withdrawal(register):
    connector, base, hits = register
    with pytest.raises(SourcePaused):
        connector._capture(base + "gate", "1")
    assert hits == ["/gate"]  # the gate itself is not fetched


def _https_upgrade_client(resolved: str) -> PoliteClient:
    def handler(request):
        if request.url.scheme == "http":
            return httpx.Response(301, headers={"Location": "https://register.example/doc/1"})
        return httpx.Response(200, text="ok", headers={"Content-Type": "text/plain"})

    client = PoliteClient(
        UA, 0, 5.0, 0, transport=httpx.MockTransport(handler), resolve=lambda host: [resolved]
    )
    client.allow_origin("http://register.example/")
    return client


def test_an_http_register_moving_to_https_on_its_public_name_is_followed():
    assert _https_upgrade_client("93.184.216.34").get("http://register.example/doc/1").text == "ok"


@pytest.mark.parametrize("resolved", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fd00:ec2::254"])
def test_https_on_the_registers_name_is_refused_when_the_name_resolves_inside(resolved):
    with pytest.raises(RedirectRefused, match="internal address"):
        _https_upgrade_client(resolved).get("http://register.example/doc/1")


@pytest.mark.django_db
def test_a_file_link_redirected_to_an_internal_service_is_a_problem_and_nothing_is_stored(register, internal):
    connector, base, _hits = register
    registry = make_registry(family=Registry.Family.RIIGIKOGU, base_url=base)
    document = make_document(registry)
    common = {"kind": "pdf", "access": "Avalik", "download_state": File.Download.PENDING}
    stolen = File.objects.create(
        document=document, ordinal=1, name="a.pdf", url=base + "other-port.pdf", **common
    )
    real = File.objects.create(document=document, ordinal=2, name="b.pdf", url=base + "own.pdf", **common)

    assert document_files_download(document=document, connector=connector) == 1

    stolen.refresh_from_db()
    assert (stolen.download_state, stolen.error_code, stolen.blob) == (
        File.Download.FAILED,
        "redirect_refused",
        None,
    )
    problem = Problem.objects.get(file=stolen)
    assert problem.code == "redirect_refused" and "leaves the register" in problem.message
    real.refresh_from_db()
    assert real.download_state == File.Download.OK  # one hostile link does not stop the others
    assert internal[1] == []


def _rebinding(answers: list[str]):
    """A name whose DNS answer changes between the hop check and the connection (DNS rebinding)."""
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        return [answers[min(len(asked), len(answers)) - 1]]

    return resolve, asked


@pytest.fixture
def upgrading_register():
    """A register at http://localhost:PORT whose links move to https on the same name."""
    hits: list[str] = []
    server = _serve({"/upgrade.pdf": (301, {"Location": "https://localhost/upgrade.pdf"}, b"")}, hits)
    yield f"http://localhost:{server.server_address[1]}/", hits
    server.shutdown()
    server.server_close()


def test_a_name_that_rebinds_to_loopback_after_the_hop_check_is_refused_at_connection(upgrading_register):
    base, _hits = upgrading_register
    resolve, asked = _rebinding(["93.184.216.34", "127.0.0.1"])
    connector = RiigikoguConnector(base, PoliteClient(UA, 0, 5.0, 0, resolve=resolve))
    with pytest.raises(RedirectRefused, match="internal address 127.0.0.1 when connecting"):
        connector._download_from_register(base + "upgrade.pdf")
    assert asked == ["localhost", "localhost"]  # once for the hop check, once for the connection itself


def test_the_connection_goes_to_the_address_that_was_checked(upgrading_register, monkeypatch):
    """No second lookup behind our back: the socket is opened to the checked address, not the name."""
    base, _hits = upgrading_register
    opened: list[tuple[str, int]] = []
    import httpcore

    def connect_tcp(self, host, port, *args, **kw):
        opened.append((host, port))
        raise httpcore.ConnectError("test: no network")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    client = PoliteClient(UA, 0, 5.0, 0, resolve=lambda host: ["93.184.216.34"])
    client.allow_origin(base)
    client._check_redirect(base, "https://localhost/upgrade.pdf", client.allowed_origins)  # the hop passes
    with pytest.raises(SourceUnavailable):
        client.get("https://localhost/upgrade.pdf")
    assert opened == [("93.184.216.34", 443)]


@pytest.mark.django_db
def test_a_rebinding_file_link_is_a_problem_and_nothing_is_stored(upgrading_register):
    base, _hits = upgrading_register
    resolve, _asked = _rebinding(["93.184.216.34", "127.0.0.1"])
    connector = RiigikoguConnector(base, PoliteClient(UA, 0, 5.0, 0, resolve=resolve))
    registry = make_registry(family=Registry.Family.RIIGIKOGU, base_url=base)
    document = make_document(registry)
    file = File.objects.create(
        document=document,
        ordinal=1,
        name="a.pdf",
        url=base + "upgrade.pdf",
        kind="pdf",
        access="Avalik",
        download_state=File.Download.PENDING,
    )

    assert document_files_download(document=document, connector=connector) == 0

    file.refresh_from_db()
    assert (file.download_state, file.error_code, file.blob) == (
        File.Download.FAILED,
        "redirect_refused",
        None,
    )
    assert "when connecting" in Problem.objects.get(file=file).message
