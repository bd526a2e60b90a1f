"""S-9: the 766 simulator. From what the portal received — dossiers and their progress, the file
fetches of S-6, the dossiers and the questions (hỏi đáp) filed on the portal itself — it computes the Decision 766 indicators
the national side derives from dossier data (1.4, 2.1, 3.3, 3.6, 4.1–4.5b, 5.2, 5.3), with the
formulas of ``qd766_indicators.csv`` and spec §2.7, so developers see the score effect of a change.

It sees only what Tỉnh Số sent: a dossier never synced is invisible here (1.4 then looks better
than it is), which is why Tỉnh Số's own index keeps its own denominator. Ratios are fractions
(0..1); ``no_data`` means no denominator (or no input at all), never a zero score."""

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from tinhso.sandboxes.national import checks, faults, files, inbound, pakn, store

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SETTLED = frozenset({9, 10})
# Codes with no timeliness: refused, withdrawn, stopped, not received yet.
UNTIMED = frozenset({1, 3, 7, 8})


class PeriodError(ValueError):
    """``period`` is not ``YYYY-MM``."""


def bounds(period: str) -> tuple[datetime.datetime, datetime.datetime]:
    """[first instant, first instant of the next month) of ``YYYY-MM``, Vietnam time."""
    try:
        year, month = (int(part) for part in period.split("-"))
        first = datetime.datetime(year, month, 1, tzinfo=VIETNAM)
    except (ValueError, TypeError):
        raise PeriodError(period) from None
    if len(period) != 7:
        raise PeriodError(period)
    following = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=VIETNAM)
    return first, following


def _moment(value: Any) -> datetime.datetime | None:
    text = checks.scalar(value) or ""
    if not checks.DATE.fullmatch(text):
        return None
    try:
        return datetime.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)
    except ValueError:
        return None


def agency_of(dossier: dict[str, Any]) -> str:
    return checks.scalar(dossier.get("MaCoQuan")) or str(dossier.get("MaHoSo", "")).split("-")[0]


def _flag(value: Any, *accepted: str) -> bool:
    return (checks.scalar(value) or "") in accepted


def _documents(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    return [doc for doc in dossier.get("TaiLieuNop") or [] if isinstance(doc, dict)]


@dataclass
class Ratio:
    numerator: int | None
    denominator: int | None
    note: str = ""

    def row(self, indicator: str) -> dict[str, Any]:
        no_data = not self.denominator
        ratio = None if not self.denominator else (self.numerator or 0) / self.denominator
        return {
            "id": indicator,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ratio": None if ratio is None else round(ratio, 4),
            "no_data": no_data,
            "note": self.note or (_("Không có hồ sơ trong kỳ.") if no_data else ""),
        }


@dataclass
class Held:
    """One dossier the portal holds, with the moments the formulas need."""

    dossier: dict[str, Any]
    files: dict[str, Any]
    received: datetime.datetime | None
    settled: datetime.datetime | None
    status: int

    @classmethod
    def of(cls, record: dict[str, Any]) -> "Held":
        dossier = record["dossier"]
        received = _moment(dossier.get("NgayTiepNhan")) or _moment(dossier.get("NgayNopHoSo"))
        settled = _moment(dossier.get("NgayKetThucXuLy")) or _moment(dossier.get("NgayTra"))
        status = int(checks.scalar(dossier.get("TrangThaiHoSo")) or 0)
        return cls(dossier, record.get("files") or {}, received, settled, status)

    def due(self) -> datetime.datetime | None:
        """The last re-appointed due date (supplement rounds, apology letters), else NgayHenTra."""
        due = _moment(self.dossier.get("NgayHenTra"))
        for round_ in self.dossier.get("DanhSachHoSoBoSung") or []:
            if isinstance(round_, dict):
                due = _moment(round_.get("NgayHenTraMoi")) or due
        return due

    def result_ok(self) -> bool:
        """At least one result document, every result link fetched (S-6: unreachable = missing)."""
        results = [
            doc.get("DuongDanTepTinKetQua")
            for doc in self.dossier.get("DanhSachGiayToKetQua") or []
            if isinstance(doc, dict)
        ]
        return bool(results) and all(
            isinstance(url, str) and (self.files.get(url) or {}).get("status") == files.OK
            for url in results
        )


def add_weekdays(moment: datetime.datetime, days: int) -> datetime.datetime:
    """``moment`` plus ``days`` weekdays (Monday to Friday), same time of day. The sandbox has no
    holiday calendar, so a public holiday counts as a working day here."""
    while days > 0:
        moment += datetime.timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def feedback(
    first: datetime.datetime,
    following: datetime.datetime,
    now: datetime.datetime,
    agency: str | None,
) -> tuple[Ratio, Ratio]:
    """5.2 and 5.3 over the questions citizens filed on the portal, by the rule of 2.1: those
    answered in the period, or still unanswered at its end (sent before it). On time: answered
    (the first ``NGAYTRALOI`` received) within ``PAKN_ANSWER_DAYS`` weekdays of ``NGAYGUI``, or,
    unanswered, that limit not passed at the period's end (or now, in the current month). Every
    question counts as within the agency's competence. 5.3 subtracts the late ones only: the
    portal receives no citizen rating and no re-complaint, so 5.3 equals 5.2 here."""
    questions = [
        q for q in pakn.portal_questions() if not agency or q["question"]["MADONVI"] == agency
    ]
    if not questions:
        note = _("Cổng thử nghiệm chưa nhận câu hỏi, phản ánh nào gửi từ Cổng: không có dữ liệu.")
        return Ratio(None, None, note), Ratio(None, None, note)
    limit = int(faults.value("PAKN_ANSWER_DAYS", pakn.FROM_PORTAL))
    end = min(following, now)
    counted = on_time = 0
    for item in questions:
        sent = _moment(item["question"]["NGAYGUI"])
        answered = _moment(item["first_answered"])
        if sent is None or sent >= following:
            continue
        if answered is not None and answered < first:
            continue  # answered before the period: belongs to an earlier one
        counted += 1
        judged = answered if answered is not None and answered < following else end
        on_time += judged <= add_weekdays(sent, limit)
    limit_note = _("Hạn trả lời: %(days)d ngày làm việc (thứ Hai–thứ Sáu, không trừ ngày lễ).") % {
        "days": limit
    }
    no_rating = _("Cổng không nhận đánh giá của công dân: chỉ trừ câu hỏi trả lời trễ hạn.")
    return (
        Ratio(on_time, counted, limit_note if counted else _("Không có câu hỏi trong kỳ.")),
        Ratio(
            on_time,
            counted,
            f"{limit_note} {no_rating}" if counted else _("Không có câu hỏi trong kỳ."),
        ),
    )


def compute(period: str, agency: str | None, now: datetime.datetime) -> dict[str, Any]:
    first, following = bounds(period)
    held = []
    for code in store.dossier_codes():
        record = store.load_dossier(code)
        if (
            record
            and record.get("dossier")
            and (not agency or agency_of(record["dossier"]) == agency)
        ):
            held.append(Held.of(record))
    filed = [d for d in inbound.received() if not agency or agency_of(d) == agency]

    def within(moment: datetime.datetime | None) -> bool:
        return moment is not None and first <= moment < following

    received = [h for h in held if within(h.received)]
    # 1.4: every dossier the portal knows of in the period (synced, or filed on it) by code.
    known = {str(h.dossier.get("MaHoSo")): h.received for h in held}
    for dossier in filed:
        known.setdefault(str(dossier["MaHoSo"]), _moment(dossier.get("NgayNopHoSo")))
    in_period = {code for code, moment in known.items() if within(moment)}
    synced = {str(h.dossier.get("MaHoSo")) for h in received}

    # 2.1: settled in the period, or still open at its end (received before it; settled later or
    # not yet). An open dossier is judged at the period's end (or now, for the current month).
    end = min(following, now)

    def open_at_end(h: Held) -> bool:
        if h.settled is None:
            return h.status not in SETTLED
        return h.settled >= following

    timed = [
        h
        for h in held
        if h.status not in UNTIMED
        and h.received is not None
        and h.received < following
        and (within(h.settled) or open_at_end(h))
    ]

    def on_time(h: Held) -> bool:
        due = h.due()
        if due is None:
            return True  # a procedure without a time limit
        judged = h.settled if h.settled is not None and within(h.settled) else end
        return judged <= due

    settled = [h for h in held if h.status in SETTLED and within(h.settled)]
    paying = [
        h
        for h in received
        if _flag(h.dossier.get("DuocThanhToanTrucTuyen"), "1", "3")
        or h.dossier.get("DanhSachLePhi")
    ]
    answered_on_time, satisfied = feedback(first, following, now, agency)
    rows = {
        "1.4": Ratio(
            len(synced),
            len(in_period),
            _(
                "Mẫu số: hồ sơ Cổng biết (đã đồng bộ hoặc nộp trên Cổng); hồ sơ chưa từng gửi lên "
                "thì Cổng không thấy."
            ),
        ),
        "2.1": Ratio(sum(on_time(h) for h in timed), len(timed)),
        "3.3": Ratio(
            sum(_flag(h.dossier.get("KenhThucHien"), "2") for h in received),
            len(received),
            _("Chưa nhân hệ số đồng bộ.") if received else "",
        ),
        "3.6": Ratio(
            sum(_flag(h.dossier.get("DuocThanhToanTrucTuyen"), "1") for h in paying),
            len(paying),
            _(
                "Theo DuocThanhToanTrucTuyen của hồ sơ có nghĩa vụ tài chính; chưa có giao dịch "
                "của nền tảng thanh toán."
            )
            if paying
            else _("Không có hồ sơ có nghĩa vụ tài chính trong kỳ."),
        ),
        "4.1": Ratio(sum(h.result_ok() for h in settled), len(settled)),
        "4.2": Ratio(
            sum(
                _flag(h.dossier.get("HoSoCoThanhPhanSoHoa"), "1")
                or any(_flag(d.get("DuocSoHoa"), "1") for d in _documents(h.dossier))
                for h in received
            ),
            len(received),
        ),
        "4.3": Ratio(
            sum(
                any(_flag(d.get("DuocTaiSuDung"), "1", "2") for d in _documents(h.dossier))
                for h in received
            ),
            len(received),
        ),
        "4.4": Ratio(
            sum(
                any(_flag(d.get("DuocLayTuKhoDMQG"), "1") for d in _documents(h.dossier))
                for h in received
            ),
            len(received),
        ),
        "4.5b": Ratio(
            sum(bool(h.dossier.get("DSKetNoiCSDL")) for h in received),
            len(received),
            _("Danh mục MaCSDL chưa được xác nhận: tính mọi hồ sơ có DSKetNoiCSDL.")
            if received
            else "",
        ),
        "5.2": answered_on_time,
        "5.3": satisfied,
    }
    return {
        "period": period,
        "agency": agency or "",
        "indicators": [ratio.row(indicator) for indicator, ratio in rows.items()],
    }
