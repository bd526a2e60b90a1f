"""Admin: categories are edited here (their limits are data); reports are read-only, since
they change only through the services (``tinhso.reports.services``)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tinhso.reports.models import Category, Report, ReportEvent, ReportPhoto, Supporter, Update


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = [
        "code",
        "name",
        "group",
        "located",
        "agency",
        "per_unit_competence",
        "classify_days",
        "handle_days",
        "duplicate_distance_m",
        "is_active",
        "order",
    ]
    list_filter = ["located", "per_unit_competence", "is_active", "group"]
    search_fields = ["code", "name", "keywords"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(_ReadOnlyInline):
    model = ReportEvent
    fields = ("at", "action", "from_status", "to_status", "actor", "agency", "comment")
    readonly_fields = fields


class PhotoInline(_ReadOnlyInline):
    model = ReportPhoto
    fields = ("content_type", "size", "sha256", "created_at")  # never a /media link
    readonly_fields = fields


class SupporterInline(_ReadOnlyInline):
    model = Supporter
    fields = ("user", "created_at")
    readonly_fields = fields


class UpdateInline(_ReadOnlyInline):
    model = Update
    fields = ("source", "external_id", "status", "at", "description")
    readonly_fields = fields


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    """Read-only: handled through the back office and the API, each step audited."""

    list_display = ["public_id", "category", "agency", "status", "received_at", "due_at"]
    list_filter = ["status", "category", "source", "citizen_rating", "reopened"]
    search_fields = ["public_id", "search_text"]
    exclude = ["reporter_name", "reporter_phone"]  # contact data stays out of the admin lists
    inlines = [EventInline, PhotoInline, SupporterInline, UpdateInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
