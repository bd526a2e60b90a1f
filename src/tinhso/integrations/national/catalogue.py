"""The procedure catalogue from the national TTHC database (CSDLQG về TTHC, spec §3).

``sync()`` lists the province's procedures (``LayDanhSachTTHCDonVi``), fetches each package
(``LayThuTuc``) and, when its content changed, the publication decision (``LayQDCB``). Each fetch
whose hash changed is kept as a ``ProcedureSnapshot`` (R-NAT-040); an unchanged one only moves the
procedure's "last synced" time. The package is turned into plain values here (``package_facts``,
``publication_facts``); ``tinhso.procedures.versions`` makes the new version or records the
publication facts, knowing nothing of the portal.

What the importer does not do:

- It creates no procedure the province does not hold: a Tỉnh Số version needs a workflow, an
  e-form and competent agencies that no package carries. Such a package is kept as a snapshot and
  listed for review on the operations page.
- It applies no time limit whose unit it cannot convert exactly (R-NAT-042): "Ngày làm việc" and
  "Giờ" (8 office hours a day, the catalogue's own rule) are converted; "Ngày" (calendar days),
  "Tháng" and anything else are not, because how many working days a calendar period holds
  depends on when it starts (weekends, Tết): the channel keeps our value and the package is
  flagged for an official.
- It downloads no form template (R-NAT-043 is not done yet).
"""

import datetime
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.integrations.national.client import NationalClient, Reply
from tinhso.procedures import versions
from tinhso.procedures.models import COMPONENTS, Procedure, ProcedureSnapshot
from tinhso.text import fold

logger = logging.getLogger(__name__)

LIST_ROUTE = "catalogue/LayDanhSachTTHCDonVi"
PACKAGE_ROUTE = "catalogue/LayThuTuc"
DECISION_ROUTE = "catalogue/LayQDCB"
COUNTER, ONLINE = "1", "2"  # KENH: 1 at the counter, 2 online, 3 by post (spec §3.3)

# DONVITINH (free text, R-NAT-042) → working days per unit; a unit not here is not applied.
UNITS: dict[str, Decimal] = {
    "ngay lam viec": Decimal(1),
    "ngay lam viec hanh chinh": Decimal(1),
    "gio": Decimal(1) / Decimal(8),  # office hours: 8 a working day (WORKING_MINUTES_PER_DAY)
    "gio lam viec": Decimal(1) / Decimal(8),
}


# --- the package as plain values ---------------------------------------------------------------


@dataclass
class Mapped:
    """A package read: the facts to apply, and what an official must look at."""

    facts: versions.NationalFacts
    review: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _number(value: Any) -> Decimal | None:
    """A number sent as a string or a number (R-NAT-002); a decimal comma is read as a point."""
    text = _text(value).replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _money(value: Any) -> int | None:
    """Integer đồng from 50000, "50000", "50.000", "50,000 đồng" or "Miễn phí" (0); None when
    it cannot be read. Dots and commas between groups of three digits separate thousands (the
    Vietnamese way), never decimals: fees are whole đồng."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if value >= 0 else None
    text = re.sub(r"\s*(dong|vnd|d)$", "", fold(_text(value))).strip()
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        return int(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(Decimal(text))
    if text.startswith("mien"):
        return 0
    return None


def _days(amount: Any, unit: Any) -> Decimal | None:
    per_unit = UNITS.get(" ".join(fold(_text(unit)).split()))
    number = _number(amount)
    if per_unit is None or number is None:
        return None
    return (number * per_unit).quantize(Decimal("0.01"))


def _channel(
    package: dict[str, Any], kenh: str, review: list[str]
) -> tuple[Decimal | None, int | None]:
    """The time limit (working days) and the fee (sum of the channel's PHILEPHI) of one channel,
    from its first THOIGIAN entry (further entries describe other cases: flagged)."""
    channel = next(
        (c for c in _list(package.get("CACHTHUCTHUCHIEN")) if _text(c.get("KENH")) == kenh), None
    )
    if channel is None:
        return None, None
    times = _list(channel.get("THOIGIAN"))
    if not times:
        return None, None
    first = times[0]
    if len(times) > 1:
        review.append(
            _("Kênh %(kenh)s có %(n)s thời hạn (nhiều trường hợp): đã dùng thời hạn đầu tiên.")
            % {"kenh": kenh, "n": len(times)}
        )
    days = _days(first.get("THOIGIANGIAIQUYET"), first.get("DONVITINH"))
    if days is None:
        review.append(
            _(
                "Kênh %(kenh)s: thời hạn “%(amount)s %(unit)s” không quy đổi được ra ngày làm "
                "việc; chưa áp dụng, cần cán bộ xem xét."
            )
            % {
                "kenh": kenh,
                "amount": _text(first.get("THOIGIANGIAIQUYET")),
                "unit": _text(first.get("DONVITINH")) or "?",
            }
        )
    fees = [_money(f.get("SOTIEN")) for f in _list(first.get("PHILEPHI"))]
    if any(f is None for f in fees):
        review.append(_("Kênh %(kenh)s: có mức phí không đọc được; chưa áp dụng.") % {"kenh": kenh})
        return days, None
    return days, sum(f for f in fees if f is not None)


def _documents(package: dict[str, Any]) -> tuple[versions.DocumentFact, ...] | None:
    """Every GIAYTO of every case, once per name, in order."""
    out: list[versions.DocumentFact] = []
    seen: set[str] = set()
    for case in _list(package.get("THANHPHANHOSO")):
        for paper in _list(case.get("GIAYTO")):
            name = _text(paper.get("TENGIAYTO"))
            key = fold(name)
            if not name or key in seen:
                continue
            seen.add(key)
            originals = _number(paper.get("SOBANCHINH"))
            copies = _number(paper.get("SOBANSAO"))
            quantity = min(int(originals or copies or 1), 99)  # a small field; junk is capped
            out.append(
                versions.DocumentFact(
                    code=_text(paper.get("MAGIAYTO")),
                    name=name,
                    original=bool(originals) or not copies,
                    quantity=quantity,
                )
            )
    return tuple(out) or None


def _legal_basis(package: dict[str, Any]) -> str | None:
    texts = []
    for doc in _list(package.get("CANCUPHAPLY")):
        number, title = _text(doc.get("SOVANBAN")), _text(doc.get("TENVANBAN"))
        texts.append(title if number in title else f"{title} ({number})" if title else number)
    return "; ".join(t for t in texts if t) or None


def _name(package: dict[str, Any]) -> str | None:
    """TENTTHC without a leading "Thủ tục" (our files drop it, docs/catalogue.md)."""
    name = _text(package.get("TENTTHC"))
    name = re.sub(r"^th[uủ] t[uụ]c\s+", "", name, flags=re.IGNORECASE).strip()
    return name[:1].upper() + name[1:] if name else None


def package_facts(package: dict[str, Any]) -> Mapped:
    """The national facts of one package (``result[0]`` of LayThuTuc, spec §3.3)."""
    review: list[str] = []
    counter_days, counter_fee = _channel(package, COUNTER, review)
    online_days, online_fee = _channel(package, ONLINE, review)
    documents = _documents(package)
    legal = _legal_basis(package)
    applicants = tuple(
        t
        for t in (_text(d.get("TENDOITUONG")) for d in _list(package.get("DOITUONGTHUCHIEN")))
        if t
    )
    steps = [
        s
        for case in _list(package.get("TRINHTUTHUCHIEN"))
        for s in _list(case.get("TRINHTU"))
        if _text(s.get("TENTRINHTU"))
    ]
    agencies = _list(package.get("COQUANTHUCHIEN")) or _list(package.get("COQUANCOTHAMQUYEN"))
    results = [r for r in _list(package.get("KETQUATHUCHIEN")) if _text(r.get("TENKETQUA"))]
    timed = any(
        _text(t.get("THOIGIANGIAIQUYET"))
        for c in _list(package.get("CACHTHUCTHUCHIEN"))
        for t in _list(c.get("THOIGIAN"))
    )
    present = {
        "name": bool(_name(package)),
        "steps": bool(steps),
        "time_limit": timed,  # published, whether or not we could convert its unit
        "documents": documents is not None,
        "agency": bool(agencies),
        "applicants": bool(applicants),
        "result": bool(results),
        "legal_basis": legal is not None,
    }
    missing = tuple(str(COMPONENTS[key]) for key, ok in present.items() if not ok)
    for label in missing:
        review.append(_("Gói thủ tục thiếu bộ phận cấu thành: %(part)s.") % {"part": label})
    facts = versions.NationalFacts(
        name=_name(package),
        processing_days=counter_days,
        processing_days_online=online_days,
        fee=counter_fee,
        fee_online=online_fee,
        documents=documents,
        legal_basis=legal,
        applicant_types=applicants or None,
        missing=missing,
    )
    return Mapped(facts, review)


def _date(value: Any) -> datetime.date | None:
    """yyyyMMdd (or the first 8 digits of yyyyMMddHHmmss, R-NAT-001); "" or junk → None."""
    digits = _text(value)[:8]
    try:
        return datetime.datetime.strptime(digits, "%Y%m%d").date()  # noqa: DTZ007 (a date)
    except ValueError:
        return None


def publication_facts(package: dict[str, Any], decision: dict[str, Any]) -> versions.Publication:
    """The decision (LayQDCB: fields ours, UNCONFIRMED in the spec) with the package's number as a
    fallback."""
    return versions.Publication(
        decision_number=(_text(decision.get("SOQUYETDINH")) or _text(package.get("QUYETDINH")))[
            :100
        ],
        decision_date=_date(decision.get("NGAYBANHANH")),
        effective_on=_date(decision.get("NGAYHIEULUC")),
        published_on=_date(decision.get("NGAYCONGKHAI")),
    )


def digest(package: Any) -> str:
    canonical = json.dumps(package, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- the run ----------------------------------------------------------------------------------


@dataclass
class CatalogueReport:
    listed: int = 0  # codes in the national list (0 when only given codes were fetched)
    fetched: int = 0
    unchanged: int = 0
    snapshots: int = 0
    new_versions: int = 0
    published: int = 0  # changed packages whose facts equal ours: publication facts recorded
    unknown: int = 0  # procedures of the national list we do not hold
    flagged: int = 0  # packages with something for an official to review
    not_in_use: int = 0
    back_in_use: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = _(
            "Đồng bộ danh mục TTHC: %(fetched)s gói đã đọc (%(listed)s trong danh sách), "
            "%(unchanged)s không đổi, %(snapshots)s bản lưu mới, %(new)s phiên bản mới, "
            "%(unknown)s thủ tục chưa có trong danh mục, %(flagged)s cần xem xét, "
            "%(dropped)s ngừng sử dụng, %(failed)s lỗi."
        ) % {
            "fetched": self.fetched,
            "listed": self.listed,
            "unchanged": self.unchanged,
            "snapshots": self.snapshots,
            "new": self.new_versions,
            "unknown": self.unknown,
            "flagged": self.flagged,
            "dropped": self.not_in_use,
            "failed": self.failed,
        }
        if self.errors:
            text += " " + "; ".join(self.errors[:5])
        return text


def _result_list(reply: Reply) -> list[Any]:
    result = reply.result
    if isinstance(result, dict):
        result = result.get("result", [result])
    return result if isinstance(result, list) else []


def _first(reply: Reply) -> dict[str, Any] | None:
    items = [r for r in _result_list(reply) if isinstance(r, dict)]
    return items[0] if items else None


def _failure(reply: Reply, what: str) -> str:
    return f"{what}: {reply.kind} {reply.code} {reply.message[:200]}".strip()


class CatalogueGateway(Protocol):
    """What the import needs of the national client (``NationalClient.gateway``)."""

    def gateway(
        self,
        method: Literal["GET", "PUT", "POST"],
        route: str,
        *,
        service: str,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        key: str = "",
        attempt: int = 1,
    ) -> Reply: ...


def sync(
    *, codes: list[str] | None = None, client: CatalogueGateway | None = None
) -> CatalogueReport:
    """Import the catalogue: the unit's whole list (and R-NAT-041 on what is missing from it), or
    only ``codes``. A failed list fetch changes nothing; a failed package is counted and skipped.
    Each package is applied in its own transaction."""
    client = client or NationalClient()
    report = CatalogueReport()
    if codes is None:
        unit = settings.TINHSO_NATIONAL_CATALOGUE_UNIT
        reply = client.gateway(
            "GET", LIST_ROUTE, service="LayDanhSachTTHCDonVi", params={"maDonVi": unit}, key=unit
        )
        if not reply.ok:
            report.failed += 1
            report.errors.append(_failure(reply, "LayDanhSachTTHCDonVi"))
            return report
        listed = [
            _text(item.get("MATTHC"))
            for item in _result_list(reply)
            if isinstance(item, dict) and _text(item.get("MATTHC"))
        ]
        todo = list(dict.fromkeys(listed))
        report.listed = len(todo)
        report.not_in_use, report.back_in_use = versions.set_in_use(listed=set(todo))
    else:
        todo = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    for code in todo:
        try:
            _import_one(client, code, report)
        except Exception as exc:  # one bad package must not stop the night's import
            logger.exception("Catalogue import of %s failed", code)
            report.failed += 1
            report.errors.append(f"{code}: {type(exc).__name__}: {exc}"[:300])
    return report


def _import_one(client: CatalogueGateway, code: str, report: CatalogueReport) -> None:
    reply = client.gateway(
        "GET", PACKAGE_ROUTE, service="LayThuTuc", params={"maTTHC": code}, key=code
    )
    package = _first(reply) if reply.ok else None
    if package is None:
        report.failed += 1
        report.errors.append(_failure(reply, f"LayThuTuc {code}"))
        return
    report.fetched += 1
    now = timezone.now()
    sha = digest(package)
    procedure = Procedure.objects.filter(code=code).first()
    last = ProcedureSnapshot.objects.filter(code=code).order_by("-fetched_at", "-id").first()
    holder = procedure.pk if procedure is not None else None
    if last is not None and last.sha256 == sha and last.procedure_id == holder:
        report.unchanged += 1
        if procedure is None:
            report.unknown += 1
        else:
            Procedure.objects.filter(pk=procedure.pk).update(national_synced_at=now)
        return
    decision: dict[str, Any] = {}
    decision_id = _text(package.get("IDQUYETDINHCONGBO"))
    if decision_id:
        answer = client.gateway(
            "GET", DECISION_ROUTE, service="LayQDCB", params={"idQDCB": decision_id}, key=code
        )
        decision = (_first(answer) or {}) if answer.ok else {}
        if not answer.ok:
            report.errors.append(_failure(answer, f"LayQDCB {decision_id}"))
    mapped = package_facts(package)
    publication = publication_facts(package, decision)
    with transaction.atomic():
        applied = None
        if procedure is not None:
            applied = versions.apply_national(
                procedure, mapped.facts, publication, fetched_on=timezone.localdate(now)
            )
            Procedure.objects.filter(pk=procedure.pk).update(national_synced_at=now)
        ProcedureSnapshot.objects.create(
            code=code,
            procedure=procedure,
            fetched_at=now,
            sha256=sha,
            package=package,
            decision=decision,
            version=applied.version if applied else None,
            new_version=bool(applied and applied.created),
            review=mapped.review,
        )
    report.snapshots += 1
    if procedure is None:
        report.unknown += 1
    elif applied is not None and applied.created:
        report.new_versions += 1
    else:
        report.published += 1
    if mapped.review:
        report.flagged += 1


# --- what the operations page shows -----------------------------------------------------------


@dataclass(frozen=True)
class HeldProcedure:
    code: str
    name: str
    in_use: bool
    synced_at: datetime.datetime | None
    version: int
    decision_number: str
    decision_date: datetime.date | None
    effective_on: datetime.date | None
    published_on: datetime.date | None
    missing: list[str]


@dataclass(frozen=True)
class Flagged:
    code: str
    name: str
    fetched_at: datetime.datetime
    held: bool
    review: list[str]


@dataclass(frozen=True)
class CatalogueStatus:
    last_sync: datetime.datetime | None
    procedures: list[HeldProcedure]
    review: list[Flagged]  # the latest package of a procedure we hold has something to look at
    unknown: list[Flagged]  # in the national list, not in our catalogue


def status() -> CatalogueStatus:
    """The catalogue section of the operations page: per procedure its latest version's
    publication facts and last sync, what needs an official's review, and the national procedures
    we do not hold (each from its latest snapshot). A few queries, whatever the catalogue's size."""
    latest_ids: dict[str, int] = {}
    for pk, code in ProcedureSnapshot.objects.order_by("code", "-fetched_at", "-id").values_list(
        "pk", "code"
    ):
        latest_ids.setdefault(code, pk)
    snapshots = ProcedureSnapshot.objects.filter(pk__in=latest_ids.values()).order_by("code")
    review, unknown = [], []
    for snap in snapshots:
        package = snap.package if isinstance(snap.package, dict) else {}
        item = Flagged(
            snap.code,
            _text(package.get("TENTTHC")),
            snap.fetched_at,
            snap.procedure_id is not None,
            [str(line) for line in snap.review],
        )
        if snap.procedure_id is None:
            unknown.append(item)
        elif snap.review:
            review.append(item)
    procedures = []
    for procedure in Procedure.objects.order_by("code").prefetch_related("versions"):
        version = max(procedure.versions.all(), key=lambda v: v.version, default=None)
        if version is None:
            continue
        procedures.append(
            HeldProcedure(
                code=procedure.code,
                name=version.name,
                in_use=procedure.in_use,
                synced_at=procedure.national_synced_at,
                version=version.version,
                decision_number=version.decision_number,
                decision_date=version.decision_date,
                effective_on=version.decision_effective_on,
                published_on=version.published_on,
                missing=[str(m) for m in version.national_missing or []],
            )
        )
    synced = [p.synced_at for p in procedures if p.synced_at is not None]
    return CatalogueStatus(max(synced, default=None), procedures, review, unknown)
