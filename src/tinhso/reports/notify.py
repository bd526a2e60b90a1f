"""Messages to the people behind a report at each step (issue 18): the reporter, and on an
answer or a merge its supporters too.

The services call :func:`on_commit` inside their transaction (one marked line each). It reads
who is to be told *now*, while the transaction still sees them — a merge moves the supporters
to the surviving report, so they must be collected before or within that step — and records the
messages through the notifications outbox (``tinhso.notifications.outbox.send_many``) only once
the transaction commits: a step that rolls back tells no one.

Channels, as the platform's other notices: e-mail to a signed-in reporter's or supporter's
account address, SMS to the phone the report carries (the reporter's confirmed number, or the
account's). Each message is keyed by the report, the step and the history row, so a retried
task never sends the same step twice. The answer's text goes only to the reporter and the
supporters; the other steps say what happened without the officials' internal comments.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.notifications.channels import Medium
from tinhso.notifications.models import Delivery
from tinhso.notifications.outbox import Outgoing, send_many
from tinhso.reports.models import Report, ReportEvent

TOPIC = "report"
STEPS = frozenset({"acknowledge", "transfer", "answer", "close", "merge"})
# Steps whose message also goes to the supporters (they follow the report for its outcome).
TO_SUPPORTERS = frozenset({"answer", "merge"})


@dataclass(frozen=True)
class Recipient:
    """One address of one person; ``role`` is ``reporter`` or ``supporter``."""

    role: str
    medium: str
    address: str


def reporter_addresses(report: Report) -> list[Recipient]:
    """E-mail to a signed-in reporter's account, SMS to the phone on the report."""
    found: list[Recipient] = []
    user = report.reporter
    if user is not None and user.is_active and (user.email or "").strip():
        found.append(Recipient("reporter", Medium.EMAIL, user.email.strip()))
    phone = (report.reporter_phone or "").strip()
    if not phone and user is not None and user.is_active:
        phone = (user.phone or "").strip()
    if phone:
        found.append(Recipient("reporter", Medium.SMS, phone))
    return found


def supporter_addresses(report: Report) -> list[Recipient]:
    """A signed-in supporter by e-mail (by SMS to the account's phone when it has no e-mail);
    a supporter known by phone alone by SMS."""
    found: list[Recipient] = []
    for supporter in report.supporters.select_related("user").order_by("pk"):
        user = supporter.user
        if user is not None:
            if not user.is_active:
                continue
            if (user.email or "").strip():
                found.append(Recipient("supporter", Medium.EMAIL, user.email.strip()))
            elif (user.phone or "").strip():
                found.append(Recipient("supporter", Medium.SMS, user.phone.strip()))
        elif supporter.phone.strip():
            found.append(Recipient("supporter", Medium.SMS, supporter.phone.strip()))
    return found


def recipients(report: Report, step: str) -> list[Recipient]:
    """Who hears of ``step``: the reporter always, the supporters on an answer or a merge; one
    entry per address (a supporter who is also the reporter is told once)."""
    found = reporter_addresses(report)
    if step in TO_SUPPORTERS:
        found += supporter_addresses(report)
    unique: dict[tuple[str, str], Recipient] = {}
    for item in found:
        unique.setdefault((item.medium, item.address), item)
    return list(unique.values())


def message(report: Report, step: str, into: Report | None = None) -> tuple[str, str]:
    """Subject and body of the message for ``step`` on ``report`` (its state after the step)."""
    code = report.public_id
    subject = _("Phản ánh %(code)s: %(status)s") % {
        "code": code,
        "status": report.get_status_display(),
    }
    agency = report.agency.name if report.agency else _("bộ phận điều phối của tỉnh")
    texts: dict[str, Callable[[], str]] = {
        "acknowledge": lambda: (
            _(
                "Phản ánh %(code)s của bạn đã được %(agency)s tiếp nhận và phân loại; hạn trả lời: "
                "%(due)s."
            )
            % {"code": code, "agency": agency, "due": _local(report)}
        ),
        "transfer": lambda: (
            _(
                "Phản ánh %(code)s đã được chuyển đến %(agency)s, cơ quan có thẩm quyền giải quyết. "
                "Hạn trả lời không thay đổi: %(due)s."
            )
            % {"code": code, "agency": agency, "due": _local(report)}
        ),
        "answer": lambda: (
            _("%(agency)s đã trả lời phản ánh %(code)s: %(answer)s")
            % {"code": code, "agency": agency, "answer": report.answer}
        ),
        "close": lambda: (
            _(
                "Phản ánh %(code)s đã kết thúc xử lý. Nếu chưa hài lòng với câu trả lời, bạn có thể "
                "mở lại phản ánh trong thời hạn cho phép."
            )
            % {"code": code}
        ),
        "merge": lambda: (
            _(
                "Phản ánh %(code)s trùng với phản ánh %(into)s về cùng sự việc và đã được gộp vào "
                "đó; bạn sẽ nhận kết quả xử lý của phản ánh %(into)s."
            )
            % {"code": code, "into": into.public_id if into else ""}
        ),
    }
    return subject, texts[step]()


def _local(report: Report) -> str:
    return timezone.localtime(report.due_at).strftime("%d/%m/%Y %H:%M")


def on_commit(report: Report, step: str, into: Report | None = None) -> None:
    """Collect the recipients of ``step`` now and send them its message after the caller's
    transaction commits. Called by the services (inside ``transaction.atomic``); for a merge,
    before the supporters move, with ``into`` the surviving report."""
    if step not in STEPS:
        raise ValueError(f"No message for step {step!r}")
    people = recipients(report, step)
    if not people:
        return
    transaction.on_commit(partial(_send, report.pk, step, people, into.pk if into else None))


def _send(report_pk: int, step: str, people: list[Recipient], into_pk: int | None) -> None:
    """Record the messages in the outbox (after the commit: the state read is the committed
    one). Keyed by the step's history row, so each step is told once per address."""
    report = Report.objects.select_related("agency", "duplicate_of").get(pk=report_pk)
    into = Report.objects.filter(pk=into_pk).first() if into_pk else None
    event = (
        ReportEvent.objects.filter(report_id=report_pk, action=step).order_by("-at", "-pk").first()
    )
    key = f"{report.public_id}:{step}:{event.pk if event else 0}"
    subject, body = message(report, step, into)
    deliver(key, subject, body, people)


def deliver(key: str, subject: str, body: str, people: list[Recipient]) -> list[Delivery]:
    messages = [
        Outgoing(
            f"{key}:{person.role}",
            person.medium,
            person.address,
            body,
            subject=subject if person.medium == Medium.EMAIL else "",
        )
        for person in people
    ]
    return send_many(topic=TOPIC, messages=messages)
