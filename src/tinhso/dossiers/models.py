"""Dossiers (hồ sơ), their attachments and their append-only history.

The lifecycle and its national status codes are documented in docs/lifecycle.md; the
transition table itself lives in ``tinhso.dossiers.workflow`` and every state change goes
through ``tinhso.dossiers.services``.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.text import fold
from tinhso.writeonce import WriteOnceModel


class Status(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Mới đăng ký")
    RECEIVED = "received", _("Được tiếp nhận")
    REFUSED = "refused", _("Không được tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung giấy tờ")
    AWAITING_PAYMENT = "awaiting_payment", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân yêu cầu rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    RESULT_READY = "result_ready", _("Đã xử lý xong")
    RETURNED = "returned", _("Đã trả kết quả")


# National status codes (R-ST-1); draft is never synchronised.
STATUS_CODES: dict[str, int | None] = {
    Status.DRAFT: None,
    Status.SUBMITTED: 1,
    Status.RECEIVED: 2,
    Status.REFUSED: 3,
    Status.PROCESSING: 4,
    Status.SUPPLEMENT_REQUESTED: 5,
    Status.AWAITING_PAYMENT: 6,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.RESULT_READY: 9,
    Status.RETURNED: 10,
}
TERMINAL = {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED}
CLOCK_RUNNING = {Status.RECEIVED, Status.PROCESSING}
# Neither closed nor a draft: what someone still has to act on (the officials' inbox).
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
    Status.RESULT_READY,
)
OPEN_Q = Q(status__in=OPEN_STATUSES)
PAUSED = {Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT}


class Channel(models.IntegerChoices):
    COUNTER = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Bưu chính công ích")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=64, unique=True, null=True, blank=True)
    procedure_version = models.ForeignKey(
        "procedures.ProcedureVersion",
        verbose_name=_("thủ tục (phiên bản)"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan giải quyết"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    receiving_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("nơi tiếp nhận"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chủ hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nộp"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.PositiveSmallIntegerField(
        _("kênh nộp"), choices=Channel.choices, default=Channel.ONLINE
    )
    status = models.CharField(
        _("trạng thái"), max_length=24, choices=Status.choices, default=Status.DRAFT
    )
    applicant_name = models.CharField(_("họ tên chủ hồ sơ"), max_length=200)
    applicant_id_number = models.CharField(_("số giấy tờ chủ hồ sơ"), max_length=14, blank=True)
    applicant_phone = models.CharField(_("điện thoại"), max_length=16, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    applicant_unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField(_("nội dung tờ khai"), default=dict, blank=True)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    clock_started_at = models.DateTimeField(_("bắt đầu tính hạn"), null=True, blank=True)
    due_at = models.DateTimeField(_("hẹn trả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("hẹn trả ban đầu"), null=True, blank=True)
    remaining_minutes = models.IntegerField(
        _("thời gian còn lại khi tạm dừng (phút làm việc)"), null=True, blank=True
    )
    completed_at = models.DateTimeField(_("có kết quả lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    timeliness = models.CharField(
        _("tiến độ"), max_length=8, choices=Timeliness.choices, blank=True
    )
    step_position = models.PositiveSmallIntegerField(_("bước hiện tại"), default=0)
    step_started_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đang xử lý"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resume_status = models.CharField(max_length=24, blank=True, editable=False)
    deadline_alert = models.CharField(_("cảnh báo hạn"), max_length=8, blank=True, editable=False)
    apologized = models.BooleanField(_("đã xin lỗi, hẹn lại"), default=False)
    # The apology letter (form 04): its number in the competent agency's register, and the working
    # minutes its new date added to the appointment (``due_at`` = ``original_due_at`` + these).
    apology_number = models.CharField(_("số văn bản xin lỗi, hẹn lại"), max_length=80, blank=True)
    apology_extension_minutes = models.PositiveIntegerField(
        _("thời gian hẹn lại thêm (phút làm việc)"), null=True, blank=True, editable=False
    )
    # While a supplement is awaited: the end of the applicant's response period (R-DL-10).
    supplement_due_at = models.DateTimeField(_("hạn nộp bổ sung"), null=True, blank=True)
    fee_amount = models.PositiveIntegerField(_("phí, lệ phí (đồng)"), default=0)
    fee_exemption = models.JSONField(_("miễn, giảm phí đã kê khai"), null=True, blank=True)
    paid_amount = models.PositiveIntegerField(_("đã nộp (đồng)"), default=0)
    paid_online = models.BooleanField(_("thanh toán trực tuyến"), default=False)
    return_method = models.CharField(_("hình thức nhận kết quả"), max_length=16, blank=True)
    postal_address = models.CharField(_("địa chỉ nhận qua bưu chính"), max_length=300, blank=True)
    postal_tracking = models.CharField(_("mã vận đơn"), max_length=40, blank=True)
    history_seq = models.PositiveIntegerField(default=0, editable=False)
    # The code another system issued for this dossier (R-NAT-102): the national portal's code of a
    # dossier filed there (issuer ``dvcqg``), a central system's or a liên thông partner's. Kept
    # next to ours, looked up before ours (R-NAT-101), unique per issuer.
    other_code = models.CharField(_("mã hồ sơ của hệ thống khác"), max_length=64, blank=True)
    other_code_issuer = models.CharField(_("hệ thống cấp mã khác"), max_length=32, blank=True)
    # What was wrong with the dossier when it arrived through a channel that cannot be answered
    # at once (an e-form failing our schema, a file refused by the upload checks: R-NAT-053):
    # Vietnamese sentences shown to the officials, who decide; never a reason to drop it.
    intake_problems = models.JSONField(_("vấn đề khi tiếp nhận"), default=list, blank=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["receiving_agency", "status"]),
            models.Index(fields=["applicant", "status"]),
            models.Index(fields=["status", "due_at"]),
            # The dossiers behind an operations-centre figure, newest first.
            models.Index(fields=["received_at"], name="dossier_received_at"),
            # The officials' inbox lists open dossiers only (backoffice.inbox): partial indexes
            # over them stay small however many years of closed dossiers the table holds. Each
            # serves one side (competent or receiving agency) of a tab in the tab's order
            # (moment, id), so a page reads its fifty rows without sorting the agency's others.
            models.Index(
                fields=["agency", "due_at", "id"], condition=OPEN_Q, name="dossier_open_agency_due"
            ),
            models.Index(
                fields=["receiving_agency", "due_at", "id"],
                condition=OPEN_Q,
                name="dossier_open_receiving_due",
            ),
            models.Index(
                fields=["agency", "submitted_at", "id"],
                condition=Q(status=Status.SUBMITTED),
                name="dossier_new_agency",
            ),
            models.Index(
                fields=["receiving_agency", "submitted_at", "id"],
                condition=Q(status=Status.SUBMITTED),
                name="dossier_new_receiving",
            ),
            models.Index(
                fields=["agency", "completed_at", "id"],
                condition=Q(status=Status.RESULT_READY),
                name="dossier_ready_agency",
            ),
            models.Index(
                fields=["receiving_agency", "completed_at", "id"],
                condition=Q(status=Status.RESULT_READY),
                name="dossier_ready_receiving",
            ),
            models.Index(
                fields=["other_code"], condition=~Q(other_code=""), name="dossier_other_code"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(code__isnull=False),
                name="dossier_code_after_submission",
            ),
            models.UniqueConstraint(
                fields=["other_code_issuer", "other_code"],
                condition=~Q(other_code=""),
                name="dossier_other_code_unique_per_issuer",
            ),
        ]

    def __str__(self) -> str:
        return self.code or _("Bản nháp #%(id)s") % {"id": self.pk}

    @property
    def status_code(self) -> int | None:
        return STATUS_CODES[self.status]

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def is_online(self) -> bool:
        return self.channel == Channel.ONLINE

    def refresh_search_text(self) -> None:
        self.search_text = fold(
            f"{self.code or ''} {self.other_code} {self.applicant_name} {self.applicant_phone}"
        )

    def is_overdue(self, now: datetime.datetime) -> bool:
        return self.status in CLOCK_RUNNING and self.due_at is not None and now > self.due_at


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"dossiers/{instance.dossier_id}/{instance.sha256[:16]}-{filename}"


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="attachments")
    document_code = models.CharField(_("thành phần hồ sơ"), max_length=40)
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=40)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    digitised = models.BooleanField(_("được số hóa tại quầy"), default=False)
    # Reuse of a document the applicant already holds in their personal store (R-DIG-5, 766 ind. 4.3/4.4).
    reused_from = models.ForeignKey(
        "stores.StoredDocument",
        verbose_name=_("tái sử dụng từ kho"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reuses",
    )

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["dossier", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class HistoryEntry(WriteOnceModel):
    """One row per transition; never updated or deleted (R-LC-4, R-LC-5)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="history")
    seq = models.PositiveIntegerField()
    action = models.CharField(_("thao tác"), max_length=32)
    from_status = models.CharField(max_length=24)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(max_length=16, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("thời điểm"))
    comment = models.TextField(_("ý kiến"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    step_position = models.PositiveSmallIntegerField(null=True)
    step_name = models.CharField(max_length=200, blank=True)
    step_due_at = models.DateTimeField(null=True)
    step_outcome = models.CharField(max_length=8, choices=Timeliness.choices, blank=True)

    class Meta:
        verbose_name = _("quá trình xử lý")
        verbose_name_plural = _("quá trình xử lý")
        ordering = ["dossier_id", "seq"]  # no join to the dossier for each history query
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="history_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"


class Pause(models.Model):
    """A period during which the deadline clock is stopped (R-DL-9)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="pauses")
    reason = models.CharField(max_length=24)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    remaining_minutes = models.IntegerField()
    items = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["dossier", "started_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.reason} {self.started_at:%Y-%m-%d %H:%M}"


class DailyCounter(models.Model):
    """Per receiving-unit, per-day sequence of dossier codes (R-CODE-1, R-CODE-4)."""

    unit_code = models.CharField(max_length=40)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit_code", "day"], name="daily_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.day}: {self.last}"


class IdempotencyKey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class Rating(models.Model):
    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(_("mức độ hài lòng"))
    comment = models.TextField(_("góp ý"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đánh giá")
        verbose_name_plural = _("đánh giá")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.score}/5"


class DossierEvent(models.Model):
    """One change of a dossier, written in the transaction of the change (ADR 0009).

    Written by ``tinhso.dossiers.events.record`` only, never updated except for ``position``,
    which the dispatcher stamps once the row is committed; subscribers read events in that order.
    """

    class Kind(models.TextChoices):
        DRAFT_SAVED = "draft_saved", _("Lưu bản nháp")
        FILED = "filed", _("Nộp hồ sơ")
        SUBMITTED = "submitted", _("Nộp bản nháp")
        ACTION = "action", _("Thao tác xử lý")
        ATTACHMENT = "attachment", _("Thêm tệp")
        SUPPLEMENT = "supplement", _("Bổ sung hồ sơ")
        PAYMENT = "payment", _("Nhận thanh toán")
        RATING = "rating", _("Đánh giá")
        RESULT_SIGNED = "result_signed", _("Ký số kết quả")
        SYSTEM = "system", _("Sự kiện hệ thống")
        DEADLINE_ALERT = "deadline_alert", _("Cảnh báo hạn")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    action = models.CharField(_("thao tác"), max_length=32, blank=True)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("thời điểm"))
    history_seq = models.PositiveIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Order of delivery: stamped by the dispatcher after commit (ids can commit out of order).
    position = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("sự kiện hồ sơ")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(position__isnull=True), name="dossier_event_unstamped"
            ),
            models.Index(fields=["dossier", "kind"], name="dossier_event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.dossier_id} {self.kind} {self.action}".rstrip()


class EventSequence(models.Model):
    """The last delivery position given to a dossier event; one row, locked while stamping."""

    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last)


class SubscriberCursor(models.Model):
    """How far one subscriber of the dossier events has got, and why it is stuck if it is."""

    name = models.CharField(_("bên nhận"), max_length=64, unique=True)
    position = models.BigIntegerField(_("đã xử lý đến vị trí"), default=0)
    # The event it is failing on, the number of failed attempts and the last error.
    failing_event = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    # Events given up on after too many attempts: how many, and the last one with its error.
    skipped = models.PositiveIntegerField(default=0)
    last_skipped_event = models.BigIntegerField(null=True, blank=True)
    last_skipped_error = models.TextField(blank=True)
    # A dispatcher working on this subscriber holds the lease (no database lock is held).
    lease_token = models.CharField(max_length=32, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bên nhận sự kiện hồ sơ")
        verbose_name_plural = _("bên nhận sự kiện hồ sơ")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
