"""End to end against the in-project national sandbox (spec §11.4, scenarios 1–3 in small): the
real system, client and file links, the sandbox served by a live server, which checks what it
receives (§11.2) and fetches every file link (S-6)."""

from types import SimpleNamespace

import pytest
import requests

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.integrations.models import NationalSync
from tinhso.integrations.national.client import NationalClient
from tinhso.integrations.national.system import DvcqgSystem
from tinhso.integrations.tests.conftest import held
from tinhso.testing import FORM_DATA, make_cast, make_version, pdf_upload
from tinhso.uploads import check_upload


def received(cast, clerk) -> Dossier:
    version = make_version(
        "3.000333", level="province", agencies=[cast.dept], receiving=cast.centre
    )
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=version,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return services.receive_dossier(user=clerk, dossier=dossier)


def deliver(dossier: Dossier, profile: str = "A", **item):
    fields = {"attempts": 0, "unknown_outcome": False} | item
    system = DvcqgSystem(lambda: NationalClient(profile, log=lambda record: None))
    return system.deliver(SimpleNamespace(dossier_id=dossier.pk, **fields))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("profile", ["A", "B"])
def test_receipt_then_supplement_request_reach_the_sandbox(sandbox, profile):
    cast = make_cast()
    dossier = received(cast, cast.clerk)
    outcome = deliver(dossier, profile)
    assert outcome.kind == "delivered", outcome.error
    state = held(sandbox, dossier.code)
    assert state["dossier"]["TrangThaiHoSo"] == "2" and state["inserts"] == 1
    assert [p["TrangThai"] for p in state["progress"]] == ["1", "2"]
    assert state["files"] and all(f["status"] == "ok" for f in state["files"].values())

    dossier = services.request_supplement(
        user=cast.specialist, dossier=dossier, items=["Căn cước"], comment="Thiếu căn cước"
    )
    assert deliver(dossier, profile).kind == "delivered"
    state = held(sandbox, dossier.code)
    assert state["dossier"]["TrangThaiHoSo"] == "5"  # not 9 (R-NAT-030)
    assert [p["TrangThai"] for p in state["progress"]] == ["1", "2", "5"]
    assert state["inserts"] == 1


@pytest.mark.django_db(transaction=True)
def test_timeout_after_commit_leaves_one_dossier_and_the_retry_is_an_update(sandbox, settings):
    cast = make_cast()
    dossier = received(cast, cast.clerk)
    settings.TINHSO_DVCQG_READ_TIMEOUT = 0.5
    faults = {"service": "DongBoHoSoMC", "TIMEOUT_RATE": 1, "TIMEOUT_AFTER_COMMIT": True,
              "TIMEOUT_SECONDS": 1.5}  # fmt: skip
    assert requests.post(f"{sandbox}/faults", json=faults, timeout=5).status_code == 200
    outcome = deliver(dossier)
    assert outcome.kind == "retry" and outcome.unknown_outcome
    requests.post(
        f"{sandbox}/faults", json={"service": "DongBoHoSoMC", "TIMEOUT_RATE": 0}, timeout=5
    )
    settings.TINHSO_DVCQG_READ_TIMEOUT = 10.0
    assert deliver(dossier, attempts=1, unknown_outcome=True).kind == "delivered"
    state = held(sandbox, dossier.code)
    assert state["inserts"] == 1
    assert NationalSync.objects.get(dossier=dossier).state == "updated"
