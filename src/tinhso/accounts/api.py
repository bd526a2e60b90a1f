"""Token authentication for the REST API."""

import hashlib
import secrets
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import HttpBearer

from tinhso.accounts.models import ApiToken, User
from tinhso.apierrors import ApiError


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = ApiToken.objects.select_related("user").filter(key_hash=_hash(token)).first()
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


def session_user(request: HttpRequest) -> Any:
    """Browser sessions may call the API too (same-origin pages); CSRF is checked by Django."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


bearer = BearerToken()
router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/auth/token", response={200: TokenOut}, auth=None, summary="Obtain an API token")
def obtain_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise ApiError(401, _("Tên đăng nhập hoặc mật khẩu không đúng."), "password")
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(key))
    return {"token": key}
