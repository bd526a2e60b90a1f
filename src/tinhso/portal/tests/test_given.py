"""What the citizen gives on the e-form is used: the notification e-mail gets the notices, the
return method is recorded and shown to the clerk, the name and personal ID come from the account,
and the declaration is asked once (the e-form), not again as an upload."""

import json
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tinhso.dossiers import services
from tinhso.dossiers.models import Channel, Dossier, Status
from tinhso.portal.tests.conftest import act
from tinhso.testing import FORM_SCHEMA, pdf_upload

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[2] / "procedures" / "catalogue"

SCHEMA = {
    **FORM_SCHEMA,
    "x-declaration": "TK",
    "properties": {
        **FORM_SCHEMA["properties"],
        "ho_ten": {**FORM_SCHEMA["properties"]["ho_ten"], "x-prefill": "name"},
        "so_dinh_danh": {
            "type": "string",
            "title": "Số định danh cá nhân",
            "pattern": "^[0-9]{12}$",
            "x-prefill": "id_number",
        },
        "hinh_thuc_nhan": {
            "type": "string",
            "title": "Hình thức nhận kết quả",
            "enum": ["Trực tiếp tại cơ quan tiếp nhận", "Qua dịch vụ bưu chính", "Bản điện tử"],
            "x-return-method": {
                "Trực tiếp tại cơ quan tiếp nhận": "counter",
                "Qua dịch vụ bưu chính": "postal",
                "Bản điện tử": "online",
            },
        },
        "email": {"type": "string", "title": "Thư điện tử nhận thông báo", "format": "email"},
    },
}

FORM = {
    "data.ho_ten": "Nguyễn Văn An",
    "data.ngay_sinh": "1995-03-02",
    "data.so_dinh_danh": "083095000123",
    "data.hinh_thuc_nhan": "Qua dịch vụ bưu chính",
    "data.email": "nhan.thongbao@example.vn",
    "action": "submit",
}


@pytest.fixture
def version(cast):
    v = cast.province_procedure
    v.form_schema = SCHEMA
    v.save(update_fields=["form_schema"])
    return v


def apply_url(version) -> str:
    return reverse("portal:apply", args=[version.procedure.code])


def file_through_portal(client: Client, version, **changes: str) -> Dossier:
    response = client.post(apply_url(version), {**FORM, **changes})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Dossier.objects.get()


def test_notices_go_to_the_email_given_on_the_form_not_the_accounts(
    citizen_client, cast, version, django_capture_on_commit_callbacks
):
    assert cast.citizen.email != FORM["data.email"]
    with django_capture_on_commit_callbacks(execute=True):
        dossier = file_through_portal(citizen_client, version)
    assert dossier.applicant_email == "nhan.thongbao@example.vn"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(cast.clerk, dossier, "receive")
    assert [m.to for m in mail.outbox] == [["nhan.thongbao@example.vn"]]
    assert dossier.code in mail.outbox[0].subject


def test_without_an_email_on_the_form_the_accounts_email_is_kept(citizen_client, cast, version):
    dossier = file_through_portal(citizen_client, version, **{"data.email": ""})
    assert dossier.applicant_email == cast.citizen.email


def test_the_return_method_chosen_is_recorded_and_shown_to_the_clerk(citizen_client, cast, version):
    dossier = file_through_portal(citizen_client, version)
    assert dossier.return_method == "postal"
    clerk = Client()
    clerk.force_login(cast.clerk)
    page = clerk.get(reverse("backoffice:dossier", args=[dossier.code])).content.decode()
    assert "Hình thức nhận kết quả người nộp chọn" in page
    assert "Qua dịch vụ bưu chính công ích" in page


@pytest.mark.parametrize(
    "answer, method",
    [("Trực tiếp tại cơ quan tiếp nhận", "counter"), ("Bản điện tử", "online")],
)
def test_each_answer_maps_to_its_return_method(citizen_client, version, answer, method):
    dossier = file_through_portal(citizen_client, version, **{"data.hinh_thuc_nhan": answer})
    assert dossier.return_method == method


def test_a_draft_keeps_the_email_and_return_method_of_its_last_save(citizen_client, cast, version):
    dossier = file_through_portal(citizen_client, version, action="draft")
    assert dossier.status == Status.DRAFT and dossier.return_method == "postal"
    response = citizen_client.post(
        reverse("portal:draft", args=[dossier.pk]),
        {**FORM, "data.hinh_thuc_nhan": "Bản điện tử", "data.email": "", "action": "submit"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert (dossier.return_method, dossier.applicant_email) == ("online", cast.citizen.email)


def test_name_and_personal_id_are_prefilled_from_the_account(citizen_client, cast, version):
    cast.citizen.full_name = "Trần Thị Bình"
    cast.citizen.personal_id = "083190001234"
    cast.citizen.save(update_fields=["full_name", "personal_id"])
    html = citizen_client.get(apply_url(version)).content.decode()
    assert 'name="data.ho_ten"' in html and 'value="Trần Thị Bình"' in html
    assert 'value="083190001234"' in html
    assert f'value="{cast.citizen.email}"' in html  # the e-mail for notices too


def test_a_property_not_marked_for_prefill_stays_empty(citizen_client, cast):
    cast.citizen.full_name = "Trần Thị Bình"
    cast.citizen.save(update_fields=["full_name"])
    html = citizen_client.get(apply_url(cast.province_procedure)).content.decode()
    assert 'value="Trần Thị Bình"' not in html  # e.g. the name of someone else on the form


def test_the_declaration_is_the_e_form_online_not_a_second_upload(citizen_client, cast, version):
    html = citizen_client.get(apply_url(version)).content.decode()
    assert 'name="doc.TK"' not in html and 'name="data.ho_ten"' in html
    dossier = file_through_portal(citizen_client, version)  # no file: nothing else is required
    assert dossier.status == Status.SUBMITTED and not dossier.attachments.exists()
    dossier = act(cast.clerk, dossier, "receive")  # complete: the e-form is the declaration
    assert dossier.status == Status.RECEIVED


def test_at_the_counter_the_signed_paper_declaration_is_still_required(cast, version):
    dossier, _ = services.file_dossier(
        user=cast.clerk,
        version=version,
        data={"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1995-03-02"},
        applicant=services.Applicant(name="Nguyễn Văn An"),
        channel=Channel.COUNTER,
    )
    assert services.missing_documents(dossier) == ["Tờ khai"]


def test_an_uploaded_declaration_is_not_asked_for_a_procedure_without_one(citizen_client, cast):
    response = citizen_client.post(
        apply_url(cast.province_procedure),
        {"data.ho_ten": "Nguyễn Văn An", "data.ngay_sinh": "1995-03-02", "action": "submit"},
    )
    assert response.status_code == 400  # no x-declaration: its "Tờ khai" upload is required
    response = citizen_client.post(
        apply_url(cast.province_procedure),
        {
            "data.ho_ten": "Nguyễn Văn An",
            "data.ngay_sinh": "1995-03-02",
            "doc.TK": pdf_upload(),
            "action": "submit",
        },
    )
    assert response.status_code == 302


def _catalogue() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(CATALOGUE.glob("*.json"))]


def test_every_declaration_of_the_catalogue_names_one_of_its_documents():
    marked = 0
    for entry in _catalogue():
        code = entry["form_schema"].get("x-declaration")
        if code is None:
            continue
        marked += 1
        assert code in {d["code"] for d in entry["documents"]}, entry["code"]
    assert marked >= 15


def test_every_return_method_map_of_the_catalogue_covers_its_answers():
    mapped = 0
    for entry in _catalogue():
        for prop in entry["form_schema"]["properties"].values():
            mapping = prop.get("x-return-method")
            if mapping is None:
                continue
            mapped += 1
            assert set(mapping) == set(prop["enum"]), entry["code"]
            assert set(mapping.values()) <= set(services.RETURN_METHODS)
    assert mapped >= 2


def test_prefill_marks_of_the_catalogue_name_known_account_facts():
    from tinhso.portal.forms import PREFILL_SOURCES

    for entry in _catalogue():
        for name, prop in entry["form_schema"]["properties"].items():
            if "x-prefill" in prop:
                assert prop["x-prefill"] in PREFILL_SOURCES, (entry["code"], name)
                assert prop["type"] == "string", (entry["code"], name)


def test_the_procedure_page_says_the_declaration_is_the_e_form_online(client, version):
    html = client.get(reverse("portal:procedure", args=[version.procedure.code])).content.decode()
    assert "nộp trực tuyến: điền biểu mẫu điện tử, không cần tải lên" in html


def test_the_hand_over_form_starts_with_the_return_method_the_citizen_chose(
    citizen_client, version
):
    from tinhso.accounts.models import User
    from tinhso.backoffice.forms import action_form

    dossier = file_through_portal(
        citizen_client, version, **{"data.hinh_thuc_nhan": "Trực tiếp tại cơ quan tiếp nhận"}
    )
    form = action_form("return_result", dossier, User.objects.none())
    assert form.initial["return_method"] == "counter"  # not "online", the channel's default
