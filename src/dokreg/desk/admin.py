from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from dokreg.desk import audit, services
from dokreg.desk.forms import DecisionForm
from dokreg.desk.models import AlertState, AuditEntry, RemovalRequest


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the services, never edited by hand."""

    list_display = ("at", "actor_name", "action", "target_type", "target_id", "summary")
    list_filter = ("action", "target_type")
    search_fields = ("summary", "target_id", "actor_name")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RemovalRequest)
class RemovalRequestAdmin(admin.ModelAdmin):
    """The operator's queue: confirmed requests by deadline, overdue ones flagged; decided through
    the "Otsusta" page (a service call, audited), never by editing fields."""

    list_display = (
        "id",
        "status",
        "document_link",
        "basis",
        "confirmed_at",
        "due_at",
        "overdue",
        "decided_at",
    )
    list_filter = ("status", "basis")
    search_fields = ("document_label", "name", "email")
    # Soonest deadline first; unconfirmed requests (no deadline) after every pending one.
    ordering = (F("due_at").asc(nulls_last=True), "created_at")
    actions = ["send_answer_again"]
    readonly_fields = [f.name for f in RemovalRequest._meta.fields if f.name not in ("code_hash",)] + [
        "decide_link",
        "audit_trail",
    ]
    exclude = ("code_hash",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # personal data leaves through the retention purge, which is audited

    @admin.display(description=_("dokument"))
    def document_link(self, obj: RemovalRequest):
        if obj.document_id is None:
            return obj.document_label
        url = reverse("admin:archive_document_change", args=[obj.document_id])
        return format_html('<a href="{}">{}</a>', url, obj.document_label or obj.document_id)

    @admin.display(description=_("tähtaeg ületatud"), boolean=True)
    def overdue(self, obj: RemovalRequest) -> bool | None:
        if obj.status != RemovalRequest.Status.PENDING or obj.due_at is None:
            return None
        return obj.due_at < timezone.now()

    @admin.display(description=_("otsus"))
    def decide_link(self, obj: RemovalRequest):
        if obj.status != RemovalRequest.Status.PENDING:
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:desk_removalrequest_decide", args=[obj.pk]),
            _("Otsusta"),
        )

    @admin.display(description=_("auditilogi"))
    def audit_trail(self, obj: RemovalRequest):
        rows = audit.trail(obj)[:50]
        return (
            format_html_join(
                "\n",
                "<div>{} {}: {} – {}</div>",
                ((f"{e.at:%d.%m.%Y %H:%M}", e.actor_name, e.action, e.summary) for e in rows),
            )
            or "—"
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/otsus/",
                self.admin_site.admin_view(self.decide_view),
                name="desk_removalrequest_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        removal = get_object_or_404(RemovalRequest, pk=pk)
        change_url = reverse("admin:desk_removalrequest_change", args=[pk])
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                removal = services.removal_request_decide(
                    removal=removal, actor=request.user, **form.cleaned_data
                )
            except services.RequestError as exc:
                form.add_error(None, exc.message)
            else:
                if services.removal_request_answer_send(removal=removal, actor=request.user):
                    self.message_user(request, _("Otsus salvestatud ja vastus saadetud."), messages.SUCCESS)
                else:
                    self.message_user(
                        request,
                        _(
                            "Otsus salvestatud, kuid vastust ei õnnestunud saata. Proovige uuesti toiminguga „Saada vastus uuesti“."
                        ),
                        messages.WARNING,
                    )
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Otsus taotlusele #%(pk)s") % {"pk": pk},
            "removal": removal,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/desk/removalrequest/decide.html", context)

    @admin.action(description=_("Saada vastus uuesti (otsustatud, saatmata)"))
    def send_answer_again(self, request: HttpRequest, queryset):
        sent = 0
        for removal in queryset.filter(status__in=RemovalRequest.DECISIONS, answer_sent_at__isnull=True):
            sent += services.removal_request_answer_send(removal=removal, actor=request.user)
        self.message_user(request, _("Saadetud vastuseid: %(n)s") % {"n": sent})


@admin.register(AlertState)
class AlertStateAdmin(admin.ModelAdmin):
    """The follow loop's heartbeat and the alert commands' memory, for looking only."""

    list_display = ("name", "at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
