"""The sandbox's post (our documented protocol, docs/postal.md): tokens, orders (idempotent by
OrderNumber) and their tracking events, kept in ``post.json`` of the sandbox state directory (so
the sandbox's ``reset`` forgets them)."""

import datetime
import re
import secrets
from typing import Any

from django.utils import timezone

from tinhso.sandboxes.national import store

SERVICE = "VNPost"
TOKEN_LIFETIME = 3600
PHONE = re.compile(r"^0\d{9,10}$")
PROVINCE = re.compile(r"^\d{2}$")
REQUIRED = ("OrderNumber", "SenderName", "ReceiverName", "ReceiverAddress", "ReceiverProvince",
            "ReceiverTel")  # fmt: skip
STATUSES = ("accepted", "in_transit", "failed_attempt", "delivered", "returned_to_sender")


class Refused(ValueError):
    """The order is refused: ``field`` is what is wrong."""


def _empty() -> dict[str, Any]:
    return {"tokens": {}, "orders": {}, "items": {}, "serial": 0}


def issue_token() -> str:
    token = secrets.token_urlsafe(24)
    expires = timezone.now().timestamp() + TOKEN_LIFETIME
    with store.document("post", _empty()) as state:
        state["tokens"][token] = expires
    return token


def token_valid(token: str) -> bool:
    expires = store.read("post", _empty())["tokens"].get(token)
    return isinstance(expires, float | int) and expires > timezone.now().timestamp()


def check_order(order: Any) -> dict[str, str]:
    if not isinstance(order, dict):
        raise Refused("body")
    clean = {}
    for name in REQUIRED:
        value = order.get(name)
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise Refused(name)
        clean[name] = value.strip()
    if not PROVINCE.fullmatch(clean["ReceiverProvince"]):
        raise Refused("ReceiverProvince")
    if not PHONE.fullmatch(clean["ReceiverTel"].replace(" ", "")):
        raise Refused("ReceiverTel")
    for name in ("ReceiverEmail", "SenderTel", "SenderAddress", "Content"):
        value = order.get(name, "")
        clean[name] = value.strip() if isinstance(value, str) else ""
    return clean


def create(order: dict[str, str]) -> tuple[dict[str, Any], bool]:
    """Store the order once per OrderNumber: (the record, created)."""
    with store.document("post", _empty()) as state:
        known = state["orders"].get(order["OrderNumber"])
        if known is not None:
            return dict(state["items"][known]), False
        state["serial"] += 1
        item_code = f"EB{state['serial']:09d}VN"
        record = {"ItemCode": item_code, "OrderNumber": order["OrderNumber"], "order": order,
                  "Status": "created", "Events": []}  # fmt: skip
        state["orders"][order["OrderNumber"]] = item_code
        state["items"][item_code] = record
        return dict(record), True


def find(item_code: str) -> dict[str, Any] | None:
    found = store.read("post", _empty())["items"].get(item_code)
    return dict(found) if isinstance(found, dict) else None


def advance(item_code: str, status: str, note: str = "") -> dict[str, Any]:
    """Record one tracking event of ``item_code``; answers the event (the notification's body)."""
    if status not in STATUSES:
        raise Refused("status")
    with store.document("post", _empty()) as state:
        record = state["items"].get(item_code)
        if record is None:
            raise Refused("ItemCode")
        at = timezone.localtime() + datetime.timedelta(seconds=len(record["Events"]))
        event = {"EventId": f"{item_code}-{len(record['Events']) + 1}", "Status": status,
                 "Time": at.isoformat(), "Location": "Bưu cục Thanh Hóa", "Note": note}  # fmt: skip
        record["Events"].append(event)
        record["Status"] = status
    return {"ItemCode": item_code, "OrderNumber": record["OrderNumber"], **event}
