"""The content-addressed file store: the same bytes are stored once, under their SHA-256.

Layout: ``ab/cd/abcd…`` under ``FILE_STORE_DIR`` (a local folder, the default) or under the prefix of
an S3-compatible object store when ``DOKREG_FILE_STORE=s3://bucket/prefix`` (``FILE_STORE_URL``): the
same names in both, so a backup or a move copies blobs across unchanged. Local writes go to a temporary
file and are renamed into place, and an object store writes an object whole or not at all, so a crash
never leaves a half-written blob under a valid name. The bytes are stored before the Blob row, so a row
always has its bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from dokreg.archive.models import Blob
from dokreg.atomic import atomic_file
from dokreg.errors import BadInput

SHA256 = re.compile(r"[0-9a-f]{64}")


def object_store():
    """The configured object store, or None when files are in the local folder."""
    url = getattr(settings, "FILE_STORE_URL", "")
    if not url:
        return None
    from dokreg.archive.objectstore import store_at

    return store_at(url)


def blob_name(sha256: str) -> str:
    if not SHA256.fullmatch(sha256 or ""):
        raise BadInput(f"{sha256!r} is not a SHA-256 blob name")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def blob_path(sha256: str) -> Path:
    """Where a blob lives in the local store (meaningless with an object store)."""
    return Path(settings.FILE_STORE_DIR) / blob_name(sha256)


def blob_put(data: bytes) -> Blob:
    sha = hashlib.sha256(data).hexdigest()
    store = object_store()
    if store is not None:
        store.put_if_absent(blob_name(sha), data)
    else:
        _local_put(blob_path(sha), data)
    blob, _ = Blob.objects.get_or_create(sha256=sha, defaults={"size": len(data)})
    return blob


def _local_put(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as handle:
        handle.write(data)


def blob_read(sha256: str) -> bytes:
    store = object_store()
    if store is None:
        return blob_path(sha256).read_bytes()
    data = store.get(blob_name(sha256))
    if data is None:
        raise FileNotFoundError(f"blob {sha256} is not in the object store {store.location}")
    return data


def blob_open(sha256: str) -> tuple[IO[bytes], int] | None:
    """A stream over a blob's bytes and its size, or None when the store has no such blob.

    For web downloads: the bytes are streamed through dokreg (never a presigned link), so the
    publication rule and the withheld-original check stay in front of every byte.
    """
    if not SHA256.fullmatch(sha256 or ""):
        return None
    store = object_store()
    if store is not None:
        return store.open(blob_name(sha256))
    path = blob_path(sha256)
    try:
        handle = path.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    return handle, os.fstat(handle.fileno()).st_size


def blob_exists(sha256: str) -> bool:
    store = object_store()
    if store is not None:
        return store.size(blob_name(sha256)) is not None
    return blob_path(sha256).is_file()


def blob_delete_unused(sha256: str) -> bool:
    """Remove a blob no file refers to any more (after a restriction or takedown purge).

    The row goes now, the bytes when the transaction commits: a purge that fails or is aborted later
    (a deadlock, then retried) is rolled back to rows that still point at their bytes."""
    if Blob.objects.filter(sha256=sha256, files__isnull=False).exists():
        return False
    Blob.objects.filter(sha256=sha256).delete()
    transaction.on_commit(lambda: _bytes_delete_unless_stored(sha256))
    return True


def _bytes_delete_unless_stored(sha256: str) -> None:
    if Blob.objects.filter(sha256=sha256).exists():
        return  # stored again since (the same bytes in another document): a row always has its bytes
    store = object_store()
    if store is not None:
        store.delete(blob_name(sha256))
    else:
        blob_path(sha256).unlink(missing_ok=True)
