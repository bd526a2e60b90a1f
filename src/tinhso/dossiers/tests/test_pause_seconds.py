"""Pausing and resuming keeps the working time to the second (issue 15, "Deadlines to the
minute"): the dossier stores whole minutes, the seconds come from the pause's start."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.testing import bring_supplement, file_online, make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db(transaction=False)


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def cast(db):
    return make_cast()


def act(user, dossier, action, when, **kw):
    with time_machine.travel(when, tick=False):
        return services.perform_action(
            user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
        )


def received(cast, when):
    with time_machine.travel(when, tick=False):
        dossier = file_online(cast)
    return act(cast.clerk, dossier, "receive", when)


def paused_and_resumed(cast, received_at, paused_at, resumed_at):
    return pause_and_resume(cast, received(cast, received_at), paused_at, resumed_at)


def pause_and_resume(cast, dossier, paused_at, resumed_at):
    """A supplement asked for at ``paused_at`` and brought at ``resumed_at``: the due date
    before the pause and the dossier after it."""
    due_before = dossier.due_at
    act(
        cast.specialist,
        dossier,
        "request_supplement",
        paused_at,
        comment="Thiếu bản sao giấy khai sinh",
        items=["Giấy khai sinh"],
    )
    with time_machine.travel(resumed_at, tick=False):
        bring_supplement(cast, Dossier.objects.get(pk=dossier.pk))
    return due_before, Dossier.objects.get(pk=dossier.pk)


def test_pause_at_09_15_42_gives_back_the_remaining_working_time_to_the_second(cast):
    cal = get_calendar()
    paused_at, resumed_at = at(2025, 6, 3, 9, 15, 42), at(2025, 6, 5, 14, 0, 0)
    due_before, after = paused_and_resumed(cast, at(2025, 6, 2, 8, 0, 0), paused_at, resumed_at)
    left = cal.working_time_between(paused_at, due_before)
    assert left.seconds % 60 == 18  # the 18 seconds the whole minutes used to drop
    assert after.due_at is not None
    assert cal.working_time_between(resumed_at, after.due_at) == left
    assert after.due_at.astimezone(TZ).second == 18


def test_resume_at_a_second_past_the_minute_keeps_the_same_time_left(cast):
    cal = get_calendar()
    paused_at, resumed_at = at(2025, 6, 3, 9, 15, 42), at(2025, 6, 5, 14, 0, 37)
    due_before, after = paused_and_resumed(cast, at(2025, 6, 2, 8, 0, 5), paused_at, resumed_at)
    assert after.due_at is not None
    assert cal.working_time_between(resumed_at, after.due_at) == cal.working_time_between(
        paused_at, due_before
    )


def test_a_dossier_already_late_at_the_pause_stays_late_by_the_same_seconds(cast):
    cal = get_calendar()
    dossier = received(cast, at(2025, 6, 2, 8, 0, 0))
    assert dossier.due_at is not None
    paused_at = cal.add_working_time(dossier.due_at, datetime.timedelta(minutes=70, seconds=25))
    resumed_at = at(2025, 7, 1, 9, 0, 0)
    due_before, after = pause_and_resume(cast, dossier, paused_at, resumed_at)
    assert after.due_at is not None
    late = cal.working_time_between(due_before, paused_at)
    assert late == datetime.timedelta(minutes=70, seconds=25)
    assert cal.working_time_between(after.due_at, resumed_at) == late
