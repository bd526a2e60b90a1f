from typing import Any

from django import forms
from django.contrib import admin

from tinhso.calendars.models import CalendarOverride, CalendarYear

# Day first, as Vietnamese write dates; Django's fallback formats would read 12/06/2025 as
# 6 December (month first), which for a calendar of days off is a silent, serious error.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ["date", "kind", "name", "source", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        date_field = self.fields["date"]
        assert isinstance(date_field, forms.DateField)
        date_field.input_formats = DATE_INPUT_FORMATS


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    form = CalendarOverrideForm
    list_display = ["date", "kind", "name", "source", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "source", "note"]
    date_hierarchy = "date"
    ordering = ["-date"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "confirmed", "updated_at"]
    list_filter = ["confirmed"]
    ordering = ["-year"]
    readonly_fields = ["updated_at"]
