"""Fill a freshly migrated benchmark database; run by ``bench/run.py`` as
``python -m bench.seed --dossiers N --lookups M`` with the server's environment.

Creates the test cast (``tinhso.testing.make_cast``), then ``N`` dossiers with realistic codes
``<receiving agency code>-<yymmdd>-<seq>`` spread over the 365 days before today and over three
receiving agencies (the one-stop centre and two ward committees), with matching daily counters.
``M`` of them, chosen at random, get a plausible history (submit, receive, steps, result) and are
the codes the lookup benchmark asks for. Prints one JSON object on stdout, which also holds the
queries one public lookup runs and the database's plans for them.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections import Counter
from zoneinfo import ZoneInfo

import django

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Võ",
    "Phan",
    "Trương",
    "Bùi",
    "Đặng",
    "Đỗ",
]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Quốc", "Thùy", "Đức", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hùng",
    "Lan",
    "Mai",
    "Nam",
    "Phúc",
    "Quyên",
    "Tâm",
]

# Status mix of a year of dossiers: most finished and returned.
STATUS_WEIGHTS = {
    "returned": 70,
    "result_ready": 5,
    "processing": 10,
    "received": 4,
    "supplement_requested": 3,
    "submitted": 3,
    "refused": 2,
    "withdrawn": 1,
    "stopped": 2,
}
# The public history each final status implies, as (action, status after it).
PATHS = {
    "submitted": [("submit", "submitted")],
    "refused": [("submit", "submitted"), ("refuse", "refused")],
    "received": [("submit", "submitted"), ("receive", "received")],
    "processing": [
        ("submit", "submitted"),
        ("receive", "received"),
        ("complete_step", "processing"),
    ],
    "supplement_requested": [
        ("submit", "submitted"),
        ("receive", "received"),
        ("request_supplement", "supplement_requested"),
    ],
    "withdrawn": [("submit", "submitted"), ("receive", "received"), ("withdraw", "withdrawn")],
    "stopped": [
        ("submit", "submitted"),
        ("receive", "received"),
        ("complete_step", "processing"),
        ("stop", "stopped"),
    ],
    "result_ready": [
        ("submit", "submitted"),
        ("receive", "received"),
        ("complete_step", "processing"),
        ("approve", "processing"),
        ("issue_result", "result_ready"),
    ],
    "returned": [
        ("submit", "submitted"),
        ("receive", "received"),
        ("complete_step", "processing"),
        ("approve", "processing"),
        ("issue_result", "result_ready"),
        ("return_result", "returned"),
    ],
}


def seed(dossiers: int, lookups: int, rng: random.Random) -> dict[str, object]:
    from django.db import connection, models, transaction
    from django.utils import timezone

    from tinhso.dossiers.models import Channel, DailyCounter, Dossier, HistoryEntry
    from tinhso.testing import FORM_DATA, make_cast

    started = time.perf_counter()
    with transaction.atomic():
        cast = make_cast()
    # Seeded rows carry their own filing time: switch auto_now(_add) off in this process only.
    for name in ("created_at", "updated_at"):
        stamp = Dossier._meta.get_field(name)
        assert isinstance(stamp, models.DateTimeField)
        stamp.auto_now = stamp.auto_now_add = False
    province = cast.province_procedure
    # (receiving agency, competent agency, procedure version, its fee)
    offices = [
        (cast.centre, cast.dept, province, province.fee),
        (cast.commune, cast.commune, cast.commune_procedure, 0),
        (cast.other_commune, cast.other_commune, cast.commune_procedure, 0),
    ]
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    today = timezone.localdate()
    counters: Counter[tuple[str, datetime.date]] = Counter()
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    batch: list[Dossier] = []
    with transaction.atomic():
        for _ in range(dossiers):
            day = today - datetime.timedelta(days=rng.randint(1, 365))
            receiving, competent, version, fee = rng.choice(offices)
            counters[(receiving.code, day)] += 1
            code = f"{receiving.code}-{day:%y%m%d}-{counters[(receiving.code, day)]:04d}"
            at = datetime.datetime.combine(day, datetime.time(7, 0), zone) + datetime.timedelta(
                minutes=rng.randint(0, 600)
            )
            status = rng.choices(statuses, weights)[0]
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            phone = f"+849{rng.randint(0, 99_999_999):08d}"
            received = (
                at + datetime.timedelta(hours=1) if status not in ("submitted", "refused") else None
            )
            due = received + datetime.timedelta(days=5) if received else None
            done = status in ("result_ready", "returned")
            dossier = Dossier(
                code=code,
                procedure_version=version,
                agency=competent,
                receiving_agency=receiving,
                filed_by=cast.clerk,
                channel=rng.choice([Channel.COUNTER, Channel.ONLINE]),
                status=status,
                applicant_name=name,
                applicant_phone=phone,
                data=FORM_DATA,
                fee_amount=fee,
                created_at=at,
                updated_at=due or at,
                submitted_at=at,
                received_at=received,
                clock_started_at=received,
                due_at=due,
                original_due_at=due,
                completed_at=due - datetime.timedelta(days=1) if done and due else None,
                returned_at=due if status == "returned" else None,
                step_position=1,
                history_seq=len(PATHS[status]),
            )
            dossier.refresh_search_text()
            batch.append(dossier)
            if len(batch) == 5000:
                Dossier.objects.bulk_create(batch)
                batch = []
        Dossier.objects.bulk_create(batch)
        DailyCounter.objects.bulk_create(
            DailyCounter(unit_code=unit, day=day, last=last)
            for (unit, day), last in counters.items()
        )
    seeded = time.perf_counter() - started

    ids = list(Dossier.objects.values_list("pk", flat=True))
    chosen = Dossier.objects.filter(pk__in=rng.sample(ids, min(lookups, len(ids)))).only(
        "pk", "code", "status", "applicant_phone", "submitted_at", "agency_id"
    )
    entries: list[HistoryEntry] = []
    targets: list[tuple[str, str]] = []
    for d in chosen.iterator():
        assert d.code is not None and d.submitted_at is not None
        previous = "draft"
        for seq, (action, to_status) in enumerate(PATHS[d.status], start=1):
            entries.append(
                HistoryEntry(
                    dossier_id=d.pk,
                    seq=seq,
                    action=action,
                    from_status=previous,
                    to_status=to_status,
                    actor=cast.clerk,
                    actor_role="clerk",
                    agency_id=d.agency_id,
                    at=d.submitted_at + datetime.timedelta(hours=seq),
                    details={},
                )
            )
            previous = to_status
        targets.append((d.code, d.applicant_phone[-4:]))
    HistoryEntry.objects.bulk_create(entries, batch_size=5000)
    with connection.cursor() as cursor:  # planner statistics (and on PostgreSQL the visibility map)
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    plans = explain_lookup(targets[0][0]) if targets else {}
    return {
        "dossiers": Dossier.objects.count(),
        "history_entries": HistoryEntry.objects.count(),
        "seed_seconds": round(seeded, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "username": cast.citizen.username,
        "password": "pw",
        "procedure": province.procedure.code,
        "form_data": FORM_DATA,
        "lookups": targets,
        "lookup_plans": plans,
    }


def explain_lookup(code: str) -> dict[str, object]:
    """The queries one public lookup runs, and the database's plan for the two that touch big tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.dossiers.models import Dossier, HistoryEntry
    from tinhso.dossiers.selectors import public_lookup, public_view

    dossier = Dossier.objects.get(code=code)
    with CaptureQueriesContext(connection) as queries:
        found = public_lookup(code, dossier.applicant_phone[-4:])
        assert found is not None
        public_view(found)
    # The same querysets the selector builds (tinhso.dossiers.selectors.public_lookup / public_view).
    by_code = (
        Dossier.objects.select_related("procedure_version", "agency")
        .only(
            "code",
            "status",
            "applicant_phone",
            "submitted_at",
            "received_at",
            "due_at",
            "returned_at",
            "procedure_version__name",
            "agency__name",
        )
        .exclude(status="draft")
        .filter(code=code)
    )
    history = HistoryEntry.objects.filter(dossier=dossier)
    return {
        "queries": [q["sql"] for q in queries.captured_queries],
        "dossier_plan": by_code.order_by("-created_at")[:1].explain(),
        "history_plan": history.explain(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    result = seed(args.dossiers, args.lookups, random.Random(args.seed))
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
