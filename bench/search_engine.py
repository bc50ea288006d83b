"""Search engine cost at scale, in one run on one index: dokreg's search() against raw Tantivy.

    python bench/search_engine.py --index /tmp/scale-1m/data/index --rounds 3 --out bench/out/engine-1m.json

For every query of bench/queries.txt, interleaved in each round so load drifts hit all columns alike:
- ``raw top-20``: the query and filters as dokreg builds them, ``searcher.search(q, 20, count=False)``
  (on an index in shards: on every shard, side by side on threads, as dokreg searches them);
- ``raw + count + facets``: the same with ``count=True`` and one ``searcher.aggregate`` of the five
  facets (what an exact results page needs at the least: the limit of this binding);
- ``exact``: ``search(facets=True)`` with the totals and facet bounds off (exact counts: the code
  before the bounds);
- ``bounded``: ``search(facets=True)`` as the results page and the API call it now;
- ``bounded, hits only``: ``search(facets=False)``;
- ``bounded, kept``: the same search asked again within one index generation (the kept result).
Every column but the last computes its result afresh (the per-generation cache is off for it).
With ``--before-src DIR`` (a ``src/`` of older code, e.g. ``git archive <commit> src | tar -x -C /tmp/x``)
a first column times that code's ``search(facets=True)`` in a child process, interleaved the same way.
Ratios are taken per query (median over rounds) and over the whole mix (p50/p95/p99). The index is
any dokreg index (``bench/web_search.py build`` makes one); nothing is written to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_search import (  # noqa: E402
    QUERIES_FILE,
    PipedChild,
    _percentile,
    load_queries,
    machine,
    peak_rss_mib,
    result_write,
)

COLUMNS = ("raw top-20", "raw + count + facets", "exact", "bounded", "bounded, hits only", "bounded, kept")


def raw_parts(query, index_dir: Path, today: date):
    """The Tantivy query dokreg runs for ``query`` (words and filters), built with dokreg's own builder."""
    from dokreg.search.analyser import default_analyser
    from dokreg.search.filters import filter_clauses, with_filters
    from dokreg.search.query import Builder, parse

    built = Builder(default_analyser()).build(parse(query.text))
    full = with_filters(built.query, filter_clauses(query.filters, today))
    return full, built.positive


def facet_spec() -> dict:
    from dokreg.search import facets

    return {
        name: {"terms": {"field": field, "size": facets.ASKED, "segment_size": facets.SEGMENT_SIZE}}
        for name, field in facets._FIELDS.items()
    }


BEFORE_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from sync_search import load_queries
from dokreg.search import search, services
services.CACHED_RESULTS = 0  # a kept result is not a search (older code without the cache ignores it)
queries = load_queries(__import__("pathlib").Path(sys.argv[2]))
for line in sys.stdin:
    q = queries[int(line)]
    t0 = time.perf_counter()
    found = search(q.text, filters=q.filters, sort=q.sort, limit=20, facets=True, index_dir=sys.argv[3])
    print(json.dumps([(time.perf_counter() - t0) * 1000, found.total]), flush=True)
"""


class Before(PipedChild):
    """The same search in a child process running older code (``--before-src``), timed in the child."""

    def __init__(self, src: Path, queries_file: Path, index_dir: Path) -> None:
        super().__init__(BEFORE_CHILD, [str(queries_file), str(index_dir)], src)

    def __call__(self, i: int) -> tuple[float, int]:
        ms, total = self.ask(str(i))
        return ms, total


def run(index_dir: Path, queries, rounds: int, before: Before | None = None) -> dict:
    from dokreg.search import schema as s
    from dokreg.search import search, services

    today = date.today()
    opened = services._searcher(index_dir)
    if opened is None:
        sys.exit(f"no index at {index_dir}")
    # Every shard of the index (one when unsharded): the raw columns search them side by side as
    # dokreg does, so "raw" stays the limit of the same index on the same threads.
    shards = opened[0]
    spec = facet_spec()
    built = {q.line: raw_parts(q, index_dir, today) for q in queries}

    def timed(fn) -> tuple[float, object]:
        t0 = time.perf_counter()
        out = fn()
        return (time.perf_counter() - t0) * 1000, out

    def raw_top(q):
        full, positive = built[q.line]
        order = {} if positive and q.sort != "date" else {"order_by_field": s.REGISTERED}
        return shards.each(lambda _, one: one.search(full, 20, count=False, **order))

    def raw_exact(q):
        full, positive = built[q.line]
        order = {} if positive and q.sort != "date" else {"order_by_field": s.REGISTERED}

        def one_shard(_, one):
            found = one.search(full, 20, count=True, **order)
            one.aggregate(full, spec)
            return found.count

        return sum(shards.each(one_shard))

    def dokreg(q, *, bounded: bool, facets: bool, kept: bool = False):
        if not hasattr(services, "TOTAL_BOUND"):  # older code (--before-src): no bounds, no cache
            return search(
                q.text, filters=q.filters, sort=q.sort, limit=20, facets=facets, index_dir=index_dir
            )
        saved = services.TOTAL_BOUND, services.FACET_BOUND, services.CACHED_RESULTS
        if not bounded:
            services.TOTAL_BOUND = services.FACET_BOUND = None
        if not kept:  # every other column computes its result afresh
            services.CACHED_RESULTS = 0
        try:
            return search(
                q.text,
                filters=q.filters,
                sort=q.sort,
                limit=20,
                facets=facets,
                index_dir=index_dir,
                today=today,
            )
        finally:
            services.TOTAL_BOUND, services.FACET_BOUND, services.CACHED_RESULTS = saved

    calls = {
        "raw top-20": raw_top,
        "raw + count + facets": raw_exact,
        "exact": lambda q: dokreg(q, bounded=False, facets=True),
        "bounded": lambda q: dokreg(q, bounded=True, facets=True),
        "bounded, hits only": lambda q: dokreg(q, bounded=True, facets=False),
        # The same search again in the same index generation: the result kept per generation.
        "bounded, kept": lambda q: dokreg(q, bounded=True, facets=True, kept=True),
    }
    info = {}
    for q in queries:  # warm-up: opens the reader, loads Vabamorf, fills the OS cache
        exact = calls["exact"](q)
        calls["bounded, kept"](q)
        bounded = calls["bounded"](q)
        calls["raw + count + facets"](q)
        info[q.line] = {
            "total": exact.total,
            "bounded_total": bounded.total,
            "total_exact": bounded.total_exact,
        }
    columns = COLUMNS
    if before is not None:
        columns = ("before (--before-src)", *COLUMNS)
        for i, q in enumerate(queries):
            info[q.line]["before_total"] = before(i)[1]
    times: dict[str, dict[str, list[float]]] = {c: {q.line: [] for q in queries} for c in columns}
    for _ in range(rounds):
        for i, q in enumerate(queries):
            if before is not None:
                times[columns[0]][q.line].append(before(i)[0])
            for column in COLUMNS:
                ms, _ = timed(lambda column=column, q=q: calls[column](q))
                times[column][q.line].append(ms)
    summary = {c: _summary([ms for v in times[c].values() for ms in v]) for c in columns}
    per_query = []
    for q in queries:
        med = {c: statistics.median(times[c][q.line]) for c in columns}
        per_query.append({"query": q.line, **info[q.line], **{c: round(med[c], 2) for c in columns}})
    per_query.sort(key=lambda r: -r["exact"])
    return {
        "documents": sum(one.num_docs for one in shards),
        "segments": sum(one.num_segments for one in shards),
        "shards": len(shards),
        "samples_per_column": len(queries) * rounds,
        "summary": summary,
        "columns": list(columns),
        "ratios_p95": {
            "bounded / raw top-20": round(summary["bounded"]["p95_ms"] / summary["raw top-20"]["p95_ms"], 2),
            "bounded / raw + count + facets": round(
                summary["bounded"]["p95_ms"] / summary["raw + count + facets"]["p95_ms"], 2
            ),
            "bounded / exact": round(summary["bounded"]["p95_ms"] / summary["exact"]["p95_ms"], 2),
            **(
                {"bounded / before": round(summary["bounded"]["p95_ms"] / summary[columns[0]]["p95_ms"], 2)}
                if before is not None
                else {}
            ),
        },
        "per_query": per_query,
    }


def _summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50_ms": round(_percentile(ordered, 50), 2),
        "p95_ms": round(_percentile(ordered, 95), 2),
        "p99_ms": round(_percentile(ordered, 99), 2),
        "max_ms": round(ordered[-1], 2),
    }


def markdown(result: dict) -> str:
    lines = [
        f"{result['documents']:,} documents, {result['segments']} segments, "
        f"{result['samples_per_column']} samples a column",
        "",
        "| column | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for column, s in result["summary"].items():
        lines.append(f"| {column} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['max_ms']} |")
    lines += [
        "",
        "| query | total (exact) | shown | " + " | ".join(COLUMNS) + " |",
        "|---" * (3 + len(COLUMNS)) + "|",
    ]
    for r in result["per_query"][:15]:
        shown = f"{r['bounded_total']:,}" + ("" if r["total_exact"] else "+")
        cells = " | ".join(str(r[c]) for c in COLUMNS)
        lines.append(f"| `{r['query']}` | {r['total']:,} | {shown} | {cells} |")
    return "\n".join(lines)


def _run_with_before(args) -> dict:
    before = (
        Before(args.before_src.resolve(), args.queries, args.index.resolve()) if args.before_src else None
    )
    try:
        return run(args.index.resolve(), load_queries(args.queries), args.rounds, before)
    finally:
        if before is not None:
            before.close()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a dokreg index directory")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=Path, default=QUERIES_FILE)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--before-src", type=Path, help="a src/ folder of older dokreg code: a 'before' column"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
    load_before = os.getloadavg()
    result = {
        "command": " ".join(["python bench/search_engine.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine(),
        "started": datetime.now().isoformat(timespec="seconds"),
        **_run_with_before(args),
        "peak_rss_mib": peak_rss_mib(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(markdown(result))
    result_write(result, args.out)
    return result


if __name__ == "__main__":
    main()
