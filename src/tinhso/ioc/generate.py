"""A realistic synthetic history of dossiers for demos and benchmarks (``tinhso generate``).

Generated dossiers have codes ``GEN-<run>-<yymmdd>-<n>`` and are filed by the inactive user
``ioc.generator``; they carry no attachments or history rows (docs/ioc.md). Rows are written in
bulk (COPY on PostgreSQL) and committed one batch at a time, then facts and aggregates are rebuilt
in one set-based pass.

A run is fixed by its seed, size, years, batch size and start time ``now``; ``<run>`` is that
time (Unix seconds, base 36), so the codes of two runs never meet and an interrupted run can be
found and resumed from the database alone. The days and their counts come from the run's seed;
batch ``k`` draws everything else from its own generator seeded with ``(seed, k)``, so it makes
the same dossiers whether or not batches ``0 … k-1`` ran in the same process: an interrupted run
that is resumed ends with exactly the dossiers of an uninterrupted one.
"""

import bisect
import datetime
import itertools
import json
import math
import random
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import holidays
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Dossier, Rating, Status, Timeliness
from tinhso.ioc import aggregates
from tinhso.ioc.facts import GENERATED_PREFIX
from tinhso.procedures.models import ProcedureVersion
from tinhso.units.models import AdministrativeUnit

REFORM_DAY = datetime.date(2025, 7, 1)
BATCH = 50_000  # dossiers a batch: one transaction, one COPY
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
        Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    out = []
    rng = random.Random(7)  # noqa: S311 (synthetic data)
    # Ordered, so that a run resumed in another process draws from the same lists.
    versions = (
        ProcedureVersion.objects.filter(effective_to__isnull=True)
        .order_by("pk")
        .prefetch_related(Prefetch("agencies", Agency.objects.order_by("pk")))
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
    "apology_number": "",
    "apology_extension_minutes": None,
    "supplement_due_at": None,
    "fee_exemption": None,
    "return_method": "",
    "postal_address": "",
    "postal_tracking": "",
    "history_seq": 0,
    "step_position": 1,
    "step_started_at": None,
    "other_code": "",
    "other_code_issuer": "",
    "intake_problems": [],
}


def _dossier(
    rng: random.Random,
    dossier_id: int,
    day: datetime.date,
    code: str,
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
        code=code,
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


class GenerateError(Exception):
    """A run that cannot start or resume; the message says why."""


DIGITS36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TABLES = ("dossiers_dossier", "dossiers_rating")
MARKER = "tinhso generate: dropped indexes"  # key of the dossier table's comment during a bulk run


def _base36(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = DIGITS36[digit] + out
        if not number:
            return out


@dataclass(frozen=True)
class Run:
    """One generation run: everything that decides which dossiers it makes."""

    seed: int
    dossiers: int
    years: int
    now: datetime.datetime  # whole seconds: it is written into the codes
    batch_size: int

    @property
    def prefix(self) -> str:
        return f"{GENERATED_PREFIX}{_base36(int(self.now.timestamp()))}-"

    @property
    def batches(self) -> int:
        return math.ceil(self.dossiers / self.batch_size)

    def code(self, day: datetime.date, index: int) -> str:
        return f"{self.prefix}{day:%y%m%d}-{index + 1:07d}"


def run_started_at(code: str) -> datetime.datetime | None:
    """The start time of the run that made the dossier ``code`` (None for other codes, including
    those of the generator before runs had a tag)."""
    parts = code.split("-")
    if len(parts) != 4 or f"{parts[0]}-" != GENERATED_PREFIX:
        return None
    try:
        return datetime.datetime.fromtimestamp(int(parts[1], 36), tz=datetime.UTC)
    except (ValueError, OverflowError):
        return None


class Plan:
    """The run's days and how many dossiers each gets (from the run's seed alone)."""

    def __init__(self, run: Run) -> None:
        self.end = timezone.localdate(run.now)
        self.start = self.end.replace(year=self.end.year - run.years) + datetime.timedelta(days=1)
        rng = random.Random(run.seed)  # noqa: S311 (synthetic data)
        counted = [
            (d, c) for d, c in _days_with_counts(self.start, self.end, run.dossiers, rng) if c
        ]
        self.days = [day for day, _ in counted]
        self.ends = list(itertools.accumulate(count for _, count in counted))

    def day_of(self, index: int) -> datetime.date:
        """The day of the run's ``index``-th dossier (from 0)."""
        return self.days[bisect.bisect_right(self.ends, index)]


@dataclass(frozen=True)
class Context:
    """What every batch reads from the database once: procedures, communes, the filer."""

    choices: list[Choice]
    weights: list[float]
    old_units: list[int]
    new_units: list[int]
    filer: int

    @classmethod
    def load(cls) -> "Context":
        choices = _choices()
        return cls(
            choices=[c for c, _ in choices],
            weights=[w for _, w in choices],
            old_units=_communes(REFORM_DAY - datetime.timedelta(days=1)),
            new_units=_communes(REFORM_DAY),
            filer=_filer(),
        )


def _communes(day: datetime.date) -> list[int]:
    return list(
        AdministrativeUnit.objects.valid_on(day)
        .filter(level="commune")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _batch_rows(
    run: Run, plan: Plan, context: Context, batch: int, ids: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The dossier and rating rows of batch ``batch`` of the run, with the given dossier ids;
    everything random comes from the batch's own seed."""
    first = batch * run.batch_size
    rng = random.Random(f"{run.seed}:{batch}")  # noqa: S311 (synthetic data)
    picks = rng.choices(context.choices, weights=context.weights, k=len(ids))
    span = max((plan.end - plan.start).days, 1)
    rows, ratings = [], []
    for offset, (choice, dossier_id) in enumerate(zip(picks, ids, strict=True)):
        day = plan.day_of(first + offset)
        units = (
            context.new_units if day >= REFORM_DAY or not context.old_units else context.old_units
        )
        online_share = 0.25 + 0.5 * (day - plan.start).days / span
        code = run.code(day, first + offset)
        row, rating = _dossier(
            rng, dossier_id, day, code, choice, units, run.now, online_share, context.filer
        )
        rows.append(row)
        if rating is not None:
            ratings.append(rating)
    return rows, ratings


def _batch_size(run: Run, batch: int) -> int:
    first = batch * run.batch_size
    return min(run.dossiers, first + run.batch_size) - first


def _write_batch(run: Run, plan: Plan, context: Context, batch: int) -> int:
    """Write batch ``batch`` of the run."""
    rows, ratings = _batch_rows(run, plan, context, batch, _reserve_ids(_batch_size(run, batch)))
    _write(Dossier, rows)
    _write(Rating, ratings)
    return len(rows)


# --- PostgreSQL bulk load: secondary indexes off while loading, recorded in the database -------


def _read_marker(cursor: Any) -> tuple[list[list[str]], str | None] | None:
    """The indexes a bulk run dropped and the table's own comment, or None outside a bulk run."""
    cursor.execute("SELECT obj_description('dossiers_dossier'::regclass, 'pg_class')")
    (text,) = cursor.fetchone()
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or MARKER not in data:
        return None
    return data[MARKER], data.get("comment")


def _set_comment(cursor: Any, text: str | None) -> None:
    from psycopg import sql

    statement = sql.SQL("COMMENT ON TABLE dossiers_dossier IS {}").format(sql.Literal(text))
    cursor.cursor.execute(statement)


def _drop_indexes() -> None:
    """Drop the non-unique indexes of the dossier and rating tables and record their definitions
    in the dossier table's comment, in one committed transaction: a run that dies leaves the
    record, and the next run (or ``--resume``) re-creates them. Partial indexes stay: they hold
    only the few open dossiers (cheap to maintain while loading), and PostgreSQL prints their
    predicate in a form that does not read back to the same text, so re-creating them from it
    would change them."""
    with transaction.atomic(), connection.cursor() as cursor:
        found = _read_marker(cursor)
        recorded: list[list[str]] = []
        if found is None:
            cursor.execute("SELECT obj_description('dossiers_dossier'::regclass, 'pg_class')")
            comment = cursor.fetchone()[0]
        else:
            recorded, comment = found
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND i.indexdef NOT LIKE 'CREATE UNIQUE%%' AND i.indexdef NOT LIKE '%% WHERE %%'",
            [list(TABLES)],
        )
        known = {name for name, _ in recorded}
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            if name not in known:
                recorded.append([name, definition])
        _set_comment(cursor, json.dumps({MARKER: recorded, "comment": comment}))


def _restore_indexes() -> None:
    """Re-create the indexes a bulk run dropped (if any), each in one pass, and clear the record."""
    with transaction.atomic(), connection.cursor() as cursor:
        found = _read_marker(cursor)
        if found is None:
            return
        recorded, comment = found
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [list(TABLES)])
        present = {row[0] for row in cursor.fetchall()}
        for name, definition in recorded:
            if name not in present:
                cursor.execute(definition)
        _set_comment(cursor, comment)


# --- the run -----------------------------------------------------------------------------------


def latest_run() -> datetime.datetime | None:
    """Start time of the run that wrote the last generated dossier (None if there is none)."""
    code = (
        Dossier.objects.filter(code__startswith=GENERATED_PREFIX)
        .order_by("-pk")
        .values_list("code", flat=True)
        .first()
    )
    return run_started_at(code) if code else None


CHECKED = ("code", "procedure_version_id", "agency_id", "applicant_name", "status", "submitted_at")


def _check_resumable(run: Run, plan: Plan, context: Context, done: int) -> None:
    """Refuse to resume a run with other parameters than it was started with: the count must
    end a batch, and the first and last dossiers of the last batch written must be the ones
    these parameters make (made again in memory, compared field by field)."""
    fits = 0 < done <= run.dossiers and (done % run.batch_size == 0 or done == run.dossiers)
    if fits:
        last = (done - 1) // run.batch_size
        rows, _ = _batch_rows(run, plan, context, last, [0] * _batch_size(run, last))
        expected = {tuple(row[f] for f in CHECKED) for row in (rows[0], rows[-1])}
        stored = set(
            Dossier.objects.filter(
                code__in=[row["code"] for row in (rows[0], rows[-1])]
            ).values_list(*CHECKED)
        )
        fits = stored == expected
    if not fits:
        raise GenerateError(
            f"Lượt tạo {run.prefix}… đã có {done} hồ sơ, không khớp với các tham số đã cho "
            f"(--dossiers {run.dossiers}, --years {run.years}, --seed {run.seed}, "
            f"--batch-size {run.batch_size}): hãy dùng đúng các tham số của lượt đó."
        )


def generate(
    *,
    dossiers: int,
    years: int,
    seed: int = 1,
    now: datetime.datetime | None = None,
    rebuild: bool = True,
    resume: bool = False,
    batch_size: int = BATCH,
    stop_after_batches: int | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> int:
    """Write ``dossiers`` synthetic dossiers over the last ``years`` years, one committed batch of
    ``batch_size`` at a time, then (unless ``rebuild`` is false) rebuild the operations-centre
    facts and aggregates. Returns the number written by this call.

    ``resume`` continues the run that wrote the last generated dossier (give it the same
    ``dossiers``, ``years``, ``seed`` and ``batch_size``) from its first missing batch, with that
    run's ``now``. ``stop_after_batches`` stops after so many batches, as an interruption would
    (no index re-creation, no rebuild). ``progress(batch, batches, total)`` is called after each
    committed batch."""
    if resume:
        started = latest_run()
        if started is None:
            raise GenerateError("Không có lượt tạo hồ sơ tổng hợp nào để tiếp tục.")
        now = started
    else:
        now = (now or timezone.now()).replace(microsecond=0)
    run = Run(seed=seed, dossiers=dossiers, years=years, now=now, batch_size=batch_size)
    plan = Plan(run)
    context = Context.load()
    done = Dossier.objects.filter(code__startswith=run.prefix).count()
    if resume:
        _check_resumable(run, plan, context, done)
    elif done:
        raise GenerateError(f"Đã có hồ sơ của lượt {run.prefix}…: hãy dùng --resume.")
    bulk = connection.vendor == "postgresql" and dossiers >= BULK_THRESHOLD
    written = 0
    first = run.batches if done == dossiers else done // batch_size
    if first < run.batches:
        if bulk:
            _drop_indexes()
        for batch in range(first, run.batches):
            if stop_after_batches is not None and batch - first >= stop_after_batches:
                return written
            with transaction.atomic():
                if bulk:  # skip the per-row foreign-key triggers: ids were just read here
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                written += _write_batch(run, plan, context, batch)
                if bulk:  # back to normal also when this is a savepoint (tests)
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL session_replication_role = origin")
            if progress is not None:
                progress(batch + 1, run.batches, done + written)
    if connection.vendor == "postgresql":
        _restore_indexes()
    if rebuild:
        aggregates.rebuild()
    return written
