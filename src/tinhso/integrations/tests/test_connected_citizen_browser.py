"""The whole connected-province flow of issue 17 on a phone, in real headless Chromium, against the
in-project national sandbox over real HTTP:

1. the citizen signs in through the national portal's OIDC page (persona Nguyễn Văn An, VNeID
   level 2), linked to his account by his personal ID;
2. on the filing page he consents by a one-time code to a lookup of his own ID in the population
   database, which fills his date of birth; he takes a document from his national data store,
   chooses postal return with an address and a phone, and files;
3. he pays the fee on the national payment platform's checkout page;
4. the clerk sees the population check on the dossier's page in the back office;
5. the officials handle the dossier; the worker pushes the signed result into his national store
   and creates the shipment; the post's tracking returns the dossier and records the delivery,
   which his dossier page shows.
"""

import logging
import re

import pytest
import requests

from tinhso.accounts.models import Consent, User
from tinhso.dossiers.models import Dossier
from tinhso.integrations import outbox
from tinhso.integrations.datastore.models import PushedResult
from tinhso.integrations.population.models import PopulationLookup
from tinhso.integrations.postal.models import Shipment
from tinhso.integrations.sso.models import NationalAccount
from tinhso.integrations.tests.postal_support import ANSWERS, postal_version
from tinhso.payments.models import Payment
from tinhso.sandboxes.national import pay_views, post_views
from tinhso.testing import PDF_BYTES, make_cast
from tinhso.tests.test_e2e_browser import login, process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN"}
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"}
PERSONAL_ID = "083095001234"  # Nguyễn Văn An: in the sandbox's population and store fixtures
POSTAL_SECRET = "browser-postal-secret"
ADDRESS = "12 Đường Đồng Khởi, phường Phú Khương, tỉnh Vĩnh Long"


@pytest.fixture
def platforms(sandbox, settings):
    """Every national platform of issue 17 pointed at the sandbox, with clean state."""
    settings.TINHSO_DVCQG_SSO_ENABLED = True
    settings.TINHSO_DVCQG_SSO_URL = "{site_url}/sandbox/national/oidc"
    settings.TINHSO_DVCQG_SSO_CLIENT_ID = "tinhso-browser"
    settings.TINHSO_DVCQG_SSO_CLIENT_SECRET = "browser-secret"
    settings.TINHSO_PAYGOV_URL = "{site_url}/sandbox/national/pay"
    settings.TINHSO_PAYGOV_PARTNER_CODE = "TINHSO-BROWSER"
    settings.TINHSO_PAYGOV_SECRET = "browser-paygov-secret"
    settings.TINHSO_PAYGOV_SANDBOX_PARTNER_CODE = ""
    settings.TINHSO_PAYGOV_SANDBOX_SECRET = ""
    settings.TINHSO_PAYGOV_SANDBOX_CALLBACK_URL = "{site_url}/payments/paygov/callback"
    settings.TINHSO_DATASTORE_ENABLED = True
    settings.TINHSO_POSTAL_ENABLED = True
    settings.TINHSO_POSTAL_URL = "{site_url}/sandbox/national/post"
    settings.TINHSO_POSTAL_TOKEN_URL = ""
    settings.TINHSO_POSTAL_USERNAME = "buudien-browser"
    settings.TINHSO_POSTAL_PASSWORD = "browser-password"
    settings.TINHSO_POSTAL_WEBHOOK_SECRET = POSTAL_SECRET
    settings.TINHSO_POSTAL_SANDBOX_SECRET = ""
    settings.TINHSO_POSTAL_SANDBOX_NOTIFICATION_URL = "{site_url}/postal/tracking"
    assert requests.post(f"{sandbox}/reset", json={}, timeout=5).status_code == 200
    yield sandbox
    pay_views.wait_for_callbacks()
    post_views.wait_for_notifications()


def sms_code(caplog) -> str:
    """The one-time code the SMS channel of the demo (a log) sent last."""
    messages = [r.getMessage() for r in caplog.records if r.name == "tinhso.sms"]
    assert messages, "no SMS was sent"
    return re.findall(r"\b(\d{6})\b", messages[-1])[0]


def advance(sandbox: str, item_code: str, status: str) -> None:
    """The post moves the parcel on; its signed notification reaches Tỉnh Số."""
    response = requests.post(
        f"{sandbox}/post/advance", json={"ItemCode": item_code, "status": status}, timeout=10
    )
    assert response.status_code == 200, response.text
    post_views.wait_for_notifications()


def test_a_citizen_signs_in_nationally_files_pays_and_gets_the_result_by_post_on_a_phone(
    browser, platforms, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="tinhso.sms")
    sandbox = platforms
    base = sandbox.removesuffix("/sandbox/national")
    cast = make_cast()
    citizen = cast.citizen
    assert citizen.personal_id == PERSONAL_ID
    version = postal_version(cast)
    version.fee = version.fee_online = 200_000
    version.save()
    declaration = tmp_path / "to-khai.pdf"
    declaration.write_bytes(PDF_BYTES)
    problems: list[str] = []

    # 1. Sign in through the national portal's login page.
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
    page.goto(f"{base}/dang-nhap/")
    page.get_by_role("button", name="Đăng nhập qua Cổng Dịch vụ công quốc gia").click()
    page.wait_for_url("**/sandbox/national/oidc/authorize**")
    page.get_by_role("button", name="Đăng nhập: Nguyễn Văn An").click()
    page.wait_for_load_state()
    if "/tai-khoan/dong-y/" in page.url:  # the first sign-in asks the consent first
        page.check("#id_agree")
        page.get_by_role("button", name="Đồng ý và tiếp tục").click()
    page.wait_for_url(f"{base}/ho-so/")
    link = NationalAccount.objects.get(user=citizen)  # linked by the personal ID, not a new one
    assert link.vneid_verified and User.objects.filter(personal_id=PERSONAL_ID).count() == 1
    assert Consent.objects.filter(user=citizen, given=True).exists()

    # 2. The filing page: the population lookup with the code, a document from the national
    # store, postal return.
    page.goto(f"{base}/thu-tuc/{version.procedure.code}/nop/")
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    page.locator("#dancu-code").wait_for(state="visible")
    page.fill("#dancu-code", sms_code(caplog))
    page.get_by_role("button", name="Đồng ý và tra cứu").click()
    page.locator("[data-dancu-confirmed]").wait_for(state="visible")
    assert page.locator("[data-dancu-name]").inner_text() == "Nguyễn Văn An"
    assert page.input_value("#f-ngay_sinh") == "1995-03-12"  # filled from the confirmed data
    page.fill("#f-ho_ten", "Nguyễn Văn An")
    page.fill("#f-so_ban", "1")
    page.select_option("#f-hinh_thuc_nhan", ANSWERS["postal"])
    page.fill("#id_postal_address", ADDRESS)
    page.fill("#id_postal_phone", "0912345678")
    page.set_input_files("#doc-TK", str(declaration))
    national = page.locator("#reuse-CCCD option", has_text="Phiếu lý lịch tư pháp")
    assert national.count() == 1  # offered from his national data store
    page.select_option("#reuse-CCCD", national.get_attribute("value"))
    page.locator("button[value=submit]").click()
    page.wait_for_url(re.compile(r".*/ho-so/[^/]+/$"))
    code = re.search(r"/ho-so/([^/]+)/$", page.url).group(1)  # type: ignore[union-attr]
    dossier = Dossier.objects.get(code=code)
    assert dossier.return_method == "postal" and dossier.postal_address == ADDRESS
    reused = dossier.attachments.get(document_code="CCCD").reused_from
    assert reused is not None and reused.national_copy.owner_number == PERSONAL_ID
    lookup = PopulationLookup.objects.get(dossier=dossier)
    assert (lookup.purpose, lookup.outcome) == ("citizen", "found")
    assert "birth_date" in lookup.fields_copied

    # 3. Pay on the national payment platform's page.
    page.get_by_role("button", name="Thanh toán qua Cổng thanh toán quốc gia").click()
    page.wait_for_url("**/sandbox/national/pay/checkout/**")
    page.get_by_role("button", name="Thanh toán", exact=True).click()
    page.get_by_text("Thanh toán thành công").wait_for()
    pay_views.wait_for_callbacks()
    # The message set has no return address (spec §5.2): the citizen goes back to his dossier.
    page.goto(f"{base}/ho-so/{code}/")
    assert "Đã thanh toán" in page.inner_text("main") or "Thành công" in page.inner_text("main")
    payments = Payment.objects.filter(dossier=dossier)
    assert [(p.provider, p.status) for p in payments] == [("paygov", "succeeded")]
    dossier.refresh_from_db()
    assert dossier.paid_amount == 200_000 and dossier.paid_online
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dossier page scrolls sideways on a phone ({width}px)"
    phone.close()

    # 4. The clerk sees the population check in the back office.
    desk = browser.new_context(**DESK)
    office = desk.new_page()
    login(office, base, cast.clerk.username, "pw")
    office.goto(f"{base}/backoffice/ho-so/{code}/")
    checks = office.locator("#population-checks").inner_text()
    assert "Có thông tin công dân" in checks and "Công dân tự tra cứu" in checks
    assert "Ngày sinh" in checks

    # 5. The officials handle it in the back office (the leader's approval signs the e-result;
    # the clerk's hand-over owes it to the store and the parcel to the post); the worker delivers.
    process(
        office,
        base,
        code,
        [
            (cast.clerk.username, "receive", {}),
            (cast.specialist.username, "complete_step", {}),
            (cast.leader.username, "approve", {}),
            (cast.clerk.username, "issue_result", {}),
        ],
        password="pw",
    )
    desk.close()
    dossier.refresh_from_db()
    assert dossier.status == "result_ready"
    assert outbox.drain("kho").sent == 1
    assert outbox.drain("buudien").sent == 1
    pushed = PushedResult.objects.get(result__dossier=dossier)
    held = requests.get(f"{sandbox}/store/results", params={"SoDinhDanh": PERSONAL_ID}, timeout=5)
    numbers = [d["SoKyHieu"] for d in held.json()["result"]["DanhSachGiayToKetQua"]]
    assert pushed.result.number in numbers
    shipment = Shipment.objects.get(dossier=dossier)
    advance(sandbox, shipment.item_code, "accepted")
    advance(sandbox, shipment.item_code, "in_transit")
    advance(sandbox, shipment.item_code, "delivered")
    dossier.refresh_from_db()
    shipment.refresh_from_db()
    assert dossier.status == "returned" and dossier.postal_tracking == shipment.item_code
    assert shipment.status == "delivered" and shipment.delivered_at is not None

    # The citizen follows the parcel on his phone.
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
    page.goto(f"{base}/dang-nhap/")
    page.get_by_role("button", name="Đăng nhập qua Cổng Dịch vụ công quốc gia").click()
    page.get_by_role("button", name="Đăng nhập: Nguyễn Văn An").click()
    page.wait_for_url(f"{base}/ho-so/")
    page.goto(f"{base}/ho-so/{code}/")
    text = page.inner_text("main")
    assert "Đã trả kết quả" in text and shipment.item_code in text
    assert "Gửi kết quả qua bưu chính" in text
    assert not problems, problems
    phone.close()
