"""A paper dossier entered at the counter whose declaration chooses postal return (issue 17): the
clerk gives the delivery address (the applicant's by default) and the receiver's phone; what is
missing is shown on its field."""

import pytest
from django.test import Client
from django.urls import reverse

from tinhso.dossiers.models import Dossier
from tinhso.integrations.postal.models import PostalContact
from tinhso.integrations.tests.postal_support import ADDRESS, ANSWERS, postal_version
from tinhso.testing import make_cast, make_version, pdf_upload

pytestmark = pytest.mark.django_db

NEW = reverse("backoffice:counter_new")
APPLICANT_ADDRESS = "12 Đồng Khởi, phường Phú Khương"


def _clerk(cast) -> Client:
    client = Client()
    client.force_login(cast.clerk)
    return client


def _post(client, version, method: str = "postal", **overrides):
    data = {
        "name": "Lê Thị Cúc",
        "personal_id": "083301004567",
        "phone": "0987 654 321",
        "email": "cuc@example.vn",
        "address": APPLICANT_ADDRESS,
        "data.ho_ten": "Lê Văn Dũng",
        "data.ngay_sinh": "2025-10-01",
        "data.so_ban": "2",
        "data.hinh_thuc_nhan": ANSWERS[method],
        "doc.TK": pdf_upload("to-khai.pdf"),
        **overrides,
    }
    return client.post(f"{NEW}?thu_tuc={version.procedure.code}", data)


def test_the_counter_page_asks_the_postal_fields_when_the_e_form_asks_the_return_method():
    cast = make_cast()
    version = postal_version(cast)
    html = _clerk(cast).get(NEW, {"thu_tuc": version.procedure.code}).content.decode()
    assert 'name="postal_address"' in html and 'name="postal_phone"' in html


def test_the_counter_page_has_no_postal_fields_otherwise():
    cast = make_cast()
    version = make_version("3.000555", level="province", agencies=[cast.dept])
    html = _clerk(cast).get(NEW, {"thu_tuc": version.procedure.code}).content.decode()
    assert 'name="postal_address"' not in html


def test_the_clerk_gives_the_delivery_address_and_the_receiver_phone():
    cast = make_cast()
    version = postal_version(cast)
    response = _post(_clerk(cast), version, postal_address=ADDRESS, postal_phone="+84 912 000 333")
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert dossier.return_method == "postal" and dossier.postal_address == ADDRESS
    assert dossier.postal_contact.phone == "0912000333"


def test_empty_postal_fields_take_the_applicants_address_and_phone():
    cast = make_cast()
    version = postal_version(cast)
    response = _post(_clerk(cast), version, postal_address="", postal_phone="")
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert dossier.postal_address == APPLICANT_ADDRESS
    assert dossier.postal_contact.phone == "0987654321"


def test_postal_return_without_any_address_is_an_error_on_the_address_field():
    cast = make_cast()
    version = postal_version(cast)
    response = _post(_clerk(cast), version, address="", postal_address="")
    assert response.status_code == 400
    html = response.content.decode()
    message = "Vui lòng nhập địa chỉ nhận kết quả qua dịch vụ bưu chính."
    assert f'<a href="#id_postal_address">Địa chỉ nhận kết quả qua bưu chính: {message}' in html
    assert f'<span class="bo-error">{message}</span>' in html  # beside the field itself
    assert not Dossier.objects.exists()


def test_a_bad_receiver_phone_is_an_error_on_its_field():
    cast = make_cast()
    version = postal_version(cast)
    response = _post(_clerk(cast), version, postal_phone="12ab")
    assert response.status_code == 400
    assert '<a href="#id_postal_phone">' in response.content.decode()
    assert not Dossier.objects.exists()


def test_no_phone_at_all_is_an_error_on_the_receiver_phone():
    cast = make_cast()
    version = postal_version(cast)
    response = _post(_clerk(cast), version, phone="", postal_phone="")
    assert response.status_code == 400
    assert "Vui lòng nhập số điện thoại người nhận bưu gửi." in response.content.decode()


def test_a_returned_page_prefills_the_delivery_address_from_the_applicants():
    cast = make_cast()
    version = postal_version(cast)
    response = _post(_clerk(cast), version, postal_phone="12ab")  # an error brings the page back
    html = response.content.decode()
    assert f'name="postal_address" value="{APPLICANT_ADDRESS}"' in html


def test_counter_return_ignores_the_postal_fields():
    cast = make_cast()
    version = postal_version(cast)
    response = _post(_clerk(cast), version, "counter", postal_phone="", phone="")
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert dossier.return_method == "counter" and dossier.postal_address == ""
    assert not PostalContact.objects.exists()
