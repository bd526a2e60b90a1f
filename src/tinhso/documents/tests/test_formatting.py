import datetime
from decimal import Decimal

import pytest

from tinhso.documents import formatting


def test_datetime_is_written_in_words_in_ho_chi_minh_time():
    moment = datetime.datetime(2025, 12, 31, 17, 4, tzinfo=datetime.UTC)

    assert formatting.vn_datetime(moment) == "00 giờ 04 phút, ngày 01 tháng 01 năm 2026"


def test_date_is_written_in_words():
    assert formatting.vn_date(datetime.date(2025, 7, 1)) == "ngày 01 tháng 07 năm 2025"


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        formatting.vn_datetime(datetime.datetime(2025, 1, 1, 8, 0))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("3.00"), "3"),
        (Decimal("2.50"), "2,5"),
        (Decimal("0.25"), "0,25"),
        (150000, "150.000"),
    ],
)
def test_numbers_use_vietnamese_separators(value, text):
    assert formatting.vn_number(value) == text


def test_amounts_and_durations():
    assert formatting.dong(1250000) == "1.250.000 đồng"
    assert formatting.working_days(Decimal("0.5")) == "0,5 ngày làm việc"
