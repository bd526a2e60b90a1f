"""The outbox's delivery rules (R-NAT-005, R-NAT-032..034) with a scripted outside system."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.integrations import outbox
from tinhso.integrations.models import IntegrationLog, OutboxItem, SystemPause
from tinhso.integrations.systems import Outcome
from tinhso.integrations.tests.conftest import ScriptedSystem, install
from tinhso.testing import run_in_threads

T0 = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
MIN = datetime.timedelta(minutes=1)


def item(key="H61.01", *, system="fake", operation="sync", event=None, at=T0):
    created = outbox.enqueue(system=system, operation=operation, key=key, source_event_id=event)
    OutboxItem.objects.filter(pk=created.pk).update(created_at=at, next_attempt_at=at)
    created.refresh_from_db()
    return created


def reload(obj):
    obj.refresh_from_db()
    return obj


@pytest.mark.django_db
def test_delivered_item_is_sent_and_released(fake):
    queued = item()

    report = outbox.drain("fake", now=T0)

    queued = reload(queued)
    assert (report.sent, report.retried, report.dead) == (1, 0, 0)
    assert queued.status == OutboxItem.Status.SENT
    assert queued.sent_at == T0
    assert queued.attempts == 1
    assert queued.claimed_until is None and queued.claimed_by == ""
    assert fake.delivered == [(queued.pk, "H61.01", False)]
    assert outbox.drain("fake", now=T0 + MIN).attempts == 0  # nothing sent twice


@pytest.mark.django_db
def test_failures_are_retried_after_1_2_4_minutes_up_to_6_hours(fake):
    queued = item()
    fake.script = [Outcome.retry("HTTP 502")] * 3
    moment, waits = T0, []
    for _ in range(3):
        report = outbox.drain("fake", now=moment)
        assert report.retried == 1
        queued = reload(queued)
        waits.append(queued.next_attempt_at - moment)
        assert (
            outbox.drain(
                "fake", now=queued.next_attempt_at - datetime.timedelta(seconds=1)
            ).attempts
            == 0
        )
        moment = queued.next_attempt_at

    assert waits == [MIN, 2 * MIN, 4 * MIN]
    assert queued.status == OutboxItem.Status.QUEUED
    assert queued.attempts == 3 and queued.last_error == "HTTP 502"
    assert outbox.backoff(9) == datetime.timedelta(minutes=256)
    assert outbox.backoff(10) == datetime.timedelta(hours=6)
    assert outbox.backoff(40) == datetime.timedelta(hours=6)
    assert outbox.drain("fake", now=moment).sent == 1


@pytest.mark.django_db
def test_retry_after_pauses_the_whole_system_until_then(fake):
    first, second = item("A"), item("B")
    fake.script = [Outcome.retry("HTTP 429", retry_after=120)]

    report = outbox.drain("fake", now=T0)

    assert report.retried == 1 and report.paused == ["fake"]
    assert reload(first).next_attempt_at == T0 + datetime.timedelta(seconds=120)
    assert SystemPause.objects.get(system="fake").until == T0 + datetime.timedelta(seconds=120)
    assert reload(second).attempts == 0  # B was due but the system asked to wait
    assert outbox.drain("fake", now=T0 + MIN).attempts == 0
    later = outbox.drain("fake", now=T0 + datetime.timedelta(seconds=120))
    assert later.sent == 2


@pytest.mark.django_db
def test_rejected_item_is_dead_at_once_with_the_outside_message(fake):
    queued = item()
    fake.script = [Outcome.rejected("MaTTHC không tồn tại")]

    report = outbox.drain("fake", now=T0)

    queued = reload(queued)
    assert report.dead == 1
    assert queued.status == OutboxItem.Status.DEAD
    assert queued.last_error == "MaTTHC không tồn tại"
    assert outbox.drain("fake", now=T0 + datetime.timedelta(days=1)).attempts == 0


@pytest.mark.django_db
def test_an_exception_from_deliver_is_a_retry_with_its_text(fake):
    queued = item()
    fake.script = [ConnectionResetError("connection reset by peer")]

    report = outbox.drain("fake", now=T0)

    queued = reload(queued)
    assert report.retried == 1
    assert queued.status == OutboxItem.Status.QUEUED
    assert queued.last_error == "ConnectionResetError: connection reset by peer"
    assert queued.next_attempt_at == T0 + MIN


@pytest.mark.django_db
def test_an_item_failing_after_seven_days_is_dead(fake):
    young = item("young", at=T0 - datetime.timedelta(days=6, hours=23))
    old = item("old", at=T0 - datetime.timedelta(days=7))
    fake.script = [Outcome.retry("timeout", unknown_outcome=True)] * 2

    report = outbox.drain("fake", now=T0)

    assert (report.retried, report.dead) == (1, 1)
    assert reload(young).status == OutboxItem.Status.QUEUED
    old = reload(old)
    assert old.status == OutboxItem.Status.DEAD
    assert old.last_error == "timeout" and old.unknown_outcome


@pytest.mark.django_db
def test_items_of_one_key_go_one_at_a_time_in_order(fake):
    a1, b1, a2 = item("A"), item("B"), item("A")
    fake.script = [Outcome.retry("HTTP 503")]  # A's first item fails

    report = outbox.drain("fake", now=T0)

    # a2 waits behind a1, which waits for its retry: only b1 goes meanwhile
    assert [pk for pk, _key, _u in fake.delivered] == [a1.pk, b1.pk]
    assert (report.retried, report.sent) == (1, 1)
    assert reload(a2).attempts == 0
    outbox.drain("fake", now=T0 + MIN)
    assert [pk for pk, _key, _u in fake.delivered] == [a1.pk, b1.pk, a1.pk, a2.pk]


@pytest.mark.django_db
def test_a_claimed_item_holds_its_key(fake):
    a1, a2, b1 = item("A"), item("A"), item("B")
    taken = outbox.claim(fake, now=T0, worker="w1")
    assert taken is not None and taken.pk == a1.pk

    other = outbox.claim(fake, now=T0, worker="w2")
    assert other is not None and other.pk == b1.pk  # not a2: its key is in flight
    assert outbox.claim(fake, now=T0, worker="w3") is None
    assert reload(a2).claimed_by == ""


@pytest.mark.django_db
def test_an_item_taken_again_after_its_lease_expired_has_an_unknown_outcome(fake):
    queued = item()
    assert outbox.claim(fake, now=T0, worker="crashed") is not None  # its worker died

    assert outbox.claim(fake, now=T0 + MIN, worker="w2") is None  # lease still held
    outbox.drain("fake", now=T0 + outbox.LEASE + MIN, worker="w2")

    queued = reload(queued)
    assert queued.status == OutboxItem.Status.SENT
    assert fake.delivered == [(queued.pk, "H61.01", True)]  # told to update, not insert


@pytest.mark.django_db
def test_an_outcome_is_not_recorded_by_a_worker_that_lost_its_lease(fake):
    queued = item()
    taken = outbox.claim(fake, now=T0, worker="slow")
    assert outbox.claim(fake, now=T0 + outbox.LEASE + MIN, worker="fast") is not None

    assert (
        outbox.record(taken, Outcome.rejected("late"), now=T0 + outbox.LEASE, worker="slow") == ""
    )
    assert reload(queued).status == OutboxItem.Status.QUEUED


@pytest.mark.django_db
def test_coalescing_system_sends_the_newest_and_supersedes_the_older(merging):
    a1, a2, a3 = (
        item("A", system="merging"),
        item("A", system="merging"),
        item("A", system="merging"),
    )
    progress = item("A", system="merging", operation="progress")
    a4 = item("A", system="merging")
    OutboxItem.objects.filter(pk=a1.pk).update(unknown_outcome=True)  # may have reached it

    report = outbox.drain("merging", now=T0)

    assert report.superseded == 2 and report.sent == 3
    assert reload(a1).status == reload(a2).status == OutboxItem.Status.SUPERSEDED
    # a3 stands for a1 and a2 (and inherits "maybe stored"); the merge stops at the other
    # operation, so a4 goes on its own after it
    assert merging.delivered == [(a3.pk, "A", True), (progress.pk, "A", False), (a4.pk, "A", False)]


@pytest.mark.django_db
def test_enqueue_is_idempotent_per_system_operation_and_event():
    first = outbox.enqueue(system="fake", operation="sync", key="A", source_event_id=7)
    again = outbox.enqueue(system="fake", operation="sync", key="A", source_event_id=7)
    other = outbox.enqueue(system="fake", operation="progress", key="A", source_event_id=7)

    assert again.pk == first.pk and other.pk != first.pk
    assert OutboxItem.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_deliver_the_same_item(fake):
    queued = [item(f"K{i}") for i in range(20)]

    reports = run_in_threads(2, lambda i: outbox.drain("fake", now=T0, worker=f"w{i}"))

    assert all(isinstance(r, outbox.DrainReport) for r in reports), reports
    assert sum(r.sent for r in reports) == 20
    delivered = [pk for pk, _k, _u in fake.delivered]
    assert sorted(delivered) == sorted(q.pk for q in queued)  # each exactly once
    assert OutboxItem.objects.filter(status=OutboxItem.Status.SENT).count() == 20


@pytest.mark.django_db
def test_requeue_puts_dead_items_back_and_is_audited(fake, operator, cast):
    dead = item("A")
    sent = item("B")
    OutboxItem.objects.filter(pk=dead.pk).update(status=OutboxItem.Status.DEAD, attempts=4)
    OutboxItem.objects.filter(pk=sent.pk).update(status=OutboxItem.Status.SENT)

    with pytest.raises(PermissionDenied):
        outbox.requeue(user=cast.specialist, item_ids=[dead.pk])
    assert reload(dead).status == OutboxItem.Status.DEAD

    now = timezone.now()
    assert outbox.requeue(user=operator, item_ids=[dead.pk, sent.pk], now=now) == 1

    dead = reload(dead)
    assert dead.status == OutboxItem.Status.QUEUED
    assert dead.attempts == 0 and dead.next_attempt_at == now
    assert reload(sent).status == OutboxItem.Status.SENT
    entry = AuditEntry.objects.get(action="integrations.requeue")
    assert entry.actor_id == operator.pk
    assert entry.details["ids"] == [dead.pk]
    assert outbox.drain("fake", now=now).sent == 1


@pytest.mark.django_db
def test_log_call_keeps_4_kb_of_the_message_and_rows_are_never_changed():
    row = outbox.log_call(
        system="fake",
        service="DongBoHoSoMC",
        key="H61.01",
        request_hash=outbox.request_hash(b"{}"),
        http_status=200,
        error_code="0",
        message="x" * 10_000,
        latency_ms=120,
        attempt=2,
        outcome="ok",
    )

    row.refresh_from_db()
    assert len(row.message) == 4096
    assert row.request_hash == outbox.request_hash("{}") and len(row.request_hash) == 64
    assert (row.direction, row.http_status, row.attempt) == ("out", 200, 2)
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()
    assert IntegrationLog.objects.count() == 1


@pytest.mark.django_db
def test_status_counts_each_registered_system(fake):
    now = timezone.now()
    item("A", at=now)
    failing = item("B", at=now)
    OutboxItem.objects.filter(pk=failing.pk).update(attempts=2)
    dead = item("C", at=now)
    OutboxItem.objects.filter(pk=dead.pk).update(status=OutboxItem.Status.DEAD)
    sent = item("D", at=now)
    OutboxItem.objects.filter(pk=sent.pk).update(status=OutboxItem.Status.SENT, sent_at=now)
    item("E", system="unregistered", at=now)
    for ms in range(1, 101):
        outbox.log_call(system="fake", service="s", latency_ms=ms * 10, at=now)

    rows = {row.name: row for row in outbox.status(now=now)}

    assert "unregistered" not in rows
    row = rows["fake"]
    assert (row.queued, row.failed, row.dead, row.sent_24h) == (2, 1, 1, 1)
    assert row.last_success == now
    assert row.p95_latency_ms == 950
    assert row.label == "Hệ thống thử"


@pytest.mark.django_db
def test_national_sync_command_drains_the_portal_queue_and_reports(capsys):
    for system in install(ScriptedSystem("dvcqg")):
        item("A", system="dvcqg", at=timezone.now())
        item("B", system="dvcqg", at=timezone.now())
        system.script = [Outcome.rejected("sai mã")]

        call_command("national", "sync")

        out = capsys.readouterr().out
        assert "Đã gửi 1" in out and "gửi lỗi 1" in out
        assert OutboxItem.objects.filter(status=OutboxItem.Status.SENT).count() == 1


@pytest.mark.django_db
def test_national_sync_fails_when_the_portal_is_not_registered():
    from tinhso.integrations import systems

    previous = systems._SYSTEMS.pop("dvcqg", None)
    try:
        with pytest.raises(CommandError):
            call_command("national", "sync")
    finally:
        if previous is not None:
            systems.register(previous)


@pytest.mark.django_db
def test_outside_systems_are_never_called_inside_a_transaction(fake):
    queued = item()

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.drain("fake", now=T0)

    assert fake.delivered == []
    assert reload(queued).status == OutboxItem.Status.QUEUED


def test_check_deploy_refuses_the_national_sandbox_in_production(settings):
    from tinhso import checks

    settings.TINHSO_NATIONAL_SANDBOX = True
    settings.TINHSO_DVCQG_URL = "https://lgsp.vinhlong.gov.vn/dvcqg"
    assert [m.id for m in checks.check_national_portal()] == ["tinhso.E006"]
    settings.TINHSO_NATIONAL_SANDBOX = False
    settings.TINHSO_DVCQG_URL = "{site_url}/sandbox/national"
    assert [m.id for m in checks.check_national_portal()] == ["tinhso.E006"]
    settings.TINHSO_DVCQG_URL = "https://lgsp.vinhlong.gov.vn/dvcqg"
    assert checks.check_national_portal() == []
