"""A random but legal history of dossiers, driven through the real dossier services."""

import contextlib
import datetime
import random
from zoneinfo import ZoneInfo

import time_machine

from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers import services
from tinhso.dossiers.models import Channel, Dossier, Status
from tinhso.dossiers.selectors import available_actions
from tinhso.ioc import receivers
from tinhso.testing import FORM_DATA, Cast, pdf_upload
from tinhso.uploads import check_upload

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def file(cast: Cast, rng: random.Random, moment: datetime.datetime) -> Dossier:
    counter = rng.random() < 0.4
    version = cast.province_procedure if rng.random() < 0.6 else cast.commune_procedure
    citizen = cast.citizen if rng.random() < 0.7 else cast.other_citizen
    with time_machine.travel(moment, tick=False):
        dossier, _ = services.file_dossier(
            user=cast.clerk if counter and version == cast.province_procedure else citizen,
            version=version,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(citizen),
            channel=Channel.COUNTER if counter else Channel.ONLINE,
            files=[
                services.NewFile("TK", check_upload(pdf_upload()), digitised=rng.random() < 0.7)
            ],
        )
    return dossier


# Detours are rarer than progress, so dossiers also reach their result.
WEIGHTS = {
    "withdraw": 0.2,
    "stop": 0.2,
    "refuse": 0.2,
    "apologize": 0.5,
    "request_supplement": 1.0,
    "request_payment": 1.0,
}


def officials(cast: Cast) -> list:
    return [
        cast.clerk,
        cast.specialist,
        cast.leader,
        cast.commune_clerk,
        cast.commune_specialist,
        cast.commune_leader,
    ]


def step(cast: Cast, rng: random.Random, dossier: Dossier, moment: datetime.datetime) -> None:
    """Take one random allowed action on ``dossier`` at ``moment`` (or rate, or pay)."""
    dossier.refresh_from_db()
    with time_machine.travel(moment, tick=False):
        if dossier.status == Status.RETURNED:
            if dossier.applicant_id and not hasattr(dossier, "rating") and rng.random() < 0.6:
                owner = (
                    cast.citizen if dossier.applicant_id == cast.citizen.pk else cast.other_citizen
                )
                services.rate_dossier(user=owner, dossier=dossier, score=rng.randint(1, 5))
            return
        if dossier.status == Status.AWAITING_PAYMENT and rng.random() < 0.7:
            services.record_payment(
                dossier_id=dossier.pk,
                amount=dossier.fee_amount - dossier.paid_amount,
                online=rng.random() < 0.6,
                reference=f"T{dossier.pk}-{rng.randint(0, 10**6)}",
            )
            return
        choices = []
        for user in officials(cast):
            for action in available_actions(user, dossier):
                if action in ("claim", "assign"):
                    continue
                choices.append((user, action))
        if not choices:
            return
        weights = [WEIGHTS.get(a, 4.0) for _, a in choices]
        user, action = rng.choices(choices, weights=weights)[0]
        request = services.ActionRequest(action=action, comment="Lý do thử nghiệm")
        if action == "request_supplement":
            request.items = ["Bản sao"]
        if action == "apologize":  # one working day later: a working instant within the span
            request.new_due_at = get_calendar().add_working_minutes(dossier.due_at or moment, 480)
        if action == "supplement":  # a supplement brings a document (an empty one is refused),
            # scanned at the counter by the clerk who takes it in
            services.add_attachment(
                user=user,
                dossier=dossier,
                document_code="CCCD",
                upload=check_upload(pdf_upload()),
                digitised=True,
            )
        if action == "return_result":
            request.return_method = "counter"
        # e.g. an apology after its limit: the rules refuse it and nothing changes
        with contextlib.suppress(services.DossierError):
            services.perform_action(user=user, dossier=dossier, request=request)


def run(cast: Cast, seed: int, dossiers: int = 12, days: int = 30) -> list[Dossier]:
    rng = random.Random(seed)
    start = at(2025, 6, 23, 8, 0)
    made: list[Dossier] = []
    for day in range(days):
        base = start + datetime.timedelta(days=day)
        for _ in range(rng.randint(0, 2)):
            if len(made) < dossiers:
                made.append(file(cast, rng, base + datetime.timedelta(minutes=rng.randint(0, 600))))
        for dossier in made:
            if rng.random() < 0.6:
                step(cast, rng, dossier, base + datetime.timedelta(hours=rng.randint(1, 14)))
        if rng.random() < 0.4:  # the operations centre catches up at random moments, in batches
            receivers.catch_up()
    receivers.catch_up()
    return made
