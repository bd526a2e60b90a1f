"""Alerts of the operations centre: evaluate the rules, raise each alert once, clear it when the
condition is gone, and e-mail the subscribed leaders who may see it.

Rules (``IndicatorAlertRule.kind``, threshold in brackets):

- ``overdue``: an agency has at least [threshold] dossiers in progress past their due date now;
- ``on_time_drop``: an agency's on-time rate of the last complete month fell by at least
  [threshold] percentage points against the month before (both months with resolved dossiers);
- ``target_behind``: a scheme target's latest actual value is [threshold] points or more behind the
  straight line from its baseline to its 2025 target.

An open alert is unique per rule and subject (a partial unique constraint), so running the
evaluation again — or twice at once — never raises it a second time; it is raised again only
after it has cleared. The e-mails go through the notifications outbox (topic
``indicator_alert``): recorded with the alert, in its transaction, and sent with retries after
the commit.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.agencies.models import Agency
from tinhso.indicators import access, selectors
from tinhso.indicators.models import (
    AlertSubscription,
    IndicatorAlert,
    IndicatorAlertRule,
    SchemeTarget,
)
from tinhso.ioc import periods
from tinhso.ioc.selectors import Scope, backlog, summary
from tinhso.notifications.channels import Medium
from tinhso.notifications.outbox import Outgoing, send_many

TOPIC = "indicator_alert"  # the notifications topic of the e-mails to subscribed leaders


@dataclass
class Finding:
    subject: str
    message: str
    agency: Agency | None = None
    target: SchemeTarget | None = None


@dataclass
class Outcome:
    raised: list[IndicatorAlert] = field(default_factory=list)
    cleared: list[IndicatorAlert] = field(default_factory=list)


def _overdue(rule: IndicatorAlertRule, today: datetime.date) -> list[Finding]:
    found = []
    for agency in Agency.objects.filter(is_active=True):
        late = backlog(scope=Scope(agency_id=agency.pk)).in_progress_overdue
        if late >= rule.threshold:
            found.append(
                Finding(
                    f"agency:{agency.pk}",
                    _("%(agency)s có %(n)s hồ sơ đang giải quyết quá hạn (ngưỡng %(t)s).")
                    % {"agency": agency.name, "n": late, "t": _number(rule.threshold)},
                    agency=agency,
                )
            )
    return found


def _on_time_drop(rule: IndicatorAlertRule, today: datetime.date) -> list[Finding]:
    last = periods.previous(periods.month_period(today.year, today.month))
    before = periods.previous(last)
    found = []
    for agency in Agency.objects.filter(is_active=True):
        scope = Scope(agency_id=agency.pk)
        now_rate = summary(scope=scope, start=last.start, end=last.end).on_time_rate.value
        old_rate = summary(scope=scope, start=before.start, end=before.end).on_time_rate.value
        if now_rate is None or old_rate is None:
            continue
        drop = Decimal(str(round((old_rate - now_rate) * 100, 1)))
        if drop >= rule.threshold:
            found.append(
                Finding(
                    f"agency:{agency.pk}",
                    _(
                        "Tỷ lệ đúng hạn của %(agency)s %(m)s là %(now)s%%, giảm %(d)s điểm so với %(p)s (%(old)s%%)."
                    )
                    % {
                        "agency": agency.name,
                        "m": last.label.lower(),
                        "now": _number(Decimal(str(round(now_rate * 100, 1)))),
                        "d": _number(drop),
                        "p": before.label.lower(),
                        "old": _number(Decimal(str(round(old_rate * 100, 1)))),
                    },
                    agency=agency,
                )
            )
    return found


def _target_behind(rule: IndicatorAlertRule, today: datetime.date) -> list[Finding]:
    found = []
    for row in selectors.tracker(today):
        if row.actual is None or row.behind_by is None or row.behind_by < rule.threshold:
            continue
        found.append(
            Finding(
                f"target:{row.target.code}",
                _(
                    "Chỉ tiêu “%(t)s”: thực hiện %(v)s%(m)s (ngày %(d)s), chậm %(b)s so với lộ trình (%(e)s%(m)s)."
                )
                % {
                    "t": row.target.title,
                    "v": _number(row.actual.value),
                    "m": row.target.measure if row.target.measure != "%" else "%",
                    "d": f"{row.actual.as_of:%d/%m/%Y}",
                    "b": _number(row.behind_by),
                    "e": _number((row.expected or Decimal(0)).quantize(Decimal("0.01"))),
                },
                target=row.target,
            )
        )
    return found


CHECKS = {
    IndicatorAlertRule.Kind.OVERDUE: _overdue,
    IndicatorAlertRule.Kind.ON_TIME_DROP: _on_time_drop,
    IndicatorAlertRule.Kind.TARGET_BEHIND: _target_behind,
}


def _number(value: Decimal | int | float) -> str:
    text = f"{value:f}" if isinstance(value, Decimal) else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def evaluate(*, now: datetime.datetime | None = None) -> Outcome:
    """Evaluate every active rule; raise new alerts, clear those whose condition is gone."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    outcome = Outcome()
    for rule in IndicatorAlertRule.objects.filter(is_active=True):
        findings = {f.subject: f for f in CHECKS[IndicatorAlertRule.Kind(rule.kind)](rule, today)}
        open_alerts = {a.subject: a for a in rule.alerts.filter(cleared_at__isnull=True)}
        for subject, alert in open_alerts.items():
            if subject not in findings:
                alert.cleared_at = now
                alert.save(update_fields=["cleared_at"])
                outcome.cleared.append(alert)
        for subject, finding in findings.items():
            if subject in open_alerts:
                continue
            try:
                with transaction.atomic():
                    alert = IndicatorAlert.objects.create(
                        rule=rule,
                        subject=subject,
                        agency=finding.agency,
                        target=finding.target,
                        message=finding.message,
                        raised_at=now,
                    )
                    _notify(alert)
            except IntegrityError:  # raised by a concurrent evaluation
                continue
            outcome.raised.append(alert)
    return outcome


def _notify(alert: IndicatorAlert) -> None:
    """Queue an e-mail to each subscribed leader who may see the alert (sent after commit)."""
    recipients = [
        sub.user
        for sub in AlertSubscription.objects.select_related("user").filter(user__is_active=True)
        if sub.user.email and visible_to(alert, sub.user)
    ]
    if not recipients:
        return
    subject = _("[Tỉnh Số] Cảnh báo: %(kind)s") % {"kind": alert.rule.get_kind_display()}
    link = settings.TINHSO_SITE_URL.rstrip("/") + reverse("indicators:alerts")
    body = alert.message + "\n\n" + _("Xem trên trung tâm điều hành: %(url)s") % {"url": link}
    messages = [
        Outgoing(
            key=f"alert:{alert.pk}",
            medium=Medium.EMAIL,
            recipient=user.email,
            subject=subject,
            body=body,
        )
        for user in recipients
    ]
    send_many(topic=TOPIC, messages=messages)
    alert.notified = len(recipients)
    alert.save(update_fields=["notified"])


def visible_to(alert: IndicatorAlert, user: Any) -> bool:
    if alert.agency_id is not None:
        return access.allows_agency(user, alert.agency_id)
    return access.can_view(user)


def open_alerts_for(user: Any) -> list[IndicatorAlert]:
    alerts = IndicatorAlert.objects.filter(cleared_at__isnull=True).select_related("rule", "agency")
    return [a for a in alerts if visible_to(a, user)]
