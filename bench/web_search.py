"""The public archive at scale: search at 100k and 1M documents, pages over HTTP, a Datasette peer.

    python bench/web_search.py search --sizes 100000,1000000 --out bench/out/web-search.json
    python bench/web_search.py web --docs 100000 --out bench/out/web-http.json

``search``: for each size, IndexDocs are made from the simulator corpus a chunk of days at a time
(never all in memory) and streamed into the real ``IndexWriter``; then the fixed query mix of
bench/queries.txt runs through the real ``search()`` with and without facet counts.

``web``: the same documents go straight into a fresh SQLite archive (bulk inserts, metadata only),
into its index (with body text), and into a Datasette peer table with FTS5 (bench/datasette_peer.py).
``dokreg serve`` (granian, 1 and 2 workers) and ``datasette serve`` run on 127.0.0.1 one after
another; ``wrk`` (Debian's package) drives each page or endpoint for a fixed, short time.
No figure is asserted anywhere: see BENCHMARKS.md, section 4.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling bench modules

import datasette_peer  # noqa: E402
from sync_search import (  # noqa: E402
    QUERIES_FILE,
    SEARCH_BODIES,
    SEARCH_DOCS_PER_DAY,
    SEARCH_START,
    Query,
    _percentile,
    body_text,
    django_ready,
    load_queries,
    machine,
    peak_rss_mib,
)

# One Corpus per 100 days (5 bodies x 40 a day = about 20k documents), dropped before the next.
CHUNK_DAYS = 100
TALLINN = ZoneInfo("Europe/Tallinn")
# wrk's script: each thread reads the path list once and its connections take the paths in turn;
# done() prints the figures as one JSON line (wrk's own report has no p95).
WRK_LUA = """
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths) - 1
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "status_errors": %d, "socket_errors": %d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


# -- documents, streamed --------------------------------------------------------------------------


def stream_docs(
    size: int, text: str = "full", seed: int = 0, chunk_days: int = CHUNK_DAYS
) -> Iterator[tuple[object, object]]:
    """(IndexDoc, SimDocument) for about ``size`` documents, doc_id 1, 2, … in order.

    Each chunk is its own Corpus (seed = chunk number), so references restart their running numbers
    per chunk: a bare reference can match a few documents at 1M. ``text="full"`` is section 2's body
    (the simulator's 3-5 paragraphs + 8-25 generated sentences); ``"short"`` the paragraphs only.
    """
    from dokreg.search import IndexDoc
    from dokreg.simulator.corpus import Corpus, CorpusConfig

    days = max(1, math.ceil(size / (SEARCH_BODIES * SEARCH_DOCS_PER_DAY)))
    rng = random.Random(size + seed)
    doc_id = 0
    for chunk, first in enumerate(range(0, days, chunk_days)):
        corpus = Corpus(
            CorpusConfig(
                bodies=SEARCH_BODIES,
                days=min(chunk_days, days - first),
                start=SEARCH_START + timedelta(days=first),
                docs_per_day=SEARCH_DOCS_PER_DAY,
                big_day_every=0,
                files="none",
                seed=chunk + 1,
            )
        )
        for spec in corpus.bodies:
            for sim in corpus.documents(spec.slug):
                doc_id += 1
                public = sim.is_public
                body = (
                    ""
                    if not public
                    else body_text(sim, rng)
                    if text == "full"
                    else "\n\n".join(sim.paragraphs)
                )
                yield (
                    IndexDoc(
                        doc_id=doc_id,
                        registry=spec.slug,
                        registry_name=spec.name,
                        reference=sim.reference,
                        title=sim.title,
                        doc_type=sim.doc_type,
                        registered=sim.registered,
                        access="public" if public else "ak",
                        correspondent=sim.correspondent,
                        function=sim.function,
                        series=sim.series,
                        case_file=sim.case_file,
                        sender_reference=sim.sender_reference,
                        responsible=sim.responsible,
                        channel=sim.channel,
                        text=body,
                        file_names=(f"{sim.reference.replace('/', '')} {sim.doc_type}.pdf",)
                        if public
                        else (),
                    ),
                    sim,
                )
        del corpus


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- 1. search at scale ---------------------------------------------------------------------------


def search_at_scale(
    size: int, queries: list[Query], rounds: int, work_dir: Path, text: str, keep: bool = False
) -> dict:
    from dokreg.search import IndexWriter

    index_dir = work_dir / f"index-{size}"
    load_before = _load()
    count = chars = 0
    make_s = 0.0
    started = time.perf_counter()
    with IndexWriter(index_dir, batch_size=2_000) as writer:
        docs = stream_docs(size, text)
        while True:
            t0 = time.perf_counter()
            item = next(docs, None)
            make_s += time.perf_counter() - t0
            if item is None:
                break
            doc = item[0]
            writer.add(doc)
            count += 1
            chars += len(doc.text)
            if count % 100_000 == 0:
                print(f"  {size}: {count} added, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    build_s = time.perf_counter() - started
    result = {
        "size": size,
        "documents": count,
        "text": text,
        "body_text_mb": round(chars / 1e6, 1),
        "build_s": round(build_s, 1),
        "make_docs_s": round(make_s, 1),
        "index_docs_per_s": round(count / (build_s - make_s), 0),
        "index_mib": round(_dir_bytes(index_dir) / 2**20, 1),
        **time_queries(index_dir, queries, rounds),
        "peak_rss_mib": peak_rss_mib(),
        "load_before": load_before,
        "load_after": _load(),
    }
    if not keep:  # kept for bench/search_engine.py, which times every column on one index
        shutil.rmtree(index_dir, ignore_errors=True)
    return result


def time_queries(index_dir: Path, queries: list[Query], rounds: int) -> dict:
    """The mix with facets off (hits only) and on (the results page), interleaved per query; every
    search computed afresh (a result kept from the warm-up would time the cache)."""
    from dokreg.search import services

    kept, services.CACHED_RESULTS = services.CACHED_RESULTS, 0
    try:
        return _timed_mix(index_dir, queries, rounds)
    finally:  # the smoke tests run this in the test process
        services.CACHED_RESULTS = kept


def _timed_mix(index_dir: Path, queries: list[Query], rounds: int) -> dict:
    from dokreg.search import search

    def run(query: Query, facets: bool) -> tuple[float, int]:
        t0 = time.perf_counter()
        found = search(
            query.text, filters=query.filters, sort=query.sort, limit=20, facets=facets, index_dir=index_dir
        )
        return (time.perf_counter() - t0) * 1000, found.total

    totals = {q.line: run(q, False)[1] for q in queries}  # warm-up: opens the reader, fills caches
    for q in queries:
        run(q, True)
    plain: dict[str, list[float]] = {q.line: [] for q in queries}
    faceted: dict[str, list[float]] = {q.line: [] for q in queries}
    for _ in range(rounds):
        for q in queries:
            plain[q.line].append(run(q, False)[0])
            faceted[q.line].append(run(q, True)[0])
    return {
        "queries": len(queries),
        "samples": len(queries) * rounds,
        "hits_only": _summary([ms for values in plain.values() for ms in values]),
        "facets": _summary([ms for values in faceted.values() for ms in values]),
        "slowest_with_facets": _slowest(faceted, totals),
        "mean_hits": round(statistics.fmean(totals.values()), 1),
        "zero_hit_queries": [line for line, total in totals.items() if total == 0],
    }


def _slowest(timings: dict[str, list[float]], totals: dict[str, int], n: int = 6) -> list[dict]:
    medians = sorted(((line, statistics.median(ms)) for line, ms in timings.items()), key=lambda x: -x[1])
    return [{"query": line, "median_ms": round(ms, 1), "hits": totals[line]} for line, ms in medians[:n]]


def _summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50_ms": round(_percentile(ordered, 50), 2),
        "p95_ms": round(_percentile(ordered, 95), 2),
        "p99_ms": round(_percentile(ordered, 99), 2),
        "max_ms": round(ordered[-1], 2),
    }


# -- 2. the archive: database, index and peer from one stream -------------------------------------


def build_archive(docs: int, work_dir: Path, text: str, chunk_days: int = CHUNK_DAYS) -> dict:
    """Documents bulk-inserted (metadata), indexed (with text) and written to the peer, in one pass."""
    from django.db import transaction
    from django.utils import timezone

    from dokreg.archive.models import Document
    from dokreg.registries.models import Registry
    from dokreg.search import IndexWriter

    peer = datasette_peer.PeerDb(work_dir / f"{datasette_peer.DB_NAME}.db")
    registries: dict[str, Registry] = {}
    now = timezone.now()
    batch: list[Document] = []
    rows: list[tuple] = []
    count = 0
    started = time.perf_counter()
    with IndexWriter(batch_size=2_000) as writer:
        for doc, sim in stream_docs(docs, text, chunk_days=chunk_days):
            registry = registries.get(doc.registry) or _registry(registries, doc)
            batch.append(_document(doc, sim, registry, now))
            rows.append(datasette_peer.peer_row(doc))
            writer.add(doc)
            count += 1
            if len(batch) >= 5_000:
                _flush(batch, rows, peer, transaction)
    _flush(batch, rows, peer, transaction)
    try:  # the per-body monthly statistics the archive's writes keep; bulk inserts bypass them
        from dokreg.archive.stats import body_months_rebuild

        body_months_rebuild()
    except ImportError:
        pass
    for registry in registries.values():
        own = Document.objects.filter(registry=registry)
        registry.document_count = own.count()
        registry.newest_registered = own.order_by("-registered").values_list("registered", flat=True).first()
        registry.save(update_fields=["document_count", "newest_registered"])
    archive_s = time.perf_counter() - started
    t0 = time.perf_counter()
    peer.finish()
    from django.conf import settings

    return {
        "documents": count,
        "archive_and_index_s": round(archive_s, 1),
        "peer_fts_s": round(time.perf_counter() - t0, 1),
        "sqlite_mib": round(_sqlite_bytes(Path(settings.DATABASES["default"]["NAME"])) / 2**20, 1),
        "index_mib": round(_dir_bytes(Path(settings.INDEX_DIR)) / 2**20, 1),
        "peer_mib": round(peer.path.stat().st_size / 2**20, 1),
    }


def index_again(docs: int, work_dir: Path, text: str) -> dict:
    """The archive's index made anew from the same documents (its database holds no body text, so
    `dokreg reindex` cannot), in DOKREG_INDEX_SHARDS shards: one archive, two index layouts to compare."""
    from django.conf import settings

    from dokreg.search import IndexWriter, index_clear

    built = json.loads((work_dir / "build.json").read_text(encoding="utf-8"))
    if built.get("documents_asked") != docs or built.get("text") != text:
        sys.exit(f"{work_dir} holds no archive of {docs} documents ({text} text): run `build` first")
    index_clear()
    count = 0
    started = time.perf_counter()
    with IndexWriter(batch_size=2_000) as writer:
        for doc, _ in stream_docs(docs, text):
            writer.add(doc)
            count += 1
    return {
        "documents": count,
        "shards": settings.INDEX_SHARDS,
        "index_s": round(time.perf_counter() - started, 1),
        "index_mib": round(_dir_bytes(Path(settings.INDEX_DIR)) / 2**20, 1),
        "peak_rss_mib": peak_rss_mib(),
    }


def archive_once(docs: int, work_dir: Path, text: str) -> dict:
    """build_archive, or the archive an earlier run left in ``work_dir`` (its build.json says so).

    A 1M-document archive takes many minutes to build; ``--work-dir`` keeps it for the next run.
    """
    marker = work_dir / "build.json"
    if marker.exists():
        built = json.loads(marker.read_text(encoding="utf-8"))
        if built.get("documents_asked") == docs and built.get("text") == text:
            return {**built, "reused": True}
    built = {**build_archive(docs, work_dir, text), "documents_asked": docs, "text": text}
    built["peak_rss_mib"] = peak_rss_mib()
    marker.write_text(json.dumps(built, indent=2) + "\n", encoding="utf-8")
    return built


def _sqlite_bytes(db: Path) -> int:
    """The database file and its WAL (bulk inserts may not be checkpointed yet)."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def _registry(registries: dict, doc) -> object:
    from dokreg.registries.services import registry_save

    registries[doc.registry] = registry_save(
        slug=doc.registry,
        family="adr",
        base_url=f"http://127.0.0.1:9/{doc.registry}/",
        name=doc.registry_name,
    )
    return registries[doc.registry]


def _document(doc, sim, registry, now) -> object:
    from dokreg.archive.models import Document

    return Document(
        id=doc.doc_id,
        registry=registry,
        source_id=str(doc.doc_id),  # chunks restart the simulator's ids; ours are unique
        fetch_state="ok",
        reference=doc.reference,
        registered=doc.registered,
        doc_type=doc.doc_type,
        title=doc.title,
        function=doc.function,
        series=doc.series,
        case_file=doc.case_file,
        access=doc.access,
        access_text=sim.access,
        restriction_basis=sim.restriction_basis,
        restriction_begins=sim.restriction_begins,
        restriction_ends=sim.restriction_ends,
        sender_reference=doc.sender_reference,
        correspondent=doc.correspondent,
        channel=doc.channel,
        responsible=doc.responsible,
        due_date=sim.due_date,
        sent_at=sim.sent_at.replace(tzinfo=TALLINN) if sim.sent_at else None,
        first_seen_at=now,
        last_checked_at=now,
        index_dirty=False,
    )


def _flush(batch: list, rows: list, peer, transaction) -> None:
    from dokreg.archive.models import Document

    with transaction.atomic():
        Document.objects.bulk_create(batch, batch_size=1_000)
    peer.add(rows)
    batch.clear()
    rows.clear()


# -- 3. servers and load --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dokreg_start(
    data_dir: Path, port: int, workers: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DOKREG_INDEX_DIR", "DOKREG_FILE_STORE")
    }
    env.update(
        DOKREG_DATA_DIR=str(data_dir),
        # One load generator on one address measures throughput: no per-IP limit applies.
        DOKREG_API_RATE="off",
        DOKREG_PAGE_RATE="off",
        DOKREG_SEARCH_RATE="off",
        DOKREG_SECRET_KEY=os.environ.get("DOKREG_SECRET_KEY") or "bench-" + os.urandom(24).hex(),
        DJANGO_SETTINGS_MODULE="dokreg.conf.settings",
    )
    env.update(extra_env or {})
    command = [sys.executable, "-m", "dokreg", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    """Stop a server this script started: its own process group (granian's workers are in it)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(5)


def wait_ready(port: int, path: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            if get(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server on port {port} did not answer {path} within {seconds} s")


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wrk(port: int, paths: list[str], seconds: float, threads: int, connections: int, work_dir: Path) -> dict:
    """One wrk run over ``paths`` in turn (each connection cycles through them); bounded by ``seconds``."""
    path_file = work_dir / f"paths-{port}-{abs(hash(tuple(paths)))}.txt"
    path_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    lua = work_dir / "paths.lua"
    lua.write_text(WRK_LUA, encoding="utf-8")
    command += ["-s", str(lua), f"http://127.0.0.1:{port}", "--", str(path_file)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {done.stdout[-500:]} {done.stderr[-500:]}")
    raw = json.loads(line[5:])
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "req_per_s": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "non_2xx": raw["status_errors"],
        "socket_errors": raw["socket_errors"],
    }


def dokreg_params(query: Query, extra: list[tuple[str, str]] = ()) -> str:
    f = query.filters
    params = [("q", query.text)] if query.text else []
    params += [("registry", r) for r in f.registries] + [("type", t) for t in f.doc_types]
    params += [("access", a) for a in f.access]
    if f.date_from:
        params.append(("date_from", f.date_from.isoformat()))
    if f.date_to:
        params.append(("date_to", f.date_to.isoformat()))
    if query.sort == "date":
        params.append(("sort", "date"))
    return urlencode([*params, *extra])


def hit_counts(port: int, paths: list[str], total_of) -> list[int | None]:
    """Each query once: the total its engine reports (None for an error answer)."""
    out = []
    for path in paths:
        status, body = get(port, path)
        out.append(total_of(json.loads(body)) if status == 200 else None)
    return out


def hits_summary(counts: list[int | None]) -> dict:
    answered = [c for c in counts if c is not None]
    return {
        "mean_hits": round(statistics.fmean(answered), 1) if answered else 0,
        "zero_hit_queries": sum(1 for c in answered if c == 0),
        "error_answers": sum(1 for c in counts if c is None),
    }


def web_bench(args: argparse.Namespace, work_dir: Path) -> dict:
    from django.db.models import Count

    from dokreg.archive.models import Document
    from dokreg.reading import sitemap

    queries = load_queries(args.queries)
    built = archive_once(args.docs, work_dir, args.text)
    rng = random.Random(7)
    doc_ids = rng.sample(range(1, built["documents"] + 1), min(2_000, built["documents"]))
    # The results page always counts its facets; this variant also has two facet values ticked.
    som_types = Document.objects.filter(registry__slug="som").values("doc_type").annotate(n=Count("id"))
    top_type = max(som_types, key=lambda row: row["n"])["doc_type"]
    ticked = [("registry", "som"), ("type", top_type)]
    bodies = sorted(Document.objects.values_list("registry__slug", flat=True).distinct())
    pages = {
        "document page": [f"/dokument/{i}/" for i in doc_ids],
        "results page (query mix)": [f"/otsi/?{dokreg_params(q)}" for q in queries],
        f"results page, facets ticked (som, {top_type})": [
            f"/otsi/?{dokreg_params(q, ticked)}" for q in queries
        ],
        "home page": ["/"],
        "results page, no words (newest first)": ["/otsi/", "/otsi/?registry=som", "/otsi/?page=7"],
        "body page /asutus/<slug>/": [f"/asutus/{slug}/" for slug in bodies],
        "body's year page and series tree": [
            *(f"/asutus/{slug}/2024/" for slug in bodies),
            *(f"/asutus/{slug}/sarjad/" for slug in bodies),
        ],
        "API /api/v1/documents?q=…": [
            f"/api/v1/documents?{dokreg_params(q, [('limit', '20')])}" for q in queries
        ],
        "sitemap index /sitemap.xml": ["/sitemap.xml"],
        # The first page of every section (up to 10,000 addresses each); each is built on its first
        # request in a process and kept after that, so a row this long is mostly kept pages.
        "sitemap section page": [
            f"/sitemap-{slug}-{year if year is not None else 'undated'}.xml"
            for slug, year in sitemap.sections()
        ],
    }
    peer_pages = {
        "Datasette /peer/documents.json?_search=…": [datasette_peer.peer_path(q) for q in queries],
        "Datasette, + _facet=registry&_facet=doc_type": [
            datasette_peer.peer_path(q, facets=True) for q in queries
        ],
    }
    api_paths = pages["API /api/v1/documents?q=…"]
    if args.pages:
        wanted = [w.strip() for w in args.pages.split(",") if w.strip()]
        pages = {name: paths for name, paths in pages.items() if any(w in name for w in wanted)}
    runs: list[dict] = []
    dokreg_hits: list[int | None] = []
    servers = [(f"dokreg serve, {w} worker(s)", w, None) for w in args.workers]
    if args.before_src:
        # Older code on the same archive, e.g. ``git archive <commit> src | tar -x -C /tmp/x``.
        servers.insert(0, (f"before ({args.before_src}), 1 worker", 1, {"PYTHONPATH": str(args.before_src)}))
    for name, workers, extra in servers:
        port = args.port or free_port()
        server = dokreg_start(Path(os.environ["DOKREG_DATA_DIR"]), port, workers, extra)
        try:
            wait_ready(port, "/", server)
            # Long enough for every worker to load Vabamorf before anything is timed.
            wrk(port, api_paths, args.warmup * 3, args.threads, max(args.connections), work_dir)
            if not dokreg_hits:
                dokreg_hits = hit_counts(port, api_paths, lambda answer: answer["total"])
            measured = _measure(name, port, pages, args, work_dir)
            rss = server_peak_rss_mib(server.pid)
            parts = server_rss_parts_mib(server.pid)
            runs += [{**row, "server_peak_rss_mib": rss, "server_rss_parts_mib": parts} for row in measured]
        finally:
            stop(server)
    peer_hits: list[int | None] = []
    raw_hits: list[int | None] = []
    if args.datasette and datasette_peer.datasette_available():
        port = free_port()
        server = datasette_peer.datasette_start(work_dir / f"{datasette_peer.DB_NAME}.db", port)
        try:
            wait_ready(port, f"/{datasette_peer.DB_NAME}/{datasette_peer.TABLE}.json?_size=1", server)
            peer_paths = peer_pages["Datasette /peer/documents.json?_search=…"]
            peer_hits = hit_counts(port, peer_paths, lambda answer: answer["filtered_table_rows_count"])
            # FTS5's own syntax (OR, NOT, prefix*, column:word) works only in raw mode; counted, not timed.
            raw_paths = [f"{path}&_searchmode=raw" for path in peer_paths]
            raw_hits = hit_counts(port, raw_paths, lambda answer: answer["filtered_table_rows_count"])
            runs += _measure("datasette serve (1 process)", port, peer_pages, args, work_dir)
        finally:
            stop(server)
    return {
        "archive": built,
        "wrk": {"threads": args.threads, "connections": args.connections, "seconds": args.duration},
        "runs": runs,
        "hits": {
            "dokreg": hits_summary(dokreg_hits),
            "datasette": hits_summary(peer_hits) if peer_hits else None,
            "datasette_raw": hits_summary(raw_hits) if raw_hits else None,
            "per_query": [
                {
                    "query": q.line,
                    "dokreg": d,
                    "datasette": peer_hits[i] if peer_hits else None,
                    "datasette_raw": raw_hits[i] if raw_hits else None,
                }
                for i, (q, d) in enumerate(zip(queries, dokreg_hits, strict=True))
            ],
        },
    }


def _server_memory_kib(session_pid: int) -> list[dict[str, int]]:
    """VmHWM, RssAnon and RssFile (KiB) of each process of the server's session (granian's workers)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if os.getsid(int(status.parent.name)) != session_pid:
                continue
        except (OSError, ValueError):
            continue
        found.append({k: int(fields.get(k, "0 kB").split()[0]) for k in ("VmHWM", "RssAnon", "RssFile")})
    return found


def server_peak_rss_mib(session_pid: int) -> float:
    """The largest peak resident set (VmHWM) among the server's processes."""
    return round(max((p["VmHWM"] for p in _server_memory_kib(session_pid)), default=0) / 1024, 1)


def server_rss_parts_mib(session_pid: int) -> dict:
    """The largest worker's resident set now, split: private memory (RssAnon) and mapped files
    (RssFile: the index's segments, shared libraries), which the page cache shares with every
    process reading them and the kernel drops under pressure."""
    largest = max(_server_memory_kib(session_pid), key=lambda p: p["RssAnon"], default=None)
    if largest is None:
        return {"anon": 0.0, "file": 0.0}
    return {"anon": round(largest["RssAnon"] / 1024, 1), "file": round(largest["RssFile"] / 1024, 1)}


def _measure(server: str, port: int, pages: dict[str, list[str]], args, work_dir: Path) -> list[dict]:
    """Each page at each concurrency: one connection shows a request's own time, more show queueing."""
    rows = []
    for name, paths in pages.items():
        for connections in args.connections:
            wrk(port, paths, args.warmup, args.threads, connections, work_dir)
            load = _load()
            figures = wrk(port, paths, args.duration, args.threads, connections, work_dir)
            row = {"server": server, "page": name, "paths": len(paths), "connections": connections}
            rows.append({**row, **figures, "load_before": load})
            print(f"  {server}: {name}, c={connections}: {figures['req_per_s']} req/s", file=sys.stderr)
    return rows


# -- output ---------------------------------------------------------------------------------------


def markdown(results: dict) -> str:
    lines: list[str] = []
    if results.get("search"):
        lines += [
            "| documents | text | build | docs/s | index | p50 | p95 | p99 | facets p50 | facets p95 | facets p99 "
            "| mean hits | peak RSS | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results["search"]:
            h, f = r["hits_only"], r["facets"]
            lines.append(
                f"| {r['documents']:,} | {r['body_text_mb']} MB | {r['build_s']} s | {r['index_docs_per_s']:,.0f} "
                f"| {r['index_mib']} MiB | {h['p50_ms']} | {h['p95_ms']} | {h['p99_ms']} | {f['p50_ms']} "
                f"| {f['p95_ms']} | {f['p99_ms']} | {r['mean_hits']:,} | {r['peak_rss_mib']['self']} MiB "
                f"| {r['load_before'][0]} → {r['load_after'][0]} |"
            )
        lines.append("")
    web = results.get("web")
    if web:
        a = web["archive"]
        lines += [
            f"archive: {a['documents']:,} documents, SQLite {a['sqlite_mib']} MiB, index {a['index_mib']} MiB, "
            f"peer {a['peer_mib']} MiB; built in {a['archive_and_index_s']} s (+ FTS5 {a['peer_fts_s']} s)",
            "",
            "| server | page | paths | clients | req/s | p50 ms | p95 ms | p99 ms | non-2xx | load (1 min) "
            "| server peak RSS |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in web["runs"]:
            lines.append(
                f"| {r['server']} | {r['page']} | {r['paths']} | {r['connections']} | {r['req_per_s']} "
                f"| {r['p50_ms']} | {r['p95_ms']} "
                f"| {r['p99_ms']} | {r['non_2xx']} | {r['load_before'][0]} "
                f"| {r.get('server_peak_rss_mib', '')} MiB "
                f"(anon {r.get('server_rss_parts_mib', {}).get('anon', '')}, "
                f"files {r.get('server_rss_parts_mib', {}).get('file', '')}) |"
            )
        lines += [
            "",
            "| engine | mean hits / query | queries with 0 hits | error answers |",
            "|---|---|---|---|",
        ]
        for engine in ("dokreg", "datasette", "datasette_raw"):
            h = web["hits"][engine]
            if h:
                lines.append(
                    f"| {engine} | {h['mean_hits']:,} | {h['zero_hit_queries']} | {h['error_answers']} |"
                )
        lines.append("")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="part", required=True)
    s = sub.add_parser("search", help="index build and search latency at each size")
    s.add_argument("--sizes", default="100000,1000000", help="comma-separated index sizes")
    s.add_argument("--keep-index", action="store_true", help="leave each index-<size> in --work-dir")
    s.add_argument("--rounds", type=int, default=5, help="timed rounds of the query mix per size")
    b = sub.add_parser("build", help="only build the archive, index and peer into --work-dir, for reuse")
    b.add_argument("--docs", type=int, default=100_000)
    i = sub.add_parser("index", help="make --work-dir's index anew (e.g. with DOKREG_INDEX_SHARDS=2)")
    i.add_argument("--docs", type=int, default=100_000)
    w = sub.add_parser("web", help="pages over HTTP, dokreg and the Datasette peer")
    w.add_argument("--docs", type=int, default=100_000)
    w.add_argument("--workers", default="1,2", help="dokreg serve worker counts to run, in turn")
    w.add_argument(
        "--port",
        type=int,
        help="serve dokreg here (default: a free port); the port of DOKREG_PUBLIC_BASE_URL finds the "
        "sitemap pages workers built for it (bench/figures_warm.py)",
    )
    w.add_argument("--duration", type=float, default=10, help="seconds of wrk per page and server")
    w.add_argument("--warmup", type=float, default=2, help="seconds of wrk before each timed run")
    w.add_argument("--threads", type=int, default=1, help="wrk threads")
    w.add_argument("--connections", default="1,8", help="wrk connections (concurrent clients), each in turn")
    w.add_argument("--no-datasette", dest="datasette", action="store_false")
    w.add_argument("--before-src", type=Path, help="also serve this src/ of older code first (same archive)")
    w.add_argument("--pages", help="comma-separated substrings: time only the pages whose name holds one")
    for p in (s, w, b, i):
        p.add_argument(
            "--text", choices=("full", "short"), default="full", help="body text per public document"
        )
        p.add_argument("--queries", type=Path, default=QUERIES_FILE)
        p.add_argument("--work-dir", type=Path, help="folder to work in (default: a fresh temporary one)")
        p.add_argument("--out", type=Path, help="write the JSON results here")
    args = parser.parse_args(argv)
    if args.part == "search":
        args.size_list = [int(x) for x in args.sizes.split(",") if x.strip()]
    elif args.part == "web":
        args.workers = [int(x) for x in args.workers.split(",") if x.strip()]
        args.connections = [int(x) for x in args.connections.split(",") if x.strip()]
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    shown = argv if argv is not None else sys.argv[1:]
    results: dict = {
        "command": " ".join(["python bench/web_search.py", *shown]),
        "machine": machine(),
        "started": datetime.now().isoformat(timespec="seconds"),
        "load_at_start": _load(),
    }
    if args.part == "web" and shutil.which("wrk") is None:
        sys.exit("wrk is needed for the web part: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="dokreg-web-bench-") as tmp:
        work_dir = (args.work_dir or Path(tmp)).resolve()
        work_dir.mkdir(parents=True, exist_ok=True)
        django_ready(work_dir / "data")
        if args.part == "search":
            queries = load_queries(args.queries)
            results["search"] = [
                search_at_scale(size, queries, args.rounds, work_dir, args.text, args.keep_index)
                for size in args.size_list
            ]
        elif args.part == "build":
            results["build"] = archive_once(args.docs, work_dir, args.text)
        elif args.part == "index":
            results["index"] = index_again(args.docs, work_dir, args.text)
        else:
            results["web"] = web_bench(args, work_dir)
    results["load_at_end"] = _load()
    results["peak_rss_mib"] = peak_rss_mib()
    print(markdown(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
