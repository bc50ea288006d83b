"""The mails of new documents: for each confirmed subscription of one frequency, the documents first
seen since its last run that match its search, found by the results page's own search code.

Only documents the public may see, and only public ones: a document restricted for internal use (AK)
is never mailed, even its title. Every mail is masked for personal codes as a whole.

A document waits for the index before a search can find it, so a run does not move a subscription's
mark past the oldest document still waiting (``index_dirty``); ``recent_ids`` keeps a document that a
later run sees again from being mailed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Min, QuerySet
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from dokreg.alerts.errors import BadSubscription
from dokreg.alerts.models import Subscription
from dokreg.alerts.services import cancel_url, results_url
from dokreg.archive.models import Access, Document
from dokreg.errors import DokregError
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading import build, registries
from dokreg.reading import documents as selectors
from dokreg.reading.params import parse_search
from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import DocumentCard

MAX_PER_MAIL = 50
# How deep into a search's newest matches a run looks for new documents (the index's page limit).
SEARCH_DEPTH = 1_000
RECENT_KEPT = 2_000


@dataclass(frozen=True)
class SendReport:
    checked: int = 0
    mailed: int = 0
    documents: int = 0
    failed: int = 0


def mailable_documents() -> QuerySet[Document]:
    """What a mail may carry: the publication rule, and nothing restricted for internal use."""
    return publishable_documents().exclude(access=Access.AK)


def new_documents(
    subscription: Subscription, *, since: datetime, until: datetime, today: date
) -> list[DocumentCard]:
    """The subscription's matches first seen in (since, until], oldest first, at most MAX_PER_MAIL + 1,
    as the read layer's masked cards (the mail never holds a row)."""
    _, params = parse_search(QueryDict(subscription.query), registry_choices=registries.registry_choices())
    if params.errors:
        # A filter no longer valid (a body left the catalogue) would widen the search if dropped: mail nothing.
        raise BadSubscription(f"subscription {subscription.pk}: {'; '.join(params.errors)}")
    params = replace(params, page=1)
    fresh = mailable_documents().filter(first_seen_at__gt=since, first_seen_at__lte=until)
    fresh = fresh.exclude(pk__in=subscription.recent_ids or [])
    if params.q:
        result = selectors.index_search(
            replace(params, sort="date"), offset=0, limit=SEARCH_DEPTH, facets=False, today=today
        )
        fresh = fresh.filter(pk__in=[hit.doc_id for hit in result.hits])
    else:
        fresh = selectors.filtered_documents(fresh, params, today)
    return build.cards(fresh.select_related("registry").order_by("first_seen_at", "id")[: MAX_PER_MAIL + 1])


def alerts_send(*, frequency: str, base_url: str | None = None, now: datetime | None = None) -> SendReport:
    """Mail every confirmed ``frequency`` subscription its new documents; one failure does not stop the rest."""
    now = now or timezone.now()
    base_url = (base_url or settings.DOKREG_PUBLIC_BASE_URL).rstrip("/")
    today = timezone.localdate(now)
    # Each flag on its own partial index (an OR of the two reads every document on SQLite).
    oldest = [
        publishable_documents().filter(**{flag: True}).aggregate(oldest=Min("first_seen_at"))["oldest"]
        for flag in ("index_dirty", "index_inflight")
    ]
    waiting = min((t for t in oldest if t is not None), default=None)
    # Just before the oldest waiting document, so the next run's "first seen after" still takes it.
    until = min(now, waiting - timedelta(microseconds=1)) if waiting else now
    report = SendReport()
    subscriptions = Subscription.objects.filter(
        frequency=frequency, confirmed_at__isnull=False, cancelled_at__isnull=True
    ).order_by("id")
    for subscription in list(subscriptions):
        since = subscription.checked_until or subscription.confirmed_at
        try:
            docs = new_documents(subscription, since=since, until=now, today=today)
            if docs:
                _mail(subscription, docs, base_url=base_url)
        except (DokregError, OSError):  # the index failed, or the mail server (smtplib errors are OSErrors)
            report = replace(report, checked=report.checked + 1, failed=report.failed + 1)
            continue
        kept = [d.pk for d in docs[:MAX_PER_MAIL]]
        subscription.recent_ids = (kept + list(subscription.recent_ids or []))[:RECENT_KEPT]
        # Past the mailed ones when a mail was full; otherwise up to what the index has caught up with.
        # (A hair before the last mailed one: others seen at the same instant are looked at again.)
        mark = (
            docs[MAX_PER_MAIL - 1].first_seen_at - timedelta(microseconds=1)
            if len(docs) > MAX_PER_MAIL
            else until
        )
        subscription.checked_until = max(since, mark)
        fields = ["recent_ids", "checked_until"]
        if docs:
            subscription.last_sent_at = now
            fields.append("last_sent_at")
        subscription.save(update_fields=fields)
        report = replace(
            report,
            checked=report.checked + 1,
            mailed=report.mailed + bool(docs),
            documents=report.documents + len(docs[:MAX_PER_MAIL]),
        )
    return report


def _mail(subscription: Subscription, docs: list[DocumentCard], *, base_url: str) -> None:
    shown = docs[:MAX_PER_MAIL]
    unsubscribe = cancel_url(subscription, base_url)
    context = {
        "documents": [(d, base_url + reverse("public:document", args=[d.pk])) for d in shown],
        "more": len(docs) > MAX_PER_MAIL,
        "results_url": results_url(subscription, base_url),
        "cancel_url": unsubscribe,
        "subscription": subscription,
    }
    with translation.override(subscription.language):
        subject = translation.ngettext(
            "%(n)s uus dokument teie salvestatud otsingus",
            "%(n)s uut dokumenti teie salvestatud otsingus",
            len(shown),
        ) % {"n": len(shown)}
        body = render_to_string("alerts/new_documents_mail.txt", context)
    message = EmailMessage(
        subject=mask_personal_codes(subject),
        body=mask_personal_codes(body),
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.send()
