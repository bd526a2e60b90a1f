"""Tables of the reports app (issue 18): categories, reports and petitions, their history.

A report (phản ánh) or petition (kiến nghị) carries exactly the inputs of the 766 indicators 5.2
and 5.3 (R-NAT-091): received_at, category, competent agency, due_at, answered_at, answer,
citizen_rating, the reopened flag and a link to a dossier or procedure. The time limits are data
on the category (R-NAT-090: the statutory limits are unconfirmed), never code.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.writeonce import WriteOnceModel

OPEN311_OPEN = "open"
OPEN311_CLOSED = "closed"


class Category(models.Model):
    """A kind of report, mapped to the agency that answers it (the Open311 service)."""

    code = models.SlugField(
        _("mã loại"),
        max_length=60,
        unique=True,
        help_text=_("Mã ổn định, dùng làm service_code của Open311; không đổi sau khi dùng."),
    )
    name = models.CharField(_("tên loại"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    group = models.CharField(_("nhóm"), max_length=100, blank=True)
    located = models.BooleanField(
        _("phản ánh theo vị trí"),
        default=True,
        help_text=_(
            "Đường sá, chiếu sáng, ngập úng… (có vị trí) hay kiến nghị về quy định, dịch vụ."
        ),
    )
    keywords = models.CharField(_("từ khóa"), max_length=300, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan chịu trách nhiệm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Để trống: phản ánh vào hàng chờ điều phối."),
    )
    per_unit_competence = models.BooleanField(
        _("thẩm quyền theo địa bàn"),
        default=False,
        help_text=_("UBND cấp xã nơi xảy ra sự việc trả lời (thay cho cơ quan ở trên)."),
    )
    classify_days = models.PositiveSmallIntegerField(_("hạn phân loại (ngày làm việc)"), default=5)
    handle_days = models.PositiveSmallIntegerField(_("hạn xử lý (ngày làm việc)"), default=10)
    extension_days = models.PositiveSmallIntegerField(_("gia hạn (ngày làm việc)"), default=10)
    duplicate_distance_m = models.PositiveIntegerField(
        _("khoảng cách tìm phản ánh trùng (m)"),
        default=250,
        help_text=_("0: không gợi ý phản ánh trùng theo vị trí."),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("loại phản ánh, kiến nghị")
        verbose_name_plural = _("loại phản ánh, kiến nghị")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


def new_public_id() -> str:
    """``PA-`` and ten base-36 characters from 50 random bits: short enough to read out on the
    phone, too many to enumerate (the id is the Open311 service_request_id)."""
    number = secrets.randbits(50)
    digits = ""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for _position in range(10):
        number, rest = divmod(number, 36)
        digits = alphabet[rest] + digits
    return f"PA-{digits}"


class Report(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Đã tiếp nhận")
        ACKNOWLEDGED = "acknowledged", _("Đã phân loại")
        ASSIGNED = "assigned", _("Đã giao xử lý")
        IN_PROGRESS = "in_progress", _("Đang xử lý")
        ANSWERED = "answered", _("Đã trả lời")
        CLOSED = "closed", _("Đã kết thúc")
        MERGED = "merged", _("Đã gộp vào phản ánh khác")
        REJECTED = "rejected", _("Không xem xét")

    class Rating(models.TextChoices):
        NONE = "none", _("Chưa đánh giá")
        SATISFIED = "satisfied", _("Hài lòng")
        DISSATISFIED = "dissatisfied", _("Không hài lòng")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Cổng dịch vụ công của tỉnh")
        OPEN311 = "open311", _("Ứng dụng Open311")
        NATIONAL = "national", _("Hệ thống PAKN quốc gia")
        OFFICIAL = "official", _("Cán bộ nhập")

    public_id = models.CharField(
        _("mã phản ánh"), max_length=16, unique=True, default=new_public_id, editable=False
    )
    category = models.ForeignKey(
        Category, verbose_name=_("loại"), on_delete=models.PROTECT, related_name="reports"
    )
    description = models.TextField(_("nội dung"), validators=[MaxLengthValidator(4000)])
    search_text = models.TextField(editable=False, default="")  # fold(description)
    lat = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    commune = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commune_approximate = models.BooleanField(_("xã, phường ước tính"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phản ánh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    reporter_name = models.CharField(_("họ tên người phản ánh"), max_length=200, blank=True)
    reporter_phone = models.CharField(_("điện thoại người phản ánh"), max_length=20, blank=True)
    private = models.BooleanField(_("không công khai"), default=False)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan chịu trách nhiệm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"))
    classify_due_at = models.DateTimeField(_("hạn phân loại"))
    due_at = models.DateTimeField(_("hạn trả lời"))
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    closed_at = models.DateTimeField(_("thời điểm kết thúc"), null=True, blank=True)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answerer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người trả lời"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    citizen_rating = models.CharField(
        _("đánh giá của người dân"), max_length=12, choices=Rating.choices, default=Rating.NONE
    )
    reopened = models.BooleanField(_("đã mở lại"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("số lần mở lại"), default=0)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("trùng với"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ liên quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("thủ tục liên quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    national_ref = models.CharField(_("mã trên hệ thống PAKN quốc gia"), max_length=64, blank=True)
    source = models.CharField(
        _("kênh tiếp nhận"), max_length=12, choices=Source.choices, default=Source.PORTAL
    )
    client = models.CharField(_("ứng dụng gửi"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-received_at"]
        indexes = [
            # The bounding-box prefilter of duplicate detection (lat range, then lon).
            models.Index(fields=["category", "lat", "lon"], name="reports_cat_lat_lon"),
            models.Index(fields=["status", "due_at"], name="reports_status_due"),
            models.Index(fields=["agency", "status"], name="reports_agency_status"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def open311_status(self) -> str:
        return open311_status(self.status)

    @property
    def is_public(self) -> bool:
        return not self.private and self.status != self.Status.REJECTED


OPEN_STATUSES = frozenset(
    {
        Report.Status.RECEIVED,
        Report.Status.ACKNOWLEDGED,
        Report.Status.ASSIGNED,
        Report.Status.IN_PROGRESS,
    }
)


def open311_status(status: str) -> str:
    """GeoReport v2 knows only open and closed (R-NAT-092): work still to do is open; answered,
    closed, merged and rejected reports are closed."""
    return OPEN311_OPEN if status in OPEN_STATUSES else OPEN311_CLOSED


class Supporter(models.Model):
    """A citizen who says "this is my problem too" (signed in, or by a verified phone): they
    follow a report instead of filing a duplicate, and hear its answer."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supporters")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        verbose_name = _("người cùng phản ánh")
        verbose_name_plural = _("người cùng phản ánh")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                condition=models.Q(user__isnull=False),
                name="reports_supporter_user_once",
            ),
            models.UniqueConstraint(
                fields=["report", "phone"],
                condition=~models.Q(phone=""),
                name="reports_supporter_phone_once",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(phone=""),
                name="reports_supporter_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.user_id or self.phone}"


def photo_path(instance: "ReportPhoto", filename: str) -> str:
    """Under ``reports/`` with the content hash: never served from ``/media``, only through a
    view that checks the report is public (or the caller may see it)."""
    return f"reports/{instance.report_id}/{instance.sha256[:16]}-{filename}"


class ReportPhoto(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(_("tệp"), upload_to=photo_path, max_length=300)
    content_type = models.CharField(_("loại tệp"), max_length=40)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        verbose_name = _("ảnh phản ánh")
        verbose_name_plural = _("ảnh phản ánh")

    def __str__(self) -> str:
        return str(self.file.name)


class ReportEvent(WriteOnceModel):
    """One row per step of a report; never updated or deleted (like dossiers' HistoryEntry)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("thao tác"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    comment = models.TextField(_("ý kiến"), blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("thời điểm"))

    class Meta:
        verbose_name = _("quá trình xử lý phản ánh")
        verbose_name_plural = _("quá trình xử lý phản ánh")
        ordering = ["report_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.action}"


class Update(models.Model):
    """An inbound update from an outside system (Open311 ``servicerequestupdates``), kept by its
    external ``update_id`` so that a retried update is recognised (R-NAT-094)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    source = models.CharField(_("hệ thống gửi"), max_length=100)
    external_id = models.CharField(_("mã cập nhật"), max_length=100)
    description = models.TextField(_("nội dung"), blank=True)
    status = models.CharField(_("trạng thái báo"), max_length=16, blank=True)
    at = models.DateTimeField(_("thời điểm"))
    received_at = models.DateTimeField(_("nhận lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("cập nhật từ hệ thống ngoài")
        verbose_name_plural = _("cập nhật từ hệ thống ngoài")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="reports_update_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class PhoneCode(models.Model):
    """A one-time code sent by SMS to confirm an anonymous reporter's or supporter's phone;
    only its hash is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mã xác nhận điện thoại")
        verbose_name_plural = _("mã xác nhận điện thoại")

    def __str__(self) -> str:
        return f"{self.phone[:-4]}****"
