from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tinhso.datasets.models import (
    COLUMN_TYPE_CHOICES,
    LICENSE_CHOICES,
    Dataset,
    DatastoreTable,
    Frequency,
    Group,
    Organization,
)
from tinhso.datasets.services import DatasetData


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class DatasetForm(forms.Form):
    title = forms.CharField(label=_("Tên bộ dữ liệu"), max_length=300)
    name = forms.SlugField(
        label=_("Tên ngắn (đường dẫn)"),
        max_length=100,
        help_text=_("Chữ thường không dấu, số và dấu gạch ngang, ví dụ: diem-do-man"),
    )
    organization = forms.ModelChoiceField(
        label=_("Tổ chức xuất bản"), queryset=Organization.objects.none()
    )
    notes = forms.CharField(label=_("Mô tả"), widget=forms.Textarea, required=False)
    license_id = forms.ChoiceField(label=_("Giấy phép"), choices=LICENSE_CHOICES)
    tags = forms.CharField(
        label=_("Từ khóa"), required=False, help_text=_("Cách nhau bằng dấu phẩy")
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Chủ đề"),
        queryset=Group.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    temporal_start = forms.DateField(
        label=_("Thời gian từ"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    temporal_end = forms.DateField(
        label=_("Thời gian đến"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    spatial_codes = forms.CharField(
        label=_("Phạm vi không gian"),
        required=False,
        help_text=_("Mã đơn vị hành chính (mã GSO), cách nhau bằng dấu phẩy, ví dụ: 83, 829"),
    )
    frequency = forms.ChoiceField(
        label=_("Tần suất cập nhật"),
        choices=[("", "—"), *Frequency.choices],
        required=False,
    )
    maintainer = forms.CharField(label=_("Người phụ trách"), max_length=200, required=False)
    maintainer_email = forms.EmailField(label=_("Thư điện tử người phụ trách"), required=False)
    state = forms.ChoiceField(
        label=_("Trạng thái"),
        choices=[(Dataset.State.ACTIVE, _("Công bố")), (Dataset.State.DRAFT, _("Bản nháp"))],
        initial=Dataset.State.ACTIVE,
    )
    private = forms.BooleanField(
        label=_("Không công khai (chỉ cán bộ của tổ chức thấy)"), required=False
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]

    def clean_spatial_codes(self) -> list[str]:
        codes = _split(self.cleaned_data["spatial_codes"])
        for code in codes:
            if not code.isdigit():
                raise forms.ValidationError(_("Mã “%(code)s” không phải mã số.") % {"code": code})
        return codes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and start > end:
            self.add_error("temporal_end", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data

    def to_data(self) -> DatasetData:
        d = self.cleaned_data
        return DatasetData(
            name=d["name"],
            title=d["title"],
            organization=d["organization"],
            notes=d["notes"],
            license_id=d["license_id"],
            tags=_split(d["tags"]),
            groups=list(d["groups"]),
            temporal_start=d["temporal_start"],
            temporal_end=d["temporal_end"],
            spatial_codes=d["spatial_codes"],
            frequency=d["frequency"],
            maintainer=d["maintainer"],
            maintainer_email=d["maintainer_email"],
            private=d["private"],
            state=d["state"],
        )


class ResourceForm(forms.Form):
    name = forms.CharField(label=_("Tên tài nguyên"), max_length=300, required=False)
    description = forms.CharField(label=_("Mô tả"), widget=forms.Textarea, required=False)
    file = forms.FileField(
        label=_("Tệp (CSV, XLSX, JSON, GeoJSON)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.json,.geojson"}),
    )
    url = forms.URLField(label=_("hoặc đường dẫn ngoài"), required=False, assume_scheme="https")

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file and file.size > settings.TINHSO_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("Tệp vượt quá dung lượng cho phép."))
        return file

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not data.get("url"):
            raise forms.ValidationError(_("Hãy chọn một tệp hoặc nhập đường dẫn."))
        return data


class ColumnTypesForm(forms.Form):
    def __init__(self, *args: Any, table: DatastoreTable, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = [f["id"] for f in table.fields]
        for i, f in enumerate(table.fields):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=f["id"], choices=COLUMN_TYPE_CHOICES, initial=f["type"]
            )

    def types(self) -> dict[str, str]:
        return {c: self.cleaned_data[f"col_{i}"] for i, c in enumerate(self.columns)}
