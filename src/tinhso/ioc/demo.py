"""Demo data of the operations centre: the provincial People's Committee and its leader.

Called by ``tinhso load_demo`` (idempotent). The e-ID code 000.00.00.H61 is illustrative: the
real code of UBND tỉnh Vĩnh Long is not in our sources.
"""

from django.db import transaction

from tinhso.accounts.demo import demo_user, ensure_demo_allowed, unit
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role, StaffAssignment

COMMITTEE_SLUG = "ubnd-tinh"
COMMITTEE_CODE = "000.00.00.H61"  # illustrative
COMMITTEE_NAME = "UBND tỉnh Vĩnh Long"
LEADER_USERNAME = "province.leader"


@transaction.atomic
def load() -> None:
    ensure_demo_allowed()
    committee, _ = Agency.objects.update_or_create(
        slug=COMMITTEE_SLUG,
        defaults={
            "code": COMMITTEE_CODE,
            "name": COMMITTEE_NAME,
            "kind": Agency.Kind.PROVINCE_COMMITTEE,
            "unit": unit("86"),
        },
    )
    leader = demo_user(
        LEADER_USERNAME,
        kind=User.Kind.OFFICIAL,
        full_name="Lãnh đạo UBND tỉnh",
        email="province.leader@vinhlong.example.vn",
    )
    StaffAssignment.objects.get_or_create(user=leader, agency=committee, role=Role.LEADER)
