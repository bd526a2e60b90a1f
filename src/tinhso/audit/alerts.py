"""Security alert rules over the audit log: evaluate, notify security staff once, acknowledge.

``evaluate_rules`` is run by ``tinhso audit alerts`` and the Celery beat entry
``audit-alerts``. An alert is raised at most once per rule, subject and window (a unique
constraint makes that hold under concurrent evaluators too). Security staff are told through the
notifications outbox (topic ``security_alert``): an e-mail to each address, an SMS to each
security officer with a phone number, recorded as deliveries and sent, with retries, after the
commit.
"""

import datetime
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.agencies.models import Role, StaffAssignment
from tinhso.audit.models import AuditEntry, SecurityAlert, SecurityAlertRule
from tinhso.audit.services import log_event
from tinhso.calendars.worktime import WorkCalendar, parse_clock
from tinhso.notifications.channels import Medium
from tinhso.notifications.outbox import Outgoing, send_many

TOPIC = "security_alert"  # the notifications topic of the messages to security staff

PRIVILEGE_ACTIONS = (
    "role.assigned",
    "role.changed",
    "role.removed",
    "user.privileges_changed",
    "user.groups_changed",
    "user.permissions_changed",
    "auth.otp_reset",
    # A security key added or removed changes how the account signs in.
    "auth.webauthn_registered",
    "auth.webauthn_removed",
)
OFFICIAL_ACCESS_ACTIONS = ("dossier.view", "attachment.download", "dossier.transition")
BASELINE_DAYS = 14

DEFAULT_RULES = {
    SecurityAlertRule.Kind.FAILED_LOGINS: (20, 15, 0),
    SecurityAlertRule.Kind.FAILED_LOGINS_ACCOUNT: (10, 15, 0),
    SecurityAlertRule.Kind.LOCKOUTS: (1, 60, 0),
    SecurityAlertRule.Kind.DOSSIER_VIEWS: (60, 60, 3),
    SecurityAlertRule.Kind.AFTER_HOURS: (5, 60, 0),
    SecurityAlertRule.Kind.ATTACHMENT_DOWNLOADS: (30, 60, 0),
    SecurityAlertRule.Kind.PRIVILEGE_CHANGES: (1, 60, 0),
    SecurityAlertRule.Kind.CHAIN_BROKEN: (1, 24 * 60, 0),
    SecurityAlertRule.Kind.CLONED_KEY: (1, 24 * 60, 0),
    SecurityAlertRule.Kind.NATIONAL_CODE_COLLISION: (1, 24 * 60, 0),
}


def ensure_default_rules() -> None:
    for kind, (threshold, window, factor) in DEFAULT_RULES.items():
        SecurityAlertRule.objects.get_or_create(
            kind=kind,
            defaults={"threshold": threshold, "window_minutes": window, "baseline_factor": factor},
        )


def _in_window(rule: SecurityAlertRule, now: datetime.datetime) -> QuerySet[AuditEntry]:
    start = now - datetime.timedelta(minutes=rule.window_minutes)
    return AuditEntry.objects.filter(created_at__gt=start, created_at__lte=now)


def _grouped(entries: QuerySet[AuditEntry], field: str) -> dict[str, int]:
    rows = entries.exclude(**{field: ""}).values(field).annotate(n=Count("id"))
    return {str(row[field]): int(row["n"]) for row in rows}


def _workday_window() -> tuple[datetime.time, datetime.time]:
    text = getattr(settings, "TINHSO_AUDIT_WORKDAY", "06:30-18:30")
    start, end = text.split("-")
    return parse_clock(start), parse_clock(end)


def is_after_hours(at: datetime.datetime, calendar: WorkCalendar | None = None) -> bool:
    """Outside the working day (TINHSO_AUDIT_WORKDAY) or on a day that is not a working day."""
    local = timezone.localtime(at)
    start, end = _workday_window()
    calendar = calendar or WorkCalendar.from_settings()
    return not calendar.is_working_day(local.date()) or not (start <= local.time() < end)


def _counts(rule: SecurityAlertRule, now: datetime.datetime) -> dict[str, int]:
    entries = _in_window(rule, now)
    kind = rule.kind
    if kind == SecurityAlertRule.Kind.FAILED_LOGINS:
        return {
            f"ip:{ip}": n
            for ip, n in _grouped(entries.filter(action="auth.login_failed"), "ip").items()
        }
    if kind == SecurityAlertRule.Kind.FAILED_LOGINS_ACCOUNT:
        return _grouped(entries.filter(action="auth.login_failed"), "target")
    if kind == SecurityAlertRule.Kind.LOCKOUTS:
        return _grouped(entries.filter(action="auth.lockout"), "target")
    if kind == SecurityAlertRule.Kind.PRIVILEGE_CHANGES:
        return _grouped(entries.filter(action__in=PRIVILEGE_ACTIONS), "target")
    if kind == SecurityAlertRule.Kind.CLONED_KEY:
        # A security key answered with a signature counter below the one last seen: two copies
        # of the key are in use (accounts.securitykeys refuses the answer and logs this).
        regressions = entries.filter(
            action="auth.webauthn_failed", details__reason="sign_count_regression"
        )
        return _grouped(regressions, "target")
    if kind == SecurityAlertRule.Kind.NATIONAL_CODE_COLLISION:
        # A dossier filed on the national portal arrived with a code another dossier holds: the
        # import refused it (integrations.national.inbound). Codes are issued so that this never
        # happens; when it does, someone must find out why (R-NAT-101, issue 16).
        collisions = entries.filter(action="national.inbound_code_collision")
        return {
            str(code): n
            for code, n in Counter(
                str((details or {}).get("national_code") or target)
                for details, target in collisions.values_list("details", "target")
            ).items()
        }
    if kind == SecurityAlertRule.Kind.ATTACHMENT_DOWNLOADS:
        return _grouped(entries.filter(action="attachment.download"), "actor_username")
    if kind == SecurityAlertRule.Kind.DOSSIER_VIEWS:
        return _grouped(entries.filter(action="dossier.view"), "actor_username")
    if kind == SecurityAlertRule.Kind.AFTER_HOURS:
        calendar = WorkCalendar.from_settings()
        rows = entries.filter(action__in=OFFICIAL_ACCESS_ACTIONS, actor__isnull=False)
        return dict(
            Counter(
                username
                for username, at in rows.values_list("actor_username", "created_at")
                if is_after_hours(at, calendar)
            )
        )
    return {}


def usual_rate(rule: SecurityAlertRule, username: str, now: datetime.datetime) -> float:
    """Dossier views per window in the windows the official was active during the previous
    BASELINE_DAYS days (idle nights and weekends do not dilute it); 0 without history."""
    window = datetime.timedelta(minutes=rule.window_minutes)
    start = now - window - datetime.timedelta(days=BASELINE_DAYS)
    times = AuditEntry.objects.filter(
        action="dossier.view",
        actor_username=username,
        created_at__gt=start,
        created_at__lte=now - window,
    ).values_list("created_at", flat=True)
    seconds = window.total_seconds()
    buckets: Counter[int] = Counter(int(at.timestamp() // seconds) for at in times)
    return sum(buckets.values()) / len(buckets) if buckets else 0.0


def _over_threshold(
    rule: SecurityAlertRule, counts: dict[str, int], now: datetime.datetime
) -> dict[str, int]:
    hits = {subject: n for subject, n in counts.items() if n >= rule.threshold}
    if rule.kind == SecurityAlertRule.Kind.DOSSIER_VIEWS and rule.baseline_factor:
        hits = {
            subject: n
            for subject, n in hits.items()
            if n >= rule.baseline_factor * max(usual_rate(rule, subject, now), 1.0)
        }
    return hits


def _security_staff() -> QuerySet[StaffAssignment]:
    today = timezone.localdate()
    return StaffAssignment.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_to__isnull=True) | Q(valid_to__gt=today),
        role=Role.SECURITY,
        user__is_active=True,
    )


def security_recipients() -> list[str]:
    """The e-mail addresses told of security alerts: security staff and TINHSO_SECURITY_EMAILS."""
    emails = set(_security_staff().exclude(user__email="").values_list("user__email", flat=True))
    emails.update(getattr(settings, "TINHSO_SECURITY_EMAILS", []))
    return sorted(emails)


def security_phones() -> list[str]:
    """The phone numbers of security staff: each gets an SMS through the SMS channel too."""
    phones = _security_staff().exclude(user__phone="").values_list("user__phone", flat=True)
    return sorted({phone.strip() for phone in phones if phone.strip()})


def _notify(alerts: list[SecurityAlert]) -> None:
    """Queue one message about ``alerts`` to each security address (sent after the commit)."""
    if not alerts:
        return
    emails, phones = security_recipients(), security_phones()
    lines = [
        f"- {alert.rule.get_kind_display()}: {alert.subject} — {alert.count} "
        f"({timezone.localtime(alert.created_at):%d/%m/%Y %H:%M})"
        for alert in alerts
    ]
    site = getattr(settings, "TINHSO_SITE_URL", "")
    url = f"{site}/backoffice/kiem-soat/soc/"
    body = "\n".join(
        [_("Hệ thống giám sát an toàn thông tin ghi nhận cảnh báo mới:"), "", *lines, "",
         _("Xem và xác nhận tại: %(url)s") % {"url": url}]
    )  # fmt: skip
    subject = _("[Tỉnh Số] %(n)d cảnh báo an ninh mới") % {"n": len(alerts)}
    sms = _("Tỉnh Số: %(n)d cảnh báo an ninh mới. Xem và xác nhận tại %(url)s") % {
        "n": len(alerts),
        "url": url,
    }
    # An alert is notified in exactly one batch, so its ids name the message.
    key = f"alerts:{alerts[0].pk}-{alerts[-1].pk}"
    messages = [
        Outgoing(key=key, medium=Medium.EMAIL, recipient=email, subject=subject, body=body)
        for email in emails
    ] + [Outgoing(key=key, medium=Medium.SMS, recipient=phone, body=sms) for phone in phones]
    send_many(topic=TOPIC, messages=messages)


def _raise(
    rule: SecurityAlertRule,
    subject: str,
    count: int,
    now: datetime.datetime,
    details: dict[str, Any],
) -> SecurityAlert | None:
    window_start = now - datetime.timedelta(minutes=rule.window_minutes)
    if SecurityAlert.objects.filter(
        rule=rule, subject=subject, created_at__gt=window_start
    ).exists():
        return None
    bucket = int(now.timestamp() // (rule.window_minutes * 60))
    try:
        with transaction.atomic():
            alert = SecurityAlert.objects.create(
                rule=rule, subject=subject[:200], bucket=bucket, count=count, created_at=now,
                details=details,
            )  # fmt: skip
            log_event(
                action="soc.alert_raised",
                actor=None,
                target=f"alert:{alert.pk}",
                details={"rule": rule.kind, "subject": subject, "count": count},
            )
    except IntegrityError:  # another evaluator raised it for this window
        return None
    return alert


def evaluate_rules(now: datetime.datetime | None = None) -> list[SecurityAlert]:
    """Raise new alerts for every active rule over its threshold; e-mail security staff once."""
    now = now or timezone.now()
    ensure_default_rules()
    raised: list[SecurityAlert] = []
    rules = SecurityAlertRule.objects.filter(is_active=True).exclude(
        kind=SecurityAlertRule.Kind.CHAIN_BROKEN
    )
    for rule in rules:
        for subject, count in sorted(_over_threshold(rule, _counts(rule, now), now).items()):
            alert = _raise(rule, subject, count, now, {"window_minutes": rule.window_minutes})
            if alert is not None:
                raised.append(alert)
    _notify(raised)
    return raised


def raise_chain_alert(
    problems: list[str], now: datetime.datetime | None = None
) -> SecurityAlert | None:
    now = now or timezone.now()
    ensure_default_rules()
    rule = SecurityAlertRule.objects.get(kind=SecurityAlertRule.Kind.CHAIN_BROKEN)
    if not rule.is_active:
        return None
    alert = _raise(rule, "audit-chain", len(problems), now, {"problems": problems[:20]})
    if alert is not None:
        _notify([alert])
    return alert


@transaction.atomic
def acknowledge_alert(*, alert: SecurityAlert, user: User, note: str = "") -> SecurityAlert:
    """Record who acknowledged the alert (once), and audit it."""
    locked = SecurityAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.acknowledged_at is not None:
        return locked
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = user
    locked.note = note[:2000]
    locked.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
    log_event(
        action="soc.alert_acknowledged",
        actor=user,
        target=f"alert:{locked.pk}",
        details={"rule": locked.rule.kind, "subject": locked.subject},
    )
    return locked
