"""Account use cases."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tinhso.accounts.identifiers import normalize_phone, validate_personal_id, validate_tax_code
from tinhso.accounts.models import Consent, User
from tinhso.units.models import AdministrativeUnit


class RegistrationError(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def register_citizen(
    *,
    username: str,
    password: str,
    full_name: str,
    personal_id: str,
    phone: str,
    email: str = "",
    address: str = "",
    commune: AdministrativeUnit | None = None,
    tax_code: str = "",
    consent_notice_version: str = "",
) -> User:
    """Create a citizen (or business, when a tax code is given) account with validated identifiers.

    ``consent_notice_version``: the version of the personal data notice the person agreed to
    (Law 91/2025/QH15); recorded with the account when given."""
    checks = [
        ("personal_id", lambda: validate_personal_id(personal_id)),
        ("phone", lambda: normalize_phone(phone)),
    ]
    if tax_code:
        checks.append(("tax_code", lambda: validate_tax_code(tax_code)))
    values: dict[str, str] = {}
    for field, check in checks:
        try:
            values[field] = check()
        except ValidationError as exc:
            raise RegistrationError(" ".join(exc.messages), field) from exc
    candidate = User(username=username, full_name=full_name, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise RegistrationError(" ".join(exc.messages), "password1") from exc
    if User.objects.filter(username__iexact=username).exists():
        raise RegistrationError(_("Tên đăng nhập này đã có người dùng."), "username")
    if User.objects.filter(personal_id=values["personal_id"], kind=User.Kind.CITIZEN).exists():
        raise RegistrationError(_("Số định danh cá nhân này đã có tài khoản."), "personal_id")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=password,
                full_name=full_name.strip(),
                email=email,
                personal_id=values["personal_id"],
                phone=values["phone"],
                address=address.strip(),
                commune=commune,
                tax_code=values.get("tax_code", ""),
                kind=User.Kind.BUSINESS if tax_code else User.Kind.CITIZEN,
            )
            if consent_notice_version:
                Consent.objects.create(
                    user=user,
                    purpose=Consent.Purpose.PUBLIC_SERVICES,
                    notice_version=consent_notice_version,
                    method="registration_form",
                )
            return user
    except IntegrityError as exc:
        raise RegistrationError(_("Tên đăng nhập này đã có người dùng."), "username") from exc
