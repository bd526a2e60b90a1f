"""Importing a dossier filed on the national portal (spec §4.1, R-NAT-050..054): one local dossier
per national code, problems kept for the officials, nothing saved for a refusal."""

import base64
import datetime
import os
import threading
from typing import Any

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.audit import alerts
from tinhso.audit.models import AuditEntry
from tinhso.dossiers import services
from tinhso.dossiers.models import Attachment, Channel, Dossier, HistoryEntry, Status
from tinhso.integrations.models import InboundDossier
from tinhso.integrations.national import inbound, mapping
from tinhso.testing import FORM_DATA, PDF_BYTES, make_cast, run_in_threads

pytestmark = pytest.mark.django_db

NATIONAL_CODE = "000.00.12.H61-261208-9001"


def national_object(
    code: str = NATIONAL_CODE, *, procedure: str = "2.000001", **changes: Any
) -> dict[str, Any]:
    """An inbound dossier object as the contract writes it (filed at 09:30 on 8 Dec 2026)."""
    obj: dict[str, Any] = {
        "MaHoSo": code,
        "MaTTHC": procedure,
        "MaCoQuan": "000.00.12.H61",
        "KenhThucHien": "2",
        "NgayNopHoSo": "20261208093000",
        "TrichYeuHoSo": "Cấp bản sao trích lục",
        "ChuHoSo": {
            "HoVaTen": "Lê Thị Cúc",
            "SoDinhDanh": "083195009999",
            "SoDienThoai": "0911222333",
            "Email": "cuc@example.vn",
            "DiaChi": "5 Lê Lợi",
            "MaXa": "",
        },
        "DuLieuBieuMau": dict(FORM_DATA),
        "TaiLieuNop": [
            {
                "MaGiayTo": "TK",
                "TenGiayTo": "Tờ khai",
                "TenTepDinhKem": "to-khai.pdf",
                "Base64": base64.b64encode(PDF_BYTES).decode(),
            }
        ],
    }
    return obj | changes


@pytest.fixture(autouse=True)
def after_the_filing():
    """The clock two days after the national filing (its time must not be in the future)."""
    with time_machine.travel(datetime.datetime(2026, 12, 10, 3, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def cast():
    return make_cast()


def _files_on_disk(dossier: Dossier) -> list[str]:
    return [a.file.name for a in dossier.attachments.all() if a.file.storage.exists(a.file.name)]


def test_a_national_dossier_is_filed_online_in_the_competent_agency_with_both_codes(cast):
    result = inbound.import_dossier(national_object(), channel="push")
    assert result.outcome == "created"
    dossier = Dossier.objects.get(other_code=NATIONAL_CODE)
    assert dossier.other_code_issuer == "dvcqg"
    assert dossier.code and dossier.code != NATIONAL_CODE
    assert dossier.status == Status.SUBMITTED and dossier.channel == Channel.ONLINE
    assert dossier.agency == cast.dept and dossier.receiving_agency == cast.centre
    assert dossier.filed_by.username == "dvcqg"
    assert dossier.applicant is None  # no account holds that personal ID
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Lê Thị Cúc", "083195009999")
    assert dossier.submitted_at == datetime.datetime(2026, 12, 8, 2, 30, tzinfo=datetime.UTC)
    assert dossier.intake_problems == []
    assert [a.document_code for a in dossier.attachments.all()] == ["TK"]
    assert _files_on_disk(dossier)
    assert "261208-9001" in dossier.search_text
    row = InboundDossier.objects.get(national_code=NATIONAL_CODE)
    assert row.dossier == dossier and row.channel == "push" and len(row.payload_sha256) == 64
    entry = HistoryEntry.objects.get(dossier=dossier)
    assert entry.action == "submit" and entry.actor_role == "applicant"
    assert AuditEntry.objects.filter(target__contains=str(dossier.code)).exists()
    assert result.answer() == {"error_code": 0, "message": f"{NATIONAL_CODE}|{dossier.code}"}


def test_the_same_national_code_twice_gives_one_dossier(cast):
    first = inbound.import_dossier(national_object(), channel="push")
    second = inbound.import_dossier(national_object(), channel="pull", remote_id="7")
    assert second.outcome == "duplicate" and second.dossier == first.dossier
    assert Dossier.objects.count() == 1 and InboundDossier.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert second.answer()["error_code"] == 1
    assert second.answer()["message"].startswith(f"{NATIONAL_CODE}|")


def test_the_citizen_holding_the_personal_id_owns_the_dossier(cast):
    owner = dict(national_object()["ChuHoSo"], SoDinhDanh=cast.citizen.personal_id)
    result = inbound.import_dossier(national_object(ChuHoSo=owner), channel="push")
    assert result.dossier is not None and result.dossier.applicant == cast.citizen


def test_a_file_that_fails_the_upload_checks_is_an_intake_problem_and_not_stored(cast, settings):
    html = base64.b64encode(b"<html><script>alert(1)</script></html>").decode()
    papers = [
        {"MaGiayTo": "TK", "TenGiayTo": "Tờ khai", "TenTepDinhKem": "don.pdf", "Base64": html},
        {"MaGiayTo": "CCCD", "TenGiayTo": "Căn cước", "TenTepDinhKem": "cc.pdf", "Base64": "%%%"},
        {"MaGiayTo": "XYZ", "TenGiayTo": "Lạ", "TenTepDinhKem": "la.pdf", "Base64": html},
    ]
    before = set(_media_files(settings.MEDIA_ROOT))
    result = inbound.import_dossier(national_object(TaiLieuNop=papers), channel="push")
    assert result.outcome == "created" and result.dossier is not None
    dossier = Dossier.objects.get(pk=result.dossier.pk)
    assert dossier.status == Status.SUBMITTED
    assert not dossier.attachments.exists()
    assert set(_media_files(settings.MEDIA_ROOT)) == before
    problems = dossier.intake_problems
    assert len(problems) == 3
    assert "don.pdf" in problems[0] and "không phải PDF" in problems[0]
    assert "cc.pdf" in problems[1] and "base64" in problems[1]
    assert "la.pdf" in problems[2] and "thành phần hồ sơ" in problems[2]
    assert InboundDossier.objects.get().problems == problems


def _media_files(root: Any) -> list[str]:
    found = []
    for folder, _dirs, names in os.walk(root):
        found += [os.path.join(folder, n) for n in names]
    return found


def test_form_data_failing_the_schema_is_kept_with_its_problems(cast):
    data = {"ngay_sinh": "không phải ngày", "so_ban": 99}
    result = inbound.import_dossier(national_object(DuLieuBieuMau=data), channel="push")
    assert result.outcome == "created" and result.dossier is not None
    dossier = Dossier.objects.get(pk=result.dossier.pk)
    assert dossier.status == Status.SUBMITTED and dossier.data == data
    assert any("Họ và tên người được cấp" in p for p in dossier.intake_problems)
    assert any("Số bản" in p for p in dossier.intake_problems)
    assert len(dossier.intake_problems) == 3
    assert HistoryEntry.objects.get(dossier=dossier).details["intake_problems"] == (
        dossier.intake_problems
    )


def test_an_unknown_procedure_is_refused_and_nothing_is_saved(cast, settings):
    before = set(_media_files(settings.MEDIA_ROOT))
    result = inbound.import_dossier(national_object(procedure="9.999999"), channel="push")
    assert result.outcome == "refused"
    assert result.answer() == {"error_code": -1, "message": result.message}
    assert "9.999999" in result.message
    assert not Dossier.objects.exists() and not InboundDossier.objects.exists()
    assert set(_media_files(settings.MEDIA_ROOT)) == before
    assert AuditEntry.objects.filter(action="national.inbound_refused").exists()


def test_an_agency_that_does_not_handle_the_procedure_is_refused(cast):
    result = inbound.import_dossier(national_object(MaCoQuan=cast.other_dept.code), channel="push")
    assert result.outcome == "refused" and not Dossier.objects.exists()


def test_a_code_that_is_not_a_national_code_is_malformed(cast):
    for code in ("", "abc", "X" * 80):
        result = inbound.import_dossier(national_object(code), channel="push")
        assert result.outcome == "malformed" and result.answer()["error_code"] == -1
    assert inbound.import_dossier(["not", "an", "object"], channel="push").outcome == "malformed"
    assert not Dossier.objects.exists()


def test_a_national_code_equal_to_one_of_our_codes_is_refused_with_an_alert(cast):
    ours = inbound.import_dossier(national_object(), channel="push").dossier
    assert ours is not None and ours.code
    clash = national_object(ours.code)
    result = inbound.import_dossier(clash, channel="push")
    assert result.outcome == "refused" and "trùng" in result.message
    assert Dossier.objects.count() == 1
    entry = AuditEntry.objects.get(action="national.inbound_code_collision")
    assert entry.outcome == "denied" and entry.target == f"dossier:{ours.pk}"
    # The security monitor raises an alert on it (one per code and day) for the security staff.
    raised = alerts.evaluate_rules()
    collision = [a for a in raised if a.rule.kind == "national_code_collision"]
    assert [a.subject for a in collision] == [ours.code]
    assert not [a for a in alerts.evaluate_rules() if a.rule.kind == "national_code_collision"]


def test_the_system_account_cannot_sign_in_or_act(cast):
    inbound.import_dossier(national_object(), channel="push")
    account = inbound.system_account()
    assert account.username == "dvcqg" and not account.is_active
    assert not account.has_usable_password()
    assert authenticate(username="dvcqg", password="") is None
    assert inbound.system_account().pk == account.pk  # created once


def test_the_deadline_counts_from_the_clerks_receipt_not_the_national_filing(cast):
    with time_machine.travel(datetime.datetime(2026, 12, 10, 9, 0, tzinfo=datetime.UTC)):
        dossier = inbound.import_dossier(national_object(), channel="push").dossier
        assert dossier is not None and dossier.due_at is None
    receipt = datetime.datetime(2026, 12, 14, 2, 0, tzinfo=datetime.UTC)  # Monday 09:00 in VN
    with time_machine.travel(receipt, tick=False):
        dossier = services.receive_dossier(user=cast.clerk, dossier=dossier)
    assert dossier.received_at == receipt
    assert dossier.submitted_at == datetime.datetime(2026, 12, 8, 2, 30, tzinfo=datetime.UTC)
    assert dossier.clock_started_at == receipt
    assert dossier.due_at is not None and dossier.due_at > receipt + datetime.timedelta(days=2)


def test_a_filing_time_in_the_future_is_taken_as_the_arrival(cast):
    now = timezone.now()
    late = (now + datetime.timedelta(days=3)).astimezone(inbound.TZ).strftime("%Y%m%d%H%M%S")
    dossier = inbound.import_dossier(national_object(NgayNopHoSo=late), channel="push").dossier
    assert dossier is not None and dossier.submitted_at is not None
    assert dossier.submitted_at <= timezone.now()


def test_upward_the_dossier_is_known_by_its_national_code(cast):
    with time_machine.travel(datetime.datetime(2026, 12, 10, 3, 0, tzinfo=datetime.UTC)):
        dossier = inbound.import_dossier(national_object(), channel="push").dossier
        assert dossier is not None
        dossier = services.receive_dossier(user=cast.clerk, dossier=dossier)
    loaded = mapping.load(dossier.pk)
    message = mapping.dossier_message(loaded)
    assert message["MaHoSo"] == NATIONAL_CODE
    assert message["KenhThucHien"] == "2"
    assert message["NgayNopHoSo"] == "20261208093000"
    assert {e["MaHoSo"] for e in mapping.progress_entries(loaded)} == {NATIONAL_CODE}


def test_a_national_code_whose_date_is_not_the_filing_date_fails_the_check(cast):
    dossier = inbound.import_dossier(
        national_object(NgayNopHoSo="20261209093000"), channel="push"
    ).dossier
    assert dossier is not None
    with pytest.raises(mapping.InvalidDossierCode):
        mapping.check_code(dossier)


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_code_create_one_dossier(settings, monkeypatch):
    make_cast()
    inbound.system_account()
    before = set(_media_files(settings.MEDIA_ROOT))
    # Every delivery passes the "already imported?" check before any commits (the race):
    # only the unique constraints can then stop the second dossier.
    real_known, seen = inbound._known, threading.local()

    def racing(code: str) -> Dossier | None:
        if not getattr(seen, "checked", False):
            seen.checked = True
            return None
        return real_known(code)

    monkeypatch.setattr(inbound, "_known", racing)
    outcomes = run_in_threads(
        4, lambda i: inbound.import_dossier(national_object(), channel="push" if i % 2 else "pull")
    )
    assert sorted(o.outcome for o in outcomes) == ["created", "duplicate", "duplicate", "duplicate"]
    assert len({o.dossier.pk for o in outcomes}) == 1
    assert Dossier.objects.count() == 1 and InboundDossier.objects.count() == 1
    # the losers' files were deleted with their rolled-back transactions
    assert len(set(_media_files(settings.MEDIA_ROOT)) - before) == 1


def test_an_account_of_that_name_that_can_sign_in_is_never_used(cast):
    User.objects.filter(username="dvcqg").delete()
    User.objects.create_user("DVCQG", password="pw")  # a citizen who chose the name
    with pytest.raises(ImproperlyConfigured):
        inbound.system_account()
