from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tinhso.text import fold
from tinhso.units.models import AdministrativeUnit, valid_on_q
from tinhso.units.selectors import today_in_vietnam


class ValidityFilter(admin.SimpleListFilter):
    title = _("hiệu lực (hôm nay)")
    parameter_name = "validity"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [
            ("current", _("Đang hiệu lực")),
            ("ended", _("Đã hết hiệu lực")),
            ("future", _("Chưa có hiệu lực")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = today_in_vietnam()
        if self.value() == "current":
            return queryset.filter(valid_on_q(today))
        if self.value() == "ended":
            return queryset.filter(valid_to__lte=today)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=today)
        return queryset


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["level", ValidityFilter, "kind", "valid_from", "valid_to"]
    list_select_related = ["parent"]
    # The search box matches the code exactly or the folded name: "phu tuc" finds "Xã Phú Túc".
    search_fields = ["code", "search_text"]
    search_help_text = _("Mã GSO hoặc tên, có dấu hay không dấu")
    raw_id_fields = ["parent", "successors"]
    readonly_fields = ["predecessor_list"]
    fields = [
        "code",
        "name",
        "kind",
        "level",
        "parent",
        "valid_from",
        "valid_to",
        "successors",
        "predecessor_list",
    ]
    ordering = ["code", "valid_from"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(code=term) | Q(search_text__contains=fold(term))), False

    @admin.display(description=_("đơn vị tiền thân"))
    def predecessor_list(self, unit: AdministrativeUnit) -> str:
        if unit.pk is None:
            return "—"
        names = [f"{p.name} ({p.code}, {p.valid_from:%d/%m/%Y})" for p in unit.predecessors.all()]
        return "; ".join(names) or "—"

    def has_delete_permission(
        self, request: HttpRequest, obj: AdministrativeUnit | None = None
    ) -> bool:
        # Units are never deleted (R-UNIT-1): end them with "hiệu lực đến" and link successors.
        return False
