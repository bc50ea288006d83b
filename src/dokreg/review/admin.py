"""The operator's pages (staff only): the review queue of source changes, and redactions of names.

Every act goes through a service that writes the audit trail: acknowledging (with an explanation),
redacting, reverting. Rows are never added or deleted by hand here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from dokreg.archive.models import Document
from dokreg.errors import DokregError
from dokreg.review.detect import document_candidates
from dokreg.review.model import model_enabled, model_names
from dokreg.review.models import Redaction, ReviewItem
from dokreg.review.names import person_parse
from dokreg.review.queue import review_acknowledge
from dokreg.review.redaction import redaction_apply, redaction_revert


def _document_link(document: Document):
    url = reverse("admin:archive_document_change", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, str(document)[:80])


class OpenFilter(admin.SimpleListFilter):
    title = _("olek")
    parameter_name = "olek"

    def lookups(self, request, model_admin):
        return (("avatud", _("läbi vaatamata")), ("kinnitatud", _("läbi vaadatud")))

    def queryset(self, request, queryset):
        if self.value() == "avatud":
            return queryset.filter(acknowledged_at__isnull=True)
        if self.value() == "kinnitatud":
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset


class AcknowledgeForm(forms.Form):
    explanation = forms.CharField(
        label=_("Selgitus"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Miks allikas nii tegi või mida me sellega tegime; jääb auditilogisse."),
    )


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    """Sorted as the model says: open rows first, personal data first, newest first."""

    list_display = (
        "personal_data",
        "transition",
        "document_link",
        "access_before",
        "access_after",
        "basis_after",
        "seen_at",
        "acknowledged_at",
    )
    list_filter = (OpenFilter, "personal_data", "transition", "document__registry")
    search_fields = ("document__reference", "document__title", "basis_before", "basis_after")
    list_select_related = ("document",)
    actions = ["acknowledge"]
    fields = (
        "document_link",
        "transition",
        "personal_data",
        "access_before",
        "access_after",
        "basis_before",
        "basis_after",
        "seen_at",
        "acknowledged_at",
        "acknowledged_by",
        "explanation",
    )

    def get_readonly_fields(self, request, obj=None):
        # The explanation is the one thing an operator writes, and only while the row is open.
        editable = () if obj is None or obj.acknowledged_at is None else ("explanation",)
        return tuple(f for f in self.fields if f != "explanation") + editable

    @admin.display(description=_("dokument"))
    def document_link(self, item: ReviewItem):
        return _document_link(item.document)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if obj.acknowledged_at is None and obj.explanation.strip():
            try:
                review_acknowledge(
                    item=ReviewItem.objects.get(pk=obj.pk), actor=request.user, explanation=obj.explanation
                )
            except DokregError as error:
                self.message_user(request, error.message, messages.ERROR)

    @admin.action(description=_("Kinnita valitud read selgitusega"))
    def acknowledge(self, request: HttpRequest, queryset):
        open_items = list(queryset.filter(acknowledged_at__isnull=True))
        form = AcknowledgeForm(request.POST if "explanation" in request.POST else None)
        if form.is_valid():
            with transaction.atomic():
                for item in open_items:
                    review_acknowledge(
                        item=item, actor=request.user, explanation=form.cleaned_data["explanation"]
                    )
            self.message_user(
                request, _("Kinnitatud: %(n)d rida.") % {"n": len(open_items)}, messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Kinnita muudatused"),
            "items": open_items,
            "form": form,
            "action": "acknowledge",
            "opts": self.model._meta,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "review/admin/acknowledge.html", context)


class RedactionForm(forms.ModelForm):
    names = forms.CharField(
        label=_("Isikud"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "Üks isik real: „Eesnimi Perenimi“ või „Perenimi, Eesnimi“. Nimi asendatakse initsiaalidega."
        ),
    )

    class Meta:
        model = Redaction
        fields = ("document", "reason")

    def clean_names(self):
        persons = []
        for line in self.cleaned_data["names"].splitlines():
            if line.strip():
                try:
                    persons.append(person_parse(line))
                except ValueError as error:
                    raise forms.ValidationError(str(error)) from error
        if not persons:
            raise forms.ValidationError(_("Nimeta vähemalt üks isik."))
        return persons


@admin.register(Redaction)
class RedactionAdmin(admin.ModelAdmin):
    list_display = (
        "document_link",
        "labels",
        "created_at",
        "created_by",
        "is_active",
        "reverted_at",
        "reverted_by",
    )
    list_filter = (("reverted_at", admin.EmptyFieldListFilter),)
    search_fields = ("document__reference", "document__title", "reason")
    list_select_related = ("document",)
    raw_id_fields = ("document",)
    actions = ["revert"]
    add_form_template = "review/admin/redaction_add.html"
    readonly_fields = (
        "document_link",
        "persons",
        "reason",
        "before",
        "leftovers",
        "created_at",
        "created_by",
        "reverted_at",
        "reverted_by",
    )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RedactionForm
            kwargs["fields"] = ("document", "names", "reason")
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("document", "names", "reason") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @admin.display(description=_("dokument"))
    def document_link(self, redaction: Redaction):
        return _document_link(redaction.document)

    @admin.display(description=_("initsiaalid"))
    def labels(self, redaction: Redaction) -> str:
        return ", ".join(p.get("label", "") for p in redaction.persons)

    @admin.display(description=_("kehtib"), boolean=True)
    def is_active(self, redaction: Redaction) -> bool:
        return redaction.active

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        return {"document": request.GET.get("document", "")}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            context.update(self._suggestions(request))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _suggestions(self, request) -> dict:
        """Candidates for the document named in ?document= (shown, never applied)."""
        wanted = request.GET.get("document", "")
        document = (
            Document.objects.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 19 else None
        )
        if document is None:
            return {"suggestions": None}
        extra, model_error = [], ""
        if model_enabled():
            try:
                extra = model_names(document)
            except DokregError as error:
                model_error = error.message
        return {
            "suggestions": document_candidates(document, extra_names=extra),
            "suggestion_document": document,
            "model_error": model_error,
        }

    def save_model(self, request, obj, form, change):
        try:
            redaction = redaction_apply(
                document=form.cleaned_data["document"],
                persons=form.cleaned_data["names"],
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
            )
        except DokregError as error:
            self.message_user(request, error.message, messages.ERROR)
            redaction = (
                Redaction.objects.filter(document=form.cleaned_data["document"]).order_by("-id").first()
            )
        if redaction is not None:
            obj.pk = obj.id = redaction.pk
            obj.persons, obj.document = redaction.persons, redaction.document

    def save_related(self, request, form, formsets, change):
        pass  # nothing related; the service did the work

    @admin.action(description=_("Tühista valitud nimede varjamised (nimed taas avalikud)"))
    def revert(self, request: HttpRequest, queryset):
        done = 0
        for redaction in queryset.filter(reverted_at__isnull=True):
            redaction_revert(redaction=redaction, actor=request.user)
            done += 1
        self.message_user(request, _("Tühistatud: %(n)d.") % {"n": done}, messages.SUCCESS)
