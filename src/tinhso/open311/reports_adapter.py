"""The Open311 protocol over the province's reports: the real :class:`Open311Adapter`, installed
by ``Open311Config.ready``. Every use case goes through ``tinhso.reports.services`` (atomic,
audited); this module only maps GeoReport v2's vocabulary onto it (R-NAT-092):

- a service is an active category (``service_code`` = its stable slug, ``group`` its group);
- a request is a **public** report (never a private or rejected one, never the reporter's name,
  phone or e-mail); statuses received … in progress → ``open``, the rest → ``closed``; the
  Vietnamese status label and, once answered, the agency's answer go in ``status_notes``; the due
  date is ``expected_datetime``;
- a POST files a report with source ``open311`` and the key's client name; the client vouches for
  its reporter's contact (no phone code, unlike the portal's anonymous reports);
- an update (FixMyStreet's extension) is recorded once per client and ``update_id``.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.open311.adapter import (
    ApiClient,
    NewRequest,
    NewUpdate,
    Open311Error,
    Request,
    RequestFilters,
    Service,
    ServiceDefinition,
    Status,
)
from tinhso.reports import services
from tinhso.reports.errors import NotFound, ReportError
from tinhso.reports.models import OPEN_STATUSES, Category, Report, open311_status


def _error(exc: ReportError) -> Open311Error:
    status = 404 if isinstance(exc, NotFound) else 400
    return Open311Error(status, str(exc))


def _public() -> QuerySet[Report]:
    return (
        Report.objects.filter(private=False)
        .exclude(status=Report.Status.REJECTED)
        .select_related("category", "agency")
    )


def _notes(report: Report) -> str:
    label = str(report.get_status_display())
    if report.answer and report.status not in OPEN_STATUSES:
        return f"{label}: {report.answer}"
    return label


def _request(report: Report) -> Request:
    status: Status = "open" if open311_status(report.status) == "open" else "closed"
    return Request(
        service_request_id=report.public_id,
        status=status,
        service_code=report.category.code,
        service_name=report.category.name,
        requested_datetime=report.received_at,
        updated_datetime=report.updated_at,
        expected_datetime=report.due_at if status == "open" else None,
        status_notes=_notes(report),
        description=report.description,
        agency_responsible=report.agency.name if report.agency else "",
        address=report.address,
        lat=float(report.lat) if report.lat is not None else None,
        long=float(report.lon) if report.lon is not None else None,
    )


class ReportsAdapter:
    """:class:`tinhso.open311.adapter.Open311Adapter` over ``tinhso.reports``."""

    def services(self) -> list[Service]:
        return [
            Service(
                service_code=c.code,
                service_name=c.name,
                description=c.description,
                metadata=False,  # no category asks extra questions (attributes) yet
                keywords=tuple(k.strip() for k in c.keywords.split(",") if k.strip()),
                group=c.group,
            )
            for c in Category.objects.filter(is_active=True).order_by("order", "name")
        ]

    def service(self, code: str) -> ServiceDefinition | None:
        if not Category.objects.filter(code=code, is_active=True).exists():
            return None
        return ServiceDefinition(service_code=code)

    def create(self, params: NewRequest, client: ApiClient | None, citizen: User | None) -> str:
        name = " ".join(p for p in (params.first_name, params.last_name) if p.strip())
        data = services.NewReport(
            category=params.service_code,
            description=params.description,
            lat=params.lat,
            lon=params.long,
            address=params.address_string,
            contact_name=name,
            contact_phone=params.phone,
            source=Report.Source.OPEN311,
            client=client.name if client else "",
        )
        try:
            report = services.file_report(data=data, reporter=citizen)
        except ReportError as exc:
            raise _error(exc) from None
        return report.public_id

    def get(self, ids: list[str]) -> list[Request]:
        found = {r.public_id: r for r in _public().filter(public_id__in=ids)}
        return [_request(found[i]) for i in ids if i in found]

    def search(self, filters: RequestFilters) -> list[Request]:
        rows = _public().filter(received_at__gte=filters.start, received_at__lte=filters.end)
        if filters.service_codes:
            rows = rows.filter(category__code__in=filters.service_codes)
        if filters.statuses == ("open",):
            rows = rows.filter(status__in=OPEN_STATUSES)
        elif filters.statuses == ("closed",):
            rows = rows.exclude(status__in=OPEN_STATUSES)
        return [_request(r) for r in rows.order_by("-received_at", "-pk")[: filters.limit]]

    def add_update(self, update: NewUpdate, client: ApiClient) -> tuple[str, bool]:
        report = _public().filter(public_id=update.service_request_id).first()
        if report is None:
            raise Open311Error(404, _("Không tìm thấy phản ánh với mã này."))
        try:
            result = services.add_update(
                report=report,
                source=f"open311:{client.name}",
                external_id=update.update_id,
                description=update.description,
                status=update.status,
                at=update.updated_datetime,
            )
        except ReportError as exc:
            raise _error(exc) from None
        return result.update.external_id, result.created
