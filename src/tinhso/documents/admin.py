"""Issued slips in the admin: read-only, since a slip never changes once issued (R-FORM-2)."""

from django.contrib import admin
from django.http import HttpRequest

from tinhso.documents.models import IssuedSlip


@admin.register(IssuedSlip)
class IssuedSlipAdmin(admin.ModelAdmin):
    list_display = ["dossier", "kind", "instrument", "form_number", "history_seq", "issued_at"]
    list_filter = ["kind", "instrument"]
    search_fields = ["dossier__code"]
    list_select_related = ["dossier"]
    date_hierarchy = "issued_at"
    readonly_fields = [field.name for field in IssuedSlip._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IssuedSlip | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IssuedSlip | None = None) -> bool:
        return False
