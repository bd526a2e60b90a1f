"""Telling applicants about their dossiers.

``notify_applicant`` is called by ``tasks.notify_applicant_task``, which the dossier services
queue with ``transaction.on_commit`` after each transition the applicant cares about.

It is deliberately not one big transaction: a message that has left through a channel cannot
be rolled back, and holding the database write lock while talking to an SMTP server or an SMS
provider would block every other writer (SQLite takes the lock at BEGIN). Instead each delivery
row is claimed before sending and updated after, each step committed on its own.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone

from tinhso.dossiers.models import Dossier, HistoryEntry
from tinhso.notifications import channels
from tinhso.notifications.channels import Channel, DeliveryError, Medium
from tinhso.notifications.events import Event
from tinhso.notifications.messages import Message, render
from tinhso.notifications.models import Delivery

logger = logging.getLogger(__name__)


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


def _channel_for(medium: Medium) -> Channel:
    return channels.email_channel() if medium == Medium.EMAIL else channels.sms_channel()


def _claim(
    dossier: Dossier, event: Event, history_seq: int, target: _Target, channel: Channel
) -> Delivery | None:
    """Return the delivery row this call may send, or ``None`` when it must not send.

    A new row is created in state queued and belongs to this call. An existing row is taken
    over only if its last attempt failed (the retry case), by a conditional update so two
    concurrent retries cannot both win. A row already sent, or queued by another worker that
    is sending it right now (or died while sending: at most once is the safer side for a
    citizen's phone), is left alone.
    """
    key = {"dossier": dossier, "event": event, "history_seq": history_seq, "channel": target.medium}
    fields = {
        "backend": channel.id,
        "recipient": target.recipient,
        "subject": target.subject,
        "body": target.body,
        "status": Delivery.Status.QUEUED,
    }
    try:
        delivery, created = Delivery.objects.get_or_create(**key, defaults=fields)
    except IntegrityError:  # lost a race with another worker creating the same row
        return None
    if created:
        return delivery
    taken = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(**fields)
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
        logger.warning("Delivery %s (%s via %s) failed", delivery.pk, delivery.event, channel.id)
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
    ``applicant_phone``. Each is recorded as a ``Delivery`` (sent, or failed with the error);
    a failure on one medium never stops the other. Calling it again for the same
    ``(dossier, event, history_seq)`` sends nothing already sent and retries only what failed.

    Returns the deliveries of this event, one per medium the applicant can be reached on,
    e-mail first.
    Raises ``ValueError`` for an unknown event and ``DoesNotExist`` when the dossier or its
    history entry ``history_seq`` is missing.
    """
    kind = Event(event)
    dossier = Dossier.objects.select_related("procedure_version", "agency").get(pk=dossier_id)
    entry = HistoryEntry.objects.get(dossier=dossier, seq=history_seq)
    message = render(dossier, entry, kind)
    deliveries = []
    for target in _targets(dossier, message):
        channel = _channel_for(target.medium)
        claimed = _claim(dossier, kind, history_seq, target, channel)
        if claimed is None:
            deliveries.append(
                Delivery.objects.get(
                    dossier=dossier, event=kind, history_seq=history_seq, channel=target.medium
                )
            )
            continue
        _attempt(claimed, channel)
        deliveries.append(claimed)
    return deliveries
