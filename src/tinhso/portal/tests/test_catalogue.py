"""Procedure search and details (portal:home, portal:procedures, portal:procedure)."""

import pytest
from django.urls import reverse

from tinhso.procedures.models import ProcedureVersion
from tinhso.testing import make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(cast):
    birth = make_version("1.001193", level="commune", agencies=[], fee=8000, fee_online=0)
    birth.name = "Đăng ký khai sinh"
    birth.save()
    marriage = make_version("1.000894", level="commune", agencies=[], fee=0)
    marriage.name = "Đăng ký kết hôn"
    marriage.mode = ProcedureVersion.Mode.PARTIAL
    marriage.save()
    building = make_version("1.009999", level="province", agencies=[cast.other_dept], fee=8000)
    building.name = "Cấp giấy phép xây dựng"
    building.save()
    return {"birth": birth, "marriage": marriage, "building": building}


def test_search_without_diacritics_finds_vietnamese_names(client, catalogue):
    response = client.get(reverse("portal:procedures"), {"q": "dang ky khai sinh"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đăng ký khai sinh" in html
    assert "Đăng ký kết hôn" not in html
    assert "Cấp giấy phép xây dựng" not in html


def test_search_giay_khai_sinh_finds_the_birth_certificate_procedures(client, catalogue):
    html = client.get(reverse("portal:procedures"), {"q": "giay khai sinh"}).content.decode()
    # the cast's procedures are named "Cấp giấy khai sinh <code>"
    assert "Cấp giấy khai sinh 2.000001" in html
    assert "Đăng ký khai sinh" not in html  # "giấy" is not in its name


def test_search_lists_code_level_mode_days_and_fee(client, catalogue):
    html = client.get(reverse("portal:procedures"), {"q": "Đăng ký"}).content.decode()
    assert "1.001193" in html
    assert "Cấp xã" in html
    assert "Toàn trình" in html and "Một phần" in html
    assert "3 ngày làm việc" in html
    assert "Miễn phí" in html  # birth registration is free online


def test_fee_is_formatted_in_dong(client, catalogue):
    html = client.get(reverse("portal:procedures"), {"q": "xay dung"}).content.decode()
    assert "8.000 đ" in html


def test_catalogue_shows_share_of_fully_online_procedures(client, catalogue):
    html = client.get(reverse("portal:procedures")).content.decode()
    # 5 procedures (2 from the cast, 3 here), one of them partial
    assert "4/5 thủ tục (80%)" in html


def test_htmx_request_gets_only_the_results(client, catalogue):
    response = client.get(reverse("portal:procedures"), {"q": "ket hon"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Đăng ký kết hôn" in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_procedure_page_shows_documents_time_fees_and_apply_button(client, catalogue, cast):
    version = cast.province_procedure
    html = client.get(reverse("portal:procedure", args=[version.procedure.code])).content.decode()
    assert "Tờ khai" in html and "Bản chính" in html and "Bản sao" in html
    assert "200.000 đ" in html and "100.000 đ" in html
    assert "Sở Tư pháp" in html
    assert "Nộp hồ sơ trực tuyến" in html
    assert reverse("portal:apply", args=[version.procedure.code]) in html


def test_unknown_procedure_is_404(client, cast):
    assert client.get(reverse("portal:procedure", args=["9.999999"])).status_code == 404


def test_home_has_search_box_and_shortcuts(client, catalogue):
    html = client.get(reverse("portal:home")).content.decode()
    assert 'action="/thu-tuc/"' in html
    assert reverse("portal:lookup") in html
