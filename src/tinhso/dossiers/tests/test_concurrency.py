"""Codes stay unique and history stays consistent when requests race (file SQLite or PostgreSQL)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, HistoryEntry
from tinhso.testing import FORM_DATA, make_cast, run_in_threads

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_sequential_codes():
    cast = make_cast()
    applicant = services.Applicant.from_user(cast.citizen)

    def submit(i: int):
        dossier, _ = services.file_dossier(
            user=cast.citizen, version=cast.province_procedure, data=FORM_DATA, applicant=applicant
        )
        return dossier.code

    outcomes = run_in_threads(8, submit)
    assert all(isinstance(code, str) for code in outcomes), outcomes
    assert len(set(outcomes)) == 8
    sequences = sorted(int(code.rsplit("-", 1)[1]) for code in outcomes)
    assert sequences == list(range(1, 9))


@pytest.mark.django_db(transaction=True)
def test_two_officials_acting_at_once_do_not_corrupt_history():
    cast = make_cast()
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
    )
    dossier.attachments.create(
        document_code="TK",
        file="x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=cast.citizen,
    )

    def act(i: int):
        action = "receive" if i % 2 == 0 else "refuse"
        return services.perform_action(
            user=cast.clerk,
            dossier=dossier,
            request=services.ActionRequest(action=action, comment="Lý do"),
        )

    outcomes = run_in_threads(4, act)
    succeeded = [o for o in outcomes if isinstance(o, Dossier)]
    refused = [o for o in outcomes if isinstance(o, services.ActionNotAllowed)]
    assert len(succeeded) == 1 and len(refused) == 3, outcomes
    seqs = list(
        HistoryEntry.objects.filter(dossier=dossier).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == [1, 2]
    assert Dossier.objects.get(pk=dossier.pk).status == succeeded[0].status


def test_code_day_is_vietnam_local_day(db):
    import time_machine

    cast = make_cast()
    # 23:30 UTC on 24/11 is 06:30 on 25/11 in Việt Nam.
    with time_machine.travel(
        datetime.datetime(2025, 11, 24, 23, 30, tzinfo=datetime.UTC), tick=False
    ):
        dossier, _ = services.file_dossier(
            user=cast.citizen,
            version=cast.province_procedure,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
        )
    assert "-251125-" in dossier.code


def test_sequence_grows_beyond_four_digits(db):
    cast = make_cast()
    from django.utils import timezone

    from tinhso.dossiers.models import DailyCounter

    DailyCounter.objects.create(unit_code=cast.centre.code, day=timezone.localdate(), last=9999)
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
    )
    assert dossier.code.endswith("-10000")


@pytest.mark.django_db(transaction=True)
def test_filings_with_and_without_files_race_to_distinct_sequential_codes():
    """A filing with files is saved as a draft and numbered after its files are written; one
    without is numbered first. Racing together, they share one gap-free sequence."""
    from tinhso.testing import pdf_upload
    from tinhso.uploads import check_upload

    cast = make_cast()
    applicant = services.Applicant.from_user(cast.citizen)

    def submit(i: int):
        files = [services.NewFile("TK", check_upload(pdf_upload()))] if i % 2 else []
        dossier, _ = services.file_dossier(
            user=cast.citizen,
            version=cast.province_procedure,
            data=FORM_DATA,
            applicant=applicant,
            files=files,
        )
        return dossier.code

    outcomes = run_in_threads(8, submit)
    assert all(isinstance(code, str) for code in outcomes), outcomes
    assert sorted(int(code.rsplit("-", 1)[1]) for code in outcomes) == list(range(1, 9))
    filed = Dossier.objects.filter(code__in=outcomes)
    assert filed.filter(status="submitted", history_seq=1).count() == 8
    assert filed.filter(attachments__document_code="TK").count() == 4
    assert HistoryEntry.objects.filter(dossier__in=filed, seq=1, action="submit").count() == 8


def test_a_filing_rolled_back_after_taking_its_number_leaves_no_gap(db, monkeypatch):
    cast = make_cast()
    applicant = services.Applicant.from_user(cast.citizen)

    def file(**extra):
        return services.file_dossier(
            user=cast.citizen,
            version=cast.province_procedure,
            data=FORM_DATA,
            applicant=applicant,
            **extra,
        )[0]

    def broken(*args, **kwargs):
        raise RuntimeError("the event could not be written")

    with monkeypatch.context() as patched:
        patched.setattr(services, "_announce", broken)
        with pytest.raises(RuntimeError):
            file()
        with pytest.raises(RuntimeError):
            file(files=[services.NewFile("TK", _upload())])
    assert not Dossier.objects.exists()
    assert file().code.endswith("-0001")
    assert file(files=[services.NewFile("TK", _upload())]).code.endswith("-0002")


def _upload():
    from tinhso.testing import pdf_upload
    from tinhso.uploads import check_upload

    return check_upload(pdf_upload())
