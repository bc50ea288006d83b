"""Hostile clients against `dokreg serve`: do ordinary readers stay fast while 8 clients send costly searches?

    python bench/hostile_load.py --docs 20000 --seconds 20 --out bench/out/hostile-load.json

An archive of simulated documents is built (bench/web_search.py's build_archive), `dokreg serve` starts on
127.0.0.1, and a reader fetches document pages one after another: first alone (idle p50), then while 8
attackers, each from its own loopback address (127.0.0.2-9), loop over the costliest searches the query
budget still allows, for a bounded time and count. Two runs: per-IP limits on, and limits off (the search
slots and the query-cost budget protect). BENCH_WORKERS sets
granian's worker processes (default 1). The attackers run in this process, on the same 2 cores as the
server: a real attacker's CPU would not be ours. Loopback only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from sync_search import django_ready, machine  # noqa: E402
from web_search import archive_once, dokreg_start, free_port, stop, wait_ready  # noqa: E402

ATTACKERS = 8
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
MAX_ATTACK_REQUESTS = 20_000  # per attacker: a hard bound beside the time bound
# The costliest search the budget admits: five two-letter prefixes and the rest OR'd words, 500 chars.
WORDS = "leping kiri taotlus otsus vastus arve akt korraldus aruanne teatis".split()
COSTLY = " OR ".join(["ko*", "ta*", "ar*", "le*", "ot*"] + WORDS * 4)[:500]
# Each request a different query of the same cost (a last word no document holds), so no kept result
# (dokreg.search keeps results per index generation) answers it: a real attacker varies the query.
COSTLY_VARIED = COSTLY[: COSTLY.rfind(" OR ", 0, 480)]


def reader(port: int, paths: list[str], seconds: float) -> list[float]:
    timings = []
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        i = 0
        while time.monotonic() < deadline and i < 100_000:
            start = time.perf_counter()
            client.get(paths[i % len(paths)])
            timings.append((time.perf_counter() - start) * 1000)
            i += 1
    return timings


def attacker(port: int, address: str, seconds: float, counts: dict, vary: bool = True) -> None:
    transport = httpx.HTTPTransport(local_address=address)
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport, timeout=60) as client:
        for n in range(MAX_ATTACK_REQUESTS):
            if time.monotonic() > deadline:
                break
            query = f"{COSTLY_VARIED} OR x{address.rsplit('.', 1)[-1]}q{n}" if vary else COSTLY
            status = client.get("/otsi/?" + urlencode({"q": query})).status_code
            counts[status] = counts.get(status, 0) + 1


def under_attack(port: int, paths: list[str], seconds: float) -> dict:
    counts: dict[int, int] = {}
    threads = [
        threading.Thread(target=attacker, args=(port, f"127.0.0.{i + 2}", seconds, counts), daemon=True)
        for i in range(ATTACKERS)
    ]
    for t in threads:
        t.start()
    time.sleep(1)  # let the attack reach full strength
    timings = reader(port, paths, seconds - 2)
    for t in threads:
        t.join()
    return {"reader": _summary(timings), "attacker_statuses": {str(k): v for k, v in sorted(counts.items())}}


def _summary(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "requests": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(values[int(0.95 * (len(values) - 1))], 2),
    }


def scenario(
    name: str,
    data_dir: Path,
    paths: list[str],
    seconds: float,
    env: dict[str, str],
    before: Path | None = None,
) -> dict:
    port = free_port()
    if before is not None:  # older code on the same archive (PYTHONPATH first on the path)
        env = env | {"PYTHONPATH": str(before)}
        name = f"{name}, before ({before})"
    server = dokreg_start(data_dir, port, workers=WORKERS, extra_env=env)
    try:
        wait_ready(port, "/", server)
        reader(port, paths, 3)  # warm caches
        idle = _summary(reader(port, paths, seconds / 2))
        attacked = under_attack(port, paths, seconds)
    finally:
        stop(server)
    ratio = attacked["reader"]["p50_ms"] / idle["p50_ms"]
    print(
        f"{name}: idle p50 {idle['p50_ms']} ms, under attack p50 {attacked['reader']['p50_ms']} ms ({ratio:.2f}x)"
    )
    return {"scenario": name, "env": env, "idle": idle, **attacked, "p50_ratio": round(ratio, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--work-dir", type=Path, help="keep (and reuse) the archive here")
    parser.add_argument("--before-src", type=Path, help="a src/ of older code: its scenarios run first")
    args = parser.parse_args()
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="dokreg-hostile-"))
    django_ready(work_dir / "data")
    built = archive_once(args.docs, work_dir, "short")
    paths = [f"/dokument/{i}/" for i in range(1, min(built["documents"], 500) + 1)]
    data_dir = Path(os.environ["DOKREG_DATA_DIR"])
    # The reader is on 127.0.0.1 and never hits its own page limit in these runs.
    common = {"DOKREG_PAGE_RATE": "100000/min"}
    results = [
        scenario(name, data_dir, paths, args.seconds, common | env, code)
        for code in ([args.before_src.resolve()] if args.before_src else []) + [None]
        for name, env in (
            ("per-IP limits on (search 60/min)", {"DOKREG_SEARCH_RATE": "60/min"}),
            ("limits off, query budget only", {"DOKREG_SEARCH_RATE": "off"}),
        )
    ]
    report = {
        "machine": machine(),
        "docs": built["documents"],
        "costly_query": COSTLY_VARIED + " OR <a different word each request>",
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "results": results,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
