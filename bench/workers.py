"""Queued syncs taken by 1, 2, … `dokreg worker` processes sharing one PostgreSQL database.

    python bench/workers.py --docs 3000 --files pdf --workers 1,2,4 --out bench/out/workers.json

For each worker count: a fresh PostgreSQL database (created and dropped here), simulated ADR registers
served from a forked child (bench/sync_search.py's), `dokreg sync --queue` for every register's days,
then that many `dokreg worker --queue sync --queue extract` processes, each with a data folder of its
own, started together. The clock runs from their start until no sync or extract task is waiting or
running; then they are stopped. Indexing is left out (one indexer, measured in its own benches).

Reported per run: wall seconds, documents and files per second, what the workers left behind (failed
tasks, documents not fetched, files not downloaded or extracted, duplicates, documents the simulator
served more than once) and PostgreSQL's own count of deadlocks in the database (pg_stat_database),
which the workers broke by running the aborted write again. Two cores here: the simulator and
PostgreSQL share them with the workers, so more workers than cores shows contention, not capacity.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_full import PG_ADMIN_URL, pg_database_create  # noqa: E402 — bench/ is not a package
from sync_search import Simulator, machine, result_print, sync_config  # noqa: E402

QUEUES = ("sync", "extract")
TASKS = "django_tasks_database_dbtaskresult"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=3000, help="about how many documents in all")
    parser.add_argument("--files", choices=("none", "pdf", "asice", "mix"), default="pdf")
    parser.add_argument("--bodies", type=int, default=0, help="registers (default: from --docs, up to 3)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, comma-separated")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="where to create the fresh databases")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a run may take")
    parser.add_argument(
        "--before-src",
        type=Path,
        help="also run each count with this older src/ (git archive <rev> src | tar -x -C DIR), interleaved",
    )
    parser.add_argument("--out", type=Path, help="write the JSON results here")
    args = parser.parse_args(argv)
    args.counts = [int(n) for n in args.workers.split(",") if n.strip()]
    return args


def dokreg_env(database_url: str, data_dir: Path, src: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOKREG_", "DJANGO_", "PYTHONPATH"))}
    return {
        **env,
        **({"PYTHONPATH": str(src.resolve())} if src else {}),
        "DATABASE_URL": database_url,
        "DOKREG_DATA_DIR": str(data_dir),
        "DOKREG_TASKS": "database",
        "DOKREG_REQUEST_INTERVAL": "0",
    }


def dokreg(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "dokreg", *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"dokreg {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def sql(url: str, query: str, *params):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, params or None)
        return cursor.fetchall() if cursor.description else []


def busy_tasks(url: str) -> int:
    [(n,)] = sql(
        url,
        f"SELECT COUNT(*) FROM {TASKS} WHERE queue_name = ANY(%s) AND status IN ('READY', 'RUNNING')",
        list(QUEUES),
    )
    return n


def deadlocks(url: str) -> int:
    [(n,)] = sql(url, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
    return n


def run(args: argparse.Namespace, count: int, work: Path, src: Path | None = None) -> dict:
    from dokreg.simulator.corpus import Corpus

    config = sync_config(args.docs, args.files, args.bodies)
    slugs = [spec.slug for spec in Corpus(config).bodies]
    simulator = Simulator(config)
    name, url = pg_database_create(args.pg_admin_url)
    try:
        setup = dokreg_env(url, work / "setup", src)
        dokreg(setup, "migrate")
        last = config.start.toordinal() + config.days - 1
        for slug in slugs:
            dokreg(setup, "registry", "add", "--slug", f"w-{slug}", "--url", simulator.base_url(slug))
            dokreg(
                setup, "sync", "--registry", f"w-{slug}", "--since", str(config.start),
                "--until", str(config.start.fromordinal(last)), "--queue",
            )  # fmt: skip
        queued = busy_tasks(url)
        deadlocks_before = deadlocks(url)
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dokreg",
                    "worker",
                    *[f"--queue={q}" for q in QUEUES],
                    "--interval",
                    "0.2",
                ],
                env=dokreg_env(url, work / f"host-{i}", src),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for i in range(count)
        ]
        idle_polls = 0
        while idle_polls < 2:  # two polls in a row: a task that just finished may be enqueueing the next
            time.sleep(0.5)
            idle_polls = idle_polls + 1 if busy_tasks(url) == 0 else 0
            if time.perf_counter() - started > args.timeout:
                break
        seconds = time.perf_counter() - started - 0.5  # the confirming poll is not work
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(60)
        facts = facts_read(url)
        facts["deadlocks"] = deadlocks(url) - deadlocks_before
    finally:
        requests = simulator.stop()
        sql(args.pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "code": "before" if src else "this",
        "workers": count,
        "tasks_queued": queued,
        "seconds": round(seconds, 1),
        "documents_per_s": round(facts["documents"] / seconds, 1),
        "files_per_s": round(facts["files"] / seconds, 1),
        **facts,
        "simulator_documents": simulator.documents,
        "simulator_files": simulator.files,
        "document_pages_served": requests.get("document", 0),
        "files_served": requests.get("file", 0),
    }


def facts_read(url: str) -> dict:
    def one(query: str) -> int:
        return sql(url, query)[0][0]

    return {
        "documents": one("SELECT COUNT(*) FROM archive_document"),
        "documents_not_fetched": one("SELECT COUNT(*) FROM archive_document WHERE fetch_state <> 'ok'"),
        "files": one("SELECT COUNT(*) FROM archive_file WHERE parent_id IS NULL"),
        # Files a public document lists that are not downloaded, or downloaded and not extracted.
        "files_not_done": one(
            "SELECT COUNT(*) FROM archive_file f JOIN archive_document d ON d.id = f.document_id "
            "WHERE f.parent_id IS NULL AND d.access = 'public' AND f.download_state <> 'withheld' "
            "AND (f.download_state <> 'ok' OR f.extract_state = 'pending')"
        ),
        "tasks_failed": one(f"SELECT COUNT(*) FROM {TASKS} WHERE status = 'FAILED'"),
        "duplicate_documents": one(
            "SELECT COUNT(*) FROM (SELECT 1 FROM archive_document GROUP BY registry_id, source_id "
            "HAVING COUNT(*) > 1) d"
        ),
    }


def markdown(results: list[dict]) -> str:
    head = (
        "| code | workers | seconds | documents/s | files/s | deadlocks broken | failed tasks | not fetched | "
        "files not done | pages served / documents |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {r['code']} | {r['workers']} | {r['seconds']} | {r['documents_per_s']} | {r['files_per_s']} | {r['deadlocks']} | "
        f"{r['tasks_failed']} | {r['documents_not_fetched']} | {r['files_not_done']} | "
        f"{r['document_pages_served']} / {r['documents']} |"
        for r in results
    ]
    return "\n".join([head, *rows])


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="dokreg-workers-") as tmp:
        for count in args.counts:
            for src in ([args.before_src] if args.before_src else []) + [None]:
                label = "before" if src else "this"
                results.append(run(args, count, Path(tmp) / f"run-{count}-{label}", src))
                print(markdown(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "machine": machine(),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "runs": results,
        "largest_child_peak_rss_mib": round(largest, 1),
        "markdown": markdown(results),
    }
    result_print(result, args.out)
    return result


if __name__ == "__main__":
    main()
