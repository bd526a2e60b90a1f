"""The citizens' report pages (issue 18, part 2): the public list and page, the report form for
signed-in and anonymous citizens (SMS code), the duplicate check before filing, support, rating,
reopening, private reports and photos only through the checking view."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tinhso.audit.models import AuditEntry
from tinhso.reports import services
from tinhso.reports.models import Category, PhoneCode, Report, ReportPhoto, Supporter

# Near the seat of phường Phú Khương (units/data/seats.csv: 10.2470, 106.3850).
PLACE = (Decimal("10.247000"), Decimal("106.385000"))
NEAR = (Decimal("10.247600"), Decimal("106.385000"))  # about 67 m north
CODE = "246810"


@pytest.fixture
def road(cast) -> Category:
    return Category.objects.create(
        code="duong-hu-hong", name="Ổ gà, hư hỏng đường", agency=cast.dept
    )


@pytest.fixture(autouse=True)
def _known_code(monkeypatch):
    """The SMS code the tests type (the SMS itself goes to the configured channel)."""
    monkeypatch.setattr(services, "generate_code", lambda: CODE)


def png(name: str = "anh.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (24, 24), "blue").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def filed(user, text="Ổ gà lớn giữa đường, xe máy dễ té", place=PLACE, **extra) -> Report:
    data = services.NewReport(
        category="duong-hu-hong", description=text, lat=place[0], lon=place[1], **extra
    )
    return services.file_report(data=data, reporter=user)


def form_data(**extra) -> dict:
    data = {
        "category": "duong-hu-hong",
        "description": "Đường Nguyễn Huệ ngập sâu sau mưa, xe chết máy",
        "lat": "10.250000",
        "lon": "106.380000",
        "address": "Đường Nguyễn Huệ",
        "confirm_new": "1",
    }
    data.update(extra)
    return data


def answered(cast, report: Report) -> Report:
    return services.answer(report=report, user=cast.leader, comment="Đã sửa xong mặt đường.")


# --- pages render --------------------------------------------------------------------------


def test_the_public_list_shows_public_reports_without_personal_data(client, cast, road):
    public = filed(cast.citizen)
    hidden = filed(cast.citizen, text="Chuyện riêng ở hẻm 5", private=True)
    page = client.get("/phan-anh/")
    body = page.content.decode()
    assert page.status_code == 200
    assert public.public_id in body and hidden.public_id not in body
    assert "Chuyện riêng" not in body
    assert cast.citizen.display_name not in body
    assert "Gửi phản ánh" in body and 'href="/phan-anh/gui/"' in body
    assert 'href="/phan-anh/"' in client.get("/").content.decode()  # the header's link


def test_the_public_list_filters_by_category_and_status(client, cast, road):
    report = filed(cast.citizen)
    assert report.public_id in client.get("/phan-anh/?trang-thai=open").content.decode()
    assert report.public_id not in client.get("/phan-anh/?trang-thai=closed").content.decode()
    assert report.public_id not in client.get("/phan-anh/?loai=ngap-ung").content.decode()
    assert client.get("/phan-anh/?loai=x&page=x&trang-thai=zz").status_code == 200
    # NUL and undecodable bytes: the project's input guard answers 400 before the view.
    assert client.get("/phan-anh/?loai=%00").status_code == 400
    assert client.get("/phan-anh/?trang-thai=%FF").status_code == 400


def test_a_public_report_page_shows_the_answer_but_not_the_reporter(client, cast, road):
    report = answered(cast, filed(cast.citizen))
    page = client.get(f"/phan-anh/{report.public_id}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Đã sửa xong mặt đường." in body and "Ổ gà lớn giữa đường" in body
    assert cast.citizen.display_name not in body
    assert page["Cache-Control"] == "no-store"
    assert "Đánh giá" not in body and "Mở lại" not in body


def test_the_form_renders_for_anonymous_and_signed_in_citizens(client, citizen_client, road):
    anonymous = client.get("/phan-anh/gui/").content.decode()
    assert 'name="phone"' in anonymous and "Gửi mã xác nhận qua SMS" in anonymous
    assert 'accept="image/*"' in anonymous and 'capture="environment"' in anonymous
    assert "vendor/leaflet/leaflet.js" in anonymous and "js/reports.js" in anonymous
    signed = citizen_client.get("/phan-anh/gui/").content.decode()
    assert 'name="phone"' not in signed and "Ổ gà, hư hỏng đường" in signed


# --- filing ---------------------------------------------------------------------------------


def test_a_signed_in_citizen_files_a_report_with_a_photo(citizen_client, cast, road):
    response = citizen_client.post("/phan-anh/gui/", form_data(photos=[png()]))
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/phan-anh/{report.public_id}/"
    assert report.reporter == cast.citizen and report.agency == cast.dept
    assert report.photos.count() == 1
    assert AuditEntry.objects.filter(action="report.file").exists()
    page = citizen_client.get(response["Location"]).content.decode()
    assert f"/api/v1/feedback/{report.public_id}/photos/{report.photos.get().pk}" in page
    assert settings.MEDIA_URL not in page


def test_an_anonymous_citizen_confirms_the_phone_and_files(client, road):
    sent = client.post(
        "/phan-anh/gui/ma/", {"phone": "0912 345 678"}, HTTP_ACCEPT="application/json"
    )
    assert sent.status_code == 200 and "Đã gửi mã xác nhận" in sent.json()["message"]
    response = client.post(
        "/phan-anh/gui/", form_data(phone="0912345678", phone_code=CODE, contact_name="Lan")
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter is None and report.reporter_phone == "+84912345678"
    assert "0912345678" not in client.get(response["Location"]).content.decode()


def test_a_wrong_code_files_nothing_and_says_so_on_the_field(client, road):
    client.post("/phan-anh/gui/ma/", {"phone": "0912345678"}, HTTP_ACCEPT="application/json")
    response = client.post("/phan-anh/gui/", form_data(phone="0912345678", phone_code="000000"))
    assert response.status_code == 400
    assert "Mã xác nhận điện thoại không đúng hoặc đã hết hạn." in response.content.decode()
    assert Report.objects.count() == 0
    assert PhoneCode.objects.get().attempts == 1


def test_codes_are_not_sent_twice_a_minute_to_one_phone(client, road):
    first = client.post(
        "/phan-anh/gui/ma/", {"phone": "0912345678"}, HTTP_ACCEPT="application/json"
    )
    again = client.post(
        "/phan-anh/gui/ma/", {"phone": "0912345678"}, HTTP_ACCEPT="application/json"
    )
    assert first.status_code == 200 and again.status_code == 429
    assert PhoneCode.objects.count() == 1
    bad = client.post("/phan-anh/gui/ma/", {"phone": "12"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and "không hợp lệ" in bad.json()["message"]


def test_without_javascript_the_code_button_keeps_the_form(client, road):
    response = client.post("/phan-anh/gui/ma/", form_data(phone="0912345678"))
    body = response.content.decode()
    assert response.status_code == 200 and "Đã gửi mã xác nhận" in body
    assert "Đường Nguyễn Huệ ngập sâu" in body  # the description is still there
    assert Report.objects.count() == 0


def test_nearby_open_reports_are_offered_before_filing(citizen_client, other_client, cast, road):
    existing = filed(cast.other_citizen, place=NEAR)
    data = form_data(lat=str(PLACE[0]), lon=str(PLACE[1]))
    del data["confirm_new"]
    check = other_client.post("/phan-anh/gui/", {**data, "photos": [png()]})
    body = check.content.decode()
    assert check.status_code == 200 and existing.public_id in body
    assert "Đây cũng là vấn đề của tôi" in body and "Vẫn gửi phản ánh mới" in body
    assert "Vui lòng chọn lại ảnh" in body
    assert Report.objects.count() == 1
    # "Vẫn gửi phản ánh mới": filed
    assert citizen_client.post("/phan-anh/gui/", {**data, "confirm_new": "1"}).status_code == 302
    assert Report.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": ""}, "Vui lòng chọn loại phản ánh."),
        ({"category": "khong-co"}, "Vui lòng chọn loại phản ánh hợp lệ."),
        ({"description": "  "}, "Vui lòng nhập nội dung."),
        ({"description": "ngập\x00nước"}, "ký tự NUL"),
        ({"description": "<script>x</script>"}, "Nội dung không được chứa mã HTML."),
        ({"lat": "21.0285", "lon": "105.8542"}, "Vị trí đã chọn nằm ngoài địa bàn tỉnh."),
        ({"lat": "abc"}, "Tọa độ không hợp lệ."),
        (
            {"lat": "", "lon": "", "address": ""},
            "Loại phản ánh này cần vị trí trên bản đồ hoặc địa chỉ.",
        ),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_nothing_is_saved(
    citizen_client, road, change, message
):
    response = citizen_client.post("/phan-anh/gui/", form_data(**change))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    if "NUL" not in message:  # NUL bytes are refused by the project's input guard, before the form
        assert "Chưa gửi được phản ánh" in body
    assert Report.objects.count() == 0


def test_a_photo_that_is_not_an_image_is_refused(citizen_client, road, tmp_path):
    fake = SimpleUploadedFile("anh.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = citizen_client.post("/phan-anh/gui/", form_data(photos=[fake]))
    assert response.status_code == 400
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0
    assert 'id="report-photos-error"' in response.content.decode()


def test_an_oversized_photo_is_refused(citizen_client, road, settings):
    settings.TINHSO_REPORTS_PHOTO_MAX_BYTES = 10
    response = citizen_client.post("/phan-anh/gui/", form_data(photos=[png()]))
    assert response.status_code == 400 and "vượt quá" in response.content.decode()
    assert Report.objects.count() == 0


def test_undecodable_input_is_not_a_server_error(citizen_client, road):
    response = citizen_client.post(
        "/phan-anh/gui/",
        b"category=\xff\xfe&description=\xc3",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


# --- support, rating, reopening ----------------------------------------------------------------


def test_another_signed_in_citizen_supports_a_report(other_client, cast, road):
    report = filed(cast.citizen)
    page = other_client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert "Đây cũng là vấn đề của tôi" in page
    response = other_client.post(f"/phan-anh/{report.public_id}/cung-van-de/")
    assert response.status_code == 302
    assert Supporter.objects.get(report=report).user == cast.other_citizen
    assert (
        "Bạn đang theo dõi phản ánh này." in other_client.get(response["Location"]).content.decode()
    )


def test_the_reporter_is_not_offered_support_of_their_own_report(citizen_client, cast, road):
    report = filed(cast.citizen)
    assert (
        "Đây cũng là vấn đề của tôi"
        not in citizen_client.get(f"/phan-anh/{report.public_id}/").content.decode()
    )
    citizen_client.post(f"/phan-anh/{report.public_id}/cung-van-de/")
    assert Supporter.objects.count() == 0


def test_an_anonymous_citizen_supports_with_a_confirmed_phone(client, cast, road):
    report = filed(cast.citizen)
    client.post("/phan-anh/gui/ma/", {"phone": "0987654321"}, HTTP_ACCEPT="application/json")
    wrong = client.post(
        f"/phan-anh/{report.public_id}/cung-van-de/", {"phone": "0987654321", "phone_code": "1"}
    )
    assert wrong.status_code == 302 and Supporter.objects.count() == 0
    client.post(
        f"/phan-anh/{report.public_id}/cung-van-de/", {"phone": "0987654321", "phone_code": CODE}
    )
    assert Supporter.objects.get().phone == "+84987654321"


def test_the_reporter_rates_the_answer(citizen_client, other_client, cast, road):
    report = filed(cast.citizen)
    page = citizen_client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert "Hài lòng" not in page  # not before the answer
    answered(cast, report)
    page = citizen_client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert "Đánh giá" in page and cast.citizen.display_name in page
    other_client.post(f"/phan-anh/{report.public_id}/danh-gia/", {"rating": "dissatisfied"})
    report.refresh_from_db()
    assert report.citizen_rating == Report.Rating.NONE
    citizen_client.post(f"/phan-anh/{report.public_id}/danh-gia/", {"rating": "bogus"})
    citizen_client.post(f"/phan-anh/{report.public_id}/danh-gia/", {"rating": "satisfied"})
    report.refresh_from_db()
    assert report.citizen_rating == Report.Rating.SATISFIED


def test_the_reporter_reopens_within_the_period_only(citizen_client, cast, road):
    report = answered(cast, filed(cast.citizen))
    citizen_client.post(f"/phan-anh/{report.public_id}/mo-lai/", {"comment": "Vẫn còn ổ gà"})
    report.refresh_from_db()
    assert report.status == Report.Status.IN_PROGRESS and report.reopen_count == 1
    late = answered(cast, report)
    Report.objects.filter(pk=late.pk).update(
        answered_at=timezone.now() - datetime.timedelta(days=30)
    )
    page = citizen_client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert "Mở lại phản ánh" not in page
    citizen_client.post(f"/phan-anh/{report.public_id}/mo-lai/")
    report.refresh_from_db()
    assert report.status == Report.Status.ANSWERED


def test_citizen_actions_need_a_signed_in_user_and_post(client, citizen_client, cast, road):
    report = answered(cast, filed(cast.citizen))
    response = client.post(f"/phan-anh/{report.public_id}/danh-gia/", {"rating": "satisfied"})
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    assert citizen_client.get(f"/phan-anh/{report.public_id}/danh-gia/").status_code == 405


# --- private reports and photos ----------------------------------------------------------------


def test_a_private_report_is_seen_by_its_reporter_only(
    client, citizen_client, other_client, cast, road
):
    report = filed(cast.citizen, private=True, photos=[png()])
    url = f"/phan-anh/{report.public_id}/"
    assert client.get(url).status_code == 404
    assert other_client.get(url).status_code == 404
    assert other_client.post(f"{url}cung-van-de/").status_code == 404
    assert citizen_client.get(url).status_code == 200
    photo = f"/api/v1/feedback/{report.public_id}/photos/{report.photos.get().pk}"
    assert other_client.get(photo).status_code == 404
    shown = citizen_client.get(photo)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"


def test_my_reports_lists_the_citizens_own_reports(client, citizen_client, cast, road):
    mine = filed(cast.citizen, private=True)
    theirs = filed(cast.other_citizen, text="Đèn đường tắt")
    page = citizen_client.get("/phan-anh/cua-toi/")
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert mine.public_id in body and theirs.public_id not in body
    assert timezone.localtime(mine.due_at).strftime("%d/%m/%Y") in body
    assert client.get("/phan-anh/cua-toi/").status_code == 302


def test_an_unknown_report_is_a_404(client, road):
    assert client.get("/phan-anh/PA-NOTHING/").status_code == 404
    assert client.get("/phan-anh/%00/").status_code == 400  # the project's NUL guard


def test_without_javascript_the_code_for_a_support_leads_back_to_the_report(client, cast, road):
    report = filed(cast.citizen)
    page = client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert 'name="support_for"' in page and "Gửi mã xác nhận qua SMS" in page
    response = client.post(
        "/phan-anh/gui/ma/", {"phone": "0987654321", "support_for": report.public_id}
    )
    assert response.status_code == 302 and response["Location"] == f"/phan-anh/{report.public_id}/"
    assert "Đã gửi mã xác nhận" in client.get(response["Location"]).content.decode()
    assert PhoneCode.objects.get().phone == "+84987654321"
