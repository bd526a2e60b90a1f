"""The national portal sign-in and the citizen's own population lookups in "Dữ liệu của tôi"
(personal-data export, found through the accounts registry), and the read-only admin of the
sign-in tables."""

import json

import pytest
from django.test import Client

from tinhso.accounts import consent, personal_data
from tinhso.accounts.models import User
from tinhso.dossiers.models import Dossier
from tinhso.integrations import privacy
from tinhso.integrations.population.models import PopulationLookup
from tinhso.integrations.sso import services
from tinhso.integrations.sso.models import NationalAccount, UsedSignInState
from tinhso.testing import FORM_DATA

pytestmark = pytest.mark.django_db

TECH = "6f1c2a4e-0000-4c35-9a51-2d8e5f0a1001"
OTHER_TECH = "6f1c2a4e-0000-4c35-9a51-2d8e5f0a1002"


def _sign_in(tech_id: str, personal_id: str, *, level: str = "VNEID_LEVEL_2") -> User:
    """A DVCQG sign-in as the callback makes it: links the account with that personal ID."""
    info = {
        "LoaiTaiKhoan": "1",
        "TechID": tech_id,
        "HoVaTen": "Nguyễn Văn An",
        "SoDinhDanh": personal_id,
        "loAs": [level],
    }
    return services.sign_in(info=info, claims={}).user


def _download(user: User) -> dict:
    client = Client()
    client.force_login(user)
    response = client.post("/tai-khoan/du-lieu-cua-toi/tai-ve/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def _lookup(request_id: str, user: User, personal_id: str, **extra) -> PopulationLookup:
    values = {"purpose": PopulationLookup.Purpose.CITIZEN, "outcome": "found"} | extra
    return PopulationLookup.objects.create(
        request_id=request_id, requested_by=user, personal_id=personal_id, **values
    )


def test_the_integrations_app_is_found_by_the_registry_in_its_place():
    found = {type(item) for item in personal_data.registered()}
    assert privacy.IntegrationData in found
    assert [item.id for item in personal_data.registered()].index("integrations") == 3


def test_export_holds_the_citizens_portal_link_and_not_anothers(cast):
    cast.other_citizen.personal_id = "086088012345"
    cast.other_citizen.save()
    assert _sign_in(TECH, cast.citizen.personal_id) == cast.citizen
    assert _sign_in(OTHER_TECH, "086088012345", level="VNEID_LEVEL_1") == cast.other_citizen
    link = NationalAccount.objects.get(tech_id=TECH)

    data = _download(cast.citizen)

    assert data["national_portal_accounts"] == [
        {
            "tech_id": TECH,
            "account_type": "1",
            "vneid_verified": True,
            "assurance": "VNEID_LEVEL_2",
            "linked_at": data["national_portal_accounts"][0]["linked_at"],
            "last_login_at": data["national_portal_accounts"][0]["last_login_at"],
        }
    ]
    exported = data["national_portal_accounts"][0]
    assert exported["linked_at"].startswith(link.linked_at.isoformat()[:19])
    assert exported["last_login_at"].startswith(link.last_login_at.isoformat()[:19])
    assert OTHER_TECH not in json.dumps(data)
    assert _download(cast.other_citizen)["national_portal_accounts"][0]["vneid_verified"] is False


def test_export_follows_the_last_sign_in_level(cast):
    _sign_in(TECH, cast.citizen.personal_id)
    _sign_in(TECH, cast.citizen.personal_id, level="VNEID_LEVEL_1")

    [link] = _download(cast.citizen)["national_portal_accounts"]

    assert link["vneid_verified"] is False and link["assurance"] == "VNEID_LEVEL_1"


def test_export_holds_the_citizens_own_lookups_only_and_no_answer(cast):
    dossier = Dossier.objects.create(
        procedure_version=cast.province_procedure,
        agency=cast.dept,
        receiving_agency=cast.centre,
        applicant=cast.citizen,
        filed_by=cast.citizen,
        applicant_name="Nguyễn Văn An",
        applicant_id_number=cast.citizen.personal_id,
        data=FORM_DATA,
        code="TEST-LOOKUP",
    )
    own = cast.citizen.personal_id
    _lookup("YC-1", cast.citizen, own, dossier=dossier, fields_copied=["name", "birth_date"])
    _lookup("YC-2", cast.citizen, own, outcome="unavailable", failure="timeout")
    # The counter's lookup of the same ID is the clerk's record; another citizen's is theirs.
    _lookup("YC-3", cast.clerk, own, purpose=PopulationLookup.Purpose.COUNTER)
    _lookup("YC-4", cast.other_citizen, "086088012345")

    lookups = _download(cast.citizen)["population_lookups"]

    assert [(row["request_id"], row["outcome"]) for row in lookups] == [
        ("YC-1", "found"),
        ("YC-2", "unavailable"),
    ]
    assert lookups[0]["dossier"] == "TEST-LOOKUP" and lookups[1]["dossier"] is None
    assert lookups[0]["fields_used"] == ["name", "birth_date"]
    assert lookups[0]["personal_id"] == own and lookups[0]["requested_at"]
    assert set(lookups[0]) == {
        "request_id",
        "requested_at",
        "personal_id",
        "outcome",
        "dossier",
        "fields_used",
    }
    # A clerk's export never carries the IDs they looked up for others at the counter.
    assert _download(cast.clerk)["population_lookups"] == []


def test_someone_without_links_or_lookups_gets_empty_sections(cast):
    data = _download(cast.other_citizen)
    assert data["national_portal_accounts"] == [] and data["population_lookups"] == []


def test_the_sections_come_after_payments_and_before_the_document_store(cast):
    keys = list(_download(cast.citizen))
    at = keys.index("national_portal_accounts")
    assert keys[at - 1 : at + 3] == [
        "payments",
        "national_portal_accounts",
        "population_lookups",
        "stored_documents",
    ]


def test_withdrawing_consent_keeps_the_link_so_the_person_signs_in_to_the_same_account(cast):
    _sign_in(TECH, cast.citizen.personal_id)
    _lookup("YC-1", cast.citizen, cast.citizen.personal_id)

    consent.record(user=cast.citizen, given=False, method="withdrawal")

    assert NationalAccount.objects.filter(tech_id=TECH, user=cast.citizen).exists()
    assert PopulationLookup.objects.filter(request_id="YC-1").exists()
    # The portal now sends another number: the TechID still finds the same account.
    again = services.sign_in(
        info={"LoaiTaiKhoan": "1", "TechID": TECH, "SoDinhDanh": "086088012345"}, claims={}
    )
    assert again.user == cast.citizen and again.linked_by == "tech_id"


# --- the read-only admin ---------------------------------------------------------------------


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(
        User.objects.create(username="quantri", is_staff=True, is_superuser=True, kind="admin")
    )
    return client


def test_admin_lists_portal_links_and_offers_no_add_change_or_delete(admin_client, cast):
    _sign_in(TECH, cast.citizen.personal_id)
    link = NationalAccount.objects.get(tech_id=TECH)
    base = "/admin/integrations/nationalaccount/"

    listing = admin_client.get(base)
    found = admin_client.get(base, {"q": cast.citizen.personal_id})
    detail = admin_client.get(f"{base}{link.pk}/change/")

    assert listing.status_code == 200 and TECH in listing.content.decode()
    assert found.status_code == 200 and TECH in found.content.decode()
    assert TECH not in admin_client.get(base, {"q": "khong-co"}).content.decode()
    assert detail.status_code == 200
    assert admin_client.post(f"{base}{link.pk}/change/", {"tech_id": "x"}).status_code == 403
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{link.pk}/delete/", {"post": "yes"}).status_code == 403
    assert NationalAccount.objects.get(pk=link.pk).tech_id == TECH


def test_admin_lists_used_states_by_hash_only_and_read_only(admin_client):
    services.consume_state("trang-thai-da-dung")
    used = UsedSignInState.objects.get()
    base = "/admin/integrations/usedsigninstate/"

    listing = admin_client.get(base).content.decode()

    assert used.state_hash[:12] in listing and "trang-thai-da-dung" not in listing
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{used.pk}/change/", {}).status_code == 403
    assert admin_client.post(f"{base}{used.pk}/delete/", {"post": "yes"}).status_code == 403
    assert UsedSignInState.objects.count() == 1


def test_a_citizen_may_not_open_the_admin(cast):
    client = Client()
    client.force_login(cast.citizen)
    response = client.get("/admin/integrations/nationalaccount/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
