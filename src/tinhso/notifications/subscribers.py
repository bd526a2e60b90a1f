"""The notifications app's subscriber to the dossier-changed event (ADR 0009).

- An event whose payload names a notice (``"notify": "received"`` …, see ``events.Event``) is
  sent to the applicant for that event's history entry. ``notify_applicant`` is idempotent per
  (dossier, notice, history entry, medium), so an event delivered twice sends nothing twice.
  "Result ready" comes with the results app's "result signed" event: the applicant is told once
  the e-result is signed.
- A deadline alert (``DEADLINE_ALERT``, recorded by ``dossiers.deadlines.scan_deadlines``) is
  e-mailed to the officials it names through the outbox (topic ``deadline_alert``, keyed by the
  event), so an event delivered twice sends nothing twice and a failed e-mail is retried.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.notifications.channels import Medium
from tinhso.notifications.models import Delivery
from tinhso.notifications.outbox import Outgoing, send_many
from tinhso.notifications.tasks import notify_applicant_task

OVERDUE = "overdue"
ALERT_TOPIC = "deadline_alert"


def notify(event: DossierEvent) -> None:
    if event.kind == DossierEvent.Kind.DEADLINE_ALERT:
        alert_officials(event)
        return
    notice = event.payload.get("notify")
    if notice and event.history_seq is not None:
        notify_applicant_task.delay(event.dossier_id, notice, event.history_seq)


def alert_officials(event: DossierEvent) -> list[Delivery]:
    """E-mail a deadline alert to the officials responsible (one delivery each)."""
    level = event.payload.get("level", "")
    if not level:
        return []
    dossier = Dossier.objects.select_related("procedure_version").get(pk=event.dossier_id)
    subject = (
        _("Hồ sơ %(code)s đã quá hạn") if level == OVERDUE else _("Hồ sơ %(code)s sắp đến hạn")
    ) % {"code": dossier.code}
    body = _("Hồ sơ %(code)s (%(procedure)s) hẹn trả lúc %(due)s. Xem: %(url)s") % {
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "due": timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y")
        if dossier.due_at
        else "",
        "url": f"{settings.TINHSO_SITE_URL}/backoffice/ho-so/{dossier.code}/",
    }
    officials = User.objects.filter(pk__in=event.payload.get("officials", [])).order_by("pk")
    messages = [
        Outgoing(
            key=f"deadline:{event.pk}",
            medium=Medium.EMAIL,
            recipient=official.email,
            subject=subject,
            body=body,
        )
        for official in officials
        if official.email.strip()
    ]
    return send_many(topic=ALERT_TOPIC, messages=messages)
