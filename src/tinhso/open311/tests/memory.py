"""An in-memory Open311 adapter for the protocol's tests (never shipped in the app): a few
services, requests kept in a dict, a province box for pins, idempotent updates per client."""

import datetime
import itertools
from dataclasses import dataclass, field, replace

from django.utils import timezone

from tinhso.open311.adapter import (
    ApiClient,
    Attribute,
    AttributeValue,
    NewRequest,
    NewUpdate,
    Open311Error,
    Request,
    RequestFilters,
    Service,
    ServiceDefinition,
)

BOX = (9.5, 10.5, 105.5, 106.8)  # lat min/max, long min/max: a province in the Mekong delta

SERVICES = [
    Service(
        "ngap-duong",
        "Ngập đường",
        "Đường bị ngập nước",
        True,
        "realtime",
        ("ngập", "mưa"),
        "Hạ tầng",
    ),
    Service(
        "den-duong", "Đèn đường hỏng", "Đèn chiếu sáng không sáng", False, "realtime", (), "Hạ tầng"
    ),
    Service("xam-nhap-man", "Xâm nhập mặn", "", True, "realtime", (), "Môi trường"),
]
DEFINITIONS = {
    "ngap-duong": ServiceDefinition(
        "ngap-duong",
        (
            Attribute(
                "muc-nuoc",
                "singlevaluelist",
                "Mực nước",
                required=True,
                order=1,
                values=(AttributeValue("mat-ca", "Đến mắt cá"), AttributeValue("goi", "Đến gối")),
            ),
            Attribute(
                "phuong-tien",
                "multivaluelist",
                "Phương tiện không qua được",
                order=2,
                values=(AttributeValue("xe-may", "Xe máy"), AttributeValue("o-to", "Ô tô")),
            ),
            Attribute("sau-cm", "number", "Độ sâu (cm)", order=3),
            Attribute("tu-luc", "datetime", "Ngập từ lúc", order=4),
            Attribute("ghi-chu", "text", "Ghi chú", order=5),
            Attribute("luu-y", "string", "Đọc kỹ trước khi gửi", variable=False, order=0),
        ),
    ),
    "den-duong": ServiceDefinition("den-duong"),
    "xam-nhap-man": ServiceDefinition(
        "xam-nhap-man", (Attribute("do-man", "number", "Độ mặn (‰)", required=True),)
    ),
}


@dataclass
class Stored:
    request: Request
    params: NewRequest | None
    client: str | None


@dataclass
class MemoryAdapter:
    requests: dict[str, Stored] = field(default_factory=dict)
    updates: dict[tuple[int, str], str] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def services(self) -> list[Service]:
        return list(SERVICES)

    def service(self, code: str) -> ServiceDefinition | None:
        return DEFINITIONS.get(code)

    def create(self, params: NewRequest, client: ApiClient | None, citizen) -> str:
        if params.lat is not None and params.long is not None:
            lat_min, lat_max, long_min, long_max = BOX
            if not (lat_min <= params.lat <= lat_max and long_min <= params.long <= long_max):
                raise Open311Error(400, "Vị trí nằm ngoài tỉnh.")
        service = next(s for s in SERVICES if s.service_code == params.service_code)
        request_id = f"PA-{next(self.counter):05d}"
        now = timezone.now()
        self.requests[request_id] = Stored(
            Request(
                service_request_id=request_id,
                status="open",
                service_code=service.service_code,
                service_name=service.service_name,
                requested_datetime=now,
                updated_datetime=now,
                expected_datetime=now + datetime.timedelta(days=10),
                status_notes="Đã tiếp nhận",
                description=params.description,
                agency_responsible="Sở Xây dựng",
                service_notice="Trả lời trong 10 ngày làm việc",
                address=params.address_string,
                address_id=params.address_id,
                lat=params.lat,
                long=params.long,
                media_url=params.media_url,
            ),
            params,
            client.name if client else None,
        )
        return request_id

    def add(self, request: Request) -> Request:
        """Test setup: a request filed at a chosen time."""
        self.requests[request.service_request_id] = Stored(request, None, None)
        return request

    def get(self, ids: list[str]) -> list[Request]:
        return [self.requests[i].request for i in ids if i in self.requests]

    def search(self, filters: RequestFilters) -> list[Request]:
        found = [
            stored.request
            for stored in self.requests.values()
            if filters.start <= stored.request.requested_datetime <= filters.end
            and (not filters.service_codes or stored.request.service_code in filters.service_codes)
            and (not filters.statuses or stored.request.status in filters.statuses)
        ]
        found.sort(key=lambda r: r.requested_datetime, reverse=True)
        return found[: filters.limit]

    def add_update(self, update: NewUpdate, client: ApiClient) -> tuple[str, bool]:
        key = (client.key_id, update.update_id)
        if key in self.updates:
            return self.updates[key], False
        stored = self.requests.get(update.service_request_id)
        if stored is None:
            raise Open311Error(404, "Không có yêu cầu này.")
        stored.request = replace(
            stored.request,
            status=update.status,
            status_notes=update.description,
            updated_datetime=update.updated_datetime,
        )
        self.updates[key] = update.update_id
        return update.update_id, True
