"""The clerk sees the population lookup's result at the counter, in headless Chromium (issue 17's
browser check, counter side): the demo's Phú Khương clerk enters Trần Thị Bích's ID and the
address she declares; the page shows the confirmed permanent residence, the address mismatch and
her name filled from the lookup."""

import pytest

from tinhso.integrations.population.models import PopulationLookup
from tinhso.integrations.tests.conftest import sandbox  # noqa: F401  (the live sandbox fixture)
from tinhso.tests.test_e2e_browser import PHONE, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_clerk_sees_the_confirmed_fields_and_the_mismatch(
    live_server,
    demo_province,
    browser,
    sandbox,  # noqa: F811
):
    base = live_server.url
    page = browser.new_context(**PHONE).new_page()
    login(page, base, "phukhuong.clerk")
    page.goto(f"{base}/backoffice/tiep-nhan/?thu_tuc=1.001193")
    page.fill("#id_personal_id", "083301004567")
    page.fill("#id_address", "45 Ấp 3, phường An Hội")
    page.locator("button[name=tra_cuu_dan_cu]").click()
    page.wait_for_load_state()

    panel = page.inner_text("#population-result")
    assert "78 Ấp 5, Phường An Hội, Tỉnh Vĩnh Long" in panel
    assert "Không khớp với thông tin đã khai: Nơi thường trú" in panel
    assert page.input_value("#id_name") == "Trần Thị Bích"
    assert page.input_value("#id_address") == "45 Ấp 3, phường An Hội"
    row = PopulationLookup.objects.get()
    assert (row.outcome, row.comparison) == ("found", {"address": "mismatched"})
