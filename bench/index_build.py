"""Index build rate in CPU seconds: the real IndexWriter over sync_search.py's 10k search corpus.

    python bench/index_build.py [--size 10000]

Wall time on a shared 2-core machine moves ±30 % with other people's load; the process's CPU time
(user + system over all its threads, Tantivy's indexing threads included) moves little, so a
before/after comparison of the analyser is read from it. Vabamorf is loaded before timing. Two
builds in one process: the first with a cold form cache (every distinct word form goes to
Vabamorf), the second warm (the cache holds them: what a long sync sees after its first batches).
Run it with PYTHONPATH=<other checkout>/src to measure another version's code on the same corpus.
Each build also says how much CPU a document took on the writer's thread (analysis, the Tantivy
document) and on Tantivy's indexing threads: the larger bounds the rate on two cores.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sync_search  # noqa: E402 - the corpus and the Django set-up are shared with that bench


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dokreg-index-build-") as tmp:
        work = Path(tmp)
        sync_search.django_ready(work)
        docs = sync_search.search_corpus_docs(args.size)
        from dokreg.search import IndexWriter
        from dokreg.search.analyser import default_analyser

        default_analyser().lemmatiser.lemmas(["tere"])  # load Vabamorf outside the timing
        for run, cache in enumerate(("cold", "warm")):
            cpu, main, wall = cpu_seconds(), time.thread_time(), time.perf_counter()
            with IndexWriter(work / f"index-{run}") as writer:
                for doc in docs:
                    writer.add(doc)
            cpu, main, wall = cpu_seconds() - cpu, time.thread_time() - main, time.perf_counter() - wall
            n = len(docs)
            print(
                f"{n} docs, {cache} form cache: CPU {cpu:.2f} s = {n / cpu:.0f} docs/CPU-s; "
                f"wall {wall:.2f} s = {n / wall:.0f} docs/s; "
                # The analysis runs on this thread, Tantivy indexes on its own: which one bounds the rate.
                f"µs a document: this thread {main / n * 1e6:.0f}, Tantivy's threads {(cpu - main) / n * 1e6:.0f}"
            )


if __name__ == "__main__":
    main()
