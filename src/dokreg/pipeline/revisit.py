"""Which stored documents to fetch again, and when.

Registers change documents mostly soon after registration: files are added once signed,
restrictions are added on review, metadata is corrected. Later they rarely change, except
that a restriction ends (its end date passes) or a document is withdrawn. So:

- registered in the last 30 days: every day;
- public and registered in the last year: every week;
- everything else (older, restricted): every 30 days;
- a restriction whose end date has passed since we last looked: at once (it may be public now);
- documents gone at the source: every 30 days (they sometimes come back).

The oldest check goes first, so a limited run always makes progress through the archive.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from dokreg.archive.models import Access, Document, FetchState
from dokreg.registries.models import Registry

RECENT = timedelta(days=30)
YEAR = timedelta(days=365)
DAILY, WEEKLY, MONTHLY = timedelta(days=1), timedelta(days=7), timedelta(days=30)


def revisit_due(*, registry: Registry, due_only: bool = True, limit: int | None = None) -> QuerySet[Document]:
    documents = Document.objects.filter(
        registry=registry, fetch_state=FetchState.OK, taken_down_at__isnull=True
    )
    if due_only:
        documents = documents.filter(revisit_due_rule())
    documents = documents.order_by(F("last_checked_at").asc(nulls_first=True), "pk")
    return documents[:limit] if limit else documents


def revisit_due_rule(now=None) -> Q:
    now = now or timezone.now()
    today = timezone.localdate(now)
    never = Q(last_checked_at__isnull=True)
    recent = Q(registered__gte=today - RECENT, last_checked_at__lt=now - DAILY)
    public_year = Q(access=Access.PUBLIC, registered__gte=today - YEAR, last_checked_at__lt=now - WEEKLY)
    everything = Q(last_checked_at__lt=now - MONTHLY)
    lapsed = Q(restriction_ends__isnull=False, restriction_ends__lte=today) & Q(
        last_checked_at__date__lt=F("restriction_ends")
    )
    return never | recent | public_year | everything | lapsed
