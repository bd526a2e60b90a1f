"""Citizen sign-up: a local account whose identifiers are validated (R-ID-1, R-ID-7, R-ID-9)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.accounts.services import RegistrationError, register_citizen
from tinhso.units.models import AdministrativeUnit
from tinhso.units.selectors import communes_on, today_in_vietnam


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Họ và tên"), max_length=200)
    personal_id = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân"),
        max_length=12,
        help_text=gettext_lazy("12 chữ số trên thẻ căn cước."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại di động"),
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False)
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Xã, phường cư trú"),
        queryset=AdministrativeUnit.objects.none(),
        required=False,
        empty_label=gettext_lazy("— Chọn xã, phường —"),
    )
    address = forms.CharField(label=gettext_lazy("Địa chỉ"), max_length=300, required=False)
    tax_code = forms.CharField(
        label=gettext_lazy("Mã số thuế (doanh nghiệp, tổ chức)"),
        max_length=14,
        required=False,
        help_text=gettext_lazy("Chỉ điền nếu đăng ký cho doanh nghiệp, tổ chức."),
    )
    username = forms.CharField(
        label=gettext_lazy("Tên đăng nhập"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Nhập lại mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    consent = forms.BooleanField(
        label=gettext_lazy(
            "Tôi đã đọc thông báo xử lý dữ liệu cá nhân và đồng ý để Cổng xử lý dữ liệu của tôi "
            "cho các mục đích nêu trên."
        ),
        error_messages={
            "required": gettext_lazy("Cần đồng ý xử lý dữ liệu cá nhân để tạo tài khoản.")
        },
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        commune = self.fields["commune"]
        assert isinstance(commune, forms.ModelChoiceField)
        commune.queryset = communes_on(today_in_vietnam()).order_by("name")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("Hai mật khẩu không khớp."))
        return data


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:my_dossiers")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_citizen(
                username=data["username"],
                password=data["password1"],
                full_name=data["full_name"],
                personal_id=data["personal_id"],
                phone=data["phone"],
                email=data["email"],
                address=data["address"],
                commune=data["commune"],
                tax_code=data["tax_code"],
                consent_notice_version=settings.TINHSO_PRIVACY_NOTICE_VERSION,
            )
        except RegistrationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            login(request, user, backend="tinhso.accounts.backends.LockoutModelBackend")
            messages.success(request, _("Đã tạo tài khoản. Bạn có thể nộp hồ sơ trực tuyến."))
            return redirect("portal:procedures")
    context = {"form": form, "notice_version": settings.TINHSO_PRIVACY_NOTICE_VERSION}
    return render(request, "portal/register.html", context, status=400 if form.errors else 200)
