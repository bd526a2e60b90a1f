"""Changing one's password (ASVS 2.1.5, 2.1.6, 3.3.3) and the longest password accepted (2.1.2).

:func:`change_password` is the use case behind the change-password page: the new password is
saved, every other session of the account ends (the session hash covers the password and the
``session_stamp``, which :meth:`User.end_sessions` renews; the page keeps its own session with
``update_session_auth_hash``), the account's API tokens are revoked, the change is audited
(``auth.password_changed``) and, after commit, the account's e-mail address is told.

API tokens are revoked because a password is usually changed when it may have leaked: a token
obtained with the old password would otherwise outlive the change (tokens do not expire yet,
docs/security.md gap 6). A client signs in again (``POST /api/v1/auth/token``) with the new one.

The notice goes out through the accounts app's e-mail sender (``tinhso.accounts.code_senders``,
registered by the notifications app's e-mail channel): accounts sits below notifications and
must not import it. It is sent once, after commit, and a failure is logged, never raised: the
password has already changed, and the audit entry records it.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tinhso.accounts import code_senders
from tinhso.accounts.auditing import audit
from tinhso.accounts.models import ApiToken, User

logger = logging.getLogger(__name__)

MAX_PASSWORD_LENGTH = 128
# Tries of the change-password form per account and hour: the form checks the current password,
# so a stolen session must not turn it into an unlimited guessing oracle.
CHANGE_ATTEMPTS_PER_HOUR = 10


class MaximumLengthValidator:
    """Refuse passwords longer than ``max_length`` characters (ASVS 2.1.2: at least 64 allowed,
    more than 128 denied). Django ships only a minimum-length password validator, hence this
    small class."""

    def __init__(self, max_length: int = MAX_PASSWORD_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("Mật khẩu quá dài: tối đa %(max_length)d ký tự."),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu dài tối đa %(max_length)d ký tự.") % {"max_length": self.max_length}


def change_password(*, user: User, new_password: str, request: HttpRequest | None = None) -> None:
    """Save ``new_password`` (already checked against the current one and the validators by the
    form), end the account's other sessions, revoke its API tokens, audit, and tell the owner.

    The caller keeps its own session with ``update_session_auth_hash(request, user)``."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user.end_sessions()
        revoked = ApiToken.objects.filter(user=user).delete()[0]
        recipient = user.email.strip()
        notified = bool(recipient) and code_senders.sender(code_senders.EMAIL) is not None
        audit(
            "auth.password_changed",
            actor=user,
            target=f"user:{user.username}",
            details={
                "sessions_ended": True,
                "api_access_revoked": revoked,
                "notice_sent": notified,
            },
            request=request,
        )
        if notified:
            subject, body = _notice(user)
            transaction.on_commit(lambda: _send_notice(recipient, subject, body))


def record_wrong_current_password(*, user: User, request: HttpRequest | None = None) -> None:
    """The change-password form was sent with a wrong current password (audited as a failure)."""
    audit(
        "auth.password_change_failed",
        actor=user,
        target=f"user:{user.username}",
        details={"reason": "wrong_current_password"},
        request=request,
        outcome="failure",
    )


def _notice(user: User) -> tuple[str, str]:
    when = formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")
    subject = _("Mật khẩu tài khoản Tỉnh Số của bạn vừa được đổi")
    body = _(
        "Mật khẩu của tài khoản %(username)s trên Tỉnh Số (%(site)s) vừa được đổi lúc %(when)s. "
        "Các phiên đăng nhập khác và mã truy cập API của tài khoản đã bị đăng xuất.\n\n"
        "Nếu không phải bạn đổi, hãy đặt lại mật khẩu và báo ngay cho bộ phận hỗ trợ."
    ) % {"username": user.username, "site": settings.TINHSO_SITE_URL, "when": when}
    return subject, body


def _send_notice(recipient: str, subject: str, body: str) -> None:
    send = code_senders.sender(code_senders.EMAIL)
    if send is None:  # pragma: no cover - checked before the commit
        return
    try:
        send(recipient, subject, body)
    except Exception:
        # The password has changed and the audit log says so; a mail server that is down must
        # not turn the change into an error page.
        logger.exception("The password-change notice could not be sent")
