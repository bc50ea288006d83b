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

A sharded index (``shards``) travels the same way: the manifest holds each shard's meta.json, and a
file's name in it says its shard folder ("shard-1/<segment>.idx"); Tantivy's segment ids are unique, so
the store keeps all shards' files side by side. A pull swaps the shards' meta.json in one after the
other: a search in between may see one shard newer than another, never a document twice.

A reader is as stale as the publisher's delay after a commit plus its own poll interval plus the
download: see BENCHMARKS.md ("Index snapshots") for the measured numbers.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dokreg.atomic import atomic_file
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
# A file's name in a manifest: its shard folder, when the index is sharded, and the segment file.
_MANIFEST_FILE = re.compile(r"(?:shard-(?P<shard>\d{1,2})/)?(?P<file>[0-9a-f]{32}\.(?:\d+\.del|[a-z]+))")


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
        shards = s.shard_dirs(index_dir)
        try:
            metas = [(shard / META).read_bytes() for shard in shards]
        except FileNotFoundError as exc:
            raise BadInput(f"no search index at {index_dir} to publish: run the indexer first") from exc
        handles: dict[str, object] = {}
        try:
            # Opened before anything is sent: the writer may merge and remove files meanwhile, but an
            # opened file stays readable, so the snapshot is exactly what each meta.json names.
            for i, (shard, meta) in enumerate(zip(shards, metas, strict=True)):
                folder = f"shard-{i}/" if len(shards) > 1 else ""
                for path in _snapshot_files(shard, json.loads(meta)):
                    handles[folder + path.name] = path.open("rb")
        except FileNotFoundError:
            _close(handles)
            continue  # a merge removed a file between reading meta.json and opening it: read it again
        try:
            return _publish(store, index_dir, metas, handles)
        finally:
            _close(handles)
    raise IndexBroken(f"search index {index_dir} kept changing under the snapshot: try again")


def _close(handles: dict) -> None:
    for handle in handles.values():
        handle.close()


def _publish(store, index_dir: Path, metas: list[bytes], handles: dict) -> Snapshot:
    previous = _manifest(store)
    texts = [meta.decode() for meta in metas]
    if previous and previous["metas"] == texts:
        return _snapshot(previous, moved=0, moved_bytes=0)
    present = store.sizes(SEGMENTS)
    moved = moved_bytes = 0
    files = {}
    for name, handle in handles.items():
        size = os.fstat(handle.fileno()).st_size
        files[name] = size
        key = SEGMENTS + _stored_name(name)
        if present.get(key) != size:
            store.upload(key, handle)
            moved, moved_bytes = moved + 1, moved_bytes + size
    manifest = {
        "generation": (previous["generation"] + 1) if previous else 1,
        "published_at": datetime.now(UTC).isoformat(),
        "schema_version": s.stored_version(s.shard_dirs(index_dir, len(metas))[0]),
        "metas": texts,
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
            needed.update(SEGMENTS + _stored_name(f) for f in json.loads(data)["files"])
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
        if "metas" not in manifest:  # published before shards: one meta.json
            manifest["metas"] = [manifest["meta"]]
        int(manifest["generation"]), dict(manifest["files"])
        if not 1 <= len(manifest["metas"]) <= s.MAX_SHARDS or not all(
            isinstance(meta, str) for meta in manifest["metas"]
        ):
            raise ValueError("its meta.json list is not one text per shard")
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexBroken(f"snapshot manifest {store.location}{CURRENT} is damaged: {exc}") from exc
    return manifest


def _stored_name(name: str) -> str:
    """A manifest's file name as the store keeps it: segment ids are unique, so without its shard folder."""
    return name.rpartition("/")[2]


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
    metas: list[str] = manifest["metas"]
    folders = s.shard_dirs(index_dir, len(metas))
    state = _local_state(index_dir)
    if state.get("generation") == manifest["generation"] and [_read(f / META) for f in folders] == metas:
        return _snapshot(manifest, moved=0, moved_bytes=0)
    index_dir.mkdir(parents=True, exist_ok=True)
    moved = moved_bytes = 0
    for name, size in manifest["files"].items():
        target = _local_path(index_dir, folders, name)
        if target.is_file() and target.stat().st_size == size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _download(store, SEGMENTS + _stored_name(name), target)
        moved, moved_bytes = moved + 1, moved_bytes + size
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        if s.stored_version(folder) != manifest["schema_version"]:
            # Only when it differs: a new SCHEMA_VERSION file makes every web process reopen the index.
            _write_atomic(folder / s.VERSION_FILE, f"{manifest['schema_version']}\n".encode())
    if len(folders) > 1:
        _write_atomic(index_dir / s.SHARDS_FILE, f"{len(folders)}\n".encode())
    for folder, meta in zip(folders, metas, strict=True):
        _write_atomic(folder / META, meta.encode())
    if len(folders) == 1:
        (index_dir / s.SHARDS_FILE).unlink(missing_ok=True)
    files = sorted(manifest["files"])
    previous = state.get("files", [])
    _write_atomic(
        index_dir / LOCAL_STATE,
        json.dumps({"generation": manifest["generation"], "files": files, "previous": previous}).encode(),
    )
    keep = set(files) | set(previous)
    for folder in {index_dir, *folders}:
        prefix = "" if folder == index_dir else f"{folder.name}/"
        for path in folder.iterdir():
            if _SEGMENT_FILE.fullmatch(path.name) and prefix + path.name not in keep:
                path.unlink(missing_ok=True)
    return _snapshot(manifest, moved=moved, moved_bytes=moved_bytes)


def _local_path(index_dir: Path, folders: list[Path], name: str) -> Path:
    """Where a manifest's file goes: its shard's folder; refused unless it is an index file of a shard."""
    match = _MANIFEST_FILE.fullmatch(name)
    shard = int(match["shard"]) if match and match["shard"] is not None else None
    if not match or (shard is None) != (len(folders) == 1) or (shard is not None and shard >= len(folders)):
        raise IndexBroken(f"snapshot manifest names {name!r}, which is not an index file of its shards")
    return (folders[shard] if shard is not None else index_dir) / match["file"]


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
    with atomic_file(target) as handle:
        store.download(name, handle)


def _write_atomic(path: Path, data: bytes) -> None:
    with atomic_file(path) as handle:
        handle.write(data)
