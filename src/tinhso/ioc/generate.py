"""A realistic synthetic history of dossiers for demos and benchmarks (``tinhso generate``).

Generated dossiers have codes starting with ``GEN-`` and are filed by the inactive user
``ioc.generator``; they carry no attachments or history rows (docs/ioc.md). Rows are written in
bulk (COPY on PostgreSQL), then facts and aggregates are rebuilt in one set-based pass.
"""

import datetime
import json
import random
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import holidays
from django.db import connection, transaction
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Dossier, Rating, Status, Timeliness
from tinhso.ioc import aggregates
from tinhso.ioc.facts import GENERATED_PREFIX
from tinhso.procedures.models import ProcedureVersion
from tinhso.units.models import AdministrativeUnit

REFORM_DAY = datetime.date(2025, 7, 1)
BATCH = 50_000
BULK_THRESHOLD = 100_000  # from this many dossiers, load without secondary indexes (PostgreSQL)
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")  # no daylight saving: local days are UTC+7
# Month factors: a busy spring, a slower summer, a year-end rush (illustrative seasonality).
MONTH_FACTOR = [0.8, 0.7, 1.1, 1.05, 1.0, 0.95, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Đặng", "Bùi", "Đỗ"]
GIVEN = [
    "Văn An",
    "Thị Bích",
    "Minh Châu",
    "Quốc Dũng",
    "Thị Hoa",
    "Hữu Phước",
    "Ngọc Lan",
    "Văn Tâm",
]


@dataclass(frozen=True)
class Choice:
    version_id: int
    processing_days: float
    online_days: float
    fee: int
    fee_online: int
    agency_ids: tuple[int, ...]
    receiving_id: int | None
    commune_level: bool


def _choices() -> list[tuple[Choice, float]]:
    communes = tuple(
        Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True).values_list(
            "pk", flat=True
        )
    )
    out = []
    rng = random.Random(7)  # noqa: S311 (synthetic data)
    versions = ProcedureVersion.objects.filter(effective_to__isnull=True).prefetch_related(
        "agencies"
    )
    for v in versions:
        commune = v.level == ProcedureVersion.Level.COMMUNE
        agency_ids = communes if commune else tuple(a.pk for a in v.agencies.all())
        if not agency_ids:
            continue
        choice = Choice(
            v.pk,
            float(v.processing_days),
            float(v.processing_days_for(True)),
            v.fee_for(False),
            v.fee_for(True),
            agency_ids,
            v.receiving_agency_id,
            commune,
        )
        out.append((choice, rng.uniform(0.2, 3.0) * (2.0 if commune else 1.0)))
    if not out:
        raise RuntimeError("No procedures with agencies: run `tinhso load_demo` first.")
    return out


def day_weights(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, float]]:
    """Relative filing volume per day: weekdays, seasons, holidays off, the Tết dip and the
    catch-up after it."""
    years = range(start.year, end.year + 1)
    off = holidays.country_holidays("VN", years=years)
    tet = sorted(d for d, name in off.items() if "Lunar New Year" in name)
    out = []
    day = start
    while day <= end:
        weight = MONTH_FACTOR[day.month - 1] * (1 + 0.15 * (day.year - start.year))
        if day.weekday() >= 5 or day in off:
            weight *= 0.08  # on-line filings only
        near = [t for t in tet if t.year == day.year]
        if near and near[0] - datetime.timedelta(days=10) <= day < near[0]:
            weight *= 0.6  # the run-up to Tết
        if near and near[-1] < day <= near[-1] + datetime.timedelta(days=10):
            weight *= 1.3  # catch-up after Tết
        out.append((day, weight))
        day += datetime.timedelta(days=1)
    return out


def _add_working_days(start: datetime.datetime, days: float) -> datetime.datetime:
    whole = int(days)
    weeks, whole = divmod(whole, 5)
    moment = start + datetime.timedelta(days=7 * weeks)  # five working days = one week
    while whole > 0:
        moment += datetime.timedelta(days=1)
        if moment.weekday() < 5:
            whole -= 1
    return moment + datetime.timedelta(hours=(days - int(days)) * 8)


def _reserve_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('dossiers_dossier', 'id')) "
                "FROM generate_series(1, %s)",
                [count],
            )
            return [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dossiers_dossier")
        (top,) = cursor.fetchone()
        return list(range(top + 1, top + 1 + count))


def _write(model: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    columns = [f.column for f in fields]
    names = [f.attname for f in fields]
    json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    values = []
    for r in rows:
        row = [r[name] for name in names]
        for i in json_at:
            row[i] = json.dumps(row[i])
        values.append(row)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 (identifiers from code)
                values,
            )


DOSSIER_DEFAULTS: dict[str, Any] = {
    "applicant_id": None,
    "applicant_id_number": "",
    "applicant_phone": "",
    "applicant_email": "",
    "applicant_address": "",
    "data": {},
    "search_text": "",
    "clock_started_at": None,
    "remaining_minutes": None,
    "assignee_id": None,
    "resume_status": "",
    "deadline_alert": "",
    "apologized": False,
    "fee_exemption": None,
    "return_method": "",
    "postal_address": "",
    "postal_tracking": "",
    "history_seq": 0,
    "step_position": 1,
    "step_started_at": None,
}


def _dossier(
    rng: random.Random,
    dossier_id: int,
    day: datetime.date,
    seq: int,
    choice: Choice,
    units: list[int],
    now: datetime.datetime,
    online_share: float,
    filer_id: int,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    tz = TZ
    weekend = day.weekday() >= 5
    channel = 2 if weekend or rng.random() < online_share else (3 if rng.random() < 0.03 else 1)
    online = channel == 2
    hour = rng.uniform(7.0, 17.0) if not online else rng.uniform(6.0, 23.0)
    submitted = datetime.datetime.combine(day, datetime.time(), tzinfo=tz) + datetime.timedelta(
        hours=hour
    )
    agency_id = rng.choice(choice.agency_ids)
    fee = choice.fee_online if online else choice.fee
    row: dict[str, Any] = dict(DOSSIER_DEFAULTS)
    row.update(
        id=dossier_id,
        code=f"{GENERATED_PREFIX}{day:%y%m%d}-{seq:07d}",
        procedure_version_id=choice.version_id,
        agency_id=agency_id,
        receiving_agency_id=choice.receiving_id or agency_id,
        filed_by_id=filer_id,
        channel=channel,
        applicant_name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
        applicant_unit_id=rng.choice(units) if units else None,
        created_at=submitted,
        updated_at=submitted,
        submitted_at=submitted,
        fee_amount=fee,
        paid_amount=0,
        paid_online=False,
        status=Status.SUBMITTED,
        received_at=None,
        due_at=None,
        original_due_at=None,
        completed_at=None,
        returned_at=None,
        closed_at=None,
        timeliness="",
    )
    fate = rng.random()
    receipt = submitted + datetime.timedelta(hours=rng.uniform(0.2, 20 if online else 1))
    if fate < 0.01 or receipt > now:
        if fate < 0.01 and receipt <= now:
            row.update(status=Status.REFUSED, closed_at=receipt)
        return row, None
    days = choice.online_days if online else choice.processing_days
    due = _add_working_days(receipt, max(days, 0.5))
    row.update(received_at=receipt, clock_started_at=receipt, due_at=due, original_due_at=due)
    if fee:
        row["paid_amount"] = fee
        row["paid_online"] = online and rng.random() < 0.45 + online_share / 2
    roll = rng.random()
    if roll < 0.025:
        closed = receipt + (due - receipt) * rng.random()
        if closed <= now:
            row.update(status=Status.WITHDRAWN if roll < 0.02 else Status.STOPPED, closed_at=closed)
            return row, None
    late = rng.random() < 0.07
    span = (due - receipt) * (rng.uniform(0.3, 1.0) if not late else rng.uniform(1.05, 1.8))
    completed = receipt + span
    if completed > now:
        paused = rng.random() < 0.1
        row["status"] = Status.SUPPLEMENT_REQUESTED if paused else Status.PROCESSING
        if paused:
            row["resume_status"] = Status.PROCESSING
        return row, None
    due_day, done_day = due.date(), completed.date()  # local: every instant here is in TZ
    timeliness = (
        Timeliness.EARLY
        if done_day < due_day
        else Timeliness.ON_TIME
        if done_day == due_day
        else Timeliness.LATE
    )
    returned = completed + datetime.timedelta(hours=rng.uniform(1, 60))
    row.update(completed_at=completed, timeliness=timeliness, step_position=5)
    if returned > now:
        row["status"] = Status.RESULT_READY
        return row, None
    row.update(status=Status.RETURNED, returned_at=returned, closed_at=returned)
    if rng.random() < 0.3:
        score = rng.choices([1, 2, 3, 4, 5], weights=[2, 3, 10, 35, 50])[0]
        return row, {
            "dossier_id": dossier_id,
            "score": score,
            "comment": "",
            "created_at": returned,
        }
    return row, None


def _filer() -> int:
    user, created = User.objects.get_or_create(
        username="ioc.generator",
        defaults={"kind": User.Kind.OFFICIAL, "full_name": "Dữ liệu tổng hợp", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return int(user.pk)


def _days_with_counts(
    start: datetime.date, end: datetime.date, total: int, rng: random.Random
) -> Iterator[tuple[datetime.date, int]]:
    weights = day_weights(start, end)
    scale = total / sum(w for _, w in weights)
    remaining = total
    for index, (day, weight) in enumerate(weights):
        count = (
            remaining
            if index == len(weights) - 1
            else min(remaining, int(weight * scale + rng.random()))
        )
        remaining -= count
        yield day, count


@contextmanager
def _bulk_load(tables: tuple[str, ...], rows: int) -> Iterator[None]:
    """On PostgreSQL, for a large load: drop the tables' non-unique indexes and rebuild them
    afterwards in one pass each, and skip the per-row foreign-key triggers (the generator only
    writes ids it has just read from the same database). Inside the caller's transaction, so a
    failure leaves everything as it was."""
    if connection.vendor != "postgresql" or rows < BULK_THRESHOLD:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            # Partial indexes stay: they hold only the few open dossiers (cheap to maintain
            # while loading), and PostgreSQL prints their predicate in a form that does not
            # read back to the same text, so re-creating them from it would change them.
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND i.indexdef NOT LIKE 'CREATE UNIQUE%%' AND i.indexdef NOT LIKE '%% WHERE %%'",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)


def generate(
    *,
    dossiers: int,
    years: int,
    seed: int = 1,
    now: datetime.datetime | None = None,
    rebuild: bool = True,
) -> int:
    """Write ``dossiers`` synthetic dossiers over the last ``years`` years, then (unless
    ``rebuild`` is false) rebuild the operations-centre aggregates. Returns the number written."""
    now = now or timezone.now()
    end = timezone.localdate(now)
    start = end.replace(year=end.year - years) + datetime.timedelta(days=1)
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    choices = _choices()
    weights = [w for _, w in choices]
    old_units = list(
        AdministrativeUnit.objects.valid_on(REFORM_DAY - datetime.timedelta(days=1))
        .filter(level="commune")
        .values_list("pk", flat=True)
    )
    new_units = list(
        AdministrativeUnit.objects.valid_on(REFORM_DAY)
        .filter(level="commune")
        .values_list("pk", flat=True)
    )
    filer = _filer()
    written = 0
    seq = Dossier.objects.filter(code__startswith=GENERATED_PREFIX).count()
    pending: list[tuple[datetime.date, Choice]] = []
    with transaction.atomic():
        with _bulk_load(("dossiers_dossier", "dossiers_rating"), dossiers):
            for day, count in _days_with_counts(start, end, dossiers, rng):
                picks = rng.choices([c for c, _ in choices], weights=weights, k=count)
                pending.extend((day, c) for c in picks)
                if len(pending) >= BATCH:
                    written += _flush(
                        pending, rng, now, start, end, old_units, new_units, filer, seq + written
                    )
                    pending = []
            written += _flush(
                pending, rng, now, start, end, old_units, new_units, filer, seq + written
            )
        if rebuild:
            aggregates.rebuild()
    return written


def _flush(
    pending: list[tuple[datetime.date, Choice]],
    rng: random.Random,
    now: datetime.datetime,
    start: datetime.date,
    end: datetime.date,
    old_units: list[int],
    new_units: list[int],
    filer: int,
    seq: int,
) -> int:
    if not pending:
        return 0
    ids = _reserve_ids(len(pending))
    rows, ratings = [], []
    span = max((end - start).days, 1)
    for offset, ((day, choice), dossier_id) in enumerate(zip(pending, ids, strict=True)):
        units = new_units if day >= REFORM_DAY or not old_units else old_units
        online_share = 0.25 + 0.5 * (day - start).days / span
        row, rating = _dossier(
            rng, dossier_id, day, seq + offset + 1, choice, units, now, online_share, filer
        )
        rows.append(row)
        if rating is not None:
            ratings.append(rating)
    _write(Dossier, rows)
    _write(Rating, ratings)
    return len(rows)
