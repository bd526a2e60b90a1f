from django.contrib import admin

from tinhso.stores.models import StoredDocument

FIELDS = (
    "owner",
    "kind",
    "title",
    "document_number",
    "issuer",
    "issued_at",
    "dossier",
    "file",
    "content_type",
    "size",
    "sha256",
    "created_at",
    "revoked",
)


@admin.register(StoredDocument)
class StoredDocumentAdmin(admin.ModelAdmin):
    """Read-only: documents enter and leave the store only through ``stores.services`` (and the
    issuing apps, which also revoke results)."""

    list_display = ["title", "owner", "kind", "issuer", "document_number", "issued_at", "revoked"]
    list_filter = ["kind", "revoked"]
    search_fields = ["title", "document_number", "owner__username", "owner__full_name"]
    list_select_related = ["owner", "issuer"]
    fields = FIELDS
    readonly_fields = FIELDS

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
