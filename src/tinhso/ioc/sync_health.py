"""The national sync's health per agency, for the operations centre (issue 16).

What a leader needs to know is whether the national portal (Cổng DVCQG) shows their agency's
dossiers as they are here: of the dossiers received in the last ``days`` days, how many the
portal holds (its upsert accepted, what 766 indicator 1.4 counts), how many changed here since the
portal last accepted them ("waiting"), how long the oldest of those has waited, and when the
agency's last dossier was accepted.

Read through the dossier's ``national_sync`` relation (the integration layer's
``NationalSync`` row, one per dossier ever sent), like ``index766._synced``: the operations centre
does not import the integration layer. A dossier is up to date when the portal holds it and its
last accepted upsert (``synced_at``) is not older than its last change (``updated_at``): every
change of a dossier is an event, every event a full-state upsert (docs/integrations.md). The
outbox's own queue, failures and dead letters are on the integration staff's page (/lien-thong/).

The window is of received dossiers (``DossierFact.received_day``, indexed), so the query reads
one month of facts at provincial scale, not every dossier ever filed. Generated dossiers (the
scale benchmark's) are left out: they were never meant for the portal.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Max, Min, Q

from tinhso.agencies.models import Agency
from tinhso.ioc.models import DossierFact
from tinhso.ioc.selectors import IocAccess
from tinhso.units.selectors import today_in_vietnam

HELD_STATES = ("inserted", "updated")
DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class AgencyHealth:
    agency_id: int
    code: str
    name: str
    dossiers: int  # received in the window
    held: int  # the portal holds them (upsert accepted)
    up_to_date: int  # held, and not changed since the last accepted upsert
    oldest_waiting_since: datetime.datetime | None  # the oldest change the portal lacks
    last_synced_at: datetime.datetime | None

    @property
    def waiting(self) -> int:
        return self.dossiers - self.up_to_date

    @property
    def held_percent(self) -> float | None:
        return round(100 * self.held / self.dossiers, 1) if self.dossiers else None

    def lag_seconds(self, now: datetime.datetime) -> int | None:
        if self.oldest_waiting_since is None:
            return None
        return max(0, int((now - self.oldest_waiting_since).total_seconds()))

    def as_dict(self, now: datetime.datetime) -> dict[str, object]:
        return {
            "agency": self.agency_id,
            "code": self.code,
            "name": self.name,
            "dossiers": self.dossiers,
            "held": self.held,
            "held_percent": self.held_percent,
            "up_to_date": self.up_to_date,
            "waiting": self.waiting,
            "oldest_waiting_since": self.oldest_waiting_since,
            "lag_seconds": self.lag_seconds(now),
            "last_synced_at": self.last_synced_at,
        }


def per_agency(access: IocAccess, *, days: int = DEFAULT_DAYS) -> list[AgencyHealth]:
    """One row per agency the viewer may see that received dossiers in the last ``days`` days,
    the agencies with dossiers waiting first (most waiting first), then by name."""
    since = today_in_vietnam() - datetime.timedelta(days=days - 1)
    facts = DossierFact.objects.filter(received_day__gte=since, generated=False)
    if not access.sees_all:
        facts = facts.filter(agency_id__in=access.agency_ids)
    held = Q(dossier__national_sync__state__in=HELD_STATES)
    current = held & Q(dossier__national_sync__synced_at__gte=F("dossier__updated_at"))
    rows = (
        facts.values("agency_id")
        .annotate(
            dossiers=Count("pk"),
            held=Count("pk", filter=held),
            up_to_date=Count("pk", filter=current),
            oldest_waiting=Min("dossier__updated_at", filter=~current),
            last_synced=Max("dossier__national_sync__synced_at"),
        )
        .order_by()
    )
    names = {
        a.pk: a
        for a in Agency.objects.filter(pk__in=[r["agency_id"] for r in rows]).only("code", "name")
    }
    out = [
        AgencyHealth(
            agency_id=r["agency_id"],
            code=names[r["agency_id"]].code if r["agency_id"] in names else "",
            name=names[r["agency_id"]].name if r["agency_id"] in names else "",
            dossiers=r["dossiers"],
            held=r["held"],
            up_to_date=r["up_to_date"],
            oldest_waiting_since=r["oldest_waiting"],
            last_synced_at=r["last_synced"],
        )
        for r in rows
    ]
    out.sort(key=lambda h: (-h.waiting, h.name))
    return out
