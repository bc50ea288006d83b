"""The walking skeleton's benchmark: sync speed end to end, and search latency at 10k and 100k documents.

    python bench/sync_search.py --docs 3000 --files asice --search-sizes 10000,100000 --out bench/out/run.json

Sync: a simulated ADR register (served from a forked child process, so it does not share our GIL)
is synced through the real ``registry_sync`` in a fresh data folder with politeness off; the
reporter is wrapped to time the stages. Search: for each size an index is built straight from
simulator documents (metadata + generated Estonian body text) with the real ``IndexWriter``, and
the fixed query mix in bench/queries.txt is run through the real ``search()``.

Everything is measured in this one process; extraction runs in forked children, whose peak RSS
is reported separately (RUSAGE_CHILDREN). No figure here is asserted anywhere: see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
QUERIES_FILE = BENCH_DIR / "queries.txt"
SYNC_START = date(2025, 1, 6)
SEARCH_START = date(2023, 1, 2)
SEARCH_BODIES = 5
SEARCH_DOCS_PER_DAY = 40
SYNC_DOCS_PER_DAY = 30
BIG_DAY_EVERY = 4
BIG_DAY_MEAN = 190  # the simulator's big days hold 130-250 documents


# -- set-up ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=3000, help="about how many documents to sync (0: skip)")
    parser.add_argument("--files", choices=("asice", "pdf", "none"), default="asice")
    parser.add_argument(
        "--bodies", type=int, default=0, help="registers to sync (default: 1 per 1000 docs, max 3)"
    )
    parser.add_argument(
        "--no-isolate", action="store_true", help="extract in-process instead of forked children"
    )
    parser.add_argument(
        "--search-sizes", default="10000,100000", help="comma-separated index sizes ('' skips)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of the query mix per size")
    parser.add_argument("--queries", type=Path, default=QUERIES_FILE)
    parser.add_argument("--work-dir", type=Path, help="data folder to use (default: a fresh temporary one)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the sync here and print its top 15")
    parser.add_argument("--out", type=Path, help="write the JSON results here")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.search_sizes.split(",") if s.strip()]
    return args


def django_ready(data_dir: Path, database_url: str | None = None) -> None:
    """Configure Django on a fresh data folder (env BEFORE setup) and migrate; no-op under pytest-django.

    Without ``database_url`` everything lives under the fresh folder, on SQLite."""
    from django.conf import settings

    if settings.configured:  # pytest-django: the test's settings and database are already in place
        settings.DOKREG_REQUEST_INTERVAL = 0
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DOKREG_DATA_DIR"] = str(data_dir)
    os.environ["DOKREG_REQUEST_INTERVAL"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
    for name in ("DOKREG_FILE_STORE", "DOKREG_INDEX_DIR", "DATABASE_URL"):
        os.environ.pop(name, None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def result_print(result: dict, out: Path | None) -> None:
    """A bench's result as JSON on stdout and, with ``--out``, in that file."""
    print(json.dumps(result, indent=2, ensure_ascii=False))
    result_write(result, out)


def result_write(result: dict, out: Path | None) -> None:
    """A bench's result as JSON in ``out`` (``--out``), when given."""
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    mem_kib = next(
        (int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), 0
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def peak_rss_mib() -> dict:
    """Peak resident set so far: this process, and the largest reaped child (ru_maxrss is KiB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"self": round(own / 1024, 1), "children": round(children / 1024, 1)}


# -- the simulator, in its own process ------------------------------------------------------------


def _simulator_main(config, conn) -> None:
    from dokreg.simulator.corpus import Corpus
    from dokreg.simulator.server import SimulatorServer

    corpus = Corpus(config)
    server = SimulatorServer(corpus).start()
    docs = sum(len(corpus.documents(spec.slug)) for spec in corpus.bodies)
    files = sum(len(d.listed_files) for spec in corpus.bodies for d in corpus.documents(spec.slug))
    conn.send((server.url, docs, files))
    conn.recv()  # block until the parent says stop
    server.stop()
    conn.send(dict(server.requests))


class Simulator:
    """A SimulatorServer in a forked child: its page rendering and file signing cost us no GIL time."""

    def __init__(self, config) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_simulator_main, args=(config, child_conn), daemon=True)
        self._process.start()
        self.url, self.documents, self.files = self._conn.recv()

    def base_url(self, slug: str) -> str:
        return f"{self.url}/{slug}/"

    def stop(self) -> dict:
        self._conn.send("stop")
        requests = self._conn.recv()
        self._process.join(10)
        return requests


# -- sync -----------------------------------------------------------------------------------------

STAGE_NAMES = {"days": "list_fetch_parse_upsert", "files": "download_extract", "index": "index"}


class StageClock:
    """A Reporter that times registry_sync's stages (it announces each with ``stage``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGE_NAMES.values(), 0.0)
        self._current: str | None = None
        self._since = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        self.stop()
        key = name.rsplit(": ", 1)[-1]
        self._current = STAGE_NAMES.get(key, key)
        self._since = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def stop(self) -> None:
        if self._current is not None:
            self.seconds[self._current] = (
                self.seconds.get(self._current, 0.0) + time.perf_counter() - self._since
            )
            self._current = None


def sync_config(docs: int, files: str, bodies: int):
    """A corpus of about ``docs`` documents over ``bodies`` registers, big (capped, split) days included."""
    from dokreg.simulator.corpus import CorpusConfig

    bodies = bodies or max(1, min(3, docs // 1000))
    per_body, days, expected = docs / bodies, 0, 0
    while expected < per_body:
        expected += BIG_DAY_MEAN if days % BIG_DAY_EVERY == BIG_DAY_EVERY - 1 else SYNC_DOCS_PER_DAY
        days += 1
    return CorpusConfig(
        bodies=bodies,
        days=max(1, days),
        start=SYNC_START,
        docs_per_day=SYNC_DOCS_PER_DAY,
        big_day_every=BIG_DAY_EVERY,
        files=files,
    )


def sync_bench(args: argparse.Namespace) -> dict:
    from dokreg.archive.models import Document, File
    from dokreg.pipeline.sync import registry_sync
    from dokreg.registries.services import registry_save

    config = sync_config(args.docs, args.files, args.bodies)
    simulator = Simulator(config)
    clock = StageClock()
    totals: dict[str, int] = {}
    profiler = profiler_start(args.profile)
    started = time.perf_counter()
    try:
        for spec in config.body_specs():
            registry = registry_save(
                slug=f"bench-{spec.slug}",
                family="adr",
                base_url=simulator.base_url(spec.slug),
                name=spec.name,
            )
            report = registry_sync(
                registry=registry,
                since=config.start,
                until=config.start + timedelta(days=config.days - 1),
                reporter=clock,
                isolate=not args.no_isolate,
            )
            clock.stop()
            for name in ("listed", "new", "changed", "failed", "files", "extracted", "indexed"):
                totals[name] = totals.get(name, 0) + getattr(report, name)
            totals["incomplete_days"] = totals.get("incomplete_days", 0) + len(report.incomplete_days)
        seconds = time.perf_counter() - started
    finally:
        if profiler is not None:
            profiler.disable()
        rss = peak_rss_mib()  # before the simulator child is reaped: children = the extraction forks
        requests = simulator.stop()
    if profiler is not None:
        profile_report(profiler, args.profile)
    stored = Document.objects.count()
    stages = {name: round(s, 3) for name, s in clock.seconds.items()}
    stages["other"] = round(max(0.0, seconds - sum(clock.seconds.values())), 3)
    extract_seconds = clock.seconds["download_extract"]
    return {
        "source_documents": simulator.documents,
        "source_files": simulator.files,
        "bodies": len(config.body_specs()),
        "days": config.days,
        "files_mode": args.files,
        "isolate": not args.no_isolate,
        "documents_stored": stored,
        "files_stored": File.objects.count(),
        "report": totals,
        "seconds": round(seconds, 3),
        "docs_per_s": round(stored / seconds, 1),
        "stages_s": stages,
        "stage_docs_per_s": {
            name: round(stored / s, 1) for name, s in stages.items() if s > 0 and name != "other"
        },
        "files_per_s": round(totals["files"] / extract_seconds, 1)
        if extract_seconds and totals["files"]
        else 0.0,
        "extractions_per_s": round(totals["extracted"] / extract_seconds, 1) if extract_seconds else 0.0,
        "requests": requests,
        "peak_rss_mib": rss,
    }


def profiler_start(path: Path | None):
    if path is None:
        return None
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def profile_report(profiler, path: Path) -> None:
    import pstats

    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(15)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)


# -- search ---------------------------------------------------------------------------------------

# Administrative Estonian sentences for body text; {topic} takes a genitive topic from the simulator.
SENTENCES = (
    "Eelnõu seletuskirjas tuleb täpsemalt selgitada {topic} mõju ettevõtjatele ja kohalikele omavalitsustele.",
    "Käesoleva kirjaga edastame {topic} kohta koostatud analüüsi, mille järeldused on esitatud lisas.",
    "Palume arvestada, et {topic} kord muutub alates {day}.",
    "Oleme seisukohal, et taotlejale tuleb anda võimalus oma arvamuse esitamiseks enne haldusakti andmist.",
    "Haldusmenetluse seaduse kohaselt peab haldusorgan kaaluma kõiki olulisi asjaolusid.",
    "Isikuandmete kaitse seaduse alusel ei avalikustata dokumendis sisalduvaid eriliigilisi isikuandmeid.",
    "Toetuse saaja kohustub esitama aruande hiljemalt {number} päeva jooksul pärast projekti lõppemist.",
    "Hankelepingu maksumus on {number} eurot, millele lisandub käibemaks.",
    "Koosolekul osalesid ministeeriumi, Terviseameti ja Tervisekassa esindajad.",
    "Ettepanekud palume saata elektrooniliselt hiljemalt {day}.",
    "Riigieelarvest eraldatud vahendite kasutamist kontrollib ministeeriumi siseaudiitor.",
    "Järelevalve käigus tuvastati puudusi dokumentide säilitamises ja andmete ajakohastamises.",
    "Asutus on võtnud kasutusele meetmed, et vältida sarnaste rikkumiste kordumist.",
    "Vaide võib esitada kolmekümne päeva jooksul päevast, mil isik vaidlustatavast otsusest teada sai.",
    "Kohus jättis kaebuse rahuldamata, kuna kaebaja ei esitanud nõutud tõendeid.",
    "Lepingu lisad on lepingu lahutamatud osad ning nende muutmine vormistatakse kirjalikult.",
    "Töörühma ülesanne on koostada {topic} analüüs ning esitada ettepanekud õigusaktide muutmiseks.",
    "Kooskõlastamiseks esitatud määruse eelnõuga muudetakse {topic} tingimusi.",
    "Kohaliku omavalitsuse üksustele makstakse toetust kord kvartalis.",
    "Teeme ettepaneku korraldada {topic} teemal ümarlaud, kuhu kutsutakse ka huvirühmade esindajad.",
    "Infosüsteemi arendustööd lõpetatakse eeldatavasti {day}.",
    "Andmekogu vastutav töötleja on ministeerium ja volitatud töötleja on riigi infotehnoloogia keskus.",
    "Küsimuse lahendamiseks on vaja täiendavat teavet ravimite, meditsiiniseadmete ja abivahendite kohta.",
    "Pensionäridele ja puuetega inimestele makstavad toetused kantakse välja iga kuu.",
    "Lapsevanemate ja õpetajate küsitlusest selgus, et koolitervishoiu teenuse kättesaadavus on paranenud.",
    "Päästeameti andmetel toimus möödunud aastal {number} tulekahju, neist enamik eluhoonetes.",
    "Volikogu otsuse eelnõu on lisatud käesolevale kirjale.",
    "Küberintsidentide arv suurenes eelmise aastaga võrreldes ligikaudu kolmandiku võrra.",
    "Maksete tegemisel palume märkida selgitusse viitenumber {reference}.",
    "Majandus- ja Kommunikatsiooniministeerium on andnud eelnõule kooskõlastuse märkusteta.",
)


def body_text(doc, rng: random.Random) -> str:
    """The simulator's paragraphs plus 8-25 generated sentences: letters of about 1-3 kB."""
    topic = _topic_of(doc)
    extra = [
        rng.choice(SENTENCES).format(
            topic=topic,
            day=f"{rng.randint(1, 28)}.{rng.randint(1, 12):02d}.{doc.registered.year}",
            number=rng.randint(2, 900),
            reference=doc.reference,
        )
        for _ in range(rng.randint(8, 25))
    ]
    return "\n\n".join([*doc.paragraphs, " ".join(extra)])


def _topic_of(doc) -> str:
    from dokreg.simulator.wordlists import TOPICS

    return next((t for t in TOPICS if t in doc.title), TOPICS[doc.id % len(TOPICS)])


def search_corpus_docs(size: int) -> list:
    """About ``size`` IndexDocs from a simulator corpus (no files) with generated body text."""
    from dokreg.search import IndexDoc
    from dokreg.simulator.corpus import Corpus, CorpusConfig

    days = max(1, math.ceil(size / (SEARCH_BODIES * SEARCH_DOCS_PER_DAY)))
    corpus = Corpus(
        CorpusConfig(
            bodies=SEARCH_BODIES,
            days=days,
            start=SEARCH_START,
            docs_per_day=SEARCH_DOCS_PER_DAY,
            big_day_every=0,
            files="none",
        )
    )
    rng = random.Random(size)
    out = []
    for spec in corpus.bodies:
        for doc in corpus.documents(spec.slug):
            public = doc.is_public
            out.append(
                IndexDoc(
                    doc_id=len(out) + 1,
                    registry=spec.slug,
                    registry_name=spec.name,
                    reference=doc.reference,
                    title=doc.title,
                    doc_type=doc.doc_type,
                    registered=doc.registered,
                    access="public" if public else "ak",
                    correspondent=doc.correspondent,
                    function=doc.function,
                    series=doc.series,
                    case_file=doc.case_file,
                    sender_reference=doc.sender_reference,
                    responsible=doc.responsible,
                    channel=doc.channel,
                    text=body_text(doc, rng) if public else "",
                    file_names=(f"{doc.reference.replace('/', '')} {doc.doc_type}.pdf",) if public else (),
                )
            )
    return out


@dataclass(frozen=True)
class Query:
    text: str
    filters: object = None
    sort: str = "relevance"
    line: str = ""


def load_queries(path: Path) -> list[Query]:
    """bench/queries.txt: ``query || key=value; key=value`` (registry, from, to, type, access, sort)."""
    from dokreg.search import SearchFilters

    queries = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        text, _, options = raw.partition("||")
        opts = dict(part.strip().split("=", 1) for part in options.split(";") if "=" in part)
        filters = SearchFilters(
            registries=tuple(v.strip() for v in opts.get("registry", "").split(",") if v.strip()),
            date_from=date.fromisoformat(opts["from"]) if "from" in opts else None,
            date_to=date.fromisoformat(opts["to"]) if "to" in opts else None,
            doc_types=tuple(v.strip() for v in opts.get("type", "").split(",") if v.strip()),
            access=tuple(v.strip() for v in opts.get("access", "").split(",") if v.strip()),
        )
        queries.append(Query(text.strip(), filters, opts.get("sort", "relevance"), raw.strip()))
    return queries


def search_bench(size: int, queries: list[Query], rounds: int, work_dir: Path) -> dict:
    from dokreg.search import IndexWriter, search

    made = time.perf_counter()
    docs = search_corpus_docs(size)
    make_seconds = time.perf_counter() - made
    index_dir = work_dir / f"search-index-{size}"
    started = time.perf_counter()
    with IndexWriter(index_dir) as writer:
        for doc in docs:
            writer.add(doc)
    build_seconds = time.perf_counter() - started
    index_bytes = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    text_chars = sum(len(d.text) for d in docs)
    count = len(docs)
    del docs

    def run(query: Query) -> tuple[float, int]:
        t0 = time.perf_counter()
        result = search(query.text, filters=query.filters, sort=query.sort, limit=20, index_dir=index_dir)
        return (time.perf_counter() - t0) * 1000, result.total

    totals = {q.line: run(q)[1] for q in queries}  # warm-up: opens the reader, fills caches
    timings: dict[str, list[float]] = {q.line: [] for q in queries}
    for _ in range(rounds):
        for q in queries:
            timings[q.line].append(run(q)[0])
    every = sorted(ms for ms_list in timings.values() for ms in ms_list)
    per_query = sorted(((line, statistics.median(ms)) for line, ms in timings.items()), key=lambda x: -x[1])
    return {
        "size": size,
        "documents": count,
        "body_text_mb": round(text_chars / 1e6, 1),
        "make_docs_s": round(make_seconds, 2),
        "build_s": round(build_seconds, 2),
        "index_docs_per_s": round(count / build_seconds, 1),
        "index_mib": round(index_bytes / 2**20, 1),
        "queries": len(queries),
        "rounds": rounds,
        "samples": len(every),
        "p50_ms": round(_percentile(every, 50), 2),
        "p95_ms": round(_percentile(every, 95), 2),
        "p99_ms": round(_percentile(every, 99), 2),
        "mean_ms": round(statistics.fmean(every), 2),
        "max_ms": round(every[-1], 2),
        "slowest": [
            {"query": line, "median_ms": round(ms, 2), "total": totals[line]} for line, ms in per_query[:5]
        ],
        "zero_hit_queries": [line for line, total in totals.items() if total == 0],
        "peak_rss_mib": peak_rss_mib(),
    }


class PipedChild:
    """A Python script in a child process, asked one line at a time over its pipe: each line written
    gets one JSON line back. ``src``: a ``src/`` of older code put first on its path (``--before-src``).

    The child waits on its pipe while the parent times other things, so it takes no CPU from them."""

    def __init__(self, script: str, args: list[str], src: Path | None = None) -> None:
        env = {**os.environ, "PYTHONPATH": str(src)} if src is not None else dict(os.environ)
        bench = str(Path(__file__).resolve().parent)
        self.child = subprocess.Popen(
            [sys.executable, "-c", script, bench, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def ask(self, line: str):
        self.child.stdin.write(f"{line}\n")
        self.child.stdin.flush()
        return json.loads(self.child.stdout.readline())

    def close(self) -> None:
        self.child.stdin.close()
        self.child.wait(30)


def _percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


# -- output ---------------------------------------------------------------------------------------


@dataclass
class Results:
    command: str
    machine: dict
    sync: dict | None = None
    search: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "command": self.command,
            "machine": self.machine,
            "sync": self.sync,
            "search": self.search,
            "peak_rss_mib": peak_rss_mib(),
        }


def markdown(results: dict) -> str:
    lines = []
    sync = results["sync"]
    if sync:
        stages = sync["stages_s"]
        lines += [
            "| sync | value |",
            "|---|---|",
            f"| documents stored (bodies × days) | {sync['documents_stored']} ({sync['bodies']} × {sync['days']}) |",
            f"| files ({sync['files_mode']}): downloaded / extracted incl. children | "
            f"{sync['report']['files']} / {sync['report']['extracted']} |",
            f"| wall time | {sync['seconds']:.1f} s |",
            f"| **documents/s end to end** | **{sync['docs_per_s']}** |",
            f"| list+fetch+parse+upsert | {stages['list_fetch_parse_upsert']:.1f} s "
            f"({sync['stage_docs_per_s'].get('list_fetch_parse_upsert', 0)} docs/s) |",
            f"| download+extract | {stages['download_extract']:.1f} s ({sync['files_per_s']} files/s, "
            f"{sync['extractions_per_s']} extractions/s) |",
            f"| index | {stages['index']:.1f} s ({sync['stage_docs_per_s'].get('index', 0)} docs/s) |",
            f"| other (counts, bookkeeping) | {stages['other']:.1f} s |",
            f"| HTTP requests | {sum(sync['requests'].values())} |",
            f"| peak RSS: process / largest extraction child | {sync['peak_rss_mib']['self']} MiB / "
            f"{sync['peak_rss_mib']['children']} MiB |",
            "",
        ]
    if results["search"]:
        lines += [
            "| index size | build | docs/s | on disk | p50 ms | p95 ms | p99 ms | mean ms | max ms |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in results["search"]:
            lines.append(
                f"| {row['documents']} | {row['build_s']:.1f} s | {row['index_docs_per_s']} | {row['index_mib']} MiB "
                f"| {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row['mean_ms']} | {row['max_ms']} |"
            )
        lines.append("")
    lines.append(f"peak RSS at the end: {results['peak_rss_mib']['self']} MiB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dokreg-bench-") as tmp:
        work_dir = (args.work_dir or Path(tmp)).resolve()
        work_dir.mkdir(parents=True, exist_ok=True)
        django_ready(work_dir / "data")
        shown = argv if argv is not None else sys.argv[1:]
        results = Results(command=" ".join(["python bench/sync_search.py", *shown]), machine=machine())
        if args.docs > 0:
            results.sync = sync_bench(args)
        queries = load_queries(args.queries)
        for size in args.sizes:
            results.search.append(search_bench(size, queries, args.rounds, work_dir))
        out = results.as_dict()
    print(markdown(out))
    result_write(out, args.out)
    return out


if __name__ == "__main__":
    main()
