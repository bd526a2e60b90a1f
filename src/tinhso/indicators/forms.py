"""Forms of the programme pages (input validation only; the services do the rest)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.indicators.models import TaskStatus


class TargetValueForm(forms.Form):
    as_of = forms.DateField(
        label=_("Số liệu đến ngày"), widget=forms.DateInput(attrs={"type": "date"})
    )
    value = forms.DecimalField(label=_("Giá trị"), max_digits=14, decimal_places=2, min_value=0)
    document = forms.FileField(
        label=_("Văn bản nguồn (PDF)"),
        help_text=_("Báo cáo, văn bản có số liệu; chỉ nhận tệp PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TaskReportForm(forms.Form):
    status = forms.ChoiceField(label=_("Trạng thái"), choices=TaskStatus.choices)
    progress = forms.IntegerField(label=_("Tiến độ (%)"), min_value=0, max_value=100)
    text = forms.CharField(label=_("Nội dung báo cáo"), widget=forms.Textarea(attrs={"rows": 3}))


class SectorUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp số liệu (CSV UTF-8 hoặc Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    note = forms.CharField(label=_("Ghi chú phiên bản"), required=False, max_length=500)
