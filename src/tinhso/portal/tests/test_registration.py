import datetime

import pytest

from tinhso.accounts.models import User
from tinhso.units.models import AdministrativeUnit

VALID = {
    "full_name": "Phạm Văn Dũng",
    "personal_id": "083095001234",
    "phone": "0912 345 678",
    "email": "dung@example.vn",
    "address": "Ấp 1",
    "username": "dungpv",
    "password1": "mat-khau-rat-dai-2026",
    "password2": "mat-khau-rat-dai-2026",
    "tax_code": "",
    "consent": "on",
}


@pytest.fixture
def commune(db):
    province = AdministrativeUnit.objects.create(
        code="86",
        name="Tỉnh Vĩnh Long",
        kind="Tỉnh",
        level="province",
        valid_from=datetime.date(2025, 7, 1),
    )
    return AdministrativeUnit.objects.create(
        code="28756",
        name="Phường Phú Khương",
        kind="Phường",
        level="commune",
        parent=province,
        valid_from=datetime.date(2025, 7, 1),
    )


def test_citizen_registers_with_validated_identifiers_and_is_logged_in(client, commune):
    response = client.post("/dang-ky/", VALID | {"commune": commune.pk})
    assert response.status_code == 302
    user = User.objects.get(username="dungpv")
    assert (
        user.phone == "+84912345678"
        and user.personal_id == "083095001234"
        and user.commune == commune
    )
    assert user.kind == "citizen" and user.check_password("mat-khau-rat-dai-2026")
    assert client.get("/ho-so/").status_code == 200


@pytest.mark.parametrize(
    ("change", "field_text"),
    [
        ({"personal_id": "097095001234"}, "định danh"),
        ({"phone": "0123"}, "điện thoại"),
        ({"tax_code": "0100109107"}, "thuế"),
        ({"password2": "khac"}, "không khớp"),
        ({"password1": "123", "password2": "123"}, "Mật khẩu"),
    ],
)
def test_bad_identifiers_are_refused_with_a_message_and_no_account(
    client, commune, change, field_text
):
    response = client.post("/dang-ky/", VALID | change)
    assert response.status_code == 400
    assert field_text.lower() in response.content.decode().lower()
    assert not User.objects.filter(username="dungpv").exists()


def test_business_registers_with_tax_code(client, commune):
    client.post("/dang-ky/", VALID | {"tax_code": "0100109106"})
    assert User.objects.get(username="dungpv").kind == "business"


def test_same_personal_id_cannot_register_twice(client, commune):
    client.post("/dang-ky/", VALID)
    client.logout()
    response = client.post("/dang-ky/", VALID | {"username": "khac"})
    assert (
        response.status_code == 400 and User.objects.filter(personal_id="083095001234").count() == 1
    )
