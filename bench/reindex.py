"""`dokreg reindex` from the database: documents/s, CPU and peak memory (BENCHMARKS.md section 12).

    python bench/reindex.py build --docs 200000 --work-dir /tmp/reindex-200k
    python bench/reindex.py reindex --work-dir /tmp/reindex-200k [--out bench/out/reindex.json]

``build`` writes a SQLite archive once: web_search.py's simulator documents (bulk-inserted, 69 %
public), and for each public document one downloaded PDF row holding the generated body text
(1-3 kB, what extraction leaves in ``File.text``). ``reindex`` runs the real ``index_rebuild`` (what
`dokreg reindex` runs, progress callback included) in a fresh process, so its peak RSS is the
rebuild's alone. Run it with PYTHONPATH=<other checkout>/src to measure another version on the
same archive; reindex leaves the documents as it found them (indexed), so runs can alternate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sync_search  # noqa: E402 - the Django set-up is shared with that bench
import web_search  # noqa: E402 - and the documents with this one


def build(docs: int, work_dir: Path) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from dokreg.archive.models import Document, File

    registries: dict = {}
    now = timezone.now()
    rows: list = []
    files: list = []
    started = time.perf_counter()
    count = 0

    def flush() -> None:
        with transaction.atomic():
            Document.objects.bulk_create(rows, batch_size=1_000)
            File.objects.bulk_create(files, batch_size=1_000)
        rows.clear()
        files.clear()

    for doc, sim in web_search.stream_docs(docs, "full"):
        registry = registries.get(doc.registry) or web_search._registry(registries, doc)
        row = web_search._document(doc, sim, registry, now)
        row.index_dirty = True
        rows.append(row)
        if doc.text:
            files.append(
                File(
                    document_id=doc.doc_id,
                    ordinal=1,
                    name=doc.file_names[0],
                    kind="pdf",
                    download_state=File.Download.OK,
                    extract_state=File.Extract.OK,
                    text=doc.text,
                )
            )
        count += 1
        if len(rows) >= 5_000:
            flush()
    flush()
    return {
        "documents": count,
        "files": File.objects.count(),
        "build_s": round(time.perf_counter() - started, 1),
    }


def rss_mib() -> int:
    """The resident set now (peak RSS only ever grows; this shows whether it keeps growing)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024)
    return 0


class MemorySampler(threading.Thread):
    """RssAnon (private memory) and RssFile (mapped files: the index's segments, libraries) of this
    process and of each of its children (the shard processes), every half second.

    Peak RSS alone mixes the two: the page cache shares mapped segments with every reader and the
    kernel drops them under pressure, while private memory is what the process really holds.
    """

    FIELDS = ("VmRSS", "RssAnon", "RssFile")

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: dict[str, list[dict[str, int]]] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.5):
            me = os.getpid()
            for pid in (me, *_children(me)):
                fields = _status_kib(pid)
                if fields:
                    self.samples.setdefault("self" if pid == me else f"child {pid}", []).append(fields)

    def summary(self) -> dict:
        """Per process, MiB: each field's peak, and the median of its private memory."""
        self._done.set()
        self.join()
        return {
            name: {
                **{f"peak_{k}": round(max(s[k] for s in rows) / 1024) for k in self.FIELDS},
                "median_RssAnon": round(statistics.median(s["RssAnon"] for s in rows) / 1024),
                "samples": len(rows),
            }
            for name, rows in self.samples.items()
        }


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name sits in brackets and may hold spaces: the parent's pid follows it.
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _status_kib(pid: int) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {k: int(fields.get(k, "0 kB").split()[0]) for k in MemorySampler.FIELDS}


def cpu_seconds() -> float:
    """This process's CPU and its finished children's (the shard processes of a parallel rebuild)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reindex(parallel: bool = False) -> dict:
    from dokreg.archive.models import Document
    from dokreg.pipeline.indexing import index_rebuild
    from dokreg.search.analyser import default_analyser

    default_analyser().lemmatiser.lemmas(["tere"])  # load Vabamorf outside the timing
    total = Document.objects.count()
    seen: list[int] = []
    started_at = time.perf_counter()
    marks: list[tuple[int, float]] = []

    def progress(n: int) -> None:
        seen.append(n)
        done = sum(seen)
        if not marks or done - marks[-1][0] >= 50_000:
            marks.append((done, round(time.perf_counter() - started_at, 1), rss_mib()))

    load_before = os.getloadavg()
    cpu = cpu_seconds()
    sampler = MemorySampler()
    sampler.start()
    wall = time.perf_counter()
    done = index_rebuild(progress=progress, parallel=parallel)
    wall = time.perf_counter() - wall
    memory = sampler.summary()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = cpu_seconds() - cpu
    from django.conf import settings

    return {
        "documents": total,
        "reindexed": done,
        "progress_sum": sum(seen),
        "progress_calls": len(seen),
        "wall_s": round(wall, 1),
        "docs_per_s": round(done / wall),
        "cpu_s": round(cpu, 1),
        "docs_per_cpu_s": round(done / cpu),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        # With --parallel the shards are written by child processes: the largest of them.
        "children_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "memory_mib": memory,  # per process: private (RssAnon) and mapped (RssFile), sampled
        "shards": settings.INDEX_SHARDS,
        "parallel": parallel,
        "load_before": [round(x, 1) for x in load_before],
        "load_after": [round(x, 1) for x in os.getloadavg()],
        "index_mib": round(web_search._dir_bytes(Path(settings.INDEX_DIR)) / 2**20, 1),
        "progress_marks": marks,  # (documents done, seconds, RSS MiB) every 50k
        "rss_end_mib": rss_mib(),
        "code": str(Path(sys.modules["dokreg"].__file__).parent),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("build", "reindex"))
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="one process per shard (DOKREG_INDEX_SHARDS), as `dokreg reindex`",
    )
    args = parser.parse_args(argv)
    sync_search.django_ready(args.work_dir / "data")
    result = build(args.docs, args.work_dir) if args.action == "build" else reindex(args.parallel)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
