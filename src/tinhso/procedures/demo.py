"""Demo publication facts of the catalogue (766 indicators 1.1–1.3).

The real facts come from the national TTHC database (``tinhso national catalogue``). So that the
operations centre shows 1.1–1.3 in the current month before any sync, the demo records on each
procedure's latest version an illustrative publication decision signed on the first day of the
current month, in force that day, and made public on the national database two days later (or
today, if that is earlier). Dates are relative to today like the rest of the demo's history; the
decision number says it is illustrative. Facts already recorded by a sync (another decision
number) are left alone. Called by ``tinhso load_demo`` (idempotent).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from tinhso.accounts.demo import ensure_demo_allowed
from tinhso.procedures import versions
from tinhso.procedures.models import Procedure

DEMO_DECISION = "0000/QĐ-UBND (minh họa)"


@transaction.atomic
def load(today: datetime.date | None = None) -> int:
    """Record the demo decision on the latest version of every procedure without a decision of
    its own; returns how many versions carry it."""
    ensure_demo_allowed()
    today = today or timezone.localdate()
    signed = today.replace(day=1)
    publication = versions.Publication(
        decision_number=DEMO_DECISION,
        decision_date=signed,
        effective_on=signed,
        published_on=min(signed + datetime.timedelta(days=2), today),
    )
    count = 0
    for procedure in Procedure.objects.order_by("code"):
        version = versions.latest(procedure)
        if version is None:
            continue
        if version.decision_number not in ("", DEMO_DECISION):
            continue  # a sync recorded the real decision
        versions.record_publication(version, publication)
        count += 1
    return count
