"""Tables of the Open311 interface (issue 18): the client applications' API keys."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A key with which one client application may POST requests and updates.

    Only the key's SHA-256 is stored: a key is found by hashing what the client sent and looking
    the hash up (an index lookup, not a comparison of secrets that could leak by timing), so a
    copy of the database gives no usable key. ``prefix`` is the key's first characters, enough
    to tell keys apart in a list and to revoke one."""

    name = models.CharField(_("ứng dụng khách"), max_length=100)
    prefix = models.CharField(_("tiền tố"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa API Open311")
        verbose_name_plural = _("khóa API Open311")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
