"""Rows for public-page tests, made directly with the ORM (the services may not exist yet)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from dokreg.archive.models import Access, Blob, Document, FetchState, File, Signature
from dokreg.archive.stats import body_month_move, counted_as
from dokreg.registries.models import Registry

_seq = itertools.count(1)


def make_registry(**fields: Any) -> Registry:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "slug": f"test-body-{n}",
        "name": f"Testamet {n}",
        "name_certain": True,
        "family": Registry.Family.ADR,
        "base_url": f"https://adr.example.test/body{n}/",
        "state": Registry.State.ACTIVE,
    }
    return Registry.objects.create(**{**defaults, **fields})


def make_document(registry: Registry, **fields: Any) -> Document:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "source_id": f"src-{n}",
        "url": f"{registry.base_url}dokument/{n}",
        "fetch_state": FetchState.OK,
        "reference": f"1-2/{n}-1",
        "registered": date(2024, 2, 29),
        "doc_type": "Sissetulev kiri",
        "title": f"Dokument {n}",
        "access": Access.PUBLIC,
        "access_text": "Avalik",
        "first_seen_at": timezone.make_aware(datetime(2024, 3, 25, 10, 0)),
    }
    doc = Document.objects.create(registry=registry, **{**defaults, **fields})
    # Counted in the per-body monthly statistics as the archive's own writes count it.
    body_month_move(None, counted_as(doc))
    return doc


def store_blob(data: bytes) -> Blob:
    """Bytes in the content-addressed layout FILE_STORE_DIR/sha[:2]/sha[2:4]/sha."""
    sha = hashlib.sha256(data).hexdigest()
    path = Path(settings.FILE_STORE_DIR) / sha[:2] / sha[2:4] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    blob, _ = Blob.objects.get_or_create(sha256=sha, defaults={"size": len(data)})
    return blob


def make_file(
    document: Document,
    *,
    name: str = "kiri.pdf",
    text: str = "",
    data: bytes | None = None,
    parent: File | None = None,
    **fields: Any,
) -> File:
    content = data if data is not None else (text or name).encode()
    blob = store_blob(content)
    defaults: dict[str, Any] = {
        "ordinal": document.files.filter(parent=parent).count() + 1,
        "name": name,
        "kind": "pdf",
        "size": len(content),
        "blob": blob,
        "download_state": File.Download.OK,
        "extract_state": File.Extract.OK if text else File.Extract.UNSUPPORTED,
        "text": text,
    }
    return File.objects.create(document=document, parent=parent, **{**defaults, **fields})


def make_signature(file: File, **fields: Any) -> Signature:
    defaults: dict[str, Any] = {
        "signer_name": "MARI MAASIKAS",
        "personal_code": "",
        "signed_at": datetime(2024, 2, 28, 12, 3, 12, tzinfo=UTC),
        "profile": "LT",
        "value_valid": True,
        "digests_valid": True,
    }
    return Signature.objects.create(file=file, **{**defaults, **fields})


def index(*documents: Document, text: dict[int, str] | None = None) -> None:
    """Write documents into the test's search index as they are now (later DB changes make it stale)."""
    from dokreg.search import IndexDoc, IndexWriter

    text = text or {}
    with IndexWriter() as writer:
        for doc in documents:
            writer.add(
                IndexDoc(
                    doc_id=doc.pk,
                    registry=doc.registry.slug,
                    registry_name=doc.registry.name,
                    reference=doc.reference,
                    title=doc.title,
                    doc_type=doc.doc_type,
                    registered=doc.registered,
                    access=doc.access,
                    correspondent=doc.correspondent,
                    text=text.get(doc.pk, ""),
                )
            )
