"""Demo inputs of the 766 indicators 5.2 and 5.3 in the current month (issue 18).

``reports.demo`` files three reports today, none answered, so on a fresh demo 5.2 would read
"still within time" and 5.3 would read 100 %. This loader gives every demo agency what a month
of handled feedback looks like, through the reports app's own use cases (each step audited):
petitions about the service ("Thái độ phục vụ, giải quyết thủ tục hành chính") filed by the demo
citizens since the start of the month, sent by the one-stop centre's clerk to the agency they
concern (the clock keeps running), and answered by that agency's specialist —

- three answered within a working hour, one of them rated satisfied and one dissatisfied;
- one answered an hour after its due time, when the month has already run that long (in its first
  two weeks the report is still open, within time or overdue as the clock says).

Every report's text starts with ``MARK``; a second run in the same month adds nothing. Called by
``tinhso load_demo --with-history`` after the synthetic history; never with production settings.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tinhso.accounts.demo import ensure_demo_allowed
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.reports import services
from tinhso.reports.models import Category, Report

MARK = "Dữ liệu minh họa"
CATEGORY = "thai-do-phuc-vu"  # reports.demo's petition category, answered by the one-stop centre
DISPATCHER = "ttpvhcc.clerk"  # the centre's clerk sends each petition on
CITIZENS = ("citizen1", "citizen2")
HOUR = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Plan:
    """One petition of an agency: when it arrives (hours after the month's first 8:00) and what
    becomes of it."""

    after_hours: int
    text: str
    late: bool = False
    rating: str = ""


PLANS = (
    Plan(0, "Cán bộ hướng dẫn hồ sơ chưa rõ ràng, phải đi lại nhiều lần.", rating="satisfied"),
    Plan(1, "Đề nghị niêm yết rõ mức phí, lệ phí tại bộ phận một cửa."),
    Plan(2, "Kết quả trả chậm so với giấy hẹn, không được báo trước.", rating="dissatisfied"),
    Plan(3, "Đề nghị bố trí thêm quầy tiếp nhận vào sáng thứ Hai.", late=True),
)


def _month_start(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=8, minute=0, second=0, microsecond=0)


def _agencies() -> list[tuple[Agency, User]]:
    """The demo agencies that have a specialist to answer (``<slug>.specialist``)."""
    out = []
    for agency in Agency.objects.filter(is_active=True).order_by("pk"):
        specialist = User.objects.filter(username=f"{agency.slug}.specialist").first()
        if specialist is not None:
            out.append((agency, specialist))
    return out


def _handle(
    plan: Plan,
    agency: Agency,
    specialist: User,
    dispatcher: User,
    citizen: User,
    received: datetime.datetime,
    now: datetime.datetime,
) -> None:
    report = services.file_report(
        data=services.NewReport(category=CATEGORY, description=f"{MARK}: {plan.text}"),
        reporter=citizen,
        now=received,
    )
    if report.agency_id != agency.pk:
        report = services.transfer(
            report=report,
            user=dispatcher,
            agency=agency,
            comment=f"Chuyển {agency.name} trả lời theo thẩm quyền.",
            now=received + datetime.timedelta(minutes=10),
        )
    answered = report.due_at + HOUR if plan.late else received + HOUR
    if answered > now:
        return  # the month is too young for a late answer: the petition is still open
    report = services.answer(
        report=report,
        user=specialist,
        comment="Cơ quan đã tiếp thu, chấn chỉnh và trả lời công dân.",
        now=answered,
    )
    if plan.rating:
        services.rate(
            report=report,
            user=citizen,
            rating=plan.rating,
            now=min(answered + HOUR, now),
        )


@transaction.atomic
def load(now: datetime.datetime | None = None) -> int:
    """File and handle the current month's demo petitions; returns how many were filed."""
    ensure_demo_allowed()
    now = now or timezone.now()
    start = _month_start(now)
    if Report.objects.filter(description__startswith=MARK, received_at__gte=start).exists():
        return 0
    category = Category.objects.filter(code=CATEGORY, is_active=True).first()
    dispatcher = User.objects.filter(username=DISPATCHER).first()
    citizens = list(User.objects.filter(username__in=CITIZENS).order_by("username"))
    if category is None or dispatcher is None or not citizens:
        return 0  # reports.demo has not run: nothing to file against
    filed = 0
    for agency, specialist in _agencies():
        for number, plan in enumerate(PLANS):
            received = start + plan.after_hours * HOUR
            if received + 2 * HOUR > now:
                continue  # the month's first hours: nothing has happened yet
            citizen = citizens[number % len(citizens)]
            _handle(plan, agency, specialist, dispatcher, citizen, received, now)
            filed += 1
    return filed
