"""Use cases of the national portal sign-in (R-NAT-055..057): consume a ``state``, find or
create the account for what the identity provider said, and tell the national mapping whether
a filing account was verified with VNeID.

Linking order (R-NAT-055): the ``TechID`` link first; then, for a citizen (``LoaiTaiKhoan`` 1),
the 12-digit ``SoDinhDanh`` against citizen accounts; for an enterprise (2) or an organisation (3)
the ``MaSoThue`` against business accounts; otherwise a new account. Never the e-mail address:
the portal makes addresses up (``<TechID>-ttkm@dvcqg.gov.vn``), and an address is not an identity
in Vietnamese public services. Officials and administrators never sign in this way (they need
their second factor), and neither does an inactive account.
"""

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.auditing import audit
from tinhso.accounts.identifiers import normalize_phone, validate_personal_id, validate_tax_code
from tinhso.accounts.models import User
from tinhso.accounts.twofactor import needs_second_factor
from tinhso.integrations.sso.client import state_hash
from tinhso.integrations.sso.config import SsoRefused
from tinhso.integrations.sso.models import NationalAccount, UsedSignInState

AUDIT_ACTION = "auth.dvcqg_login"
CITIZEN, ENTERPRISE, ORGANISATION = "1", "2", "3"


@dataclass(frozen=True)
class SignIn:
    user: User
    created: bool
    linked_by: str  # tech_id, personal_id, tax_code or created
    vneid_verified: bool


def consume_state(state: str) -> None:
    """Remember ``state`` as used; a state seen before raises (a replay, from any session)."""
    now = timezone.now()
    horizon = now - datetime.timedelta(seconds=settings.TINHSO_DVCQG_SSO_USED_STATE_SECONDS)
    try:
        with transaction.atomic():
            UsedSignInState.objects.filter(used_at__lt=horizon).delete()
            UsedSignInState.objects.create(state_hash=state_hash(state), used_at=now)
    except IntegrityError as exc:
        raise SsoRefused(replay_message(), "state_replayed") from exc


def state_was_used(state: str) -> bool:
    return UsedSignInState.objects.filter(state_hash=state_hash(state)).exists()


def replay_message() -> str:
    return _(
        "Yêu cầu đăng nhập này đã được dùng hoặc đã hết hạn. Vui lòng bấm đăng nhập qua "
        "Cổng Dịch vụ công quốc gia một lần nữa."
    )


def assurance_values(info: dict[str, Any], claims: dict[str, Any]) -> list[str]:
    """The loAs of userinfo (a list or a string) and the id_token's acr, as strings."""
    raw = info.get("loAs")
    values = [str(v) for v in raw] if isinstance(raw, list) else ([str(raw)] if raw else [])
    if claims.get("acr"):
        values.append(str(claims["acr"]))
    return [value.strip() for value in values if str(value).strip()]


def is_vneid_level2(values: Iterable[str]) -> bool:
    """UNCONFIRMED mapping (R-NAT-057): which values mean level ≥ 2 is a setting."""
    wanted = {value.strip() for value in settings.TINHSO_DVCQG_SSO_VNEID_LEVEL2_VALUES}
    return any(value in wanted for value in values)


def vneid_verified(user_id: int | None) -> bool:
    """The account's last DVCQG sign-in was VNeID level ≥ 2 (``TaiKhoanDuocXacThucVoiVNeID``)."""
    if user_id is None:
        return False
    return NationalAccount.objects.filter(user_id=user_id, vneid_verified=True).exists()


def sign_in(
    *, info: dict[str, Any], claims: dict[str, Any], request: HttpRequest | None = None
) -> SignIn:
    """Find or create the account for validated userinfo, record the link, audit the sign-in.

    ``request`` only gives the audit record its address and browser. A refusal is audited too.
    """
    account_type = str(info.get("LoaiTaiKhoan", "")).strip()
    tech_id = str(info.get("TechID", "")).strip()[:128]
    try:
        if not tech_id:
            raise SsoRefused(
                _("Cổng Dịch vụ công quốc gia không trả về mã tài khoản."), "no_techid"
            )
        if account_type not in settings.TINHSO_DVCQG_SSO_ACCOUNT_TYPES:
            raise SsoRefused(
                _("Loại tài khoản này chưa được phép đăng nhập qua Cổng Dịch vụ công quốc gia."),
                "account_type",
            )
        levels = assurance_values(info, claims)
        with transaction.atomic():  # the link and its audit record commit together
            result = _link(tech_id, account_type, info, is_vneid_level2(levels), levels)
            _audit_success(result, account_type, request)
    except SsoRefused as exc:
        audit(
            AUDIT_ACTION,
            actor=None,
            target=f"dvcqg:{_tech_ref(tech_id)}" if tech_id else "",
            details={"reason": exc.reason, "account_type": account_type},
            request=request,
            outcome="failure",
        )
        exc.audited = True
        raise
    return result


def _audit_success(result: SignIn, account_type: str, request: HttpRequest | None) -> None:
    audit(
        AUDIT_ACTION,
        actor=result.user,
        target=f"user:{result.user.username}",
        details={
            "account_type": account_type,
            "linked_by": result.linked_by,
            "created": result.created,
            "vneid_verified": result.vneid_verified,
        },
        request=request,
    )


def refused(reason: str, *, request: HttpRequest | None = None) -> None:
    """Audit a sign-in refused before any account is known (state, provider, token)."""
    audit(AUDIT_ACTION, actor=None, details={"reason": reason}, request=request, outcome="failure")


def _tech_ref(tech_id: str) -> str:
    """A short, stable reference to a TechID for the audit log (not the identifier itself)."""
    return hashlib.sha256(tech_id.encode()).hexdigest()[:12]


@transaction.atomic
def _link(
    tech_id: str, account_type: str, info: dict[str, Any], verified: bool, levels: list[str]
) -> SignIn:
    link = NationalAccount.objects.select_related("user").filter(tech_id=tech_id).first()
    created, linked_by = False, "tech_id"
    if link is not None:
        user = link.user
    else:
        found = _match(account_type, info)
        if found is not None:
            user, linked_by = found
        else:
            user, created, linked_by = _create(tech_id, account_type, info), True, "created"
    _check_may_sign_in(user)
    try:
        with transaction.atomic():
            NationalAccount.objects.update_or_create(
                tech_id=tech_id,
                defaults={
                    "user": user,
                    "account_type": account_type,
                    "vneid_verified": verified,
                    "assurance": " ".join(levels)[:200],
                    "last_login_at": timezone.now(),
                },
            )
    except IntegrityError as exc:  # the same first sign-in twice at once: the other one won
        raise SsoRefused(_("Vui lòng thử đăng nhập lại."), "race") from exc
    return SignIn(user=user, created=created, linked_by=linked_by, vneid_verified=verified)


def _check_may_sign_in(user: User) -> None:
    if user.kind in (User.Kind.OFFICIAL, User.Kind.ADMIN) or needs_second_factor(user):
        raise SsoRefused(
            _(
                "Tài khoản cán bộ, quản trị không đăng nhập qua Cổng Dịch vụ công quốc gia. "
                "Vui lòng đăng nhập bằng tài khoản được cấp."
            ),
            "official",
        )
    if not user.is_active:
        raise SsoRefused(_("Tài khoản này đã bị khóa."), "inactive")


def _staff() -> Q:
    return (
        Q(kind__in=[User.Kind.OFFICIAL, User.Kind.ADMIN]) | Q(is_staff=True) | Q(is_superuser=True)
    )


def _match(account_type: str, info: dict[str, Any]) -> tuple[User, str] | None:
    """The existing account for the person's number, if any (an official's is refused)."""
    if account_type == CITIZEN:
        number = _personal_id(info)
        people = User.objects.filter(personal_id=number)
        wanted, how = people.filter(kind=User.Kind.CITIZEN), "personal_id"
    else:
        number = _tax_code(info)
        people = User.objects.filter(tax_code=number)
        wanted, how = people.filter(kind=User.Kind.BUSINESS), "tax_code"
    user = wanted.exclude(_staff()).order_by("pk").first()
    if user is not None:
        return user, how
    staff = people.filter(_staff()).order_by("pk").first()
    if staff is not None:  # never a second, passwordless door into an official's identity
        _check_may_sign_in(staff)
    return None


def _personal_id(info: dict[str, Any]) -> str:
    try:
        return validate_personal_id(str(info.get("SoDinhDanh") or ""))
    except ValidationError as exc:
        raise SsoRefused(
            _("Cổng Dịch vụ công quốc gia không trả về số định danh cá nhân hợp lệ."),
            "personal_id",
        ) from exc


def _tax_code(info: dict[str, Any]) -> str:
    try:
        return validate_tax_code(str(info.get("MaSoThue") or ""))
    except ValidationError as exc:
        raise SsoRefused(
            _("Cổng Dịch vụ công quốc gia không trả về mã số thuế hợp lệ."), "tax_code"
        ) from exc


def _username(tech_id: str) -> str:
    """From the TechID (never from the e-mail address): stable, and says nothing of the person."""
    return "dvcqg-" + hashlib.sha256(tech_id.encode()).hexdigest()[:12]


def _create(tech_id: str, account_type: str, info: dict[str, Any]) -> User:
    try:
        phone = normalize_phone(str(info.get("SoDienThoai") or ""))
    except ValidationError:
        phone = ""
    user = User(
        username=_username(tech_id), phone=phone, address=str(info.get("DiaChi") or "")[:300]
    )
    if account_type == CITIZEN:
        user.kind = User.Kind.CITIZEN
        user.personal_id = _personal_id(info)
        user.full_name = str(info.get("HoVaTen") or "")[:200]
    else:
        user.kind = User.Kind.BUSINESS
        user.tax_code = _tax_code(info)
        user.full_name = str(info.get("TenDoanhNghiep") or info.get("HoVaTen") or "")[:200]
    user.set_unusable_password()  # this account signs in only through the provider
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same first sign-in twice at once
        raise SsoRefused(_("Vui lòng thử đăng nhập lại."), "race") from exc
    return user
