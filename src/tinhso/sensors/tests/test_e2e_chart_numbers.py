"""The station chart in headless Chromium writes numbers as a Vietnamese reader does: 0,5 g/L and
4.000 on the axis, in the tooltip and on the limit lines (ECharts' default is 0.5 and 4,000)."""

import datetime
import os

import pytest
from django.utils import timezone

from tinhso.sensors.ingest import ingest
from tinhso.sensors.readings import Reading

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READ_CHART = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById("chart-hourly"));
  const option = chart.getOption();
  const axis = option.yAxis[0].axisLabel.formatter;
  return {
    axis: [axis(4000), axis(0.5)],
    tooltip: option.tooltip[0].valueFormatter(0.5),
    limits: option.series[0].markLine.data.map((d) => d.label.formatter),
  };
}"""


def test_station_chart_numbers_use_the_decimal_comma_and_thousands_dot(
    live_server, browser, network
):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    now = timezone.now()
    ds = network["my-hoa"]
    ingest(
        [Reading(ds.pk, now - datetime.timedelta(hours=h), 0.5 + h / 100) for h in range(48)],
        source="test",
    )
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/quan-trac/tram/my-hoa/")
    page.wait_for_selector("#chart-hourly canvas")
    seen = page.evaluate(READ_CHART)
    context.close()
    assert seen["axis"] == ["4.000", "0,5"]
    assert seen["tooltip"] == "0,5 g/L"
    assert seen["limits"] and all("." not in label for label in seen["limits"])
    assert any("," in label and label.endswith(" g/L") for label in seen["limits"])
