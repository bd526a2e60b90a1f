"""In headless Chromium on a phone viewport (issue 18): a citizen reports a flooded road with a
photo from their current position, is offered the open report a few metres away, files a new
one anyway; the department's leader answers and the citizen rates the answer on the page."""

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from PIL import Image

from tinhso.reports import services
from tinhso.reports.models import Category, Report
from tinhso.testing import make_cast
from tinhso.tests.test_e2e_browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 10.2470, "longitude": 106.3850}  # near the seat of phường Phú Khương
NEIGHBOUR = (Decimal("10.247500"), Decimal("106.385000"))  # about 56 m north


def signed_in(browser, base, user, **options):
    """A phone browser context already signed in as ``user`` (a session made by the test client)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(**PHONE, **options)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base}]
    )
    return context


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_a_citizen_reports_a_flooded_road_from_a_phone_and_rates_the_answer(live_server, browser):
    base = live_server.url
    cast = make_cast()
    Category.objects.create(code="ngap-ung", name="Ngập úng", agency=cast.dept)
    existing = services.file_report(
        data=services.NewReport(
            category="ngap-ung",
            description="Nước ngập đầu hẻm chợ",
            lat=NEIGHBOUR[0],
            lon=NEIGHBOUR[1],
        ),
        reporter=cast.other_citizen,
    )
    context = signed_in(browser, base, cast.citizen, geolocation=HERE, permissions=["geolocation"])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/phan-anh/gui/")

    page.get_by_label("Loại phản ánh").select_option("ngap-ung")
    page.get_by_label("Nội dung phản ánh").fill("Đường ngập sâu nửa bánh xe sau cơn mưa chiều nay")
    page.set_input_files(
        "#report-photos",
        files=[{"name": "ngap.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )
    assert page.locator("#report-map").is_visible()
    page.get_by_role("button", name="Dùng vị trí hiện tại").click()

    # The open report 56 m away is offered before filing.
    offered = page.locator("[data-duplicates]")
    offered.wait_for(state="visible")
    assert existing.public_id in offered.inner_text()
    assert offered.get_by_role("button", name="Đây cũng là vấn đề của tôi").is_visible()
    assert not page.get_by_role("button", name="Gửi phản ánh", exact=True).is_visible()
    box = offered.get_by_role("button", name="Vẫn gửi phản ánh mới").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    offered.get_by_role("button", name="Vẫn gửi phản ánh mới").click()
    page.wait_for_url(re.compile(r".*/phan-anh/PA-[0-9A-Z]{10}/$"))
    assert "Đã gửi phản ánh" in page.locator(".messages").inner_text()

    report = Report.objects.exclude(pk=existing.pk).get()
    assert report.reporter == cast.citizen and report.photos.count() == 1
    assert abs(float(report.lat) - HERE["latitude"]) < 1e-5  # type: ignore[arg-type]
    photo = page.locator(".report-photos img")
    assert photo.get_attribute("src", timeout=5000).startswith("/api/v1/feedback/")  # type: ignore[union-attr]
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 40

    # The department's leader answers (through the service every channel uses).
    services.answer(report=report, user=cast.leader, comment="Đã nạo vét cống, nước đã rút.")
    page.reload()
    assert "Đã nạo vét cống" in page.locator(".report-answer").inner_text()
    page.get_by_role("button", name="Hài lòng", exact=True).click()
    page.wait_for_load_state()
    assert "Cảm ơn bạn đã đánh giá" in page.locator(".messages").inner_text()
    report.refresh_from_db()
    assert report.citizen_rating == Report.Rating.SATISFIED
    assert problems == []
    context.close()
