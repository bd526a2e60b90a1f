"""The dossier-changed event (ADR 0009): recorded with the change, delivered after commit to
subscribers registered from outside the dossier core, each at its own pace."""

import datetime
import logging

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from tinhso.documents.models import IssuedSlip
from tinhso.dossiers import events, services
from tinhso.dossiers.models import DossierEvent, SubscriberCursor
from tinhso.notifications.models import Delivery
from tinhso.testing import file_online, make_cast, pdf_upload
from tinhso.uploads import check_upload


@pytest.fixture
def seen():
    """A throw-away subscriber, registered from this test module only."""
    received: list[tuple[int, str, str, int | None]] = []
    events.register(
        "test-seen",
        lambda e: received.append((e.dossier_id, e.kind, e.action, e.history_seq)),
    )
    yield received
    events.unregister("test-seen")


class Flaky:
    """Fails ``failures`` times, then records what it was given."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.handled: list[int] = []

    def __call__(self, event: DossierEvent) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("hệ thống nhận đang bận")
        self.handled.append(event.pk)


@pytest.fixture
def flaky():
    subscriber = Flaky(failures=1)
    events.register("test-flaky", subscriber)
    yield subscriber
    events.unregister("test-flaky")


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_sees_one_event_per_committed_change_and_none_for_a_rolled_back_one(seen):
    cast = make_cast()
    dossier = file_online(cast)
    dossier = services.receive_dossier(user=cast.clerk, dossier=dossier)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.claim_dossier(user=cast.specialist, dossier=dossier)
        raise RuntimeError("rolled back after the change")
    with pytest.raises(services.ActionNotAllowed):  # refused before anything is written
        services.approve_dossier(user=cast.leader, dossier=dossier)
    services.complete_step(user=cast.specialist, dossier=dossier, comment="Hợp lệ")

    assert seen == [
        (dossier.pk, "filed", "submit", 1),
        (dossier.pk, "action", "receive", 2),
        (dossier.pk, "action", "complete_step", 3),
    ]
    assert DossierEvent.objects.filter(action="claim").count() == 0
    last = DossierEvent.objects.latest("position")
    assert SubscriberCursor.objects.get(name="test-seen").position == last.position
    # the real subscribers ran too: the receipt and the applicant's notice of receipt
    assert IssuedSlip.objects.filter(dossier=dossier, kind="receipt", history_seq=2).exists()
    assert Delivery.objects.filter(dossier=dossier, event="received", history_seq=2).count() == 2


def test_events_wait_for_the_commit_and_are_dispatched_once_per_transaction(
    db, seen, django_capture_on_commit_callbacks
):
    cast = make_cast()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            dossier = file_online(cast)
            services.add_attachment(
                user=cast.citizen,
                dossier=dossier,
                document_code="TK",
                upload=check_upload(pdf_upload()),
            )
        assert seen == []  # nothing is delivered before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert [(kind, action) for _, kind, action, _ in seen] == [
        ("filed", "submit"),
        ("attachment", ""),
    ]


def test_a_failing_subscriber_blocks_no_one_and_catches_up_later(
    db, seen, flaky, django_capture_on_commit_callbacks, caplog
):
    cast = make_cast()
    with django_capture_on_commit_callbacks(execute=True):
        dossier = file_online(cast)
    event = DossierEvent.objects.get(dossier=dossier)
    assert len(seen) == 1 and flaky.handled == []  # the others got it
    cursor = SubscriberCursor.objects.get(name="test-flaky")
    assert (cursor.position, cursor.failing_event, cursor.attempts) == (0, event.pk, 1)
    assert "ConnectionError" in cursor.last_error and cursor.retry_at is not None
    assert "test-flaky failed on dossier event" in caplog.text

    with django_capture_on_commit_callbacks(execute=True):
        services.receive_dossier(user=cast.clerk, dossier=dossier)
    assert len(seen) == 2 and flaky.handled == []  # still waiting for its retry time

    with time_machine.travel(cursor.retry_at + datetime.timedelta(seconds=1)):
        handled = events.dispatch()  # what the periodic task does
    assert handled["test-flaky"] == 2
    assert flaky.handled == list(
        DossierEvent.objects.filter(dossier=dossier)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    cursor.refresh_from_db()
    assert cursor.position == DossierEvent.objects.latest("position").position
    assert (cursor.failing_event, cursor.attempts, cursor.last_error) == (None, 0, "")


def test_an_event_that_keeps_failing_is_skipped_and_logged(
    db, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(events, "MAX_ATTEMPTS", 3)
    broken = Flaky(failures=100)
    events.register("test-broken", broken)
    try:
        cast = make_cast()
        with django_capture_on_commit_callbacks(execute=True):
            dossier = file_online(cast)
        event = DossierEvent.objects.get(dossier=dossier)
        with caplog.at_level(logging.ERROR, logger="tinhso.dossiers.events"):
            events.dispatch(retry_now=True)
            events.dispatch(retry_now=True)
        cursor = SubscriberCursor.objects.get(name="test-broken")
        assert (cursor.position, cursor.skipped, cursor.last_skipped_event) == (
            event.position,
            1,
            event.pk,
        )
        assert "ConnectionError" in cursor.last_skipped_error
        assert f"Dossier event {event.pk} skipped by subscriber test-broken" in caplog.text
        assert broken.handled == []
    finally:
        events.unregister("test-broken")


def test_a_subscriber_name_is_taken_once():
    events.register("test-once", print)
    try:
        with pytest.raises(ValueError, match="already registered"):
            events.register("test-once", repr)
    finally:
        events.unregister("test-once")


def test_record_refuses_to_run_outside_a_transaction(transactional_db):
    cast = make_cast()
    dossier = file_online(cast)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        events.record(dossier_id=dossier.pk, kind=DossierEvent.Kind.SYSTEM)


def test_the_command_dispatches_and_shows_the_lag(db, flaky, capsys):
    cast = make_cast()
    file_online(cast)  # never committed in this test: nothing dispatched it yet
    call_command("dossier_events")
    assert "test-flaky: còn 1 sự kiện." in capsys.readouterr().out
    call_command("dossier_events", "--dispatch")
    out = capsys.readouterr().out
    assert "test-flaky: còn 1 sự kiện; lỗi ở sự kiện" in out and "ConnectionError" in out
    call_command("dossier_events", "--retry")
    out = capsys.readouterr().out
    assert "test-flaky: đã xử lý 1 sự kiện." in out and "test-flaky: còn 0 sự kiện." in out


def test_named_use_cases_change_the_dossier_and_record_their_events(db):
    cast = make_cast()
    dossier = file_online(cast)
    dossier = services.receive_dossier(user=cast.clerk, dossier=dossier)
    dossier = services.request_supplement(
        user=cast.specialist,
        dossier=dossier,
        items=["Bản sao giấy khai sinh"],
        comment="Thiếu bản sao",
    )
    assert dossier.status == "supplement_requested"
    dossier = services.supplement_dossier(
        user=cast.citizen,
        dossier=dossier,
        document_code="TK",
        uploads=[check_upload(pdf_upload())],
    )
    assert dossier.status == "processing"  # 5 → 4 (R-ST-3)
    dossier = services.claim_dossier(user=cast.specialist, dossier=dossier)
    assert dossier.assignee == cast.specialist
    dossier = services.stop_dossier(user=cast.leader, dossier=dossier, comment="Hết thẩm quyền")
    assert dossier.status == "stopped" and dossier.closed_at is not None
    with pytest.raises(services.InvalidInput, match="lý do"):
        services.refuse_dossier(user=cast.clerk, dossier=dossier, comment=" ")

    recorded = list(
        DossierEvent.objects.filter(dossier=dossier)
        .order_by("id")
        .values_list("kind", "action", "from_status", "to_status", "history_seq", "payload")
    )
    assert recorded == [
        ("filed", "submit", "draft", "submitted", 1, {}),
        (
            "action",
            "receive",
            "submitted",
            "received",
            2,
            {"slip": "receipt", "notify": "received"},
        ),
        (
            "action",
            "request_supplement",
            "received",
            "supplement_requested",
            3,
            {"slip": "supplement", "notify": "supplement_requested"},
        ),
        (
            "supplement",
            "supplement",
            "supplement_requested",
            "processing",
            4,
            {"document_code": "TK", "files": 1},
        ),
        ("action", "claim", "processing", "processing", 5, {}),
        ("action", "stop", "processing", "stopped", 6, {"slip": "stop", "notify": "stopped"}),
    ]
    assert DossierEvent.objects.get(dossier=dossier, action="claim").actor == cast.specialist


def test_perform_action_dispatches_every_action_of_the_table_to_a_use_case():
    from tinhso.dossiers.workflow import ACTIONS

    assert set(services._USE_CASES) == set(ACTIONS)
