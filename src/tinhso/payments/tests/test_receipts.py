"""E-receipts: amounts in Vietnamese words, a PDF with the embedded font and every required fact,
stored once with its SHA-256, copied to the applicant's personal store, issued after commit."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from tinhso.documents.tests import pdftools
from tinhso.payments import receipts, services
from tinhso.payments.models import EReceipt, Payment
from tinhso.payments.statements import receive_transfer
from tinhso.payments.tests.test_statements import credit
from tinhso.payments.tests.vietqr_support import configure, filed, vietqr_payment
from tinhso.stores.models import StoredDocument
from tinhso.testing import make_cast


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (15000, "Mười lăm nghìn đồng"),
        (100000, "Một trăm nghìn đồng"),
        (150000, "Một trăm năm mươi nghìn đồng"),
        (1000000, "Một triệu đồng"),
        (1005000, "Một triệu không trăm linh năm nghìn đồng"),
        (1234567, "Một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy đồng"),
        (2000000000, "Hai tỷ đồng"),
        (1050000000, "Một tỷ không trăm năm mươi triệu đồng"),
    ],
)
def test_amount_in_words(amount, words):
    assert receipts.amount_in_words(amount) == words


@pytest.fixture
def cast(db, settings):
    configure(settings)
    return make_cast()


def paid_counter(cast, dossier=None, method="cash"):
    dossier = dossier or filed(cast)
    payment, _ = services.start_payment(user=cast.clerk, dossier=dossier, provider_id="counter")
    payment, _ = services.confirm_payment(
        reference=payment.reference,
        amount=payment.amount,
        source="counter",
        data={"method": method},
        actor=cast.clerk,
    )
    return payment


def test_receipt_pdf_states_every_fact_in_vietnamese_with_the_embedded_font(cast, tmp_path):
    payment = paid_counter(cast)
    receipt = receipts.issue_receipt(payment.pk)
    content = default_storage.open(receipt.file.name).read()
    text = pdftools.text(tmp_path, content)
    dossier = payment.dossier
    for fact in [
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "Sở Tư pháp",  # the agency collecting the fee
        "Trung tâm PVHCC",  # where the dossier was received
        "Nguyễn Văn An",
        dossier.code,
        "Cấp giấy khai sinh 2.000001",
        "100.000 đồng",
        "Một trăm nghìn đồng",
        "Nộp tại quầy (tiền mặt, thẻ) — tiền mặt",
        payment.reference,
        "ttpvhcc.clerk",
    ]:
        assert fact in text, fact
    fonts = pdftools.fonts(tmp_path, content)
    assert fonts and all(f["emb"] == "yes" and "Be-Vietnam-Pro" in f["name"] for f in fonts)


def test_receipt_is_stored_once_with_its_hash_and_copied_to_the_applicants_store(cast):
    payment = paid_counter(cast)
    receipt = receipts.issue_receipt(payment.pk)
    content = default_storage.open(receipt.file.name).read()
    assert receipt.sha256 == hashlib.sha256(content).hexdigest() and receipt.size == len(content)
    assert receipt.number == payment.reference
    stored = StoredDocument.objects.get(owner=cast.citizen, kind="receipt")
    assert receipt.stored_document == stored
    assert stored.sha256 == receipt.sha256 and stored.dossier == payment.dossier
    assert default_storage.open(stored.file.name).read() == content
    assert stored.file.name != receipt.file.name  # the store's copy is the citizen's own

    again = receipts.issue_receipt(payment.pk)
    assert again.pk == receipt.pk and EReceipt.objects.count() == 1
    assert StoredDocument.objects.filter(kind="receipt").count() == 1
    with pytest.raises(ValueError, match="immutable"):
        receipt.save()


def test_counter_dossier_without_an_account_gets_no_store_copy(cast):
    from tinhso.dossiers.models import Dossier

    payment = paid_counter(cast)
    Dossier.objects.filter(pk=payment.dossier_id).update(applicant=None)
    receipt = receipts.issue_receipt(payment.pk)
    assert receipt.stored_document is None and not StoredDocument.objects.exists()


def test_no_receipt_for_an_unpaid_payment(cast):
    payment, _ = vietqr_payment(cast)
    with pytest.raises(ValueError):
        receipts.issue_receipt(payment.pk)
    assert not EReceipt.objects.exists()


def test_failed_recording_leaves_no_file_behind(cast, monkeypatch):
    payment = paid_counter(cast)

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(EReceipt.objects, "create", broken)
    with pytest.raises(RuntimeError):
        receipts.issue_receipt(payment.pk)
    assert not StoredDocument.objects.exists()
    folders, files = (
        default_storage.listdir("receipts") if default_storage.exists("receipts") else ([], [])
    )
    assert not any(default_storage.listdir(f"receipts/{f}")[1] for f in folders) and not files


def test_enqueued_receipt_is_issued_only_after_commit(cast, django_capture_on_commit_callbacks):
    payment, _ = vietqr_payment(cast)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receive_transfer(data=credit(payment.reference), source="webhook")
        receipts.enqueue_receipt(payment.pk)
    assert not EReceipt.objects.exists()
    for callback in callbacks:
        callback()
    receipt = EReceipt.objects.get(payment=payment)
    assert "VietQR" in pdftools_text(receipt)


def pdftools_text(receipt):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        return pdftools.text(Path(folder), default_storage.open(receipt.file.name).read())


def test_online_receipt_names_the_bank_transaction(cast):
    payment, _ = vietqr_payment(cast)
    receive_transfer(data=credit(payment.reference, reference="FT25329123"), source="webhook")
    text = pdftools_text(receipts.issue_receipt(payment.pk))
    assert "VietQR (chuyển khoản ngân hàng)" in text and "FT25329123" in text
    assert "(Thu trực tuyến)" in text


# --- the counter page and the receipt download -------------------------------------------------


def test_clerk_records_a_card_payment_at_the_counter_and_prints_the_receipt(cast, client):
    dossier = filed(cast)
    client.force_login(cast.clerk)
    page = client.get(f"/backoffice/thanh-toan/tai-quay/{dossier.code}/")
    assert page.status_code == 200 and "100.000 đồng" in page.content.decode()
    response = client.post(f"/backoffice/thanh-toan/tai-quay/{dossier.code}/", {"method": "card"})
    assert response.status_code == 302
    payment = Payment.objects.get(dossier=dossier, status="succeeded")
    assert (
        payment.provider == "counter"
        and payment.events.get(kind="succeeded").data["method"] == "card"
    )
    dossier.refresh_from_db()
    assert (
        dossier.status == "processing" and dossier.paid_amount == 100000 and not dossier.paid_online
    )
    pdf = client.get(f"/backoffice/thanh-toan/bien-lai/{payment.pk}/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == payment.receipt.sha256
    # Nothing left to pay: a second submission records nothing.
    again = client.post(f"/backoffice/thanh-toan/tai-quay/{dossier.code}/", {"method": "cash"})
    assert again.status_code == 400
    assert Payment.objects.filter(dossier=dossier).count() == 1


def test_counter_finder_redirects_to_the_dossier(cast, client):
    dossier = filed(cast)
    client.force_login(cast.clerk)
    response = client.get("/backoffice/thanh-toan/tai-quay/", {"ma": dossier.code})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/tai-quay/{dossier.code}/"
    )


@pytest.mark.parametrize("actor", ["leader", "specialist", "other_clerk", "citizen"])
def test_only_a_clerk_of_the_dossier_records_counter_payments(cast, client, actor):
    dossier = filed(cast)
    client.force_login(getattr(cast, actor))
    url = f"/backoffice/thanh-toan/tai-quay/{dossier.code}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"method": "cash"}).status_code == 404
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("actor", "status"),
    [("leader", 200), ("specialist", 404), ("other_clerk", 404), ("citizen", 404)],
)
def test_receipt_download_is_for_staff_of_the_dossier(cast, client, actor, status):
    payment = paid_counter(cast)
    client.force_login(getattr(cast, actor))
    assert client.get(f"/backoffice/thanh-toan/bien-lai/{payment.pk}/").status_code == status


def test_a_receipt_whose_task_was_lost_is_issued_by_the_sweep(cast, settings):
    """The task queued at commit never ran (here: the test's transaction never commits, as when
    the broker lost it): the beat sweep queues it again once the grace period has passed, only
    within its window, and issuing stays idempotent."""
    import datetime

    from django.utils import timezone

    settings.TINHSO_CATCHUP_GRACE_SECONDS = 120
    payment = paid_counter(cast)
    too_old = paid_counter(cast)
    assert not EReceipt.objects.exists()
    Payment.objects.filter(pk=too_old.pk).update(
        paid_at=timezone.now() - receipts.RECEIPT_SWEEP_WINDOW - datetime.timedelta(minutes=1)
    )
    assert receipts.sweep_missing_receipts() == 0  # one within the grace period, one too old
    Payment.objects.filter(pk=payment.pk).update(
        paid_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert receipts.sweep_missing_receipts() == 1  # eager in tests: issued right away
    receipt = EReceipt.objects.get(payment=payment)
    assert receipts.sweep_missing_receipts() == 0
    assert list(EReceipt.objects.all()) == [receipt]
