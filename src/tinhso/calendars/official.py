"""The official notices on days off since 2024, as calendar data with their sources (R-CAL-4).

Each notice fixes the days off of one occasion for the civil service (Tết, 30/4–1/5, National
Day, New Year) and, when it swaps a working day, the Saturday worked in exchange. Every weekday
off in the announced range and every make-up day is entered as a ``CalendarOverride`` citing the
notice, so the calendar no longer depends on the ``holidays`` package for those dates (the
pinned release lacks, for instance, the New-Year 2026 swap). Days fixed by the Labour Code alone
(1/1, the Hùng Kings' day, and their compensatory days) stay with the package.

Only notices confirmed from the document number and date are here; see ``docs/calendar.md`` for
what was looked for and not confirmed (National Day 2025 and 2026, 24/11 Vietnam Culture Day,
2027). A year is marked confirmed (``CalendarYear``) when its notices have been entered; 2027
and later stay provisional until the Ministry of Home Affairs publishes them.

``load()`` is idempotent and never deletes: an administrator's later correction of a date is
overwritten only for the dates listed here. Called by ``tinhso load_demo`` and by
``tinhso load_calendar`` (for a real deployment).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from tinhso.calendars.models import CalendarOverride, CalendarYear

DAY_OFF = CalendarOverride.Kind.DAY_OFF
WORKING_DAY = CalendarOverride.Kind.WORKING_DAY

VPCP_8662_2023 = (
    "Văn bản số 8662/VPCP-KGVX ngày 03/11/2023 của Văn phòng Chính phủ (nghỉ Tết Âm lịch từ "
    "08/02 đến hết 14/02/2024; nghỉ Quốc khánh từ 31/8 đến hết 03/9/2024)"
)
VPCP_2450_2024 = (
    "Văn bản số 2450/VPCP-KGVX ngày 12/4/2024 của Văn phòng Chính phủ (hoán đổi ngày làm việc "
    "dịp 30/4 và 1/5/2024: nghỉ từ 27/4 đến hết 01/5, làm bù thứ Bảy 04/5/2024)"
)
VPCP_8726_2024 = (
    "Văn bản số 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ (nghỉ Tết Âm lịch từ "
    "25/01 đến hết 02/02/2025 và một số dịp nghỉ lễ năm 2025)"
)
BNV_9441_2025 = (
    "Thông báo số 9441/TB-BNV ngày 16/10/2025 của Bộ Nội vụ (nghỉ Tết Âm lịch từ 16/02 đến "
    "hết 20/02/2026, nối tiếp ngày nghỉ hằng tuần)"
)
VPCP_12729_2025 = (
    "Văn bản số 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ (nghỉ Tết Dương lịch "
    "từ 01/01 đến hết 04/01/2026; hoán đổi thứ Sáu 02/01/2026 sang thứ Bảy 10/01/2026)"
)


@dataclass(frozen=True)
class Entry:
    date: dt.date
    kind: str
    name: str
    source: str


def _days(first: dt.date, last: dt.date, name: str, source: str) -> list[Entry]:
    """Every weekday from ``first`` to ``last`` as a day off (weekends are off anyway)."""
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(Entry(day, DAY_OFF, name, source))
        day += dt.timedelta(days=1)
    return days


D = dt.date
ENTRIES: list[Entry] = [
    # 2024
    *_days(D(2024, 2, 8), D(2024, 2, 14), "Tết Nguyên đán Giáp Thìn", VPCP_8662_2023),
    Entry(D(2024, 4, 29), DAY_OFF, "Nghỉ hoán đổi dịp 30/4 (làm bù thứ Bảy 04/5)", VPCP_2450_2024),
    Entry(D(2024, 4, 30), DAY_OFF, "Ngày Chiến thắng", VPCP_2450_2024),
    Entry(D(2024, 5, 1), DAY_OFF, "Ngày Quốc tế Lao động", VPCP_2450_2024),
    Entry(D(2024, 5, 4), WORKING_DAY, "Làm bù cho ngày nghỉ 29/4", VPCP_2450_2024),
    *_days(D(2024, 8, 31), D(2024, 9, 3), "Quốc khánh", VPCP_8662_2023),
    # 2025
    *_days(D(2025, 1, 25), D(2025, 2, 2), "Tết Nguyên đán Ất Tỵ", VPCP_8726_2024),
    Entry(D(2025, 4, 30), DAY_OFF, "Ngày Chiến thắng", VPCP_8726_2024),
    Entry(D(2025, 5, 1), DAY_OFF, "Ngày Quốc tế Lao động", VPCP_8726_2024),
    Entry(D(2025, 5, 2), DAY_OFF, "Nghỉ hoán đổi dịp 30/4 (làm bù thứ Bảy 26/4)", VPCP_8726_2024),
    Entry(D(2025, 4, 26), WORKING_DAY, "Làm bù cho ngày nghỉ 02/5", VPCP_8726_2024),
    # 2026
    Entry(D(2026, 1, 2), DAY_OFF, "Nghỉ hoán đổi dịp Tết Dương lịch", VPCP_12729_2025),
    Entry(D(2026, 1, 10), WORKING_DAY, "Làm bù cho ngày nghỉ 02/01", VPCP_12729_2025),
    *_days(D(2026, 2, 14), D(2026, 2, 22), "Tết Nguyên đán Bính Ngọ", BNV_9441_2025),
]

YEARS: dict[int, list[str]] = {
    2024: [VPCP_8662_2023, VPCP_2450_2024],
    2025: [VPCP_8726_2024],
    2026: [BNV_9441_2025, VPCP_12729_2025],
}


@transaction.atomic
def load() -> int:
    """Enter the notices above; returns the number of override rows written."""
    for entry in ENTRIES:
        CalendarOverride.objects.update_or_create(
            date=entry.date,
            defaults={"kind": entry.kind, "name": entry.name, "source": entry.source},
        )
    for year, sources in YEARS.items():
        CalendarYear.objects.update_or_create(
            year=year, defaults={"confirmed": True, "sources": "\n".join(sources)}
        )
    return len(ENTRIES)
