"""Form numbers and titles per instrument (R-FORM-3, R-LAW-2).

The same slip has different numbers in Circular 01/2018/TT-VPCP and Circular 03/2025/TT-VPCP,
and provincial texts issued after September 2025 still cite the 2018 numbers, so code refers
to slips by semantic key only and looks the number up here. Slips are issued under
``CURRENT_INSTRUMENT``; the 2018 table is kept to read and cite older slips.

The exact 2025 titles are UNCONFIRMED (spec §6): confirm them against Annex I of Circular
03/2025 before production.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.documents.models import Instrument, SlipKind

CURRENT_INSTRUMENT = Instrument.CIRCULAR_03_2025

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
