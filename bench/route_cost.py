"""What single public routes cost in-process on an existing archive: the first request in a fresh
process (nothing kept yet) and then warm ones, through Django's test client (no HTTP server, so
only our code, the index and the database are timed), and the public boundary's share of each
(masking its body again). For pages that keep what they compute
(``reading.kept``): sitemap sections, body pages.

    DOKREG_DATA_DIR=/tmp/w1m/data python bench/route_cost.py /sitemap.xml "/otsi/?registry=som" \
        --sections --rounds 20 [--out bench/out/routes.json]

``--sections`` adds the first page of every sitemap section. Run it with
PYTHONPATH=<other checkout>/src to time another version on the same archive.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_search import django_ready, result_print  # noqa: E402


def timed(client, path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response.status_code, response.content


def mask_ms(body: bytes, rounds: int = 20) -> float:
    """The public boundary's share of a response: masking its (already masked) body again."""
    from dokreg.public.boundary import mask_public_text

    text = body.decode("utf-8", errors="surrogateescape")
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        mask_public_text(text)
        runs.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(runs), 2)


def route_cost(paths: list[str], rounds: int) -> list[dict]:
    from django.test import Client

    client = Client()
    rows = []
    firsts = {path: timed(client, path) for path in paths}  # every route once before any is warm
    for path in paths:
        first_ms, status, body = firsts[path]
        warm = sorted(timed(client, path)[0] for _ in range(rounds))
        rows.append(
            {
                "path": path,
                "status": status,
                "bytes": len(body),
                "boundary_mask_ms": mask_ms(body),
                "first_ms": round(first_ms, 1),
                "warm_p50_ms": round(statistics.median(warm), 1),
                "warm_p95_ms": round(warm[min(len(warm) - 1, round(0.95 * (len(warm) - 1)))], 1),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--sections", action="store_true", help="add the first page of every sitemap section")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    for name in ("DOKREG_PAGE_RATE", "DOKREG_SEARCH_RATE", "DOKREG_API_RATE"):
        os.environ[name] = "off"  # one client asks for everything here
    django_ready(Path(os.environ["DOKREG_DATA_DIR"]))
    paths = list(args.paths)
    if args.sections:
        from dokreg.reading.sitemap import sections

        paths += [
            f"/sitemap-{slug}-{year if year is not None else 'undated'}.xml" for slug, year in sections()
        ]
    result = {"load_before": [round(x, 2) for x in os.getloadavg()], "routes": route_cost(paths, args.rounds)}
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    result_print(result, args.out)


if __name__ == "__main__":
    main()
