"""The outbox: how any app sends a message to anyone (docs/notifications.md).

``send_many(topic=..., messages=[Outgoing(...), ...])`` records one pending ``Delivery`` per
message in the caller's transaction and, once that transaction commits, queues
``tasks.deliver_task``, which sends each through the channel of its medium (``email``, or the SMS
channel named by ``TINHSO_SMS_CHANNEL``), records the outcome and retries what failed. A message
recorded in a transaction that rolls back is never sent.

``topic`` says what kind of message it is (``security_alert``, ``indicator_alert``,
``salinity_alert``…); ``key`` names the message within the topic. The same topic, key, medium
and address are recorded once and sent at most once, however often they are queued: a caller
that runs twice (a retried task, two evaluators at once) sends nothing twice, and queueing a
message again after it failed retries it.

The applicant's messages about their dossier do not come through here: they are rendered from
the dossier's history by ``services.notify_applicant``, which records them in the same table.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.db import transaction

from tinhso.notifications.channels import Medium
from tinhso.notifications.models import APPLICANT_TOPIC, Delivery
from tinhso.notifications.services import RETRYABLE
from tinhso.notifications.tasks import deliver_task

TASK_BATCH = 200  # deliveries per task: a large broadcast is spread over the workers


@dataclass(frozen=True)
class Outgoing:
    """One message to one address.

    ``medium`` is ``"email"`` or ``"sms"`` (``channels.Medium``); ``recipient`` the e-mail
    address or phone number; ``subject`` is used by e-mail only; ``body`` is the complete plain
    text (an SMS is sent as it is, so keep it short).
    """

    key: str
    medium: str
    recipient: str
    body: str
    subject: str = ""


def _row(topic: str, message: Outgoing) -> Delivery:
    key, recipient = message.key.strip(), message.recipient.strip()
    if not key or len(key) > 200:
        raise ValueError(f"A delivery key must have 1 to 200 characters, not {key!r}")
    if not recipient:
        raise ValueError(f"Message {key!r} of topic {topic!r} has no recipient")
    return Delivery(
        topic=topic,
        key=key,
        channel=Medium(message.medium).value,
        recipient=recipient,
        subject=message.subject[:255],
        body=message.body,
        status=Delivery.Status.PENDING,
    )


def send_many(*, topic: str, messages: Sequence[Outgoing]) -> list[Delivery]:
    """Record the messages and send them after the current transaction commits.

    Returns the delivery of each message, in the order given: a new one is pending; one
    recorded before keeps its status (sent, failed — then it is sent again —, or queued).
    Raises ``ValueError`` for an empty or reserved topic, an unknown medium, an empty
    recipient or an empty key.
    """
    if not topic or topic == APPLICANT_TOPIC or len(topic) > 40:
        raise ValueError(f"Invalid topic {topic!r}")
    rows = [_row(topic, message) for message in messages]
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)  # a row already there stays
    stored = {
        (d.key, d.channel, d.recipient): d
        for d in Delivery.objects.filter(topic=topic, key__in={row.key for row in rows})
    }
    deliveries = [stored[(row.key, row.channel, row.recipient)] for row in rows]
    due = sorted({d.pk for d in deliveries if d.status in RETRYABLE})
    for start in range(0, len(due), TASK_BATCH):
        transaction.on_commit(partial(deliver_task.delay, due[start : start + TASK_BATCH]))
    return deliveries


def send(
    *, topic: str, key: str, medium: str, recipient: str, body: str, subject: str = ""
) -> Delivery:
    """Record one message and send it after the current transaction commits (``send_many``)."""
    message = Outgoing(key=key, medium=medium, recipient=recipient, body=body, subject=subject)
    return send_many(topic=topic, messages=[message])[0]
