"""Audit trail: who did what to which record, when, and why (kept for as long as the archive)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One operator act: a hide, redaction, revert, takedown, decision or acknowledgement.

    The entry names its target by type and primary key rather than by foreign key, so the trail
    survives when the target is deleted, and one table serves every kind of act.
    """

    at = models.DateTimeField(_("aeg"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("kes"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # The actor's name as it was (users get renamed or deleted); "system" or a command for automatic acts.
    actor_name = models.CharField(_("kes (nagu salvestati)"), max_length=150)
    action = models.CharField(_("toiming"), max_length=40, db_index=True)
    target_type = models.CharField(_("objekti liik"), max_length=40)
    target_id = models.CharField(_("objekti id"), max_length=64, db_index=True)
    summary = models.TextField(_("kokkuvõte"))
    detail = models.JSONField(_("üksikasjad"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("auditikirje")
        verbose_name_plural = _("auditilogi")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.action} {self.target_type} {self.target_id}"
        )


class RemovalRequest(models.Model):
    """A person's removal or objection request about one document (GDPR art. 17 / 21).

    The requester's name, e-mail and explanation are personal data: staff only, and erased
    ``DOKREG_REQUEST_RETENTION_DAYS`` after the decision (``dokreg requests --purge``), leaving the
    anonymised decision (document, basis, outcome, dates). The public reaches a request only by its
    random ``token``; the confirmation code is kept as a keyed hash, never as digits.
    """

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("kinnitamata")
        PENDING = "pending", _("menetluses")
        GRANTED = "granted", _("rahuldatud")
        PARTLY = "partly_granted", _("osaliselt rahuldatud (andmed varjatud)")
        REFUSED = "refused", _("rahuldamata")

    class Basis(models.TextChoices):
        ERASURE = "gdpr_17", _("Isikuandmete kustutamine (IKÜM art 17)")
        OBJECTION = "gdpr_21", _("Vastuväide isikuandmete töötlemisele (IKÜM art 21)")
        PERSONAL_CODE = "personal_code", _("Dokumendis on isikukood või muud isikut tuvastavad andmed")
        RESTRICTED = "restricted", _("Dokument peaks olema juurdepääsupiiranguga")
        OTHER = "other", _("Muu põhjus")

    DECISIONS = (Status.GRANTED, Status.PARTLY, Status.REFUSED)

    token = models.CharField(_("jälgimistunnus"), max_length=64, unique=True)
    # SET_NULL with the reference kept beside: the decision outlives the document row.
    document = models.ForeignKey(
        "archive.Document",
        verbose_name=_("dokument"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="removal_requests",
    )
    document_label = models.CharField(_("dokumendi viide"), max_length=300, blank=True)
    status = models.CharField(
        _("olek"), max_length=20, choices=Status.choices, default=Status.UNCONFIRMED, db_index=True
    )
    basis = models.CharField(_("alus"), max_length=20, choices=Basis.choices)
    name = models.CharField(_("nimi"), max_length=200, blank=True)
    email = models.EmailField(_("e-post"), max_length=254, blank=True)
    explanation = models.TextField(_("selgitus"), blank=True)
    language = models.CharField(_("keel"), max_length=8, default="et")

    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)

    created_at = models.DateTimeField(_("esitatud"), auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(_("kinnitatud"), null=True, blank=True)
    due_at = models.DateTimeField(_("tähtaeg"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("otsustatud"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("otsustaja"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer = models.TextField(_("põhjendatud vastus"), blank=True)
    # Partly granted: where the redaction lives (done in the review queue), e.g. its id or URL.
    redaction_ref = models.CharField(_("varjamise viide"), max_length=300, blank=True)
    answer_sent_at = models.DateTimeField(_("vastus saadetud"), null=True, blank=True)
    purged_at = models.DateTimeField(_("isikuandmed kustutatud"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "created_at"]
        verbose_name = _("eemaldamise taotlus")
        verbose_name_plural = _("eemaldamise taotlused")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()} {self.document_label}"

    @property
    def decided(self) -> bool:
        return self.status in self.DECISIONS


class AlertState(models.Model):
    """Small named facts the alert commands remember between runs: the follow loop's last heartbeat,
    which stale heartbeat was already reported, when the last digest went out."""

    name = models.CharField(max_length=60, unique=True)
    at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("hoiatuse olek")
        verbose_name_plural = _("hoiatuste olekud")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M}" if self.at else self.name
