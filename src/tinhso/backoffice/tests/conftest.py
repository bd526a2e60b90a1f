"""Fixtures for the back-office tests: the shared cast, dossiers filed through the services."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from tinhso.dossiers import services
from tinhso.testing import FORM_DATA, make_cast, pdf_upload
from tinhso.uploads import check_upload

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def file_online(cast, citizen=None, version=None, **applicant):
    citizen = citizen or cast.citizen
    details = services.Applicant.from_user(citizen)
    for key, value in applicant.items():
        setattr(details, key, value)
    dossier, _created = services.file_dossier(
        user=citizen,
        version=version or cast.province_procedure,
        data=FORM_DATA,
        applicant=details,
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return dossier


def act(user, dossier, action, **kw):
    return services.perform_action(
        user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
    )


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
