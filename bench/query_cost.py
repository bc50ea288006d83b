"""What a costly query costs the analyser and "did you mean": 32 unknown words, a typo, plain words.

    python bench/query_cost.py [--docs 3000]

Indexes the first --docs real titles as bench/relevance.py does, then runs each query twice through
the real search() (first: Vabamorf sees the words fresh; second: its caches are warm) and prints
milliseconds. Unknown words cost a spell-check each (Vabamorf) and, for "did you mean", term
look-ups of every word one edit away; both are bounded per query (spelling.MAX_DOUBTFUL_WORDS,
MAX_EDITED_WORDS). Run with PYTHONPATH=<checkout>/src to compare another version's code.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import relevance  # noqa: E402 - the titles corpus is shared with that bench


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=3000)
    args = parser.parse_args(argv)
    from dokreg.search import IndexWriter, search

    rng = random.Random(3)

    def junk(n: int) -> str:
        return "".join(rng.choice("aoueistlkmnrvp") for _ in range(n))

    queries = [
        ("32 unknown words of 25 letters", " ".join(junk(25) for _ in range(32))),
        ("32 unknown words of 12 letters, OR'd", " OR ".join(junk(12) for _ in range(32))),
        ("one typo", "karistusseadustk"),
        ("three words", "toolepingu seadus muutmine"),
    ]
    with tempfile.TemporaryDirectory(prefix="dokreg-query-cost-") as tmp:
        index_dir = Path(tmp) / "index"
        with IndexWriter(index_dir, batch_size=5_000) as writer:
            for doc in relevance.corpus(relevance.TITLES_DIR)[: args.docs]:
                writer.add(doc)
        search("tere", index_dir=index_dir)  # Vabamorf loaded outside the timing
        for label, query in queries:
            times = []
            for _ in range(2):
                started = time.perf_counter()
                search(query, index_dir=index_dir)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{label}: first {times[0]:.0f} ms, again {times[1]:.0f} ms")


if __name__ == "__main__":
    main()
