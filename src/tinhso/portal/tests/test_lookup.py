"""Public lookup (portal:lookup): code + last 4 phone digits, no personal data."""

import pytest
from django.urls import reverse

from .conftest import act, file_province_dossier

pytestmark = pytest.mark.django_db

URL = "/tra-cuu/"


def test_lookup_url_name():
    assert reverse("portal:lookup") == URL


def test_lookup_with_the_right_digits_shows_status_without_personal_data(client, cast):
    dossier = act(
        cast.clerk,
        file_province_dossier(cast),
        "request_supplement",
        comment="Bí mật: ảnh mờ",
        items=["Căn cước"],
    )
    response = client.post(URL, {"code": dossier.code, "phone_last4": "5678"})
    html = response.content.decode()
    assert response.status_code == 200
    assert dossier.code in html
    assert "Yêu cầu bổ sung giấy tờ" in html
    assert cast.province_procedure.name in html
    assert "datetime.datetime" not in html and "('label'" not in html  # rows rendered, not dumped
    for secret in (
        "Nguyễn Văn An",
        "Nguyễn",
        "0912345678",
        "912345678",
        "083095001234",
        "an@example.vn",
        "Bí mật: ảnh mờ",
        "Căn cước",
    ):
        assert secret not in html, secret


def test_lookup_with_wrong_digits_says_not_found(client, cast):
    dossier = file_province_dossier(cast)
    response = client.post(URL, {"code": dossier.code, "phone_last4": "0000"})
    html = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ" in html
    assert "Mới đăng ký" not in html and "Nguyễn Văn An" not in html


def test_lookup_of_an_unknown_code_says_not_found(client, cast):
    response = client.post(URL, {"code": "000.00.01.H61-990101-0001", "phone_last4": "5678"})
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ" in response.content.decode()


def test_lookup_needs_exactly_four_digits(client, cast):
    response = client.post(URL, {"code": "X", "phone_last4": "12a"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nhập đúng 4 chữ số." in html
    assert 'aria-invalid="true"' in html


def test_repeated_wrong_guesses_are_throttled_even_with_the_right_digits_after(client, cast):
    dossier = file_province_dossier(cast)
    for guess in range(10):
        client.post(URL, {"code": dossier.code, "phone_last4": f"{guess:04d}"})
    response = client.post(URL, {"code": dossier.code, "phone_last4": "5678"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "sai quá nhiều lần" in html
    assert "Mới đăng ký" not in html  # no status shown


def test_lookup_form_is_public(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert '<label for="id_code">' in response.content.decode()
