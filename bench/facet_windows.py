"""The facets of a relevance search on their own: what the windows of newest days cost and count.

    python bench/facet_windows.py --index /tmp/w1m/data/index --before-src /tmp/before/src --rounds 5

For every query of bench/queries.txt that search() ranks by relevance, each shard's facets are counted
as search() counts them after its page: told the page's number of matches (``total``), the bound per
shard as search() sets it, and the filters' shares. The shards run one after another on one thread,
so the figure is the facets' own work, not what two threads make of a shared machine.

This code and, with ``--before-src DIR`` (a ``src/`` of older code: ``git archive <rev> src | tar -x -C
DIR``), that code each run in a child process of their own; the two are asked in turn, query by query,
so load drifts hit both alike. Per query the minimum over rounds is kept; the summary adds them up and
gives their p50/p95/max, and the number of matches the facets counted (``facet_sample``: about the
bound, or 0 when every match was counted). The index is any dokreg index (``bench/web_search.py build``
makes one); nothing is written to it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_search import QUERIES_FILE, PipedChild, _percentile, load_queries, machine, result_write  # noqa: E402

CHILD = """
import inspect, json, sys, time
from datetime import date
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from sync_search import load_queries
from dokreg.search import bounds, facets, services
from dokreg.search.analyser import default_analyser
from dokreg.search.filters import filter_clauses, keyword_shares
from dokreg.search.query import Builder, parse

queries = load_queries(Path(sys.argv[2]))
shards, generation = services._searcher(Path(sys.argv[3]))
today = date.today()
ranges = "all_days" in inspect.signature(facets.facet_buckets).parameters  # older code: no date ranges
bound = -(-services.FACET_BOUND // len(shards))
prepared = {}

def prepare(i):
    q = queries[i]
    built = Builder(default_analyser()).build(parse(q.text))
    clauses = filter_clauses(q.filters, today)
    full = services.with_filters(built.query, clauses)
    days = [bounds.index_days(one, (*generation, str(n))) for n, one in enumerate(shards)]
    counts = [one.search(full, 1, count=True).count for one in shards]
    shares = [keyword_shares(one, q.filters, d.documents) for one, d in zip(shards, days)]
    per_shard = []
    for n in range(len(shards)):
        kwargs = dict(bound=bound, days=days[n], total=counts[n], window=None, shares=shares[n])
        if ranges:
            kwargs.update(days=bounds.in_range(days[n], q.filters.date_from, q.filters.date_to), all_days=days[n])
        per_shard.append(kwargs)
    return built.query, clauses, per_shard

for line in sys.stdin:
    i = int(line)
    if i not in prepared:
        prepared[i] = prepare(i)
    query, clauses, per_shard = prepared[i]
    t0 = time.perf_counter()
    counted = [facets.facet_buckets(one, query, clauses, today, **per_shard[n]) for n, one in enumerate(shards)]
    ms = (time.perf_counter() - t0) * 1000
    merged = facets.merged_facets(counted)
    print(json.dumps([ms, merged.sample]), flush=True)
"""


class Side(PipedChild):
    """One version of the code in a child process, asked for one query's facets at a time."""

    def __init__(self, src: Path | None, queries_file: Path, index_dir: Path) -> None:
        super().__init__(CHILD, [str(queries_file), str(index_dir)], src)

    def __call__(self, i: int) -> tuple[float, int]:
        ms, sample = self.ask(str(i))
        return ms, sample


def relevance_queries(queries) -> list[int]:
    """The queries search() ranks by relevance: words that can match, not sorted by date."""
    from dokreg.search.query import _is_positive, parse

    return [
        i
        for i, q in enumerate(queries)
        if q.sort != "date" and (tree := parse(q.text)) and _is_positive(tree)
    ]


def run(index_dir: Path, queries_file: Path, rounds: int, before_src: Path | None) -> dict:
    queries = load_queries(queries_file)
    asked = relevance_queries(queries)
    sides = {"this code": Side(None, queries_file, index_dir)}
    if before_src is not None:
        sides = {"before (--before-src)": Side(before_src, queries_file, index_dir), **sides}
    best: dict[str, dict[int, float]] = {name: {} for name in sides}
    samples: dict[str, dict[int, int]] = {name: {} for name in sides}
    try:
        for i in asked:  # warm-up: prepares each query, fills the OS cache
            for side in sides.values():
                side(i)
        for r in range(rounds):
            for i in asked:
                order = list(sides.items()) if r % 2 == 0 else list(reversed(sides.items()))
                for name, side in order:
                    ms, sample = side(i)
                    best[name][i] = min(best[name].get(i, ms), ms)
                    samples[name][i] = sample
    finally:
        for side in sides.values():
            side.close()
    summary = {}
    for name in sides:
        values = sorted(best[name].values())
        summary[name] = {
            "sum_ms": round(sum(values), 1),
            "p50_ms": round(_percentile(values, 50), 2),
            "p95_ms": round(_percentile(values, 95), 2),
            "max_ms": round(values[-1], 2),
            "median_sample": sorted(samples[name].values())[len(values) // 2],
        }
    per_query = [
        {
            "query": queries[i].line,
            **{f"{name} ms": round(best[name][i], 2) for name in sides},
            **{f"{name} sample": samples[name][i] for name in sides},
        }
        for i in asked
    ]
    return {
        "machine": machine(),
        "queries": len(asked),
        "rounds": rounds,
        "summary": summary,
        "per_query": per_query,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a dokreg index folder")
    parser.add_argument("--queries", type=Path, default=QUERIES_FILE)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before-src", type=Path, help="a src/ of older code to compare with")
    parser.add_argument("--out", type=Path, help="write the JSON results here")
    args = parser.parse_args(argv)
    result = run(args.index, args.queries, args.rounds, args.before_src)
    for name, row in result["summary"].items():
        print(f"{name}: {row}")
    result_write(result, args.out)
    return result


if __name__ == "__main__":
    main()
