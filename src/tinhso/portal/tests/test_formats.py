"""Numbers, money and names as a Vietnamese reader expects them, and fees that end on their date."""

import datetime
import json
from pathlib import Path

import pytest
from django.template import Context, Template

from tinhso.portal.templatetags.portal_tags import money, number, provider_label

CATALOGUE = Path(__file__).resolve().parents[2] / "procedures" / "catalogue"


@pytest.mark.parametrize(
    "value, text",
    [
        (4000, "4.000"),
        (1234567, "1.234.567"),
        (0.5, "0,5"),
        (2.25, "2,25"),
        (0, "0"),
        (-1200, "-1.200"),
    ],
)
def test_counts_and_quantities_take_the_thousands_dot_and_the_decimal_comma(value, text):
    assert number(value) == text


def test_money_is_whole_dong_with_the_thousands_dot():
    assert money(200000) == "200.000 đồng"
    assert money(0) == "0 đồng"
    assert money(None) == ""


def test_payment_providers_are_named_in_words():
    assert provider_label("vnpay").startswith("VNPay")
    assert "VietQR" in provider_label("vietqr") and "chuyển khoản" in provider_label("vietqr")
    assert provider_label("counter").startswith("Nộp tại quầy")
    assert provider_label("unknown-gateway") == "unknown-gateway"  # never an error on a page


def test_a_template_prints_a_large_count_the_vietnamese_way():
    rendered = Template("{% load portal_tags %}{{ n|number }} hồ sơ").render(Context({"n": 4000}))
    assert rendered == "4.000 hồ sơ"


def test_the_2025_online_driving_licence_fee_ended_on_31_december_2025():
    entry = json.loads((CATALOGUE / "3_000347.json").read_text())
    assert datetime.date.fromisoformat(entry["effective_from"]) == datetime.date(2026, 1, 1)
    assert entry["version"] >= 2
    online = entry["fees"]["online"]
    assert (online if online is not None else entry["fees"]["counter"]) == 135000
    assert "fees.online" in entry["unconfirmed"]


def test_public_fee_notes_carry_no_internal_working_notes():
    """The fee note is printed on the public procedure page; caveats about the data itself belong
    in ``source`` and ``unconfirmed``."""
    for path in sorted(CATALOGUE.glob("*.json")):
        entry = json.loads(path.read_text())
        note = entry["fees"].get("note", "")
        for internal in ("tạm ghi", "tạm lấy", "phiên bản", "CHƯA XÁC NHẬN", "UNCONFIRMED"):
            assert internal not in note, (entry["code"], internal)
