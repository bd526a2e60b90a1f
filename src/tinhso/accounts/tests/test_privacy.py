"""Personal data (Law 91/2025/QH15): consent recorded at registration; a citizen downloads all their own data."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from tinhso.accounts import consent, personal_data
from tinhso.accounts.models import Consent, User
from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Dossier
from tinhso.testing import FORM_DATA

pytestmark = pytest.mark.django_db
REGISTRATION = {
    "full_name": "Phạm Văn Bình",
    "personal_id": "086201004321",
    "phone": "0912345678",
    "email": "binh@example.vn",
    "username": "binh",
    "password1": "mat-khau-dai-2025",
    "password2": "mat-khau-dai-2025",
}


def test_registration_requires_consent_and_records_it_with_the_notice_version(db, settings):
    settings.TINHSO_PRIVACY_NOTICE_VERSION = "2025-07"
    refused = Client().post("/dang-ky/", REGISTRATION)
    assert refused.status_code == 400
    assert "Cần đồng ý xử lý dữ liệu cá nhân" in refused.content.decode()
    assert not User.objects.filter(username="binh").exists()

    response = Client().post("/dang-ky/", REGISTRATION | {"consent": "on"})
    assert response.status_code == 302
    consent = Consent.objects.get(user__username="binh")
    assert consent.purpose == Consent.Purpose.PUBLIC_SERVICES
    assert consent.notice_version == "2025-07" and consent.given
    assert consent.method == "registration_form" and consent.recorded_at


def test_registration_page_shows_the_notice():
    html = Client().get("/dang-ky/").content.decode()
    assert "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15" in html and 'name="consent"' in html
    assert "Nghị định số 356/2025/NĐ-CP" in html


def test_citizen_downloads_own_data_only_and_the_export_is_audited(cast):
    Consent.objects.create(
        user=cast.citizen, purpose="public_services", notice_version="2025-07", method="test"
    )
    client = Client()
    client.force_login(cast.citizen)
    assert client.get("/tai-khoan/du-lieu-cua-toi/").status_code == 200
    assert client.get("/tai-khoan/du-lieu-cua-toi/tai-ve/").status_code == 405
    response = client.post("/tai-khoan/du-lieu-cua-toi/tai-ve/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["profile"]["username"] == cast.citizen.username
    assert data["profile"]["personal_id"] == cast.citizen.personal_id
    assert sorted(c["notice_version"] for c in data["consents"]) == ["2025-07", "2026-01"]
    assert set(data) >= {"dossiers", "payments", "stored_documents"}
    event = AuditEntry.objects.get(action="account.data_export")
    assert event.actor_id == cast.citizen.pk


def test_export_lists_the_citizens_dossiers_with_history_and_not_others(cast):
    mine = Dossier.objects.create(
        procedure_version=cast.province_procedure,
        agency=cast.dept,
        receiving_agency=cast.centre,
        applicant=cast.citizen,
        filed_by=cast.citizen,
        applicant_name="Nguyễn Văn An",
        data=FORM_DATA,
        code="TEST-MINE",
    )
    Dossier.objects.create(
        procedure_version=cast.province_procedure,
        agency=cast.dept,
        receiving_agency=cast.centre,
        applicant=cast.other_citizen,
        filed_by=cast.other_citizen,
        applicant_name="Trần Thị Bích",
        data=FORM_DATA,
        code="TEST-OTHER",
    )
    client = Client()
    client.force_login(cast.citizen)
    data = json.loads(client.post("/tai-khoan/du-lieu-cua-toi/tai-ve/").content)
    assert [d["code"] for d in data["dossiers"]] == [mine.code]
    assert data["dossiers"][0]["form"] == FORM_DATA


def test_anonymous_cannot_download(db):
    response = Client().post("/tai-khoan/du-lieu-cua-toi/tai-ve/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def _download(user: User) -> dict:
    client = Client()
    client.force_login(user)
    return json.loads(client.post("/tai-khoan/du-lieu-cua-toi/tai-ve/").content)


def test_the_export_is_the_envelope_then_each_apps_sections_in_order(cast):
    assert list(_download(cast.citizen)) == [
        "format",
        "version",
        "generated_at",
        "profile",
        "consents",
        "dossiers",
        "payments",
        "national_portal_accounts",
        "population_lookups",
        "stored_documents",
    ]


class _Library(personal_data.PersonalData):
    """A throw-away app holding one record per person, and remembering withdrawals."""

    id = "library"
    order = 40
    withdrawn: list[str] = []

    def export(self, user: User) -> dict:
        return {"library_cards": [{"holder": user.username, "number": "TV-0001"}]}

    def withdraw_consent(self, user: User) -> None:
        self.withdrawn.append(user.username)


@pytest.fixture
def library(monkeypatch):
    monkeypatch.setattr(personal_data, "_registry", dict(personal_data._registry))
    monkeypatch.setattr(_Library, "withdrawn", [])
    personal_data.register(_Library)
    return _Library


def test_an_exporter_registered_by_an_app_appears_in_the_citizens_export(cast, library):
    data = _download(cast.citizen)
    assert data["library_cards"] == [{"holder": cast.citizen.username, "number": "TV-0001"}]
    assert list(data)[-2:] == ["stored_documents", "library_cards"]


def test_withdrawing_consent_reaches_every_registered_app(cast, library):
    client = Client()
    client.force_login(cast.citizen)
    client.post("/tai-khoan/du-lieu-cua-toi/rut-dong-y/")
    assert library.withdrawn == [cast.citizen.username]
    assert not Consent.objects.filter(user=cast.citizen).order_by("-pk").first().given


def test_a_failing_withdrawal_handler_undoes_the_recorded_decision(cast, monkeypatch):
    class Failing(personal_data.PersonalData):
        id = "failing"
        order = 41

        def export(self, user: User) -> dict:
            return {}

        def withdraw_consent(self, user: User) -> None:
            raise RuntimeError("the app could not stop processing")

    monkeypatch.setattr(personal_data, "_registry", dict(personal_data._registry))
    personal_data.register(Failing)
    before = Consent.objects.filter(user=cast.citizen).count()
    with pytest.raises(RuntimeError):
        consent.record(user=cast.citizen, given=False, method="withdrawal")
    assert Consent.objects.filter(user=cast.citizen).count() == before


def test_two_apps_may_not_share_an_id_or_a_place(library):
    class SameOrder(_Library):
        id = "other"

    class SameId(_Library):
        order = 99

    for cls in (SameOrder, SameId):
        with pytest.raises(ImproperlyConfigured):
            personal_data.register(cls)
