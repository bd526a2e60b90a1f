"""Demo accounts of the audit app: an auditor and a security officer (password ``tinhso-demo``).

Called by ``tinhso load_demo`` after the core demo (which refuses production settings). Both work
at the provincial Department of Science and Technology (Sở Khoa học và Công nghệ, which took over
information security from the former Department of Information and Communications in 2025); the
agency has no procedures in the demo catalogue, so the assignment gives no dossier access.
"""

from django.db import transaction

from tinhso.accounts.demo import demo_user, unit
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role, StaffAssignment
from tinhso.audit.alerts import ensure_default_rules

AGENCY_CODE = "000.00.08.H61"  # illustrative, like the other demo agencies' codes
PEOPLE = [
    ("auditor", Role.AUDITOR, "Kiểm toán viên nội bộ"),
    ("security", Role.SECURITY, "Cán bộ an toàn thông tin"),
]


@transaction.atomic
def load() -> None:
    agency, _created = Agency.objects.update_or_create(
        slug="skhcn",
        defaults={
            "code": AGENCY_CODE,
            "name": "Sở Khoa học và Công nghệ tỉnh Vĩnh Long",
            "kind": Agency.Kind.DEPARTMENT,
            "unit": unit("86"),
        },
    )
    for username, role, name in PEOPLE:
        user = demo_user(
            username,
            kind=User.Kind.OFFICIAL,
            full_name=name,
            email=f"{username}@demo.tinhso",
        )
        StaffAssignment.objects.get_or_create(user=user, agency=agency, role=role)
    ensure_default_rules()
