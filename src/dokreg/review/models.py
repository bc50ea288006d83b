"""The review queue of source changes and the redactions of private persons' names.

Both are the operator's records: never shown on a public route. A redaction's ``before`` holds the
values it replaced (names included), so only staff may read it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dokreg.archive.models import Document, DocumentVersion


class Transition(models.TextChoices):
    RESTRICTED = "restricted", _("avalik → piiratud")
    WITHDRAWN = "withdrawn", _("allikast eemaldatud")
    OPENED = "opened", _("piiratud → avalik")
    ACCESS = "access", _("juurdepääs muutus")
    BASIS = "basis", _("piirangu alus muutus")
    RETURNED = "returned", _("allikasse tagasi")


class ReviewItem(models.Model):
    """One transition a re-visit saw at the source, waiting for an operator to acknowledge and explain it.

    The archive already followed the source (hid what it restricted or withdrew); this row is so an
    operator sees it and can explain it to whoever asks.
    """

    document = models.ForeignKey(
        Document, verbose_name=_("dokument"), on_delete=models.CASCADE, related_name="review_items"
    )
    version = models.OneToOneField(
        DocumentVersion, verbose_name=_("muudatus"), on_delete=models.CASCADE, related_name="review_item"
    )
    transition = models.CharField(_("üleminek"), max_length=20, choices=Transition.choices)
    access_before = models.CharField(_("juurdepääs enne"), max_length=20, blank=True)
    access_after = models.CharField(_("juurdepääs pärast"), max_length=20, blank=True)
    basis_before = models.TextField(_("alus enne"), blank=True)
    basis_after = models.TextField(_("alus pärast"), blank=True)
    # A basis before or after protects personal data: these come first in the queue.
    personal_data = models.BooleanField(_("isikuandmed"), default=False)
    seen_at = models.DateTimeField(_("nähtud"))
    acknowledged_at = models.DateTimeField(_("läbi vaadatud"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kinnitaja"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    explanation = models.TextField(_("selgitus"), blank=True)

    class Meta:
        verbose_name = _("ülevaatuse rida")
        verbose_name_plural = _("allikate muudatuste ülevaatus")
        ordering = [
            models.F("acknowledged_at").asc(nulls_first=True),
            "-personal_data",
            "-seen_at",
            "-id",
        ]
        indexes = [
            models.Index(fields=["acknowledged_at", "-personal_data", "-seen_at"], name="review_queue")
        ]

    def __str__(self) -> str:
        return f"{self.get_transition_display()}: {self.document}"


class Redaction(models.Model):
    """Private persons' names replaced by initials in everything the public sees of one document.

    One active redaction per document: adding a person reverts the active one and applies the
    combined list, so initials are numbered over all of them (``V. S. (1)``, ``V. S. (2)``).
    """

    document = models.ForeignKey(
        Document, verbose_name=_("dokument"), on_delete=models.CASCADE, related_name="redactions"
    )
    # [{"given": "Mari", "surname": "Maasikas", "label": "M. M.", "forms": [...]}, ...]
    persons = models.JSONField(_("isikud"), default=list)
    reason = models.TextField(_("põhjus"), blank=True)
    # Staff only: the values the redaction replaced, by table and row, for revert.
    before = models.JSONField(_("varasemad väärtused"), default=dict, blank=True)
    created_at = models.DateTimeField(_("loodud"), auto_now_add=True)
    created_by = models.CharField(_("looja"), max_length=150, blank=True)
    reverted_at = models.DateTimeField(_("tühistatud"), null=True, blank=True)
    reverted_by = models.CharField(_("tühistaja"), max_length=150, blank=True)
    # Why a redaction was rolled back by its own verification: the forms still found, and where.
    leftovers = models.JSONField(_("alles jäänud"), default=list, blank=True)

    class Meta:
        verbose_name = _("nimede varjamine")
        verbose_name_plural = _("nimede varjamised")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"], condition=Q(reverted_at__isnull=True), name="redaction_one_active"
            )
        ]

    def __str__(self) -> str:
        labels = ", ".join(p.get("label", "") for p in self.persons)
        return f"{self.document}: {labels}"

    @property
    def active(self) -> bool:
        return self.reverted_at is None
