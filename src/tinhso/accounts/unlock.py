"""Unlock codes: the owner of a locked account signs in with the password *and* a one-time code
sent to the e-mail address and phone number recorded on the account.

The account lockout (``tinhso.accounts.lockout``) stops password guessing, but anyone who
knows a username could otherwise keep its owner out. So while an account is locked, anyone may
ask for a code for a username (``request_code``); the answer is the same whether or not the
username exists, is locked or has a contact, and a code is sent only when it is locked and has
one. The code is 6 random digits, stored only as a keyed hash (HMAC-SHA256 with
``SECRET_KEY``, bound to the user, like the recovery codes), valid
``TINHSO_UNLOCK_CODE_SECONDS``, for ``TINHSO_UNLOCK_CODE_ATTEMPTS`` tries; an account has one
open code (a new one closes the previous), a new one is sent at most once a minute and
``TINHSO_UNLOCK_CODES_PER_HOUR`` times an hour, and an address may ask
``TINHSO_UNLOCK_REQUESTS_PER_HOUR`` times. The code alone never signs in: the authentication
backend checks it first (``take_attempt``), the password only after a right code, and closes
it (``close``) when both were right. Every step is audited through ``security_event``.
"""

import datetime
import hmac
import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from tinhso.accounts import code_senders, lockout, ratelimit
from tinhso.accounts.auditing import audit
from tinhso.accounts.models import UnlockCode, User

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
RESEND_SECONDS = 60  # at most one new code a minute per account
KEEP_CLOSED = datetime.timedelta(days=1)  # closed codes are kept this long (hourly limit)


def _hash(user: User, code: str) -> str:
    return salted_hmac("tinhso.unlock-code", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


def _normalise(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def find_user(username: str) -> User | None:
    """The active account signed in as ``username`` (the same exact match as the password)."""
    return User.objects.filter(**{User.USERNAME_FIELD: username.strip()}, is_active=True).first()


def _contacts(user: User) -> list[tuple[str, str]]:
    """(medium, recipient) for each contact recorded on the account with a registered sender."""
    found = [(code_senders.EMAIL, user.email.strip()), (code_senders.SMS, user.phone.strip())]
    return [(m, r) for m, r in found if r and code_senders.sender(m) is not None]


def _refusal(user: User, username: str, now: datetime.datetime) -> str:
    """Why no code is sent to this existing account now, or "" when one may be."""
    if not lockout.account_locked(username):
        return "not_locked"
    if not _contacts(user):
        return "no_contact"
    recent = UnlockCode.objects.filter(user=user, created_at__gt=now - datetime.timedelta(hours=1))
    if recent.filter(created_at__gt=now - datetime.timedelta(seconds=RESEND_SECONDS)).exists():
        return "too_soon"
    if recent.count() >= settings.TINHSO_UNLOCK_CODES_PER_HOUR:
        return "hourly_limit"
    return ""


def address_may_request(request: HttpRequest | None) -> bool:
    """Counts one request from the client's address; False once the address is over its
    hourly budget or is locked out of signing in (then its requests are not even looked at)."""
    address = lockout.client_address(request)
    if lockout.address_locked(address):
        return False
    return not ratelimit.over_limit(
        f"unlock-request:{address}", settings.TINHSO_UNLOCK_REQUESTS_PER_HOUR, 3600
    )


def request_code(*, username: str, request: HttpRequest | None = None) -> None:
    """Send a new unlock code to a locked account's e-mail and phone, if the rules allow.

    Returns nothing on purpose: the caller must answer the same in every case (no account
    enumeration). Each outcome is audited (``auth.unlock_code_sent`` or
    ``auth.unlock_code_refused`` with the reason)."""
    username = username.strip()
    target = f"user:{username[:150]}"
    now = timezone.now()
    user = find_user(username)
    reason = "unknown_account" if user is None else _refusal(user, username, now)
    if user is None or reason:
        audit(
            "auth.unlock_code_refused",
            actor=None,
            target=target,
            details={"reason": reason},
            request=request,
            outcome="failure",
        )
        return
    contacts = _contacts(user)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    try:
        with transaction.atomic():
            UnlockCode.objects.filter(user=user, closed_at__isnull=True).update(closed_at=now)
            UnlockCode.objects.filter(user=user, created_at__lt=now - KEEP_CLOSED).delete()
            UnlockCode.objects.create(
                user=user,
                code_hash=_hash(user, code),
                created_at=now,
                expires_at=now + datetime.timedelta(seconds=settings.TINHSO_UNLOCK_CODE_SECONDS),
            )
            audit(
                "auth.unlock_code_sent",
                actor=None,
                target=target,
                details={"media": [medium for medium, _ in contacts]},
                request=request,
            )
            transaction.on_commit(_sender(user, code, contacts))
    except IntegrityError:
        # A parallel request opened a code for this account first (one open code per account).
        audit(
            "auth.unlock_code_refused",
            actor=None,
            target=target,
            details={"reason": "too_soon"},
            request=request,
            outcome="failure",
        )


def _sender(user: User, code: str, contacts: list[tuple[str, str]]) -> Callable[[], None]:
    def send() -> None:
        minutes = max(1, settings.TINHSO_UNLOCK_CODE_SECONDS // 60)
        url = str(settings.TINHSO_SITE_URL).rstrip("/") + reverse("accounts:unlock_verify")
        subject = _("Mã mở khóa đăng nhập Tỉnh Số")
        email = _(
            "Tài khoản %(username)s đang tạm khóa vì có nhiều lần đăng nhập sai.\n\n"
            "Mã mở khóa của bạn: %(code)s\n"
            "Mã có hiệu lực %(minutes)d phút và chỉ dùng được một lần. Nhập mã cùng mật khẩu "
            "tại %(url)s\n\n"
            "Không cung cấp mã này cho bất kỳ ai, kể cả người xưng là cán bộ. Nếu bạn không "
            "yêu cầu mã, có người đang thử đăng nhập tài khoản của bạn: hãy bỏ qua thư này và "
            "cân nhắc đổi mật khẩu."
        ) % {"username": user.username, "code": code, "minutes": minutes, "url": url}
        # SMS without diacritics, like the platform's other SMS (GSM 7-bit, one segment).
        sms = _(
            "Tinh So: ma mo khoa dang nhap %(code)s, hieu luc %(minutes)d phut. "
            "Khong cung cap ma cho bat ky ai."
        ) % {"code": code, "minutes": minutes}
        for medium, recipient in contacts:
            send_one = code_senders.sender(medium)
            if send_one is None:
                continue
            try:
                send_one(recipient, subject, email if medium == code_senders.EMAIL else sms)
            except Exception:
                # The person can ask again in a minute; the platform must not fail the page.
                logger.exception("unlock code for user %s not sent by %s", user.pk, medium)

    return send


def take_attempt(user: User, code: str) -> UnlockCode | None:
    """Spend one attempt of the account's open code; the code row when ``code`` matches it.

    The attempt is taken compare-and-set before the comparison, so parallel guesses cannot
    exceed the limit; an expired or spent code is closed and matches nothing."""
    now = timezone.now()
    row = UnlockCode.objects.filter(user=user, closed_at__isnull=True).first()
    if row is None:
        return None
    taken = UnlockCode.objects.filter(
        pk=row.pk,
        closed_at__isnull=True,
        expires_at__gt=now,
        attempts__lt=settings.TINHSO_UNLOCK_CODE_ATTEMPTS,
    ).update(attempts=F("attempts") + 1)
    if not taken:
        UnlockCode.objects.filter(pk=row.pk, closed_at__isnull=True).update(closed_at=now)
        return None
    if not hmac.compare_digest(row.code_hash, _hash(user, _normalise(code))):
        return None
    return row


def close(row: UnlockCode) -> bool:
    """Close a code that was used; False when a parallel request used it first."""
    return (
        UnlockCode.objects.filter(pk=row.pk, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        == 1
    )
