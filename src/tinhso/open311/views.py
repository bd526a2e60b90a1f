"""``/open311/v2/``: the GeoReport v2 routes (docs/open311.md).

Every route takes a format suffix (``.json`` or ``.xml``) and answers in it, errors included
(``[{"code", "description"}]`` / ``<errors><error>…``). Reads are public and carry
``Access-Control-Allow-Origin: *`` (no credentials are ever read on them). POSTs are
authenticated by the client application's API key only: the views never look at a session, so a
signed-in browser gains nothing here. The domain is reached only through the adapter
(``tinhso.open311.adapter``)."""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tinhso.open311 import parsing, render
from tinhso.open311.adapter import (
    ApiClient,
    NewRequest,
    NewUpdate,
    Open311Adapter,
    Open311Error,
    RequestFilters,
    Status,
    adapter,
)
from tinhso.open311.services import client_for_key

View = Callable[..., HttpResponse]
ERROR_ATTRIBUTE = "_open311_error"  # the view's own error answer, for the middleware's hook

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]

#: FixMyStreet's update statuses (its Open311 updates extension), mapped to GeoReport's two.
UPDATE_STATUSES: dict[str, Status] = {
    "open": "open",
    "investigating": "open",
    "in_progress": "open",
    "action_scheduled": "open",
    "closed": "closed",
    "fixed": "closed",
    "duplicate": "closed",
    "not_councils_responsibility": "closed",
    "no_further_action": "closed",
    "internal_referral": "closed",
}


def _fmt(path: str) -> str:
    return "xml" if path.endswith(".xml") else "json"


def _error(request: HttpRequest, fmt: str, exc: Open311Error) -> HttpResponse:
    response = render.errors(fmt, exc.status, [exc.description], exc.code)
    # MalformedInputMiddleware re-answers every non-JSON 4xx under /open311/ through our
    # registered hook (bad_input); the hook gives back this very answer instead of a generic one.
    setattr(request, ERROR_ATTRIBUTE, response)
    return response


def bad_input(request: HttpRequest, status: int, message: str, field: str | None) -> HttpResponse:
    """The GeoReport error form for what the middleware refuses or re-answers under
    ``/open311/`` (a NUL byte, undecodable bytes, an unknown path or format …), registered in
    ``Open311Config.ready()``. A view's own error passes through unchanged."""
    own = getattr(request, ERROR_ATTRIBUTE, None)
    if isinstance(own, HttpResponse) and own.status_code == status:
        return own
    response = render.errors(_fmt(request.path), status, [message])
    if request.method in ("GET", "HEAD"):
        response["Access-Control-Allow-Origin"] = "*"
    return response


def endpoint(*methods: str) -> Callable[[View], View]:
    """The protocol around a view: the method check (405 with ``Allow``), the adapter (503 when
    none is installed), refused input as GeoReport errors, CORS on reads and no-store on POST
    answers (they may echo the client's ``account_id``)."""

    allowed = sorted({*methods, "HEAD"} if "GET" in methods else set(methods))

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in allowed:
                    raise Open311Error(
                        405,
                        _("Địa chỉ này không nhận phương thức %(method)s.")
                        % {"method": request.method},
                    )
                installed = adapter()
                if installed is None:
                    raise Open311Error(503, _("Dịch vụ Open311 chưa sẵn sàng."))
                response = view(request, installed, fmt, **kwargs)
            except Open311Error as exc:
                response = _error(request, fmt, exc)
            if response.status_code == 405:
                response["Allow"] = ", ".join(allowed)
            if request.method in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"
            else:
                response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorate


def _client(request: HttpRequest) -> ApiClient:
    """The application whose ``api_key`` is in the POST body; 403 otherwise."""
    client = client_for_key(request.POST.get("api_key", "").strip())
    if client is None:
        raise Open311Error(403, _("Thiếu khóa API hoặc khóa không hợp lệ."))
    return client


# --- Discovery and services ------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, api: Open311Adapter, fmt: str) -> HttpResponse:
    site = str(getattr(settings, "TINHSO_SITE_URL", "") or "").rstrip("/")
    base = (site or request.build_absolute_uri("/").rstrip("/")) + "/open311/v2"
    changeset = settings.TINHSO_OPEN311_CHANGESET
    row = {
        "changeset": changeset,
        "contact": settings.TINHSO_OPEN311_CONTACT,
        "key_service": settings.TINHSO_OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": settings.TINHSO_OPEN311_ENDPOINT_TYPE,
                "formats": FORMATS,
            }
        ],
    }
    return render.answer(fmt, "discovery", row)


@endpoint("GET")
def services(request: HttpRequest, api: Open311Adapter, fmt: str) -> HttpResponse:
    return render.answer(fmt, "services", [render.service_row(s) for s in api.services()])


@endpoint("GET")
def service_definition(
    request: HttpRequest, api: Open311Adapter, fmt: str, service_code: str
) -> HttpResponse:
    definition = api.service(service_code)
    if definition is None:
        raise Open311Error(404, _("Không có dịch vụ %(code)s.") % {"code": service_code})
    return render.answer(fmt, "service_definition", render.definition_row(definition))


# --- Requests --------------------------------------------------------------------------------


@csrf_exempt  # a key-authenticated protocol endpoint: no cookie is read, so no CSRF to forge
@endpoint("GET", "POST")
def requests(request: HttpRequest, api: Open311Adapter, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, api, fmt)
    return _search(request, api, fmt)


def _search(request: HttpRequest, api: Open311Adapter, fmt: str) -> HttpResponse:
    query = request.GET
    if query.get("service_request_id", "").strip():  # overrides every other filter
        found = api.get(parsing.ids(query["service_request_id"]))
    else:
        start, end = parsing.window(query.get("start_date", ""), query.get("end_date", ""))
        filters = RequestFilters(
            start=start,
            end=end,
            service_codes=tuple(parsing.comma_list(query.get("service_code", ""))),
            statuses=parsing.statuses(query.get("status", "")),
            limit=parsing.MAX_RESULTS,
        )
        found = api.search(filters)[: parsing.MAX_RESULTS]
    return render.answer(fmt, "service_requests", [render.request_row(r) for r in found])


def _create(request: HttpRequest, api: Open311Adapter, fmt: str) -> HttpResponse:
    client = _client(request)
    params = _new_request(request, api)
    request_id = api.create(params, client, None)
    created = api.get([request_id])
    notice = created[0].service_notice if created else ""
    row = {
        "service_request_id": request_id,
        "service_notice": notice,
        "account_id": params.account_id or None,
    }
    return render.answer(fmt, "service_requests", [row], 201)


def _new_request(request: HttpRequest, api: Open311Adapter) -> NewRequest:
    """The POSTed fields, checked as the protocol defines them (the adapter checks the rest)."""
    data = request.POST
    code = data.get("service_code", "").strip()
    if not code:
        raise parsing.bad(_("Thiếu service_code."))
    definition = api.service(code)
    if definition is None:
        raise parsing.bad(_("Không có dịch vụ %(code)s.") % {"code": code})
    lat, lon = parsing.coordinates(data.get("lat", ""), data.get("long", ""))
    address = parsing.text(data.get("address_string", ""), "address_string", parsing.MAX_STRING)
    address_id = parsing.text(data.get("address_id", ""), "address_id", 100)
    if lat is None and not address and not address_id:
        raise parsing.bad(_("Cần vị trí: lat và long, hoặc address_string."))
    return NewRequest(
        service_code=code,
        lat=lat,
        long=lon,
        address_string=address,
        address_id=address_id,
        attributes=parsing.attributes(data, definition),
        description=parsing.text(
            data.get("description", ""), "description", parsing.MAX_TEXT, html=False
        ),
        media_url=_url(data.get("media_url", "")),
        email=_email(data.get("email", "")),
        device_id=parsing.text(data.get("device_id", ""), "device_id", 100),
        account_id=parsing.text(data.get("account_id", ""), "account_id", 100),
        first_name=parsing.text(data.get("first_name", ""), "first_name", 100),
        last_name=parsing.text(data.get("last_name", ""), "last_name", 100),
        phone=parsing.text(data.get("phone", ""), "phone", 30),
    )


def _email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise parsing.bad(_("email không hợp lệ.")) from None
    return value


def _url(value: str) -> str:
    value = value.strip()
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise parsing.bad(_("media_url phải là một địa chỉ http(s).")) from None
    return value


@endpoint("GET")
def request_detail(
    request: HttpRequest, api: Open311Adapter, fmt: str, request_id: str
) -> HttpResponse:
    found = api.get([request_id])
    if not found:
        raise Open311Error(404, _("Không có yêu cầu %(id)s.") % {"id": request_id})
    return render.answer(fmt, "service_requests", [render.request_row(found[0])])


@endpoint("GET")
def token(request: HttpRequest, api: Open311Adapter, fmt: str, token: str) -> HttpResponse:
    """Creation is synchronous here, so a request's token is its own id (docs/open311.md)."""
    found = api.get([token])
    if not found:
        raise Open311Error(404, _("Không có mã %(token)s.") % {"token": token})
    row = {"service_request_id": found[0].service_request_id, "token": token}
    return render.answer(fmt, "service_requests", [row])


# --- FixMyStreet's updates extension ---------------------------------------------------------


@csrf_exempt  # a key-authenticated protocol endpoint: no cookie is read, so no CSRF to forge
@endpoint("POST")
def request_updates(request: HttpRequest, api: Open311Adapter, fmt: str) -> HttpResponse:
    """An outside system's update of a request; a repeated ``update_id`` answers 200 with the
    id already stored and changes nothing (R-NAT-094), a new one 201."""
    client = _client(request)
    update = _new_update(request)
    update_id, created = api.add_update(update, client)
    return render.answer(
        fmt, "service_request_updates", [{"update_id": update_id}], 201 if created else 200
    )


def _new_update(request: HttpRequest) -> NewUpdate:
    data = request.POST
    required = ("service_request_id", "update_id", "updated_datetime", "status", "description")
    missing = [name for name in required if not data.get(name, "").strip()]
    if missing:
        raise parsing.bad(_("Thiếu trường: %(fields)s.") % {"fields": ", ".join(missing)})
    status = UPDATE_STATUSES.get(data["status"].strip().lower())
    if status is None:
        raise parsing.bad(
            _("status không hợp lệ: %(status)s.") % {"status": data["status"].strip()}
        )
    return NewUpdate(
        service_request_id=parsing.text(data["service_request_id"], "service_request_id", 100),
        update_id=parsing.text(data["update_id"], "update_id", 100),
        updated_datetime=parsing.parse_datetime(data["updated_datetime"], "updated_datetime"),
        status=status,
        description=parsing.text(data["description"], "description", parsing.MAX_TEXT, html=False),
        media_url=_url(data.get("media_url", "")),
        external_status_code=parsing.text(
            data.get("external_status_code", ""), "external_status_code", 100
        ),
    )
