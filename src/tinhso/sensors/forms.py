"""Forms of the salinity pages: subscribe, confirm with the code."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.identifiers import normalize_phone
from tinhso.sensors.models import Subscription, Thing
from tinhso.sensors.thresholds import uses


class SubscribeForm(forms.Form):
    contact = forms.CharField(
        label=_("Số điện thoại di động hoặc thư điện tử"),
        max_length=254,
        help_text=_("Cảnh báo được gửi đến đây. Ví dụ 0912 345 678 hoặc ten@example.vn"),
        widget=forms.TextInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    stations = forms.ModelMultipleChoiceField(
        label=_("Trạm quan trắc gần ruộng vườn của bạn"),
        queryset=Thing.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    uses = forms.MultipleChoiceField(
        label=_("Cây trồng, vật nuôi hoặc mục đích dùng nước"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stations = self.fields["stations"]
        assert isinstance(stations, forms.ModelMultipleChoiceField)
        stations.queryset = Thing.objects.filter(
            datastreams__observed_property__code="salinity"
        ).order_by("name")
        use_field = self.fields["uses"]
        assert isinstance(use_field, forms.MultipleChoiceField)
        use_field.choices = [(u.code, f"{u.name} (≤ {u.threshold:g} g/L)") for u in uses().values()]

    def clean_contact(self) -> tuple[str, str]:
        value = self.cleaned_data["contact"].strip()
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(_("Địa chỉ thư điện tử không hợp lệ.")) from None
            return Subscription.Medium.EMAIL, value.lower()
        return Subscription.Medium.SMS, normalize_phone(value)


class ConfirmForm(forms.Form):
    code = forms.RegexField(
        label=_("Mã xác nhận (6 chữ số)"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Nhập đúng 6 chữ số.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
