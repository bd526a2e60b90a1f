"""A citizen's own lookup from the filing page, with consent by a one-time code (R-NAT-081),
against the sandbox's population database over real HTTP: the code, the lookup of the account's
own ID only, the e-form filled from what is confirmed, the link to the dossier filed (4.5b), and
every refusal."""

import logging
import re

import pytest
import requests

from tinhso.audit.models import AuditEntry
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.integrations.population import consent
from tinhso.integrations.population.models import PopulationLookup
from tinhso.testing import make_cast, pdf_upload
from tinhso.uploads import check_upload

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMA = {
    "type": "object",
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ và tên", "x-prefill": "name"},
        "ngay_sinh": {"type": "string", "title": "Ngày, tháng, năm sinh", "format": "date"},
        "noi_cu_tru": {"type": "string", "title": "Nơi cư trú hiện tại"},
        "muc_dich": {"type": "string", "title": "Mục đích"},
    },
    "required": ["ho_ten", "ngay_sinh", "noi_cu_tru"],
}


@pytest.fixture
def cast():
    cast = make_cast()
    version = cast.province_procedure
    version.form_schema = SCHEMA
    version.save()
    return cast


def urls(cast):
    code = cast.province_procedure.procedure.code
    base = f"/thu-tuc/{code}/nop/"
    return base, base + "dan-cu/ma/", base + "dan-cu/tra-cuu/"


def sent_code(caplog) -> str:
    messages = [r.getMessage() for r in caplog.records if r.name == "tinhso.sms"]
    assert messages, "no SMS logged"
    found = re.findall(r"\b(\d{6})\b", messages[-1])
    assert found
    return found[0]


def test_a_citizen_consents_by_code_and_the_form_is_filled_from_the_confirmed_fields(
    sandbox, client, cast, caplog
):
    caplog.set_level(logging.INFO, logger="tinhso.sms")
    apply_url, code_url, lookup_url = urls(cast)
    client.force_login(cast.citizen)
    page = client.get(apply_url)
    assert 'id="dancu"' in page.content.decode()

    sent = client.post(code_url)
    assert sent.status_code == 200, sent.content
    assert sent.json()["sent_to"].endswith("78") and "912345" not in sent.json()["sent_to"]
    assert "no-store" in sent["Cache-Control"]
    code = sent_code(caplog)

    wrong = client.post(lookup_url, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "Mã xác nhận không đúng."
    assert not PopulationLookup.objects.exists()  # nothing asked without the consent

    answer = client.post(lookup_url, {"code": code})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert "no-store" in answer["Cache-Control"]
    assert body["found"] and body["available"]
    assert body["values"] == {
        "data.ho_ten": "Nguyễn Văn An",
        "data.ngay_sinh": "1995-03-12",
        "data.noi_cu_tru": "12 Đường Đồng Khởi, Phường Phú Khương, Tỉnh Vĩnh Long",
    }
    row = PopulationLookup.objects.get()
    assert (row.purpose, row.outcome, row.personal_id) == ("citizen", "found", "083095001234")
    assert row.requested_by == cast.citizen and row.dossier is None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"population.consent_code", "population.consent", "population.lookup"} <= actions

    again = client.post(lookup_url, {"code": code})  # a code is spent by its lookup
    assert again.status_code == 400 and PopulationLookup.objects.count() == 1

    filed = client.post(
        apply_url,
        {
            "data.ho_ten": "Nguyễn Văn An",
            "data.ngay_sinh": "1995-03-12",
            "data.noi_cu_tru": body["values"]["data.noi_cu_tru"],
            "data.muc_dich": "Xin việc",
            "doc.TK": pdf_upload(),
            "population_lookup": str(body["lookup"]),
            "population_fields": "data.ngay_sinh,data.noi_cu_tru",
            "submission_key": "k-" + code,
        },
    )
    assert filed.status_code == 302, re.findall(
        r"error-message[^>]*>(.*?)</p>", filed.content.decode(), re.S
    )
    dossier = Dossier.objects.get(applicant=cast.citizen)
    row.refresh_from_db()
    assert row.dossier == dossier
    assert row.fields_copied == ["address", "birth_date"]

    # The officials see the check on the dossier's page (nothing of the answer: there is none).
    client.force_login(cast.clerk)
    page = client.get(f"/backoffice/ho-so/{dossier.code}/").content.decode()
    assert 'id="population-checks"' in page
    assert "Có thông tin công dân" in page and "Công dân tự tra cứu" in page
    assert "Khớp với thông tin đã khai: Họ và tên" in page
    assert "Đã điền từ kết quả tra cứu: Nơi thường trú, Ngày sinh" in page


def test_only_the_accounts_own_id_is_looked_up_and_a_bad_link_is_ignored(sandbox, client, cast):
    other = cast.other_citizen
    other.personal_id = "083301004567"
    other.save()
    row = PopulationLookup.objects.create(
        request_id="VLG_X", personal_id="083301004567", requested_by=other, outcome="found"
    )
    dossier, _created = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data={"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1995-03-12", "noi_cu_tru": "12 Đồng Khởi"},
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    # Someone else's lookup of another ID: not linked to this citizen's dossier.
    assert not consent.attach_to_filing(cast.citizen, dossier, str(row.pk), "data.ho_ten")
    assert not consent.attach_to_filing(cast.citizen, dossier, "not-a-number", "")
    row.refresh_from_db()
    assert row.dossier is None and row.fields_copied == []


def test_wrong_codes_are_limited_and_a_new_code_is_needed(sandbox, client, cast, caplog):
    caplog.set_level(logging.INFO, logger="tinhso.sms")
    _apply, code_url, lookup_url = urls(cast)
    client.force_login(cast.citizen)
    assert client.post(code_url).status_code == 200
    code = sent_code(caplog)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(consent.MAX_ATTEMPTS):
        assert client.post(lookup_url, {"code": wrong}).status_code == 400
    blocked = client.post(lookup_url, {"code": code})
    assert blocked.status_code == 429
    assert "mã mới" in blocked.json()["error"]
    assert not PopulationLookup.objects.exists()


def test_sending_codes_is_rate_limited(sandbox, client, cast):
    _apply, code_url, _lookup = urls(cast)
    client.force_login(cast.citizen)
    statuses = [client.post(code_url).status_code for _ in range(consent.SENDS_PER_WINDOW + 1)]
    assert statuses[:-1] == [200] * consent.SENDS_PER_WINDOW and statuses[-1] == 429


def test_officials_and_accounts_without_an_id_are_refused(sandbox, client, cast):
    _apply, code_url, _lookup = urls(cast)
    client.force_login(cast.clerk)
    refused = client.post(code_url)
    assert refused.status_code == 403 and refused.json()["error"]
    citizen = cast.citizen
    citizen.personal_id = ""
    citizen.save()
    client.force_login(citizen)
    missing = client.post(code_url)
    assert missing.status_code == 409 and "định danh" in missing.json()["error"]


def test_an_unavailable_database_lets_the_citizen_go_on_by_hand(sandbox, client, cast, caplog):
    caplog.set_level(logging.INFO, logger="tinhso.sms")
    response = requests.post(f"{sandbox}/faults", json={"DANCU_UNAVAILABLE": True}, timeout=5)
    assert response.status_code == 200
    _apply, code_url, lookup_url = urls(cast)
    client.force_login(cast.citizen)
    client.post(code_url)
    answer = client.post(lookup_url, {"code": sent_code(caplog)})
    assert answer.status_code == 200
    body = answer.json()
    assert body["available"] is False and body["values"] == {}
    assert "tự khai" in body["message"]
    assert PopulationLookup.objects.get().outcome == "unavailable"


def test_the_endpoints_need_a_signed_in_post_with_the_csrf_token(sandbox, cast):
    from django.test import Client

    _apply, code_url, _lookup = urls(cast)
    anonymous = Client()
    assert anonymous.post(code_url).status_code == 302  # to the sign-in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.citizen)
    assert strict.post(code_url).status_code == 403
    assert strict.get(code_url).status_code == 405
