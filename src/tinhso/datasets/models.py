"""Open data catalogue: organisations, datasets, resources, their versions and the datastore.

Identifiers follow CKAN: every public object has a UUID ``id`` and datasets, organisations,
groups and tags a URL-safe ``name``. The datastore keeps one row per record with the values in a
JSON column (see docs/adr/0007-datastore-storage.md).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.text import fold

# The licences a department may choose (CKAN's license register subset).
LICENSES: dict[str, tuple[str, str]] = {
    "cc-by-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "cc-zero": ("Creative Commons CCZero", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "odc-odbl": (
        "Open Data Commons Open Database License (ODbL)",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    "odc-by": (
        "Open Data Commons Attribution License",
        "https://opendatacommons.org/licenses/by/1-0/",
    ),
    "other-open": ("Other (Open)", ""),
}
LICENSE_CHOICES = [(key, title) for key, (title, _url) in LICENSES.items()]

COLUMN_TYPES = ["text", "int", "numeric", "date", "timestamp", "bool"]
COLUMN_TYPE_CHOICES = [
    ("text", _("Văn bản")),
    ("int", _("Số nguyên")),
    ("numeric", _("Số thực")),
    ("date", _("Ngày")),
    ("timestamp", _("Thời điểm")),
    ("bool", _("Đúng/sai")),
]


class Frequency(models.TextChoices):
    CONTINUAL = "continual", _("Liên tục")
    DAILY = "daily", _("Hằng ngày")
    WEEKLY = "weekly", _("Hằng tuần")
    MONTHLY = "monthly", _("Hằng tháng")
    QUARTERLY = "quarterly", _("Hằng quý")
    ANNUAL = "annual", _("Hằng năm")
    IRREGULAR = "irregular", _("Không định kỳ")
    NEVER = "never", _("Không cập nhật")


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("tên ngắn"), max_length=100, unique=True)
    title = models.CharField(_("tên tổ chức"), max_length=200)
    description = models.TextField(_("giới thiệu"), blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_organizations",
        help_text=_("Cán bộ của cơ quan này được xuất bản dữ liệu cho tổ chức"),
    )
    email = models.EmailField(_("thư điện tử liên hệ"), blank=True)
    created = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tổ chức xuất bản dữ liệu")
        verbose_name_plural = _("tổ chức xuất bản dữ liệu")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Group(models.Model):
    """A theme (chủ đề) grouping datasets across organisations."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("tên ngắn"), max_length=100, unique=True)
    title = models.CharField(_("tên chủ đề"), max_length=200)
    description = models.TextField(_("giới thiệu"), blank=True)
    created = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("chủ đề")
        verbose_name_plural = _("chủ đề")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("từ khóa"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("từ khóa")
        verbose_name_plural = _("từ khóa")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Đang công bố")
        DRAFT = "draft", _("Bản nháp")
        DELETED = "deleted", _("Đã xóa")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("tên ngắn (đường dẫn)"), max_length=100, unique=True)
    title = models.CharField(_("tên bộ dữ liệu"), max_length=300)
    notes = models.TextField(_("mô tả"), blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("tổ chức xuất bản"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    license_id = models.CharField(
        _("giấy phép"), max_length=40, choices=LICENSE_CHOICES, default="cc-by-4.0"
    )
    tags = models.ManyToManyField(
        Tag, verbose_name=_("từ khóa"), blank=True, related_name="datasets"
    )
    groups = models.ManyToManyField(
        Group, verbose_name=_("chủ đề"), blank=True, related_name="datasets"
    )
    temporal_start = models.DateField(_("thời gian từ"), null=True, blank=True)
    temporal_end = models.DateField(_("thời gian đến"), null=True, blank=True)
    spatial_codes = models.JSONField(
        _("phạm vi không gian (mã đơn vị hành chính)"), default=list, blank=True
    )
    frequency = models.CharField(
        _("tần suất cập nhật"), max_length=16, choices=Frequency.choices, blank=True
    )
    maintainer = models.CharField(_("người phụ trách"), max_length=200, blank=True)
    maintainer_email = models.EmailField(_("thư điện tử người phụ trách"), blank=True)
    state = models.CharField(
        _("trạng thái"), max_length=10, choices=State.choices, default=State.ACTIVE
    )
    private = models.BooleanField(_("không công khai"), default=False)
    search_title = models.CharField(editable=False, max_length=300, default="")
    search_text = models.TextField(editable=False, default="")
    metadata_created = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    metadata_modified = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bộ dữ liệu")
        verbose_name_plural = _("bộ dữ liệu")
        ordering = ["-metadata_modified"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temporal_start__isnull=True)
                | models.Q(temporal_end__isnull=True)
                | models.Q(temporal_start__lte=models.F("temporal_end")),
                name="dataset_temporal_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def license_title(self) -> str:
        return LICENSES.get(self.license_id, (self.license_id, ""))[0]

    @property
    def license_url(self) -> str:
        return LICENSES.get(self.license_id, ("", ""))[1]

    def refresh_search_text(self) -> None:
        """Fold title, description, tags, organisation and resource names into ``search_text``."""
        parts = [self.name, self.title, self.notes, self.organization.title]
        if self.pk and not self._state.adding:
            parts += [t.name for t in self.tags.all()]
            parts += [g.title for g in self.groups.all()]
            parts += [r.name for r in self.resources.all()]
        self.search_title = fold(self.title)[:300]
        self.search_text = fold(" ".join(parts))


class Resource(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(
        Dataset, verbose_name=_("bộ dữ liệu"), on_delete=models.CASCADE, related_name="resources"
    )
    name = models.CharField(_("tên tài nguyên"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    url = models.URLField(_("đường dẫn ngoài"), max_length=1000, blank=True)
    format = models.CharField(_("định dạng"), max_length=20, blank=True)
    mimetype = models.CharField(_("kiểu MIME"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"), null=True, blank=True)
    hash = models.CharField(_("SHA-256"), max_length=64, blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    created = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_modified = models.DateTimeField(_("cập nhật lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("tài nguyên")
        verbose_name_plural = _("tài nguyên")
        ordering = ["dataset", "position"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_upload(self) -> bool:
        return not self.url

    @property
    def current_version(self) -> "ResourceVersion | None":
        return self.versions.order_by("-number").first()


def version_path(instance: "ResourceVersion", filename: str) -> str:
    return f"datasets/{instance.resource_id}/{instance.number}-{instance.sha256[:12]}-{filename}"


class ResourceVersion(models.Model):
    """Every upload of a resource's file, kept."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("tài nguyên"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("phiên bản"))
    file = models.FileField(_("tệp"), upload_to=version_path, max_length=300)
    filename = models.CharField(_("tên tệp"), max_length=200)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    mimetype = models.CharField(_("kiểu MIME"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tải lên"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản tài nguyên")
        verbose_name_plural = _("phiên bản tài nguyên")
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="resource_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource} · v{self.number}"


class DatastoreTable(models.Model):
    """The queryable table loaded from a tabular resource.

    ``fields`` is the ordered list of ``{"id": column, "type": one of COLUMN_TYPES,
    "inferred": type guessed at load}``.
    """

    resource = models.OneToOneField(
        Resource, verbose_name=_("tài nguyên"), on_delete=models.CASCADE, related_name="datastore"
    )
    version = models.ForeignKey(
        ResourceVersion,
        verbose_name=_("nạp từ phiên bản"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fields = models.JSONField(_("các cột"), default=list)
    row_count = models.PositiveIntegerField(_("số dòng"), default=0)
    loaded_at = models.DateTimeField(_("nạp lúc"), auto_now=True)

    class Meta:
        verbose_name = _("bảng dữ liệu")
        verbose_name_plural = _("bảng dữ liệu")

    def __str__(self) -> str:
        return str(self.resource)

    @property
    def types(self) -> dict[str, str]:
        return {f["id"]: f["type"] for f in self.fields}


class DatastoreRow(models.Model):
    table = models.ForeignKey(DatastoreTable, on_delete=models.CASCADE, related_name="rows")
    n = models.PositiveIntegerField()  # CKAN's _id, 1-based in load order
    data = models.JSONField()
    search_text = models.TextField(default="")

    class Meta:
        verbose_name = _("dòng dữ liệu")
        verbose_name_plural = _("dòng dữ liệu")
        constraints = [models.UniqueConstraint(fields=["table", "n"], name="datastore_row_unique")]

    def __str__(self) -> str:
        return f"{self.table} · {self.n}"
