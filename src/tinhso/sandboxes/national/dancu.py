"""The sandbox's national population database (spec §7.2, §11.1 ``POST dancu/lookup``).

Answers the SOAP-in-JSON message of Thanh Hóa's ``ChiaSeThongTinCongDan``:
``{"error_code": "0", "message": "<Envelope><Body><CongdanCollection><CongDan>…"}`` from ten
fixture citizens (made-up 12-digit IDs that follow the CCCD structure: 3-digit province of birth
registration, century/sex digit, 2-digit birth year, 6 digits). An unknown ID answers an empty
``CongdanCollection`` (R-NAT-084: "not found" is a business answer). Checks S-8: ``HoVaTen``
with lower case or diacritics, a missing ``MaYeuCau`` or one seen in the last 24 hours answer
``error_code`` ``-1``. The request ids seen are kept in ``dancu_requests.json`` of the state
directory (``reset`` forgets them).
"""

import re
import time
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.utils.translation import gettext as _

from tinhso.sandboxes.national import store

SERVICE = "dancu"
REQUEST_MEMORY_SECONDS = 24 * 3600
UPPER_ASCII_NAME = re.compile(r"^[A-Z]+( [A-Z]+)*$")
REQUEST_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


@dataclass(frozen=True)
class Place:
    detail: str
    commune: str
    commune_code: str
    province: str = "Tỉnh Vĩnh Long"
    province_code: str = "86"


@dataclass(frozen=True)
class Person:
    personal_id: str
    family: str
    middle: str
    given: str
    birth: str  # yyyyMMdd
    sex: str  # "1" male, "2" female [U: the code list is not public]
    permanent: Place
    current: Place


def _home(
    detail: str,
    commune: str,
    code: str,
    province: str = "Tỉnh Vĩnh Long",
    province_code: str = "86",
) -> Place:
    return Place(detail, commune, code, province, province_code)


# The first two are the demo citizens of tinhso.demo (same IDs, names, birth years and sexes as
# the IDs encode). Trần Thị Bích's permanent residence differs from the address she declares in
# the demo (she lives at 45 Ấp 3 but is registered at 78 Ấp 5), so a lookup shows a mismatch.
PEOPLE: dict[str, Person] = {
    person.personal_id: person
    for person in (
        Person(
            "083095001234",
            "Nguyễn",
            "Văn",
            "An",
            "19950312",
            "1",
            _home("12 Đường Đồng Khởi", "Phường Phú Khương", "28756"),
            _home("12 Đường Đồng Khởi", "Phường Phú Khương", "28756"),
        ),
        Person(
            "083301004567",
            "Trần",
            "Thị",
            "Bích",
            "20010720",
            "2",
            _home("78 Ấp 5", "Phường An Hội", "28777"),
            _home("45 Ấp 3", "Phường An Hội", "28777"),
        ),
        Person(
            "086088012345",
            "Lê",
            "Văn",
            "Cường",
            "19880105",
            "1",
            _home("5 Đường 2 Tháng 9", "Phường Phước Hậu", "29242"),
            _home("5 Đường 2 Tháng 9", "Phường Phước Hậu", "29242"),
        ),
        Person(
            "086192003456",
            "Phạm",
            "Thị",
            "Dung",
            "19920914",
            "2",
            _home("Ấp Tân Quới", "Xã Tân Quới", "29434"),
            _home("Ấp Tân Quới", "Xã Tân Quới", "29434"),
        ),
        Person(
            "084075020202",
            "Võ",
            "Minh",
            "Đức",
            "19750228",
            "1",
            _home("Khóm 3", "Phường Trà Vinh", "28903"),
            _home("Khóm 3", "Phường Trà Vinh", "28903"),
        ),
        Person(
            "084305111222",
            "Huỳnh",
            "Ngọc",
            "Hà",
            "20051111",
            "2",
            _home("Ấp Phú Hòa", "Xã Càng Long", "29020"),
            _home("Ấp Phú Hòa", "Xã Càng Long", "29020"),
        ),
        Person(
            "083060777888",
            "Đặng",
            "Văn",
            "Hùng",
            "19600606",
            "1",
            _home("Ấp Phú Thạnh", "Xã Phú Túc", "28828"),
            _home("Ấp Phú Thạnh", "Xã Phú Túc", "28828"),
        ),
        Person(
            "079199345678",
            "Bùi",
            "Thị",
            "Lan",
            "19990403",
            "2",
            _home("120 Đường Nguyễn Huệ", "Phường Sài Gòn", "26734", "Thành phố Hồ Chí Minh", "79"),
            _home("9 Đường Phạm Thái Bường", "Phường Long Châu", "29239"),
        ),
        Person(
            "086210456789",
            "Trương",
            "Gia",
            "Bảo",
            "20101225",
            "1",
            _home("3 Đường Lê Lợi", "Phường Long Châu", "29239"),
            _home("3 Đường Lê Lợi", "Phường Long Châu", "29239"),
        ),
        Person(
            "001182654321",
            "Ngô",
            "Thanh",
            "Mai",
            "19820817",
            "2",
            _home("Số 8 Phố Hàng Bạc", "Phường Hoàn Kiếm", "00070", "Thành phố Hà Nội", "01"),
            _home("Ấp Mỹ Phú", "Xã Phú Quới", "29449"),
        ),
    )
}


def _error(message: str) -> dict[str, Any]:
    return {"error_code": "-1", "message": message}


def _remember(request_id: str, now: float) -> bool:
    """Record ``request_id``; False when it was already seen within 24 hours."""
    with store.document("dancu_requests", {}) as seen:
        for key in [key for key, at in seen.items() if now - at > REQUEST_MEMORY_SECONDS]:
            del seen[key]
        if request_id in seen:
            return False
        seen[request_id] = now
        return True


def check(body: Any) -> str:
    """The reason a request is refused (S-8), or "" when it is acceptable."""
    if not isinstance(body, dict):
        return _("Nội dung yêu cầu phải là một đối tượng JSON")
    name = body.get("HoVaTen", "")
    if not isinstance(name, str):
        return _("HoVaTen phải là chuỗi")
    if name and not UPPER_ASCII_NAME.fullmatch(name):
        return _("HoVaTen phải viết hoa, không dấu (ví dụ NGUYEN VAN AN)")
    personal_id = body.get("SoDinhDanh", "")
    if not isinstance(personal_id, str | int) or not re.fullmatch(r"\d{12}", str(personal_id)):
        return _("SoDinhDanh phải gồm đúng 12 chữ số")
    request_id = body.get("MaYeuCau")
    if not isinstance(request_id, str) or not request_id.strip():
        return _("Thiếu MaYeuCau")
    if not REQUEST_ID.fullmatch(request_id):
        return _("MaYeuCau không hợp lệ")
    return ""


def lookup(body: Any, now: float | None = None) -> dict[str, Any]:
    """The answer to one lookup request."""
    reason = check(body)
    if reason:
        return _error(reason)
    if not _remember(body["MaYeuCau"], time.time() if now is None else now):
        return _error(_("MaYeuCau đã được dùng trong 24 giờ qua"))
    person = PEOPLE.get(str(body["SoDinhDanh"]))
    return {"error_code": "0", "message": envelope(person)}


def _add(parent: Element, tag: str, text: str = "") -> Element:
    child = SubElement(parent, tag)
    child.text = text
    return child


def _place(parent: Element, tag: str, place: Place) -> None:
    node = _add(parent, tag)
    for name, value in (
        ("MaTinhThanh", place.province_code),
        ("MaQuanHuyen", ""),
        ("MaPhuongXa", place.commune_code),
        ("TenTinhThanh", place.province),
        ("TenQuanHuyen", ""),
        ("TenPhuongXa", place.commune),
        ("ChiTiet", place.detail),
        ("QuocGia", "VN"),
    ):
        _add(node, name, value)


def envelope(person: Person | None) -> str:
    """The SOAP XML of the answer: one ``CongDan``, or none for an unknown ID."""
    root = Element(f"{{{SOAP}}}Envelope")
    collection = _add(_add(root, f"{{{SOAP}}}Body"), "CongdanCollection")
    if person is not None:
        citizen = _add(collection, "CongDan")
        _add(citizen, "SoDinhDanh", person.personal_id)
        _add(citizen, "SoCMND")
        name = _add(citizen, "HoVaTen")
        _add(name, "Ho", person.family)
        _add(name, "ChuDem", person.middle)
        _add(name, "Ten", person.given)
        _add(citizen, "GioiTinh", person.sex)
        _add(citizen, "DanToc", "01")
        _add(citizen, "QuocTich", "VN")
        birth = _add(citizen, "NgayThangNamSinh")
        _add(birth, "Nam", person.birth[:4])
        _add(birth, "NgayThangNam", person.birth)
        _place(citizen, "ThuongTru", person.permanent)
        _place(citizen, "NoiOHienTai", person.current)
    return tostring(root, encoding="unicode")
