"""Security keys and passkeys (WebAuthn, via py_webauthn) as an official's second factor.

TOTP stays the baseline every official enrols first (it gives the recovery codes); a key is added
afterwards from a verified session and is then used instead of the code after the password
(docs/adr/0008-webauthn.md). One function per ceremony step, each audited:

* :func:`begin_registration` / :func:`finish_registration`: add a key (the session must have
  passed the second factor, and the official must have a TOTP authenticator);
* :func:`begin_authentication` / :func:`finish_authentication`: the second step of a sign-in;
* :func:`remove_credential`: the official removes one of their keys.

The challenge lives in the session, bound to the user and the ceremony, for
``TINHSO_WEBAUTHN_CHALLENGE_SECONDS``, and is taken out by the first response that comes back,
valid or not: a response can never be replayed against it.
"""

import ipaddress
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, options_to_json_dict
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from tinhso.accounts.auditing import audit
from tinhso.accounts.models import SecondFactor, User, WebAuthnCredential

CHALLENGE_KEY = "tinhso_webauthn_challenge"
REGISTER = "register"
AUTHENTICATE = "authenticate"
MAX_KEYS = 10
RP_NAME = "Tỉnh Số"
# ES256 (security keys, Android, Apple), EdDSA (newer keys), RS256 (Windows Hello).
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


class SecurityKeyError(Exception):
    """A refused ceremony step; ``reason`` is a stable code (audited, mapped to a message)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str


def relying_party(request: HttpRequest) -> RelyingParty:
    """``TINHSO_WEBAUTHN_ORIGIN`` / ``_RP_ID``; unset, the request's own (its host was checked
    against ALLOWED_HOSTS). The RP ID defaults to the origin's host name."""
    origin = settings.TINHSO_WEBAUTHN_ORIGIN or f"{request.scheme}://{request.get_host()}"
    origin = origin.rstrip("/")
    rp_id = settings.TINHSO_WEBAUTHN_RP_ID or urlsplit(origin).hostname or ""
    return RelyingParty(id=rp_id, origin=origin)


def available(request: HttpRequest) -> bool:
    """Browsers refuse an IP address as RP ID (``http://127.0.0.1:8000`` has no security keys;
    ``http://localhost:8000`` has)."""
    try:
        ipaddress.ip_address(relying_party(request).id.strip("[]"))
    except ValueError:
        return True
    return False


def user_handle(user: User) -> bytes:
    """The opaque user ID given to authenticators: no name or number of the person in it."""
    return salted_hmac("tinhso.webauthn.user", str(user.pk), algorithm="sha256").digest()


def has_credentials(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user).exists()


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(cred.credential_id),
            transports=[AuthenticatorTransport(t) for t in cred.transports if t in _TRANSPORTS],
        )
        for cred in WebAuthnCredential.objects.filter(user=user)
    ]


def _store_challenge(request: HttpRequest, purpose: str, user: User, challenge: bytes) -> None:
    request.session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "user": user.pk,
        "challenge": bytes_to_base64url(challenge),
        "expires": time.time() + settings.TINHSO_WEBAUTHN_CHALLENGE_SECONDS,
    }


def _take_challenge(request: HttpRequest, purpose: str, user: User) -> bytes:
    """The pending challenge of this ceremony, removed from the session (single use)."""
    pending = request.session.pop(CHALLENGE_KEY, None)
    if not isinstance(pending, dict) or pending.get("purpose") != purpose:
        raise SecurityKeyError("challenge_missing")
    if pending.get("user") != user.pk:
        raise SecurityKeyError("challenge_missing")
    if time.time() > float(pending.get("expires", 0)):
        raise SecurityKeyError("challenge_expired")
    return base64url_to_bytes(str(pending["challenge"]))


def _short(credential_id: str) -> str:
    return credential_id[:16]


def _credential_id(credential: Any) -> str:
    if not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
        raise SecurityKeyError("invalid_response", "no credential id")
    return str(credential["id"])[:1400]


def _audit_failure(
    request: HttpRequest, user: User, step: str, error: SecurityKeyError, credential_id: str = ""
) -> None:
    details: dict[str, Any] = {"step": step, "reason": error.reason}
    if credential_id:
        details["credential"] = _short(credential_id)
    if error.detail:
        details["detail"] = error.detail[:200]
    audit(
        "auth.webauthn_failed",
        actor=user,
        target=f"user:{user.username}",
        details=details,
        request=request,
        outcome="failure",
    )


# --- Registration -----------------------------------------------------------------------------


def begin_registration(*, request: HttpRequest, user: User) -> dict[str, Any]:
    """Options for ``navigator.credentials.create()``; the challenge is kept in the session."""
    if not SecondFactor.objects.filter(user=user).exists():
        raise SecurityKeyError("no_totp")
    if WebAuthnCredential.objects.filter(user=user).count() >= MAX_KEYS:
        raise SecurityKeyError("too_many")
    rp = relying_party(request)
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=user_handle(user),
        user_name=user.username,
        user_display_name=user.display_name,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
        supported_pub_key_algs=ALGORITHMS,
        timeout=settings.TINHSO_WEBAUTHN_CHALLENGE_SECONDS * 1000,
    )
    _store_challenge(request, REGISTER, user, options.challenge)
    return options_to_json_dict(options)


def finish_registration(
    *, request: HttpRequest, user: User, name: str, credential: Any
) -> WebAuthnCredential:
    """Check the authenticator's answer to the pending registration challenge and keep the key."""
    try:
        expected = _take_challenge(request, REGISTER, user)
        if not isinstance(credential, dict):
            raise SecurityKeyError("invalid_response", "not a JSON object")
        rp = relying_party(request)
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=expected,
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                supported_pub_key_algs=ALGORITHMS,
            )
        except Exception as exc:  # any parse or check failure of the answer is a refusal
            raise SecurityKeyError("invalid_response", str(exc)) from exc
        credential_id = bytes_to_base64url(verified.credential_id)
        if WebAuthnCredential.objects.filter(credential_id=credential_id).exists():
            raise SecurityKeyError("already_registered")
    except SecurityKeyError as error:
        _audit_failure(request, user, REGISTER, error, _safe_id(credential))
        raise
    response = credential.get("response")
    transports = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(transports, list):
        transports = []
    label = " ".join(name.split())[:64] or _default_name(user)
    try:
        with transaction.atomic():
            key = _keep(request, user, credential_id, verified, transports, label)
    except IntegrityError:  # the same key registered by a concurrent request
        refused = SecurityKeyError("already_registered")
        _audit_failure(request, user, REGISTER, refused, credential_id)
        raise refused from None
    return key


def _keep(
    request: HttpRequest,
    user: User,
    credential_id: str,
    verified: VerifiedRegistration,
    transports: list[Any],
    label: str,
) -> WebAuthnCredential:
    key = WebAuthnCredential.objects.create(
        user=user,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=sorted({t for t in transports if isinstance(t, str) and t in _TRANSPORTS}),
        name=label,
    )
    audit(
        "auth.webauthn_registered",
        actor=user,
        target=f"user:{user.username}",
        details={
            "name": label,
            "credential": _short(credential_id),
            "aaguid": verified.aaguid,
            "user_verified": verified.user_verified,
            "transports": key.transports,
        },
        request=request,
    )
    return key


def _safe_id(credential: Any) -> str:
    try:
        return _credential_id(credential)
    except SecurityKeyError:
        return ""


def _default_name(user: User) -> str:
    return f"Khóa bảo mật {WebAuthnCredential.objects.filter(user=user).count() + 1}"


# --- Authentication ---------------------------------------------------------------------------


def begin_authentication(*, request: HttpRequest, user: User) -> dict[str, Any]:
    """Options for ``navigator.credentials.get()`` listing the official's own keys."""
    descriptors = _descriptors(user)
    if not descriptors:
        raise SecurityKeyError("no_credentials")
    options = generate_authentication_options(
        rp_id=relying_party(request).id,
        allow_credentials=descriptors,
        user_verification=UserVerificationRequirement.PREFERRED,
        timeout=settings.TINHSO_WEBAUTHN_CHALLENGE_SECONDS * 1000,
    )
    _store_challenge(request, AUTHENTICATE, user, options.challenge)
    return options_to_json_dict(options)


def finish_authentication(
    *, request: HttpRequest, user: User, credential: Any
) -> WebAuthnCredential:
    """Check an assertion against the pending challenge and one of the user's own keys.

    Refused (and audited as ``auth.webauthn_failed``): no or an expired challenge, a key of
    someone else or unknown, a wrong origin, RP ID or signature, and a signature counter that did
    not grow (a cloned authenticator: the key is kept, the event says so)."""
    credential_id = _safe_id(credential)
    try:
        expected = _take_challenge(request, AUTHENTICATE, user)
        key = WebAuthnCredential.objects.filter(user=user, credential_id=credential_id).first()
        if key is None:
            raise SecurityKeyError("unknown_credential")
        rp = relying_party(request)
        try:
            # The counter is compared below, after the signature: an unsigned answer with a
            # low counter must not raise a clone alarm.
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=expected,
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                credential_public_key=bytes(key.public_key),
                credential_current_sign_count=0,
            )
        except Exception as exc:  # any parse or check failure of the answer is a refusal
            raise SecurityKeyError("invalid_response", str(exc)) from exc
        stored, received = key.sign_count, verified.new_sign_count
        if (stored or received) and received <= stored:
            raise SecurityKeyError("sign_count_regression", f"stored {stored}, received {received}")
        # Compare-and-set: of two requests carrying answers with the same counter, one wins.
        won = WebAuthnCredential.objects.filter(pk=key.pk, sign_count=stored).update(
            sign_count=received, last_used_at=timezone.now()
        )
        if not won:
            raise SecurityKeyError("concurrent_use")
    except SecurityKeyError as error:
        _audit_failure(request, user, AUTHENTICATE, error, credential_id)
        raise
    audit(
        "auth.webauthn_used",
        actor=user,
        target=f"user:{user.username}",
        details={
            "name": key.name,
            "credential": _short(key.credential_id),
            "user_verified": verified.user_verified,
        },
        request=request,
    )
    key.refresh_from_db()
    return key


# --- Removal ----------------------------------------------------------------------------------


def remove_credential(*, request: HttpRequest, user: User, key: WebAuthnCredential) -> None:
    """The official removes one of their keys. A key is usually removed because it was lost:
    every other session of the official ends (one of them may have been opened with it); the
    caller keeps its own session with ``update_session_auth_hash``."""
    if key.user_id != user.pk:
        raise SecurityKeyError("forbidden")
    with transaction.atomic():
        key.delete()
        user.end_sessions()
        audit(
            "auth.webauthn_removed",
            actor=user,
            target=f"user:{user.username}",
            details={
                "name": key.name,
                "credential": _short(key.credential_id),
                "sessions_ended": True,
            },
            request=request,
        )
