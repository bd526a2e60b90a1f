"""Citizen sign-in through OpenID Connect (VNeID works this way), with Authlib as the client.

Authorization code flow with PKCE (S256), a state and a nonce kept in the session; the ID token
is validated by Authlib (signature against the provider's JWKS, issuer, audience, expiry, nonce).
The account is found by the personal identification number claim (``TINHSO_OIDC_PERSONAL_ID_CLAIM``)
and never by e-mail: an e-mail address is not an identity in Vietnamese public services, and
matching on it would let whoever controls an address take over the account. Officials never
sign in this way (they need their second factor); a first sign-in creates a citizen account.
"""

import hashlib
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from joserfc.errors import JoseError

from tinhso.accounts import consent
from tinhso.accounts.auditing import audit
from tinhso.accounts.identifiers import normalize_phone, validate_personal_id
from tinhso.accounts.models import User
from tinhso.accounts.twofactor import needs_second_factor

BACKEND = "tinhso.accounts.backends.LockoutModelBackend"
NEXT_KEY = "tinhso_oidc_next"


class OidcRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@lru_cache(maxsize=4)
def _client(issuer: str, client_id: str, client_secret: str, scopes: str, timeout: int) -> Any:
    oauth = OAuth()
    return oauth.register(
        name="oidc",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": timeout},
    )


def client() -> DjangoOAuth2App:
    if not settings.TINHSO_OIDC_ISSUER:
        raise OidcRefused(_("Đăng nhập bằng định danh điện tử chưa được bật."))
    return _client(
        settings.TINHSO_OIDC_ISSUER,
        settings.TINHSO_OIDC_CLIENT_ID,
        settings.TINHSO_OIDC_CLIENT_SECRET,
        settings.TINHSO_OIDC_SCOPES,
        settings.TINHSO_OIDC_TIMEOUT,
    )


def _username(personal_id: str) -> str:
    return "vneid-" + hashlib.sha256(personal_id.encode()).hexdigest()[:12]


def citizen_from_claims(claims: dict[str, Any], *, request: HttpRequest | None = None) -> User:
    """Find (by personal ID) or create the citizen account for validated identity claims."""
    raw = str(claims.get(settings.TINHSO_OIDC_PERSONAL_ID_CLAIM) or "")
    try:
        personal_id = validate_personal_id(raw)
    except ValidationError as exc:
        raise OidcRefused(
            _("Nhà cung cấp định danh không trả về số định danh cá nhân hợp lệ.")
        ) from exc
    matches = User.objects.filter(personal_id=personal_id).exclude(
        kind__in=[User.Kind.OFFICIAL, User.Kind.ADMIN]
    )
    user = matches.filter(kind=User.Kind.CITIZEN).first() or matches.first()
    created = False
    if user is None:
        user, created = _create_citizen(personal_id, claims)
    if not user.is_active or needs_second_factor(user):
        raise OidcRefused(_("Tài khoản này không đăng nhập được bằng định danh điện tử."))
    audit(
        "auth.oidc_login",
        actor=user,
        target=f"user:{user.username}",
        details={"issuer": settings.TINHSO_OIDC_ISSUER, "created": created},
        request=request,
    )
    return user


def _create_citizen(personal_id: str, claims: dict[str, Any]) -> tuple[User, bool]:
    try:
        phone = normalize_phone(str(claims.get(settings.TINHSO_OIDC_PHONE_CLAIM) or ""))
    except ValidationError:
        phone = ""
    try:
        with transaction.atomic():
            user = User(
                username=_username(personal_id),
                kind=User.Kind.CITIZEN,
                personal_id=personal_id,
                full_name=str(claims.get(settings.TINHSO_OIDC_NAME_CLAIM) or "")[:200],
                phone=phone,
            )
            user.set_unusable_password()  # this account signs in only through the provider
            user.save()
            return user, True
    except IntegrityError:  # the same person's first sign-in, twice at once
        return User.objects.get(username=_username(personal_id)), False


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Redirect to the provider's authorization endpoint (state, nonce and PKCE verifier saved)."""
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        request.session[NEXT_KEY] = nxt
    try:
        app = client()
        callback = request.build_absolute_uri(reverse("accounts:oidc_callback"))
        return app.authorize_redirect(request, callback)
    except (OidcRefused, OAuthError, OSError) as exc:
        messages.error(request, getattr(exc, "message", "") or _unavailable())
        return redirect("portal:login")


def _unavailable() -> str:
    return _("Không kết nối được nhà cung cấp định danh điện tử. Vui lòng thử lại sau.")


def callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code; exchange it and sign in."""
    try:
        token = client().authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims:  # no ID token (or no nonce kept): never trust the access token alone
            raise OidcRefused(_("Nhà cung cấp định danh không trả về mã định danh (ID token)."))
        user = citizen_from_claims(dict(claims), request=request)
    except OidcRefused as exc:
        messages.error(request, exc.message)
        return redirect("portal:login")
    except (OAuthError, JoseError, OSError, ValueError, KeyError) as exc:
        audit(
            "auth.oidc_login",
            actor=None,
            details={"error": type(exc).__name__, "issuer": settings.TINHSO_OIDC_ISSUER},
            request=request,
            outcome="failure",
        )
        messages.error(request, _("Đăng nhập bằng định danh điện tử không thành công."))
        return redirect("portal:login")
    nxt = request.session.pop(NEXT_KEY, "") or reverse("portal:my_dossiers")
    login(request, user, backend=BACKEND)
    if consent.needs_consent(user):  # a first sign-in: the person decides before anything else
        return redirect(f"{reverse('accounts:consent')}?{urlencode({'next': nxt})}")
    return redirect(nxt)
