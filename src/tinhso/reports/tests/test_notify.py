"""Messages to the reporter (and supporters on an answer or a merge) at each handling step:
who gets what, on which channel, the answer's text to no one else, nothing on a rollback."""

import pytest
from django.db import transaction

from tinhso.notifications.models import Delivery
from tinhso.reports import notify, services
from tinhso.reports.models import Supporter
from tinhso.reports.services import NotPermitted

from .conftest import file_as

ANSWER = "Đã vá ổ gà và cắm biển cảnh báo."


def sent(topic: str = notify.TOPIC) -> list[Delivery]:
    return list(Delivery.objects.filter(topic=topic).order_by("pk"))


def addresses(deliveries: list[Delivery]) -> set[tuple[str, str]]:
    return {(d.channel, d.recipient) for d in deliveries}


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks):
    """Run a use case and then its after-commit hooks, as a committed request would."""

    def _run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return _run


def test_acknowledgement_reaches_the_reporter_by_email_and_sms(world, run_commits):
    citizen = world.cast.citizen
    report = file_as(citizen)
    run_commits(services.acknowledge, report=report, user=world.dept_clerk, comment="nội bộ")
    deliveries = sent()
    assert addresses(deliveries) == {("email", citizen.email), ("sms", citizen.phone)}
    body = deliveries[0].body
    assert report.public_id in body and world.cast.dept.name in body
    assert "nội bộ" not in body  # an official's comment is not the citizen's message
    assert deliveries[0].subject.startswith(f"Phản ánh {report.public_id}")
    assert all(d.key.startswith(f"{report.public_id}:acknowledge:") for d in deliveries)


def test_answer_goes_to_the_reporter_and_supporters_only(world, run_commits):
    cast = world.cast
    report = file_as(cast.citizen)
    services.support(report=report, user=cast.other_citizen)
    Supporter.objects.create(report=report, phone="+84911222333")  # a supporter by phone
    run_commits(services.answer, report=report, user=cast.specialist, comment=ANSWER)
    deliveries = sent()
    assert addresses(deliveries) == {
        ("email", cast.citizen.email),
        ("sms", cast.citizen.phone),
        ("email", cast.other_citizen.email),
        ("sms", "+84911222333"),
    }
    assert all(ANSWER in d.body for d in deliveries)
    officials = {cast.specialist.email, cast.leader.email, world.dept_clerk.email}
    assert not {d.recipient for d in deliveries} & officials


def test_transfer_tells_the_reporter_the_new_agency_not_the_reason(world, run_commits):
    cast = world.cast
    report = file_as(cast.citizen)
    services.support(report=report, user=cast.other_citizen)
    run_commits(
        services.transfer,
        report=report,
        user=cast.leader,
        agency=cast.other_dept,
        comment="Lý do nội bộ giữa hai sở",
    )
    deliveries = sent()
    assert addresses(deliveries) == {("email", cast.citizen.email), ("sms", cast.citizen.phone)}
    assert cast.other_dept.name in deliveries[0].body
    assert "Lý do nội bộ" not in deliveries[0].body


def test_close_tells_the_reporter_once_per_step(world, run_commits):
    cast = world.cast
    report = file_as(cast.citizen)
    services.support(report=report, user=cast.other_citizen)
    report = services.answer(report=report, user=cast.leader, comment=ANSWER)  # hooks not run
    assert sent() == []
    run_commits(services.close, report=report, user=cast.leader)
    deliveries = sent()
    assert addresses(deliveries) == {("email", cast.citizen.email), ("sms", cast.citizen.phone)}
    assert ANSWER not in deliveries[0].body and "kết thúc" in deliveries[0].body


def test_merge_tells_the_merged_reports_people_not_the_survivors(world, run_commits):
    cast = world.cast
    survivor = file_as(cast.citizen)
    duplicate = file_as(cast.other_citizen, text="Đường hư, nhiều ổ gà")
    Supporter.objects.create(report=duplicate, phone="+84911222333")
    Supporter.objects.create(report=survivor, phone="+84900000001")  # already follows survivor
    run_commits(services.merge, report=duplicate, user=world.dept_clerk, into=survivor)
    deliveries = sent()
    assert addresses(deliveries) == {
        ("email", cast.other_citizen.email),
        ("sms", cast.other_citizen.phone),
        ("sms", "+84911222333"),
    }
    assert all(survivor.public_id in d.body for d in deliveries)


def test_nothing_is_sent_when_the_step_rolls_back(world, django_capture_on_commit_callbacks):
    report = file_as(world.cast.citizen)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.answer(report=report, user=world.cast.leader, comment=ANSWER)
        raise RuntimeError("the caller's transaction fails after the step")
    assert callbacks == [] and sent() == []
    report.refresh_from_db()
    assert report.status == report.Status.RECEIVED


def test_a_refused_step_sends_nothing(world, run_commits):
    report = file_as(world.cast.citizen)
    with pytest.raises(NotPermitted):
        run_commits(services.answer, report=report, user=world.cast.other_leader, comment="x")
    assert sent() == []


def test_a_repeated_hook_does_not_send_twice(world, django_capture_on_commit_callbacks):
    report = file_as(world.cast.citizen)
    with django_capture_on_commit_callbacks() as callbacks:
        services.acknowledge(report=report, user=world.dept_clerk)
    assert len(callbacks) == 1
    callbacks[0]()
    callbacks[0]()  # a retried task
    assert len(sent()) == 2  # e-mail and SMS, once each


def test_anonymous_reporter_is_told_by_sms(world, run_commits):
    report = file_as(world.cast.citizen)
    report.reporter = None
    report.reporter_phone = "+84933444555"
    report.save(update_fields=["reporter", "reporter_phone"])
    run_commits(services.acknowledge, report=report, user=world.dept_clerk)
    assert addresses(sent()) == {("sms", "+84933444555")}
