"""The digital-transformation programme: scheme targets and their actual values, the action
programme, pilot units, sector indicator files and the alerts of the operations centre."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SchemeTarget(models.Model):
    """One target of the provincial digital-transformation scheme (2025, vision 2030)."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Càng cao càng tốt")
        LOWER = "lower", _("Càng thấp càng tốt (xếp hạng)")

    class Computed(models.TextChoices):
        MANUAL = "", _("Sở, ngành nhập kèm văn bản nguồn")
        FULL_ONLINE_SHARE = "full_online_share", _("Tính từ danh mục thủ tục")
        ONLINE_DOSSIER_SHARE = "online_dossier_share", _("Tính từ hồ sơ trên nền tảng")

    code = models.SlugField(_("mã chỉ tiêu"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    title = models.CharField(_("chỉ tiêu"), max_length=300)
    measure = models.CharField(_("đơn vị tính"), max_length=40, default="%")
    direction = models.CharField(
        _("chiều tốt"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline_value = models.DecimalField(
        _("giá trị gốc"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(_("năm gốc"), null=True, blank=True)
    baseline_note = models.TextField(_("ghi chú giá trị gốc"), blank=True)
    baseline_source = models.TextField(_("nguồn giá trị gốc"), blank=True)
    target_2025 = models.DecimalField(
        _("chỉ tiêu 2025"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_2030 = models.DecimalField(
        _("chỉ tiêu 2030"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_text = models.CharField(_("chỉ tiêu (nguyên văn)"), max_length=300, blank=True)
    target_source = models.TextField(_("nguồn chỉ tiêu"), blank=True)
    unconfirmed = models.TextField(
        _("chưa xác nhận"), blank=True, help_text=_("Để trống khi mọi thông tin đã có nguồn.")
    )
    computed = models.CharField(
        _("cách lấy giá trị thực hiện"), max_length=24, choices=Computed.choices, blank=True
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan chịu trách nhiệm"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("chỉ tiêu đề án")
        verbose_name_plural = _("chỉ tiêu đề án")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.title

    def expected_on(self, day: datetime.date) -> Decimal | None:
        """The value on the straight line from the baseline (end of its year) to the 2025 target."""
        if self.baseline_value is None or self.baseline_year is None or self.target_2025 is None:
            return None
        start = datetime.date(self.baseline_year, 12, 31)
        end = datetime.date(2025, 12, 31)
        if day <= start or end <= start:
            return self.baseline_value
        share = Decimal(min((day - start).days, (end - start).days)) / Decimal((end - start).days)
        return self.baseline_value + (self.target_2025 - self.baseline_value) * share


class TargetValue(models.Model):
    """An actual value entered by the responsible department, with its source document."""

    target = models.ForeignKey(SchemeTarget, on_delete=models.CASCADE, related_name="values")
    as_of = models.DateField(_("số liệu đến ngày"))
    value = models.DecimalField(_("giá trị"), max_digits=14, decimal_places=2)
    document = models.FileField(_("văn bản nguồn"), upload_to="indicators/targets/%Y/")
    document_name = models.CharField(_("tên văn bản"), max_length=200)
    note = models.TextField(_("ghi chú"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("nhập lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("giá trị thực hiện")
        verbose_name_plural = _("giá trị thực hiện")
        ordering = ["target", "as_of", "entered_at"]

    def __str__(self) -> str:
        return f"{self.target.code} {self.as_of}: {self.value}"


class PilotUnit(models.Model):
    """A unit chosen to pilot the programme (kept with its dates after the 2025 reorganisation)."""

    unit = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("thí điểm từ"))
    note = models.TextField(_("ghi chú"), blank=True)
    source = models.TextField(_("nguồn"), blank=True)

    class Meta:
        verbose_name = _("đơn vị thí điểm")
        verbose_name_plural = _("đơn vị thí điểm")
        constraints = [models.UniqueConstraint(fields=["unit"], name="pilot_unit_unique")]

    def __str__(self) -> str:
        return str(self.unit)


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa bắt đầu")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Hoàn thành")


class ActionTask(models.Model):
    """A task of the action programme, assigned to a department."""

    title = models.CharField(_("nhiệm vụ"), max_length=300)
    target = models.ForeignKey(
        SchemeTarget,
        verbose_name=_("chỉ tiêu liên quan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("cơ quan chủ trì"), on_delete=models.PROTECT
    )
    deadline = models.DateField(_("thời hạn"))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    pilot_units = models.ManyToManyField(
        PilotUnit, verbose_name=_("đơn vị thí điểm"), blank=True, related_name="tasks"
    )

    class Meta:
        verbose_name = _("nhiệm vụ chương trình hành động")
        verbose_name_plural = _("nhiệm vụ chương trình hành động")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_max_100")
        ]

    def __str__(self) -> str:
        return self.title

    def is_late(self, today: datetime.date) -> bool:
        return self.status != TaskStatus.DONE and self.deadline < today


class TaskReport(models.Model):
    """A progress report of the responsible department; the task keeps the latest status."""

    task = models.ForeignKey(ActionTask, on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("báo cáo lúc"), auto_now_add=True)
    status = models.CharField(_("trạng thái"), max_length=12, choices=TaskStatus.choices)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"))
    text = models.TextField(_("nội dung báo cáo"))

    class Meta:
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.progress}%"


class Sector(models.TextChoices):
    HEALTH = "health", _("Y tế")
    EDUCATION = "education", _("Giáo dục")
    TOURISM = "tourism", _("Du lịch")
    AGRICULTURE = "agriculture", _("Nông nghiệp")


class SectorPanel(models.Model):
    """Which department uploads a sector's indicator files."""

    sector = models.CharField(_("ngành"), max_length=12, choices=Sector.choices, unique=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan cập nhật"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bảng số liệu ngành")
        verbose_name_plural = _("bảng số liệu ngành")

    def __str__(self) -> str:
        return self.get_sector_display()


class SectorUpload(models.Model):
    """One uploaded indicator file; every upload is kept as a new version of the sector's data."""

    sector = models.CharField(_("ngành"), max_length=12, choices=Sector.choices)
    version = models.PositiveIntegerField(_("phiên bản"))
    file = models.FileField(_("tệp"), upload_to="indicators/sectors/%Y/")
    original_name = models.CharField(_("tên tệp"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    row_count = models.PositiveIntegerField(_("số dòng"))
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("tệp số liệu ngành")
        verbose_name_plural = _("tệp số liệu ngành")
        ordering = ["sector", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "version"], name="sector_upload_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_sector_display()} v{self.version}"


class SectorValue(models.Model):
    upload = models.ForeignKey(SectorUpload, on_delete=models.CASCADE, related_name="values")
    line = models.PositiveIntegerField(_("dòng"))
    indicator = models.CharField(_("chỉ tiêu"), max_length=40)
    period = models.CharField(_("kỳ"), max_length=7, help_text=_("YYYY hoặc YYYY-MM"))
    unit_code = models.CharField(_("mã đơn vị hành chính"), max_length=8, blank=True)
    value = models.DecimalField(_("giá trị"), max_digits=16, decimal_places=2)
    source = models.TextField(_("nguồn"), blank=True)
    is_demo = models.BooleanField(_("dữ liệu minh họa"), default=False)

    class Meta:
        verbose_name = _("số liệu ngành")
        verbose_name_plural = _("số liệu ngành")
        ordering = ["upload", "line"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} {self.unit_code}: {self.value}"


class IndicatorAlertRule(models.Model):
    """A rule of the operations centre over dossiers and scheme targets (``alerts.CHECKS``)."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("Hồ sơ quá hạn vượt ngưỡng")
        ON_TIME_DROP = "on_time_drop", _("Tỷ lệ đúng hạn giảm so với kỳ trước")
        TARGET_BEHIND = "target_behind", _("Chỉ tiêu chậm so với lộ trình")

    kind = models.CharField(_("loại cảnh báo"), max_length=16, choices=Kind.choices)
    threshold = models.DecimalField(
        _("ngưỡng"),
        max_digits=10,
        decimal_places=2,
        help_text=_(
            "Số hồ sơ quá hạn; số điểm phần trăm giảm; số điểm phần trăm chậm so với lộ trình."
        ),
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        verbose_name = _("quy tắc cảnh báo điều hành")
        verbose_name_plural = _("quy tắc cảnh báo điều hành")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.threshold})"


class IndicatorAlert(models.Model):
    """An operations-centre alert raised by a rule for one subject; at most one open alert per
    rule and subject. Subscribed leaders are told through the notifications outbox."""

    rule = models.ForeignKey(IndicatorAlertRule, on_delete=models.CASCADE, related_name="alerts")
    subject = models.CharField(_("đối tượng"), max_length=80)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target = models.ForeignKey(
        SchemeTarget, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField(_("nội dung"))
    raised_at = models.DateTimeField(_("phát sinh lúc"))
    cleared_at = models.DateTimeField(_("hết lúc"), null=True, blank=True)
    notified = models.PositiveIntegerField(_("số người đã nhận thư"), default=0)

    class Meta:
        verbose_name = _("cảnh báo điều hành")
        verbose_name_plural = _("cảnh báo điều hành")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=Q(cleared_at__isnull=True),
                name="alert_open_once",
            )
        ]

    def __str__(self) -> str:
        return self.message


class AlertSubscription(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ioc_alert_subscription"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đăng ký nhận cảnh báo")
        verbose_name_plural = _("đăng ký nhận cảnh báo")

    def __str__(self) -> str:
        return str(self.user)
