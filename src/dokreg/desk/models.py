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
