import pytest

from tinhso.documents import numbering


@pytest.mark.parametrize(
    ("kind", "number_2025", "number_2018"),
    [
        ("receipt", "01", "01"),
        ("supplement", "02", "02"),
        ("refusal", "03", "03"),
        ("apology", "04", "04"),
        ("control", "06", "05"),
        ("register", "07", "06"),
    ],
)
def test_form_numbers_per_instrument(kind, number_2025, number_2018):
    assert numbering.form_number(kind, "03/2025/TT-VPCP") == number_2025
    assert numbering.form_number(kind, "01/2018/TT-VPCP") == number_2018


def test_stop_notice_has_no_2018_form():
    assert numbering.form_number("stop") == "05"
    with pytest.raises(ValueError, match="no form"):
        numbering.form_number("stop", "01/2018/TT-VPCP")


def test_apology_title_follows_the_instrument():
    assert numbering.form_title("apology", "03/2025/TT-VPCP") == (
        "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"
    )
    assert numbering.form_title("apology", "01/2018/TT-VPCP") == (
        "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
    )


def test_slips_are_issued_under_circular_03_2025():
    assert numbering.CURRENT_INSTRUMENT == "03/2025/TT-VPCP"
