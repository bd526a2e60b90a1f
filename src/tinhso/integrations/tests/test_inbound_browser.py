"""A dossier filed on the national portal, handled to the end in the back office, in headless
Chromium (issue 16, spec §11.4 scenario 4 with the officials' side).

The sandbox holds a birth registration filed on "DVCQG" for the Phú Khương ward and pushes it to
Tỉnh Số twice (``DUPLICATE_ACK``); the pull adapter then lists it once more. One local dossier
exists, keeping the national code. The ward's clerk finds it in the inbox by that code, and the
officials take it through receipt, the result, approval, hand-over and return. The outbox then
delivers it upward under the national code: the sandbox's state page shows one insert and every
step, ending with 10.
"""

import base64
import io
import json

import pytest
import requests
from django.core.management import call_command

from tinhso.dossiers.models import Dossier
from tinhso.testing import PDF_BYTES
from tinhso.tests.test_e2e_browser import login, logout, process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("national", *args, stdout=out)
    return out.getvalue()


def test_a_dossier_filed_on_the_national_portal_is_handled_and_synced_back(
    live_server, demo_province, browser, sandbox
):
    base = live_server.url
    assert requests.post(f"{sandbox}/faults", json={"DUPLICATE_ACK": True}, timeout=5).ok
    seeded = requests.post(
        f"{sandbox}/inbound/seed",
        json={
            "procedure": "1.001193",
            "agency": "000.28756.H61",
            "applicant": {
                "HoVaTen": "Nguyễn Văn An",
                "SoDinhDanh": "083095001234",
                "SoDienThoai": "0912345678",
                "Email": "citizen1@demo.tinhso",
                "DiaChi": "12 Đường Đồng Khởi, phường Phú Khương",
                "MaXa": "28756",
            },
            "files": [
                {
                    "code": "GCS",
                    "name": "giay-chung-sinh.pdf",
                    "content_base64": base64.b64encode(PDF_BYTES).decode(),
                }
            ],
            "push": True,
        },
        timeout=30,
    )
    assert seeded.status_code == 200, seeded.text
    national = seeded.json()["MaHoSo"]
    assert national.startswith("000.28756.H61-") and int(national.rsplit("-", 1)[1]) >= 9000
    pushes = requests.get(f"{sandbox}/state", params={"MaHoSo": national}, timeout=5).json()
    answers = [p["body"]["error_code"] for p in pushes["inbound"]["pushes"]]
    assert answers[0] == 0 and len(answers) >= 2 and set(answers[1:]) == {1}  # duplicates
    command("pull")  # the pull adapter lists it too: absorbed, acknowledged
    assert Dossier.objects.filter(other_code=national).count() == 1
    dossier = Dossier.objects.get(other_code=national)
    assert dossier.channel == 2 and dossier.status == "submitted"
    assert dossier.intake_problems == []  # the portal's form, files and applicant all fit
    assert list(dossier.attachments.values_list("document_code", flat=True)) == ["GCS"]
    assert dossier.agency.slug == "phukhuong"
    assert dossier.applicant is not None and dossier.applicant.username == "citizen1"

    # The ward's clerk finds it in the inbox by its national code and the officials handle it.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = desk.new_page()
    login(page, base, "phukhuong.clerk")
    page.goto(f"{base}/backoffice/")
    assert national in page.inner_text("main")
    page.goto(f"{base}/backoffice/ho-so/{national}/")
    assert page.locator("main").get_by_text(national).count() >= 1
    assert dossier.code in page.inner_text("main")  # ours, beside the national one
    logout(page)
    process(
        page,
        base,
        dossier.code,
        [
            ("phukhuong.clerk", "receive", {}),
            ("phukhuong.specialist", "prepare_result", {"so_dinh_danh_ca_nhan": "083226001234"}),
            ("phukhuong.specialist", "complete_step", {"comment": "Hồ sơ hợp lệ"}),
            ("phukhuong.leader", "approve", {}),
            ("phukhuong.clerk", "issue_result", {}),
            ("phukhuong.clerk", "return_result", {"return_method": "online"}),
        ],
    )
    dossier.refresh_from_db()
    assert dossier.status == "returned"

    # Upward under the national code: one insert, every step, in order, ending with 10.
    assert "Đã gửi" in command("sync")
    page.goto(f"{sandbox}/state?MaHoSo={national}")
    state = json.loads(page.inner_text("body"))
    assert state["inserts"] == 1
    assert state["dossier"]["MaHoSo"] == national and state["dossier"]["KenhThucHien"] == "2"
    statuses = [entry["TrangThai"] for entry in state["progress"]]
    assert statuses[0] == "1" and statuses[-2:] == ["9", "10"] and "2" in statuses
    assert all(entry["MaHoSo"] == national for entry in state["progress"])
    desk.close()
