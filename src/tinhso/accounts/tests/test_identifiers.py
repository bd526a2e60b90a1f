import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tinhso.accounts.identifiers import (
    CCCD_PROVINCE_PREFIXES,
    FEMALE,
    MALE,
    PersonalIdParts,
    mask_personal_id,
    mask_phone,
    normalize_phone,
    parse_personal_id,
    validate_personal_id,
    validate_tax_code,
)


def _code(func, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as excinfo:
        func(*args, **kwargs)
    return excinfo.value.code


# --- personal identification number (R-ID-1, R-ID-2) ---


def test_spec_valid_personal_ids_are_accepted_and_parsed():
    assert validate_personal_id("083095001234") == "083095001234"
    assert parse_personal_id("083095001234") == PersonalIdParts("083", 1995, MALE)
    assert parse_personal_id("083301004567") == PersonalIdParts("083", 2001, FEMALE)


def test_separators_and_full_width_digits_are_normalised():
    assert validate_personal_id(" 083 095 001.234 ") == "083095001234"
    assert validate_personal_id("０８３０９５００１２３４") == "083095001234"


def test_unknown_province_prefix_is_refused():
    assert _code(validate_personal_id, "097095001234") == "invalid_province"


def test_birth_year_in_the_future_is_refused():
    # d4 = 2 with year 95 means 2095 (R-ID-2).
    assert _code(validate_personal_id, "083295001234") == "future_birth_year"


def test_birth_year_is_compared_with_today_in_vietnam():
    with time_machine.travel(datetime.datetime(2026, 12, 31, 16, 59, tzinfo=datetime.UTC)):
        assert _code(validate_personal_id, "083227001234") == "future_birth_year"  # 23:59 in VN
    with time_machine.travel(datetime.datetime(2026, 12, 31, 17, 0, tzinfo=datetime.UTC)):
        assert validate_personal_id("083227001234") == "083227001234"  # 1/1/2027 in VN


@pytest.mark.parametrize(
    "value", ["08309500123", "0830950012345", "08309500123A", "", "083-095-001-23x"]
)
def test_anything_but_twelve_digits_is_refused(value):
    assert _code(validate_personal_id, value) == "invalid_format"


def test_random_part_all_zero_is_refused():
    assert _code(validate_personal_id, "083095000000") == "invalid_serial"


def test_declared_birth_year_and_sex_must_agree():
    assert validate_personal_id("083095001234", birth_year=1995, sex="male") == "083095001234"
    assert validate_personal_id("083301004567", birth_year=2001, sex="Nữ") == "083301004567"
    assert _code(validate_personal_id, "083095001234", birth_year=1996) == "birth_year_mismatch"
    assert _code(validate_personal_id, "083095001234", sex="female") == "sex_mismatch"
    assert _code(validate_personal_id, "083301004567", sex="nam") == "sex_mismatch"


def test_unknown_sex_value_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown sex"):
        validate_personal_id("083095001234", sex="x")


def test_error_messages_are_vietnamese_and_name_the_problem():
    with pytest.raises(ValidationError) as excinfo:
        validate_personal_id("097095001234")
    assert excinfo.value.messages == [
        "Mã tỉnh 097 ở 3 chữ số đầu của số định danh cá nhân không tồn tại."
    ]


def test_sixty_three_province_prefixes_are_encoded():
    assert len(CCCD_PROVINCE_PREFIXES) == 63
    assert CCCD_PROVINCE_PREFIXES["083"] == "Tỉnh Bến Tre"
    assert CCCD_PROVINCE_PREFIXES["084"] == "Tỉnh Trà Vinh"
    assert CCCD_PROVINCE_PREFIXES["086"] == "Tỉnh Vĩnh Long"
    assert CCCD_PROVINCE_PREFIXES["001"] == "Thành phố Hà Nội"
    assert "097" not in CCCD_PROVINCE_PREFIXES


# --- tax code (R-ID-6 to R-ID-8) ---


@pytest.mark.parametrize(
    "value",
    ["0100109106", "0301442379", "0301448243", "0309532909", "0100112437", "0100233488"],
)
def test_spec_valid_enterprise_tax_codes_are_accepted(value):
    assert validate_tax_code(value) == value


@pytest.mark.parametrize("value", ["0314409058-002", "0314409058002", " 0314409058 - 002 "])
def test_branch_tax_code_is_accepted_with_or_without_dash(value):
    assert validate_tax_code(value) == "0314409058-002"


@pytest.mark.parametrize("value", ["0100109107", "0100233480"])
def test_wrong_check_digit_is_refused(value):
    assert _code(validate_tax_code, value) == "invalid_checksum"


@pytest.mark.parametrize("value", ["0314409058-000", "0314409058000"])
def test_branch_suffix_000_is_refused(value):
    assert _code(validate_tax_code, value) == "invalid_branch_suffix"


def test_sequence_digits_all_zero_are_refused():
    assert _code(validate_tax_code, "0100000009") == "invalid_sequence"


def test_check_digit_ten_can_never_match():
    # 0,1,0,0,0,0,0,0,5 weighted: 1 x 29 + 5 x 3 = 44, 44 mod 11 = 0, so the check would be 10.
    for last in "0123456789":
        assert _code(validate_tax_code, f"010000005{last}") == "invalid_checksum"


def test_twelve_digit_value_is_a_personal_id():
    assert validate_tax_code("083095001234") == "083095001234"
    assert validate_tax_code("083 095 001 234") == "083095001234"
    assert _code(validate_tax_code, "097095001234") == "invalid_province"


def test_twelve_digits_written_as_a_branch_code_are_not_taken_for_a_personal_id():
    assert _code(validate_tax_code, "0314409058-00") == "invalid_length"


@pytest.mark.parametrize("value", ["12345", "01001091061", "03144090580021"])
def test_other_lengths_are_refused(value):
    assert _code(validate_tax_code, value) == "invalid_length"


def test_letters_in_a_tax_code_are_refused():
    assert _code(validate_tax_code, "01001O9106") == "invalid_format"


# --- mobile phone (R-ID-9, R-ID-10) ---


@pytest.mark.parametrize(
    "value",
    [
        "0901234567",
        "090 123 4567",
        "090.123.4567",
        "090-123-4567",
        "+84901234567",
        "+84 90 123 45 67",
    ],
)
def test_mobile_forms_normalise_to_international(value):
    assert normalize_phone(value) == "+84901234567"


@pytest.mark.parametrize("prefix", ["03", "05", "07", "08", "09"])
def test_every_mobile_prefix_is_accepted(prefix):
    assert normalize_phone(f"{prefix}12345678") == f"+84{prefix[1]}12345678"


@pytest.mark.parametrize(
    "value",
    [
        "0123456789",
        "0412345678",
        "090123456",
        "09012345678",
        "84901234567",
        "+840901234567",
        "abc",
        "",
    ],
)
def test_invalid_mobile_numbers_are_refused(value):
    assert _code(normalize_phone, value) == "invalid_phone"


def test_landline_gets_its_own_message():
    assert _code(normalize_phone, "0275 3822 123") == "landline"


# --- masking ---


def test_personal_id_mask_keeps_province_century_and_last_three_digits():
    assert mask_personal_id("083095001234") == "0830•••••234"
    assert mask_personal_id("083 095 001 234") == "0830•••••234"


def test_other_identifiers_show_only_the_last_three_digits():
    assert mask_personal_id("123456789") == "••••••789"  # legacy CMND
    assert mask_personal_id("12") == "••"
    assert mask_personal_id("") == ""


def test_phone_mask_keeps_country_code_two_digits_and_last_two():
    assert mask_phone("0901234567") == "+8490•••••67"
    assert mask_phone("+84 90 123 45 67") == "+8490•••••67"
    assert mask_phone("02753822123") == "•••••••••23"
