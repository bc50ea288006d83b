"""What the read layer costs per request: the public pages and API answers that build output types,
timed through Django's test client (no HTTP server, so only our code and the database are measured).

One fresh SQLite archive: ``--docs`` documents of one body, and one "heavy" document with 30 files
(text of ~20 pages each, signatures), 20 relations, a matter of 50 documents and 20 history versions.
Each URL gets ``--warmup`` untimed and ``--rounds`` timed requests: p50/p95/mean wall time in ms, and
the median CPU time of the process (steadier when the machine is shared).

The script reads only models and URLs, so the same file times another revision of the code:
    git archive <rev> src | tar -x -C /tmp/rev && PYTHONPATH=/tmp/rev/src python bench/read_layer.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_search import django_ready  # noqa: E402


def build(docs: int) -> dict[str, str]:
    from dokreg.archive.models import (
        Access,
        Document,
        DocumentVersion,
        FetchState,
        File,
        Matter,
        Relation,
        Signature,
    )
    from dokreg.registries.models import Registry

    body = Registry.objects.create(
        slug="pingid",
        name="Pingiamet",
        family="adr",
        base_url="https://adr.example.test/pingid/",
        state="active",
    )
    matter = Matter.objects.create(registry=body, root="5-4/24")
    seen = datetime(2024, 3, 1, tzinfo=UTC)
    rows = [
        Document(
            registry=body,
            source_id=str(i),
            url=f"https://adr.example.test/pingid/dokument/{i}",
            fetch_state=FetchState.OK,
            reference=f"5-4/24-{i}",
            registered=date(2024, 1, 1) + timedelta(days=i % 300),
            doc_type="Sissetulev kiri",
            title=f"Kiri number {i} eelarve kohta",
            function="5 Välissuhted",
            series="5-4 Kirjavahetus",
            case_file="5-4/2024",
            access=Access.AK if i % 5 == 0 else Access.PUBLIC,
            correspondent="Mari Maasikas",
            responsible="Jaan Tamm",
            matter=matter if i < 50 else None,
            first_seen_at=seen + timedelta(minutes=i),
        )
        for i in range(docs)
    ]
    Document.objects.bulk_create(rows, batch_size=500)
    heavy = Document.objects.get(source_id="1")
    page_text = "Lause isikuandmete ja eelarve kohta. " * 60
    for n in range(30):
        f = File.objects.create(
            document=heavy,
            ordinal=n + 1,
            name=f"lisa-{n}.pdf",
            kind="pdf",
            size=1000,
            download_state=File.Download.OK,
            extract_state=File.Extract.OK,
            text=page_text * 20,
            pages=[{"number": p + 1, "text": page_text} for p in range(20)],
        )
        Signature.objects.create(
            file=f,
            signer_name="MARI MAASIKAS",
            signed_at=seen,
            profile="LT",
            value_valid=True,
            digests_valid=True,
        )
    targets = list(Document.objects.filter(matter=matter).exclude(pk=heavy.pk)[:20])
    Relation.objects.bulk_create(
        Relation(document=heavy, kind="vastus", reference=t.reference, title=t.title, target=t)
        for t in targets
    )
    DocumentVersion.objects.bulk_create(
        DocumentVersion(
            document=heavy,
            kind="changed",
            seen_at=seen + timedelta(days=v),
            changes={"title": [f"Vana {v}", f"Uus {v}"], "correspondent": ["A", "B"]},
        )
        for v in range(20)
    )
    # bulk_create skips the per-body monthly counts the archive's writes keep: count them once.
    from dokreg.archive.stats import body_months_rebuild

    body_months_rebuild()
    return {
        "home": "/",
        "results, no words": "/otsi/",
        "results, filtered": "/otsi/?series=5-4+Kirjavahetus&type=Sissetulev+kiri",
        "document page (heavy)": f"/dokument/{heavy.pk}/",
        "body page": f"/asutus/{body.slug}/",
        "month": f"/asutus/{body.slug}/2024/2/",
        "matter": f"/asi/{matter.pk}/",
        "body feed": f"/asutus/{body.slug}/atom/",
        "API documents": "/api/v1/documents?limit=50",
        "API document (heavy)": f"/api/v1/documents/{heavy.pk}",
        "API matter": f"/api/v1/matters/{matter.pk}",
    }


def timed(urls: dict[str, str], warmup: int, rounds: int) -> dict[str, dict[str, float]]:
    from django.test import Client

    client = Client()
    out = {}
    for name, url in urls.items():
        for _ in range(warmup):
            assert client.get(url).status_code == 200, url
        times, cpu = [], []
        for _ in range(rounds):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, url
        times.sort()
        out[name] = {
            "p50": statistics.median(times),
            "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
            "mean": statistics.fmean(times),
            # CPU time of this process (SQLite runs in it): steadier than wall time on a busy machine.
            "cpu_p50": statistics.median(cpu),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    for name in ("DOKREG_PAGE_RATE", "DOKREG_SEARCH_RATE", "DOKREG_API_RATE"):
        os.environ[name] = "off"
    with tempfile.TemporaryDirectory(prefix="read-layer-") as tmp:
        django_ready(Path(tmp))
        import dokreg

        urls = build(args.docs)
        results = timed(urls, args.warmup, args.rounds)
    print(f"code: {Path(dokreg.__file__).parent}  docs: {args.docs}  rounds: {args.rounds}\n")
    print("| request | p50 ms | p95 ms | mean ms | CPU p50 ms |\n|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['mean']:.1f} | {r['cpu_p50']:.1f} |")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
