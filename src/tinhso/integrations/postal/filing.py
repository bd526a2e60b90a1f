"""The filing's part of postal return (the portal's filing and draft pages, the back office's
counter): whether the e-form asks the return method, the receiver's phone (the address is the
dossier's own ``postal_address``, given to ``dossiers.services.file_dossier``/``update_draft``)."""

import re

from tinhso.dossiers.models import Dossier
from tinhso.integrations.postal.models import PostalContact
from tinhso.procedures.models import ProcedureVersion

# A Vietnamese phone number as the post takes it: 0 and 9-10 digits (+84 / 84 written as 0).
PHONE = re.compile(r"^0\d{9,10}$")


def normalise_phone(text: str) -> str:
    """``+84 912 345 678`` → ``0912345678``; "" when it is not a phone number."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if PHONE.fullmatch(digits) else ""


def asks_return_method(version: ProcedureVersion) -> bool:
    """Whether the e-form asks how to receive the result (a property with ``x-return-method``)."""
    schema = version.form_schema if isinstance(version.form_schema, dict) else {}
    properties = schema.get("properties")
    return isinstance(properties, dict) and any(
        isinstance(p, dict) and isinstance(p.get("x-return-method"), dict)
        for p in properties.values()
    )


def remember_phone(dossier: Dossier, phone: str) -> None:
    """Keep the receiver's phone of a postal-return filing (in the filing's transaction)."""
    if dossier.return_method == "postal" and phone:
        PostalContact.objects.update_or_create(dossier=dossier, defaults={"phone": phone})


def given_phone(dossier: Dossier) -> str:
    """The receiver's phone kept for ``dossier`` (a draft continued shows it again), else ""."""
    if not dossier.pk:
        return ""
    phone = PostalContact.objects.filter(dossier=dossier).values_list("phone", flat=True).first()
    return phone or ""


def receiver_phone(dossier: Dossier) -> str:
    """The order's ReceiverTel: the phone given for the delivery, else the applicant's."""
    contact = PostalContact.objects.filter(dossier=dossier).values_list("phone", flat=True).first()
    return contact or normalise_phone(dossier.applicant_phone)
