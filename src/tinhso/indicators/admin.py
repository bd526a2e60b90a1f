from django.contrib import admin

from tinhso.indicators.models import (
    ActionTask,
    IndicatorAlert,
    IndicatorAlertRule,
    PilotUnit,
    SchemeTarget,
    SectorPanel,
    SectorUpload,
    TargetValue,
)


@admin.register(SchemeTarget)
class SchemeTargetAdmin(admin.ModelAdmin):
    list_display = ("position", "code", "title", "target_2025", "agency", "computed")
    list_editable = ("agency",)
    search_fields = ("code", "title")


@admin.register(ActionTask)
class ActionTaskAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "deadline", "status", "progress")
    list_filter = ("status", "agency")
    filter_horizontal = ("pilot_units",)


@admin.register(IndicatorAlertRule)
class IndicatorAlertRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "threshold", "is_active")


@admin.register(SectorPanel)
class SectorPanelAdmin(admin.ModelAdmin):
    list_display = ("sector", "agency")


admin.site.register(PilotUnit)


@admin.register(TargetValue)
class TargetValueAdmin(admin.ModelAdmin):
    list_display = ("target", "as_of", "value", "entered_by", "entered_at")
    readonly_fields = ("entered_by", "entered_at")


@admin.register(SectorUpload)
class SectorUploadAdmin(admin.ModelAdmin):
    list_display = ("sector", "version", "original_name", "uploaded_by", "uploaded_at", "row_count")

    def has_change_permission(self, request, obj=None):
        return False  # versions are kept as uploaded


@admin.register(IndicatorAlert)
class IndicatorAlertAdmin(admin.ModelAdmin):
    list_display = ("rule", "subject", "raised_at", "cleared_at", "notified")
    list_filter = ("rule", "cleared_at")
