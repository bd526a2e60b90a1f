"""Signed, expiring links through which the national side fetches dossier files (R-NAT-035)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.core.files.base import ContentFile

from tinhso.audit.models import AuditEntry
from tinhso.integrations.national import links
from tinhso.results.models import ResultDocument
from tinhso.testing import PDF_BYTES, file_online, make_cast

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SITE = "https://dvc.example.vn"


@pytest.fixture
def dossier(db, settings):
    settings.TINHSO_SITE_URL = SITE
    settings.TINHSO_NATIONAL_FILE_LINK_DAYS = 30
    cast = make_cast()
    return file_online(cast)


def path_of(url: str) -> str:
    assert url.startswith(SITE)
    return url.removeprefix(SITE)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def signed_result(dossier) -> ResultDocument:
    result = ResultDocument(
        dossier=dossier, agency=dossier.agency, year=2025, sequence=1, number="01/2025/KQ-STP",
        sha256="cd" * 32, size=len(PDF_BYTES), signed_at=datetime.datetime.now(TZ),
    )  # fmt: skip
    result.file.save("kq.pdf", ContentFile(PDF_BYTES), save=False)
    result.save()
    return result


def test_attachment_link_serves_the_file_uncached_and_audits_the_download(client, dossier):
    attachment = dossier.attachments.get()
    url = links.attachment_link(attachment)
    assert "/lien-thong/tep/" in url
    response = client.get(path_of(url))
    assert response.status_code == 200
    assert body(response) == PDF_BYTES
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/pdf"
    entry = AuditEntry.objects.get(action="national.file_download")
    assert entry.actor is None and entry.target == f"dossier:{dossier.pk}"
    assert entry.details == {"kind": "attachment", "id": attachment.pk}


def test_signed_result_link_serves_the_pdf(client, dossier):
    result = signed_result(dossier)
    response = client.get(path_of(links.result_link(result)))
    assert response.status_code == 200 and body(response) == PDF_BYTES
    assert response["Cache-Control"] == "no-store"


def test_revoked_result_link_is_404(client, dossier):
    result = signed_result(dossier)
    url = links.result_link(result)
    result.revoked, result.revoked_at, result.reason = True, datetime.datetime.now(TZ), "Sai"
    result.save(update_fields=["revoked", "revoked_at", "reason"])
    assert client.get(path_of(url)).status_code == 404


def test_tampered_token_is_404_and_not_audited(client, dossier):
    url = links.attachment_link(dossier.attachments.get())
    token = url.rstrip("/").rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.get(f"/lien-thong/tep/{forged}/").status_code == 404
    assert client.get("/lien-thong/tep/khong-hop-le/").status_code == 404
    assert not AuditEntry.objects.filter(action="national.file_download").exists()


def test_token_signed_with_another_salt_is_404(client, dossier):
    attachment = dossier.attachments.get()
    other = signing.dumps(["a", attachment.pk, dossier.pk, attachment.sha256[:16]], compress=True)
    assert client.get(f"/lien-thong/tep/{other}/").status_code == 404


def test_link_bound_to_the_file_it_was_made_for(client, dossier):
    attachment = dossier.attachments.get()
    token = links.make_token("attachment", attachment.pk, dossier.pk, "0" * 64)
    assert client.get(f"/lien-thong/tep/{token}/").status_code == 404


def test_link_expires_after_the_configured_days(client, dossier):
    start = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=TZ)
    with time_machine.travel(start, tick=False):
        url = links.attachment_link(dossier.attachments.get())
    with time_machine.travel(start + datetime.timedelta(days=29, hours=23), tick=False):
        assert client.get(path_of(url)).status_code == 200
    with time_machine.travel(start + datetime.timedelta(days=30, minutes=1), tick=False):
        assert client.get(path_of(url)).status_code == 404


def test_head_answers_the_headers_without_an_audited_download(client, dossier):
    attachment = dossier.attachments.get()
    response = client.head(path_of(links.attachment_link(attachment)))
    assert response.status_code == 200 and response.content == b""
    assert response["Content-Length"] == str(attachment.size)
    assert response["Cache-Control"] == "no-store"
    assert not AuditEntry.objects.filter(action="national.file_download").exists()


def test_only_get_and_head_are_served(client, dossier):
    url = links.attachment_link(dossier.attachments.get())
    assert client.post(path_of(url)).status_code == 405
