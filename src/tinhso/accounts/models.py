"""People who use the platform: citizens, businesses, officials and administrators."""

import secrets
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Công dân")
        BUSINESS = "business", _("Doanh nghiệp, tổ chức")
        OFFICIAL = "official", _("Cán bộ, công chức")
        ADMIN = "admin", _("Quản trị nền tảng")

    kind = models.CharField(
        _("loại tài khoản"), max_length=16, choices=Kind.choices, default=Kind.CITIZEN
    )
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=16, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    commune = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("xã, phường cư trú"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Part of the session hash: changing it ends every session of the account (see end_sessions).
    session_stamp = models.CharField(max_length=32, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def end_sessions(self) -> None:
        """Invalidate every session of this account at its next request (Django compares the
        session's stored hash with this one); saved at once. A session that must go on (the one
        making the change) calls ``update_session_auth_hash`` afterwards."""
        self.session_stamp = secrets.token_hex(16)
        self.save(update_fields=["session_stamp"])

    def _session_hash(self, secret: str | bytes | None = None) -> str:
        return salted_hmac(
            "tinhso.accounts.User.session",
            f"{self.password}\x00{self.session_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        # Until the first end_sessions() Django's own hash is kept, so deploying this change
        # signs nobody out.
        if not self.session_stamp:
            return super().get_session_auth_hash()
        return self._session_hash()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        if not self.session_stamp:
            yield from super().get_session_auth_fallback_hash()
            return
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)


class ApiToken(models.Model):
    """A bearer token for the REST API. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class SecondFactor(models.Model):
    """An official's TOTP authenticator (RFC 6238, 30-second steps, 6 digits).

    The shared secret must be readable to check codes, so it is stored as is (base32): protect
    the database and its backups accordingly (docs/security.md). ``last_step`` is the last
    accepted time step: a code is never accepted twice (replay protection).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="second_factor")
    secret = models.CharField(_("khóa bí mật TOTP"), max_length=64)
    confirmed_at = models.DateTimeField(_("xác nhận lúc"))
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("xác thực hai bước")
        verbose_name_plural = _("xác thực hai bước")

    def __str__(self) -> str:
        return f"TOTP · {self.user}"


class RecoveryCode(models.Model):
    """A single-use recovery code; only its keyed hash (HMAC-SHA256) is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã khôi phục")
        verbose_name_plural = _("mã khôi phục")

    def __str__(self) -> str:
        return f"{self.user} · {'đã dùng' if self.used_at else 'chưa dùng'}"


class Consent(models.Model):
    """Consent to personal data processing (Law 91/2025/QH15; Decree 13/2023/NĐ-CP before 2026): who, for what, when,
    under which version of the notice, and how it was given. Rows are never changed; a
    withdrawal is a new row with ``given=False``."""

    class Purpose(models.TextChoices):
        PUBLIC_SERVICES = (
            "public_services",
            _("Tạo tài khoản, nộp và giải quyết thủ tục hành chính, thông báo kết quả"),
        )

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("mục đích"), max_length=64, choices=Purpose.choices)
    notice_version = models.CharField(_("phiên bản thông báo"), max_length=32)
    given = models.BooleanField(_("đồng ý"), default=True)
    method = models.CharField(_("cách thức"), max_length=32)
    recorded_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        verbose_name = _("sự đồng ý xử lý dữ liệu cá nhân")
        verbose_name_plural = _("sự đồng ý xử lý dữ liệu cá nhân")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.purpose} · {self.notice_version}"


class WebAuthnCredential(models.Model):
    """A security key or platform authenticator (passkey) of an official, used instead of the
    TOTP code after the password (WebAuthn, docs/adr/0008-webauthn.md).

    Only the public key is stored. ``sign_count`` is the authenticator's signature counter as of
    its last accepted use: an assertion whose counter does not grow (when either is non-zero)
    comes from a cloned authenticator or a replay and is refused.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="webauthn_credentials")
    # base64url of the credential ID (at most 1,023 bytes, so at most 1,364 characters)
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()  # COSE_Key, as the authenticator gave it
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)  # hints for the browser: usb, nfc …
    name = models.CharField(_("tên khóa"), max_length=64)
    created_at = models.DateTimeField(_("thêm lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa bảo mật")
        verbose_name_plural = _("khóa bảo mật")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} · {self.user}"


class UnlockCode(models.Model):
    """A one-time code that lets the owner of a locked account sign in with the password
    (``tinhso.accounts.unlock``). Only its keyed hash (HMAC-SHA256 with ``SECRET_KEY``, bound to
    the user) is stored; it expires, allows a few attempts, and an account has at most one open
    code (a new request closes the previous one). ``closed_at`` is set when it is used, replaced
    or spent; closed rows are kept a day to rate-limit the requests, then deleted."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="unlock_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    attempts = models.PositiveSmallIntegerField(_("số lần nhập"), default=0)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã mở khóa đăng nhập")
        verbose_name_plural = _("mã mở khóa đăng nhập")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(closed_at__isnull=True),
                name="accounts_one_open_unlock_code",
            )
        ]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
