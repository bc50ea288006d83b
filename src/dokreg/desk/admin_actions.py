"""Takedown and its undo as Django admin actions on documents, through the audited services.

Without these an operator could only take a document down by editing its date field by hand, which
neither purged its files, nor updated the index, nor left an entry in the audit trail."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _


class TakedownForm(forms.Form):
    reason = forms.CharField(
        label=_("Põhjus (jääb auditilogisse)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
    )


@admin.action(description=_("Võta maha kõigilt avalikelt lehtedelt"), permissions=["change"])
def take_down(modeladmin, request, queryset):
    from dokreg.archive.services import document_take_down

    documents = list(queryset.filter(taken_down_at__isnull=True))
    form = TakedownForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            for document in documents:
                document_take_down(document=document, reason=form.cleaned_data["reason"], actor=request.user)
        _reindex([d.pk for d in documents])
        modeladmin.message_user(
            request, _("Maha võetud dokumente: %(n)s") % {"n": len(documents)}, messages.SUCCESS
        )
        return None
    return TemplateResponse(
        request,
        "admin/desk/takedown_confirm.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": _("Võta dokumendid maha"),
            "documents": documents,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description=_("Tühista mahavõtmine (dokument taas avalik)"), permissions=["change"])
def take_down_undo(modeladmin, request, queryset):
    from dokreg.archive.services import document_take_down_undo

    documents = list(queryset.filter(taken_down_at__isnull=False))
    with transaction.atomic():
        for document in documents:
            document_take_down_undo(document=document, actor=request.user)
    _reindex([d.pk for d in documents])
    modeladmin.message_user(
        request, _("Taas avalikke dokumente: %(n)s") % {"n": len(documents)}, messages.SUCCESS
    )


def _reindex(doc_ids: list[int]) -> None:
    from dokreg.pipeline.indexing import index_documents_now

    if doc_ids:
        index_documents_now(doc_ids=doc_ids)
