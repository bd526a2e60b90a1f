"""The national portal as an outbox system: upsert first, then the new progress in chunks of ten,
insert vs update, unknown outcomes, and each kind of reply as the outbox's Outcome (R-NAT-020..034).
Real dossiers, the real client, a real HTTP gateway in a thread (national_gateway)."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.integrations.models import NationalSync
from tinhso.integrations.national.client import CallRecord, NationalClient
from tinhso.integrations.national.system import DvcqgSystem
from tinhso.integrations.tests.national_gateway import Gateway, running_gateway
from tinhso.testing import bring_supplement, file_online, make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def act(user, dossier: Dossier, action: str, when: datetime.datetime, **kw) -> Dossier:
    with time_machine.travel(when, tick=False):
        return services.perform_action(
            user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
        )


@pytest.fixture
def gateway(settings):
    cache.clear()
    with running_gateway() as gw:
        settings.TINHSO_SITE_URL = "https://dvc.example.vn"
        settings.TINHSO_DVCQG_URL = gw.url
        settings.TINHSO_DVCQG_USERNAME = "tinhso"
        settings.TINHSO_DVCQG_PASSWORD = "pw"
        settings.TINHSO_DVCQG_DSTCODE = "DVCQG"
        settings.TINHSO_DVCQG_READ_TIMEOUT = 5.0
        yield gw
    cache.clear()


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def received(cast) -> Dossier:
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        dossier = file_online(cast)
    return act(cast.clerk, dossier, "receive", at(2025, 6, 10, 9, 0))


def system(profile: str = "A", log: list[CallRecord] | None = None) -> DvcqgSystem:
    records = log if log is not None else []
    return DvcqgSystem(lambda: NationalClient(profile, log=records.append))


def item(dossier: Dossier, *, attempts: int = 0, unknown_outcome: bool = False):
    """The fields of an outbox item ``deliver`` reads."""
    return SimpleNamespace(
        dossier_id=dossier.pk, attempts=attempts, unknown_outcome=unknown_outcome
    )


def upserts(gw: Gateway) -> list[str]:
    return [
        s.body["isUpdating"] for s in gw.calls("integration") if s.body["service"] == "DongBoHoSoMC"
    ]


def test_first_delivery_inserts_then_sends_the_progress(gateway, received):
    log: list[CallRecord] = []
    outcome = system("A", log).deliver(item(received))
    assert outcome.kind == "delivered"
    assert [r.service for r in log] == ["auth", "DongBoHoSoMC", "CapNhatTienDoHoSoMC"]
    assert upserts(gateway) == ["False"]
    assert gateway.stored[received.code]["TrangThaiHoSo"] == "2"
    assert [p["TrangThai"] for p in gateway.progress] == ["1", "2"]
    sync = NationalSync.objects.get(dossier=received)
    assert (sync.state, sync.progress_sent_upto) == ("inserted", received.history.count())
    assert all(r.key == received.code for r in log[1:])


def test_later_delivery_updates_and_sends_only_the_new_steps(gateway, cast, received):
    system().deliver(item(received))
    d = act(cast.specialist, received, "request_supplement", at(2025, 6, 10, 10, 0),
            items=["Căn cước"], comment="Thiếu")  # fmt: skip
    assert system().deliver(item(d)).kind == "delivered"
    assert upserts(gateway) == ["False", "True"]
    assert gateway.stored[d.code]["TrangThaiHoSo"] == "5"
    assert [p["TrangThai"] for p in gateway.progress] == ["1", "2", "5"]
    assert NationalSync.objects.get(dossier=d).state == "updated"


def test_nothing_new_sends_the_upsert_and_no_progress(gateway, received):
    system().deliver(item(received))
    system().deliver(item(received))
    assert len(gateway.progress) == 2
    assert (
        len([s for s in gateway.calls("integration") if s.body["service"] != "DongBoHoSoMC"]) == 1
    )


def test_progress_goes_in_chunks_of_ten(gateway, cast, received):
    d = act(cast.specialist, received, "request_supplement", at(2025, 6, 10, 10, 0),
            items=["Căn cước"], comment="Thiếu")  # fmt: skip
    with time_machine.travel(at(2025, 6, 11, 8, 30), tick=False):
        d = bring_supplement(cast, d)
    due = Dossier.objects.get(pk=d.pk).due_at
    d = act(cast.leader, d, "apologize", at(2025, 6, 11, 10, 0),
            new_due_at=get_calendar().add_working_minutes(due, 480), comment="Xác minh")  # fmt: skip
    d = act(cast.specialist, d, "request_payment", at(2025, 6, 11, 11, 0))
    d = act(cast.clerk, d, "confirm_payment", at(2025, 6, 11, 14, 0))
    d = act(cast.specialist, d, "complete_step", at(2025, 6, 12, 9, 0))
    d = act(cast.leader, d, "approve", at(2025, 6, 12, 10, 0))
    d = act(cast.clerk, d, "issue_result", at(2025, 6, 12, 11, 0))
    d = act(cast.clerk, d, "return_result", at(2025, 6, 12, 15, 0))
    assert system().deliver(item(d)).kind == "delivered"
    chunks = [
        s.body["data"]
        for s in gateway.calls("integration")
        if s.body["service"] == "CapNhatTienDoHoSoMC"
    ]
    assert [len(c) for c in chunks] == [10, 1]
    assert gateway.stored[d.code]["TrangThaiHoSo"] == "10"


def test_already_exists_answer_turns_the_insert_into_an_update_at_once(gateway, received):
    gateway.stored[received.code] = {"MaHoSo": received.code}
    outcome = system().deliver(item(received))
    assert outcome.kind == "delivered"
    assert upserts(gateway) == ["False", "True"]
    assert NationalSync.objects.get(dossier=received).state == "updated"


def test_insert_timeout_is_unknown_and_the_retry_never_inserts_blindly(gateway, received, settings):
    settings.TINHSO_DVCQG_READ_TIMEOUT = 0.3
    gateway.mode = "slow"
    outcome = system().deliver(item(received))
    assert outcome.kind == "retry" and outcome.unknown_outcome
    assert NationalSync.objects.get(dossier=received).insert_unknown
    gateway.stored[received.code] = {"MaHoSo": received.code}  # the portal did store it
    gateway.mode = "ok"
    assert system().deliver(item(received, attempts=1, unknown_outcome=True)).kind == "delivered"
    assert upserts(gateway) == ["False", "True"]  # the second attempt: an update only
    sync = NationalSync.objects.get(dossier=received)
    assert (sync.state, sync.insert_unknown) == ("updated", False)


def test_after_an_unknown_insert_that_never_landed_the_update_falls_back_to_insert(
    gateway, received, settings
):
    settings.TINHSO_DVCQG_READ_TIMEOUT = 0.3
    gateway.mode = "slow"
    system().deliver(item(received))
    gateway.mode = "ok"
    assert system().deliver(item(received, attempts=1)).kind == "delivered"
    assert upserts(gateway) == ["False", "True", "False"]
    assert NationalSync.objects.get(dossier=received).state == "inserted"


def test_refused_content_is_rejected_with_the_portal_message(gateway, received):
    gateway.mode = "reject"
    outcome = system().deliver(item(received))
    assert outcome.kind == "rejected" and "MaTTHC không hợp lệ" in outcome.error
    assert NationalSync.objects.get(dossier=received).state == "never"


def test_server_errors_are_retried(gateway, received):
    gateway.mode = "5xx"
    outcome = system().deliver(item(received))
    assert outcome.kind == "retry" and not outcome.unknown_outcome and "503" in outcome.error


def test_rate_limit_is_retried_after_retry_after(gateway, received):
    gateway.mode = "429"
    outcome = system("B").deliver(item(received))
    assert (outcome.kind, outcome.retry_after) == ("retry", 7.0)


def test_garbage_is_retried_then_rejected_on_the_third_try(gateway, received):
    gateway.mode = "garbage"
    assert system().deliver(item(received)).kind == "retry"
    assert system().deliver(item(received, attempts=2)).kind == "rejected"


def test_progress_failure_keeps_the_upsert_and_resends_only_the_progress(gateway, received):
    gateway.mode = "text_unknown"  # profile B: the upsert answers JSON, progress unclear text
    outcome = system("B").deliver(item(received))
    assert outcome.kind == "retry"
    sync = NationalSync.objects.get(dossier=received)
    assert (sync.state, sync.progress_sent_upto) == ("inserted", 0)
    gateway.mode = "ok"
    gateway.progress.clear()
    assert system("B").deliver(item(received, attempts=1)).kind == "delivered"
    assert [p["TrangThai"] for p in gateway.progress] == ["1", "2"]
    assert gateway.calls("hoso/capnhat")


def test_a_code_the_portal_cannot_take_is_rejected_without_a_call(gateway, received):
    Dossier.objects.filter(pk=received.pk).update(code="HS-1")
    log: list[CallRecord] = []
    outcome = system("A", log).deliver(item(received))
    assert outcome.kind == "rejected" and "HS-1" in outcome.error
    assert log == []


def test_system_identity():
    s = DvcqgSystem()
    assert (s.name, s.label, s.coalesce) == ("dvcqg", "Cổng Dịch vụ công quốc gia", True)
