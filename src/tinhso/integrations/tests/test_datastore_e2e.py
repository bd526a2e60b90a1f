"""The citizen's data store on the national portal, end to end over real HTTP against the sandbox
(spec §11.4 scenario 7): a result handed over reaches the citizen's national store through the
outbox; a document of that store chosen while filing is copied into the dossier and the sync
sends it upward as taken from the store (``DuocLayTuKhoDMQG=1``, ``DuocTaiSuDung``)."""

import base64
import hashlib
import io
import re
import time
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from tinhso.dossiers import services
from tinhso.dossiers.models import Attachment, Dossier
from tinhso.integrations import outbox
from tinhso.integrations.datastore.models import NationalCopy, PushedResult
from tinhso.integrations.models import IntegrationLog, OutboxItem
from tinhso.integrations.tests.conftest import held
from tinhso.results.models import ResultDocument
from tinhso.testing import FORM_DATA, make_cast, make_version, pdf_upload
from tinhso.uploads import check_upload

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = "083200009876"  # a citizen the sandbox's store holds nothing for yet
PROCEDURE = "2.000635"  # in the sandbox's catalogue (the sync checks it, S-2)
FORM = {"data.ho_ten": "Nguyễn Văn An", "data.ngay_sinh": "1995-03-02", "data.so_ban": "2"}


def act(user, dossier: Dossier, action: str, **kw) -> Dossier:
    return services.perform_action(
        user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
    )


def store_results(sandbox: str, owner: str) -> list[dict]:
    """What the sandbox's store lists for ``owner`` (the issue's contract: no credentials)."""
    response = requests.get(f"{sandbox}/store/results", params={"SoDinhDanh": owner}, timeout=5)
    assert response.status_code == 200, response.text
    return list(response.json()["result"]["DanhSachGiayToKetQua"])


def handed_over(cast) -> Dossier:
    version = make_version(PROCEDURE, level="province", agencies=[cast.dept], receiving=cast.centre)
    dossier, _ = services.file_dossier(
        user=cast.clerk,
        version=version,
        data=FORM_DATA,
        applicant=services.Applicant(name="Lê Văn Cường", id_number=OWNER, phone="0912000111"),
        channel=1,
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    for user, action in [
        (cast.clerk, "receive"),
        (cast.specialist, "complete_step"),
        (cast.leader, "approve"),  # signs the e-result
        (cast.clerk, "issue_result"),  # hands it over: "result signed" → the store is owed it
    ]:
        dossier = act(user, dossier, action)
    return dossier


@pytest.fixture
def portal(sandbox):
    assert requests.post(f"{sandbox}/reset", json={}, timeout=5).status_code == 200
    return sandbox


def test_a_result_handed_over_reaches_the_citizens_national_store_once(portal):
    cast = make_cast()
    dossier = handed_over(cast)
    result = ResultDocument.objects.get(dossier=dossier)
    item = OutboxItem.objects.get(system="kho", key=dossier.code)
    assert item.operation == "ketqua" and item.payload == {"result": result.pk}
    assert store_results(portal, OWNER) == []  # nothing sent inside the request

    report = outbox.drain("kho")
    assert report.sent == 1, report
    listed = store_results(portal, OWNER)
    assert [(e["SoKyHieu"], e["MaHoSo"], e["CoQuanChuQuan"]) for e in listed] == [
        (result.number, dossier.code, result.agency.code)
    ]
    location = listed[0]["DanhSachTepDinhKem"][0]["DuongDan"]
    pushed = PushedResult.objects.get(result=result)
    assert (pushed.owner_number, pushed.location) == (OWNER, location)
    # the store holds the signed PDF itself
    answer = requests.post(
        f"{portal}/store/file",
        json={"DuongDan": location},
        auth=("tinhso-demo", "tinhso-demo"),
        timeout=5,
    ).json()
    content = base64.b64decode(answer["result"])
    assert hashlib.sha256(content).hexdigest() == result.sha256
    log = IntegrationLog.objects.get(system="kho", service="ketqua")
    assert log.outcome == "ok" and log.key == dossier.code
    assert base64.b64encode(content).decode()[:40] not in log.message  # no payload in the log

    assert outbox.drain("kho").sent == 0  # delivered once
    assert len(store_results(portal, OWNER)) == 1


def test_a_failing_store_keeps_the_push_queued_then_delivers_it(portal):
    cast = make_cast()
    dossier = handed_over(cast)
    knobs: dict[str, Any] = {"service": "kho", "HTTP5XX_RATE": 1}
    assert requests.post(f"{portal}/faults", json=knobs, timeout=5).ok
    assert outbox.drain("kho").retried == 1
    item = OutboxItem.objects.get(system="kho", key=dossier.code)
    assert item.status == "queued" and item.attempts == 1 and "502" in item.last_error

    knobs["HTTP5XX_RATE"] = 0
    assert requests.post(f"{portal}/faults", json=knobs, timeout=5).ok
    assert store_results(portal, OWNER) == []
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=item.created_at)
    assert outbox.drain("kho").sent == 1
    assert len(store_results(portal, OWNER)) == 1


def test_a_document_reused_from_the_national_store_is_flagged_upward(portal, client):
    # the store's answers come wrapped in ``message`` (R-NAT-004): the client unwraps them
    wrap = {"service": "kho", "WRAP_MESSAGE": True}
    assert requests.post(f"{portal}/faults", json=wrap, timeout=5).ok
    cast = make_cast()  # cast.citizen is 083095001234, whose store holds a birth certificate
    version = make_version(PROCEDURE, level="province", agencies=[cast.dept], receiving=cast.centre)
    client.force_login(cast.citizen)
    url = reverse("portal:apply", args=[version.procedure.code])
    page = client.get(url).content.decode()
    select = re.search(r'<select id="reuse-TK"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the national store's documents are offered"
    offered = dict(
        (label.strip(), value)
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])
    )
    choice = next(v for label, v in offered.items() if label.startswith("Giấy khai sinh"))
    assert "Kho dữ liệu trên Cổng DVCQG" in next(k for k in offered if k.startswith("Giấy khai"))

    response = client.post(url, {**FORM, "reuse.TK": choice, "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get(procedure_version=version)
    attachment = Attachment.objects.get(dossier=dossier, document_code="TK")
    copy = NationalCopy.objects.get(document=attachment.reused_from)
    assert (copy.owner_number, copy.result_code, copy.document_number) == (
        "083095001234",
        "KQ.KS",
        "125/2019/TLKS-BS",
    )
    assert attachment.sha256 == copy.sha256 and attachment.file.read().startswith(b"%PDF-")
    assert IntegrationLog.objects.filter(system="kho", service="GetGiayToByUrl").exists()

    act(cast.clerk, dossier, "receive")
    out = io.StringIO()
    call_command("national", "sync", stdout=out)
    papers = held(portal, str(dossier.code))["dossier"]["TaiLieuNop"]
    sent = next(p for p in papers if p["MaThanhPhanHoSo"] == "TK")
    assert (sent["DuocLayTuKhoDMQG"], sent["DuocTaiSuDung"], sent["MaKetQuaThayThe"]) == (
        "1",
        "2",
        "KQ.KS",
    )

    # Filing again: the copy is offered from the citizen's own store, not fetched twice.
    page = client.get(url).content.decode()
    assert page.count("125/2019/TLKS-BS") == 2  # TK and CCCD each list the local copy once
    assert NationalCopy.objects.count() == 1


def test_a_slow_store_does_not_hold_the_filing_page_past_the_short_timeout(
    portal, client, settings
):
    settings.TINHSO_DATASTORE_INTERACTIVE_TIMEOUT = 1.0
    knobs: dict[str, Any] = {"service": "kho", "TIMEOUT_RATE": 1, "TIMEOUT_SECONDS": 3}
    assert requests.post(f"{portal}/faults", json=knobs, timeout=5).ok
    cast = make_cast()
    version = make_version(PROCEDURE, level="province", agencies=[cast.dept], receiving=cast.centre)
    client.force_login(cast.citizen)
    started = time.monotonic()
    response = client.get(reverse("portal:apply", args=[version.procedure.code]))
    assert response.status_code == 200 and time.monotonic() - started < 2.5
    assert 'name="reuse.TK"' not in response.content.decode()
    assert IntegrationLog.objects.get(system="kho", service="GetKetQuaGiayTo").outcome == "timeout"


def test_a_push_timed_out_after_storing_is_retried_without_a_second_document(portal, settings):
    settings.TINHSO_DATASTORE_READ_TIMEOUT = 1.0
    knobs: dict[str, Any] = {
        "service": "kho",
        "TIMEOUT_RATE": 1,
        "TIMEOUT_SECONDS": 2,
        "TIMEOUT_AFTER_COMMIT": True,
    }
    assert requests.post(f"{portal}/faults", json=knobs, timeout=5).ok
    dossier = handed_over(make_cast())
    assert outbox.drain("kho").retried == 1
    item = OutboxItem.objects.get(system="kho", key=dossier.code)
    assert item.unknown_outcome and item.status == "queued"

    knobs["TIMEOUT_RATE"] = 0
    assert requests.post(f"{portal}/faults", json=knobs, timeout=5).ok
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=item.created_at)
    assert outbox.drain("kho").sent == 1
    assert len(store_results(portal, OWNER)) == 1  # stored by the first attempt, not twice
