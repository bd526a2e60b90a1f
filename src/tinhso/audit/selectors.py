"""Read side of the audit log: search with keyset pagination, and the SOC figures."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.models import StaffAssignment
from tinhso.audit.access import can_operate_soc, can_read_audit
from tinhso.audit.alerts import PRIVILEGE_ACTIONS
from tinhso.audit.models import AuditAnchor, AuditEntry, ChainCheck, SecurityAlert

PAGE_SIZE = 50


class NotAllowed(Exception):
    pass


@dataclass(frozen=True)
class Filters:
    actor: str = ""  # username, exact
    target: str = ""  # exact, or "dossier:<code>"; a bare dossier code is accepted
    action: str = ""  # exact, or a prefix ending with "." (e.g. "auth.")
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "target": self.target,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }


def filtered_entries(filters: Filters) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if filters.actor:
        entries = entries.filter(actor_username=filters.actor)
    if filters.target:
        target = filters.target if ":" in filters.target else f"dossier:{filters.target}"
        entries = entries.filter(target=target)
    if filters.action:
        if filters.action.endswith("."):
            entries = entries.filter(action__startswith=filters.action)
        else:
            entries = entries.filter(action=filters.action)
    if filters.since:
        entries = entries.filter(created_at__gte=filters.since)
    if filters.until:
        entries = entries.filter(created_at__lt=filters.until)
    return entries


def search_entries(
    user: Any, filters: Filters, *, before_id: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[AuditEntry], int | None]:
    """Newest first; returns the page and the cursor (``before_id``) of the next one."""
    if not can_read_audit(user):
        raise NotAllowed
    entries = filtered_entries(filters)
    if before_id is not None:
        entries = entries.filter(id__lt=before_id)
    page = list(entries.order_by("-id")[: limit + 1])
    cursor = page[limit - 1].pk if len(page) > limit else None
    return page[:limit], cursor


def entry_for_auditor(user: Any, pk: int) -> AuditEntry:
    if not can_read_audit(user):
        raise NotAllowed
    return AuditEntry.objects.get(pk=pk)


@dataclass
class SocOverview:
    failed_logins_by_hour: list[tuple[str, int]]
    lockouts: list[AuditEntry]
    without_second_factor: list[User] | None  # None: the accounts app has no second factor yet
    privilege_changes: list[AuditEntry]
    open_alerts: list[SecurityAlert]
    recent_alerts: list[SecurityAlert]
    last_check: ChainCheck | None
    last_anchor: AuditAnchor | None


def failed_logins_by_hour(since: datetime.datetime) -> list[tuple[str, int]]:
    rows = (
        AuditEntry.objects.filter(action="auth.login_failed", created_at__gte=since)
        .annotate(hour=TruncHour("created_at", tzinfo=timezone.get_current_timezone()))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    )
    counts = {timezone.localtime(row["hour"]).strftime("%d/%m %H:00"): row["n"] for row in rows}
    hours = []
    start = timezone.localtime(since).replace(minute=0, second=0, microsecond=0)
    now = timezone.localtime()
    while start <= now:
        label = start.strftime("%d/%m %H:00")
        hours.append((label, counts.get(label, 0)))
        start += datetime.timedelta(hours=1)
    return hours


def officials_without_second_factor() -> list[User] | None:
    """Active officials and administrators with no confirmed second factor.

    None when the accounts app has no second-factor model (``accounts.SecondFactor``).
    """
    try:
        second_factor = apps.get_model("accounts", "SecondFactor")
    except LookupError:
        return None
    must_have = Q(kind__in=[User.Kind.OFFICIAL, User.Kind.ADMIN]) | Q(is_staff=True)
    must_have |= Q(is_superuser=True) | Q(pk__in=StaffAssignment.objects.values("user_id"))
    enrolled = second_factor.objects.filter(confirmed_at__isnull=False).values("user_id")
    return list(
        User.objects.filter(must_have, is_active=True)
        .exclude(pk__in=enrolled)
        .order_by("username")[:500]
    )


def soc_overview(user: Any, *, hours: int = 48) -> SocOverview:
    if not can_operate_soc(user):
        raise NotAllowed
    since = timezone.now() - datetime.timedelta(hours=hours)
    recent = AuditEntry.objects.filter(created_at__gte=since)
    return SocOverview(
        failed_logins_by_hour=failed_logins_by_hour(since),
        lockouts=list(recent.filter(action="auth.lockout").order_by("-id")[:50]),
        without_second_factor=officials_without_second_factor(),
        privilege_changes=list(recent.filter(action__in=PRIVILEGE_ACTIONS).order_by("-id")[:50]),
        open_alerts=list(
            SecurityAlert.objects.filter(acknowledged_at__isnull=True).select_related("rule")[:100]
        ),
        recent_alerts=list(
            SecurityAlert.objects.filter(~Q(acknowledged_at=None))
            .select_related("rule", "acknowledged_by")
            .order_by("-acknowledged_at")[:20]
        ),
        last_check=ChainCheck.objects.first(),
        last_anchor=AuditAnchor.objects.order_by("-id").first(),
    )
