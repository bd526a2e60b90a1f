"""Forms of the citizen portal: the document inputs with a choice from the applicant's store, and
the small Django forms of the dossier page and the public lookup.

The e-form itself (``SchemaForm``) and the file check (``check_documents``) are the procedure's:
``tinhso.procedures.forms``, shared with the back office's counter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.accounts.models import User
from tinhso.dossiers.services import Applicant, declaration_code
from tinhso.integrations.datastore.reuse import Offer
from tinhso.integrations.postal.filing import (  # the counter asks the return method too
    asks_return_method as asks_return_method,
)
from tinhso.integrations.postal.filing import normalise_phone
from tinhso.procedures import forms as procedure_forms
from tinhso.procedures.models import ProcedureVersion
from tinhso.stores.models import StoredDocument

ACCEPT = procedure_forms.ACCEPT


@dataclass
class DocumentInput(procedure_forms.DocumentInput):
    """A required document's file input, and a choice from the applicant's document store."""

    # the applicant's reusable documents: their Tỉnh Số store, then their national store's offers
    store: list[StoredDocument | Offer] = field(default_factory=list)
    reuse_value: str = ""  # the posted choice, kept when the form is shown again
    reused: StoredDocument | Offer | None = None
    reuse_error: bool = False  # the error is about the store choice, not the file

    @property
    def reuse_name(self) -> str:
        return "reuse." + self.document.code

    @property
    def reuse_id(self) -> str:
        return "reuse-" + procedure_forms.safe_id(self.document.code)

    @property
    def error_target(self) -> str:
        return self.reuse_id if self.reuse_error else self.id

    def provided_otherwise(self) -> bool:
        return self.reused is not None

    def reject_file(self, message: str) -> None:
        super().reject_file(message)
        self.reuse_error = False


def document_inputs(
    version: ProcedureVersion,
    attachments: list[Any] | None = None,
    store: list[StoredDocument | Offer] | None = None,
) -> list[DocumentInput]:
    """One input per document, except the declaration: filed online, the e-form is the
    declaration (``x-declaration`` of the form schema), so it is not asked again as an upload."""
    declaration = declaration_code(version)
    return [
        DocumentInput(item.document, item.existing, store=list(store or []))
        for item in procedure_forms.document_inputs(version, attachments)
        if item.document.code != declaration
    ]


PREFILL_SOURCES = ("name", "id_number", "phone")


def prefill(version: ProcedureVersion, user: User) -> dict[str, Any]:
    """The e-form's answers known from the account: the properties marked ``x-prefill`` (``name``,
    ``id_number``, ``phone``: the applicant is most often the person the form is about) and the
    notification e-mail (``format: email``). The citizen can change every one before filing."""
    applicant = Applicant.from_user(user)
    known = {
        "name": user.full_name.strip(),
        "id_number": user.personal_id.strip(),
        "phone": applicant.phone.strip(),
    }
    initial: dict[str, Any] = {}
    properties = (version.form_schema or {}).get("properties") or {}
    for name, prop in properties.items():
        if not isinstance(prop, dict) or prop.get("type") != "string":
            continue
        source = prop.get("x-prefill")
        value = known.get(source, "") if isinstance(source, str) else ""
        if prop.get("format") == "email":
            value = applicant.email.strip()
        if value:
            initial[name] = value
    return initial


def check_reuse(
    inputs: list[DocumentInput], post: QueryDict
) -> list[tuple[str, StoredDocument | Offer]]:
    """Read the store choice of every input; only documents offered to this user are accepted.

    ``inputs`` carry the applicant's reusable documents (``stores.selectors.documents_for``), so
    an id of someone else's or a revoked document is an error on that input, never attached.
    """
    chosen: list[tuple[str, StoredDocument | Offer]] = []
    for item in inputs:
        value = post.get(item.reuse_name, "").strip()
        item.reuse_value = value
        if not value:
            continue
        found = next((d for d in item.store if str(d.pk) == value), None)
        if found is None:
            item.error = _("Giấy tờ đã chọn không có trong kho giấy tờ của bạn.")
            item.reuse_error = True
            continue
        item.reused = found
        chosen.append((item.document.code, found))
    return chosen


# --- small Django forms ----------------------------------------------------------------


class LookupForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Mã hồ sơ"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone_last4 = forms.RegexField(
        label=gettext_lazy("4 số cuối điện thoại của người nộp"),
        regex=r"^\d{4}$",
        error_messages={"invalid": gettext_lazy("Nhập đúng 4 chữ số.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "maxlength": "4",
                "class": "short",
            }
        ),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do rút hồ sơ"), max_length=1000, widget=forms.Textarea
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Tôi xác nhận muốn rút hồ sơ này. Hồ sơ sẽ không được tiếp tục giải quyết."
        ),
        error_messages={"required": gettext_lazy("Hãy đánh dấu xác nhận để rút hồ sơ.")},
    )


class SupplementForm(forms.Form):
    document = forms.ChoiceField(label=gettext_lazy("Giấy tờ bổ sung"))
    comment = forms.CharField(
        label=gettext_lazy("Ghi chú cho cán bộ (không bắt buộc)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, version: ProcedureVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        document = self.fields["document"]
        assert isinstance(document, forms.ChoiceField)
        document.choices = [(d.code, d.name) for d in version.documents.all()]


class RatingForm(forms.Form):
    SCORES = [
        (5, gettext_lazy("Rất hài lòng")),
        (4, gettext_lazy("Hài lòng")),
        (3, gettext_lazy("Bình thường")),
        (2, gettext_lazy("Không hài lòng")),
        (1, gettext_lazy("Rất không hài lòng")),
    ]
    score = forms.TypedChoiceField(
        label=gettext_lazy("Mức độ hài lòng"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Hãy chọn mức độ hài lòng.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Góp ý (không bắt buộc)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PostalForm(forms.Form):
    """The delivery address and the receiver's phone, required when the applicant chooses postal
    return on the e-form (``chosen``). Pre-filled from the account; a field the page did not post
    (an older page, a script) counts as its pre-filled value."""

    postal_address = forms.CharField(
        label=gettext_lazy("Địa chỉ nhận kết quả qua bưu chính"), max_length=300, required=False
    )
    postal_phone = forms.CharField(
        label=gettext_lazy("Số điện thoại người nhận"), max_length=20, required=False
    )

    def __init__(
        self,
        data: QueryDict | None,
        *,
        user: User,
        chosen: bool = False,
        saved: dict[str, str] | None = None,
    ) -> None:
        initial = {"postal_address": user.address, "postal_phone": normalise_phone(user.phone)}
        initial |= {name: value for name, value in (saved or {}).items() if value}
        if data is not None:
            data = data.copy()
            for name, value in initial.items():
                if name not in data:
                    data[name] = value
        super().__init__(data, initial=initial, prefix=None)
        self.chosen = chosen

    def clean_postal_phone(self) -> str:
        given = str(self.cleaned_data.get("postal_phone", "")).strip()
        phone = normalise_phone(given)
        if given and not phone:
            raise forms.ValidationError(_("Số điện thoại không hợp lệ (ví dụ: 0912345678)."))
        if self.chosen and not phone:
            raise forms.ValidationError(_("Vui lòng nhập số điện thoại người nhận bưu gửi."))
        return phone

    def clean_postal_address(self) -> str:
        address = str(self.cleaned_data.get("postal_address", "")).strip()
        if self.chosen and not address:
            raise forms.ValidationError(
                _("Vui lòng nhập địa chỉ nhận kết quả qua dịch vụ bưu chính.")
            )
        return address

    def error_items(self) -> list[tuple[str, str, str]]:
        """(input id, label, message) of each error, for the page's error summary."""
        return [
            (f"id_{name}", str(self.fields[name].label), str(message))
            for name, messages in self.errors.items()
            if name in self.fields
            for message in messages
        ]
