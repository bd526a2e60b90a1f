"""The citizen's upload form for the personal document store."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.uploads import CheckedUpload, UploadRejected, check_upload

ACCEPT = ".pdf,.jpg,.jpeg,.png"


class UploadForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Tên giấy tờ"),
        max_length=300,
        help_text=gettext_lazy("Ví dụ: Căn cước (mặt trước và mặt sau), Giấy khai sinh của con."),
        error_messages={"required": gettext_lazy("Hãy nhập tên giấy tờ.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Tệp"),
        error_messages={
            "required": gettext_lazy("Hãy chọn tệp cần lưu."),
            "empty": gettext_lazy("Tệp rỗng."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.TINHSO_UPLOAD_MAX_BYTES
        mb = f"{limit / 1024 / 1024:g}".replace(".", ",")
        file = self.fields["file"]
        file.help_text = _("Tệp PDF, JPG hoặc PNG, tối đa %(mb)s MB.") % {"mb": mb}
        file.widget = forms.FileInput(
            attrs={
                "accept": ACCEPT,
                "data-max-bytes": str(limit),
                "data-too-big": _("Tệp vượt quá dung lượng cho phép."),
            }
        )
        self.checked: CheckedUpload | None = None

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        try:
            self.checked = check_upload(upload, "file")
        except UploadRejected as exc:
            raise forms.ValidationError(exc.message) from None
        return upload
