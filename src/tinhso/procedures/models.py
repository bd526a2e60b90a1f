"""The procedure catalogue (thủ tục hành chính), versioned (R-LAW-7).

A procedure is identified by its national code; its content lives in versions with an
effective period. A dossier points at the version it was filed under, so publishing a new
version never changes a dossier already in flight.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.text import fold

WORKING_MINUTES_PER_DAY = 8 * 60
# The components a published procedure must carry (766 indicator 1.3), as shown to officials.
COMPONENTS = {
    "name": _("tên thủ tục"),
    "steps": _("trình tự thực hiện"),
    "time_limit": _("cách thức thực hiện và thời hạn giải quyết"),
    "documents": _("thành phần hồ sơ"),
    "agency": _("cơ quan thực hiện"),
    "applicants": _("đối tượng thực hiện"),
    "result": _("kết quả thực hiện"),
    "legal_basis": _("căn cứ pháp lý"),
}


class Field(models.Model):
    code = models.CharField(_("mã lĩnh vực"), max_length=40, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    code = models.CharField(_("mã thủ tục quốc gia"), max_length=40, unique=True)
    # R-NAT-041: a procedure the national TTHC database no longer lists for the province is marked
    # not in use, never deleted (dossiers point at its versions); the portal stops offering it.
    in_use = models.BooleanField(_("đang sử dụng"), default=True)
    national_synced_at = models.DateTimeField(
        _("đồng bộ CSDL quốc gia lần cuối"),
        null=True,
        blank=True,
        help_text=_("Lần cuối gói thủ tục được đọc từ CSDL quốc gia về TTHC (thay đổi hay không)"),
    )

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def version_on(self, moment: datetime.date) -> "ProcedureVersion | None":
        return (
            self.versions.filter(effective_from__lte=moment)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=moment))
            .order_by("-version")
            .first()
        )


class ProcedureVersion(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Cấp tỉnh")
        COMMUNE = "commune", _("Cấp xã")

    class Mode(models.TextChoices):
        FULL_ONLINE = "full_online", _("Toàn trình")
        PARTIAL = "partial", _("Một phần")
        # Not a public service online (R-LVL-1): filed at a counter or by post only. Within the
        # agency's competence, it lowers 766 indicator 3.1.
        OFFLINE = "offline", _("Không cung cấp trực tuyến")

    class FeeBasis(models.TextChoices):
        FIXED = "fixed", _("Cố định")
        PER_COPY = "per_copy", _("Theo bản")
        PER_UNIT = "per_unit", _("Theo đơn vị")

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("phiên bản"))
    effective_from = models.DateField(_("hiệu lực từ"))
    effective_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    name = models.CharField(_("tên thủ tục"), max_length=400)
    search_text = models.TextField(editable=False, default="")
    field = models.ForeignKey(Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT)
    level = models.CharField(_("cấp thực hiện"), max_length=10, choices=Level.choices)
    mode = models.CharField(_("mức độ DVCTT"), max_length=12, choices=Mode.choices)
    agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("cơ quan có thẩm quyền"),
        blank=True,
        related_name="procedures",
        help_text=_(
            "Cấp tỉnh: cơ quan giải quyết (cơ quan đầu tiên là mặc định). Cấp xã: để trống — mọi UBND xã."
        ),
    )
    default_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan giải quyết mặc định"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiving_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("nơi tiếp nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Bộ phận một cửa tiếp nhận hồ sơ; trống = chính cơ quan giải quyết"),
    )
    processing_days = models.DecimalField(
        _("thời hạn giải quyết (ngày làm việc)"), max_digits=6, decimal_places=2
    )
    processing_days_online = models.DecimalField(
        _("thời hạn khi nộp trực tuyến"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    same_day = models.BooleanField(_("giải quyết trong ngày"), default=False)
    same_day_cutoff = models.TimeField(_("giờ chốt trong ngày"), null=True, blank=True)
    fee = models.PositiveIntegerField(_("phí, lệ phí tại quầy (đồng)"), default=0)
    fee_online = models.PositiveIntegerField(
        _("phí, lệ phí nộp trực tuyến (đồng)"), null=True, blank=True
    )
    fee_basis = models.CharField(
        _("cách tính phí"), max_length=10, choices=FeeBasis.choices, default="fixed"
    )
    fee_note = models.TextField(_("ghi chú phí, miễn giảm"), blank=True)
    fee_exemptions = models.JSONField(_("miễn, giảm"), default=list, blank=True)
    fee_quantity_fields = models.JSONField(
        _("trường số lượng tính phí"),
        default=list,
        blank=True,
        help_text=_(
            "Tên các trường tờ khai nhân với đơn giá khi tính phí theo bản hoặc theo đơn vị"
        ),
    )
    fee_tiers = models.JSONField(
        _("biểu phí bậc thang"),
        null=True,
        blank=True,
        help_text=_(
            'Ví dụ chứng thực bản sao: {"units_field": "so_trang_ban_chinh", "copies_field": "so_ban_sao", '
            '"tiers": [{"from": 1, "price": 2000}, {"from": 3, "price": 1000}], "cap_per_copy": 200000}'
        ),
    )
    requires_payment_before_processing = models.BooleanField(
        _("nộp phí trước khi giải quyết"), default=False
    )
    form_schema = models.JSONField(_("biểu mẫu điện tử (JSON Schema)"), default=dict)
    result_description = models.TextField(_("kết quả thực hiện"), blank=True)
    result_papers = models.JSONField(
        _("giấy tờ kết quả"),
        default=list,
        blank=True,
        help_text=_(
            "Giấy tờ kết quả (giấy đầu tiên là kết quả chính): tên, mẫu in hoặc “do hệ thống khác cấp”, "
            "các trường cán bộ điền (JSON Schema) — định dạng trong docs/catalogue.md"
        ),
    )
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    applicant_types = models.JSONField(_("đối tượng thực hiện"), default=list, blank=True)
    source = models.TextField(_("nguồn dữ liệu"), blank=True)
    unconfirmed = models.JSONField(_("thông tin chưa xác nhận"), default=list, blank=True)
    # Publication facts (766 indicators 1.1–1.3, spec §3.5): the decision that published this
    # version (quyết định công bố) and the day it was made public on the national TTHC database.
    # They describe the publication, not the rules a dossier is handled by, so they are recorded
    # in place even on a version dossiers already use (docs/adr/0018-national-catalogue.md).
    decision_number = models.CharField(_("số quyết định công bố"), max_length=100, blank=True)
    decision_date = models.DateField(_("ngày ban hành quyết định công bố"), null=True, blank=True)
    decision_effective_on = models.DateField(
        _("ngày hiệu lực của quyết định công bố"), null=True, blank=True
    )
    published_on = models.DateField(
        _("ngày công khai trên CSDL quốc gia về TTHC"), null=True, blank=True
    )
    # Components the national package lacks (1.3), as labels; None = never judged on a package
    # (the version came from our catalogue files: it is judged on its own fields).
    national_missing = models.JSONField(
        _("bộ phận cấu thành còn thiếu trên CSDL quốc gia"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "version"], name="procedure_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.version} · {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The result is searchable too: citizens look for the paper they want ("giấy khai sinh").
        self.search_text = fold(
            f"{self.name} {self.procedure.code} {self.field.name} {self.result_description}"
        )
        super().save(*args, **kwargs)

    def processing_days_for(self, online: bool) -> Decimal:
        if online and self.processing_days_online is not None:
            return self.processing_days_online
        return self.processing_days

    def processing_minutes_for(self, online: bool) -> int:
        return int(self.processing_days_for(online) * WORKING_MINUTES_PER_DAY)

    def fee_for(self, online: bool) -> int:
        if online and self.fee_online is not None:
            return self.fee_online
        return self.fee

    def missing_components(self) -> list[str]:
        """The components of a procedure (Decree 63/2010 Art. 8, 766 indicator 1.3) this version
        lacks: the national package's judgement when it came from one, else its own fields. Fees
        may be "none" (a free procedure is complete). Our catalogue files do not record applicant
        types (the e-form and the level stand for them), so those are judged on a national
        package only. Reads documents, steps and agencies (prefetch them)."""
        if self.national_missing is not None:
            return [str(label) for label in self.national_missing]
        missing = []
        checks = (
            (bool(self.name.strip()), COMPONENTS["name"]),
            (bool(self.steps.all()), COMPONENTS["steps"]),
            (self.processing_days > 0 or self.same_day, COMPONENTS["time_limit"]),
            (bool(self.documents.all()), COMPONENTS["documents"]),
            (
                self.level == self.Level.COMMUNE or bool(self.agencies.all()),
                COMPONENTS["agency"],
            ),
            (bool(self.result_description.strip()), COMPONENTS["result"]),
            (bool(self.legal_basis.strip()), COMPONENTS["legal_basis"]),
        )
        for present, label in checks:
            if not present:
                missing.append(str(label))
        return missing

    @property
    def is_full_online(self) -> bool:
        return self.mode == self.Mode.FULL_ONLINE

    @property
    def offered_online(self) -> bool:
        """Citizens may file it on the portal or the API (full or partial online service)."""
        return self.mode in (self.Mode.FULL_ONLINE, self.Mode.PARTIAL)

    @property
    def main_result_paper(self) -> dict[str, Any]:
        """The main result paper (the first declared), or an empty declaration."""
        papers = self.result_papers if isinstance(self.result_papers, list) else []
        return papers[0] if papers and isinstance(papers[0], dict) else {}

    @property
    def result_schema(self) -> dict[str, Any]:
        """JSON Schema of the fields an official fills on the main result paper."""
        schema = self.main_result_paper.get("schema")
        return schema if isinstance(schema, dict) else {"type": "object", "properties": {}}


@dataclass(frozen=True)
class FeeQuote:
    """The fee of one dossier: unit price × quantity, less the exemption the applicant claims."""

    unit_price: int
    quantity: int
    gross: int
    reduction_percent: int
    amount: int
    exemption: dict[str, Any] | None


def quote_fee(
    version: "ProcedureVersion", *, online: bool, data: dict[str, Any], exemption_group: str = ""
) -> FeeQuote:
    unit_price = version.fee_for(online)
    quantity = 1
    if version.fee_tiers:
        unit_price, quantity = _tiered(version.fee_tiers, data)
    elif version.fee_basis != ProcedureVersion.FeeBasis.FIXED:
        for name in version.fee_quantity_fields:
            value = data.get(name, 1)
            quantity *= value if isinstance(value, int) and value > 0 else 1
    gross = unit_price * quantity
    exemption = next((e for e in version.fee_exemptions if e.get("group") == exemption_group), None)
    percent = int(exemption.get("reduction_percent", 0)) if exemption else 0
    amount = gross - (gross * percent + 50) // 100  # integer đồng, rounded half up
    return FeeQuote(unit_price, quantity, gross, percent, max(amount, 0), exemption)


def _count(data: dict[str, Any], name: str) -> int:
    value = data.get(name, 1)
    return value if isinstance(value, int) and value > 0 else 1


def _tiered(rule: dict[str, Any], data: dict[str, Any]) -> tuple[int, int]:
    """Price of one copy from a per-unit tier table with a cap (e.g. certified copies, Circular 226/2016),
    and the number of copies."""
    units = _count(data, rule.get("units_field", ""))
    tiers = sorted(rule.get("tiers", []), key=lambda t: t["from"])
    per_copy = 0
    for unit in range(1, units + 1):
        per_copy += next((t["price"] for t in reversed(tiers) if unit >= t["from"]), 0)
    cap = rule.get("cap_per_copy")
    if cap is not None:
        per_copy = min(per_copy, int(cap))
    return per_copy, _count(data, rule.get("copies_field", ""))


class RequiredDocument(models.Model):
    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="documents"
    )
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(_("mã thành phần"), max_length=40)
    name = models.CharField(_("tên giấy tờ"), max_length=400)
    original = models.BooleanField(_("bản chính"), default=False)
    quantity = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    e_copy_accepted = models.BooleanField(_("chấp nhận bản điện tử"), default=True)
    required = models.BooleanField(_("bắt buộc"), default=True)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="required_document_unique")
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowStep(models.Model):
    class Action(models.TextChoices):
        RECEIVE = "receive", _("Tiếp nhận")
        COMPLETE_STEP = "complete_step", _("Xử lý, thẩm định")
        APPROVE = "approve", _("Phê duyệt")
        ISSUE_RESULT = "issue_result", _("Ban hành, trả kết quả")

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("tên bước"), max_length=200)
    role = models.CharField(_("vai trò"), max_length=16)
    action = models.CharField(_("thao tác"), max_length=16, choices=Action.choices)
    share = models.DecimalField(_("tỷ lệ thời gian"), max_digits=4, decimal_places=3)

    class Meta:
        verbose_name = _("bước quy trình")
        verbose_name_plural = _("bước quy trình")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="workflow_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class CatalogueRevision(models.Model):
    """One row whose ``stamp`` is a fresh random token after every change to the catalogue.

    Written in the transaction of the change (``tinhso.procedures.cache.catalogue_changed``, called
    by the signal receivers of every catalogue model and by the loader), so it commits or rolls
    back with it. Each process keeps the versions it has loaded with the stamp it read them under,
    and reads the stamp in the same statement that finds the version in force (no second round
    trip): a process sees a change at its next filing, whatever process made it. A random token
    rather than a counter: a counter rolled back to an old value could meet a cached copy of that
    value again (tests roll back every transaction, and reuse ids on SQLite).
    """

    stamp = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("phiên bản danh mục thủ tục")
        verbose_name_plural = _("phiên bản danh mục thủ tục")

    def __str__(self) -> str:
        return self.stamp


class ProcedureSnapshot(models.Model):
    """One fetch of a procedure package from the national TTHC database whose content changed
    (R-NAT-040): the raw JSON, its hash and the publication decision read with it. An unchanged
    package leaves no row (only ``Procedure.national_synced_at`` moves). A package of a procedure
    the province does not hold is kept too (``procedure`` empty), for an official to review."""

    code = models.CharField(_("mã thủ tục quốc gia"), max_length=40, db_index=True)
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("thủ tục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="snapshots",
    )
    fetched_at = models.DateTimeField(_("thời điểm lấy"))
    sha256 = models.CharField(max_length=64)
    package = models.JSONField(_("gói thủ tục"))
    decision = models.JSONField(_("quyết định công bố"), default=dict, blank=True)
    version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("phiên bản tương ứng"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    new_version = models.BooleanField(_("tạo phiên bản mới"), default=False)
    review = models.JSONField(
        _("cần cán bộ xem xét"),
        default=list,
        blank=True,
        help_text=_("Những giá trị không áp dụng được (đơn vị thời gian lạ …), để cán bộ xem xét"),
    )

    class Meta:
        verbose_name = _("bản lưu gói thủ tục quốc gia")
        verbose_name_plural = _("bản lưu gói thủ tục quốc gia")
        ordering = ["code", "-fetched_at", "-id"]
        indexes = [models.Index(fields=["code", "-fetched_at"], name="procedure_snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.code} @ {self.fetched_at:%Y-%m-%d %H:%M}"
