"""Continuing a draft whose e-form asks the return method (issue 17): the postal fieldset is
shown with what the draft keeps, checked as on the first filing, and saved with the draft."""

import pytest
from django.test import Client
from django.urls import reverse

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.integrations.postal.models import PostalContact
from tinhso.integrations.tests.postal_support import ADDRESS, ANSWERS, postal_version
from tinhso.testing import FORM_DATA, make_cast, make_version, pdf_upload

pytestmark = pytest.mark.django_db

OTHER_ADDRESS = "8 Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa"


def _draft(cast, version, method: str = "postal", **kw) -> Dossier:
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=version,
        data={**FORM_DATA, "hinh_thuc_nhan": ANSWERS[method]},
        applicant=services.Applicant.from_user(cast.citizen),
        draft=True,
        **kw,
    )
    return dossier


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _continue(client, dossier, action: str = "submit", method: str = "postal", **extra):
    data = {
        "data.ho_ten": "Nguyễn Văn An",
        "data.ngay_sinh": "1995-03-02",
        "data.so_ban": "1",
        "data.hinh_thuc_nhan": ANSWERS[method],
        "action": action,
        "doc.TK": pdf_upload(),
        **extra,
    }
    return client.post(reverse("portal:draft", args=[dossier.pk]), data)


def test_the_draft_page_shows_the_postal_fieldset_with_what_the_draft_keeps():
    cast = make_cast()
    dossier = _draft(cast, postal_version(cast), postal_address=OTHER_ADDRESS)
    PostalContact.objects.create(dossier=dossier, phone="0987000111")
    html = _client(cast.citizen).get(reverse("portal:draft", args=[dossier.pk])).content.decode()
    assert 'name="postal_address"' in html and OTHER_ADDRESS in html
    assert 'value="0987000111"' in html  # the draft's phone, not the account's
    assert 'value="0912345678"' not in html


def test_a_draft_without_saved_postal_values_is_prefilled_from_the_account():
    cast = make_cast()
    dossier = _draft(cast, postal_version(cast), "counter")
    html = _client(cast.citizen).get(reverse("portal:draft", args=[dossier.pk])).content.decode()
    assert cast.citizen.address in html and 'value="0912345678"' in html


def test_a_draft_whose_e_form_does_not_ask_the_return_method_has_no_postal_fieldset():
    cast = make_cast()
    version = make_version("3.000444", level="province", agencies=[cast.dept])
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=version,
        data=dict(FORM_DATA),
        applicant=services.Applicant.from_user(cast.citizen),
        draft=True,
    )
    html = _client(cast.citizen).get(reverse("portal:draft", args=[dossier.pk])).content.decode()
    assert "postal_address" not in html


def test_submitting_a_postal_draft_without_address_or_with_a_bad_phone_is_refused_on_the_fields():
    cast = make_cast()
    dossier = _draft(cast, postal_version(cast))
    response = _continue(_client(cast.citizen), dossier, postal_address="   ", postal_phone="12ab")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vui lòng nhập địa chỉ nhận kết quả qua dịch vụ bưu chính." in html
    assert "Số điện thoại không hợp lệ" in html
    assert 'href="#id_postal_address"' in html  # in the error summary, linked to the field
    dossier.refresh_from_db()
    assert dossier.status == "draft"


def test_submitting_a_postal_draft_without_a_phone_is_refused():
    cast = make_cast()
    dossier = _draft(cast, postal_version(cast))
    response = _continue(_client(cast.citizen), dossier, postal_address=ADDRESS, postal_phone="")
    assert response.status_code == 400
    assert "Vui lòng nhập số điện thoại người nhận bưu gửi." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == "draft"


def test_submitting_a_postal_draft_keeps_the_address_and_the_phone():
    cast = make_cast()
    dossier = _draft(cast, postal_version(cast))
    response = _continue(
        _client(cast.citizen), dossier, postal_address=OTHER_ADDRESS, postal_phone="+84 987 000 111"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier.refresh_from_db()
    assert dossier.status == "submitted" and dossier.return_method == "postal"
    assert dossier.postal_address == OTHER_ADDRESS
    assert dossier.postal_contact.phone == "0987000111"


def test_saving_a_draft_keeps_the_postal_values_unchecked_for_later():
    cast = make_cast()
    dossier = _draft(cast, postal_version(cast))
    client = _client(cast.citizen)
    response = _continue(
        client, dossier, action="draft", postal_address=OTHER_ADDRESS, postal_phone="0987000222"
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "draft" and dossier.postal_address == OTHER_ADDRESS
    assert dossier.postal_contact.phone == "0987000222"
    html = client.get(reverse("portal:draft", args=[dossier.pk])).content.decode()
    assert OTHER_ADDRESS in html and 'value="0987000222"' in html


def test_a_draft_switched_to_counter_return_drops_the_fallback_address():
    cast = make_cast()
    dossier = _draft(cast, postal_version(cast))
    assert dossier.postal_address == cast.citizen.address  # the account's, while postal
    response = _continue(_client(cast.citizen), dossier, method="counter", postal_address="")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier.refresh_from_db()
    assert dossier.status == "submitted" and dossier.return_method == "counter"
    assert dossier.postal_address == ""


def test_submit_draft_refuses_postal_return_without_any_address():
    cast = make_cast()
    cast.citizen.address = ""
    cast.citizen.save()
    dossier = _draft(cast, postal_version(cast))
    with pytest.raises(services.InvalidInput) as refused:
        services.submit_draft(user=cast.citizen, dossier=dossier)
    assert refused.value.field == "postal_address"
    dossier.refresh_from_db()
    assert dossier.status == "draft" and not dossier.code


def test_submit_draft_takes_the_applicants_address_when_the_draft_has_none():
    cast = make_cast()
    dossier = _draft(cast, postal_version(cast))
    Dossier.objects.filter(pk=dossier.pk).update(postal_address="")
    dossier.refresh_from_db()
    submitted = services.submit_draft(user=cast.citizen, dossier=dossier)
    assert submitted.postal_address == cast.citizen.address
