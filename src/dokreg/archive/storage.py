"""The content-addressed file store: the same bytes are stored once, under their SHA-256.

Layout: ``FILE_STORE_DIR/ab/cd/abcd…``. Writes go to a temporary file and are renamed into
place, so a crash never leaves a half-written blob under a valid name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

from dokreg.archive.models import Blob


def blob_path(sha256: str) -> Path:
    return Path(settings.FILE_STORE_DIR) / sha256[:2] / sha256[2:4] / sha256


def blob_put(data: bytes) -> Blob:
    sha = hashlib.sha256(data).hexdigest()
    path = blob_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    blob, _ = Blob.objects.get_or_create(sha256=sha, defaults={"size": len(data)})
    return blob


def blob_read(sha256: str) -> bytes:
    return blob_path(sha256).read_bytes()


def blob_delete_unused(sha256: str) -> bool:
    """Remove a blob no file refers to any more (after a restriction or takedown purge)."""
    if Blob.objects.filter(sha256=sha256, files__isnull=False).exists():
        return False
    Blob.objects.filter(sha256=sha256).delete()
    blob_path(sha256).unlink(missing_ok=True)
    return True
