"""The province's collecting account: where bank transfers of fees arrive (settings ``TINHSO_VIETQR_*``,
named after the first provider that used it; docs/payments-vietqr.md)."""

from dataclasses import dataclass

from django.conf import settings

from tinhso.agencies.models import Agency

# BIN -> short name of banks commonly used by agencies (NAPAS BINs; spec §2.4).
BANKS: dict[str, str] = {
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970405": "Agribank",
    "970416": "ACB",
    "970407": "Techcombank",
    "970422": "MB Bank",
    "970403": "Sacombank",
}


@dataclass(frozen=True)
class CollectingAccount:
    """The account payers transfer to."""

    bank_bin: str
    account: str
    account_name: str

    @property
    def bank_name(self) -> str:
        return BANKS.get(self.bank_bin, self.bank_bin)


def collecting_account() -> CollectingAccount:
    return CollectingAccount(
        bank_bin=settings.TINHSO_VIETQR_BANK_BIN,
        account=settings.TINHSO_VIETQR_ACCOUNT,
        account_name=settings.TINHSO_VIETQR_ACCOUNT_NAME,
    )


def collecting_agency() -> Agency | None:
    """The agency holding the collecting account (settings.TINHSO_VIETQR_AGENCY), if it exists."""
    code = settings.TINHSO_VIETQR_AGENCY
    return Agency.objects.filter(code=code).first() if code else None
