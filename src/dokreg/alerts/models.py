"""Saved searches with e-mail alerts: no account, only an address that confirmed it wants the mails."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", _("kord päevas")
        IMMEDIATE = "immediate", _("kohe")

    email = models.EmailField(max_length=254, db_index=True)
    # The search as the results page's canonical query string (public.params.params_query), page left out.
    query = models.CharField(max_length=4000)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    language = models.CharField(max_length=10, default="et")
    # A random handle; unsubscribe links carry it signed with the secret key (alerts.tokens).
    key = models.CharField(max_length=40, unique=True)
    # SHA-256 of the confirmation link's random token: a leaked database confirms nothing. Cleared once used.
    confirm_hash = models.CharField(max_length=64, blank=True, db_index=True)
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Documents first seen by the archive after this moment are new to this subscription.
    checked_until = models.DateTimeField(null=True, blank=True)
    # Ids mailed most recently: a document re-checked in the next window (it waited for the index) is not sent twice.
    recent_ids = models.JSONField(default=list, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["frequency", "confirmed_at", "cancelled_at"])]

    def __str__(self) -> str:
        return f"{self.email} · {self.query[:60]} ({self.frequency})"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.cancelled_at is None
