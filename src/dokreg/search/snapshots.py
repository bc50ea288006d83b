"""Index snapshots in an object store: the one indexer publishes, web hosts on other machines pull.

Tantivy never changes a file it wrote: new documents make new segment files, deletes a new
``<segment>.<opstamp>.del``, merges new segments; ``meta.json`` names the live ones. So a snapshot is
that ``meta.json`` plus the files it names, and both sides move only what the other lacks:

- ``snapshot_publish`` (on the indexer's host) uploads the live files the store does not hold yet under
  ``segments/``, then a manifest (generation, time, schema version, meta.json, files and sizes) as
  ``manifests/<generation>.json`` and last as ``CURRENT.json``. Files no kept manifest names are removed.
- ``snapshot_pull`` (on a web host) reads ``CURRENT.json``, downloads the files its index folder lacks,
  and only then replaces ``meta.json`` (``os.replace``, atomic): a search sees the old snapshot or the new
  one, never a mix. Web processes notice the new meta.json at their next search (``services._searcher``)
  and reload; searches already running keep their open (mmapped) files, which Linux keeps readable after
  unlinking, and files of the snapshot before are kept one generation more for good measure.

A reader is as stale as the publisher's delay after a commit plus its own poll interval plus the
download: see BENCHMARKS.md ("Index snapshots") for the measured numbers.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dokreg.errors import BadInput
from dokreg.search import schema as s
from dokreg.search.errors import IndexBroken, IndexOutdated

CURRENT = "CURRENT.json"
MANIFESTS = "manifests/"
SEGMENTS = "segments/"
KEEP_MANIFESTS = 3
LOCAL_STATE = ".dokreg-snapshot.json"
META = "meta.json"
_SEGMENT_FILE = re.compile(r"(?P<segment>[0-9a-f]{32})\.(?:(?P<opstamp>\d+)\.del|[a-z]+)")


@dataclass(frozen=True)
class Snapshot:
    generation: int
    published_at: str  # ISO time the manifest was made (UTC)
    files: int  # files the snapshot consists of
    moved: int  # files uploaded (publish) or downloaded (pull) this time
    moved_bytes: int


def _store(url: str | None):
    from django.conf import settings

    from dokreg.archive.objectstore import store_at

    url = url or settings.INDEX_SNAPSHOTS_URL
    if not url:
        raise BadInput("no snapshot store: set DOKREG_INDEX_SNAPSHOTS=s3://bucket/prefix")
    return store_at(url)


def live_files(meta: dict) -> set[str]:
    """The file-name stems meta.json makes live: each segment, and its current delete file."""
    stems = set()
    for segment in meta.get("segments", ()):
        sid = str(segment["segment_id"]).replace("-", "")
        deletes = segment.get("deletes") or {}
        stems.add((sid, str(deletes["opstamp"]) if "opstamp" in deletes else None))
    return stems


def _snapshot_files(index_dir: Path, meta: dict) -> list[Path]:
    stems = live_files(meta)
    segments = {sid for sid, _ in stems}
    wanted = []
    for path in index_dir.iterdir():
        match = _SEGMENT_FILE.fullmatch(path.name)
        if not match or match["segment"] not in segments:
            continue
        if match["opstamp"] is not None and (match["segment"], match["opstamp"]) not in stems:
            continue  # a delete file an older commit left behind
        wanted.append(path)
    return sorted(wanted)


def snapshot_publish(*, index_dir: Path | None = None, store_url: str | None = None) -> Snapshot:
    """Publish the index as it is now; a no-op (moved=0) when the last snapshot is already it."""
    index_dir = s.resolve_dir(index_dir)
    store = _store(store_url)
    for _ in range(5):
        try:
            meta_bytes = (index_dir / META).read_bytes()
        except FileNotFoundError as exc:
            raise BadInput(f"no search index at {index_dir} to publish: run the indexer first") from exc
        meta = json.loads(meta_bytes)
        try:
            # Opened before anything is sent: the writer may merge and remove files meanwhile, but an
            # opened file stays readable, so the snapshot is exactly what this meta.json names.
            handles = {path.name: path.open("rb") for path in _snapshot_files(index_dir, meta)}
        except FileNotFoundError:
            continue  # a merge removed a file between reading meta.json and opening it: read it again
        try:
            return _publish(store, index_dir, meta_bytes, handles)
        finally:
            for handle in handles.values():
                handle.close()
    raise IndexBroken(f"search index {index_dir} kept changing under the snapshot: try again")


def _publish(store, index_dir: Path, meta_bytes: bytes, handles: dict) -> Snapshot:
    previous = _manifest(store)
    if previous and previous["meta"] == meta_bytes.decode():
        return _snapshot(previous, moved=0, moved_bytes=0)
    present = store.sizes(SEGMENTS)
    moved = moved_bytes = 0
    files = {}
    for name, handle in handles.items():
        size = os.fstat(handle.fileno()).st_size
        files[name] = size
        if present.get(SEGMENTS + name) != size:
            store.upload(SEGMENTS + name, handle)
            moved, moved_bytes = moved + 1, moved_bytes + size
    manifest = {
        "generation": (previous["generation"] + 1) if previous else 1,
        "published_at": datetime.now(UTC).isoformat(),
        "schema_version": s.stored_version(index_dir),
        "meta": meta_bytes.decode(),
        "files": files,
    }
    body = json.dumps(manifest).encode()
    store.put(f"{MANIFESTS}{manifest['generation']:012d}.json", body)
    store.put(CURRENT, body)  # last: readers see the new snapshot only when all its files are there
    _collect_garbage(store, present)
    return _snapshot(manifest, moved=moved, moved_bytes=moved_bytes)


def _collect_garbage(store, present: dict[str, int]) -> None:
    """Remove manifests past the newest KEEP_MANIFESTS and segment files none of those names."""
    names = sorted(store.names(MANIFESTS))
    kept = names[-KEEP_MANIFESTS:]
    needed: set[str] = set()
    for name in kept:
        data = store.get(name)
        if data is not None:
            needed.update(SEGMENTS + f for f in json.loads(data)["files"])
    for name in names[:-KEEP_MANIFESTS]:
        store.delete(name)
    for name in present:
        if name not in needed:
            store.delete(name)


def _manifest(store) -> dict | None:
    data = store.get(CURRENT)
    if data is None:
        return None
    try:
        manifest = json.loads(data)
        int(manifest["generation"]), dict(manifest["files"]), str(manifest["meta"])
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexBroken(f"snapshot manifest {store.location}{CURRENT} is damaged: {exc}") from exc
    return manifest


def _snapshot(manifest: dict, *, moved: int, moved_bytes: int) -> Snapshot:
    return Snapshot(
        generation=manifest["generation"],
        published_at=manifest["published_at"],
        files=len(manifest["files"]),
        moved=moved,
        moved_bytes=moved_bytes,
    )


def snapshot_pull(*, index_dir: Path | None = None, store_url: str | None = None) -> Snapshot | None:
    """Bring the local index to the published snapshot; None when nothing is published yet.

    moved=0 means the local index already was that snapshot. Never run it on the indexer's own folder.
    """
    index_dir = s.resolve_dir(index_dir)
    store = _store(store_url)
    manifest = _manifest(store)
    if manifest is None:
        return None
    if manifest.get("schema_version") != s.SCHEMA_VERSION:
        raise IndexOutdated(
            f"the published index has schema version {manifest.get('schema_version')}, this dokreg reads "
            f"version {s.SCHEMA_VERSION}: run the same dokreg version on the indexer and the web hosts"
        )
    state = _local_state(index_dir)
    if state.get("generation") == manifest["generation"] and _read(index_dir / META) == manifest["meta"]:
        return _snapshot(manifest, moved=0, moved_bytes=0)
    index_dir.mkdir(parents=True, exist_ok=True)
    moved = moved_bytes = 0
    for name, size in manifest["files"].items():
        if not _SEGMENT_FILE.fullmatch(name):
            raise IndexBroken(f"snapshot manifest names {name!r}, which is not an index file")
        target = index_dir / name
        if target.is_file() and target.stat().st_size == size:
            continue
        _download(store, SEGMENTS + name, target)
        moved, moved_bytes = moved + 1, moved_bytes + size
    if s.stored_version(index_dir) != manifest["schema_version"]:
        # Only when it differs: a new SCHEMA_VERSION file makes every web process reopen the index.
        _write_atomic(index_dir / s.VERSION_FILE, f"{manifest['schema_version']}\n".encode())
    _write_atomic(index_dir / META, manifest["meta"].encode())
    files = sorted(manifest["files"])
    previous = state.get("files", [])
    _write_atomic(
        index_dir / LOCAL_STATE,
        json.dumps({"generation": manifest["generation"], "files": files, "previous": previous}).encode(),
    )
    keep = set(files) | set(previous)
    for path in index_dir.iterdir():
        if _SEGMENT_FILE.fullmatch(path.name) and path.name not in keep:
            path.unlink(missing_ok=True)
    return _snapshot(manifest, moved=moved, moved_bytes=moved_bytes)


def snapshot_follow(
    *, interval: float, index_dir: Path | None = None, store_url: str | None = None, on_pull=None
) -> None:
    """Pull every ``interval`` seconds, for ever (a web host's side-car: `dokreg index pull --follow`)."""
    while True:
        started = time.monotonic()
        pulled = snapshot_pull(index_dir=index_dir, store_url=store_url)
        if on_pull is not None and pulled is not None and pulled.moved:
            on_pull(pulled)
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


def _local_state(index_dir: Path) -> dict:
    try:
        state = json.loads((index_dir / LOCAL_STATE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _download(store, name: str, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            store.download(name, handle)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
