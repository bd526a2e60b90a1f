"""GeoReport v2 answers in its two formats: JSON (a list or an object) and XML (the same
fields as elements, lists as repeated elements under a plural root).

The XML is built with ElementTree, which escapes text and attribute values, so a description
holding ``<`` or ``&`` stays text. Date-times are ISO 8601 with the province's offset
(``2026-12-08T10:00:00+07:00``), as the spec asks a zone and R-NAT-092 asks +07:00.
"""

import datetime
import json
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

from tinhso.open311.adapter import Request, Service, ServiceDefinition

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

Row = dict[str, Any]


def w3c(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 at +07:00, to the second; ``None`` stays ``None`` (an empty element in XML)."""
    if moment is None:
        return None
    return moment.astimezone(LOCAL).isoformat(timespec="seconds")


def service_row(service: Service) -> Row:
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": service.metadata,
        "type": service.type,
        "keywords": ",".join(service.keywords),
        "group": service.group,
    }


def definition_row(definition: ServiceDefinition) -> Row:
    attributes = sorted(definition.attributes, key=lambda a: (a.order, a.code))
    return {
        "service_code": definition.service_code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                "order": attribute.order,
                "description": attribute.description,
                "values": [{"key": v.key, "name": v.name} for v in attribute.values],
            }
            for attribute in attributes
        ],
    }


def request_row(request: Request) -> Row:
    """Every field GeoReport defines for a request, in its order; no reporter's contact."""
    return {
        "service_request_id": request.service_request_id,
        "status": request.status,
        "status_notes": request.status_notes,
        "service_name": request.service_name,
        "service_code": request.service_code,
        "description": request.description,
        "agency_responsible": request.agency_responsible,
        "service_notice": request.service_notice,
        "requested_datetime": w3c(request.requested_datetime),
        "updated_datetime": w3c(request.updated_datetime),
        "expected_datetime": w3c(request.expected_datetime),
        "address": request.address,
        "address_id": request.address_id,
        "zipcode": request.zipcode,
        "lat": request.lat,
        "long": request.long,
        "media_url": request.media_url,
    }


# --- Serialisation ---------------------------------------------------------------------------

#: The element name of one item of each plural XML root.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """``value`` (a list of rows or one row) under ``<root>``, with the XML declaration."""
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def answer(
    fmt: str, root: str, value: Sequence[Row] | Row, status: int = 200, *, xml_value: Any = None
) -> HttpResponse:
    """One answer in the asked format. ``root`` names the XML document element; JSON is the
    value itself (GeoReport's JSON has no wrapper). ``xml_value`` when XML nests differently."""
    if fmt == "xml":
        body = to_xml(root, value if xml_value is None else xml_value)
        return HttpResponse(body, status=status, content_type=XML_TYPE)
    return HttpResponse(
        json.dumps(value, ensure_ascii=False), status=status, content_type=JSON_TYPE
    )


def errors(
    fmt: str, status: int, descriptions: Iterable[str], code: int | None = None
) -> HttpResponse:
    """GeoReport's error body: ``[{"code", "description"}]`` / ``<errors><error>…``."""
    rows = [{"code": code or status, "description": str(d)} for d in descriptions]
    return answer(fmt, "errors", rows, status)
