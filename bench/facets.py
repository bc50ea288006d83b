"""Facet-page latency at N documents: search() with and without facet counts, p50/p95/p99.

    python bench/facets.py --docs 100000 --rounds 5 --out bench/out/facets-100k.json

An index is built with the real IndexWriter from generated documents shaped like the archive's
(62 bodies, a few dozen types, a few hundred series, 2015–2025, public/AK/on-request with end
dates, files of a few kinds, ~80 words of Estonian text each), then a fixed mix of results pages
(words, no words, facet filters that cost a second aggregation, date sort) runs through the real
``search()`` with ``facets=True`` (the results page) and ``facets=False`` (hits only).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from dokreg.search import FileText, IndexDoc, IndexWriter, SearchFilters, search

WORDS = (
    "hange leping kiri vastus taotlus otsus eelarve aruanne ministeerium amet teabenõue pöördumine "
    "kooskõlastamine eelnõu määrus seadus muudatus arvamus ettepanek projekt ehitus keskkond luba "
    "järelevalve kontroll tervis haridus kool linn vald maakond riik kodanik ettevõte toetus rahastus "
    "tähtaeg koosolek protokoll leping arve kulu tulu investeering plaan strateegia analüüs uuring"
).split()
TYPES = ["Sissetulev kiri", "Väljaminev kiri", "Leping", "Käskkiri", "Akt", "Memo", "Teabenõue", "Protokoll"]
TYPES += [f"Liik {i}" for i in range(30)]
QUERIES: list[tuple[str, dict]] = [
    ("", {}),
    ("hange", {}),
    ("eelarve aruanne", {}),
    ("keskkond luba", {"doc_types": ("Leping",)}),
    ("ministeerium", {"registries": ("body-3", "body-7"), "access": ("ak",)}),
    ("", {"series": ("3-1 Sari 12",), "date_from": date(2024, 1, 1), "date_to": date(2024, 12, 31)}),
    ("teabenõue", {"has_files": True, "file_kinds": ("pdf",)}),
    ("", {"access": ("expired_ak",)}),
]


def make_docs(n: int, seed: int = 7) -> list[IndexDoc]:
    rnd = random.Random(seed)
    start = date(2015, 1, 1)
    span = (date(2025, 12, 31) - start).days
    docs = []
    for i in range(1, n + 1):
        access = rnd.choices(["public", "ak", "on_request"], weights=[70, 25, 5])[0]
        registered = start + timedelta(days=rnd.randrange(span))
        text = " ".join(rnd.choices(WORDS, k=80))
        files = (FileText("dokument.pdf", ((1, text[:300]), (2, text[300:]))),) if access == "public" else ()
        docs.append(
            IndexDoc(
                doc_id=i,
                registry=f"body-{rnd.randrange(62)}",
                registry_name=f"Asutus {i % 62}",
                reference=f"{rnd.randrange(1, 12)}-{rnd.randrange(1, 9)}/{i}",
                title=" ".join(rnd.choices(WORDS, k=6)).capitalize(),
                doc_type=rnd.choice(TYPES),
                registered=registered,
                access=access,
                series=f"{rnd.randrange(1, 9)}-{rnd.randrange(1, 5)} Sari {rnd.randrange(40)}",
                correspondent=f"Osapool {rnd.randrange(5000)}",
                files=files,
                file_kinds=("pdf",) if files else (),
                restriction_bases=("AvTS § 35 lg 1 p 12",) if access == "ak" else (),
                restriction_ends=registered + timedelta(days=5 * 365) if access == "ak" else None,
            )
        )
    return docs


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(index_dir: Path, rounds: int, facets: bool) -> dict:
    times: list[float] = []
    for round_no in range(rounds + 1):  # round 0 warms caches and is not counted
        for q, f in QUERIES:
            for sort in ("relevance", "date"):
                t = time.perf_counter()
                search(q, filters=SearchFilters(**f), sort=sort, limit=20, facets=facets, index_dir=index_dir)
                if round_no:
                    times.append((time.perf_counter() - t) * 1000)
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "max_ms": round(max(times), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dokreg-facets-") as tmp:
        index_dir = Path(tmp) / "index"
        t = time.perf_counter()
        with IndexWriter(index_dir, batch_size=5_000) as writer:
            for doc in make_docs(args.docs):
                writer.add(doc)
        build_s = time.perf_counter() - t
        result = {
            "docs": args.docs,
            "build_s": round(build_s, 1),
            "facets": measure(index_dir, args.rounds, facets=True),
            "hits_only": measure(index_dir, args.rounds, facets=False),
        }
    print(f"| {args.docs} docs | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    for name in ("facets", "hits_only"):
        r = result[name]
        print(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} |")
    print(f"index built in {result['build_s']} s")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
