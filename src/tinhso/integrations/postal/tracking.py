"""What the post says happened to a parcel: its notifications (``views.tracking``) and the
worker's poll of open shipments (``poll``) both come here, to ``apply_event``.

- An event is kept once per (shipment, EventId): a repeated notification changes nothing.
- The shipment's status moves forward only (``models.RANK``; a delivered or returned parcel is
  final): an event that arrives late is kept in the list but does not move the status back.
- The post accepting the parcel (or any later status, should the acceptance be missed) returns
  the dossier by post: the existing "return" action, with method ``postal`` and the waybill,
  performed by the post's system account, so the history, the national sync and the 766 figures
  see the return (NgayTraKetQua) as for a return at the counter.
- Delivery records ``delivered_at``; a parcel returned to the sender is an audit entry
  ``postal.returned_to_sender`` (outcome ``failure``) that the agency's officials and the SOC see,
  and messages to the receiving agency's clerks and the applicant (``alerts``); the back-office
  dossier page warns of it (``integrations/_shipment.html``).
"""

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tinhso.accounts.models import User
from tinhso.audit.services import log_event
from tinhso.dossiers import services
from tinhso.integrations.postal import alerts
from tinhso.integrations.postal.client import PostalClient
from tinhso.integrations.postal.models import (
    FINAL,
    RANK,
    Shipment,
    ShipmentEvent,
    ShipmentStatus,
)

logger = logging.getLogger(__name__)

SYSTEM_USERNAME = "buudien"


class BadEvent(ValueError):
    """A notification that is not an event of our protocol (a field missing or malformed)."""


@dataclass(frozen=True)
class Event:
    item_code: str
    event_id: str
    status: str
    at: datetime.datetime
    location: str = ""
    note: str = ""


def parse_event(data: Any) -> Event:
    """One event of the protocol (docs/postal.md): ``BadEvent`` says which field is wrong."""
    if not isinstance(data, dict):
        raise BadEvent("body")
    fields = {}
    for name in ("ItemCode", "EventId", "Status", "Time"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise BadEvent(name)
        fields[name] = value.strip()
    if fields["Status"] not in ShipmentStatus.values or fields["Status"] == "created":
        raise BadEvent("Status")
    at = parse_datetime(fields["Time"])
    if at is None or timezone.is_naive(at):
        raise BadEvent("Time")
    location, note = data.get("Location", ""), data.get("Note", "")
    return Event(
        item_code=fields["ItemCode"][:32],
        event_id=fields["EventId"][:64],
        status=fields["Status"],
        at=at,
        location=(location if isinstance(location, str) else "").replace("\x00", "")[:200],
        note=(note if isinstance(note, str) else "").replace("\x00", "")[:500],
    )


def apply_event(event: Event, *, source: str) -> bool | None:
    """Record ``event``; True when it was new, False when seen before, None when no shipment has
    that ItemCode. Atomic: the shipment's row is locked, so a notification and the poll never
    both apply one event."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().filter(item_code=event.item_code).first()
        if shipment is None:
            return None
        if shipment.events.filter(event_id=event.event_id).exists():
            return False
        moves = _moves(shipment, event)
        ShipmentEvent.objects.create(
            shipment=shipment, event_id=event.event_id, status=event.status, at=event.at,
            location=event.location, note=event.note, source=source, applied=moves,
        )  # fmt: skip
        if moves:
            _advance(shipment, event)
    return True


def _moves(shipment: Shipment, event: Event) -> bool:
    if shipment.status in FINAL:
        return False
    new, current = RANK[ShipmentStatus(event.status)], RANK[ShipmentStatus(shipment.status)]
    if new != current:
        return new > current
    return shipment.status_at is None or event.at > shipment.status_at


def _advance(shipment: Shipment, event: Event) -> None:
    shipment.status, shipment.status_at = event.status, event.at
    if shipment.accepted_at is None:
        shipment.accepted_at = event.at
        _return_by_post(shipment)
    if event.status == ShipmentStatus.DELIVERED:
        shipment.delivered_at = event.at
    if event.status == ShipmentStatus.RETURNED:
        shipment.returned_at = event.at
        log_event(
            action="postal.returned_to_sender",
            actor=None,
            target=f"dossier:{shipment.dossier.code}",
            details={"item_code": shipment.item_code, "note": event.note},
            outcome="failure",
        )
        alerts.returned_to_sender(shipment, event.note)
    shipment.save()


def system_account() -> User:
    """The post's system account (created once): inactive, no usable password; it stands as the
    actor of the returns by post in the dossier's history."""
    user = User.objects.filter(username__iexact=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, full_name="Bưu chính (VNPost)", is_active=False)
        user.set_unusable_password()
        user.save()
    return user


def _return_by_post(shipment: Shipment) -> None:
    """The dossier is returned by post, with the waybill, by the post's system account (the
    dossiers service for a return by an outside system; nothing when it is no longer waiting)."""
    services.return_by_post(
        dossier_id=shipment.dossier_id,
        actor=system_account(),
        postal_tracking=shipment.item_code,
        postal_address=shipment.receiver_address,
    )


def poll(limit: int = 200, client: PostalClient | None = None) -> int:
    """Ask the post for the events of the open shipments (missed notifications); returns how many
    new events were recorded. A shipment the post cannot answer for now is asked next time."""
    client = client or PostalClient()
    found = 0
    open_ = Shipment.objects.exclude(status__in=FINAL).order_by("polled_at", "id")[:limit]
    for shipment in open_:
        reply = client.track(shipment.item_code)
        Shipment.objects.filter(pk=shipment.pk).update(polled_at=timezone.now())
        listed = reply.body.get("Events") if reply.ok and isinstance(reply.body, dict) else None
        if not isinstance(listed, list):
            continue
        for raw in listed:
            try:
                event = parse_event({"ItemCode": shipment.item_code, **raw})
            except (BadEvent, TypeError):
                logger.warning("Postal event of %s not understood", shipment.item_code)
                continue
            if apply_event(event, source=ShipmentEvent.Source.POLL):
                found += 1
    return found
