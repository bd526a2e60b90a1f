"""A parcel the post returns to the sender must reach people, not only the audit log: the clerks
of the dossier's receiving agency (they hand the result over at the counter instead) and the
applicant (who did not get it) are told through the notifications outbox (topic
``postal_returned``, keyed by the waybill and the audience: one message per address however often the event
arrives; a failed e-mail or SMS is retried by the outbox).

The notifications app sends officials' messages only through the outbox (as the deadline
alerts), so this module builds them here: the dependency goes integrations → notifications,
never back.
"""

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.agencies.models import Role, StaffAssignment
from tinhso.dossiers.models import Dossier
from tinhso.integrations.postal.models import Shipment
from tinhso.notifications.channels import Medium
from tinhso.notifications.models import Delivery
from tinhso.notifications.outbox import Outgoing, send_many

TOPIC = "postal_returned"


def counter_clerks_emails(dossier: Dossier) -> list[str]:
    """The e-mail addresses of the active clerks of the dossier's receiving agency today."""
    today = timezone.localdate()
    emails = (
        StaffAssignment.objects.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=today),
            Q(valid_to__isnull=True) | Q(valid_to__gt=today),
            agency_id=dossier.receiving_agency_id,
            role=Role.CLERK,
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(e.strip() for e in emails if e and e.strip()))


def _official_message(dossier: Dossier, shipment: Shipment, note: str) -> tuple[str, str]:
    subject = _("Bưu gửi kết quả hồ sơ %(code)s bị chuyển hoàn") % {"code": dossier.code}
    body = _(
        "Bưu điện đã chuyển hoàn bưu gửi %(item)s (kết quả hồ sơ %(code)s, %(procedure)s)%(note)s. "
        "Vui lòng liên hệ người nộp để trả kết quả tại quầy. Xem: %(url)s"
    ) % {
        "item": shipment.item_code,
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "note": f" — {note}" if note else "",
        "url": f"{settings.TINHSO_SITE_URL}/backoffice/ho-so/{dossier.code}/",
    }
    return subject, body


def _applicant_messages(dossier: Dossier, key: str) -> list[Outgoing]:
    """The applicant's e-mail and SMS (the addresses the dossier's own notices go to)."""
    subject = _("Kết quả hồ sơ %(code)s gửi qua bưu chính bị chuyển hoàn") % {"code": dossier.code}
    body = _(
        "Bưu điện không phát được kết quả hồ sơ %(code)s và đã chuyển hoàn về cơ quan. Vui lòng "
        "liên hệ %(agency)s để nhận kết quả."
    ) % {"code": dossier.code, "agency": dossier.receiving_agency.name}
    messages = []
    if dossier.applicant_email.strip():
        messages.append(
            Outgoing(key, Medium.EMAIL, dossier.applicant_email.strip(), body, subject=subject)
        )
    if dossier.applicant_phone.strip():
        messages.append(Outgoing(key, Medium.SMS, dossier.applicant_phone.strip(), body))
    return messages


def returned_to_sender(shipment: Shipment, note: str = "") -> list[Delivery]:
    """Record the messages about ``shipment`` coming back, sent once the caller's transaction
    commits (``apply_event``'s: a rolled-back event tells no one)."""
    dossier = Dossier.objects.select_related("procedure_version", "receiving_agency").get(
        pk=shipment.dossier_id
    )
    subject, body = _official_message(dossier, shipment, note)
    officials = [
        Outgoing(f"{shipment.item_code}:clerk", Medium.EMAIL, email, body, subject=subject)
        for email in counter_clerks_emails(dossier)
    ]
    applicant = _applicant_messages(dossier, f"{shipment.item_code}:applicant")
    return send_many(topic=TOPIC, messages=officials + applicant)
