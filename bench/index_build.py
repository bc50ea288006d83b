"""Index build rate in CPU seconds: the real IndexWriter over sync_search.py's 10k search corpus.

    python bench/index_build.py [--size 10000]

Wall time on a shared 2-core machine moves ±30 % with other people's load; the process's CPU time
(user + system over all its threads, Tantivy's indexing threads included) moves little, so a
before/after comparison of the analyser is read from it. Vabamorf is loaded before timing. Two
builds in one process: the first with a cold form cache (every distinct word form goes to
Vabamorf), the second warm (the cache holds them: what a long sync sees after its first batches).
Run it with PYTHONPATH=<other checkout>/src to measure another version's code on the same corpus.
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
            cpu, wall = cpu_seconds(), time.perf_counter()
            with IndexWriter(work / f"index-{run}") as writer:
                for doc in docs:
                    writer.add(doc)
            cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
            print(
                f"{len(docs)} docs, {cache} form cache: CPU {cpu:.2f} s = {len(docs) / cpu:.0f} docs/CPU-s; "
                f"wall {wall:.2f} s = {len(docs) / wall:.0f} docs/s"
            )


if __name__ == "__main__":
    main()
