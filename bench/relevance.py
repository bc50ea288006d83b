"""Search relevance on real titles: recall@10 and MRR@10 over a judged query set (issue 11).

    python bench/relevance.py [--queries bench/relevance/queries.tsv] [--out bench/out/relevance.json] [-v]

The corpus is the 22 312 Riigi Teataja act titles of the EstNLTK smart-search snapshot in the shared
data (titles-source/, see its SOURCES.md), each made an IndexDoc as a register would list it: the
title, its act type, and two register fields the snapshot does not have, made up deterministically
so that references and parties can be searched too:

- reference: "<series>/<matter>-<n>" — series by act type (seadus 1-1, määrus 5.1-2, korraldus 4-2),
  three acts per matter in file order (matter 1000, 1001, …), n = 1..3;
- correspondent: one of CORRESPONDENTS, by the act's global id.

Queries (bench/relevance/queries.tsv, tab-separated): class, query, correspondent filter (may be
empty), judgement, note. A judgement names the relevant documents by rule, so it can be read and
checked: ``title:REGEX``, ``ref:REGEX`` or ``party:REGEX`` (case-insensitive, Python re.search),
several joined with `` & `` (all must hold), alternatives with `` | ``. Judgements were written by reading the titles, not by
running the search.

Per query: recall@10 = relevant among the first 10 / min(10, relevant); reciprocal rank = 1 / rank
of the first relevant hit in the first 10 (0 when none). For the ``typo`` class, a query that finds
nothing but carries a suggestion is scored on the suggestion's results (one click on "Kas mõtlesite").
The index is built in a temporary folder with the real IndexWriter; search() is the real one.
Run it on another checkout's code with PYTHONPATH=<checkout>/src to measure "before".
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
QUERIES_FILE = BENCH_DIR / "relevance" / "queries.tsv"
TITLES_DIR = REPO.parent / "shared" / "data" / "ee-riigiteataja-smartsearch" / "titles-source"
SERIES = {"seadus": "1-1", "määrus": "5.1-2", "korraldus": "4-2"}
PER_MATTER = 3
FIRST_MATTER = 1000
CORRESPONDENTS = (
    "AS Tallinna Vesi",
    "Tallinna Linnavalitsus",
    "Tartu Linnavalitsus",
    "Rahandusministeerium",
    "Maksu- ja Tolliamet",
    "Eesti Energia AS",
    "Politsei- ja Piirivalveamet",
    "Riigikantselei",
    "Keskkonnaamet",
    "Eesti Töötukassa",
    "Tallinna Kesklinna Valitsus",
    "Justiits- ja Digiministeerium",
)
K = 10


@dataclass(frozen=True)
class Judged:
    cls: str
    query: str
    correspondent: str
    judgement: str
    note: str


def corpus(titles_dir: Path):
    """IndexDocs of every title, with the made-up reference and correspondent."""
    from dokreg.search import IndexDoc

    docs = []
    per_type: dict[str, int] = defaultdict(int)
    for path in sorted(titles_dir.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                kind = row["document_type"].strip()
                if kind not in SERIES:
                    continue  # two rows of the snapshot are broken continuation lines
                position = per_type[kind]
                per_type[kind] += 1
                matter = FIRST_MATTER + position // PER_MATTER
                gid = row["global_id"]
                docs.append(
                    IndexDoc(
                        doc_id=len(docs) + 1,
                        registry="riigiteataja",
                        registry_name="Riigi Teataja",
                        reference=f"{SERIES[kind]}/{matter}-{position % PER_MATTER + 1}",
                        title=row["document_title"],
                        doc_type=kind,
                        registered=None,
                        access="public",
                        correspondent=CORRESPONDENTS[zlib.crc32(gid.encode()) % len(CORRESPONDENTS)],
                    )
                )
    return docs


def load_queries(path: Path) -> list[Judged]:
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            cols += [""] * (5 - len(cols))
            out.append(Judged(*[c.strip() for c in cols[:5]]))
    return out


def relevant(judgement: str, docs) -> set[int]:
    """The doc ids a judgement names: alternatives joined by " | ", each of clauses joined by " & "."""
    found: set[int] = set()
    for alternative in judgement.split(" | "):
        tests = []
        for clause in alternative.split(" & "):
            kind, _, pattern = clause.strip().partition(":")
            attr = {"title": "title", "ref": "reference", "party": "correspondent"}[kind]
            tests.append((attr, re.compile(pattern, re.IGNORECASE)))
        found |= {d.doc_id for d in docs if all(rx.search(getattr(d, attr)) for attr, rx in tests)}
    return found


def evaluate(queries: list[Judged], docs, index_dir: Path) -> list[dict]:
    from dokreg.search import SearchFilters, search

    rows = []
    for q in queries:
        rel = relevant(q.judgement, docs)
        filters = SearchFilters(correspondents=(q.correspondent,) if q.correspondent else ())
        result = search(q.query, filters=filters, limit=K, index_dir=index_dir)
        scored_on = q.query
        if q.cls == "typo" and result.total == 0 and result.corrected:
            scored_on = result.corrected
            result = search(result.corrected, filters=filters, limit=K, index_dir=index_dir)
        ranked = [h.doc_id for h in result.hits]
        found = [i for i, doc_id in enumerate(ranked) if doc_id in rel]
        rows.append(
            {
                "class": q.cls,
                "query": q.query,
                "correspondent": q.correspondent,
                "scored_on": scored_on,
                "relevant": len(rel),
                "total": result.total,
                "recall_at_10": len(found) / min(K, len(rel)) if rel else 0.0,
                "rr": 1.0 / (found[0] + 1) if found else 0.0,
            }
        )
    return rows


def summary(rows: list[dict]) -> dict[str, dict]:
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["class"]].append(r)
    by["all"] = rows
    return {
        cls: {
            "queries": len(rs),
            "recall_at_10": sum(r["recall_at_10"] for r in rs) / len(rs),
            "mrr": sum(r["rr"] for r in rs) / len(rs),
        }
        for cls, rs in by.items()
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=Path, default=QUERIES_FILE)
    parser.add_argument("--titles", type=Path, default=TITLES_DIR)
    parser.add_argument("--out", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every query's figures")
    args = parser.parse_args(argv)

    import dokreg.search

    docs = corpus(args.titles)
    queries = load_queries(args.queries)
    empty = [q.query for q in queries if not relevant(q.judgement, docs)]
    if empty:
        raise SystemExit(f"judgements naming no document: {empty}")
    with tempfile.TemporaryDirectory(prefix="dokreg-relevance-") as tmp:
        index_dir = Path(tmp) / "index"
        from dokreg.search import IndexWriter
        from dokreg.search.analyser import default_analyser

        default_analyser().lemmatiser.lemmas(["tere"])  # load Vabamorf outside the timing
        started, cpu = time.perf_counter(), _cpu_seconds()
        with IndexWriter(index_dir, batch_size=5_000) as writer:
            for d in docs:
                writer.add(d)
        build, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        rows = evaluate(queries, docs, index_dir)
    figures = summary(rows)
    if args.verbose:
        for r in rows:
            print(
                f"{r['class']:10} R@10 {r['recall_at_10']:.2f} RR {r['rr']:.2f} rel {r['relevant']:5} "
                f"total {r['total']:5}  {r['query']!r}"
                + (f" [correspondent {r['correspondent']!r}]" if r["correspondent"] else "")
                + (f" → {r['scored_on']!r}" if r["scored_on"] != r["query"] else "")
            )
    print(
        f"code: {Path(dokreg.search.__file__).parent}; {len(docs)} titles indexed in {build:.1f} s "
        f"({cpu:.1f} CPU-s, {len(docs) / cpu:.0f} docs/CPU-s)"
    )
    print("| class | queries | recall@10 | MRR@10 |")
    print("|---|---|---|---|")
    for cls, f in figures.items():
        print(f"| {cls} | {f['queries']} | {f['recall_at_10']:.3f} | {f['mrr']:.3f} |")
    out = {"summary": figures, "queries": rows, "docs": len(docs), "build_s": build, "build_cpu_s": cpu}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
