from django.contrib import admin

from tinhso.dossiers.models import Dossier, HistoryEntry


class HistoryInline(admin.TabularInline):
    model = HistoryEntry
    fields = ("seq", "action", "from_status", "to_status", "actor", "at", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only: dossiers change only through the lifecycle actions (back office / API)."""

    list_display = ["code", "procedure_version", "agency", "status", "due_at", "channel"]
    list_filter = ["status", "channel", "agency"]
    search_fields = ["code", "search_text"]
    inlines = [HistoryInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
