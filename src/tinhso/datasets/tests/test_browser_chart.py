"""In headless Chromium: the resource page draws the chart from the datastore API under the CSP."""

import pytest

from tinhso.datasets import services
from tinhso.datasets.testing import make_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chart_is_drawn_without_csp_violations(live_server, browser, media, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    catalogue = make_catalogue()
    resource = services.add_resource(
        user=None,
        dataset=catalogue.salinity,
        name="Độ mặn theo ngày",
        upload=services.DataFile(
            "ngay.csv", b"ngay,do_man\n2020-02-01,12.5\n2020-02-02,9\n2020-02-03,15\n"
        ),
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/du-lieu/do-man-song/tai-nguyen/{resource.pk}/")
    page.wait_for_selector("#chart canvas", timeout=10000)
    page.select_option("#chart-label", "ngay")
    page.wait_for_timeout(500)
    assert page.locator("table.preview tbody tr").count() == 3
    assert not problems, problems
