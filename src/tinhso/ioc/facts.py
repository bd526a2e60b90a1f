"""The facts of one dossier that the operations centre counts (docs/ioc.md, "Definitions").

``facts_for`` computes them in Python for a batch of dossiers (the live path); ``facts_sql`` is the same
definition as one set-based query (the rebuild and bulk path). Tests check that both agree.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from tinhso.agencies.models import Agency
from tinhso.calendars.worktime import WorkCalendar, get_calendar
from tinhso.dossiers.models import Attachment, Channel, Dossier, Rating, Status
from tinhso.results.models import ResultDocument

GENERATED_PREFIX = "GEN-"  # codes of dossiers written by ``tinhso generate``
CLOSED_WITHOUT_RESULT = (Status.WITHDRAWN, Status.STOPPED, Status.REFUSED)
PAUSED_STATES = (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT)
LOCAL_AGENCY_KINDS = (Agency.Kind.COMMUNE_COMMITTEE, Agency.Kind.DISTRICT_COMMITTEE)


@dataclass(frozen=True)
class Fact:
    dossier_id: int
    generated: bool
    agency_id: int
    procedure_id: int
    unit_id: int
    channel: int
    submitted_day: datetime.date | None
    received_day: datetime.date | None
    resolved_day: datetime.date | None
    closed_day: datetime.date | None
    closed_status: str
    timeliness: str
    processing_minutes: int
    fee_due: bool
    paid_online: bool
    digitised: bool
    reused: bool
    eresult: bool
    rating: int | None
    is_open: bool
    open_paused: bool
    due_day: datetime.date | None


FACT_FIELDS = tuple(f.name for f in fields(Fact))


def local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def minutes_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole minutes between two instants, each truncated to the second (as the SQL does)."""
    return (int(end.timestamp()) - int(start.timestamp())) // 60


def working_minutes_between(
    cal: WorkCalendar, start: datetime.datetime, end: datetime.datetime
) -> int:
    """Whole working minutes between two instants, each truncated to the second (as the SQL
    does with ``WorkDay``): the processing time of indicator 2.2, in working time."""
    return cal.working_time_between(
        start.replace(microsecond=0), end.replace(microsecond=0)
    ) // datetime.timedelta(minutes=1)


def fill_workdays() -> None:
    """Refill ``WorkDay`` from the working calendar for every day a filed dossier was received
    or completed on (whole, one origin), before the set-based rebuild of the facts."""
    from tinhso.ioc.models import WorkDay

    span = Dossier.objects.exclude(received_at__isnull=True).aggregate(
        first=Min("received_at"), last=Max("completed_at"), last_received=Max("received_at")
    )
    WorkDay.objects.all().delete()
    if span["first"] is None:
        return
    cal = get_calendar()
    day = timezone.localdate(span["first"])
    last = max(
        timezone.localdate(moment)
        for moment in (span["last"], span["last_received"])
        if moment is not None
    )
    rows, before = [], 0
    while day <= last:
        working = cal.is_working_day(day)
        rows.append(WorkDay(day=day, working=working, minutes_before=before))
        if working:
            before += cal.minutes_per_day
        day += datetime.timedelta(days=1)
    WorkDay.objects.bulk_create(rows, batch_size=2000)


def fact_for(dossier: Dossier) -> Fact | None:
    """The facts of ``dossier`` now; None for a draft (never counted)."""
    return facts_for([dossier.pk]).get(dossier.pk)


def facts_for(dossier_ids: Iterable[int]) -> dict[int, Fact | None]:
    """The facts of these dossiers now, in five queries whatever their number (the live path
    of the operations centre folds a batch of events at once). A draft or a dossier that no
    longer exists maps to None."""
    ids = sorted(set(dossier_ids))
    out: dict[int, Fact | None] = dict.fromkeys(ids)
    if not ids:
        return out
    dossiers = list(
        Dossier.objects.filter(pk__in=ids)
        .exclude(status=Status.DRAFT)
        .exclude(code__isnull=True)
        .annotate(
            procedure_id=F("procedure_version__procedure_id"),
            agency_kind=F("agency__kind"),
            agency_unit=F("agency__unit_id"),
        )
        .only(
            "pk",
            "code",
            "status",
            "agency_id",
            "applicant_unit_id",
            "channel",
            "submitted_at",
            "received_at",
            "completed_at",
            "closed_at",
            "timeliness",
            "fee_amount",
            "paid_online",
            "due_at",
            "original_due_at",
        )
    )
    if not dossiers:
        return out
    found = [d.pk for d in dossiers]
    files = {
        row["dossier_id"]: row
        for row in Attachment.objects.filter(dossier_id__in=found)
        .values("dossier_id")
        .annotate(
            total=Count("pk"),
            scanned=Count("pk", filter=Q(digitised=True) | Q(reused_from__isnull=False)),
            reused=Count("pk", filter=Q(reused_from__isnull=False)),
        )
    }
    ratings = dict(Rating.objects.filter(dossier_id__in=found).values_list("dossier_id", "score"))
    eresults = set(
        ResultDocument.objects.filter(dossier_id__in=found, revoked=False, signed_at__isnull=False)
        .exclude(file="")
        .values_list("dossier_id", flat=True)
    )
    cal = get_calendar()
    for dossier in dossiers:
        out[dossier.pk] = _fact(
            dossier,
            files.get(dossier.pk, {"total": 0, "scanned": 0, "reused": 0}),
            ratings.get(dossier.pk),
            dossier.pk in eresults,
            cal,
        )
    return out


def _fact(
    dossier: Any, files: dict[str, int], rating: int | None, eresult: bool, cal: WorkCalendar
) -> Fact:
    assert dossier.code is not None
    unit_id = dossier.applicant_unit_id or 0
    if not unit_id and dossier.agency_kind in LOCAL_AGENCY_KINDS and dossier.agency_unit:
        unit_id = dossier.agency_unit
    resolved = dossier.completed_at is not None
    closed = dossier.status in CLOSED_WITHOUT_RESULT
    is_open = dossier.received_at is not None and not resolved and not closed
    paused = is_open and dossier.status in PAUSED_STATES
    minutes = 0
    if resolved and dossier.received_at is not None:
        assert dossier.completed_at is not None
        minutes = working_minutes_between(cal, dossier.received_at, dossier.completed_at)
    return Fact(
        dossier_id=dossier.pk,
        generated=dossier.code.startswith(GENERATED_PREFIX),
        agency_id=dossier.agency_id,
        procedure_id=dossier.procedure_id,
        unit_id=unit_id,
        channel=dossier.channel,
        submitted_day=local_day(dossier.submitted_at),
        received_day=local_day(dossier.received_at),
        resolved_day=local_day(dossier.completed_at),
        closed_day=local_day(dossier.closed_at) if closed else None,
        closed_status=dossier.status if closed else "",
        timeliness=dossier.timeliness if resolved else "",
        processing_minutes=minutes,
        fee_due=dossier.fee_amount > 0,
        paid_online=dossier.paid_online,
        digitised=dossier.channel == Channel.ONLINE
        or (files["total"] > 0 and files["scanned"] == files["total"]),
        reused=files["reused"] > 0,
        eresult=eresult,
        rating=rating,
        is_open=is_open,
        open_paused=paused,
        # The appointment by law, not the one an apology moved (R-DL-12, docs/lifecycle.md);
        # kept once resolved or closed, so a past period judges its open dossiers as of its end.
        due_day=local_day(dossier.original_due_at or dossier.due_at)
        if dossier.received_at is not None and not paused
        else None,
    )


def _day(column: str) -> str:
    """SQL for the Vietnam-local calendar day of a timestamp column (UTC+7, no daylight saving)."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
    return f"date({column}, '+7 hours')"


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"floor(extract(epoch from {column}))::bigint"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _worked(workday: str, column: str) -> str:
    """SQL: working seconds from the origin of ``WorkDay`` to the instant ``column`` (truncated
    to the second), the working calendar's office hours clipped as ``working_time_between``
    does; ``workday`` is the alias of the ``WorkDay`` row of its local day."""
    seconds = f"(({_epoch(column)} + 25200) %% 86400)"  # local second of the day (UTC+7)
    high, low = ("GREATEST", "LEAST") if connection.vendor == "postgresql" else ("MAX", "MIN")
    parts = " + ".join(
        f"{high}(0, {low}({seconds}, {_second(end)}) - {_second(start)})"
        for start, end in get_calendar().office_hours
    )
    return f"({workday}.minutes_before * 60 + CASE WHEN {workday}.working THEN {parts} ELSE 0 END)"


def _second(moment: datetime.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def facts_sql(where: str = "") -> str:
    """SELECT producing one row per filed dossier with the columns of ``ioc_dossierfact``
    (in ``FACT_FIELDS`` order). ``where`` is an extra condition on ``d`` (the dossier)."""
    kinds = ", ".join(f"'{k}'" for k in LOCAL_AGENCY_KINDS)
    closed = ", ".join(f"'{s}'" for s in CLOSED_WITHOUT_RESULT)
    paused = ", ".join(f"'{s}'" for s in PAUSED_STATES)
    true, false = ("TRUE", "FALSE") if connection.vendor == "postgresql" else ("1", "0")
    is_open = (
        f"(d.received_at IS NOT NULL AND d.completed_at IS NULL AND d.status NOT IN ({closed}))"
    )
    is_closed = f"d.status IN ({closed})"
    return f"""
SELECT
  d.id,
  CASE WHEN d.code LIKE '{GENERATED_PREFIX}%%' THEN {true} ELSE {false} END,
  d.agency_id,
  pv.procedure_id,
  COALESCE(d.applicant_unit_id,
           CASE WHEN ag.kind IN ({kinds}) THEN ag.unit_id END, 0),
  d.channel,
  {_day("d.submitted_at")},
  {_day("d.received_at")},
  {_day("d.completed_at")},
  CASE WHEN {is_closed} THEN {_day("d.closed_at")} END,
  CASE WHEN {is_closed} THEN d.status ELSE '' END,
  CASE WHEN d.completed_at IS NOT NULL THEN d.timeliness ELSE '' END,
  CASE WHEN d.completed_at IS NOT NULL AND d.received_at IS NOT NULL
       THEN ({_worked("wc", "d.completed_at")} - {_worked("wr", "d.received_at")}) / 60 ELSE 0 END,
  CASE WHEN d.fee_amount > 0 THEN {true} ELSE {false} END,
  d.paid_online,
  CASE WHEN d.channel = {int(Channel.ONLINE)} THEN {true}
       WHEN COALESCE(att.total, 0) > 0 AND att.scanned = att.total THEN {true}
       ELSE {false} END,
  CASE WHEN COALESCE(att.reused, 0) > 0 THEN {true} ELSE {false} END,
  CASE WHEN rd.id IS NOT NULL THEN {true} ELSE {false} END,
  r.score,
  CASE WHEN {is_open} THEN {true} ELSE {false} END,
  CASE WHEN {is_open} AND d.status IN ({paused}) THEN {true} ELSE {false} END,
  CASE WHEN d.received_at IS NOT NULL AND NOT ({is_open} AND d.status IN ({paused}))
       THEN {_day("COALESCE(d.original_due_at, d.due_at)")} END
FROM dossiers_dossier d
JOIN procedures_procedureversion pv ON pv.id = d.procedure_version_id
JOIN agencies_agency ag ON ag.id = d.agency_id
LEFT JOIN ioc_workday wr ON wr.day = {_day("d.received_at")}
LEFT JOIN ioc_workday wc ON wc.day = {_day("d.completed_at")}
LEFT JOIN (
  SELECT dossier_id, COUNT(*) AS total,
         SUM(CASE WHEN digitised OR reused_from_id IS NOT NULL THEN 1 ELSE 0 END) AS scanned,
         SUM(CASE WHEN reused_from_id IS NOT NULL THEN 1 ELSE 0 END) AS reused
  FROM dossiers_attachment GROUP BY dossier_id
) att ON att.dossier_id = d.id
LEFT JOIN results_resultdocument rd
  ON rd.dossier_id = d.id AND NOT rd.revoked AND rd.signed_at IS NOT NULL AND rd.file <> ''
LEFT JOIN dossiers_rating r ON r.dossier_id = d.id
WHERE d.status <> '{Status.DRAFT}' AND d.code IS NOT NULL {("AND " + where) if where else ""}
"""  # noqa: S608 (identifiers and constants from code; ``where`` is code, never user input)
