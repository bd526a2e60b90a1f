from django.contrib import admin
from django.http import HttpRequest

from tinhso.procedures.models import (
    Field,
    Procedure,
    ProcedureSnapshot,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)


class DocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


class StepInline(admin.TabularInline):
    model = WorkflowStep
    extra = 0


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ("version", "name", "effective_from", "effective_to", "mode")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "in_use", "national_synced_at"]
    list_filter = ["in_use"]
    search_fields = ["code", "versions__name"]
    inlines = [VersionInline]


@admin.register(ProcedureSnapshot)
class ProcedureSnapshotAdmin(admin.ModelAdmin):
    """The packages fetched from the national TTHC database (R-NAT-040): evidence, read only."""

    list_display = ["code", "fetched_at", "sha256", "version"]
    search_fields = ["code"]
    readonly_fields = [f.name for f in ProcedureSnapshot._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "procedure",
        "version",
        "level",
        "mode",
        "processing_days",
        "fee",
        "fee_online",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["level", "mode", "field"]
    search_fields = ["name", "procedure__code"]
    filter_horizontal = ["agencies"]
    raw_id_fields = ["procedure"]
    inlines = [DocumentInline, StepInline]

    def has_change_permission(self, request, obj=None):
        # A version that dossiers were filed under is frozen (R-LAW-7): publish a new version instead.
        if obj is not None and obj.dossiers.exists():
            return False
        return super().has_change_permission(request, obj)
