"""The simulator's HTTP server: stdlib only, so it starts in milliseconds on loopback.

It owns sockets, per-kind request counts and the fault hook; what a page looks like is the
platform family's business (`adr.AdrSite`).
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections import Counter
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import unquote, urlsplit

from dokreg.simulator.adr import AdrSite
from dokreg.simulator.corpus import Corpus
from dokreg.simulator.web import FaultHook, Request, Response, Site

MAX_BODY = 1 << 20  # a search form is a few hundred bytes; refuse anything absurd
log = logging.getLogger(__name__)
POLL_INTERVAL = 0.05  # how quickly stop() is noticed; tests start and stop many servers


class SimulatorServer:
    def __init__(
        self,
        corpus: Corpus,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultHook | None = None,
        site: Site | None = None,
        etags: bool = True,
    ):
        self.corpus = corpus
        self.site: Site = site or AdrSite(corpus)
        self.faults = faults
        self.requests: Counter[str] = Counter()
        # Document pages carry an ETag and answer If-None-Match with 304, as a well-behaved server does.
        self.etags = etags
        self._count_lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        # Keep-alive clients may hold connections open; stop() must not wait for them.
        self._httpd.block_on_close = False
        self._thread: threading.Thread | None = None

    @property
    def faults(self) -> FaultHook | None:
        return self._faults

    @faults.setter
    def faults(self, hook: FaultHook | None) -> None:
        # A hook that delays, cuts or rewrites real answers (simulator.faults) needs the site behind it.
        if bind := getattr(hook, "bind", None):
            bind(self.site)
        self._faults = hook

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, slug: str) -> str:
        self.corpus.body(slug)  # unknown slug: NotFoundAtSource, not a URL that 404s later
        return f"{self.url}/{slug}/"

    def start(self) -> SimulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, args=(POLL_INTERVAL,), name="dokreg-simulator", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ):
        self.stop()

    def respond(self, request: Request) -> Response:
        """One request through the fault hook and the site, counted by what was asked for."""
        response = self.faults.intercept(request) if self.faults is not None else None
        if response is None:
            try:
                response = self.site.handle(request)
            except Exception:  # a simulator bug must look like a failing server (500), not a hung socket
                log.exception("simulator failed on %s %s", request.method, request.path)
                response = Response(500, b"<html><body><h1>500</h1></body></html>", kind="error")
        if self.etags:
            response = _conditional(request, response)
        with self._count_lock:
            self.requests[response.kind] += 1
        return response


def _conditional(request: Request, response: Response) -> Response:
    if request.method != "GET" or response.status != 200 or response.kind != "document":
        return response
    etag = '"' + hashlib.sha1(response.body).hexdigest()[:20] + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(
            304, b"", content_type=response.content_type, headers=(("ETag", etag),), kind="not_modified"
        )
    return replace(response, headers=(*response.headers, ("ETag", etag)))


def _handler_for(server: SimulatorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real register's front end allows
        timeout = 60  # an idle keep-alive connection is dropped, as front ends do
        server_version = "Apache-Coyote/1.1"
        sys_version = ""

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes; without this, delayed ACKs cost ~40 ms a request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self._serve(b"")

        def do_HEAD(self) -> None:
            self._serve(b"", head=True)

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length", "0")
            size = int(length) if length.isascii() and length.isdecimal() else 0
            if size > MAX_BODY:
                self.send_error(413)
                return
            self._serve(self.rfile.read(size))

        def _serve(self, body: bytes, head: bool = False) -> None:
            split = urlsplit(self.path)
            request = Request(
                method="GET" if head else self.command,
                path=unquote(split.path),
                query=split.query,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            response = server.respond(request)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            if any(name.lower() == "content-length" for name, _ in response.headers):
                # A fault promising more than it sends (a cut connection): close after the body.
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            pass  # tests and benchmarks make thousands of requests; the counts are kept instead

    return Handler
