"""What computing a body's kept figures ahead of readers costs the process that does it (a worker after a
sync or a hiding, ``reading.figures``), on an existing archive:

- cold: nothing kept, every figure of every covered body computed (what a worker pays once per body
  after a hiding, and what a reader paid before on a body's first request in each process);
- checked: everything kept under the current stamps (what a worker pays after a sync day that hid
  nothing and added no month);
- a takedown: one document of the largest body taken down with the warm inline, then put back.

    DOKREG_DATA_DIR=/tmp/w1m/data python bench/figures_warm.py [--out bench/out/figures-warm-1m.json]

Then ``bench/route_cost.py /asutus/<body>/ …`` in fresh processes times what a reader gets.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_search import django_ready, result_print  # noqa: E402


def timed(work, *args, **kwargs) -> float:
    started = time.perf_counter()
    work(*args, **kwargs)
    return round((time.perf_counter() - started) * 1000, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    os.environ["DOKREG_WARM_FIGURES"] = "inline"  # the takedown's warm is timed in this thread
    django_ready(Path(os.environ["DOKREG_DATA_DIR"]))

    from django.db.models import Sum

    from dokreg.archive.models import BodyMonth, Document, KeptEntry
    from dokreg.archive.services import document_take_down, document_take_down_undo
    from dokreg.reading.figures import figures_warm
    from dokreg.registries.models import Registry

    sizes = dict(
        BodyMonth.objects.values("registry_id").annotate(n=Sum("documents")).values_list("registry_id", "n")
    )
    bodies = sorted((r for r in Registry.objects.all() if r.covered), key=lambda r: -sizes.get(r.pk, 0))
    KeptEntry.objects.all().delete()
    rows = []
    for body in bodies:
        cold = timed(figures_warm, body.pk)
        checked = timed(figures_warm, body.pk)
        rows.append(
            {"body": body.slug, "documents": sizes.get(body.pk, 0), "cold_ms": cold, "checked_ms": checked}
        )
        print(json.dumps(rows[-1]), flush=True)

    largest = bodies[0]
    document = (
        Document.objects.filter(registry=largest, taken_down_at=None, withdrawn_at=None)
        .order_by("-pk")
        .first()
    )
    takedown = timed(document_take_down, document=document, reason="bench")
    document.refresh_from_db()
    undo = timed(document_take_down_undo, document=document)
    # Back as it was, and the index still holds it as it was: nothing for an index run to do (an index
    # run here would rebuild a sharded index in the default single shard).
    Document.objects.filter(pk=document.pk).update(index_dirty=False)
    result = {
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "bodies": rows,
        "cold_total_ms": round(sum(r["cold_ms"] for r in rows), 1),
        "checked_total_ms": round(sum(r["checked_ms"] for r in rows), 1),
        "largest_body_takedown_with_warm_ms": takedown,
        "largest_body_takedown_undo_with_warm_ms": undo,
        "kept_entries": KeptEntry.objects.count(),
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    result_print(result, args.out)


if __name__ == "__main__":
    main()
