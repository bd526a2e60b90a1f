"""The e-form of a procedure version and its document inputs, shared by the portal and the back
office (the counter).

The e-form is a JSON Schema (an object with flat properties). ``SchemaForm`` turns it into fields
for the templates (``portal/_field.html``, ``backoffice/_schema_field.html``), coerces the posted
strings back to the schema's types and collects every validation error per field, so the person
filling it in sees all of them at once; ``dossiers.services.file_dossier`` validates again and stays
the final word.

Supported property types: string (text; ``format: date`` → date picker, ``format: email`` →
e-mail; ``enum`` → select; ``maxLength`` > 200 → textarea), integer and number, boolean
(checkbox), and enums of any of these. Nested objects and arrays are not rendered.

``document_inputs`` gives one file input per required document of the version and
``check_documents`` checks the posted files by content (``tinhso.uploads``); nothing is stored here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from tinhso.procedures.models import ProcedureVersion, RequiredDocument
from tinhso.uploads import CheckedUpload, UploadRejected, check_upload

ACCEPT = ".pdf,.jpg,.jpeg,.png"
DATA_PREFIX = "data."
TEXTAREA_FROM = 200  # a maxLength above this renders a textarea
DIGITS_ONLY = re.compile(r"\^?(\[0-9\]|\\d)(\{\d+(,\d*)?\}|\+|\*)?\$?")


@dataclass
class Choice:
    value: str
    label: str
    selected: bool


@dataclass
class SchemaField:
    """One property of the e-form, ready for the field templates."""

    name: str
    widget: str  # text, date, email, textarea, select, number, checkbox
    label: str
    hint: str = ""
    required: bool = False
    value: str = ""
    checked: bool = False
    choices: list[Choice] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    error: str = ""

    @property
    def html_name(self) -> str:
        return DATA_PREFIX + self.name

    @property
    def id(self) -> str:
        return "f-" + safe_id(self.name)

    @property
    def described_by(self) -> str:
        """Ids of the hint and error paragraphs, for aria-describedby."""
        ids = [f"{self.id}-hint" if self.hint else "", f"{self.id}-error" if self.error else ""]
        return " ".join(i for i in ids if i)


def safe_id(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", value)


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    props = schema.get("properties", {})
    return {k: v for k, v in props.items() if isinstance(v, dict)}


def _type_of(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):  # e.g. ["string", "null"]
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def _widget(prop: dict[str, Any]) -> str:
    kind = _type_of(prop)
    if "enum" in prop:
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    fmt = prop.get("format")
    if fmt == "date":
        return "date"
    if fmt == "email":
        return "email"
    if int(prop.get("maxLength", 0)) > TEXTAREA_FROM:
        return "textarea"
    return "text"


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _html_attrs(prop: dict[str, Any], widget: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if widget in ("text", "email", "textarea"):
        if "minLength" in prop:
            attrs["minlength"] = str(prop["minLength"])
        if "maxLength" in prop:
            attrs["maxlength"] = str(prop["maxLength"])
    if widget == "number":
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in prop:
                attrs[attr] = str(prop[key])
        attrs["step"] = "1" if _type_of(prop) == "integer" else "any"
        attrs["inputmode"] = "numeric" if _type_of(prop) == "integer" else "decimal"
    if widget == "email":
        attrs["autocomplete"] = "email"
    pattern = prop.get("pattern")
    if widget == "text" and isinstance(pattern, str):
        attrs["pattern"] = pattern
        if DIGITS_ONLY.fullmatch(pattern):
            attrs["inputmode"] = "numeric"
    return attrs


class SchemaForm:
    """Render, coerce and validate the ``form_schema`` of a procedure version."""

    def __init__(self, schema: dict[str, Any], initial: dict[str, Any] | None = None) -> None:
        self.schema = schema
        self.properties = _properties(schema)
        self.required = set(schema.get("required", []))
        self.data: dict[str, Any] = dict(initial or {})
        self.errors: dict[str, str] = {}
        self._raw: dict[str, str] = {}

    # --- input -----------------------------------------------------------------------

    def bind(self, post: QueryDict) -> dict[str, Any]:
        """Coerce posted values to the schema's types; type errors go to ``self.errors``.

        Empty inputs are left out, so that "required" is reported by the schema check.
        """
        data: dict[str, Any] = {}
        for name, prop in self.properties.items():
            kind = _type_of(prop)
            if kind == "boolean" and "enum" not in prop:
                data[name] = post.get(DATA_PREFIX + name) == "on"
                continue
            raw = post.get(DATA_PREFIX + name, "").strip()
            self._raw[name] = raw
            if raw == "":
                continue
            try:
                data[name] = self._coerce(prop, kind, raw)
            except ValueError as exc:
                self.errors[name] = str(exc)
        self.data = data
        return data

    def _coerce(self, prop: dict[str, Any], kind: str, raw: str) -> Any:
        if "enum" in prop:
            for option in prop["enum"]:
                if _display(option) == raw:
                    return option
            raise ValueError(_("Hãy chọn một giá trị trong danh sách."))
        if kind == "integer":
            try:
                return int(raw)
            except ValueError:
                raise ValueError(_("Hãy nhập một số nguyên.")) from None
        if kind == "number":
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                raise ValueError(_("Hãy nhập một số.")) from None
            return int(number) if number.is_integer() else number
        return raw

    def validate(self) -> bool:
        """Check the coerced data against the schema; one message per field, in Vietnamese."""
        validator = jsonschema.Draft202012Validator(
            self.schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        for error in validator.iter_errors(self.data):
            if error.validator == "required":
                for name in error.validator_value:
                    if name not in self.data:
                        self.errors.setdefault(name, self._missing(name))
                continue
            path = [str(p) for p in error.absolute_path]
            name = path[0] if path else ""
            self.errors.setdefault(name, self._message(error))
        return not self.errors

    def _missing(self, name: str) -> str:
        if "enum" in self.properties.get(name, {}):
            return _("Vui lòng chọn một giá trị.")
        return _("Vui lòng nhập thông tin này.")

    def _message(self, error: jsonschema.ValidationError) -> str:
        value = error.validator_value
        messages = {
            "minLength": _("Cần ít nhất %(n)s ký tự.") % {"n": value},
            "maxLength": _("Tối đa %(n)s ký tự.") % {"n": value},
            "minimum": _("Giá trị nhỏ nhất là %(n)s.") % {"n": value},
            "maximum": _("Giá trị lớn nhất là %(n)s.") % {"n": value},
            "enum": _("Hãy chọn một giá trị trong danh sách."),
            "pattern": _("Thông tin chưa đúng định dạng."),
        }
        if error.validator == "const" and value is True:
            return _("Vui lòng đánh dấu ô này.")
        if error.validator == "format":
            if value == "date":
                return _("Ngày không hợp lệ (ngày/tháng/năm).")
            if value == "email":
                return _("Địa chỉ thư điện tử không hợp lệ.")
        return messages.get(str(error.validator), _("Thông tin không hợp lệ."))

    def add_error(self, name: str, message: str) -> None:
        self.errors[name] = message

    # --- output ----------------------------------------------------------------------

    def fields(self) -> list[SchemaField]:
        result = []
        for name, prop in self.properties.items():
            widget = _widget(prop)
            value = self._raw.get(name, _display(self.data.get(name, prop.get("default"))))
            item = SchemaField(
                name=name,
                widget=widget,
                label=str(prop.get("title") or name),
                hint=str(prop.get("description", "")),
                required=name in self.required,
                value=value,
                checked=self.data.get(name, prop.get("default")) is True,
                attrs=_html_attrs(prop, widget),
                error=self.errors.get(name, ""),
            )
            if widget == "select":
                item.choices = [
                    Choice(
                        _display(option), _choice_label(prop, i, option), _display(option) == value
                    )
                    for i, option in enumerate(prop["enum"])
                ]
            result.append(item)
        return result

    def error_list(self) -> list[tuple[str, str, str]]:
        """(input id, label, message) for the error summary, in form order."""
        return [(f.id, f.label, f.error) for f in self.fields() if f.error]


def _choice_label(prop: dict[str, Any], index: int, option: Any) -> str:
    names = prop.get("enumNames") or prop.get("x-enumNames")
    if isinstance(names, list) and index < len(names):
        return str(names[index])
    return _display(option)


# --- files ---------------------------------------------------------------------------


@dataclass
class DocumentInput:
    """One file input per required document of the procedure.

    The portal's subclass adds a choice from the applicant's document store; it overrides
    :meth:`provided_otherwise` and :meth:`reject_file`.
    """

    document: RequiredDocument
    existing: list[Any] = field(default_factory=list)  # attachments already on a draft
    error: str = ""
    accept: str = ACCEPT

    @property
    def html_name(self) -> str:
        return "doc." + self.document.code

    @property
    def id(self) -> str:
        return "doc-" + safe_id(self.document.code)

    @property
    def error_target(self) -> str:
        """The id of the input the error summary links to."""
        return self.id

    @property
    def upload_required(self) -> bool:
        """An electronic copy must be uploaded before the dossier can be submitted."""
        return self.document.required and self.document.e_copy_accepted and not self.existing

    def provided_otherwise(self) -> bool:
        """The document is supplied without a file upload (the portal: chosen from the store)."""
        return False

    def reject_file(self, message: str) -> None:
        """An uploaded file of this input was refused."""
        self.error = message


def document_inputs(
    version: ProcedureVersion, attachments: list[Any] | None = None
) -> list[DocumentInput]:
    by_code: dict[str, list[Any]] = {}
    for attachment in attachments or []:
        by_code.setdefault(attachment.document_code, []).append(attachment)
    return [DocumentInput(doc, by_code.get(doc.code, [])) for doc in version.documents.all()]


def check_documents(
    inputs: Sequence[DocumentInput], files: MultiValueDict[str, Any], *, submitting: bool
) -> list[tuple[str, CheckedUpload]]:
    """Validate every uploaded file by content; record errors on the inputs.

    Returns (document code, checked upload) pairs; nothing is written to storage here.
    """
    checked: list[tuple[str, CheckedUpload]] = []
    for item in inputs:
        uploads = files.getlist(item.html_name)
        for upload in uploads:
            try:
                checked.append((item.document.code, check_upload(upload, item.html_name)))
            except UploadRejected as exc:
                item.reject_file(exc.message)
                break
        if (
            submitting
            and not uploads
            and not item.provided_otherwise()
            and not item.error
            and item.upload_required
        ):
            item.error = _("Vui lòng đính kèm bản điện tử của giấy tờ này.")
    return checked
