"""Form numbers and titles per instrument (R-FORM-3, R-LAW-2).

The same slip has different numbers in Circular 01/2018/TT-VPCP and Circular 03/2025/TT-VPCP,
and provincial texts issued after September 2025 still cite the 2018 numbers, so code refers
to slips by semantic key only and looks the number up here. A slip cites the instrument in force
at its date (R-LAW-2, ``instrument_at``): Circular 01/2018 before ``CIRCULAR_03_2025_FROM``
(1 July 2025, the day Decree 118/2025/NĐ-CP replaced Decree 61/2018/NĐ-CP, which Circular 01/2018
guided), Circular 03/2025 from then on. Circular 03/2025 itself was issued on 15/9/2025 and its
own effective date is UNCONFIRMED (spec §1): the switch date is the project's reading of the
change of regime and may be moved with the ``TINHSO_CIRCULAR_03_2025_FROM`` setting (a date).

The exact 2025 titles are UNCONFIRMED (spec §6): confirm them against Annex I of Circular
03/2025 before production.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.documents.models import Instrument, SlipKind

CURRENT_INSTRUMENT = Instrument.CIRCULAR_03_2025
# First day on which slips cite Circular 03/2025 (see the module docstring).
CIRCULAR_03_2025_FROM = dt.date(2025, 7, 1)
_VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Semantic key -> form number; None where the instrument has no such form.
# "register" (sổ theo dõi hồ sơ) is a view over dossier data (R-FORM-5), never rendered here.
FORM_NUMBERS: dict[str, dict[str, str | None]] = {
    Instrument.CIRCULAR_03_2025: {
        SlipKind.RECEIPT: "01",
        SlipKind.SUPPLEMENT: "02",
        SlipKind.REFUSAL: "03",
        SlipKind.APOLOGY: "04",
        SlipKind.STOP: "05",
        SlipKind.CONTROL: "06",
        "register": "07",
    },
    Instrument.CIRCULAR_01_2018: {
        SlipKind.RECEIPT: "01",
        SlipKind.SUPPLEMENT: "02",
        SlipKind.REFUSAL: "03",
        SlipKind.APOLOGY: "04",
        SlipKind.STOP: None,
        SlipKind.CONTROL: "05",
        "register": "06",
    },
}

# Titles that differ from SlipKind's label under a given instrument.
_TITLE_OVERRIDES: dict[str, dict[str, Promise]] = {
    Instrument.CIRCULAR_01_2018: {
        SlipKind.SUPPLEMENT: _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
        SlipKind.APOLOGY: _("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    },
}


def form_number(kind: str, instrument: str = CURRENT_INSTRUMENT) -> str:
    """Return the form number of ``kind`` under ``instrument``; ValueError if it has none."""
    number = FORM_NUMBERS[instrument].get(kind)
    if number is None:
        raise ValueError(f"{instrument} has no form for slip kind {kind!r}")
    return number


def form_title(kind: str, instrument: str = CURRENT_INSTRUMENT) -> str:
    """Return the printed title of ``kind`` under ``instrument`` (in the active language)."""
    override = _TITLE_OVERRIDES.get(instrument, {}).get(kind)
    return str(override if override is not None else SlipKind(kind).label)


def circular_03_2025_from() -> dt.date:
    """The switch date: ``TINHSO_CIRCULAR_03_2025_FROM`` if set, else 1 July 2025."""
    value = getattr(settings, "TINHSO_CIRCULAR_03_2025_FROM", None) or CIRCULAR_03_2025_FROM
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ImproperlyConfigured(f"TINHSO_CIRCULAR_03_2025_FROM: {exc}") from exc


def instrument_at(moment: dt.datetime | dt.date) -> str:
    """The instrument whose forms a slip dated ``moment`` follows (the date in Viet Nam)."""
    day = moment.astimezone(_VN).date() if isinstance(moment, dt.datetime) else moment
    if day < circular_03_2025_from():
        return Instrument.CIRCULAR_01_2018
    return Instrument.CIRCULAR_03_2025


def printed_form_number(kind: str, instrument: str) -> str:
    """The form number to print, or "" where the instrument has no form of that kind (a stop
    notice before Circular 03/2025: the slip is printed without a form line)."""
    return FORM_NUMBERS[instrument].get(kind) or ""
