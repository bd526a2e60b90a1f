"""The audit log: append-only, hash-chained per stream, anchored by signed checkpoints.

See docs/audit.md and docs/adr/0006-audit-chain.md. ``AuditEntry`` and ``AuditAnchor`` rows are
written once: on PostgreSQL triggers (migration 0002) reject UPDATE, DELETE and TRUNCATE (a
superuser may truncate); on SQLite triggers reject UPDATE (0002) and DELETE (0003; only
``flush`` lifts them, see ``audit/guards.py``).
``AuditStreamHead`` is only a lock and a cache of each stream's last (seq, hash): verification
never trusts it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.writeonce import WriteOnceModel

GENESIS_HASH = "0" * 64


class AuditEntry(WriteOnceModel):
    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Thành công")
        FAILURE = "failure", _("Thất bại")
        DENIED = "denied", _("Bị từ chối")

    stream = models.CharField(_("luồng"), max_length=16)
    seq = models.PositiveBigIntegerField(_("số thứ tự trong luồng"))
    created_at = models.DateTimeField(_("thời điểm"), db_index=True)
    # No database constraint and no cascade: deleting a user must not touch (or be blocked by) the
    # log, and the username is kept as it was at the time.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("tài khoản"), max_length=150, blank=True)
    action = models.CharField(_("hành động"), max_length=64)
    target = models.CharField(_("đối tượng"), max_length=200, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=16, default=Outcome.SUCCESS)
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)
    ip = models.CharField(_("địa chỉ IP"), max_length=45, blank=True)
    user_agent = models.CharField(_("trình duyệt"), max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("bản ghi kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="audit_stream_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["actor", "id"], name="audit_actor_idx"),
            models.Index(fields=["target", "id"], name="audit_target_idx"),
            models.Index(fields=["action", "id"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.stream}/{self.seq} {self.action} {self.target}"


class AuditStreamHead(models.Model):
    """The lock row of one stream and the last (seq, hash) written to it."""

    stream = models.CharField(max_length=16, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("đầu luồng kiểm toán")
        verbose_name_plural = _("đầu luồng kiểm toán")

    def __str__(self) -> str:
        return f"{self.stream}@{self.seq}"


class AuditAnchor(WriteOnceModel):
    """A signed checkpoint: the last (seq, hash) of every stream at one moment."""

    created_at = models.DateTimeField(_("thời điểm"))
    heads = models.JSONField(_("đầu các luồng"))  # {"stream": [seq, "hash"], ...}
    algorithm = models.CharField(max_length=32)
    key_fingerprint = models.CharField(max_length=64)
    public_key = models.TextField()  # PEM, so an anchor verifies on its own
    signature = models.TextField()  # base64

    class Meta:
        verbose_name = _("mốc ký số nhật ký")
        verbose_name_plural = _("mốc ký số nhật ký")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"anchor #{self.pk} {self.created_at:%Y-%m-%d %H:%M}"


class ChainCheck(models.Model):
    """The outcome of one run of ``verify_chain`` (shown on the SOC page)."""

    created_at = models.DateTimeField(_("thời điểm"), db_index=True)
    ok = models.BooleanField(_("toàn vẹn"))
    entries = models.PositiveBigIntegerField(default=0)
    streams = models.PositiveIntegerField(default=0)
    anchors = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("lần kiểm tra chuỗi băm")
        verbose_name_plural = _("lần kiểm tra chuỗi băm")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BROKEN'}"


class SecurityAlertRule(models.Model):
    """A threshold on audit events in a sliding window; evaluated by ``tinhso audit alerts``."""

    class Kind(models.TextChoices):
        FAILED_LOGINS = "failed_logins", _("Đăng nhập thất bại từ một địa chỉ")
        FAILED_LOGINS_ACCOUNT = "failed_logins_account", _("Đăng nhập thất bại vào một tài khoản")
        LOCKOUTS = "lockouts", _("Tài khoản bị khóa")
        DOSSIER_VIEWS = "dossier_views", _("Cán bộ mở nhiều hồ sơ bất thường")
        AFTER_HOURS = "after_hours", _("Truy cập ngoài giờ làm việc")
        ATTACHMENT_DOWNLOADS = "attachment_downloads", _("Tải nhiều tệp đính kèm")
        PRIVILEGE_CHANGES = "privilege_changes", _("Thay đổi quyền")
        CHAIN_BROKEN = "chain_broken", _("Chuỗi nhật ký bị phá vỡ")
        CLONED_KEY = "cloned_key", _("Khóa bảo mật có dấu hiệu bị sao chép")
        NATIONAL_CODE_COLLISION = (
            "national_code_collision",
            _("Mã hồ sơ từ Cổng DVCQG trùng mã hồ sơ khác"),
        )

    kind = models.CharField(_("loại"), max_length=32, choices=Kind.choices, unique=True)
    threshold = models.PositiveIntegerField(_("ngưỡng (số sự kiện)"))
    window_minutes = models.PositiveIntegerField(_("cửa sổ (phút)"), default=60)
    baseline_factor = models.PositiveSmallIntegerField(
        _("hệ số so với mức thường ngày"),
        default=0,
        help_text=_("0 = chỉ dùng ngưỡng; 3 = và gấp 3 lần mức trung bình 14 ngày trước"),
    )
    is_active = models.BooleanField(_("đang bật"), default=True)

    class Meta:
        verbose_name = _("quy tắc cảnh báo an ninh")
        verbose_name_plural = _("quy tắc cảnh báo an ninh")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class SecurityAlert(models.Model):
    """A security alert raised by a rule for one subject, at most once per rule and window;
    security staff are told through the notifications outbox (topic ``security_alert``)."""

    rule = models.ForeignKey(SecurityAlertRule, on_delete=models.PROTECT, related_name="alerts")
    subject = models.CharField(_("đối tượng"), max_length=200)
    bucket = models.BigIntegerField()  # window number: one alert per rule, subject and window
    count = models.PositiveIntegerField(_("số sự kiện"))
    created_at = models.DateTimeField(_("thời điểm"), db_index=True)
    details = models.JSONField(default=dict, blank=True)
    acknowledged_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xác nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("cảnh báo an ninh")
        verbose_name_plural = _("cảnh báo an ninh")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject", "bucket"], name="audit_alert_once_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject}"
