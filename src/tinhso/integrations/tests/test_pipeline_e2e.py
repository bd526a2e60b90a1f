"""The whole path to the national portal, over real HTTP (spec §11.4 scenario 1 and the outbox's
promises): officials act on a dossier; the dossier-changed events become outbox items after
commit; ``tinhso national sync`` delivers them to the in-project sandbox served by a live server,
which checks what it receives and fetches every file link. Nothing is sent for a rolled-back
change; a failing portal leaves the item waiting with back-off, and the command still exits 0."""

import io

import pytest
import requests
from django.core.management import call_command
from django.db import transaction

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.integrations.models import IntegrationLog, OutboxItem
from tinhso.integrations.tests.conftest import held
from tinhso.testing import FORM_DATA, make_cast, make_version, pdf_upload
from tinhso.uploads import check_upload

pytestmark = pytest.mark.django_db(transaction=True)


def sync() -> str:
    out = io.StringIO()
    call_command("national", "sync", stdout=out)
    return out.getvalue()


def act(user, dossier: Dossier, action: str, **kw) -> Dossier:
    return services.perform_action(
        user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
    )


def filed_at_counter(cast) -> Dossier:
    """Entered at the centre's counter for a procedure the national catalogue knows (the test
    cast's own codes are not national ones: the sandbox would refuse them, check S-2)."""
    version = make_version(
        "2.000635", level="province", agencies=[cast.dept], receiving=cast.centre
    )
    dossier, _ = services.file_dossier(
        user=cast.clerk,
        version=version,
        data=FORM_DATA,
        applicant=services.Applicant(name="Lê Văn Cường", phone="0912000111"),
        channel=1,
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return dossier


def test_a_counter_dossier_reaches_the_portal_once_with_every_step_in_order(sandbox):
    cast = make_cast()
    dossier = filed_at_counter(cast)
    for user, action in [
        (cast.clerk, "receive"),
        (cast.specialist, "complete_step"),
        (cast.leader, "approve"),  # signs the e-result
        (cast.clerk, "issue_result"),
    ]:
        dossier = act(user, dossier, action)
    dossier = act(cast.clerk, dossier, "return_result", return_method="counter")
    queued = OutboxItem.objects.filter(system="dvcqg", key=dossier.code)
    assert queued.count() >= 6 and set(queued.values_list("status", flat=True)) == {"queued"}

    assert "Đã gửi 1" in sync()  # coalesced: the full state once
    state = held(sandbox, dossier.code)
    assert state["inserts"] == 1
    assert state["dossier"]["TrangThaiHoSo"] == "10" and state["dossier"]["KenhThucHien"] == "1"
    statuses = [entry["TrangThai"] for entry in state["progress"]]
    assert len(statuses) >= 5 and statuses[-2:] == ["9", "10"]
    times = [entry["ThoiDiemXuLy"] for entry in state["progress"]]
    assert times == sorted(times)
    results = state["dossier"]["DanhSachGiayToKetQua"]
    assert len(results) == 1 and results[0]["DuongDanTepTinKetQua"].startswith(sandbox[:-17])
    assert state["files"] and all(f["status"] == "ok" for f in state["files"].values())
    assert set(queued.values_list("status", flat=True)) == {"sent", "superseded"}
    assert IntegrationLog.objects.filter(system="dvcqg", service="DongBoHoSoMC").exists()

    assert "Đã gửi 0" in sync()  # nothing is due any more
    assert held(sandbox, dossier.code)["inserts"] == 1

    # The sandbox's 766 simulator (S-9) sees the agency's dossier synced: 1.4 = 100%.
    received = state["dossier"]["NgayTiepNhan"]
    period = f"{received[:4]}-{received[4:6]}"
    agency = dossier.code.split("-")[0]
    answer = requests.get(
        f"{sandbox}/index766", params={"period": period, "MaCoQuan": agency}, timeout=5
    ).json()
    synced = next(i for i in answer["indicators"] if i["id"] == "1.4")
    assert (synced["numerator"], synced["denominator"], synced["ratio"]) == (1, 1, 1)


def test_nothing_is_queued_for_a_rolled_back_change(sandbox):
    cast = make_cast()
    dossier = filed_at_counter(cast)
    before = OutboxItem.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        act(cast.clerk, dossier, "receive")
        raise RuntimeError("the caller's transaction fails after the action")
    assert Dossier.objects.get(pk=dossier.pk).status == "submitted"
    assert OutboxItem.objects.count() == before


def test_a_failing_portal_leaves_the_item_waiting_and_the_command_succeeds(sandbox):
    cast = make_cast()
    dossier = act(cast.clerk, filed_at_counter(cast), "receive")
    assert requests.post(f"{sandbox}/faults", json={"HTTP5XX_RATE": 1}, timeout=5).ok
    assert "chờ gửi lại 1" in sync()
    item = OutboxItem.objects.filter(key=dossier.code, status="queued").order_by("-pk").first()
    assert item is not None and item.attempts == 1 and item.last_error
    assert item.next_attempt_at > item.created_at
    response = requests.get(f"{sandbox}/state", params={"MaHoSo": dossier.code}, timeout=5)
    assert response.status_code == 404  # nothing stored on the portal
