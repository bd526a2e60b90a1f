"""Forms of the back office: one form per dossier action, the counter's applicant form.

The forms only parse input. The rules (which action is allowed now, which comment is
mandatory, how many items a supplement request needs) are the services' and come back as
``DossierError``; the views put those messages next to the form field they name.
"""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.identifiers import normalize_phone, validate_personal_id
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.backoffice.display import return_method_labels
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.workflow import ACTIONS, ActionSpec
from tinhso.integrations.postal.filing import normalise_phone as postal_phone

# The fields each action shows besides the comment; "claim" is a single button.
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "request_supplement": ("items",),
    "supplement": ("document", "file"),
    "apologize": ("new_due_at",),
    "assign": ("assignee",),
    "return_result": ("return_method", "postal_tracking", "postal_address"),
}
NO_COMMENT = frozenset({"claim"})
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} ({obj.username})"


class ActionForm(forms.Form):
    """The input of one action on one dossier; prefixed with the action name so that several
    forms on one page keep distinct ids."""

    comment = forms.CharField(
        label=_("Ý kiến, lý do"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    items = forms.CharField(
        label=_("Giấy tờ, nội dung cần bổ sung (mỗi dòng một mục)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    new_due_at = forms.DateTimeField(
        label=_("Ngày, giờ hẹn trả mới"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    # The clerk's supplement at the counter: the paper brought in, scanned (a supplement must add a
    # document; one file per submission, the form can be sent again before resuming).
    document = forms.ChoiceField(label=_("Thành phần hồ sơ bổ sung"), required=False)
    file = forms.FileField(label=_("Tệp bản quét (PDF, JPEG, PNG)"), required=False)
    assignee = StaffChoiceField(
        label=_("Giao cho cán bộ"), required=False, queryset=User.objects.none()
    )
    return_method = forms.ChoiceField(label=_("Hình thức trả kết quả"), required=False)
    postal_tracking = forms.CharField(
        label=_("Mã vận đơn (khi trả qua bưu chính)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    postal_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả qua bưu chính (để trống: địa chỉ của người nộp)"),
        required=False,
        max_length=300,
    )

    def __init__(
        self, *args: Any, spec: ActionSpec, dossier: Dossier, staff: QuerySet[User], **kwargs: Any
    ):
        kwargs.setdefault("prefix", spec.name)
        super().__init__(*args, **kwargs)
        self.spec = spec
        keep = set(ACTION_FIELDS.get(spec.name, ())) | (
            set() if spec.name in NO_COMMENT else {"comment"}
        )
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "comment" in self.fields and spec.comment_required:
            self.fields["comment"].label = _("Lý do (bắt buộc)")
            self.fields["comment"].widget.attrs.update({"required": True, "aria-required": "true"})
        if "items" in self.fields:
            self.fields["items"].widget.attrs.update({"required": True, "aria-required": "true"})
        if "new_due_at" in self.fields:
            self.fields["new_due_at"].widget.attrs.update(
                {"required": True, "aria-required": "true"}
            )
        if "document" in self.fields:
            field = self.fields["document"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(d.code, d.name) for d in dossier.procedure_version.documents.all()]
        if "assignee" in self.fields:
            field = self.fields["assignee"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = staff
            field.widget.attrs.update({"required": True, "aria-required": "true"})
        if "return_method" in self.fields:
            field = self.fields["return_method"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = list(return_method_labels().items())
            default = dossier.return_method or (  # what the applicant chose when filing
                "postal"
                if dossier.postal_address
                else ("online" if dossier.is_online else "counter")
            )
            self.initial.setdefault("return_method", default)

    @property
    def label(self) -> str:
        return str(self.spec.label)

    def to_request(self) -> services.ActionRequest:
        """The service request; call after ``is_valid()``."""
        data = self.cleaned_data
        return services.ActionRequest(
            action=self.spec.name,
            comment=data.get("comment") or "",
            items=[line.strip() for line in (data.get("items") or "").splitlines() if line.strip()],
            new_due_at=data.get("new_due_at"),
            assignee=data.get("assignee"),
            return_method=data.get("return_method") or "",
            postal_tracking=data.get("postal_tracking") or "",
            postal_address=data.get("postal_address") or "",
        )

    def add_service_error(self, exc: services.DossierError) -> None:
        """Show a service refusal next to the field it names, or above the form."""
        name = "file" if exc.field == "files" else exc.field  # the supplement's scanned file
        field = name if name in self.fields else None
        self.add_error(field, exc.message)


def action_form(
    name: str, dossier: Dossier, staff: QuerySet[User], data: Any = None, files: Any = None
) -> ActionForm:
    return ActionForm(data, files, spec=ACTIONS[name], dossier=dossier, staff=staff)


def staff_of(dossier: Dossier) -> QuerySet[User]:
    """Officials who may be given the dossier: staff of its competent or receiving agency."""
    return (
        User.objects.filter(
            assignments__agency_id__in={dossier.agency_id, dossier.receiving_agency_id},
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


# --- the counter ------------------------------------------------------------------------------


class ApplicantForm(forms.Form):
    """The applicant of a paper dossier, entered by the clerk (no account needed)."""

    agency = forms.ModelChoiceField(
        label=_("UBND xã, phường giải quyết"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("— Chọn xã, phường —"),
    )
    name = forms.CharField(
        label=_("Họ và tên người nộp (chủ hồ sơ)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    personal_id = forms.CharField(
        label=_("Số định danh cá nhân (CCCD)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("12 chữ số; bỏ trống nếu người nộp là tổ chức."),
    )
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Để nhận tin nhắn báo kết quả."),
    )
    email = forms.EmailField(label=_("Thư điện tử"), required=False, max_length=254)
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    receive_now = forms.BooleanField(
        label=_("Tiếp nhận ngay (hồ sơ đã đủ, hợp lệ) và in giấy tiếp nhận"),
        required=False,
        initial=True,
    )
    # The clerk's lookup of the applicant in the national population database (spec §7), carried
    # from the lookup to the filing so the dossier is linked to it (found, or "lookup failed").
    population_lookup = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # Postal return (spec §9), only when the e-form asks the return method (``postal``).
    postal_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả qua bưu chính"),
        max_length=300,
        required=False,
        help_text=_("Để trống thì dùng địa chỉ của người nộp ở trên."),
    )
    postal_phone = forms.CharField(
        label=_("Số điện thoại người nhận bưu gửi"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Để trống thì dùng số điện thoại của người nộp ở trên."),
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *args: Any,
        agencies: QuerySet[Agency] | None = None,
        postal: bool = False,
        by_post: bool = False,
        **kwargs: Any,
    ) -> None:
        """``postal``: the e-form asks the return method (the postal fields are shown);
        ``by_post``: the declaration's answer is postal (an address and a phone are needed)."""
        if postal and data is not None and not data.get("postal_address", "").strip():
            # Pre-filled from the applicant's address as the page comes back to the clerk.
            data = data.copy()
            data["postal_address"] = data.get("address", "")
        super().__init__(data, *args, **kwargs)
        self.by_post = postal and by_post
        if not postal:
            del self.fields["postal_address"], self.fields["postal_phone"]
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        if agencies is None:
            del self.fields["agency"]
        else:
            field.queryset = agencies
            field.required = True
            if agencies.exclude(kind=Agency.Kind.COMMUNE_COMMITTEE).exists():
                field.label = _("Cơ quan giải quyết")  # the label follows the agencies' kind
                field.empty_label = _("— Chọn cơ quan —")
            if agencies.count() == 1:
                self.initial.setdefault("agency", agencies.first())

    def clean_personal_id(self) -> str:
        value: str = self.cleaned_data["personal_id"].strip()
        return validate_personal_id(value) if value else ""

    def clean_phone(self) -> str:
        value: str = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""

    def clean(self) -> dict[str, Any]:
        """With postal return chosen, the delivery address and the receiver's phone, each
        falling back to the applicant's; an error on the postal field when neither is given."""
        data = super().clean() or {}
        if "postal_address" not in self.fields:
            return data
        address = str(data.get("postal_address") or data.get("address") or "").strip()
        given = str(data.get("postal_phone", "")).strip()
        phone = postal_phone(given or str(data.get("phone", "")))
        if given and not phone:
            self.add_error("postal_phone", _("Số điện thoại không hợp lệ (ví dụ: 0912345678)."))
        elif self.by_post and not phone and "phone" not in self.errors:
            self.add_error("postal_phone", _("Vui lòng nhập số điện thoại người nhận bưu gửi."))
        if self.by_post and not address:
            self.add_error(
                "postal_address", _("Vui lòng nhập địa chỉ nhận kết quả qua dịch vụ bưu chính.")
            )
        data["postal_address"], data["postal_phone"] = address, phone
        return data

    def applicant(self) -> services.Applicant:
        data = self.cleaned_data
        return services.Applicant(
            name=data["name"].strip(),
            id_number=data["personal_id"],
            phone=data["phone"],
            email=data["email"],
            address=data["address"].strip(),
            user=None,
        )
