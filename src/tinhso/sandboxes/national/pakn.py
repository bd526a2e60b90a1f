"""The national portal's Q&A exchange (hỏi đáp, spec §8.1): the five Profile A services OpenCPS
calls, without HTTP. Two kinds of question live here, keyed by ``HOIDAPID``:

- questions a citizen sent to an agency **on the portal** (origin ``dvcqg``): a test seeds them
  (``pakn/seed``); the agency reads them (``LayDanhSachHoiDapGuiTuDVCQG``) and sends its answer up
  (``DongBoKetQuaHoiDapGuiTuDVCQG``), which ``LayNoiDungTraLoiTheoCauHoi`` then shows;
- the agency's **own** questions (origin ``coquan``), pushed up with ``DongBoHoiDap`` and listed
  by ``LayDanhSachHoiDapBoCoQuan``. OpenCPS answers only questions of the first kind upward
  (it filters on ``className == "dvcqg_question"``), so an answer to one of these is refused.

State is the document ``pakn.json``: ``{"items": {HOIDAPID: record}, "next_id", "answer_seq"}``.
Seeded ids are digit strings from 9000001 (OpenCPS reads ``HOIDAPID`` as a long), so that they
never collide with the small ids an agency's own database issues. ``NGAYGUI`` (when the citizen
sent the question) is the sandbox's own field: the 766 simulator needs it and §8.1 names none."""

import datetime
import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.sandboxes.national import catalogue, checks, faults, gateway, inbound, store
from tinhso.sandboxes.national.checks import Rejected
from tinhso.sandboxes.national.gateway import PROFILE_A, Answer

FROM_PORTAL = "LayDanhSachHoiDapGuiTuDVCQG"
OWN = "LayDanhSachHoiDapBoCoQuan"
ANSWER_OF = "LayNoiDungTraLoiTheoCauHoi"
PUSH_QUESTIONS = "DongBoHoiDap"
PUSH_ANSWERS = "DongBoKetQuaHoiDapGuiTuDVCQG"
SERVICES = (FROM_PORTAL, OWN, ANSWER_OF, PUSH_QUESTIONS, PUSH_ANSWERS)
PORTAL, AGENCY = "dvcqg", "coquan"
FIRST_ID = 9_000_001
# TRANGTHAI of a question: the portal's real codes are unknown [U]; these are the sandbox's.
UNANSWERED, ANSWERED = "0", "1"
HOIDAPID = re.compile(r"^0*[1-9]\d{0,18}$")  # a positive Java long, as OpenCPS reads it
LONG_MAX = 2**63 - 1
ASKER_FIELDS = ("HOVATEN", "DIACHI", "THUDIENTU", "SODIENTHOAI")
ANSWER_FIELDS = ("NGUOITRALOI", "CHUCVUNGUOITRALOI", "NOIDUNGTRALOI")
DEFAULT_AGENCY = "000.28756.H61"
DEFAULT_FIELD = "hotich"
DEFAULT_QUESTION = (
    "Tôi sinh con tại bệnh viện tỉnh nhưng thường trú ở phường Phú Khương. Tôi đăng ký khai sinh "
    "cho con ở đâu và cần mang theo những giấy tờ gì?"
)


class SeedError(ValueError):
    """A ``pakn/seed`` body the sandbox cannot turn into a question (answered 400)."""


def _empty() -> dict[str, Any]:
    return {"items": {}, "next_id": FIRST_ID, "answer_seq": 0}


def _state() -> dict[str, Any]:
    data: dict[str, Any] = store.read("pakn", _empty())
    return data


def _text(item: dict[str, Any], field: str) -> str:
    """A required non-empty text field (strings only: a number is no content)."""
    value = item.get(field)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(_("%(field)s: bắt buộc, phải là chuỗi không rỗng.") % {"field": field})
    return value.strip()


def _agency(item: dict[str, Any], field: str = "MADONVI") -> str:
    code = checks.scalar(item.get(field)) or ""
    if not inbound.AGENCY_CODE.fullmatch(code):
        raise Rejected(
            _("%(field)s: mã định danh đơn vị không hợp lệ (%(value)r).")
            % {"field": field, "value": item.get(field)}
        )
    return code


def _field_code(item: dict[str, Any], field: str) -> str:
    code = checks.scalar(item.get(field)) or ""
    if code not in {f["MALINHVUC"] for f in catalogue.fields()}:
        raise Rejected(
            _("%(field)s %(value)r không có trong danh mục lĩnh vực.")
            % {"field": field, "value": item.get(field)}
        )
    return code


def _long_id(text: str) -> str | None:
    """``text`` as a canonical id when it is a positive Java long, else None."""
    if not HOIDAPID.fullmatch(text) or int(text) > LONG_MAX:
        return None
    return str(int(text))


def _question_id(item: dict[str, Any]) -> str:
    ident = _long_id(checks.scalar(item.get("HOIDAPID")) or "")
    if ident is None:
        raise Rejected(
            _("HOIDAPID không hợp lệ (%(value)r): cần một số nguyên dương.")
            % {"value": item.get("HOIDAPID")}
        )
    return ident


# --- Seeding a question filed on the portal ---------------------------------------------------


def _agency_name(code: str) -> str:
    names = {a["MADONVI"]: a["TENDONVI"] for a in catalogue.agencies()}
    return names.get(code, "")


def _default_asker() -> dict[str, str]:
    applicant: dict[str, str] = json.loads(inbound.FIXTURE.read_text(encoding="utf-8"))["applicant"]
    return {
        "HOVATEN": applicant["HoVaTen"],
        "DIACHI": applicant["DiaChi"],
        "THUDIENTU": applicant["Email"],
        "SODIENTHOAI": applicant["SoDienThoai"],
    }


def parse_seed(body: Any, now: datetime.datetime) -> dict[str, str]:
    """Check a ``pakn/seed`` body and fill the defaults: the question as the portal lists it."""
    if not isinstance(body, dict):
        raise SeedError(_("Cần một đối tượng JSON."))
    known = {"MADONVI", "TENDONVI", "MALINHVUC", "NOIDUNG", "MATTHCDP", "NGAYGUI", *ASKER_FIELDS}
    unknown = sorted(set(body) - known)
    if unknown:
        raise SeedError(_("Trường không được hỗ trợ: %(fields)s.") % {"fields": ", ".join(unknown)})
    values = {"MADONVI": DEFAULT_AGENCY, "MALINHVUC": DEFAULT_FIELD, "NOIDUNG": DEFAULT_QUESTION}
    values |= _default_asker() | {"MATTHCDP": "", "NGAYGUI": ""}
    for key, value in body.items():
        if not isinstance(value, str):
            raise SeedError(_("%(field)s phải là chuỗi.") % {"field": key})
        values[key] = value.strip()
    try:
        _agency(values)
        _field_code(values, "MALINHVUC")
        _text(values, "NOIDUNG")
        sent = checks.date(values, "NGAYGUI", now) or now
    except Rejected as exc:
        raise SeedError(exc.message) from None
    if values["MATTHCDP"] and not catalogue.known(values["MATTHCDP"]):
        raise SeedError(
            _("MATTHCDP %(code)r không có trong danh mục của Cổng thử nghiệm.")
            % {"code": values["MATTHCDP"]}
        )
    values["TENDONVI"] = values.get("TENDONVI") or _agency_name(values["MADONVI"])
    values["NGAYGUI"] = inbound.stamp(sent)
    return values


def seed(question: dict[str, str]) -> dict[str, Any]:
    """Give the question the next portal id and keep it; returns the stored record."""
    with store.document("pakn", _empty()) as state:
        ident = str(state["next_id"])
        state["next_id"] += 1
        record = _record(PORTAL, {"HOIDAPID": ident, **question})
        state["items"][ident] = record
    return record


def _record(origin: str, question: dict[str, str]) -> dict[str, Any]:
    return {"origin": origin, "question": question, "syncs": 0, "answer": None, "answers": 0}


# --- What the reads answer --------------------------------------------------------------------


def _listed(record: dict[str, Any]) -> dict[str, str]:
    """A question as the list services answer it: §8.1's fields, as strings (R-NAT-002)."""
    question = record["question"]
    answer = record["answer"] or {}
    return {
        "HOIDAPID": question["HOIDAPID"],
        "MALINHVUC": question.get("MALINHVUC", ""),
        "TENDONVI": question.get("TENDONVI", ""),
        "MADONVI": question.get("MADONVI", ""),
        "NOIDUNG": question.get("NOIDUNG", ""),
        "NOIDUNGTRALOI": answer.get("NOIDUNGTRALOI", ""),
        "TRALOIID": answer.get("TRALOIID", ""),
        **{field: question.get(field, "") for field in ASKER_FIELDS},
        "MATTHCDP": question.get("MATTHCDP", ""),
        "TRANGTHAI": ANSWERED if record["answer"] else UNANSWERED,
        "NGAYGUI": question.get("NGAYGUI", ""),
    }


def listed(origin: str, unit: str) -> list[dict[str, str]]:
    """The questions of ``origin`` addressed to (or pushed by) ``unit``, by id."""
    items = _state()["items"]
    return [
        _listed(items[ident])
        for ident in sorted(items, key=int)
        if items[ident]["origin"] == origin and items[ident]["question"].get("MADONVI") == unit
    ]


def answer_of(ident: str) -> list[dict[str, str]] | None:
    """``LayNoiDungTraLoiTheoCauHoi``: [the answer], [] before one came, None for an unknown id."""
    record = _state()["items"].get(ident)
    if record is None:
        return None
    answer = record["answer"]
    if not answer:
        return []
    return [{"HOIDAPID": ident, **{k: v for k, v in answer.items() if k != "MADONVI"}}]


# --- What the pushes check and keep -----------------------------------------------------------


def _batch(items: Any, what: str) -> list[Any]:
    if not isinstance(items, list) or not items:
        raise Rejected(_("data phải là một danh sách %(what)s không rỗng") % {"what": what})
    return items


def sync_questions(items: Any) -> None:
    """``DongBoHoiDap``: check every item, then keep them all (none if one fails). Sending an id
    again updates the question (idempotent by ``HOIDAPID``); a portal question's id is refused."""
    checked: dict[str, dict[str, str]] = {}
    for item in _batch(items, _("câu hỏi")):
        if not isinstance(item, dict):
            raise Rejected(_("Mỗi phần tử của data phải là một đối tượng câu hỏi."))
        ident = _question_id(item)
        checked[ident] = {
            "HOIDAPID": ident,
            "MALINHVUC": _field_code(item, "MaLinhVuc"),
            "NOIDUNG": _text(item, "NOIDUNG"),
            "MADONVI": _agency(item),
            "TENDONVI": _text(item, "TENDONVI"),
        }
    with store.document("pakn", _empty()) as state:
        for ident in checked:
            held = state["items"].get(ident)
            if held is not None and held["origin"] != AGENCY:
                raise Rejected(
                    _("HOIDAPID %(id)s là câu hỏi công dân gửi trên Cổng, không phải của cơ quan.")
                    % {"id": ident}
                )
        for ident, question in checked.items():
            record = state["items"].get(ident) or _record(AGENCY, question)
            record["question"] = question
            record["syncs"] += 1
            state["items"][ident] = record


def _check_answer(
    item: Any, held: dict[str, Any], now: datetime.datetime
) -> tuple[str, dict[str, str]]:
    if not isinstance(item, dict):
        raise Rejected(_("Mỗi phần tử của data phải là một đối tượng trả lời."))
    ident = _question_id(item)
    record = held.get(ident)
    if record is None or record["origin"] != PORTAL:
        raise Rejected(
            _("HOIDAPID %(id)s không tồn tại trong các câu hỏi gửi từ Cổng.") % {"id": ident}
        )
    unit = _agency(item)
    if unit != record["question"]["MADONVI"]:
        raise Rejected(
            _("MADONVI %(unit)s không phải đơn vị nhận câu hỏi %(id)s.")
            % {"unit": unit, "id": ident}
        )
    answered = checks.date(item, "NGAYTRALOI", now)
    if answered is None:
        raise Rejected(_("NGAYTRALOI: thời gian không hợp lệ (bắt buộc)."))
    if inbound.stamp(answered) < record["question"]["NGAYGUI"]:
        raise Rejected(
            _("NGAYTRALOI %(value)s: thời gian không hợp lệ (trước khi công dân gửi câu hỏi).")
            % {"value": inbound.stamp(answered)}
        )
    answer = {field: _text(item, field) for field in ANSWER_FIELDS}
    return ident, {"MADONVI": unit, "NGAYTRALOI": inbound.stamp(answered), **answer}


def sync_answers(items: Any, now: datetime.datetime) -> None:
    """``DongBoKetQuaHoiDapGuiTuDVCQG``: answers to portal questions, all or none. A re-sent
    answer replaces the previous one (same ``TRALOIID``); the first ``NGAYTRALOI`` is kept as the
    moment the question was answered, which is what the 766 simulator judges."""
    batch = _batch(items, _("trả lời"))
    with store.document("pakn", _empty()) as state:
        checked = [_check_answer(item, state["items"], now) for item in batch]
        for ident, answer in checked:
            record = state["items"][ident]
            previous = record["answer"] or {}
            if not previous:
                state["answer_seq"] += 1
            record["answer"] = answer | {
                "TRALOIID": previous.get("TRALOIID") or f"TL{state['answer_seq']:06d}"
            }
            record.setdefault("first_answered", answer["NGAYTRALOI"])
            record["answers"] += 1


# --- Test control and the 766 simulator -------------------------------------------------------


def ids() -> list[str]:
    return sorted(_state()["items"], key=int)


def summary(ident: str) -> dict[str, Any] | None:
    """What ``state?HOIDAPID=`` shows: the listed item plus what the portal received."""
    record = _state()["items"].get(ident)
    if record is None:
        return None
    return {
        "origin": record["origin"],
        "item": _listed(record),
        "answer": record["answer"],
        "syncs": record["syncs"],
        "answers": record["answers"],
        "first_answered": record.get("first_answered", ""),
    }


def portal_questions() -> list[dict[str, Any]]:
    """Every question filed on the portal: (question fields, ``first_answered`` stamp or "")."""
    return [
        {"question": r["question"], "first_answered": r.get("first_answered", "")}
        for r in _state()["items"].values()
        if r["origin"] == PORTAL
    ]


# --- Profile A dispatch -----------------------------------------------------------------------


def _unit(body: dict[str, Any]) -> str:
    for key in ("MADONVI", "maDonVi", "madonvi"):
        value = checks.scalar(body.get(key))
        if value:
            return value
    return ""


def _result(service: str, result: list[dict[str, str]]) -> Answer:
    """A read's list (in ``message`` with ``WRAP_MESSAGE``), never cached: it carries the
    asker's name, address, e-mail and phone."""
    if faults.value("WRAP_MESSAGE", service):
        answer = gateway.reply(
            PROFILE_A, service, 0, json.dumps({"result": result}, ensure_ascii=False)
        )
    else:
        answer = gateway.reply(PROFILE_A, service, 0, _("Lấy dữ liệu thành công"), result=result)
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _serve(service: str, body: dict[str, Any], now: datetime.datetime) -> Answer:
    if service == FROM_PORTAL:
        return _result(service, listed(PORTAL, _unit(body)))
    if service == OWN:
        return _result(service, listed(AGENCY, _unit(body)))
    if service == ANSWER_OF:
        ident = checks.scalar(body.get("HOIDAPID", body.get("hoidapid"))) or ""
        canonical = _long_id(ident)
        answer = answer_of(canonical) if canonical else None
        if answer is None:
            message = _("Câu hỏi %(id)r không tồn tại") % {"id": ident}
            return gateway.reply(PROFILE_A, service, gateway.INVALID, message)
        return _result(service, answer)
    try:
        if service == PUSH_QUESTIONS:
            sync_questions(body.get("data"))
            message = _("Đồng bộ hỏi đáp thành công")
        else:
            sync_answers(body.get("data"), now)
            message = _("Đồng bộ kết quả trả lời thành công")
    except Rejected as exc:
        return gateway.reply(PROFILE_A, service, gateway.INVALID, exc.message)
    return gateway.reply(PROFILE_A, service, 0, message)


def integration(body: dict[str, Any], dstcode: str, now: datetime.datetime) -> Answer:
    """Profile A ``integration`` for a Q&A service: the envelope checks of the other services
    (``dstcode``, then the session, then ``madonvi``), in the same order and with the same
    answers, then the service."""
    service = str(body.get("service") or "")
    if dstcode != settings.TINHSO_DVCQG_DSTCODE:
        return gateway.reply(
            PROFILE_A, service, gateway.INVALID, _("Mã đích (dstcode) không hợp lệ")
        )
    if not gateway.session_ok(body.get("session"), service):
        return gateway.reply(PROFILE_A, service, gateway.SESSION_INVALID, gateway.session_message())
    if not checks.scalar(body.get("madonvi")):
        return gateway.reply(PROFILE_A, service, gateway.INVALID, _("Thiếu mã đơn vị (madonvi)"))
    return _serve(service, body, now)
