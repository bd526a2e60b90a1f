"""Agencies (cơ quan) and the staff who work in them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    class Kind(models.TextChoices):
        PROVINCE_COMMITTEE = "province_committee", _("UBND tỉnh")
        ONE_STOP_CENTRE = "one_stop_centre", _("Trung tâm Phục vụ hành chính công")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        DISTRICT_COMMITTEE = "district_committee", _("UBND cấp huyện")
        COMMUNE_COMMITTEE = "commune_committee", _("UBND cấp xã")

    code = models.CharField(
        _("mã định danh điện tử"),
        max_length=40,
        unique=True,
        help_text=_("Mã định danh điện tử của cơ quan, dùng trong mã hồ sơ"),
    )
    slug = models.SlugField(_("tên ngắn"), max_length=40, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=200)
    kind = models.CharField(_("loại cơ quan"), max_length=24, choices=Kind.choices)
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("đơn vị hành chính"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLERK = "clerk", _("Cán bộ tiếp nhận (một cửa)")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    # Platform-wide, read-only roles of issue 5 (docs/audit.md): the assignment's agency is where
    # the person works, not a limit on what they may read.
    AUDITOR = "auditor", _("Kiểm toán viên (chỉ đọc nhật ký)")
    SECURITY = "security", _("Cán bộ an toàn thông tin")
    # Platform-wide too (issue 16, docs/integrations.md): follows and re-queues the messages to
    # outside systems; never opens an agency's dossiers.
    INTEGRATION = "integration", _("Cán bộ vận hành kết nối")


class StaffAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    valid_from = models.DateField(_("từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("phân công cán bộ")
        verbose_name_plural = _("phân công cán bộ")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="staff_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency.slug} · {self.get_role_display()}"
