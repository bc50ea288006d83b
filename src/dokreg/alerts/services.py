"""Subscribe (double opt-in), confirm and cancel. Writes only; the mails of new documents are in ``sending``.

Nothing here says whether an address is already subscribed: every subscribe answers the same way,
so the form cannot be used to find out who follows what.
"""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from dokreg.alerts import tokens
from dokreg.alerts.errors import BadSubscription, TooMany
from dokreg.alerts.models import Subscription
from dokreg.privacy.personal_codes import mask_personal_codes, replace_personal_codes
from dokreg.ratelimit import parse_rate, subject_allows
from dokreg.reading.params import params_query, parse_search
from dokreg.reading.registries import registry_choices

# Abuse limits: confirmation mails to one address a day, and saved searches one address may keep.
CONFIRM_MAILS_PER_DAY = int(os.environ.get("DOKREG_ALERT_CONFIRMS_PER_DAY", "3"))
MAX_PER_EMAIL = int(os.environ.get("DOKREG_ALERTS_PER_EMAIL", "20"))
SUBSCRIBE_RATE_DEFAULT = "10/hour"  # subscribe requests per client address (DOKREG_SUBSCRIBE_RATE)
CONFIRM_DAYS = 7


def subscribe_rate() -> tuple[int, int] | None:
    value = getattr(
        settings, "DOKREG_SUBSCRIBE_RATE", os.environ.get("DOKREG_SUBSCRIBE_RATE", SUBSCRIBE_RATE_DEFAULT)
    )
    return parse_rate(str(value), "DOKREG_SUBSCRIBE_RATE")


def canonical_query(raw: str) -> str:
    """The search of a results-page query string in its canonical form; BadSubscription naming the fault."""
    if len(raw) > 4000:
        raise BadSubscription("the search is too long to save")
    _, params = parse_search(QueryDict(raw), registry_choices=registry_choices())
    if params.errors:
        raise BadSubscription("; ".join(params.errors))
    # The index is never asked about a personal code, and no code is stored to be mailed back.
    q = " ".join(replace_personal_codes(params.q, " ").split())
    return params_query(params, q=q)


def subscription_request(*, email: str, query: str, frequency: str, base_url: str) -> Subscription | None:
    """Save an unconfirmed subscription and mail its confirmation link; None when nothing needed doing
    (the same search is already confirmed for this address)."""
    email = email.strip()
    if frequency not in Subscription.Frequency.values:
        raise BadSubscription(f"frequency {frequency[:20]!r}: use 'daily' or 'immediate'")
    query = canonical_query(query)
    folded = email.lower()
    same = Subscription.objects.filter(
        email__iexact=folded, query=query, frequency=frequency, cancelled_at__isnull=True
    )
    if same.filter(confirmed_at__isnull=False).exists():
        return None
    kept = Subscription.objects.filter(email__iexact=folded, cancelled_at__isnull=True).count()
    if kept >= MAX_PER_EMAIL:
        raise TooMany(f"an address may keep at most {MAX_PER_EMAIL} saved searches")
    if not subject_allows("alert-confirm", _email_key(folded), (CONFIRM_MAILS_PER_DAY, 86400)):
        raise TooMany(f"at most {CONFIRM_MAILS_PER_DAY} confirmation mails a day go to one address")
    token, token_hash = tokens.new_confirm_token()
    with transaction.atomic():
        subscription = same.first() or Subscription(
            email=email, query=query, frequency=frequency, key=tokens.new_key()
        )
        subscription.confirm_hash = token_hash
        subscription.confirm_sent_at = timezone.now()
        subscription.language = translation.get_language() or settings.LANGUAGE_CODE
        subscription.save()
    _send_confirmation(subscription, token=token, base_url=base_url)
    return subscription


def subscription_confirm(*, token: str) -> Subscription | None:
    """Confirm the subscription of a confirmation token; None when the token is unknown or too old."""
    if not token or len(token) > 100:
        return None
    subscription = Subscription.objects.filter(
        confirm_hash=tokens.token_hash(token), cancelled_at__isnull=True
    ).first()
    if subscription is None or subscription.confirm_sent_at is None:
        return None
    if timezone.now() - subscription.confirm_sent_at > timedelta(days=CONFIRM_DAYS):
        return None
    now = timezone.now()
    subscription.confirm_hash = ""
    subscription.confirmed_at = now
    subscription.checked_until = now  # documents first seen from now on are news
    subscription.save(update_fields=["confirm_hash", "confirmed_at", "checked_until"])
    return subscription


def subscription_cancel(*, token: str) -> Subscription | None:
    """Cancel the subscription of an unsubscribe token (idempotent); None when the token is not ours."""
    key = tokens.cancel_key(token) if token and len(token) <= 200 else None
    subscription = Subscription.objects.filter(key=key).first() if key else None
    if subscription is not None and subscription.cancelled_at is None:
        subscription.cancelled_at = timezone.now()
        subscription.save(update_fields=["cancelled_at"])
    return subscription


def cancel_url(subscription: Subscription, base_url: str) -> str:
    return base_url + reverse("alerts:cancel", args=[tokens.cancel_token(subscription.key)])


def results_url(subscription: Subscription, base_url: str) -> str:
    return base_url + reverse("public:results") + ("?" + subscription.query if subscription.query else "")


def _send_confirmation(subscription: Subscription, *, token: str, base_url: str) -> None:
    context = {
        "confirm_url": base_url + reverse("alerts:confirm", args=[token]),
        "results_url": results_url(subscription, base_url),
        "frequency": subscription.get_frequency_display(),
        "days": CONFIRM_DAYS,
    }
    with translation.override(subscription.language):
        subject = str(translation.gettext("Kinnitage otsingu tellimus"))
        body = render_to_string("alerts/confirm_mail.txt", context)
    EmailMessage(
        subject=mask_personal_codes(subject),
        body=mask_personal_codes(body),
        to=[subscription.email],
    ).send()


def _email_key(folded: str) -> str:
    # The cache key carries a hash, not the address.
    return hashlib.sha256(folded.encode()).hexdigest()[:32]
