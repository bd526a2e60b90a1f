from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    actor = forms.CharField(label=_("Tài khoản thực hiện"), required=False, max_length=150)
    target = forms.CharField(
        label=_("Đối tượng (mã hồ sơ hoặc loại:mã)"), required=False, max_length=200
    )
    action = forms.CharField(
        label=_("Hành động (vd. auth. hoặc dossier.view)"), required=False, max_length=64
    )
    since = forms.DateTimeField(label=_("Từ"), required=False)
    until = forms.DateTimeField(label=_("Đến trước"), required=False)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Ghi chú xử lý"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
