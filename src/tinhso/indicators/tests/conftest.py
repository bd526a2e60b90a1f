import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role, StaffAssignment
from tinhso.dossiers import services
from tinhso.ioc import receivers
from tinhso.testing import file_online, make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def province_leader(cast):
    committee = Agency.objects.create(
        code="000.00.00.H61",
        slug="ubnd-tinh",
        name="UBND tỉnh Vĩnh Long",
        kind=Agency.Kind.PROVINCE_COMMITTEE,
        unit=cast.centre.unit,
    )
    user = User.objects.create_user(
        "province.leader", password="pw", kind=User.Kind.OFFICIAL, email="pl@example.vn"
    )
    StaffAssignment.objects.create(user=user, agency=committee, role=Role.LEADER)
    return user


def received_dossier(cast, moment: datetime.datetime):
    """A province dossier filed online and received at ``moment`` (3 working days to handle)."""
    with time_machine.travel(moment, tick=False):
        dossier = file_online(cast)
        dossier = services.perform_action(
            user=cast.clerk, dossier=dossier, request=services.ActionRequest(action="receive")
        )
        receivers.catch_up()  # what the worker does after the commit
    return dossier


def resolve(cast, dossier, moment: datetime.datetime):
    with time_machine.travel(moment, tick=False):
        for user, action in (
            (cast.specialist, "complete_step"),
            (cast.leader, "approve"),
            (cast.clerk, "issue_result"),
        ):
            dossier = services.perform_action(
                user=user, dossier=dossier, request=services.ActionRequest(action=action)
            )
        receivers.catch_up()
    return dossier


@pytest.fixture(autouse=True)
def scheme_targets(db):
    """The targets and sector panels come from a data migration; a transactional test that ran
    earlier on the same worker empties every table, so load them again (idempotent)."""
    from tinhso.indicators.models import SchemeTarget, SectorPanel
    from tinhso.indicators.scheme import load_targets

    load_targets(SchemeTarget, SectorPanel)
