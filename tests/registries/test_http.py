"""The polite client: pacing per host, retries that honour Retry-After, robot checks stop a source."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from dokreg.errors import SourceChanged, SourcePaused, SourceUnavailable, TooLarge
from dokreg.registries.connectors import CONNECTORS
from dokreg.registries.http import PoliteClient, client_from_settings, retry_after_seconds

UA = "dokreg-test/1 (+https://example.org/contact)"


class FakeTime:
    """A clock that only moves when the client sleeps, so waits are exact and instant."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_client(handler, *, interval=0.0, retries=3, fake: FakeTime | None = None, **kw) -> PoliteClient:
    fake = fake or FakeTime()
    return PoliteClient(
        UA,
        interval,
        5.0,
        retries,
        transport=httpx.MockTransport(handler),
        sleep=fake.sleep,
        clock=fake.clock,
        jitter=lambda: 0.0,
        **kw,
    )


def test_retry_after_in_seconds_is_obeyed_before_the_next_attempt():
    fake = FakeTime()
    answers = iter([httpx.Response(503, headers={"Retry-After": "7"}), httpx.Response(200, text="ok")])
    client = make_client(lambda request: next(answers), fake=fake)

    response = client.get("https://adr.example/som/otsing")

    assert response.status_code == 200
    assert fake.sleeps == [7.0]


def test_retry_after_as_http_date_and_capped_wait():
    now = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 05 Jan 2026 12:01:30 GMT", now=now) == 90.0
    assert retry_after_seconds("Mon, 05 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon", now=now) is None

    fake = FakeTime()
    answers = iter([httpx.Response(429, headers={"Retry-After": "86400"}), httpx.Response(200)])
    client = make_client(lambda request: next(answers), fake=fake)
    client.get("https://adr.example/som/otsing")
    assert fake.sleeps == [300.0]


def test_server_errors_are_retried_with_backoff_then_reported_with_the_url():
    fake = FakeTime()
    calls = []

    def handler(request):
        calls.append(request.url)
        return httpx.Response(500, text="Internal Server Error")

    client = make_client(handler, retries=3, fake=fake)
    with pytest.raises(SourceUnavailable) as caught:
        client.get("https://adr.example/som/dokument/1")

    assert len(calls) == 4
    assert fake.sleeps == [1.0, 2.0, 4.0]  # exponential, jitter switched off
    assert "https://adr.example/som/dokument/1" in caught.value.message
    assert "HTTP 500" in caught.value.message
    assert caught.value.code == "source_unavailable"


def test_client_errors_other_than_429_are_returned_without_retrying():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(404, text="Not found")

    client = make_client(handler)
    assert client.get("https://adr.example/som/dokument/9").status_code == 404
    assert len(calls) == 1


def test_timeouts_are_retried_then_reported():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    client = make_client(handler, retries=2)
    with pytest.raises(SourceUnavailable, match="timed out"):
        client.get("https://adr.example/som/otsing")


def test_refused_connection_on_loopback_is_retried_then_reported():
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fake = FakeTime()
    client = PoliteClient(UA, 0, 2.0, 2, sleep=fake.sleep, clock=fake.clock, jitter=lambda: 0.0)

    with pytest.raises(SourceUnavailable, match="connection failed") as caught:
        client.get(f"http://127.0.0.1:{port}/som/otsing")
    assert f"127.0.0.1:{port}" in caught.value.message
    assert len(fake.sleeps) == 2


def test_requests_to_one_host_keep_the_interval_other_hosts_do_not_wait():
    fake = FakeTime()
    client = make_client(lambda request: httpx.Response(200), interval=2.5, fake=fake)

    client.get("https://adr.example/a")
    client.get("https://other.example/b")
    assert fake.sleeps == []
    fake.now += 1.0
    client.get("https://adr.example/c")
    assert fake.sleeps == [1.5]


def test_one_request_at_a_time_per_host_across_threads():
    in_flight, most = 0, 0
    lock = threading.Lock()

    def handler(request):
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return httpx.Response(200)

    client = PoliteClient(UA, 0, 5.0, 0, transport=httpx.MockTransport(handler))
    threads = [threading.Thread(target=client.get, args=(f"https://adr.example/{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, "<html><body><h1>Access denied</h1><p>Please complete the captcha.</p></body></html>"),
        (429, "<html><body>Are you a robot?</body></html>"),
        (
            200,
            '<html><head><title>Just a moment...</title></head><body class="cf-challenge">'
            "Checking your browser before accessing adr.example</body></html>",
        ),
        (200, '<form><div class="g-recaptcha" data-sitekey="x"></div></form>'),
    ],
)
def test_robot_check_pauses_the_source_without_retrying(status, body):
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(status, text=body, headers={"Content-Type": "text/html"})

    client = make_client(handler)
    with pytest.raises(SourcePaused) as caught:
        client.get("https://adr.example/som/otsing")
    assert len(calls) == 1
    assert "https://adr.example/som/otsing" in caught.value.message
    assert caught.value.code == "source_paused"


def test_a_real_register_page_with_robots_meta_is_not_a_robot_check(fixtures_dir):
    # Every ADR page says <meta name="robots" content="noindex">: that must not stop a sync.
    page = (fixtures_dir / "doc_page.html").read_bytes()
    client = make_client(
        lambda request: httpx.Response(200, content=page, headers={"Content-Type": "text/html"})
    )
    assert client.get("https://adr.example/jm/dokument/15194964").status_code == 200


def test_user_agent_and_cookies_are_sent():
    seen = []

    def handler(request):
        seen.append((request.headers["User-Agent"], request.headers.get("Cookie", "")))
        return httpx.Response(200, headers={"Set-Cookie": "JSESSIONID=abc123; Path=/"})

    client = make_client(handler)
    client.post("https://adr.example/som/otsing", data={"pageNumber": "1"})
    client.post("https://adr.example/som/otsing", data={"pageNumber": "2"})
    assert seen == [(UA, ""), (UA, "JSESSIONID=abc123")]


def test_client_from_settings_uses_the_configured_user_agent_and_manners(settings):
    settings.DOKREG_USER_AGENT = "dokreg/9 (+https://example.org)"
    settings.DOKREG_REQUEST_INTERVAL = 0.75
    settings.DOKREG_REQUEST_RETRIES = 2
    client = client_from_settings()
    assert client.user_agent == "dokreg/9 (+https://example.org)"
    assert client.interval == 0.75
    assert client.retries == 2
    client.close()


def test_files_over_the_limit_are_refused_even_without_a_content_length():
    def handler(request):
        if request.url.path == "/sized":
            return httpx.Response(200, content=b"x" * 1000)  # declares Content-Length: 1000
        return httpx.Response(200, stream=_chunks(b"x" * 1000))

    client = make_client(handler)
    assert client.get_bytes("https://adr.example/sized", max_bytes=1000).content == b"x" * 1000
    with pytest.raises(TooLarge, match="limit is 999"):
        client.get_bytes("https://adr.example/sized", max_bytes=999)
    with pytest.raises(TooLarge, match="more than 500 bytes"):
        client.get_bytes("https://adr.example/streamed", max_bytes=500)


class _chunks(httpx.SyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self):
        for start in range(0, len(self.data), 100):
            yield self.data[start : start + 100]


def test_a_page_past_the_page_limit_is_refused_not_read_into_memory():
    big = b"<html>" + b"x" * 5000
    client = make_client(
        lambda request: httpx.Response(200, content=big, headers={"Content-Type": "text/html"}),
        max_page_bytes=1000,
    )
    with pytest.raises(TooLarge):
        client.get("https://adr.example/som/dokument/1")


def test_a_document_page_that_comes_as_a_binary_is_not_stored_as_a_capture():
    client = make_client(
        lambda request: httpx.Response(200, content=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    )
    connector = CONNECTORS["tallinn"]("https://tallinn.example/", client)
    with pytest.raises(SourceChanged, match="application/pdf"):
        connector._capture("https://tallinn.example/dokument/1", "1")
