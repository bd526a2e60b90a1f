"""The filing page offers the documents of the citizen's store on the national portal (R-NAT-070)
beside their Tỉnh Số store; a store that fails never blocks filing. The store is answered here by
``responses`` (its HTTP side is tested against the sandbox in integrations/tests)."""

import base64
import re

import pytest
import requests
import responses
from django.urls import reverse

from tinhso.dossiers.models import Attachment, Dossier
from tinhso.integrations.datastore.models import NationalCopy
from tinhso.testing import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

URL = "http://kho.test/store"
FORM = {"data.ho_ten": "Nguyễn Văn An", "data.ngay_sinh": "1995-03-02", "data.so_ban": "2"}
HELD = {
    "MaKetQua": "KQ.KS",
    "TenGiayTo": "Giấy khai sinh",
    "SoKyHieu": "125/2019/TLKS-BS",
    "CoQuanChuQuan": "000.00.15.H61",
    "NgayCap": "20190312090000",
    "DanhSachTepDinhKem": [{"TenTep": "ks.pdf", "DuongDan": "fixture/ks.pdf"}],
}


@pytest.fixture(autouse=True)
def _store(settings):
    settings.TINHSO_DATASTORE_URL = URL
    settings.TINHSO_DATASTORE_ENABLED = True


def apply_url(cast) -> str:
    return reverse("portal:apply", args=[cast.province_procedure.procedure.code])


def offered(html: str, select_id: str = "reuse-TK") -> dict[str, str]:
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select #{select_id}"
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(1))
    return {label.strip(): value for value, label in found if value}


def listing() -> None:
    body = {"errorCode": "0", "message": "", "result": {"DanhSachGiayToKetQua": [HELD]}}
    responses.get(f"{URL}/results", json=body)


@responses.activate
def test_the_national_stores_documents_are_offered_for_each_document(citizen_client, cast):
    listing()
    html = citizen_client.get(apply_url(cast)).content.decode()
    label = "Giấy khai sinh · Kho dữ liệu trên Cổng DVCQG · số 125/2019/TLKS-BS · 12/03/2019"
    assert list(offered(html)) == [label]
    assert list(offered(html, "reuse-CCCD")) == [label]
    assert "fixture/ks.pdf" not in html  # the national location is not put in the page
    assert "SoDinhDanh=083095001234" in str(responses.calls[0].request.url)


@responses.activate
def test_choosing_one_copies_it_and_files_it_as_reuse(citizen_client, cast):
    listing()
    file_body = {"errorCode": "0", "result": base64.b64encode(PDF_BYTES).decode()}
    responses.post(f"{URL}/file", json=file_body)
    choice = next(iter(offered(citizen_client.get(apply_url(cast)).content.decode()).values()))
    response = citizen_client.post(
        apply_url(cast), {**FORM, "reuse.TK": choice, "action": "submit"}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(dossier=Dossier.objects.get(), document_code="TK")
    copy = NationalCopy.objects.get()
    assert attachment.reused_from == copy.document and copy.document.owner == cast.citizen
    assert (copy.location, copy.issuer_code) == ("fixture/ks.pdf", "000.00.15.H61")
    assert attachment.sha256 == copy.sha256


@responses.activate
def test_a_file_the_store_cannot_give_is_an_error_on_that_document(citizen_client, cast):
    listing()
    responses.post(f"{URL}/file", body=requests.ReadTimeout("slow"))
    choice = next(iter(offered(citizen_client.get(apply_url(cast)).content.decode()).values()))
    response = citizen_client.post(
        apply_url(cast), {**FORM, "reuse.TK": choice, "action": "submit"}
    )
    assert response.status_code == 400
    assert "Chưa lấy được giấy tờ từ Kho dữ liệu trên Cổng DVCQG" in response.content.decode()
    assert not Dossier.objects.exists() and not NationalCopy.objects.exists()


@responses.activate
def test_an_unavailable_store_offers_nothing_and_filing_goes_on(citizen_client, cast):
    responses.get(f"{URL}/results", status=503, body="<html>503</html>")
    html = citizen_client.get(apply_url(cast)).content.decode()
    assert 'name="reuse.TK"' not in html
    response = citizen_client.post(
        apply_url(cast), {**FORM, "doc.TK": pdf_upload("to-khai.pdf"), "action": "submit"}
    )
    assert response.status_code == 302 and Dossier.objects.count() == 1


@responses.activate
def test_a_forged_choice_is_refused(citizen_client, cast):
    listing()
    response = citizen_client.post(
        apply_url(cast), {**FORM, "reuse.TK": "kho-0000000000", "action": "submit"}
    )
    assert response.status_code == 400 and not Dossier.objects.exists()
