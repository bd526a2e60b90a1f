import datetime

import pytest
import time_machine

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role, StaffAssignment
from tinhso.dossiers import services
from tinhso.dossiers.models import Channel
from tinhso.ioc import receivers
from tinhso.ioc.tests.scenario import at
from tinhso.testing import FORM_DATA, make_cast, pdf_upload
from tinhso.uploads import check_upload


def act(user, dossier, action, moment, **kw):
    with time_machine.travel(moment, tick=False):
        dossier = services.perform_action(
            user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
        )
        receivers.catch_up()  # what the worker does after the commit
    return dossier


def file(cast, moment, *, citizen, version, counter=False, digitised=False):
    with time_machine.travel(moment, tick=False):
        dossier, _ = services.file_dossier(
            user=cast.clerk if counter else citizen,
            version=version,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(citizen),
            channel=Channel.COUNTER if counter else Channel.ONLINE,
            files=[services.NewFile("TK", check_upload(pdf_upload()), digitised=digitised)],
        )
        receivers.catch_up()
    return dossier


def process(cast, dossier, day, *, leader=None, clerk=None, specialist=None):
    act(specialist or cast.specialist, dossier, "complete_step", at(*day, 9, 0))
    act(leader or cast.leader, dossier, "approve", at(*day, 10, 0))
    return act(clerk or cast.clerk, dossier, "issue_result", at(*day, 15, 0))


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def july(cast):
    """Four dossiers in July 2025 (docs of the hand-computed expectations in test_index766)."""
    c = cast
    d1 = file(c, at(2025, 7, 7, 8, 0), citizen=c.citizen, version=c.province_procedure)
    act(c.clerk, d1, "receive", at(2025, 7, 7, 9, 0))
    act(c.specialist, d1, "request_payment", at(2025, 7, 7, 10, 0))
    with time_machine.travel(at(2025, 7, 7, 11, 0), tick=False):
        services.record_payment(dossier_id=d1.pk, amount=100000, online=True, reference="VNP1")
    process(c, d1, (2025, 7, 8))
    act(c.clerk, d1, "return_result", at(2025, 7, 9, 8, 0))
    with time_machine.travel(at(2025, 7, 9, 9, 0), tick=False):
        d1.refresh_from_db()
        services.rate_dossier(user=c.citizen, dossier=d1, score=5)

    d2 = file(
        c,
        at(2025, 7, 7, 8, 30),
        citizen=c.other_citizen,
        version=c.province_procedure,
        counter=True,
        digitised=True,
    )
    act(c.clerk, d2, "receive", at(2025, 7, 7, 9, 30))
    process(c, d2, (2025, 7, 14))
    act(c.clerk, d2, "return_result", at(2025, 7, 15, 8, 0))
    with time_machine.travel(at(2025, 7, 15, 9, 0), tick=False):
        d2.refresh_from_db()
        services.rate_dossier(user=c.other_citizen, dossier=d2, score=3)

    d3 = file(c, at(2025, 7, 7, 8, 0), citizen=c.citizen, version=c.commune_procedure)
    act(c.commune_clerk, d3, "receive", at(2025, 7, 7, 9, 0))
    act(c.citizen, d3, "withdraw", at(2025, 7, 8, 9, 0))

    d4 = file(c, at(2025, 7, 28, 8, 0), citizen=c.citizen, version=c.province_procedure)
    act(c.clerk, d4, "receive", at(2025, 7, 28, 9, 0))
    receivers.catch_up()
    return d1, d2, d3, d4


@pytest.fixture
def province_leader(cast):
    committee = Agency.objects.create(
        code="000.00.00.H61",
        slug="ubnd-tinh",
        name="UBND tỉnh Vĩnh Long",
        kind=Agency.Kind.PROVINCE_COMMITTEE,
        unit=cast.dept.unit,
    )
    user = User.objects.create_user(
        "province.leader", password="pw", kind=User.Kind.OFFICIAL, full_name="Lãnh đạo"
    )
    StaffAssignment.objects.create(user=user, agency=committee, role=Role.LEADER)
    return user


JULY = (datetime.date(2025, 7, 1), datetime.date(2025, 7, 31))
NOW = at(2025, 7, 29, 10, 0)
