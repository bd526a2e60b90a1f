"""Use cases of the Open311 app: API keys for client applications (made, listed, revoked, and
checked on every POST). Each change is one atomic, audited function."""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.auditing import audit
from tinhso.accounts.models import User
from tinhso.open311.adapter import ApiClient
from tinhso.open311.models import ApiKey

logger = logging.getLogger(__name__)

KEY_PREFIX = "o311_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8  # shown in lists; 48 bits of the key, unique
MAX_KEY_LENGTH = 200  # longer input is not a key: refused before hashing
LAST_USED_RESOLUTION_SECONDS = 300  # at most one write per key and five minutes


class ApiKeyError(Exception):
    """A key command that cannot be carried out (unknown or ambiguous prefix, empty name)."""


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # shown once, never stored


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(*, name: str, created_by: User | None = None) -> NewKey:
    """A new key for the client application ``name``; the secret is returned once."""
    name = name.strip()
    if not name:
        raise ApiKeyError(_("Cần tên ứng dụng khách."))
    if len(name) > ApiKey._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ApiKeyError(_("Tên ứng dụng khách quá dài."))
    with transaction.atomic():
        while True:  # a prefix collision (2^-48 per pair) draws again
            secret = KEY_PREFIX + secrets.token_urlsafe(32)
            prefix = secret[:PREFIX_LENGTH]
            if not ApiKey.objects.filter(prefix=prefix).exists():
                break
        key = ApiKey.objects.create(
            name=name, prefix=prefix, key_hash=hash_key(secret), created_by=created_by
        )
        audit(
            "open311.key_created",
            actor=created_by,
            target=f"open311-key:{prefix}",
            details={"name": name},
        )
    return NewKey(key=key, secret=secret)


def revoke_api_key(*, prefix: str, actor: User | None = None) -> ApiKey:
    """Revoke the key whose prefix is (or starts with) ``prefix``; revoking twice is harmless."""
    prefix = prefix.strip().rstrip("…")
    if len(prefix) < len(KEY_PREFIX) + 4:
        raise ApiKeyError(_("Tiền tố quá ngắn để xác định một khóa."))
    with transaction.atomic():
        found = list(ApiKey.objects.select_for_update().filter(prefix__startswith=prefix)[:2])
        if not found:
            raise ApiKeyError(_("Không có khóa nào có tiền tố %(prefix)s.") % {"prefix": prefix})
        if len(found) > 1:
            raise ApiKeyError(_("Tiền tố %(prefix)s khớp nhiều khóa.") % {"prefix": prefix})
        key = found[0]
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit(
                "open311.key_revoked",
                actor=actor,
                target=f"open311-key:{key.prefix}",
                details={"name": key.name},
            )
    return key


def client_for_key(raw: str) -> ApiClient | None:
    """The client application of an active key, or ``None`` (missing, unknown, revoked).

    The lookup is by hash, so no secret is compared character by character."""
    if not raw or len(raw) > MAX_KEY_LENGTH:
        return None
    key = ApiKey.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True).first()
    if key is None:
        logger.info("Open311: refused API key")
        return None
    now = timezone.now()
    last = key.last_used_at
    if last is None or (now - last).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return ApiClient(key_id=key.pk, name=key.name, prefix=key.prefix)
