"""Fixtures for the portal tests: the shared cast, logged-in clients, helpers to drive a dossier."""

import pytest
from django.core.cache import cache
from django.test import Client

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.testing import FORM_DATA, Cast, make_cast, pdf_upload


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


@pytest.fixture
def citizen_client(cast) -> Client:
    client = Client()
    client.force_login(cast.citizen)
    return client


@pytest.fixture
def other_client(cast) -> Client:
    client = Client()
    client.force_login(cast.other_citizen)
    return client


def file_province_dossier(cast: Cast) -> Dossier:
    """A dossier filed online by the citizen for the province procedure, with its form attached."""
    from tinhso.uploads import check_upload

    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=dict(FORM_DATA),
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload("to-khai.pdf")))],
    )
    return dossier


def act(user, dossier: Dossier, action: str, **kwargs) -> Dossier:
    return services.perform_action(
        user=user, dossier=dossier, request=services.ActionRequest(action, **kwargs)
    )


def drive_to_returned(cast: Cast, dossier: Dossier) -> Dossier:
    dossier = act(cast.clerk, dossier, "receive")
    dossier = act(cast.specialist, dossier, "complete_step")
    dossier = act(cast.leader, dossier, "approve")
    dossier = act(cast.clerk, dossier, "issue_result")
    return act(cast.clerk, dossier, "return_result")
