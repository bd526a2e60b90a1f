"""The sandbox's own procedure catalogue (S-2: ``MaTTHC`` must exist). A fixture copied by hand
from the codes of the project's demo catalogue (``procedures/catalogue/``, never read at run time:
the sandbox stands for an outside system) plus a few national codes Tỉnh Số's demo does not carry,
so that a mapping to a code we do not hold is still accepted as the portal would."""

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
