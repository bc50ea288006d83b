"""The operator's view of the archive (Django admin, staff only): find documents, see problems and gaps.

Public code never reads through here; the admin may show what the public may not (personal codes,
restricted files' metadata), which is why it is for logged-in staff only.
"""

from django.contrib import admin

from dokreg.archive.models import Document, DocumentVersion, File, Problem, Signature, SyncDay, SyncRange
from dokreg.desk.admin_actions import take_down, take_down_undo


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    readonly_fields = ("kind", "seen_at", "changes")
    can_delete = False


class FileInline(admin.TabularInline):
    model = File
    extra = 0
    fields = (
        "ordinal",
        "name",
        "parent",
        "kind",
        "download_state",
        "extract_state",
        "ocr_pending",
        "error_code",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "title",
        "registry",
        "registered",
        "access",
        "fetch_state",
        "withdrawn_at",
        "taken_down_at",
    )
    list_filter = ("fetch_state", "access", "registry")
    search_fields = ("reference", "title", "source_id", "sender_reference")
    date_hierarchy = "registered"
    raw_id_fields = ("matter",)
    # A takedown goes through the audited actions (files purged, index updated), never a hand-edited date.
    readonly_fields = (
        "first_seen_at",
        "last_checked_at",
        "last_changed_at",
        "source_fields",
        "parser",
        "taken_down_at",
        "takedown_reason",
    )
    actions = [take_down, take_down_undo]
    inlines = [FileInline, VersionInline]


class SignatureInline(admin.TabularInline):
    model = Signature
    extra = 0
    can_delete = False
    readonly_fields = (
        "signer_name",
        "personal_code",
        "signed_at",
        "profile",
        "value_valid",
        "digests_valid",
        "note",
    )


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = ("name", "document", "kind", "download_state", "extract_state", "error_code")
    list_filter = ("download_state", "extract_state", "kind")
    search_fields = ("name", "document__reference")
    raw_id_fields = ("document", "parent", "blob")
    inlines = [SignatureInline]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("seen_at", "registry", "stage", "code", "subject", "resolved_at")
    list_filter = ("stage", "code", "registry", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "message")
    raw_id_fields = ("document", "file")


@admin.register(SyncDay)
class SyncDayAdmin(admin.ModelAdmin):
    list_display = ("registry", "day", "complete", "reported_total", "listed", "fetched", "checked_at")
    list_filter = ("complete", "registry")


@admin.register(SyncRange)
class SyncRangeAdmin(admin.ModelAdmin):
    list_display = ("registry", "first", "last", "found", "missing", "failed", "complete", "checked_at")
    list_filter = ("complete", "registry")
