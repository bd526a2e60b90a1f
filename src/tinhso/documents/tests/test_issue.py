import hashlib

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError

from tinhso.documents import services
from tinhso.documents.models import IssuedSlip
from tinhso.documents.tasks import issue_slip_task
from tinhso.documents.tests import factories as f
from tinhso.documents.tests import pdftools
from tinhso.dossiers.models import Status

pytestmark = pytest.mark.django_db


def _stored_slips(dossier):
    _, files = (
        default_storage.listdir(f"slips/{dossier.pk}")
        if default_storage.exists(f"slips/{dossier.pk}")
        else ([], [])
    )
    return files


def test_issue_slip_stores_the_pdf_and_records_instrument_form_and_issuer(
    tmp_path, dossier, receipt_entry, clerk
):
    slip = services.issue_slip(dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq)

    content = default_storage.open(slip.file.name).read()
    assert (slip.instrument, slip.form_number, slip.kind) == ("03/2025/TT-VPCP", "01", "receipt")
    assert slip.issued_by == clerk
    assert slip.history_seq == receipt_entry.seq
    assert slip.sha256 == hashlib.sha256(content).hexdigest()
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in pdftools.text(tmp_path, content)


def test_issuing_twice_returns_the_same_slip_and_writes_one_file(dossier, receipt_entry):
    first = services.issue_slip(
        dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq
    )
    second = services.issue_slip(
        dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq
    )

    assert second.pk == first.pk
    assert second.sha256 == first.sha256
    assert IssuedSlip.objects.count() == 1
    assert _stored_slips(dossier) == ["receipt-1.pdf"]


def test_losing_a_race_returns_the_winner_and_deletes_the_losers_file(
    monkeypatch, dossier, receipt_entry
):
    winner = services.issue_slip(
        dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq
    )
    real_find = services._find_issued
    calls = []

    def find_nothing_first(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_find(*args)

    monkeypatch.setattr(services, "_find_issued", find_nothing_first)

    loser = services.issue_slip(
        dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq
    )

    assert loser.pk == winner.pk
    assert len(calls) == 2
    assert _stored_slips(dossier) == ["receipt-1.pdf"]


def test_failed_insert_leaves_no_orphan_file(monkeypatch, dossier, receipt_entry):
    def broken_save(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(IssuedSlip, "save", broken_save)

    with pytest.raises(DatabaseError):
        services.issue_slip(dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq)

    assert _stored_slips(dossier) == []
    assert not IssuedSlip.objects.exists()


def test_issued_slip_cannot_be_changed_or_deleted(dossier, receipt_entry):
    slip = services.issue_slip(dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq)

    slip.form_number = "99"
    with pytest.raises(ValueError, match="immutable"):
        slip.save()
    with pytest.raises(ValueError, match="immutable"):
        slip.delete()
    assert IssuedSlip.objects.get(pk=slip.pk).form_number == "01"


def test_database_refuses_a_second_slip_of_a_kind_for_one_history_entry(dossier, receipt_entry):
    slip = services.issue_slip(dossier_id=dossier.pk, kind="receipt", history_seq=receipt_entry.seq)

    with pytest.raises(IntegrityError):
        IssuedSlip.objects.create(
            dossier=dossier,
            kind="receipt",
            instrument=slip.instrument,
            form_number="01",
            history_seq=receipt_entry.seq,
            issued_at=slip.issued_at,
            file="slips/x.pdf",
            sha256="0" * 64,
        )


def test_slip_for_a_withdrawal_by_the_applicant_has_no_issuing_official(dossier):
    entry = f.history(
        dossier,
        "withdraw",
        at=f.at(27, 16),
        actor=dossier.applicant,
        actor_role="applicant",
        from_status=Status.PROCESSING,
    )

    slip = services.issue_slip(dossier_id=dossier.pk, kind="stop", history_seq=entry.seq)

    assert (slip.form_number, slip.issued_by) == ("05", None)


def test_issuing_for_a_mismatched_entry_fails_without_writing(dossier, receipt_entry):
    with pytest.raises(ValueError):
        services.issue_slip(dossier_id=dossier.pk, kind="refusal", history_seq=receipt_entry.seq)

    assert _stored_slips(dossier) == []


def test_task_issues_the_slip_by_ids(dossier, leader):
    entry = f.history(
        dossier,
        "apologize",
        at=f.at(27, 9),
        actor=leader,
        comment="Cần xác minh",
        details={"previous_due_at": f.at(28, 9, 5).isoformat()},
    )

    slip_id = issue_slip_task.apply(args=(dossier.pk, "apology", entry.seq)).get()

    slip = IssuedSlip.objects.get(pk=slip_id)
    assert (slip.kind, slip.form_number, slip.issued_by) == ("apology", "04", leader)
