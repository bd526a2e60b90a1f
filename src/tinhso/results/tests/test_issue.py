"""Issuing a result: register numbers, the stored record, the copy in the applicant's store,
idempotency, retries after a failed signature, and revocation."""

import hashlib
import os

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from tinhso.results import services, signing
from tinhso.results.models import ResultCounter, ResultDocument
from tinhso.results.tests.conftest import (
    BIRTH_DATA,
    at,
    counter_result_ready,
    run,
    to_result_ready,
    write,
)
from tinhso.stores.models import StoredDocument


def media_files(settings) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, name) for name in files]
    return found


def test_result_is_numbered_in_the_agency_register_and_stored_with_its_hash(cast, settings):
    dossier = to_result_ready(cast)
    result = services.issue_result(dossier_id=dossier.pk)
    year = result.created_at.astimezone(at(2025, 1, 1).tzinfo).year
    assert result.number == f"1/{year}/PHUKHUONG-KQ"
    assert result.agency == cast.commune and result.dossier == dossier
    with result.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert result.sha256 == hashlib.sha256(content).hexdigest() and result.size == len(content)
    assert result.signed_at is not None and result.signer_backend == "demo"
    assert len(result.signer_fingerprint) == 64
    assert len(result.public_token) == 32
    second = services.issue_result(dossier_id=to_result_ready(cast).pk)
    assert second.number == f"2/{year}/PHUKHUONG-KQ"


def test_numbers_are_per_agency_and_restart_each_year(cast):
    with time_machine.travel(at(2025, 12, 31, 16, 0), tick=False):
        first = services.reserve_result(dossier_id=to_result_ready(cast).pk)
        province = services.reserve_result(
            dossier_id=to_result_ready(cast, cast.province_procedure).pk
        )
    with time_machine.travel(at(2026, 1, 2, 9, 0), tick=False):
        next_year = services.reserve_result(dossier_id=to_result_ready(cast).pk)
    assert first.number == "1/2025/PHUKHUONG-KQ"
    assert province.number == "1/2025/STP-KQ"  # the competent department, not the counter
    assert next_year.number == "1/2026/PHUKHUONG-KQ"
    assert ResultCounter.objects.get(agency=cast.commune, year=2025).last == 1


def test_issuing_twice_returns_the_same_result_one_file_one_store_copy(cast, settings):
    dossier = to_result_ready(cast)
    first = services.issue_result(dossier_id=dossier.pk)
    again = services.issue_result(dossier_id=dossier.pk)
    assert again.pk == first.pk and again.sha256 == first.sha256
    assert ResultDocument.objects.count() == 1
    assert StoredDocument.objects.filter(kind="result").count() == 1
    results = [f for f in media_files(settings) if os.sep + "results" + os.sep in f]
    assert len(results) == 1


def test_a_copy_lands_in_the_applicants_store(cast, birth_version):
    dossier = to_result_ready(cast, birth_version, BIRTH_DATA)
    result = services.issue_result(dossier_id=dossier.pk)
    stored = StoredDocument.objects.get(kind=StoredDocument.Kind.RESULT)
    assert stored.owner == cast.citizen and stored.dossier == dossier
    assert stored.title == "Giấy khai sinh (bản điện tử)" == result.title
    assert stored.document_number == result.number
    assert stored.issuer == cast.commune and stored.issued_at == result.signed_at
    assert stored.sha256 == result.sha256 and not stored.revoked
    with stored.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == result.sha256


def test_a_dossier_without_applicant_account_gets_no_store_copy(cast):
    dossier = counter_result_ready(cast)
    result = services.issue_result(dossier_id=dossier.pk)
    assert result.is_signed
    assert not StoredDocument.objects.exists()


def test_generic_template_prints_procedure_decision_and_form(cast, tmp_path):
    version = cast.commune_procedure
    version.result_description = "Văn bản chấp thuận của Ủy ban nhân dân phường"
    version.save()
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    assert result.title == "Kết quả giải quyết thủ tục hành chính"
    with result.file.open("rb") as handle:
        pdf = write(tmp_path, handle.read(), "r.pdf")
    text = " ".join(run("pdftotext", str(pdf), "-").stdout.split())
    assert "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "Cấp giấy khai sinh 1.000001 (mã 1.000001)" in text
    assert f"Mã hồ sơ: {result.dossier.code}" in text
    assert "Tổ chức, cá nhân yêu cầu: Nguyễn Văn An" in text
    assert "Văn bản chấp thuận của Ủy ban nhân dân phường" in text
    assert "Họ và tên người được cấp: Nguyễn Văn An" in text
    assert "Ngày sinh: 02/03/1995" in text


def test_a_dossier_without_result_cannot_be_issued(cast):
    dossier = to_result_ready(cast)
    dossier.status = "processing"
    dossier.save(update_fields=["status"])
    with pytest.raises(services.ResultNotReady):
        services.issue_result(dossier_id=dossier.pk)
    assert not ResultDocument.objects.exists() and not ResultCounter.objects.exists()


def test_a_failed_signature_keeps_the_number_and_a_retry_finishes_it(cast, monkeypatch, settings):
    dossier = to_result_ready(cast)
    settings.TINHSO_SIGNER_DEFAULT = ""
    with pytest.raises(ImproperlyConfigured):
        services.issue_result(dossier_id=dossier.pk)
    reserved = ResultDocument.objects.get(dossier=dossier)
    assert not reserved.is_signed and reserved.file.name == ""
    assert not [f for f in media_files(settings) if os.sep + "results" + os.sep in f]
    settings.TINHSO_SIGNER_DEFAULT = "demo"
    finished = services.issue_result(dossier_id=dossier.pk)
    assert finished.pk == reserved.pk and finished.number == reserved.number and finished.is_signed
    assert ResultCounter.objects.get(agency=cast.commune).last == 1  # no number skipped


def test_signed_results_are_immutable(cast):
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    result.title = "Khác"
    with pytest.raises(ValueError):
        result.save()
    with pytest.raises(ValueError):
        result.save(update_fields=["sha256"])
    with pytest.raises(ValueError):
        result.delete()


def test_sign_result_task_is_idempotent(cast):
    from tinhso.results.tasks import sign_result_task

    dossier = to_result_ready(cast)
    first = sign_result_task(dossier.pk)
    assert sign_result_task(dossier.pk) == first
    assert ResultDocument.objects.get().pk == first


# --- revocation ---------------------------------------------------------------------------------


def test_leader_of_the_issuing_agency_revokes_and_the_store_copy_follows(cast):
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    revoked = services.revoke_result(
        user=cast.commune_leader, result=result, reason="  Cấp sai   ngày sinh "
    )
    assert revoked.revoked and revoked.revoked_at is not None
    assert revoked.reason == "Cấp sai ngày sinh" and revoked.revoked_by == cast.commune_leader
    assert revoked.file.name == result.file.name  # the file is kept (R-ERES-2)
    assert StoredDocument.objects.get(kind="result").revoked
    entry = revoked.dossier.history.get(
        action="result_revoked"
    )  # the applicant sees it in the history
    assert entry.comment == "Cấp sai ngày sinh" and entry.actor == cast.commune_leader
    assert entry.details == {"number": result.number}


@pytest.mark.parametrize("who", ["commune_specialist", "leader", "citizen"])
def test_others_cannot_revoke(cast, who):
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    with pytest.raises(services.RevokeNotAllowed):
        services.revoke_result(user=getattr(cast, who), result=result, reason="Sai")
    result.refresh_from_db()
    assert not result.revoked


def test_revocation_needs_a_reason_and_happens_once(cast):
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    with pytest.raises(services.InvalidRevocation):
        services.revoke_result(user=cast.commune_leader, result=result, reason="   ")
    services.revoke_result(user=cast.commune_leader, result=result, reason="Sai thông tin")
    with pytest.raises(services.ResultError):
        services.revoke_result(user=cast.commune_leader, result=result, reason="Lần nữa")


def test_signer_selection_reads_the_agency_environment(cast, monkeypatch, settings):
    assert isinstance(signing.signer_for(cast.dept), signing.DemoSigner)
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS12", "/nonexistent.p12")
    assert isinstance(signing.signer_for(cast.dept), signing.Pkcs12Signer)
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
    with pytest.raises(ImproperlyConfigured):
        signing.signer_for(cast.dept)  # both configured
    monkeypatch.delenv("TINHSO_SIGNER_STP_PKCS12")
    assert isinstance(signing.signer_for(cast.dept), signing.Pkcs11Signer)
    settings.TINHSO_SIGNER_DEFAULT = ""
    with pytest.raises(ImproperlyConfigured):
        signing.signer_for(cast.commune)  # production: no silent demo signing


def test_signing_a_result_reaches_the_operations_centres_fact(cast):
    """The signature is written by a conditional UPDATE (two workers cannot both sign); the
    operations centre's fact must still see the e-result (Decision 766 indicator 4.1)."""
    from tinhso.dossiers.models import Dossier
    from tinhso.ioc import receivers
    from tinhso.ioc.facts import fact_for
    from tinhso.ioc.models import DossierFact

    dossier = to_result_ready(cast)
    receivers.catch_up()
    assert DossierFact.objects.get(dossier_id=dossier.pk).eresult is False
    services.issue_result(dossier_id=dossier.pk)
    receivers.catch_up()  # the signature recorded its event: the worker folds it in
    live = DossierFact.objects.get(dossier_id=dossier.pk)
    assert live.eresult is True
    recomputed = fact_for(Dossier.objects.get(pk=dossier.pk))
    assert recomputed is not None and live.eresult == recomputed.eresult
