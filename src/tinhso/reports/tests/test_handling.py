"""Handling: every official step, who may take it, the clock (transfer keeps it, no pause),
reopening within and after the period, rating, merging, inbound updates, the inbox."""

import datetime

import pytest

from tinhso.agencies.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.reports import selectors, services
from tinhso.reports.models import Report, ReportEvent, Supporter
from tinhso.reports.services import ActionNotAllowed, InvalidInput, NotPermitted
from tinhso.testing import make_staff

from .conftest import MONDAY_9, file_as

S = Report.Status
LATER = MONDAY_9 + datetime.timedelta(hours=2)


def test_full_path_acknowledge_assign_answer_close(world):
    cast = world.cast
    report = file_as(cast.citizen)
    report = services.acknowledge(report=report, user=world.dept_clerk, now=LATER)
    report = services.assign(report=report, user=cast.leader, assignee=cast.specialist, now=LATER)
    assert report.status == S.ASSIGNED and report.assignee == cast.specialist
    report = services.answer(
        report=report, user=cast.specialist, comment="Đã vá ổ gà ngày 3/3.", now=LATER
    )
    assert report.status == S.ANSWERED and report.answered_at == LATER
    assert report.answer == "Đã vá ổ gà ngày 3/3." and report.answerer == cast.specialist
    assert report.open311_status == "closed"
    report = services.close(report=report, user=world.dept_clerk, now=LATER)
    assert report.status == S.CLOSED and report.closed_at == LATER
    actions = list(ReportEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == ["file", "acknowledge", "assign", "answer", "close"]
    audited = set(
        AuditEntry.objects.filter(target=f"report:{report.public_id}").values_list(
            "action", flat=True
        )
    )
    assert audited == {f"report.{a}" for a in actions}


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("acknowledge", "specialist"),  # answer only
        ("answer", "dept_clerk"),  # clerks do not answer
        ("close", "specialist"),
        ("acknowledge", "other_leader"),  # another agency
        ("answer", "citizen"),
    ],
)
def test_roles_outside_the_action_are_refused(world, action, who):
    report = file_as(world.cast.citizen)
    user = world.dept_clerk if who == "dept_clerk" else getattr(world.cast, who)
    call = {
        "acknowledge": lambda: services.acknowledge(report=report, user=user),
        "answer": lambda: services.answer(report=report, user=user, comment="Trả lời"),
        "close": lambda: services.close(report=report, user=user),
    }[action]
    with pytest.raises(NotPermitted):
        call()
    assert Report.objects.get(pk=report.pk).status == S.RECEIVED


def test_state_rules(world):
    report = file_as(world.cast.citizen)
    with pytest.raises(ActionNotAllowed):  # close needs an answer
        services.close(report=report, user=world.cast.leader)
    services.acknowledge(report=report, user=world.cast.leader)
    with pytest.raises(ActionNotAllowed):  # acknowledged once
        services.acknowledge(report=report, user=world.cast.leader)
    with pytest.raises(InvalidInput) as caught:  # an answer needs its text
        services.answer(report=report, user=world.cast.leader, comment="  ")
    assert caught.value.field == "comment"


def test_assignee_must_work_in_the_responsible_agency(world):
    report = file_as(world.cast.citizen)
    with pytest.raises(InvalidInput) as caught:
        services.assign(report=report, user=world.cast.leader, assignee=world.cast.other_specialist)
    assert caught.value.field == "assignee"


def test_transfer_needs_a_reason_and_keeps_the_clock(world):
    cast = world.cast
    report = file_as(cast.citizen)
    due = report.due_at
    with pytest.raises(InvalidInput):
        services.transfer(report=report, user=cast.leader, agency=cast.other_dept, comment="")
    moved = services.transfer(
        report=report,
        user=cast.leader,
        agency=cast.other_dept,
        comment="Thuộc thẩm quyền Sở Xây dựng",
        now=MONDAY_9 + datetime.timedelta(days=3),
    )
    assert moved.agency == cast.other_dept and moved.due_at == due  # no restart, no pause
    assert moved.status == S.RECEIVED
    with pytest.raises(NotPermitted):  # the old agency no longer handles it
        services.acknowledge(report=moved, user=cast.leader)
    services.answer(report=moved, user=cast.other_specialist, comment="Sẽ sửa trong tuần.")


def test_dispatcher_routes_the_queue(world):
    report = file_as(world.cast.citizen, category="quy-dinh-hanh-chinh", place=None)
    with pytest.raises(NotPermitted):  # a department leader is not a dispatcher
        services.transfer(
            report=report, user=world.cast.leader, agency=world.cast.dept, comment="x"
        )
    with pytest.raises(NotPermitted):  # dispatchers route, they do not answer
        services.answer(report=report, user=world.dispatcher, comment="Trả lời")
    admin = make_staff("ttpvhcc.admin", world.cast.centre, Role.AGENCY_ADMIN)
    assert services.is_dispatcher(admin)
    routed = services.transfer(
        report=report, user=world.dispatcher, agency=world.cast.dept, comment="Giao Sở Tư pháp"
    )
    assert routed.agency == world.cast.dept
    assert list(selectors.dispatch_queue(world.dispatcher)) == []


def _answered(world, when=LATER):
    report = file_as(world.cast.citizen)
    return services.answer(report=report, user=world.cast.leader, comment="Đã xử lý", now=when)


def test_reporter_reopens_within_the_period_with_a_new_due_date(world, settings):
    settings.TINHSO_REPORTS_REOPEN_DAYS = 7
    report = _answered(world)
    with pytest.raises(NotPermitted):
        services.reopen(report=report, user=world.cast.other_citizen, now=LATER)
    at = LATER + datetime.timedelta(days=6)
    reopened = services.reopen(report=report, user=world.cast.citizen, comment="Vẫn còn", now=at)
    assert reopened.status == S.IN_PROGRESS and reopened.reopened and reopened.reopen_count == 1
    assert reopened.due_at == services.after_working_days(at, world.road.handle_days)
    assert reopened.open311_status == "open"


def test_reopen_after_the_period_is_refused(world, settings):
    settings.TINHSO_REPORTS_REOPEN_DAYS = 7
    report = _answered(world)
    with pytest.raises(ActionNotAllowed):
        services.reopen(
            report=report, user=world.cast.citizen, now=LATER + datetime.timedelta(days=8)
        )
    assert Report.objects.get(pk=report.pk).reopened is False


def test_rating_by_the_reporter_after_the_answer(world):
    report = file_as(world.cast.citizen)
    with pytest.raises(ActionNotAllowed):  # nothing to rate yet
        services.rate(report=report, user=world.cast.citizen, rating="satisfied")
    report = services.answer(report=report, user=world.cast.leader, comment="Đã xử lý")
    with pytest.raises(NotPermitted):
        services.rate(report=report, user=world.cast.other_citizen, rating="satisfied")
    with pytest.raises(InvalidInput):
        services.rate(report=report, user=world.cast.citizen, rating="great")
    rated = services.rate(report=report, user=world.cast.citizen, rating="dissatisfied")
    assert rated.citizen_rating == Report.Rating.DISSATISFIED


def test_support_once_and_not_on_private_or_closed_reports(world):
    report = file_as(world.cast.citizen)
    first = services.support(report=report, user=world.cast.other_citizen)
    again = services.support(report=report, user=world.cast.other_citizen)
    assert first.pk == again.pk and report.supporters.count() == 1
    with pytest.raises(ActionNotAllowed):  # one's own report
        services.support(report=report, user=world.cast.citizen)
    private = file_as(world.cast.citizen, text="Chuyện riêng", private=True)
    with pytest.raises(ActionNotAllowed):
        services.support(report=private, user=world.cast.other_citizen)


def test_merge_moves_supporters_and_the_reporter_to_the_survivor(world):
    cast = world.cast
    survivor = file_as(cast.citizen)
    duplicate = file_as(cast.other_citizen, text="Đường hư, nhiều ổ gà")
    extra = make_staff("helper", cast.other_dept, Role.CLERK)  # any user can support
    services.support(report=duplicate, user=extra)
    services.support(report=duplicate, user=cast.citizen)  # already the survivor's reporter
    merged = services.merge(report=duplicate, user=world.dept_clerk, into=survivor)
    assert merged.status == S.MERGED and merged.duplicate_of == survivor
    assert merged.open311_status == "closed"
    followers = set(Supporter.objects.filter(report=survivor).values_list("user_id", flat=True))
    assert followers == {extra.pk, cast.other_citizen.pk}
    assert not Supporter.objects.filter(report=duplicate).exists()
    with pytest.raises(ActionNotAllowed):  # merged once
        services.merge(report=merged, user=world.dept_clerk, into=survivor)


def test_merge_refuses_itself_and_other_categories(world):
    report = file_as(world.cast.citizen)
    flood = file_as(world.cast.citizen, category="ngap-ung", text="Ngập")
    with pytest.raises(InvalidInput):
        services.merge(report=report, user=world.cast.leader, into=report)
    with pytest.raises(InvalidInput):
        services.merge(report=report, user=world.cast.leader, into=flood)


def test_inbound_update_is_idempotent_by_update_id(world):
    report = file_as(world.cast.citizen)
    first = services.add_update(
        report=report, source="fms", external_id="u-1", description="Đã xem"
    )
    retry = services.add_update(
        report=report, source="fms", external_id="u-1", description="Đã xem"
    )
    assert first.created and not retry.created and first.update.pk == retry.update.pk
    assert report.updates.count() == 1
    other = file_as(world.cast.citizen, text="Ổ gà khác")
    with pytest.raises(ActionNotAllowed):
        services.add_update(report=other, source="fms", external_id="u-1")


def test_inbox_due_soon_and_overdue(world, settings):
    settings.TINHSO_DUE_SOON_WORKING_HOURS = 8
    report = file_as(world.cast.citizen)
    leader = world.cast.leader
    assert list(selectors.inbox(leader)) == [report]
    assert list(selectors.inbox(world.cast.other_leader)) == []
    assert not selectors.due_soon(leader, now=MONDAY_9).exists()
    day_before = report.due_at - datetime.timedelta(days=3)  # Friday 9:00: 1 working day left
    assert list(selectors.due_soon(leader, now=day_before)) == [report]
    late = report.due_at + datetime.timedelta(minutes=1)
    assert list(selectors.overdue(leader, now=late)) == [report]
    assert not selectors.due_soon(leader, now=late).exists()
