"""Local dossier state → national status code 1–10 (spec §2.5), kept as data (R-NAT-029).

Every local state has its own true code: a supplement request is 5, a payment request 6, a stop 8
— never folded into 9 as one provincial system does (R-NAT-030), which would report them as
"result ready" and distort the Decision 766 timeliness measures. A draft is never sent.

The table says the same as ``tinhso.dossiers.models.STATUS_CODES`` (R-ST-1) but lives here, next
to the portal's own state names: the mapping the national side reads must not change because
the lifecycle's display table did; ``test_national_mapping`` checks the two agree.
"""

from tinhso.dossiers.models import Status

# (local status, national code, DVCQG API state name [C TH-STATUS])
NATIONAL_STATUS_TABLE: tuple[tuple[str, int, str], ...] = (
    (Status.SUBMITTED, 1, "receiving"),
    (Status.RECEIVED, 2, "new"),
    (Status.REFUSED, 3, "denied"),
    (Status.PROCESSING, 4, "processing"),
    (Status.SUPPLEMENT_REQUESTED, 5, "waiting"),
    (Status.AWAITING_PAYMENT, 6, "paying"),
    (Status.WITHDRAWN, 7, "cancelled"),
    (Status.STOPPED, 8, "unresolved"),
    (Status.RESULT_READY, 9, "releasing"),
    (Status.RETURNED, 10, "done"),
)
NATIONAL_CODES: dict[str, int] = {local: code for local, code, _name in NATIONAL_STATUS_TABLE}
# R-NAT-031 [U]: the national side refuses to move a dossier out of these, except 9 → 10.
TERMINAL_CODES = frozenset({3, 7, 8, 10})


class NotSynchronised(ValueError):
    """The state has no national code (a draft): such a dossier is never sent."""


def national_code(status: str) -> int:
    """The national code of a local status; a draft raises ``NotSynchronised``."""
    try:
        return NATIONAL_CODES[status]
    except KeyError:
        raise NotSynchronised(status) from None
