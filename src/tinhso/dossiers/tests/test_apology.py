"""Apology and new appointment (R-DL-11, R-DL-12, form 04), beyond the spec's E8.

Office hours 07:00–11:30 and 13:30–17:00 (8 working hours a day); holidays from the pinned
``holidays`` package, plus calendar overrides where a case needs a notice the package lacks (the
New-Year 2026 swap: Fri 2/1/2026 off, Sat 10/1/2026 worked). The span allowed by default is the
procedure's own processing time, counted from the current due date.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.accounts.testing import bearer_header as api_token
from tinhso.agencies.models import Role, StaffAssignment
from tinhso.calendars.models import CalendarOverride
from tinhso.dossiers import services
from tinhso.dossiers.models import DailyCounter, Dossier, HistoryEntry
from tinhso.ioc.facts import facts_for
from tinhso.testing import FORM_DATA, bring_supplement, make_cast, make_staff, pdf_upload
from tinhso.uploads import check_upload

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db(transaction=False)


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def cast(db):
    return make_cast()


def act(user, dossier, action, **kw):
    return services.perform_action(
        user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
    )


def received(cast, when, days="3", *, prepay=False, version=None):
    """A department dossier filed and received at ``when``; ``days`` of processing time."""
    version = version or cast.province_procedure
    version.processing_days = days
    version.fee_online = None
    version.requires_payment_before_processing = prepay
    version.fee = 50000 if prepay else 0
    version.save()
    with time_machine.travel(when, tick=False):
        dossier, _ = services.file_dossier(
            user=cast.citizen,
            version=version,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
            files=[services.NewFile("TK", check_upload(pdf_upload()))],
        )
        return act(cast.clerk, dossier, "receive")


def apologize(user, dossier, when, new_due_at, comment="Cần xác minh thêm với cơ quan khác"):
    with time_machine.travel(when, tick=False):
        return act(user, dossier, "apologize", comment=comment, new_due_at=new_due_at)


def new_year_2026_swap():
    CalendarOverride.objects.create(
        date=datetime.date(2026, 1, 2), kind="day_off", name="Nghỉ hoán đổi Tết Dương lịch 2026"
    )
    CalendarOverride.objects.create(
        date=datetime.date(2026, 1, 10), kind="working_day", name="Làm bù cho ngày 02/01/2026"
    )


# --- the new appointment: a working instant, after the due date, within the span ---------------

# Received Tue 10/6/2025 09:00, 3 working days: due Fri 13/6/2025 09:00; the apology on Wed 11/6;
# latest new date Wed 18/6/2025 09:00 (3 working days after the due date).
PLAIN_CASES = [
    ("saturday", at(2025, 6, 14, 9, 0), "ngày nghỉ"),
    ("sunday", at(2025, 6, 15, 9, 0), "ngày nghỉ"),
    ("lunch break", at(2025, 6, 16, 12, 0), "ngoài giờ làm việc"),
    ("a minute into the lunch break", at(2025, 6, 16, 11, 31), "ngoài giờ làm việc"),
    ("a minute before the afternoon", at(2025, 6, 16, 13, 29), "ngoài giờ làm việc"),
    ("after 17:00", at(2025, 6, 16, 17, 1), "ngoài giờ làm việc"),
    ("before 07:00", at(2025, 6, 16, 6, 59), "ngoài giờ làm việc"),
    ("evening", at(2025, 6, 16, 20, 0), "ngoài giờ làm việc"),
    ("the current due date itself", at(2025, 6, 13, 9, 0), "phải sau ngày hẹn hiện tại"),
    ("before the current due date", at(2025, 6, 13, 8, 0), "phải sau ngày hẹn hiện tại"),
    ("a minute past the span", at(2025, 6, 18, 9, 1), "không được muộn hơn 09:00 18/06/2025"),
    ("the next week's end", at(2025, 6, 20, 17, 0), "không được muộn hơn"),
    ("a year later", at(2026, 6, 15, 9, 0), "không được muộn hơn"),
]


@pytest.mark.parametrize(
    ("case", "new_due_at", "message"), PLAIN_CASES, ids=[c[0] for c in PLAIN_CASES]
)
def test_new_appointment_that_the_rules_refuse_is_400_on_new_due_at(
    cast, case, new_due_at, message
):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    assert dossier.due_at == at(2025, 6, 13, 9, 0)
    with pytest.raises(services.InvalidInput) as refused:
        apologize(cast.leader, dossier, at(2025, 6, 11, 10, 0), new_due_at)
    assert refused.value.field == "new_due_at" and refused.value.status == 400
    assert message in refused.value.message
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.due_at == at(2025, 6, 13, 9, 0) and not after.apologized
    assert after.apology_number == ""


ACCEPTED = [
    ("start of the morning", at(2025, 6, 16, 7, 0)),
    ("end of the morning, 11:30", at(2025, 6, 16, 11, 30)),
    ("start of the afternoon, 13:30", at(2025, 6, 16, 13, 30)),
    ("end of the day, 17:00", at(2025, 6, 16, 17, 0)),
    ("a minute after the due date", at(2025, 6, 13, 9, 1)),
    ("exactly the end of the span", at(2025, 6, 18, 9, 0)),
]


@pytest.mark.parametrize(("case", "new_due_at"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_new_appointment_at_a_working_instant_within_the_span_is_accepted(cast, case, new_due_at):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    dossier = apologize(cast.leader, dossier, at(2025, 6, 11, 10, 0), new_due_at)
    assert dossier.due_at == new_due_at and dossier.apologized
    assert dossier.original_due_at == at(2025, 6, 13, 9, 0)


def test_an_instant_with_seconds_past_the_end_of_office_hours_is_refused(cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    with pytest.raises(services.InvalidInput):
        apologize(cast.leader, dossier, at(2025, 6, 11, 10, 0), at(2025, 6, 16, 17, 0, 1))


def test_the_span_is_a_setting_in_working_days(cast, settings):
    settings.TINHSO_APOLOGY_MAX_EXTENSION_DAYS = 1
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    with pytest.raises(services.InvalidInput) as refused:
        apologize(cast.leader, dossier, at(2025, 6, 11, 10, 0), at(2025, 6, 16, 9, 1))
    assert "09:00 16/06/2025" in refused.value.message
    assert "tối đa 1 ngày làm việc" in refused.value.message
    dossier = apologize(cast.leader, dossier, at(2025, 6, 11, 10, 0), at(2025, 6, 16, 9, 0))
    assert dossier.due_at == at(2025, 6, 16, 9, 0)


def test_a_same_day_procedure_cannot_be_apologised_after_receipt(cast):
    version = cast.province_procedure
    version.same_day = True
    version.same_day_cutoff = datetime.time(15, 0)
    version.save()
    # Received Mon 16/6 09:00, due the same day 17:00: the apology limit, the end of the last
    # working day before the due date, was Fri 13/6 17:00.
    dossier = received(cast, at(2025, 6, 16, 9, 0), days="0", version=version)
    assert dossier.due_at == at(2025, 6, 16, 17, 0)
    with pytest.raises(services.ActionNotAllowed):  # Mon 09:00 is after Fri 13/6 17:00
        apologize(cast.leader, dossier, at(2025, 6, 16, 9, 30), at(2025, 6, 17, 17, 0))


# --- holidays, Tết, make-up Saturdays, year boundaries --------------------------------------


@pytest.mark.parametrize(
    ("new_due_at", "accepted"),
    [
        (at(2025, 9, 1, 9, 0), False),  # National Day holiday (Mon 1/9/2025)
        (at(2025, 9, 2, 9, 0), False),  # National Day (Tue 2/9/2025)
        (at(2025, 9, 5, 10, 0), True),  # Fri 5/9: the end of the 2-day span
        (at(2025, 9, 8, 7, 0), False),  # past the span, though the same working instant
    ],
)
def test_national_day_2025_counts_in_the_span_and_cannot_be_the_new_date(
    cast, new_due_at, accepted
):
    # Thu 28/8/2025 10:00 + 2 working days, over the National Day holiday: Wed 3/9/2025 10:00
    dossier = received(cast, at(2025, 8, 28, 10, 0), days="2")
    assert dossier.due_at == at(2025, 9, 3, 10, 0)
    when = at(2025, 8, 28, 14, 0)
    if accepted:
        assert apologize(cast.leader, dossier, when, new_due_at).due_at == new_due_at
    else:
        with pytest.raises(services.InvalidInput):
            apologize(cast.leader, dossier, when, new_due_at)


def test_apology_is_too_late_on_the_holiday_before_the_due_date(cast):
    # Due Wed 3/9/2025 10:00: the last working day before it is Fri 29/8 (1/9 and 2/9 are off).
    dossier = received(cast, at(2025, 8, 28, 10, 0), days="2")
    ok_until = at(2025, 8, 29, 17, 0)
    with pytest.raises(services.ActionNotAllowed):
        apologize(cast.leader, dossier, at(2025, 9, 1, 9, 0), at(2025, 9, 4, 10, 0))
    dossier = apologize(cast.leader, dossier, ok_until, at(2025, 9, 4, 10, 0))
    assert dossier.apologized


def test_tet_2027_days_cannot_be_the_new_date_and_count_nothing(cast):
    # Mon 1/2/2027 09:00 + 3 working days; Tết 2027 is Thu 4/2 – Wed 10/2: due Thu 11/2 09:00.
    dossier = received(cast, at(2027, 2, 1, 9, 0))
    assert dossier.due_at == at(2027, 2, 11, 9, 0)
    when = at(2027, 2, 3, 16, 0)  # last working day before the due date
    with pytest.raises(services.InvalidInput) as refused:
        apologize(cast.leader, dossier, when, at(2027, 2, 8, 9, 0))
    assert "ngày nghỉ" in refused.value.message
    with pytest.raises(services.InvalidInput):  # the span ends Tue 16/2/2027 09:00
        apologize(cast.leader, dossier, when, at(2027, 2, 16, 9, 30))
    dossier = apologize(cast.leader, dossier, when, at(2027, 2, 16, 9, 0))
    assert dossier.due_at == at(2027, 2, 16, 9, 0)
    assert dossier.original_due_at == at(2027, 2, 11, 9, 0)


def test_apology_during_tet_2027_is_too_late(cast):
    dossier = received(cast, at(2027, 2, 1, 9, 0))
    with pytest.raises(services.ActionNotAllowed):
        apologize(cast.leader, dossier, at(2027, 2, 4, 9, 0), at(2027, 2, 12, 9, 0))


@pytest.mark.parametrize(
    ("new_due_at", "accepted"),
    [
        (at(2026, 1, 10, 9, 0), True),  # the make-up Saturday is a working day
        (at(2026, 1, 17, 9, 0), False),  # an ordinary Saturday is not
        (at(2026, 1, 15, 9, 0), True),  # the end of the span, counting the make-up Saturday
        (at(2026, 1, 16, 8, 0), False),  # without it the span would reach Fri 16/1 09:00
    ],
)
def test_make_up_saturday_and_year_boundary(cast, new_due_at, accepted):
    new_year_2026_swap()
    # Wed 31/12/2025 09:00 + 5 working days, 1/1 holiday, 2/1 off by the swap: Fri 9/1/2026 09:00
    dossier = received(cast, at(2025, 12, 31, 9, 0), days="5")
    assert dossier.due_at == at(2026, 1, 9, 9, 0)
    when = at(2025, 12, 31, 15, 0)  # apologised in the old year, numbered in its register
    if accepted:
        dossier = apologize(cast.leader, dossier, when, new_due_at)
        assert dossier.due_at == new_due_at and dossier.apology_number == "1/2025/STP-XL"
    else:
        with pytest.raises(services.InvalidInput):
            apologize(cast.leader, dossier, when, new_due_at)


def test_the_swapped_day_off_of_new_year_2026_cannot_be_the_new_date(cast):
    new_year_2026_swap()
    dossier = received(cast, at(2025, 12, 30, 9, 0), days="1")  # due Wed 31/12/2025 09:00
    assert dossier.due_at == at(2025, 12, 31, 9, 0)
    with pytest.raises(services.InvalidInput) as refused:
        apologize(cast.leader, dossier, at(2025, 12, 30, 10, 0), at(2026, 1, 2, 9, 0))
    assert "02/01/2026" in refused.value.message
    dossier = apologize(cast.leader, dossier, at(2025, 12, 30, 10, 0), at(2026, 1, 5, 9, 0))
    assert dossier.due_at == at(2026, 1, 5, 9, 0)  # the span: 1 day after Wed 31/12 09:00


def test_after_hours_receipt_of_a_one_day_procedure_leaves_no_time_to_apologise(cast):
    # E2: Fri 13/6/2025 17:20 + 1 day = Mon 16/6 17:00; the apology limit was Fri 13/6 17:00.
    dossier = received(cast, at(2025, 6, 13, 17, 20), days="1")
    assert dossier.due_at == at(2025, 6, 16, 17, 0)
    with pytest.raises(services.ActionNotAllowed):
        apologize(cast.leader, dossier, at(2025, 6, 16, 8, 0), at(2025, 6, 17, 17, 0))


def test_after_hours_receipt_two_days_the_span_ends_at_17_00_not_the_next_morning(cast):
    dossier = received(cast, at(2025, 6, 13, 17, 20), days="2")  # due Tue 17/6 17:00
    assert dossier.due_at == at(2025, 6, 17, 17, 0)
    with pytest.raises(services.InvalidInput):  # Fri 07:00: the same working instant, but later
        apologize(cast.leader, dossier, at(2025, 6, 16, 9, 0), at(2025, 6, 20, 7, 0))
    dossier = apologize(cast.leader, dossier, at(2025, 6, 16, 9, 0), at(2025, 6, 19, 17, 0))
    assert dossier.due_at == at(2025, 6, 19, 17, 0)


def test_apology_at_the_last_minute_of_the_limit_passes_and_a_minute_later_fails(cast):
    first = received(cast, at(2025, 6, 10, 9, 0))  # due Fri 13/6 09:00; limit Thu 12/6 17:00
    assert apologize(cast.leader, first, at(2025, 6, 12, 17, 0), at(2025, 6, 16, 9, 0)).apologized
    second = received(cast, at(2025, 6, 10, 9, 0))
    with pytest.raises(services.ActionNotAllowed):
        apologize(cast.leader, second, at(2025, 6, 12, 17, 1), at(2025, 6, 16, 9, 0))


# --- once; the leader (or a delegate) only; the register number ------------------------------


def test_a_second_apology_is_refused_and_changes_nothing(cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    dossier = apologize(cast.leader, dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 16, 9, 0))
    with pytest.raises(services.ActionNotAllowed) as refused:
        apologize(cast.leader, dossier, at(2025, 6, 11, 10, 0), at(2025, 6, 17, 9, 0))
    assert refused.value.status == 409
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.due_at == at(2025, 6, 16, 9, 0) and after.apology_number == "1/2025/STP-XL"


@pytest.mark.parametrize("who", ["specialist", "clerk"])
def test_only_the_leader_may_apologise_others_get_403(cast, who):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    with pytest.raises(services.NotPermitted) as refused:
        apologize(getattr(cast, who), dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 16, 9, 0))
    assert refused.value.status == 403
    assert not Dossier.objects.get(pk=dossier.pk).apologized


def test_a_leader_of_another_agency_may_not_apologise(cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    with pytest.raises(services.ActionNotAllowed):
        apologize(cast.other_leader, dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 16, 9, 0))


def test_a_delegate_with_a_dated_leader_assignment_may_apologise_while_it_lasts(cast):
    deputy = make_staff("stp.deputy", cast.dept, Role.SPECIALIST)
    StaffAssignment.objects.create(
        user=deputy,
        agency=cast.dept,
        role=Role.LEADER,
        valid_from=datetime.date(2025, 6, 9),
        valid_to=datetime.date(2025, 6, 12),  # exclusive: the delegation ends on the 12th
    )
    first = received(cast, at(2025, 6, 10, 9, 0))
    dossier = apologize(deputy, first, at(2025, 6, 11, 9, 0), at(2025, 6, 16, 9, 0))
    entry = HistoryEntry.objects.get(dossier=dossier, action="apologize")
    assert entry.actor == deputy and entry.actor_role == Role.LEADER
    second = received(cast, at(2025, 6, 10, 9, 0))
    later = Dossier.objects.get(pk=second.pk)
    deputy.__dict__.pop("_agency_roles", None)  # roles are cached per request; a new day, a new one
    with pytest.raises(services.NotPermitted):
        apologize(deputy, later, at(2025, 6, 12, 9, 0), at(2025, 6, 16, 9, 0))


def test_letters_are_numbered_in_the_agencys_register_per_year_without_gaps(cast):
    one = received(cast, at(2025, 6, 10, 9, 0))
    two = received(cast, at(2025, 6, 10, 9, 0))
    # a refused apology takes no number
    with pytest.raises(services.InvalidInput):
        apologize(cast.leader, one, at(2025, 6, 11, 9, 0), at(2025, 6, 14, 9, 0))
    one = apologize(cast.leader, one, at(2025, 6, 11, 9, 0), at(2025, 6, 16, 9, 0))
    two = apologize(cast.leader, two, at(2025, 6, 11, 9, 5), at(2025, 6, 16, 9, 0))
    assert (one.apology_number, two.apology_number) == ("1/2025/STP-XL", "2/2025/STP-XL")
    entry = HistoryEntry.objects.get(dossier=two, action="apologize")
    assert entry.details["number"] == "2/2025/STP-XL"
    # a new year starts the register again; the dossier codes' counter is not disturbed
    dossier = received(cast, at(2026, 3, 2, 9, 0))
    dossier = apologize(cast.leader, dossier, at(2026, 3, 3, 9, 0), at(2026, 3, 6, 10, 0))
    assert dossier.apology_number == "1/2026/STP-XL"
    assert dossier.code.endswith("-0001")
    assert DailyCounter.objects.filter(unit_code="XL:000.00.12.H61").count() == 2


# --- the original date is the one the statistics use ------------------------------------------


def test_completion_is_classified_against_the_original_date_not_the_new_one(cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))  # due Fri 13/6 09:00
    dossier = apologize(cast.leader, dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 18, 9, 0))
    with time_machine.travel(at(2025, 6, 17, 9, 0), tick=False):  # before the new date
        dossier = act(cast.specialist, dossier, "complete_step")
        dossier = act(cast.leader, dossier, "approve")
        dossier = act(cast.clerk, dossier, "issue_result")
    assert dossier.timeliness == "late"
    assert dossier.due_at == at(2025, 6, 18, 9, 0)
    assert dossier.original_due_at == at(2025, 6, 13, 9, 0)


def test_operations_centre_judges_an_open_dossier_by_its_original_date(cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    dossier = apologize(cast.leader, dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 18, 9, 0))
    fact = facts_for([dossier.pk])[dossier.pk]
    assert fact is not None and fact.due_day == datetime.date(2025, 6, 13)


def test_without_an_apology_a_supplement_pause_moves_the_original_date_too(cast):
    # E5: the pause is lawful, so the appointment by law moves with it (Thu 12/6/2025 10:00).
    dossier = received(cast, at(2025, 6, 2, 8, 0), days="5")
    with time_machine.travel(at(2025, 6, 4, 10, 0), tick=False):
        dossier = act(cast.specialist, dossier, "request_supplement", comment="Thiếu", items=["A"])
    supplement(cast, dossier, at(2025, 6, 9, 14, 0))
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.due_at == after.original_due_at == at(2025, 6, 12, 10, 0)


# --- apologies and pauses ------------------------------------------------------------------------


def supplement(cast, dossier, when):
    with time_machine.travel(when, tick=False):
        return bring_supplement(cast, dossier)


def test_apology_during_a_pause_is_judged_against_the_due_date_after_the_pause(cast):
    # E5 dossier: due Mon 9/6/2025 08:00; supplement requested Wed 4/6 10:00 with 22 h left.
    dossier = received(cast, at(2025, 6, 2, 8, 0), days="5")
    with time_machine.travel(at(2025, 6, 4, 10, 0), tick=False):
        dossier = act(cast.specialist, dossier, "request_supplement", comment="Thiếu", items=["A"])
    # On Thu 5/6 09:00 the dossier would be due Mon 9/6 17:00 if it resumed now.
    when = at(2025, 6, 5, 9, 0)
    with pytest.raises(services.InvalidInput) as refused:  # after the old date, not the projected
        apologize(cast.leader, dossier, when, at(2025, 6, 9, 16, 0))
    assert "17:00 09/06/2025" in refused.value.message
    with pytest.raises(services.InvalidInput):  # span: 5 days after Mon 9/6 17:00
        apologize(cast.leader, dossier, when, at(2025, 6, 17, 7, 0))
    dossier = apologize(cast.leader, dossier, when, at(2025, 6, 10, 9, 0))  # 2 working hours on
    assert dossier.status == "supplement_requested" and dossier.apology_extension_minutes == 120
    # The supplement comes Mon 9/6 14:00: 22 h + the 2 h of the apology from then on.
    supplement(cast, dossier, at(2025, 6, 9, 14, 0))
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.due_at == at(2025, 6, 12, 14, 0)
    assert after.original_due_at == at(2025, 6, 12, 10, 0)  # E5's date, untouched by the apology


def test_apology_too_late_against_the_projected_due_date_during_a_pause(cast):
    dossier = received(cast, at(2025, 6, 2, 8, 0), days="5")
    with time_machine.travel(at(2025, 6, 6, 14, 0), tick=False):  # 4 h left when paused
        dossier = act(cast.specialist, dossier, "request_supplement", comment="Thiếu", items=["A"])
    assert Dossier.objects.get(pk=dossier.pk).remaining_minutes == 4 * 60
    # Resumed on Wed 11/6 09:00 it would be due Wed 11/6 15:00: the last working day before it
    # (Tue 10/6) has passed, although the stale pre-pause date (Mon 9/6) says nothing of it.
    with pytest.raises(services.ActionNotAllowed):
        apologize(cast.leader, dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 13, 9, 0))


def test_apology_before_a_pause_keeps_its_extension_after_the_pause(cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))  # due Fri 13/6 09:00
    dossier = apologize(cast.leader, dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 16, 9, 0))
    with time_machine.travel(at(2025, 6, 11, 10, 0), tick=False):
        dossier = act(cast.leader, dossier, "request_supplement", comment="Thiếu", items=["A"])
    supplement(cast, dossier, at(2025, 6, 13, 10, 0))
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.due_at == at(2025, 6, 18, 9, 0)  # 23 h left from Fri 13/6 10:00
    assert after.original_due_at == at(2025, 6, 17, 9, 0)  # 15 h left by law


def test_apology_while_awaiting_the_fee_before_processing(cast):
    # Prepayment: received Tue 10/6/2025 08:00, the whole 3 days wait for the fee; paid now,
    # it would be due Fri 13/6 09:00, so a new date on Fri 13/6 08:30 is not later.
    dossier = received(cast, at(2025, 6, 10, 8, 0), prepay=True)
    assert dossier.status == "awaiting_payment"
    with pytest.raises(services.InvalidInput):
        apologize(cast.leader, dossier, at(2025, 6, 10, 9, 0), at(2025, 6, 13, 8, 30))
    dossier = apologize(cast.leader, dossier, at(2025, 6, 10, 9, 0), at(2025, 6, 16, 9, 0))
    assert dossier.apologized and dossier.apology_extension_minutes == 480


# --- the API contract ------------------------------------------------------------------------------


def post_apology(client, auth, code, new_due_at):
    return client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": "apologize", "comment": "Cần xác minh thêm", "new_due_at": new_due_at},
        content_type="application/json",
        **auth,
    )


@pytest.mark.parametrize(
    ("new_due_at", "message"),
    [
        ("2025-06-14T09:00:00+07:00", "ngày nghỉ"),  # Saturday
        ("2025-09-02T09:00:00+07:00", "ngày nghỉ"),  # National Day (and past the span)
        ("2025-06-16T12:15:00+07:00", "ngoài giờ làm việc"),  # lunch break
        ("2025-06-16T18:00:00+07:00", "ngoài giờ làm việc"),  # evening
        ("2025-06-16T10:00:00Z", "ngoài giờ làm việc"),  # 17:00 local is fine, 10:00 UTC is 17:00
        ("2025-06-12T09:00:00+07:00", "phải sau ngày hẹn hiện tại"),  # before the due date
        ("2025-06-18T09:30:00+07:00", "không được muộn hơn"),  # beyond the span
    ],
)
def test_api_refuses_a_bad_new_date_with_400_on_new_due_at(client, cast, new_due_at, message):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    with time_machine.travel(at(2025, 6, 11, 10, 0), tick=False):
        response = post_apology(client, api_token(client, "stp.leader"), dossier.code, new_due_at)
    if new_due_at.endswith("Z"):  # the one valid instant of the list: 17:00 in Vietnam
        assert response.status_code == 200, response.content
        due = datetime.datetime.fromisoformat(response.json()["due_at"].replace("Z", "+00:00"))
        assert due == at(2025, 6, 16, 17, 0)
        return
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "new_due_at" and message in body["detail"]


def test_api_second_apology_409_and_non_leader_403(client, cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    with time_machine.travel(at(2025, 6, 11, 10, 0), tick=False):
        specialist = post_apology(
            client, api_token(client, "stp.specialist"), dossier.code, "2025-06-16T09:00:00+07:00"
        )
        assert specialist.status_code == 403 and specialist.json()["field"] == "action"
        leader = api_token(client, "stp.leader")
        first = post_apology(client, leader, dossier.code, "2025-06-16T09:00:00+07:00")
        assert first.status_code == 200
        body = first.json()
        assert datetime.datetime.fromisoformat(body["due_at"]) == at(2025, 6, 16, 9, 0)
        assert datetime.datetime.fromisoformat(body["original_due_at"]) == at(2025, 6, 13, 9, 0)
        second = post_apology(client, leader, dossier.code, "2025-06-17T09:00:00+07:00")
        assert second.status_code == 409 and "một lần" in second.json()["detail"]


def test_the_apology_letter_prints_its_register_number_and_both_dates(cast, tmp_path):
    from tinhso.documents import services as slips
    from tinhso.documents.tests import pdftools

    dossier = received(cast, at(2025, 6, 10, 9, 0))
    dossier = apologize(cast.leader, dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 17, 9, 0))
    entry = HistoryEntry.objects.get(dossier=dossier, action="apologize")
    text = pdftools.text(tmp_path, slips.render_slip("apology", dossier=dossier, entry=entry))
    assert "Số: 1/2025/STP-XL" in text
    assert "09 giờ 00 phút, ngày 13 tháng 6 năm 2025" in text.replace("tháng 06", "tháng 6")
    assert "09 giờ 00 phút, ngày 17 tháng 6 năm 2025" in text.replace("tháng 06", "tháng 6")


def test_no_apology_before_receipt_while_a_counter_supplement_is_awaited(cast):
    with time_machine.travel(at(2025, 6, 10, 9, 0), tick=False):
        dossier, _ = services.file_dossier(
            user=cast.citizen,
            version=cast.province_procedure,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
            files=[services.NewFile("TK", check_upload(pdf_upload()))],
        )
        dossier = act(cast.clerk, dossier, "request_supplement", comment="Thiếu", items=["A"])
    with pytest.raises(services.ActionNotAllowed) as refused:
        apologize(cast.leader, dossier, at(2025, 6, 10, 10, 0), at(2025, 6, 16, 9, 0))
    assert refused.value.status == 409 and "chưa được tiếp nhận" in refused.value.message


def test_a_dossier_without_a_recorded_original_date_keeps_the_one_before_the_apology(cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    Dossier.objects.filter(pk=dossier.pk).update(original_due_at=None)  # an older row
    dossier = apologize(cast.leader, dossier, at(2025, 6, 11, 9, 0), at(2025, 6, 16, 9, 0))
    assert dossier.original_due_at == at(2025, 6, 13, 9, 0)


def test_forbidden_role_is_403_but_a_step_out_of_turn_stays_409(cast):
    dossier = received(cast, at(2025, 6, 10, 9, 0))
    with time_machine.travel(at(2025, 6, 10, 10, 0), tick=False):
        with pytest.raises(services.NotPermitted):  # stopping is the leader's decision
            act(cast.specialist, dossier, "stop", comment="Không đủ điều kiện")
        with pytest.raises(services.ActionNotAllowed) as out_of_turn:  # the step is appraisal
            act(cast.leader, dossier, "approve")
    assert out_of_turn.value.status == 409
