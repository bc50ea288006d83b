"""The sync against a register that misbehaves: errors, timeouts, cut pages, rate limits, a redesign, a captcha.

The simulator serves the faults (`dokreg.simulator.faults`) on loopback; the sync runs in this process with a
polite client whose timeout and backoff are short, so a few thousand documents through thousands of faults
take about a minute. What must hold: every document the register holds is in the archive once, with the
register's values (never blank fields from a broken page); what cannot be read is a visible problem; a
robot check stops all requests to that source.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from urllib.parse import urlencode

import httpx
import pytest

from dokreg.archive.models import Access, Document, FetchState, Problem, SyncDay
from dokreg.cli import cmd_status
from dokreg.errors import BadInput, SourceUnavailable
from dokreg.pipeline.sync import registry_sync
from dokreg.reading.rule import publishable_documents
from dokreg.registries.connectors.adr import AdrConnector
from dokreg.registries.http import PoliteClient
from dokreg.registries.models import Registry
from dokreg.registries.services import registry_save
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer
from dokreg.simulator.adr import AdrSite
from dokreg.simulator.faults import Faults
from dokreg.simulator.web import Request

START = date(2025, 12, 1)
CLIENT_TIMEOUT = 0.3


def polite_client(retries: int = 4) -> PoliteClient:
    # Short timeout and backoff keep thousands of faults fast; Retry-After is still obeyed in full.
    return PoliteClient(
        user_agent="dokreg-test", interval=0, timeout=CLIENT_TIMEOUT, retries=retries, backoff=0.02
    )


def sync(registry: Registry, server: SimulatorServer, days: int, retries: int = 4):
    connector = AdrConnector(server.base_url(registry.slug), polite_client(retries))
    return registry_sync(
        registry=registry,
        since=START,
        until=START + timedelta(days=days - 1),
        connector=connector,
        isolate=False,
    )


def small_site() -> AdrSite:
    return AdrSite(Corpus(CorpusConfig(bodies=1, days=1, docs_per_day=10, big_day_every=0, files="none")))


def search_request(day: date, page: int = 1) -> Request:
    when = f"{day:%d.%m.%Y}"
    body = urlencode({"regDateBegin": when, "regDateEnd": when, "pageNumber": page}).encode()
    return Request("POST", "/som/otsing", body=body)


# --- the hook on its own -------------------------------------------------------------------------


def test_random_faults_depend_on_the_seed_and_the_request_only_and_pass_on_retry():
    site = small_site()
    docs = [f"/som/dokument/{d.id}" for d in site.corpus.documents("som")]
    paths = docs * 40  # 400 requests, each document 40 times

    def run(seed: int, order: list[str]) -> dict[str, list[int]]:
        faults = Faults(seed=seed, error_500=0.3, timeout=0.0, truncated=0.2, truncate_mode="short")
        faults.bind(site)
        answers: dict[str, list[int]] = {}
        for path in order:
            answer = faults.intercept(Request("GET", path))
            answers.setdefault(path, []).append(answer.status if answer.kind != "truncated" else -1)
        return answers

    first = run(4, paths)
    assert run(4, list(reversed(paths))) == first  # order (threads, timing) does not matter
    assert run(5, paths) != first
    hit = [path for path, statuses in first.items() if statuses[0] != 200]
    assert hit, "a 50 % fault rate hits some of ten documents"
    # Only the first attempt of a request can be hit: every retry is answered normally.
    assert all(statuses[1:] == [200] * 39 for statuses in first.values())


def test_a_burst_of_429_asks_to_come_back_and_a_cut_page_breaks_mid_table():
    site = small_site()
    faults = Faults(burst_429_every=3, burst_429_length=2, retry_after="1")
    faults.bind(site)
    statuses = [faults.intercept(Request("GET", "/som/")).status for _ in range(6)]
    assert statuses == [200, 200, 429, 429, 200, 429]
    burst = Faults(burst_429_every=1, burst_429_length=1).intercept(Request("GET", "/som/"))
    assert burst.headers == (("Retry-After", "1"),) and burst.kind == "rate_limited"

    cut = Faults(truncated=1.0, truncate_mode="short")
    cut.bind(site)
    whole = site.handle(search_request(START)).body
    page = cut.intercept(search_request(START)).body
    assert whole.startswith(page) and b"<table" in page and b"</table>" not in page[page.find(b"<table") :]
    assert cut.injected == {"truncated": 1}


def test_faults_compose_and_stay_in_their_scope():
    site = small_site()
    captcha = Faults(scope="/other/", robot_check_after=0)
    errors = Faults(error_500=1.0)
    chain = captcha | errors
    chain.bind(site)
    assert chain.intercept(Request("GET", "/other/otsing")).kind == "robot_check"
    assert chain.intercept(Request("GET", "/som/otsing")).status == 500
    assert captcha.seen == 1 and errors.seen == 1  # the captcha hook never saw /som/
    with pytest.raises(BadInput, match="rates"):
        Faults(error_500=0.7, timeout=0.5)


def test_the_polite_client_retries_through_a_cut_connection_a_timeout_and_a_500():
    corpus = Corpus(CorpusConfig(bodies=1, days=1, docs_per_day=5, big_day_every=0, files="none"))
    doc = corpus.documents("som")[0]
    url_path = f"/som/dokument/{doc.id}"
    for fault in ({"truncated": 1.0}, {"timeout": 1.0, "timeout_seconds": 0.6}, {"error_500": 1.0}):
        faults = Faults(**fault)
        with SimulatorServer(corpus, faults=faults) as server, polite_client() as client:
            response = client.get(server.url + url_path)
            assert response.status_code == 200 and doc.reference.encode() in response.content
            assert faults.seen == 2 and sum(faults.injected.values()) == 1, fault
    # With no retries left the cut connection is a SourceUnavailable naming the URL, not a short page.
    with (
        SimulatorServer(corpus, faults=Faults(truncated=1.0)) as server,
        polite_client(retries=0) as client,
        pytest.raises(SourceUnavailable, match=f"{url_path}: connection failed"),
    ):
        client.get(server.url + url_path)
    with (
        pytest.raises(httpx.RemoteProtocolError),
        SimulatorServer(corpus, faults=Faults(truncated=1.0)) as server,
    ):
        httpx.get(server.url + url_path)


# --- the sync through faults -----------------------------------------------------------------------


# "A few thousand documents": 18 days of this corpus hold about 2,500.
FAULT_DAYS = 18


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sync_through_faults_ends_with_the_whole_register(capsys):
    corpus = Corpus(
        CorpusConfig(
            bodies=1, days=FAULT_DAYS, start=START, docs_per_day=100, big_day_every=2, seed=5, files="none"
        )
    )
    source = {str(d.id): d for d in corpus.documents("som")}
    # Three documents whose pages were redesigned: one public and one AK on an ordinary day, one on a big day.
    changed = {
        str(next(d.id for d in source.values() if d.registered == START and d.is_public)),
        str(next(d.id for d in source.values() if d.registered == START and not d.is_public)),
        str(next(d.id for d in source.values() if d.registered == START + timedelta(days=1))),
    }
    faults = Faults(
        seed=11,
        error_500=0.05,
        timeout=0.02,
        timeout_seconds=CLIENT_TIMEOUT * 2,
        truncated=0.01,
        burst_429_every=500,
        burst_429_length=3,
        retry_after="1",
        markup_change=changed,
    )
    started = time.monotonic()
    with SimulatorServer(corpus, faults=faults) as server:
        registry = registry_save(slug="som", family="adr", base_url=server.base_url("som"), name="")
        # Two retries: a burst of three 429s outlasts one request's attempts, so some work is left over.
        first = sync(registry, server, days=FAULT_DAYS, retries=2)
        left_over = set(
            Document.objects.filter(registry=registry, fetch_state=FetchState.FAILED)
            .exclude(source_id__in=changed)
            .values_list("source_id", flat=True)
        )
        incomplete_first = list(first.incomplete_days)
        never_listed = set(source) - set(Document.objects.values_list("source_id", flat=True))
        # The second run has the default four retries, which outlast a burst.
        second = sync(registry, server, days=FAULT_DAYS)
        requests = faults.seen
    elapsed = time.monotonic() - started
    with capsys.disabled():  # the figures belong in the report of a -s run
        print(
            f"\n{len(source)} documents, {requests} requests in {elapsed:.0f} s; faults {dict(faults.injected)}; "
            f"first run: {first.summary()}; left for the second run: {len(left_over)} failed and "
            f"{len(never_listed)} unlisted documents, days {incomplete_first}; second run: {second.summary()}"
        )
    assert len(source) > 1300
    for kind in ("error_500", "timeout", "truncated", "burst_429", "markup_change"):
        assert faults.injected[kind] > 0, kind
    assert faults.injected["error_500"] > 0.03 * requests and faults.injected["timeout"] > 0.01 * requests
    # Some work ran out of retries in the first run (the bursts see to it); the second run finished it.
    assert left_over or set(incomplete_first) - {START, START + timedelta(days=1)}
    assert second.failed == len(changed) and second.new == len(left_over | never_listed)

    stored = Document.objects.filter(registry=registry)
    ids = list(stored.values_list("source_id", flat=True))
    assert len(ids) == len(set(ids)) and set(ids) == set(source)
    for document in stored.filter(fetch_state=FetchState.OK):
        sim = source[document.source_id]
        expected = (sim.reference, sim.registered, sim.title, sim.doc_type, sim.function, sim.channel)
        actual = (document.reference, document.registered, document.title, document.doc_type)
        assert actual + (document.function, document.channel) == expected, document.source_id
        assert document.access == (Access.PUBLIC if sim.is_public else Access.AK)
    assert stored.filter(fetch_state=FetchState.OK).count() == len(source) - len(changed)

    # The redesigned pages: problems with the source_changed code, documents listed but never filled in.
    for document in stored.filter(source_id__in=changed):
        assert document.fetch_state == FetchState.FAILED and document.error_code == "source_changed"
        assert document.title == source[document.source_id].title  # from the result list, not a blank page
        assert not document.function and not document.channel  # nothing read from the changed page
    assert not publishable_documents().filter(registry=registry, source_id__in=changed).exists()
    problems = Problem.objects.filter(registry=registry, resolved_at__isnull=True)
    assert {p.code for p in problems} == {"source_changed"}
    assert {p.subject.rsplit("/", 1)[-1] for p in problems} == changed
    incomplete = set(SyncDay.objects.filter(registry=registry, complete=False).values_list("day", flat=True))
    assert incomplete == {START, START + timedelta(days=1)}

    capsys.readouterr()
    cmd_status(argparse.Namespace(registry="som", all=False))
    status = capsys.readouterr().out
    for source_id in changed:
        assert f"source_changed       {server.base_url('som')}dokument/{source_id}" in status


def robot_checked_sync(files: str) -> tuple[Registry, Faults, object]:
    corpus = Corpus(
        CorpusConfig(bodies=1, days=2, start=START, docs_per_day=30, big_day_every=0, seed=2, files=files)
    )
    faults = Faults(robot_check_after=ROBOT_CHECK_AFTER)
    with SimulatorServer(corpus, faults=faults) as server:
        registry = registry_save(slug="som", family="adr", base_url=server.base_url("som"), name="")
        report = sync(registry, server, days=2)
        registry.refresh_from_db()
        again = sync(registry, server, days=2)
    return registry, faults, (report, again)


ROBOT_CHECK_AFTER = 25  # the form, a few searches and some documents of the first day


@pytest.mark.django_db(transaction=True)
def test_a_robot_check_pauses_the_source_and_nothing_more_is_asked_of_it():
    registry, faults, (report, again) = robot_checked_sync(files="none")
    assert registry.state == Registry.State.PAUSED
    assert "robot check" in registry.state_reason and "recaptcha" in registry.state_reason
    assert report.paused == registry.state_reason
    # The captcha was answered once; no request came after it (no retry, no next day) ...
    assert faults.injected == {"robot_check": 1} and faults.seen == ROBOT_CHECK_AFTER + 1
    # ... nor on the next run: a paused source is not asked anything.
    assert again.paused.startswith("som is paused") and again.listed == 0
    assert not SyncDay.objects.filter(registry=registry, day=START + timedelta(days=1)).exists()


@pytest.mark.django_db(transaction=True)
def test_a_robot_check_stops_file_downloads_from_that_source_too():
    registry, faults, _ = robot_checked_sync(files="pdf")
    assert registry.state == Registry.State.PAUSED
    assert faults.injected == {"robot_check": 1} and faults.seen == ROBOT_CHECK_AFTER + 1


@pytest.mark.django_db(transaction=True)
def test_a_page_cut_short_without_a_transport_error_is_not_stored_with_blank_fields():
    corpus = Corpus(
        CorpusConfig(bodies=1, days=1, start=START, docs_per_day=10, big_day_every=0, files="none")
    )
    with SimulatorServer(
        corpus, faults=Faults(truncated=1.0, truncate_mode="short", scope="/som/dokument/")
    ) as server:
        registry = registry_save(slug="som", family="adr", base_url=server.base_url("som"), name="")
        sync(registry, server, days=1)
    for document in Document.objects.filter(registry=registry):
        assert document.fetch_state != FetchState.OK or document.title, document.source_id
