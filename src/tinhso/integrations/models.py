"""The integration layer's tables: the outbox, the integration log and the per-system pauses.

The outbox is how Tỉnh Số reaches outside systems (R-NAT-005): a change writes an ``OutboxItem``
in its own transaction (or the dossier-event subscriber derives one from the durable event), and
a worker delivers it later, outside any transaction and never inside a web request. The log keeps
one append-only row per HTTP exchange (R-NAT-006) without the personal data it carried.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.writeonce import WriteOnceModel

MESSAGE_LIMIT = 4096  # characters of an outside system's message kept in the log (R-NAT-006)


class OutboxItem(models.Model):
    """One message owed to an outside system.

    ``key`` is our identifier of what the message is about (the dossier code, a payment
    reference): items of one (system, key) are delivered one at a time, in id order (R-NAT-032).
    ``payload`` may be empty: a full-state system builds the message at send time from what the
    dossier is then. The lease (``claimed_until``/``claimed_by``) is how a worker holds an item
    while it delivers it; it works on SQLite too, where ``SKIP LOCKED`` does nothing.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        DEAD = "dead", _("Gửi không thành công")
        SUPERSEDED = "superseded", _("Đã thay bằng bản mới hơn")

    system = models.CharField(_("hệ thống"), max_length=32)
    operation = models.CharField(_("nghiệp vụ"), max_length=32)
    key = models.CharField(_("mã đối tượng"), max_length=64)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_event_id = models.BigIntegerField(_("sự kiện gốc"), null=True, blank=True)
    payload = models.JSONField(_("nội dung"), default=dict, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), default=timezone.now)
    claimed_until = models.DateTimeField(_("đang gửi đến"), null=True, blank=True)
    claimed_by = models.CharField(_("tiến trình gửi"), max_length=120, blank=True)
    sent_at = models.DateTimeField(_("gửi thành công lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    # A timeout after sending on an earlier attempt: the outside system may hold the message, so
    # the next attempt must be an update, never a blind insert (R-NAT-034).
    unknown_outcome = models.BooleanField(_("chưa rõ kết quả"), default=False)

    class Meta:
        verbose_name = _("thông điệp chờ gửi")
        verbose_name_plural = _("thông điệp chờ gửi")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "operation", "source_event_id"],
                name="outbox_one_item_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["system", "status", "next_attempt_at"], name="outbox_due"),
            models.Index(
                fields=["system", "key", "id"],
                condition=Q(status="queued"),
                name="outbox_queued_by_key",
            ),
            models.Index(fields=["system", "status", "sent_at"], name="outbox_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.system}/{self.operation} {self.key} #{self.pk} ({self.status})"


class IntegrationLog(WriteOnceModel):
    """One call to or from an outside system (R-NAT-006), written once.

    Holds what is needed to follow a call (our key, the request's hash, the answer's status and
    code, the outside system's message cut to 4 KB, latency, attempt), never the request body:
    payloads may carry personal data (the population register's above all).
    """

    class Direction(models.TextChoices):
        OUT = "out", _("Gửi đi")
        IN = "in", _("Nhận về")

    system = models.CharField(_("hệ thống"), max_length=32)
    service = models.CharField(_("dịch vụ"), max_length=64)
    key = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    direction = models.CharField(
        _("chiều"), max_length=3, choices=Direction.choices, default=Direction.OUT
    )
    request_hash = models.CharField(_("mã băm yêu cầu"), max_length=64, blank=True)
    http_status = models.PositiveSmallIntegerField(_("mã HTTP"), null=True, blank=True)
    error_code = models.CharField(_("mã lỗi"), max_length=64, blank=True)
    message = models.TextField(_("thông báo"), blank=True)
    latency_ms = models.PositiveIntegerField(_("thời gian (ms)"), default=0)
    attempt = models.PositiveIntegerField(_("lần thử"), default=1)
    outcome = models.CharField(_("kết quả"), max_length=32, blank=True)
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)

    class Meta:
        verbose_name = _("nhật ký kết nối")
        verbose_name_plural = _("nhật ký kết nối")
        ordering = ["-id"]
        indexes = [models.Index(fields=["system", "at"], name="integration_log_by_time")]

    def __str__(self) -> str:
        return f"{self.system} {self.service} {self.key} {self.outcome}"


class SystemPause(models.Model):
    """An outside system that asked us to wait (``Retry-After`` on a 429 or 503): no item of it
    is claimed before ``until``. The answer speaks for the whole server, not one message."""

    system = models.CharField(_("hệ thống"), max_length=32, primary_key=True)
    until = models.DateTimeField(_("tạm dừng đến"))
    reason = models.CharField(_("lý do"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tạm dừng kết nối")
        verbose_name_plural = _("tạm dừng kết nối")

    def __str__(self) -> str:
        return f"{self.system} → {self.until:%Y-%m-%d %H:%M}"


# --- the national portal (DVCQG) ---------------------------------------------------------


# What the national portal already holds of each dossier (R-NAT-021, R-NAT-026, R-NAT-034).
class NationalSync(models.Model):
    """One row per dossier ever sent: insert or update next, and the progress accepted so far."""

    class State(models.TextChoices):
        NEVER = "never", _("Chưa gửi")
        INSERTED = "inserted", _("Đã thêm mới")
        UPDATED = "updated", _("Đã cập nhật")

    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        related_name="national_sync",
    )
    state = models.CharField(
        _("trạng thái đồng bộ"), max_length=8, choices=State.choices, default=State.NEVER
    )
    # An insert timed out after it was sent: it may be stored, so never insert blindly again
    # (R-NAT-034); an update answered "không tồn tại" clears it.
    insert_unknown = models.BooleanField(_("thêm mới chưa rõ kết quả"), default=False)
    # Progress accepted by the portal: every history row up to this sequence number (R-NAT-026),
    # and the synthetic receipt entry (R-NAT-027).
    progress_sent_upto = models.PositiveIntegerField(_("tiến trình đã gửi đến bước"), default=0)
    receipt_sent = models.BooleanField(default=False)
    synced_at = models.DateTimeField(_("đồng bộ lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đồng bộ hồ sơ lên Cổng DVCQG")
        verbose_name_plural = _("đồng bộ hồ sơ lên Cổng DVCQG")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.state}"


class InboundDossier(models.Model):
    """A dossier filed on the national portal that reached us (spec §4.1, R-NAT-050): one row per
    national code and source system, written in the transaction that creates the local dossier,
    so that a second delivery — by the other adapter, a repeated push, an item listed again after
    a lost acknowledgement, or a concurrent one — finds it and creates nothing (R-NAT-051)."""

    class Channel(models.TextChoices):
        PUSH = "push", _("Cổng DVCQG gửi đến")
        PULL = "pull", _("Tỉnh Số lấy về")

    source_system = models.CharField(_("hệ thống nguồn"), max_length=32)
    national_code = models.CharField(_("mã hồ sơ quốc gia"), max_length=64)
    remote_id = models.CharField(_("mã trên hệ thống nguồn"), max_length=64, blank=True)
    channel = models.CharField(_("cách nhận"), max_length=8, choices=Channel.choices)
    payload_sha256 = models.CharField(_("mã băm nội dung"), max_length=64)
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        related_name="inbound",
    )
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)
    # When the national side was told we hold it (pull adapter, R-NAT-052); a push is answered
    # in its own response, so it is acknowledged when it is received.
    acked_at = models.DateTimeField(_("đã báo nhận lúc"), null=True, blank=True)
    problems = models.JSONField(_("vấn đề khi tiếp nhận"), default=list, blank=True)

    class Meta:
        verbose_name = _("hồ sơ nhận từ Cổng DVCQG")
        verbose_name_plural = _("hồ sơ nhận từ Cổng DVCQG")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "national_code"], name="inbound_one_per_national_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_system} {self.national_code} ({self.channel})"


# The national platforms' own tables (issue 17) live beside their code; importing the modules
# registers them in this app.
from tinhso.integrations.datastore import models as _datastore_models  # noqa: E402, F401
from tinhso.integrations.population import models as _population_models  # noqa: E402, F401
from tinhso.integrations.postal import models as _postal_models  # noqa: E402, F401
from tinhso.integrations.sso import models as _sso_models  # noqa: E402, F401
