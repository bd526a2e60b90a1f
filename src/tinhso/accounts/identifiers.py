"""Validation, normalisation and masking of personal identifiers (administrative rules §14).

Every ``validate_*``/``normalize_*`` function returns the normalised value or raises
:class:`django.core.exceptions.ValidationError` with a Vietnamese message and a ``code``, so a
form can call it from ``clean_<field>()`` and a service can call it before saving.

Masking (for people who need only part of a number, e.g. a list of applicants):

* personal ID, 12 digits: the 3-digit province code and the century/sex digit stay, then five
  dots, then the last three digits: ``083095001234`` -> ``0830•••••234``;
* mobile phone: ``+84``, the first two digits of the subscriber number, five dots, the last
  two digits: ``+84901234567`` -> ``+8490•••••67``;
* anything else (a legacy 9-digit CMND, a value that is not valid): all but the last three
  (ID) or two (phone) characters become dots, so a mask never shows more than the valid case.
"""

import re
import unicodedata
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.vn import mst

MASK = "•"
MALE = "male"
FEMALE = "female"
_SEX_ALIASES = {"male": MALE, "m": MALE, "nam": MALE, "female": FEMALE, "f": FEMALE, "nữ": FEMALE}

# d1–d3 of the 12-digit personal identification number: 3-digit form of the pre-July-2025 GSO
# province code of the place of birth registration (Circular 07/2016/TT-BCA, Appendix 1).
# Numbers keep these prefixes after the 2025 merger (R-ID-3); never read residence from them.
CCCD_PROVINCE_PREFIXES: dict[str, str] = {
    "001": "Thành phố Hà Nội",
    "002": "Tỉnh Hà Giang",
    "004": "Tỉnh Cao Bằng",
    "006": "Tỉnh Bắc Kạn",
    "008": "Tỉnh Tuyên Quang",
    "010": "Tỉnh Lào Cai",
    "011": "Tỉnh Điện Biên",
    "012": "Tỉnh Lai Châu",
    "014": "Tỉnh Sơn La",
    "015": "Tỉnh Yên Bái",
    "017": "Tỉnh Hoà Bình",
    "019": "Tỉnh Thái Nguyên",
    "020": "Tỉnh Lạng Sơn",
    "022": "Tỉnh Quảng Ninh",
    "024": "Tỉnh Bắc Giang",
    "025": "Tỉnh Phú Thọ",
    "026": "Tỉnh Vĩnh Phúc",
    "027": "Tỉnh Bắc Ninh",
    "030": "Tỉnh Hải Dương",
    "031": "Thành phố Hải Phòng",
    "033": "Tỉnh Hưng Yên",
    "034": "Tỉnh Thái Bình",
    "035": "Tỉnh Hà Nam",
    "036": "Tỉnh Nam Định",
    "037": "Tỉnh Ninh Bình",
    "038": "Tỉnh Thanh Hóa",
    "040": "Tỉnh Nghệ An",
    "042": "Tỉnh Hà Tĩnh",
    "044": "Tỉnh Quảng Bình",
    "045": "Tỉnh Quảng Trị",
    "046": "Thành phố Huế",
    "048": "Thành phố Đà Nẵng",
    "049": "Tỉnh Quảng Nam",
    "051": "Tỉnh Quảng Ngãi",
    "052": "Tỉnh Bình Định",
    "054": "Tỉnh Phú Yên",
    "056": "Tỉnh Khánh Hòa",
    "058": "Tỉnh Ninh Thuận",
    "060": "Tỉnh Bình Thuận",
    "062": "Tỉnh Kon Tum",
    "064": "Tỉnh Gia Lai",
    "066": "Tỉnh Đắk Lắk",
    "067": "Tỉnh Đắk Nông",
    "068": "Tỉnh Lâm Đồng",
    "070": "Tỉnh Bình Phước",
    "072": "Tỉnh Tây Ninh",
    "074": "Tỉnh Bình Dương",
    "075": "Tỉnh Đồng Nai",
    "077": "Tỉnh Bà Rịa - Vũng Tàu",
    "079": "Thành phố Hồ Chí Minh",
    "080": "Tỉnh Long An",
    "082": "Tỉnh Tiền Giang",
    "083": "Tỉnh Bến Tre",
    "084": "Tỉnh Trà Vinh",
    "086": "Tỉnh Vĩnh Long",
    "087": "Tỉnh Đồng Tháp",
    "089": "Tỉnh An Giang",
    "091": "Tỉnh Kiên Giang",
    "092": "Thành phố Cần Thơ",
    "093": "Tỉnh Hậu Giang",
    "094": "Tỉnh Sóc Trăng",
    "095": "Tỉnh Bạc Liêu",
    "096": "Tỉnh Cà Mau",
}

_SEPARATORS = re.compile(r"[\s.\-]")
_PERSONAL_ID = re.compile(r"[0-9]{12}")
_MOBILE = re.compile(r"(0|\+84)([35789][0-9]{8})")
_LANDLINE = re.compile(r"(0|\+84)2[0-9]{8,9}")


class PersonalIdParts(NamedTuple):
    province_prefix: str
    birth_year: int
    sex: str  # MALE or FEMALE


def _compact(value: str) -> str:
    """NFKC (full-width digits become ASCII) without spaces, dots and dashes."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))


def parse_personal_id(value: str) -> PersonalIdParts:
    """Split a structurally valid 12-digit number (see :func:`validate_personal_id`)."""
    number = validate_personal_id(value)
    return _parts(number)


def _parts(number: str) -> PersonalIdParts:
    century_sex = int(number[3])
    year = 1900 + 100 * (century_sex // 2) + int(number[4:6])
    return PersonalIdParts(number[:3], year, FEMALE if century_sex % 2 else MALE)


def validate_personal_id(
    value: str, *, birth_year: int | None = None, sex: str | None = None
) -> str:
    """Check a 12-digit personal identification number (R-ID-1) and return it without separators.

    ``birth_year`` and ``sex`` ("male"/"female", or "nam"/"nữ"), when given, must agree with the
    number. There is no check digit, so a number can pass and still not exist.
    """
    number = _compact(value)
    if not _PERSONAL_ID.fullmatch(number):
        raise ValidationError(
            _("Số định danh cá nhân phải gồm đúng 12 chữ số."), code="invalid_format"
        )
    if number[:3] not in CCCD_PROVINCE_PREFIXES:
        raise ValidationError(
            _("Mã tỉnh %(prefix)s ở 3 chữ số đầu của số định danh cá nhân không tồn tại."),
            code="invalid_province",
            params={"prefix": number[:3]},
        )
    parts = _parts(number)
    if parts.birth_year > timezone.localdate().year:
        raise ValidationError(
            _("Số định danh cá nhân cho năm sinh %(year)d, là năm trong tương lai."),
            code="future_birth_year",
            params={"year": parts.birth_year},
        )
    if number[6:] == "000000":
        raise ValidationError(
            _("Sáu chữ số cuối của số định danh cá nhân không thể đều bằng 0."),
            code="invalid_serial",
        )
    if birth_year is not None and birth_year != parts.birth_year:
        raise ValidationError(
            _(
                "Số định danh cá nhân cho năm sinh %(id_year)d, "
                "không khớp năm sinh đã khai %(year)d."
            ),
            code="birth_year_mismatch",
            params={"id_year": parts.birth_year, "year": birth_year},
        )
    if sex is not None and _normalise_sex(sex) != parts.sex:
        raise ValidationError(
            _("Giới tính trong số định danh cá nhân không khớp giới tính đã khai."),
            code="sex_mismatch",
        )
    return number


def _normalise_sex(sex: str) -> str:
    try:
        return _SEX_ALIASES[unicodedata.normalize("NFC", sex).strip().casefold()]
    except KeyError:
        raise ValueError(f"unknown sex {sex!r}: use {MALE!r} or {FEMALE!r}") from None


def validate_tax_code(value: str) -> str:
    """Check a tax code (mã số thuế) and return its standard form.

    10 digits (enterprise) -> ``0100109106``; 13 digits with or without the dash (branch) ->
    ``0314409058-002``; 12 digits -> a personal identification number, which replaces the
    personal tax code from 1/7/2025 (R-ID-8), validated and returned as such.
    """
    value = unicodedata.normalize("NFKC", value or "")
    number = mst.compact(value)
    # A dash marks a branch code ("0314409058-00" is a mistyped branch, not a personal ID).
    if len(number) == 12 and number.isdigit() and "-" not in value:
        return validate_personal_id(number)
    try:
        return mst.format(mst.validate(number))
    except StdnumValidationError as exc:
        raise _tax_code_error(exc, number) from None


def _tax_code_error(exc: StdnumValidationError, number: str) -> ValidationError:
    if isinstance(exc, InvalidLength):
        return ValidationError(
            _(
                "Mã số thuế gồm 10 chữ số, 13 chữ số (đơn vị phụ thuộc) "
                "hoặc là số định danh cá nhân 12 chữ số."
            ),
            code="invalid_length",
        )
    if isinstance(exc, InvalidChecksum):
        return ValidationError(_("Mã số thuế sai chữ số kiểm tra."), code="invalid_checksum")
    if isinstance(exc, InvalidComponent) and number.endswith("000") and len(number) == 13:
        return ValidationError(
            _("Ba số cuối của mã số đơn vị phụ thuộc phải từ 001 đến 999."),
            code="invalid_branch_suffix",
        )
    if isinstance(exc, InvalidComponent):
        return ValidationError(
            _("Chữ số thứ 3 đến 9 của mã số thuế không thể đều bằng 0."), code="invalid_sequence"
        )
    return ValidationError(
        _("Mã số thuế chỉ gồm chữ số (có thể có dấu gạch ngang)."), code="invalid_format"
    )


def normalize_phone(value: str) -> str:
    """A Vietnamese mobile number in ``+84…`` form (R-ID-9); spaces, dots and dashes are ignored.

    Landlines (``02…``) are refused: they cannot receive SMS notifications. The carrier is
    never checked (numbers move between carriers).
    """
    number = _compact(value)
    match = _MOBILE.fullmatch(number)
    if match:
        return f"+84{match.group(2)}"
    if _LANDLINE.fullmatch(number):
        raise ValidationError(
            _("Đây là số máy bàn; vui lòng nhập số điện thoại di động."), code="landline"
        )
    raise ValidationError(
        _(
            "Số điện thoại di động không hợp lệ: cần 10 chữ số "
            "bắt đầu bằng 03, 05, 07, 08 hoặc 09 (hoặc +84)."
        ),
        code="invalid_phone",
    )


def _mask(text: str, keep_start: int, keep_end: int) -> str:
    hidden = len(text) - keep_start - keep_end
    if hidden <= 0:
        return MASK * len(text)
    return text[:keep_start] + MASK * hidden + text[len(text) - keep_end :]


def mask_personal_id(value: str) -> str:
    """``0830•••••234`` for ``083095001234``; see the module docstring for other values."""
    number = _compact(value)
    if _PERSONAL_ID.fullmatch(number):
        return _mask(number, 4, 3)
    return _mask(number, 0, 3)


def mask_phone(value: str) -> str:
    """``+8490•••••67`` for ``0901 234 567``; see the module docstring for other values."""
    try:
        number = normalize_phone(value)
    except ValidationError:
        return _mask(_compact(value), 0, 2)
    return _mask(number, 5, 2)
