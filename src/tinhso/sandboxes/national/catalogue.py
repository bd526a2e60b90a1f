"""The sandbox's own procedure catalogue: the codes it knows (S-2: ``MaTTHC`` must exist) and the
national database's procedure packages (spec §3.3) it serves to the catalogue gateway and to
Profile A's ``LayThuTuc`` & co. Codes and ``fixtures/catalogue.json`` were copied once from the
project's demo catalogue (``procedures/catalogue/``, never read at run time: the sandbox stands for
an outside system), plus a few national codes Tỉnh Số's demo does not carry, so that a mapping to a
code we do not hold is still accepted as the portal would.

``CATALOGUE_CHANGE`` (knob, read under the service ``LayThuTuc``) makes one package answer as if
the ministry had published a new decision today: +10,000 đ on every channel, +2 days on every time
limit, a new decision id. Deterministic, so tests can assert the exact values."""

import copy
import datetime
import functools
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tinhso.sandboxes.national import faults

DEMO_CODES = frozenset(
    {
        "1.000656",
        "1.000894",
        "1.001022",
        "1.001193",
        "1.001612",
        "1.004746",
        "1.004837",
        "1.004859",
        "1.004873",
        "1.004884",
        "1.013225",
        "2.000635",
        "2.000720",
        "2.000806",
        "2.000815",
        "2.000884",
        "2.000913",
        "2.001035",
        "2.001263",
        "2.001610",
        "3.000333",
        "3.000347",
    }
)
OTHER_CODES = frozenset({"1.001757", "1.010730", "2.002154", "2.001157", "3.000158"})
PROCEDURE_CODES = DEMO_CODES | OTHER_CODES


def known(code: str) -> bool:
    return code in PROCEDURE_CODES


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FIXTURE = Path(__file__).parent / "fixtures" / "catalogue.json"
CHANGE_SERVICE = "LayThuTuc"
CHANGE_FEE = 10_000
CHANGE_DAYS = 2
CHANGED_DECISION = re.compile(r"^SB-CHANGE-(\d\.\d{6})-(\d{8})$")
# Province-level unit codes (``000.00.00.H61``): the unit list of the whole province.
PROVINCE_UNIT = re.compile(r"^000\.00\.00\.(H\d{2})$")
# Unit level (``CAPDONVI``/``CAPTHUCHIEN``, code list ours): a commune's e-ID has its 5-digit
# commune code in the second segment (``000.28756.H61``).
COMMUNE_UNIT = re.compile(r"^\d{3}\.\d{5}\.H\d{2}$")


@functools.cache
def _fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def _today() -> datetime.date:
    return datetime.datetime.now(VIETNAM).date()


def changed_code() -> str:
    """The procedure ``CATALOGUE_CHANGE`` names now, or ""."""
    return str(faults.value("CATALOGUE_CHANGE", CHANGE_SERVICE) or "")


def _bumped_days(text: str) -> str:
    value = Decimal(text) + CHANGE_DAYS
    return str(int(value)) if value == value.to_integral() else str(value)


def _changed(package: dict[str, Any], today: datetime.date) -> dict[str, Any]:
    changed = copy.deepcopy(package)
    for channel in changed.get("CACHTHUCTHUCHIEN", []):
        for timing in channel.get("THOIGIAN", []):
            timing["THOIGIANGIAIQUYET"] = _bumped_days(timing["THOIGIANGIAIQUYET"])
            fees = timing.setdefault("PHILEPHI", [])
            if fees:
                fees[0]["SOTIEN"] = str(int(fees[0]["SOTIEN"]) + CHANGE_FEE)
            else:
                fees.append(
                    {
                        "MAPHILEPHI": "LEPHI",
                        "SOTIEN": str(CHANGE_FEE),
                        "DONVI": "Đồng",
                        "MOTA": "Lệ phí theo quyết định công bố mới",
                        "TENTEP": "",
                        "URL": "",
                    }
                )
    changed["IDQUYETDINHCONGBO"] = f"SB-CHANGE-{package['MATTHC']}-{today:%Y%m%d}"
    changed["QUYETDINH"] = f"SB-{today:%Y%m%d}/QĐ-{package['MATTHC']}"
    return changed


def package(code: str) -> dict[str, Any] | None:
    """The package ``LayThuTuc`` answers for ``code`` (with ``CATALOGUE_CHANGE`` applied), or None."""
    found = _fixture()["packages"].get(code)
    if found is None:
        return None
    if code == changed_code():
        return _changed(found, _today())
    return copy.deepcopy(found)


def packages() -> list[dict[str, Any]]:
    return [p for code in sorted(_fixture()["packages"]) if (p := package(code)) is not None]


def _agency_codes(pkg: dict[str, Any]) -> set[str]:
    return {a.get("MADONVI", "") for a in pkg.get("COQUANTHUCHIEN", [])}


def unit_list(unit: str) -> list[dict[str, Any]]:
    """``LayDanhSachTTHCDonVi``: the packages whose implementing agencies (``COQUANTHUCHIEN``)
    include ``unit``; for a province code (``000.00.00.H61``) every package implemented by an
    agency of that province (the ``.H61`` suffix). Our rule: the real list's scope is unknown."""
    province = PROVINCE_UNIT.fullmatch(unit)
    found = []
    for pkg in packages():
        codes = _agency_codes(pkg)
        if unit in codes or (province and any(c.endswith("." + province[1]) for c in codes)):
            field = (pkg.get("LINHVUCTHUCHIEN") or [{}])[0]
            found.append(
                {
                    "MATTHC": pkg["MATTHC"],
                    "TENTTHC": pkg["TENTTHC"],
                    "MALINHVUC": field.get("MALINHVUC", ""),
                    "TENLINHVUC": field.get("TENLINHVUC", ""),
                    "IDQUYETDINHCONGBO": pkg["IDQUYETDINHCONGBO"],
                    "QUYETDINH": pkg["QUYETDINH"],
                    "TRANGTHAI": pkg["TRANGTHAI"],
                }
            )
    return found


def decision(decision_id: str) -> dict[str, Any] | None:
    """``LayQDCB``: a publication decision of the fixtures, or the one ``CATALOGUE_CHANGE`` made
    (issued, in force and made public on the day its id names)."""
    found = _fixture()["decisions"].get(decision_id)
    if found is not None:
        return dict(found)
    match = CHANGED_DECISION.fullmatch(decision_id)
    base = _fixture()["packages"].get(match[1]) if match else None
    if match is None or base is None:
        return None
    day = match[2]
    try:
        datetime.date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    original = _fixture()["decisions"].get(base["IDQUYETDINHCONGBO"], {})
    return {
        "IDQUYETDINHCONGBO": decision_id,
        "SOQUYETDINH": f"SB-{day}/QĐ-{match[1]}",
        "NGAYBANHANH": day,
        "NGAYHIEULUC": day,
        "COQUANBANHANH": original.get("COQUANBANHANH", ""),
        "NGAYCONGKHAI": day,
    }


def unit_level(code: str) -> str:
    return "4" if COMMUNE_UNIT.fullmatch(code) else "2"


def agencies() -> list[dict[str, str]]:
    """``LayDanhMucCoQuan``: every implementing agency of the packages."""
    seen: dict[str, dict[str, str]] = {}
    for pkg in _fixture()["packages"].values():
        for agency in pkg.get("COQUANTHUCHIEN", []):
            code = agency["MADONVI"]
            seen.setdefault(
                code,
                {"MADONVI": code, "TENDONVI": agency["TENDONVI"], "CAPDONVI": unit_level(code)},
            )
    return [seen[code] for code in sorted(seen)]


def fields() -> list[dict[str, str]]:
    """``LayDanhMucLinhVuc``: every field of the packages."""
    seen: dict[str, dict[str, str]] = {}
    for pkg in _fixture()["packages"].values():
        for field in pkg.get("LINHVUCTHUCHIEN", []):
            seen.setdefault(field["MALINHVUC"], dict(field))
    return [seen[code] for code in sorted(seen)]


REQUIRED_GROUP = "Giấy tờ phải nộp"  # the fixture's case of the documents every dossier carries


def required_documents(pkg: dict[str, Any]) -> list[dict[str, str]]:
    """The documents every dossier of a package must carry (the fixture's "Giấy tờ phải nộp"
    case, else its first case), for a seeded dossier's files: as a citizen filing on the portal
    would, the dossier arrives complete."""
    groups = pkg.get("THANHPHANHOSO", [])
    chosen = [g for g in groups if g.get("TRUONGHOP") == REQUIRED_GROUP] or groups[:1]
    return [
        {"MAGIAYTO": doc["MAGIAYTO"], "TENGIAYTO": doc["TENGIAYTO"]}
        for group in chosen
        for doc in group.get("GIAYTO", [])
    ]


def document_name(pkg: dict[str, Any], code: str) -> str:
    for group in pkg.get("THANHPHANHOSO", []):
        for doc in group.get("GIAYTO", []):
            if doc["MAGIAYTO"] == code:
                return str(doc["TENGIAYTO"])
    return code
