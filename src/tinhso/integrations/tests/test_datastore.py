"""The data store's pieces without a server: reading its answers (R-NAT-003/004), whose store a
result goes to, the subscriber's items, the delivery's refusals, the flags sent upward (§2.3),
and the filing page's offers when the store does not answer."""

import datetime
import json

import pytest
import requests
import responses
from django.core.cache import cache

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.integrations.datastore import client as kho_client
from tinhso.integrations.datastore import reuse, system
from tinhso.integrations.datastore.models import NationalCopy
from tinhso.integrations.models import IntegrationLog, OutboxItem
from tinhso.integrations.national import mapping
from tinhso.stores import services as store_services
from tinhso.stores.models import StoredDocument
from tinhso.testing import FORM_DATA, PDF_BYTES, make_cast

URL = "http://kho.test/store"


@pytest.fixture(autouse=True)
def _store(settings):
    settings.TINHSO_DATASTORE_URL = URL
    settings.TINHSO_DATASTORE_ENABLED = True
    cache.clear()
    yield
    cache.clear()


def answer(status: int = 200, body=None, *, text: str | None = None, headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = (text if text is not None else json.dumps(body)).encode()
    response.headers.update(headers or {})
    return response


@pytest.mark.parametrize(
    ("response", "ok", "kind", "result"),
    [
        (answer(body={"errorCode": "0", "message": "", "result": {"a": 1}}), True, "ok", {"a": 1}),
        (answer(body={"errorCode": "00", "result": []}), True, "ok", []),
        (answer(body={"error_code": 0, "message": "ok", "result": "QUJD"}), True, "ok", "QUJD"),
        (answer(body={"errorCode": "0", "message": '{"result": {"x": 2}}'}), True, "ok", {"x": 2}),
        (answer(body={"errorCode": "-1", "message": "Sai"}), False, "rejected", None),
        (answer(401, {"errorCode": "-2", "message": "auth"}), False, "auth", None),
        (answer(502, text="<html>502</html>"), False, "server", None),
        (answer(200, text="<html>ok</html>"), False, "garbage", None),
        (answer(200, text=""), False, "garbage", None),
    ],
)
def test_store_answers_are_classified(response, ok, kind, result):
    reply = kho_client.interpret(response)
    assert (reply.ok, reply.kind, reply.result) == (ok, kind, result)


def test_a_rate_limited_answer_carries_retry_after():
    reply = kho_client.interpret(answer(429, text="slow", headers={"Retry-After": "30"}))
    assert (reply.kind, reply.retry_after) == ("rate_limited", 30.0)


def test_the_owner_is_the_dossiers_id_number_else_the_accounts():
    assert system.owner_number(Dossier(applicant_id_number="083095001234")) == "083095001234"
    assert system.owner_number(Dossier(applicant_id_number="0101234567-001")) == "0101234567-001"
    assert system.owner_number(Dossier(applicant_id_number="B1234567")) == ""  # passport: none


@responses.activate
def test_the_list_is_read_and_logged_without_its_content(db):
    held = {
        "MaKetQua": "KQ.KS",
        "TenGiayTo": "Giấy khai sinh",
        "SoKyHieu": "1/KS",
        "CoQuanChuQuan": "X",
        "NgayCap": "20200101080000",
        "DanhSachTepDinhKem": [{"TenTep": "ks.pdf", "DuongDan": "a/ks.pdf"}],
    }
    no_file = dict(held, DanhSachTepDinhKem=[])
    wrapped = json.dumps({"result": {"DanhSachGiayToKetQua": [held, no_file]}})
    responses.get(f"{URL}/results", json={"errorCode": "0", "message": wrapped, "signature": "s"})
    listed = kho_client.DatastoreClient(interactive=True).results("083095001234")
    assert [(d.title, d.location, d.result_code) for d in listed] == [
        ("Giấy khai sinh", "a/ks.pdf", "KQ.KS")
    ]
    assert str(responses.calls[0].request.headers["Authorization"]).startswith("Basic ")
    log = IntegrationLog.objects.get(system="kho", service="GetKetQuaGiayTo")
    assert log.outcome == "ok" and log.request_hash and "Giấy khai sinh" not in log.message


@responses.activate
def test_an_unanswering_store_offers_nothing_and_is_not_asked_again_at_once(db):
    cast = make_cast()
    responses.get(f"{URL}/results", body=requests.ConnectTimeout("no route"))
    assert reuse.offers(cast.citizen, []) == []
    assert reuse.offers(cast.citizen, []) == []
    assert len(responses.calls) == 1  # "down" is remembered for a minute
    assert IntegrationLog.objects.get(system="kho").outcome == "timeout"


def test_a_citizen_without_id_or_a_disabled_store_is_not_asked(db, settings):
    cast = make_cast()
    assert reuse.offers(cast.other_citizen, []) == []  # no personal ID, no tax code
    settings.TINHSO_DATASTORE_ENABLED = False
    assert reuse.offers(cast.citizen, []) == []
    assert not IntegrationLog.objects.exists()


def test_the_subscriber_owes_one_push_per_result_signed_event_with_an_owner(db, settings):
    cast = make_cast()
    owned, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
    )
    nameless, _ = services.file_dossier(
        user=cast.clerk,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant(name="Không Số", phone="0912000111"),
        channel=1,
    )
    at = datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC)
    signed = [
        DossierEvent.objects.create(
            dossier=d, kind=DossierEvent.Kind.RESULT_SIGNED, at=at, payload={"result": 7}
        )
        for d in (owned, nameless)
    ]
    other = DossierEvent.objects.create(dossier=owned, kind=DossierEvent.Kind.ACTION, at=at)
    OutboxItem.objects.filter(system="kho").delete()
    system.handle([*signed, other])
    system.handle(signed)  # delivered again: no second item
    items = list(OutboxItem.objects.filter(system="kho"))
    assert [(i.key, i.operation, i.payload) for i in items] == [
        (owned.code, "ketqua", {"result": 7})
    ]
    settings.TINHSO_DATASTORE_ENABLED = False
    OutboxItem.objects.filter(system="kho").delete()
    system.handle(signed)
    assert not OutboxItem.objects.filter(system="kho").exists()


def test_an_item_without_a_signed_result_is_refused_not_retried(db):
    item = OutboxItem(system="kho", operation="ketqua", key="X", payload={"result": 999999})
    outcome = system.DatastoreSystem().deliver(item)
    assert outcome.kind == "rejected" and "kết quả" in outcome.error


def _stored(owner, number: str) -> StoredDocument:
    return store_services.store_document(
        owner=owner,
        kind=StoredDocument.Kind.RESULT,
        title="Giấy khai sinh",
        content=PDF_BYTES,
        content_type="application/pdf",
        document_number=number,
    )


def test_papers_taken_from_the_national_store_are_flagged_upward(db):
    cast = make_cast()
    local = _stored(cast.citizen, "45/GKS")
    from_national = _stored(cast.citizen, "125/2019/TLKS-BS")
    no_code = _stored(cast.citizen, "9/KH")
    for document, code in ((from_national, "KQ.KS"), (no_code, "")):
        NationalCopy.objects.create(
            document=document,
            owner_number="083095001234",
            result_code=code,
            document_number=document.document_number,
            issuer_code="000.00.15.H61",
            location=f"fixture/{document.pk}.pdf",
            sha256=document.sha256,
        )
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
        files=[
            services.NewFile("TK", stored=from_national),
            services.NewFile("CCCD", stored=local),
            services.NewFile("CCCD", stored=no_code),
        ],
    )
    papers = mapping.dossier_message(mapping.load(dossier.pk))["TaiLieuNop"]
    flags = sorted(
        (p["MaThanhPhanHoSo"], p["DuocLayTuKhoDMQG"], p["DuocTaiSuDung"], p["MaKetQuaThayThe"])
        for p in papers
    )
    assert flags == [
        ("CCCD", "0", "1", ""),  # the citizen's Tỉnh Số store: reused, not from Kho DMQG
        ("CCCD", "1", "1", ""),  # national store, no result code given
        ("TK", "1", "2", "KQ.KS"),  # national store: a prior result replaces the component
    ]
