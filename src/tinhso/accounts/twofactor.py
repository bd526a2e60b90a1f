"""Second factor for officials: TOTP (RFC 6238, via pyotp) and single-use recovery codes.

Use cases, one function each, atomic and audited. Codes are 6 digits on 30-second steps; a code
of the previous or next step is accepted (clock drift) but never a step already used, so an
observed code cannot be replayed.
"""

import secrets
import time

import pyotp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from tinhso.accounts import lockout
from tinhso.accounts.auditing import audit
from tinhso.accounts.models import ApiToken, RecoveryCode, SecondFactor, User, WebAuthnCredential
from tinhso.agencies.models import Role, StaffAssignment

RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30
ISSUER = "Tỉnh Số"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


class _TOTP(pyotp.TOTP):
    """Secrets made here have 160 bits (pyotp.random_base32); 80-bit secrets are still read so
    that the public demo secret (16 base32 characters) works."""

    min_secret_length_bits = 80


def totp(secret: str) -> pyotp.TOTP:
    return _TOTP(secret)


class SecondFactorError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def needs_second_factor(user: object) -> bool:
    """Officials, administrators and staff must confirm a second factor after the password."""
    if not getattr(settings, "TINHSO_SECOND_FACTOR_REQUIRED", True):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        getattr(user, "kind", "") in (User.Kind.OFFICIAL, User.Kind.ADMIN)
        or getattr(user, "is_staff", False)
        or getattr(user, "is_superuser", False)
    )


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return totp(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def current_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def _matching_step(secret: str, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    generator = totp(secret)
    now = time.time()
    for offset in (0, -1, 1):
        at = now + offset * STEP_SECONDS
        if secrets.compare_digest(generator.at(at), code):
            return current_step(at)
    return None


def _recovery_hash(user: User, code: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY and bound to the user: ~50 random bits per code, so
    without the key a stolen table cannot be searched, and lookups stay one indexed query."""
    return salted_hmac("tinhso.recovery-code", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(user, code)) for code in codes
    )
    return codes


def confirm_enrolment(
    *, user: User, secret: str, code: str, request: HttpRequest | None = None
) -> list[str]:
    """Save the authenticator once the user proved it works; returns fresh recovery codes. Every
    other session of the user ends (one opened with a replaced authenticator must not live on)."""
    step = _matching_step(secret, code)
    if step is None:
        raise SecondFactorError("invalid_code")
    with transaction.atomic():
        SecondFactor.objects.update_or_create(
            user=user,
            defaults={"secret": secret, "confirmed_at": timezone.now(), "last_step": step},
        )
        codes = _new_recovery_codes(user)
        # Sessions opened with the previous authenticator end; the caller keeps its own one
        # alive with update_session_auth_hash.
        user.end_sessions()
        audit("auth.otp_enrolled", actor=user, target=f"user:{user.username}", request=request)
    return codes


def verify_code(*, user: User, code: str) -> bool:
    """True when ``code`` is a valid, not yet used TOTP code of the user's authenticator."""
    factor = SecondFactor.objects.filter(user=user).first()
    if factor is None:
        return False
    step = _matching_step(factor.secret, code)
    if step is None:
        return False
    # Compare-and-set: of two requests carrying the same code, exactly one wins.
    return SecondFactor.objects.filter(pk=factor.pk, last_step__lt=step).update(last_step=step) == 1


def use_recovery_code(*, user: User, code: str, request: HttpRequest | None = None) -> bool:
    """Spend one recovery code; True when it was valid and unused."""
    normalised = code.strip().lower().replace(" ", "")
    if len(normalised) != 11:
        return False
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=_recovery_hash(user, normalised), used_at__isnull=True
    ).update(used_at=timezone.now())
    if spent:
        audit(
            "auth.recovery_code_used",
            actor=user,
            target=f"user:{user.username}",
            details={"remaining": remaining_recovery_codes(user)},
            request=request,
        )
    return spent == 1


def check_second_factor(*, user: User, code: str, request: HttpRequest | None = None) -> bool:
    """A TOTP code or, failing that, a recovery code."""
    return verify_code(user=user, code=code) or use_recovery_code(
        user=user, code=code, request=request
    )


def record_failed_second_factor(
    *, user: User, step: str, request: HttpRequest | None = None
) -> lockout.Lock | None:
    """A wrong, used or refused second factor (TOTP or recovery code, security key) after the
    right password: a failed sign-in like a wrong password. It is audited with the same action
    (``auth.login_failed``, target ``user:<username>``, outcome failure; ``details["step"]`` says
    which factor) so the security page's chart of failed sign-ins and the alert rules count it,
    and it counts against the account's lockout. Returns the lock if this failure set one."""
    audit(
        "auth.login_failed",
        actor=None,
        target=f"user:{user.username}",
        details={"step": step},
        request=request,
        outcome="failure",
    )
    return lockout.record_failure(user.username, request)


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def agencies_administered_by(actor: User) -> list[int]:
    today = timezone.localdate()
    return list(
        StaffAssignment.objects.filter(user=actor, role=Role.AGENCY_ADMIN)
        .exclude(valid_from__gt=today)
        .exclude(valid_to__lte=today)
        .values_list("agency_id", flat=True)
    )


def staff_resettable_by(actor: User) -> "list[User]":
    """Officials whose second factor ``actor`` may reset: staff of the agencies they administer
    (a platform superuser may reset anyone's, through the same rule applied to all agencies)."""
    today = timezone.localdate()
    assignments = StaffAssignment.objects.exclude(valid_from__gt=today).exclude(valid_to__lte=today)
    users = User.objects.all()
    if not actor.is_superuser:
        # An agency admin resets the staff who handle its dossiers, never a platform administrator,
        # another agency admin or the platform-wide auditors and security staff (their resets are
        # a superuser's): a stolen agency-admin account must not open the accounts that watch it.
        assignments = assignments.filter(agency_id__in=agencies_administered_by(actor))
        protected = StaffAssignment.objects.filter(
            role__in=[Role.AGENCY_ADMIN, Role.AUDITOR, Role.SECURITY]
        ).values("user_id")
        users = users.filter(is_superuser=False, is_staff=False).exclude(kind=User.Kind.ADMIN)
        users = users.exclude(pk__in=protected)
    ids = assignments.exclude(user=actor).values_list("user_id", flat=True)
    return list(users.filter(pk__in=ids).order_by("username"))


def reset_second_factor(*, actor: User, official: User, request: HttpRequest | None = None) -> None:
    """Remove an official's authenticator, recovery codes and security keys, end all their
    sessions and revoke their API tokens: they sign in again and enrol a new authenticator.

    Only an agency admin of an agency where the official works (or a superuser) may do it."""
    if official.pk not in {u.pk for u in staff_resettable_by(actor)}:
        raise SecondFactorError("forbidden")
    with transaction.atomic():
        had = SecondFactor.objects.filter(user=official).delete()[0] > 0
        RecoveryCode.objects.filter(user=official).delete()
        keys = WebAuthnCredential.objects.filter(user=official).delete()[0]
        # A reset usually follows a lost or stolen phone: whoever holds a session or an API
        # token of this account now must lose it too, not only the next login.
        official.end_sessions()
        tokens = ApiToken.objects.filter(user=official).delete()[0]
        audit(
            "auth.otp_reset",
            actor=actor,
            target=f"user:{official.username}",
            details={
                "username": official.username,
                "had_second_factor": had,
                "webauthn_credentials_removed": keys,
                "sessions_ended": True,
                "api_access_revoked": tokens,
            },
            request=request,
        )
