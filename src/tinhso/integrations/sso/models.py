"""Tables (issue 17); registered in the integrations app by ``integrations/models.py``.

``NationalAccount`` links a DVCQG account (its ``TechID``) to one of ours (R-NAT-055): once linked,
the TechID alone finds the account, whatever the identity provider says later about numbers.
``UsedSignInState`` remembers the ``state`` of every finished sign-in for a day, so that a state
seen again is refused even when it arrives in another session (R-NAT-056).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NationalAccount(models.Model):
    class Type(models.TextChoices):
        CITIZEN = "1", _("Công dân")
        ENTERPRISE = "2", _("Doanh nghiệp")
        ORGANISATION = "3", _("Tổ chức")

    tech_id = models.CharField(_("mã tài khoản DVCQG (TechID)"), max_length=128, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        related_name="national_accounts",
    )
    account_type = models.CharField(_("loại tài khoản"), max_length=1, choices=Type.choices)
    vneid_verified = models.BooleanField(
        _("xác thực VNeID mức 2 trở lên"),
        default=False,
        help_text=_("Theo lần đăng nhập gần nhất qua Cổng DVCQG (R-NAT-057)."),
    )
    assurance = models.CharField(_("mức đảm bảo (loAs/acr)"), max_length=200, blank=True)
    linked_at = models.DateTimeField(_("liên kết lúc"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("đăng nhập gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("tài khoản Cổng DVCQG")
        verbose_name_plural = _("tài khoản Cổng DVCQG")

    def __str__(self) -> str:
        return f"{self.tech_id} → {self.user_id}"


class UsedSignInState(models.Model):
    """The SHA-256 of a consumed ``state``: the unique index makes "first use wins" atomic."""

    state_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("tham số state đã dùng")
        verbose_name_plural = _("tham số state đã dùng")

    def __str__(self) -> str:
        return self.state_hash[:12]
