from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tinhso.notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only record of what was sent, to applicants and in alerts; the list shows recipients
    masked."""

    list_display = [
        "created_at",
        "topic",
        "dossier",
        "event",
        "channel",
        "masked_recipient_display",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "topic", "channel", "event"]
    search_fields = ["dossier__code", "key"]
    list_select_related = ["dossier"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("người nhận"))
    def masked_recipient_display(self, obj: Delivery) -> str:
        return obj.masked_recipient

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False
