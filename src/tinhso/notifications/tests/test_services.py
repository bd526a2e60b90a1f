import logging

import pytest
from django.core import mail

from tinhso.dossiers.models import Status
from tinhso.notifications.events import Event
from tinhso.notifications.models import Delivery
from tinhso.notifications.services import notify_applicant
from tinhso.notifications.tests.factories import add_history, make_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_log(caplog):
    caplog.set_level(logging.INFO, logger="tinhso.sms")
    return caplog


def sms_records(caplog):
    return [r for r in caplog.records if r.name == "tinhso.sms"]


def received_dossier(**fields):
    dossier = make_dossier(**fields)
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)
    return dossier, entry


def test_received_dossier_is_announced_by_email_and_sms(sms_log):
    dossier, entry = received_dossier()

    deliveries = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["nguyenvanan@example.vn"]
    assert email.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert "Ngày hẹn trả kết quả: 08 giờ 05 phút, ngày 26/06/2025." in email.body
    [record] = sms_records(sms_log)
    assert dossier.code in record.getMessage()
    assert "+8491•••••78" in record.getMessage()
    assert "0912345678" not in record.getMessage()

    by_channel = {d.channel: d for d in Delivery.objects.filter(dossier=dossier)}
    assert {d.pk for d in deliveries} == {d.pk for d in by_channel.values()}
    assert by_channel["email"].status == Delivery.Status.SENT
    assert by_channel["email"].provider_id == email.extra_headers["Message-ID"]
    assert by_channel["email"].recipient == "nguyenvanan@example.vn"
    assert by_channel["email"].attempts == 1 and by_channel["email"].sent_at is not None
    assert by_channel["sms"].status == Delivery.Status.SENT
    assert by_channel["sms"].backend == "log"
    assert by_channel["sms"].provider_id == record.sms_id
    assert by_channel["sms"].recipient == "0912345678"
    assert by_channel["sms"].body == record.sms_body
    assert by_channel["sms"].event == Event.RECEIVED and by_channel["sms"].history_seq == entry.seq


def test_second_call_for_the_same_event_sends_nothing(sms_log):
    dossier, entry = received_dossier()
    first = notify_applicant(dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq)

    second = notify_applicant(dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq)

    assert len(mail.outbox) == 1
    assert len(sms_records(sms_log)) == 1
    assert Delivery.objects.count() == 2
    assert sorted(d.pk for d in second) == sorted(d.pk for d in first)
    assert all(d.attempts == 1 and d.status == Delivery.Status.SENT for d in second)


def test_each_history_entry_is_its_own_event():
    dossier = make_dossier(status=Status.SUPPLEMENT_REQUESTED)
    first = add_history(
        dossier,
        action="request_supplement",
        to_status=Status.SUPPLEMENT_REQUESTED,
        details={"items": ["Bản sao Giấy khai sinh"]},
    )
    second = add_history(
        dossier,
        action="request_supplement",
        to_status=Status.SUPPLEMENT_REQUESTED,
        details={"items": ["Ảnh 4x6"]},
    )

    for entry in (first, second):
        notify_applicant(
            dossier_id=dossier.pk, event=Event.SUPPLEMENT_REQUESTED, history_seq=entry.seq
        )

    assert [m.subject for m in mail.outbox] == [f"Hồ sơ {dossier.code} cần bổ sung, hoàn thiện"] * 2
    assert "Bản sao Giấy khai sinh" in mail.outbox[0].body
    assert "Ảnh 4x6" in mail.outbox[1].body
    assert Delivery.objects.filter(dossier=dossier).count() == 4


def test_applicant_without_phone_gets_email_only(sms_log):
    dossier, entry = received_dossier(applicant_phone="")

    deliveries = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    assert [d.channel for d in deliveries] == ["email"]
    assert len(mail.outbox) == 1
    assert sms_records(sms_log) == []


def test_applicant_without_email_gets_sms_only(sms_log):
    dossier, entry = received_dossier(applicant_email="")

    deliveries = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    assert [d.channel for d in deliveries] == ["sms"]
    assert mail.outbox == []
    assert len(sms_records(sms_log)) == 1


def test_applicant_without_contact_gets_nothing_and_no_row():
    dossier, entry = received_dossier(applicant_email="", applicant_phone="")

    assert (
        notify_applicant(dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq) == []
    )
    assert not Delivery.objects.exists()


def test_unreachable_mail_server_is_recorded_and_sms_still_goes_out(unreachable_smtp, sms_log):
    dossier, entry = received_dossier()

    deliveries = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    by_channel = {d.channel: d for d in deliveries}
    assert by_channel["email"].status == Delivery.Status.FAILED
    assert "ConnectionRefusedError" in by_channel["email"].error
    assert by_channel["email"].sent_at is None and by_channel["email"].attempts == 1
    assert by_channel["sms"].status == Delivery.Status.SENT
    assert len(sms_records(sms_log)) == 1
    stored = Delivery.objects.get(pk=by_channel["email"].pk)
    assert stored.status == Delivery.Status.FAILED and stored.error == by_channel["email"].error


def test_refused_sms_is_recorded_and_email_still_goes_out(refusing_sms):
    dossier, entry = received_dossier()

    deliveries = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    by_channel = {d.channel: Delivery.objects.get(pk=d.pk) for d in deliveries}
    assert by_channel["sms"].status == Delivery.Status.FAILED
    assert by_channel["sms"].error == "Nhà mạng từ chối tin nhắn"
    assert by_channel["sms"].backend == "test-refusing"
    assert by_channel["email"].status == Delivery.Status.SENT
    assert len(mail.outbox) == 1


def test_channel_bug_is_recorded_as_failure_and_sms_still_goes_out(settings, sms_log):
    settings.EMAIL_BACKEND = "tinhso.notifications.no_such_module.EmailBackend"
    dossier, entry = received_dossier()

    deliveries = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    by_channel = {d.channel: Delivery.objects.get(pk=d.pk) for d in deliveries}
    assert by_channel["email"].status == Delivery.Status.FAILED
    assert by_channel["email"].error.startswith("ModuleNotFoundError:")
    assert by_channel["sms"].status == Delivery.Status.SENT
    assert len(sms_records(sms_log)) == 1
    assert any("raised unexpectedly" in r.getMessage() for r in sms_log.records)


def test_retry_after_a_failure_sends_only_what_failed(refusing_sms, settings, sms_log):
    dossier, entry = received_dossier()
    notify_applicant(dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq)
    settings.TINHSO_SMS_CHANNEL = "log"  # the provider is back (or the operator switched)

    deliveries = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    by_channel = {d.channel: d for d in deliveries}
    assert len(mail.outbox) == 1
    assert by_channel["email"].attempts == 1
    assert by_channel["sms"].status == Delivery.Status.SENT
    assert by_channel["sms"].attempts == 2
    assert by_channel["sms"].backend == "log"
    assert by_channel["sms"].error == ""
    assert len(sms_records(sms_log)) == 1


def test_delivery_being_sent_by_another_worker_is_not_sent_again(sms_log):
    dossier, entry = received_dossier(applicant_email="")
    Delivery.objects.create(
        topic="applicant",
        key=f"{dossier.pk}:{Event.RECEIVED}:{entry.seq}",
        dossier=dossier,
        event=Event.RECEIVED,
        history_seq=entry.seq,
        channel="sms",
        backend="log",
        recipient="0912345678",
        body="…",
        status=Delivery.Status.QUEUED,
        attempts=1,
    )

    [delivery] = notify_applicant(
        dossier_id=dossier.pk, event=Event.RECEIVED, history_seq=entry.seq
    )

    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 1
    assert sms_records(sms_log) == []


def test_unknown_event_sends_nothing():
    dossier, entry = received_dossier()

    with pytest.raises(ValueError):
        notify_applicant(dossier_id=dossier.pk, event="birthday", history_seq=entry.seq)
    assert mail.outbox == []
