"""Writes of problems: what went wrong where (a day not listed, a document not fetched, a file not read)."""

from __future__ import annotations

from django.utils import timezone

from dokreg.archive.models import Document, File, Problem
from dokreg.errors import DokregError
from dokreg.registries.models import Registry


def problem_record(
    *,
    registry: Registry,
    stage: str,
    subject: str,
    error: Exception,
    document: Document | None = None,
    file: File | None = None,
) -> Problem:
    code = error.code if isinstance(error, DokregError) else "internal"
    message = (error.message if isinstance(error, DokregError) else f"{type(error).__name__}: {error}")[:4000]
    return Problem.objects.create(
        registry=registry,
        document=document,
        file=file,
        stage=stage,
        subject=subject[:1000],
        code=code,
        message=message,
        seen_at=timezone.now(),
    )


def problems_resolve(*, registry: Registry, subject: str) -> None:
    Problem.objects.filter(registry=registry, subject=subject, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
