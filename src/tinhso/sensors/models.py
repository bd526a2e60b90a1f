"""Sensor data after the OGC SensorThings API 1.1 (OGC 18-088), plus salinity alerting.

The SensorThings entities map one to one onto models: Thing, Location, Sensor,
ObservedProperty, Datastream, FeatureOfInterest, Observation. Observations are sized for years
of minute readings: the unique (datastream, phenomenon_time) index both deduplicates and serves
range queries of one datastream; PostgreSQL also gets a BRIN index on phenomenon_time (migration
0002). Charts read :class:`Rollup` (hourly and daily min/mean/max), maintained on ingest.
"""

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.notifications.masking import mask_recipient


class Thing(models.Model):
    name = models.CharField(_("tên"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    properties = models.JSONField(_("thuộc tính"), default=dict, blank=True)
    code = models.SlugField(
        _("mã trạm"), max_length=64, unique=True, help_text=_("Mã ổn định, dùng trong dữ liệu mẫu")
    )
    locations: "models.ManyToManyField[Location, Any]" = models.ManyToManyField(
        "Location", verbose_name=_("vị trí"), related_name="things", blank=True
    )

    class Meta:
        verbose_name = _("trạm quan trắc")
        verbose_name_plural = _("trạm quan trắc")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    name = models.CharField(_("tên"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    encoding_type = models.CharField(max_length=64, default="application/geo+json")
    location = models.JSONField(_("vị trí (GeoJSON)"))

    class Meta:
        verbose_name = _("vị trí")
        verbose_name_plural = _("vị trí")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def lat_lon(self) -> tuple[float, float] | None:
        coords = self.location.get("coordinates") if isinstance(self.location, dict) else None
        if self.location.get("type") != "Point" or not coords:
            return None
        return float(coords[1]), float(coords[0])


class Sensor(models.Model):
    name = models.CharField(_("tên"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    encoding_type = models.CharField(max_length=64, default="text/html")
    metadata = models.TextField(_("siêu dữ liệu"), blank=True)

    class Meta:
        verbose_name = _("cảm biến")
        verbose_name_plural = _("cảm biến")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ObservedProperty(models.Model):
    name = models.CharField(_("tên"), max_length=200)
    definition = models.URLField(_("định nghĩa (URI)"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    code = models.SlugField(_("mã"), max_length=64, unique=True)
    min_valid = models.FloatField(_("giá trị hợp lệ nhỏ nhất"), null=True, blank=True)
    max_valid = models.FloatField(_("giá trị hợp lệ lớn nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("đại lượng quan trắc")
        verbose_name_plural = _("đại lượng quan trắc")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Datastream(models.Model):
    name = models.CharField(_("tên"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    unit_of_measurement = models.JSONField(_("đơn vị đo"), default=dict)
    observation_type = models.CharField(
        max_length=200,
        default="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
    )
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="datastreams")
    sensor = models.ForeignKey(Sensor, on_delete=models.PROTECT, related_name="datastreams")
    observed_property = models.ForeignKey(
        ObservedProperty, on_delete=models.PROTECT, related_name="datastreams"
    )
    phenomenon_time_start = models.DateTimeField(null=True, blank=True)
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time_start = models.DateTimeField(null=True, blank=True)
    result_time_end = models.DateTimeField(null=True, blank=True)
    latest_result = models.FloatField(
        _("giá trị mới nhất"), null=True, blank=True, help_text=_("Tại phenomenon_time_end")
    )

    class Meta:
        verbose_name = _("chuỗi dữ liệu")
        verbose_name_plural = _("chuỗi dữ liệu")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FeatureOfInterest(models.Model):
    name = models.CharField(_("tên"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    encoding_type = models.CharField(max_length=64, default="application/geo+json")
    feature = models.JSONField()

    class Meta:
        verbose_name = _("đối tượng quan trắc")
        verbose_name_plural = _("đối tượng quan trắc")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Observation(models.Model):
    # No index of its own: the unique (datastream, phenomenon_time) index starts with it, and a
    # second index on every insert cost about a third of the ingest time (docs/sensors.md).
    datastream = models.ForeignKey(
        Datastream, on_delete=models.CASCADE, related_name="observations", db_index=False
    )
    phenomenon_time = models.DateTimeField()
    result_time = models.DateTimeField(null=True, blank=True)
    result = models.FloatField()
    result_quality = models.JSONField(null=True, blank=True)
    parameters = models.JSONField(null=True, blank=True)
    feature_of_interest = models.ForeignKey(
        FeatureOfInterest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("số đo")
        verbose_name_plural = _("số đo")
        indexes = [  # almost every reading has no feature of interest: index only those that do
            models.Index(
                fields=["feature_of_interest"],
                condition=Q(feature_of_interest__isnull=False),
                name="observation_foi_set",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["datastream", "phenomenon_time"], name="observation_once_per_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.datastream_id} @ {self.phenomenon_time:%Y-%m-%dT%H:%M:%S}: {self.result}"


class Rollup(models.Model):
    """min/mean/max of one datastream over an hour or a day (Asia/Ho_Chi_Minh day)."""

    class Resolution(models.TextChoices):
        HOUR = "hour", _("giờ")
        DAY = "day", _("ngày")

    datastream = models.ForeignKey(Datastream, on_delete=models.CASCADE, related_name="rollups")
    resolution = models.CharField(max_length=4, choices=Resolution.choices)
    bucket = models.DateTimeField(help_text=_("Đầu giờ hoặc đầu ngày (giờ Việt Nam)"))
    count = models.PositiveIntegerField()
    total = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")
        constraints = [
            models.UniqueConstraint(
                fields=["datastream", "resolution", "bucket"], name="rollup_once_per_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.datastream_id} {self.resolution} {self.bucket:%Y-%m-%d %H}"

    @property
    def mean(self) -> float:
        return self.total / self.count


class RejectedReading(models.Model):
    """A reading that was not stored, with the reason (never silently dropped)."""

    class Reason(models.TextChoices):
        MALFORMED = "malformed", _("Sai định dạng")
        UNKNOWN_DATASTREAM = "unknown_datastream", _("Không có chuỗi dữ liệu")
        OUT_OF_RANGE = "out_of_range", _("Ngoài khoảng hợp lệ")
        DUPLICATE = "duplicate", _("Trùng số đo đã có")
        FORBIDDEN = "forbidden", _("Thiết bị không được gửi vào chuỗi này")

    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=16)  # "mqtt" or "http"
    topic = models.CharField(max_length=200, blank=True)
    datastream_id_claimed = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=300, blank=True)
    payload = models.TextField(blank=True, help_text=_("500 ký tự đầu"))

    class Meta:
        verbose_name = _("số đo bị loại")
        verbose_name_plural = _("số đo bị loại")
        indexes = [models.Index(fields=["reason", "received_at"])]

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


class DeviceToken(models.Model):
    """A bearer token with which one Thing (a station's logger) may post its own observations."""

    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(_("nhãn"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã thiết bị")
        verbose_name_plural = _("mã thiết bị")

    def __str__(self) -> str:
        return f"{self.thing} · {self.label or self.created_at:%Y-%m-%d}"


class Subscription(models.Model):
    """A farmer's request for salinity alerts: a phone or e-mail, stations and uses (crops)."""

    class Medium(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        SMS = "sms", _("Tin nhắn SMS")

    medium = models.CharField(_("kênh"), max_length=8, choices=Medium.choices)
    contact = models.CharField(_("số điện thoại hoặc thư điện tử"), max_length=254)
    stations = models.ManyToManyField(Thing, verbose_name=_("trạm"), related_name="subscriptions")
    uses = models.JSONField(_("mục đích sử dụng nước"), default=list)
    confirm_code_hash = models.CharField(max_length=64, blank=True)
    confirm_attempts = models.PositiveSmallIntegerField(default=0)
    token = models.CharField(max_length=64, unique=True, help_text=_("Dùng trong liên kết hủy"))
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đăng ký nhận cảnh báo")
        verbose_name_plural = _("đăng ký nhận cảnh báo")
        indexes = [models.Index(fields=["confirmed_at", "cancelled_at"])]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} {mask_recipient(self.contact)}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.cancelled_at is None


class AlertState(models.Model):
    """The current alert level of one datastream for one use (hysteresis lives here)."""

    datastream = models.ForeignKey(Datastream, on_delete=models.CASCADE, related_name="+")
    use = models.CharField(max_length=32)
    level = models.PositiveSmallIntegerField(default=0)
    since = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(null=True, blank=True)
    last_time = models.DateTimeField(null=True, blank=True)
    below_since = models.DateTimeField(
        null=True, blank=True, help_text=_("Từ lúc độ mặn xuống dưới ngưỡng trừ trễ")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["datastream", "use"], name="alert_state_once")
        ]

    def __str__(self) -> str:
        return f"{self.datastream_id}/{self.use}: {self.level}"


class SalinityAlert(models.Model):
    """A salinity alert for one datastream and use: raised, escalated or cleared (``alerts``).

    Each follower's message is a notifications ``Delivery`` of topic ``salinity_alert`` and key
    ``<alert id>:<subscription id>``.
    """

    class Kind(models.TextChoices):
        RAISED = "raised", _("Vượt ngưỡng")
        ESCALATED = "escalated", _("Tăng mức")
        CLEARED = "cleared", _("Hết vượt ngưỡng")

    datastream = models.ForeignKey(Datastream, on_delete=models.CASCADE, related_name="+")
    use = models.CharField(max_length=32)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    level = models.PositiveSmallIntegerField()
    value = models.FloatField()
    phenomenon_time = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cảnh báo mặn")
        verbose_name_plural = _("cảnh báo mặn")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.datastream_id}/{self.use} {self.kind} {self.level}"
