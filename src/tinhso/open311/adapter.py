"""What the Open311 protocol layer needs from the reports core, and nothing more.

The protocol (routes, parsing, formats, keys) lives in this app; what a report *is* lives in
``tinhso.reports``. The two meet here: the views speak only to an :class:`Open311Adapter`, set
once at start-up with :func:`set_adapter` (the real adapter over the reports services, kept in
this app since open311 sits above reports in the layers, and installed by its ``ready()``). The
dataclasses are plain values in GeoReport v2's own vocabulary, so the adapter does the mapping
of statuses (R-NAT-092: received … in-progress → ``open``; answered, resolved, rejected →
``closed``), categories and agencies, and the views do the rest of the protocol.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from tinhso.accounts.models import User

Status = Literal["open", "closed"]
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
ServiceType = Literal["realtime", "batch", "blackbox"]


class Open311Error(Exception):
    """Input the adapter refuses (a pin outside the province, an unknown request …).

    ``code`` is what the GeoReport error body carries (``[{"code", "description"}]``); by this
    project's convention it is the HTTP status, which ``status`` is when not given. The
    description is shown to the client's user: Vietnamese, translated with ``gettext``."""

    def __init__(self, code: int, description: str, status: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status if status is not None else code


@dataclass(frozen=True)
class Service:
    """One line of ``services.{fmt}``: a category citizens may report."""

    service_code: str
    service_name: str
    description: str = ""
    metadata: bool = False  # True when services/{code} has attributes to ask
    type: ServiceType = "realtime"
    keywords: tuple[str, ...] = ()
    group: str = ""


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    """A question the service asks (``attribute[code]=value`` on POST)."""

    code: str
    datatype: Datatype
    description: str  # the question, shown to the citizen
    required: bool = False
    variable: bool = True  # False: an informational line, never answered
    datatype_description: str = ""
    order: int = 0
    values: tuple[AttributeValue, ...] = ()


@dataclass(frozen=True)
class ServiceDefinition:
    service_code: str
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class Request:
    """A service request as GeoReport shows it: never the reporter's name, phone or e-mail."""

    service_request_id: str
    status: Status
    service_code: str
    service_name: str
    requested_datetime: datetime.datetime
    updated_datetime: datetime.datetime | None = None
    expected_datetime: datetime.datetime | None = None
    status_notes: str = ""
    description: str = ""
    agency_responsible: str = ""
    service_notice: str = ""
    address: str = ""
    address_id: str = ""
    zipcode: str = ""
    lat: float | None = None
    long: float | None = None
    media_url: str = ""


@dataclass(frozen=True)
class NewRequest:
    """A POSTed request, already checked by the protocol layer: the service exists, the
    attributes are its own with values of their datatype, a location is given, the e-mail and
    URL are well formed. The adapter checks what only the domain knows (the place is inside the
    province, the category accepts reports now …) and raises :class:`Open311Error`."""

    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)  # code → value(s)
    description: str = ""
    media_url: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class RequestFilters:
    """``requests.{fmt}`` GET after the window rules: ``start <= requested_datetime < end``
    (``end`` inclusive to the second the client gave), newest first, at most ``limit``."""

    start: datetime.datetime
    end: datetime.datetime
    service_codes: tuple[str, ...] = ()  # empty: every service
    statuses: tuple[Status, ...] = ()  # empty: both
    limit: int = 1000


@dataclass(frozen=True)
class NewUpdate:
    """An update from a configured outside system (FixMyStreet's ``servicerequestupdates``).
    ``update_id`` is the sender's own id: the adapter stores it and, seeing it again for the same
    client, answers the id it already has with ``created=False`` (R-NAT-094)."""

    service_request_id: str
    update_id: str
    updated_datetime: datetime.datetime
    status: Status
    description: str
    media_url: str = ""
    external_status_code: str = ""


@dataclass(frozen=True)
class ApiClient:
    """The client application a valid API key belongs to (``ApiKey`` without its secret)."""

    key_id: int
    name: str
    prefix: str


class Open311Adapter(Protocol):
    """The reports core as the protocol sees it. Every method is synchronous; a refused input
    raises :class:`Open311Error`; anything else raised is a server fault (500)."""

    def services(self) -> list[Service]:
        """Every category a client may report in, in display order."""
        ...

    def service(self, code: str) -> ServiceDefinition | None:
        """The attributes of one service, or ``None`` for an unknown code."""
        ...

    def create(self, params: NewRequest, client: ApiClient | None, citizen: User | None) -> str:
        """File the request at once (realtime: the answer carries its id, no token) and return
        its ``service_request_id``. ``client`` is the key's application; ``citizen`` is reserved
        for a signed-in citizen's token (the views pass ``None``: the API key is the only
        credential of this protocol here). Atomic and audited in the reports services."""
        ...

    def get(self, ids: list[str]) -> list[Request]:
        """The public requests among ``ids`` (unknown or private ones are left out), in the
        order given."""
        ...

    def search(self, filters: RequestFilters) -> list[Request]:
        """Public requests matching ``filters``, newest first, at most ``filters.limit``."""
        ...

    def add_update(self, update: NewUpdate, client: ApiClient) -> tuple[str, bool]:
        """Apply an outside system's update; ``(update_id, created)``. A repeated ``update_id``
        from the same client changes nothing and answers ``(its update_id, False)``."""
        ...


_adapter: Open311Adapter | None = None


def set_adapter(adapter: Open311Adapter | None) -> None:
    """Install the adapter (``Open311Config.ready()``; tests install their own)."""
    global _adapter
    _adapter = adapter


def adapter() -> Open311Adapter | None:
    """The installed adapter, or ``None`` while none is (the views then answer 503)."""
    return _adapter
