"""What journalists come back for, at N documents: the national overview, a body page's charts and
statistics, a 5,000-row result export (no words: the database path), and one saved search's check for
new documents.

    python bench/journalists.py --docs 100000 --rounds 5 --out bench/out/journalists-100k.json

A fresh SQLite archive in a temporary folder: N ``Document`` rows by ``bulk_create`` over 62 bodies
(70 % public, 25 % AK, 5 % on request; registered 2015–today; first seen 0–30 days later; ~40 types),
metadata only. Each step is timed over ``--rounds`` runs after one warm-up; p50 and max in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path


def setup(data_dir: Path) -> None:
    os.environ["DOKREG_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(n: int, seed: int = 5) -> list:
    from django.db import transaction
    from django.utils import timezone

    from dokreg.archive.models import Document
    from dokreg.registries.models import Registry

    rnd = random.Random(seed)
    bodies = [
        Registry.objects.create(
            slug=f"bench-{i}", name=f"Asutus {i:02d}", family="adr", base_url=f"https://b{i}.example.test/"
        )
        for i in range(62)
    ]
    types = ["Sissetulev kiri", "Väljaminev kiri", "Leping", "Käskkiri"] + [f"Liik {i}" for i in range(36)]
    today = date.today()
    span = (today - date(2015, 1, 1)).days
    batch = []
    for i in range(n):
        registered = today - timedelta(days=int(rnd.paretovariate(1.2) * 20) % span)
        seen = datetime.combine(registered + timedelta(days=rnd.randrange(31)), datetime.min.time())
        batch.append(
            Document(
                registry=rnd.choice(bodies),
                source_id=str(i),
                fetch_state="ok",
                reference=f"1-2/{i}",
                registered=registered,
                doc_type=rnd.choice(types),
                title=f"Dokument {i}",
                access=rnd.choices(["public", "ak", "on_request"], weights=[70, 25, 5])[0],
                first_seen_at=timezone.make_aware(min(seen, datetime.now())),
                index_dirty=False,
            )
        )
        if len(batch) == 5_000:
            with transaction.atomic():
                Document.objects.bulk_create(batch, batch_size=1_000)
            batch.clear()
    with transaction.atomic():
        Document.objects.bulk_create(batch, batch_size=1_000)
    return bodies


def timed(fn, rounds: int) -> dict:
    fn()
    runs = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(statistics.median(runs), 1), "max_ms": round(max(runs), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dokreg-journalists-") as tmp:
        setup(Path(tmp))
        from django.core.cache import cache
        from django.utils import timezone

        from dokreg.alerts.models import Subscription
        from dokreg.alerts.sending import new_documents
        from dokreg.public import body_figures
        from dokreg.reading import body, overview, result_export
        from dokreg.reading.params import SearchParams
        from dokreg.reading.registries import registry_view

        t0 = time.perf_counter()
        bodies = build(args.docs)
        built = time.perf_counter() - t0
        today = timezone.localdate()
        busiest = registry_view(bodies[0])

        def body_page():
            stats = body.registry_stats(busiest, today=today)
            bases = body.restriction_bases(busiest)
            body_figures.body_figures(busiest, stats, bases)

        def export():
            docs = result_export.exported_documents(SearchParams(sort="oldest"), today=today)
            return sum(len(c) for c in result_export.csv_chunks(docs, base_url="http://x"))

        subscription = Subscription(query=f"registry={busiest.slug}&type=Leping", key="b")
        since = timezone.now() - timedelta(days=1)

        results = {
            "documents": args.docs,
            "build_s": round(built, 1),
            "overview, cold (cache cleared)": timed(
                lambda: (cache.clear(), overview.national_overview(today=today, sort="lag")), args.rounds
            ),
            "overview, cached": timed(
                lambda: overview.national_overview(today=today, sort="lag"), args.rounds
            ),
            "body page figures": timed(body_page, args.rounds),
            "result export, 5,000 rows CSV": timed(export, args.rounds),
            "saved search check (no words)": timed(
                lambda: new_documents(subscription, since=since, until=timezone.now(), today=today),
                args.rounds,
            ),
        }
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
