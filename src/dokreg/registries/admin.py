from django.contrib import admin

from dokreg.registries.models import Registry


@admin.register(Registry)
class RegistryAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "name",
        "family",
        "state",
        "document_count",
        "newest_registered",
        "last_success_at",
        "last_error_at",
    )
    list_filter = ("family", "state")
    search_fields = ("slug", "name", "base_url")
    readonly_fields = (
        "document_count",
        "newest_registered",
        "last_sync_started_at",
        "last_sync_finished_at",
        "last_success_at",
        "last_error",
        "last_error_at",
    )
