"""Sending messages and recording each one as a ``Delivery``.

Two entry points share the claim / attempt / record steps below:

- ``notify_applicant`` tells the applicant of a dossier about an event (called by
  ``tasks.notify_applicant_task``, queued on commit after each transition they care about);
- ``deliver`` sends deliveries already recorded as pending by ``outbox.send_many`` (the alerts
  to security staff, to the operations centre's subscribers and to salinity subscribers), called
  by ``tasks.deliver_task``.

It is deliberately not one big transaction: a message that has left through a channel cannot
be rolled back, and holding the database write lock while talking to an SMTP server or an SMS
provider would block every other writer (SQLite takes the lock at BEGIN). Instead each delivery
row is claimed before sending and updated after, each step committed on its own.
"""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from tinhso.dossiers.models import Dossier, HistoryEntry
from tinhso.notifications.channels import Channel, DeliveryError, Medium, channel_for
from tinhso.notifications.events import Event
from tinhso.notifications.messages import Message, render
from tinhso.notifications.models import APPLICANT_TOPIC, Delivery

logger = logging.getLogger(__name__)

RETRYABLE = (Delivery.Status.PENDING, Delivery.Status.FAILED)


def claimable(now: datetime.datetime | None = None) -> Q:
    """The rows a worker may claim: pending, failed, or queued by a worker whose lease ran out
    (it died while sending). A queued row without ``claimed_at`` (claimed before leases
    existed) is left alone."""
    now = now or timezone.now()
    expired = now - datetime.timedelta(seconds=settings.TINHSO_DELIVERY_LEASE_SECONDS)
    return Q(status__in=RETRYABLE) | Q(status=Delivery.Status.QUEUED, claimed_at__lt=expired)


@dataclass(frozen=True)
class _Target:
    medium: Medium
    recipient: str
    subject: str
    body: str


def _targets(dossier: Dossier, message: Message) -> list[_Target]:
    targets = []
    if dossier.applicant_email.strip():
        targets.append(
            _Target(Medium.EMAIL, dossier.applicant_email.strip(), message.subject, message.body)
        )
    if dossier.applicant_phone.strip():
        targets.append(_Target(Medium.SMS, dossier.applicant_phone.strip(), "", message.sms))
    return targets


def applicant_key(dossier_id: int, event: str, history_seq: int) -> str:
    """The idempotency key of the applicant's message about one history entry."""
    return f"{dossier_id}:{event}:{history_seq}"


def _claim(identity: dict[str, Any], fields: dict[str, Any], channel: Channel) -> Delivery | None:
    """Return the delivery row this call may send, or ``None`` when it must not send.

    A new row is created in state queued and belongs to this call. An existing row is taken
    over only if it is pending, its last attempt failed (the retry case) or the worker that
    claimed it died while sending (its lease ran out), by a conditional update so two concurrent
    workers cannot both win. A row already sent, or queued by another worker that is sending it
    right now, is left alone.
    """
    now = timezone.now()
    fields = {
        **fields,
        "backend": channel.id,
        "status": Delivery.Status.QUEUED,
        "claimed_at": now,
    }
    try:
        delivery, created = Delivery.objects.get_or_create(**identity, defaults=fields)
    except IntegrityError:  # lost a race with another worker creating the same row
        return None
    if created:
        return delivery
    taken = Delivery.objects.filter(claimable(now), pk=delivery.pk).update(**fields)
    if not taken:
        return None
    delivery.refresh_from_db()
    return delivery


def _attempt(delivery: Delivery, channel: Channel) -> None:
    delivery.attempts += 1
    try:
        provider_id = channel.send(
            recipient=delivery.recipient, subject=delivery.subject, body=delivery.body
        )
    except DeliveryError as exc:
        delivery.mark_failed(str(exc) or type(exc).__name__)
        # The error text (which may quote the address) is kept on the row, not in the log.
        logger.warning(
            "Delivery %s (%s via %s) failed",
            delivery.pk,
            delivery.event or delivery.topic,
            channel.id,
        )
    except Exception as exc:
        # A bug in one channel must neither stop the other channel nor leave the row queued.
        delivery.mark_failed(f"{type(exc).__name__}: {exc}")
        logger.exception("Channel %s raised unexpectedly for delivery %s", channel.id, delivery.pk)
    else:
        delivery.mark_sent(provider_id, timezone.now())
    delivery.save(update_fields=["attempts", "status", "provider_id", "sent_at", "error"])


def notify_applicant(*, dossier_id: int, event: str, history_seq: int) -> list[Delivery]:
    """Send the message for ``event`` to the applicant of a dossier, by e-mail and by SMS.

    E-mail goes out when the dossier has ``applicant_email``, SMS when it has
    ``applicant_phone``. Each is recorded as a ``Delivery`` of topic ``applicant`` (sent, or
    failed with the error); a failure on one medium never stops the other. Calling it again for
    the same ``(dossier, event, history_seq)`` sends nothing already sent and retries only what
    failed (an address the applicant corrected in between is a new delivery: the failed one to
    the old address stays as the record of what happened).

    Returns the deliveries of this event, one per medium the applicant can be reached on,
    e-mail first.
    Raises ``ValueError`` for an unknown event and ``DoesNotExist`` when the dossier or its
    history entry ``history_seq`` is missing.
    """
    kind = Event(event)
    dossier = Dossier.objects.select_related("procedure_version", "agency").get(pk=dossier_id)
    entry = HistoryEntry.objects.get(dossier=dossier, seq=history_seq)
    message = render(dossier, entry, kind)
    key = applicant_key(dossier.pk, kind, history_seq)
    deliveries = []
    for target in _targets(dossier, message):
        channel = channel_for(target.medium)
        identity = {
            "topic": APPLICANT_TOPIC,
            "key": key,
            "channel": target.medium,
            "recipient": target.recipient,
        }
        fields = {
            "dossier": dossier,
            "event": kind,
            "history_seq": history_seq,
            "subject": target.subject,
            "body": target.body,
        }
        claimed = _claim(identity, fields, channel)
        if claimed is None:
            deliveries.append(Delivery.objects.get(**identity))
            continue
        _attempt(claimed, channel)
        deliveries.append(claimed)
    return deliveries


def deliver(delivery_ids: Sequence[int]) -> list[Delivery]:
    """Send the pending or failed deliveries among ``delivery_ids``, each on its own.

    Each row is claimed (pending, failed, or queued by a worker whose lease ran out → queued
    by this one, by a conditional update on the state read, so two workers never both send
    it), handed to the channel of its medium and recorded as sent or failed. Rows already sent,
    or queued by a live worker, are not touched. Returns every delivery found, in id order,
    with its status after this call.
    """
    now = timezone.now()
    ids = list(delivery_ids)
    due = set(Delivery.objects.filter(claimable(now), pk__in=ids).values_list("pk", flat=True))
    rows = list(Delivery.objects.filter(pk__in=ids).order_by("pk"))
    for delivery in rows:
        if delivery.pk not in due:
            continue
        channel = channel_for(delivery.channel)
        # Still claimable and unchanged since read: a row sent or claimed meanwhile is skipped.
        taken = Delivery.objects.filter(
            claimable(now), pk=delivery.pk, status=delivery.status, claimed_at=delivery.claimed_at
        ).update(status=Delivery.Status.QUEUED, backend=channel.id, claimed_at=now)
        if not taken:  # another worker claimed it first
            delivery.refresh_from_db()
            continue
        delivery.status = Delivery.Status.QUEUED
        delivery.backend = channel.id
        delivery.claimed_at = now
        _attempt(delivery, channel)
    return rows
