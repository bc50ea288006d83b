from django.contrib import admin

from dokreg.alerts.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "query",
        "frequency",
        "created_at",
        "confirmed_at",
        "cancelled_at",
        "last_sent_at",
    )
    list_filter = ("frequency",)
    search_fields = ("email", "query")
    # Tokens and marks are the sender's business; the operator may look, and cancel.
    readonly_fields = (
        "key",
        "confirm_hash",
        "confirm_sent_at",
        "checked_until",
        "recent_ids",
        "last_sent_at",
    )
