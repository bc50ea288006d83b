"""Backups an operator can restore: the database and the content-addressed file store, in one folder.

The file store is the local folder or, with ``DOKREG_FILE_STORE=s3://…``, the object store: its blobs
are copied into the backup folder with the same ``ab/cd/sha`` names either way, so a backup of one kind
restores into the other (a way to move an archive onto an object store, or off it).

The search index is derived from the database and is rebuilt after a restore, never backed up.
SQLite is copied with its online backup API (safe while dokreg runs); PostgreSQL with ``pg_dump``
in its custom format, restored with ``pg_restore``. Blobs are named by their SHA-256, so a backup
into the same folder again copies only the new ones, and a restore checks every byte it copies.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from dokreg import __version__
from dokreg.archive.storage import SHA256, object_store
from dokreg.errors import BadInput

MANIFEST = "MANIFEST.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"


@dataclass(frozen=True)
class BackupReport:
    database: str
    blobs: int
    blobs_copied: int


def archive_backup(*, destination: Path) -> BackupReport:
    destination.mkdir(parents=True, exist_ok=True)
    kind = connection.vendor
    if kind == "sqlite":
        _sqlite_backup(destination / SQLITE_NAME)
    elif kind == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination / PG_NAME}", _pg_url()])
    else:
        raise BadInput(f"backups of a {kind} database are not supported")
    store = object_store()
    if store is None:
        total, copied = _copy_blobs(Path(settings.FILE_STORE_DIR), destination / "files", verify=False)
    else:
        total, copied = _blobs_from_store(store, destination / "files")
    manifest = {
        "dokreg": __version__,
        "made_at": datetime.now(UTC).isoformat(),
        "database": kind,
        "blobs": total,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupReport(database=kind, blobs=total, blobs_copied=copied)


def archive_restore(*, source: Path) -> BackupReport:
    """Put a backup back into the configured database and file store (an empty archive, or one to replace)."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BadInput(f"{source} is not a dokreg backup: {MANIFEST} is missing or unreadable") from exc
    kind = connection.vendor
    if manifest.get("database") != kind:
        raise BadInput(f"{source} holds a {manifest.get('database')} database; this archive uses {kind}")
    connection.close()
    if kind == "sqlite":
        target = Path(settings.DATABASES["default"]["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)
        shutil.copyfile(source / SQLITE_NAME, target)
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                f"--dbname={_pg_url()}",
                str(source / PG_NAME),
            ]
        )
    store = object_store()
    if store is None:
        total, copied = _copy_blobs(source / "files", Path(settings.FILE_STORE_DIR), verify=True)
    else:
        total, copied = _blobs_to_store(source / "files", store)
    return BackupReport(database=kind, blobs=total, blobs_copied=copied)


def _sqlite_backup(path: Path) -> None:
    connection.ensure_connection()
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(tmp)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    tmp.replace(path)


def _copy_blobs(source: Path, destination: Path, *, verify: bool) -> tuple[int, int]:
    total = copied = 0
    for blob in sorted(source.glob("??/??/*")):
        if blob.name.startswith(".tmp-"):
            continue  # a write cut short by a crash, never a stored blob
        total += 1
        target = destination / blob.relative_to(source)
        if target.exists():
            continue
        data = blob.read_bytes()
        if verify and hashlib.sha256(data).hexdigest() != blob.name:
            raise BadInput(f"backup blob {blob} does not match its SHA-256 name: the backup is damaged")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(".tmp-" + target.name)
        tmp.write_bytes(data)
        tmp.replace(target)
        copied += 1
    return total, copied


def _blobs_from_store(store, destination: Path) -> tuple[int, int]:
    """Blobs of the object store into the backup folder, streamed (a blob can be 200 MB)."""
    total = copied = 0
    for name, size in sorted(store.sizes().items()):
        if not SHA256.fullmatch(name.rsplit("/", 1)[-1]) or name.count("/") != 2:
            continue  # not a blob (an operator's note, an index snapshot under the same prefix)
        total += 1
        target = destination / name
        if target.is_file() and target.stat().st_size == size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(".tmp-" + target.name)
        with tmp.open("wb") as handle:
            store.download(name, handle)
        tmp.replace(target)
        copied += 1
    return total, copied


def _blobs_to_store(source: Path, store) -> tuple[int, int]:
    """Blobs of the backup folder into the object store, each checked against its SHA-256 first."""
    present = store.sizes()
    total = copied = 0
    for blob in sorted(source.glob("??/??/*")):
        if blob.name.startswith(".tmp-"):
            continue
        total += 1
        name = blob.relative_to(source).as_posix()
        if present.get(name) == blob.stat().st_size:
            continue
        data = blob.read_bytes()
        if hashlib.sha256(data).hexdigest() != blob.name:
            raise BadInput(f"backup blob {blob} does not match its SHA-256 name: the backup is damaged")
        store.put(name, data)
        copied += 1
    return total, copied


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def _run(argv: list[str]) -> None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BadInput(f"{argv[0]} is not installed (Debian: postgresql-client)") from exc
    if result.returncode != 0:
        raise BadInput(f"{argv[0]} failed: {result.stderr.strip()[:500]}")
