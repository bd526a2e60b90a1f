"""End to end against the in-project national sandbox over real HTTP (a live server): a dossier
seeded on the "national portal" reaches the competent agency's clerk by the pull adapter or by a
push, exactly once whatever the faults (DUPLICATE_ACK, ACK_LOST), and goes back up under its
national code, which the sandbox checks (S-2: the date part is the date it was issued)."""

import base64
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from tinhso.accounts.testing import bearer_header
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.integrations.models import InboundDossier
from tinhso.integrations.national import inbound
from tinhso.integrations.national.client import NationalClient
from tinhso.integrations.national.system import DvcqgSystem
from tinhso.integrations.tests.conftest import held
from tinhso.testing import FORM_DATA, PDF_BYTES, make_cast, make_version

pytestmark = pytest.mark.django_db(transaction=True)

PROCEDURE = "1.001193"  # in the sandbox's catalogue
SECRET = "bi-mat-thu"


@pytest.fixture
def portal(sandbox, settings):
    settings.TINHSO_NATIONAL_INBOUND_SECRET = SECRET
    settings.TINHSO_DVCQG_SANDBOX_PUSH_SECRET = SECRET
    assert requests.post(f"{sandbox}/reset", json={}, timeout=5).status_code == 200
    cast = make_cast()
    make_version(PROCEDURE, level="province", agencies=[cast.dept], receiving=cast.centre)
    return SimpleNamespace(url=sandbox, cast=cast)


def seed(portal, *, push: bool = False) -> dict[str, Any]:
    body = {
        "procedure": PROCEDURE,
        "agency": portal.cast.dept.code,
        "data": FORM_DATA,
        "files": [
            {
                "code": "TK",
                "name": "to-khai.pdf",
                "content_base64": base64.b64encode(PDF_BYTES).decode(),
            }
        ],
        "push": push,
    }
    response = requests.post(f"{portal.url}/inbound/seed", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def faults(portal, **knobs: Any) -> None:
    body = {"service": "inbound", **knobs}
    response = requests.post(f"{portal.url}/faults", json=body, timeout=5)
    assert response.status_code == 200, response.text


def test_a_pulled_dossier_reaches_the_clerk_and_is_acknowledged(portal, client):
    code = seed(portal)["MaHoSo"]
    report = inbound.pull(limit=10)
    assert (report.created, report.acked, report.failed) == (1, 1, 0), report.summary()
    assert held(portal.url, code)["inbound"]["acked"] is True
    dossier = Dossier.objects.get(other_code=code)
    assert dossier.intake_problems == [] and dossier.attachments.count() == 1
    auth = bearer_header(client, portal.cast.clerk.username)
    response = client.get(f"/api/v1/dossiers/{code}", **auth)
    assert response.status_code == 200 and response.json()["code"] == dossier.code
    assert inbound.pull(limit=10).listed == 0


def test_a_pushed_dossier_is_created_once_even_when_pushed_again_and_pulled(portal):
    faults(portal, DUPLICATE_ACK=True)
    answer = seed(portal, push=True)
    code = answer["MaHoSo"]
    codes = [p["body"]["error_code"] for p in answer["pushes"]]
    assert all(p["status"] == 200 for p in answer["pushes"])
    assert codes[0] == 0 and set(codes[1:]) == {1} and len(codes) >= 2
    report = inbound.pull(limit=10)  # listed again: only acknowledged
    assert (report.created, report.duplicates, report.acked) == (0, 1, 1)
    assert Dossier.objects.filter(other_code=code).count() == 1
    assert InboundDossier.objects.get(national_code=code).channel == "push"


def test_a_lost_acknowledgement_is_repeated_without_a_second_dossier(portal):
    faults(portal, ACK_LOST="lost")
    code = seed(portal)["MaHoSo"]
    first = inbound.pull(limit=10)
    assert (first.created, first.ack_failed) == (1, 1)
    faults(portal, ACK_LOST=None)
    second = inbound.pull(limit=10)
    assert (second.duplicates, second.acked) == (1, 1)
    assert Dossier.objects.filter(other_code=code).count() == 1
    assert held(portal.url, code)["inbound"]["acked"] is True


def test_the_received_dossier_syncs_upward_under_its_national_code(portal):
    code = seed(portal)["MaHoSo"]
    inbound.pull(limit=10)
    dossier = services.receive_dossier(
        user=portal.cast.clerk, dossier=Dossier.objects.get(other_code=code)
    )
    system = DvcqgSystem(lambda: NationalClient(log=lambda record: None))
    outcome = system.deliver(
        SimpleNamespace(dossier_id=dossier.pk, attempts=0, unknown_outcome=False)
    )
    assert outcome.kind == "delivered", outcome.error
    state = held(portal.url, code)
    assert state["dossier"]["MaHoSo"] == code and state["dossier"]["KenhThucHien"] == "2"
    assert state["dossier"]["TrangThaiHoSo"] == "2" and state["inserts"] == 1
    assert {p["MaHoSo"] for p in state["progress"]} == {code}
