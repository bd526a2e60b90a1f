"""The e-result follows the dossier-changed event: signed first, then the applicant is told."""

from django.core.management import call_command

from tinhso.dossiers.models import DossierEvent
from tinhso.notifications.models import Delivery
from tinhso.results.models import ResultDocument
from tinhso.results.tests.conftest import to_result_ready


def result_ready_notices(dossier) -> list[tuple[str, int]]:
    return list(
        Delivery.objects.filter(dossier=dossier, event="result_ready")
        .order_by("channel")
        .values_list("channel", "history_seq")
    )


def test_issuing_the_result_signs_it_and_then_tells_the_applicant(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = to_result_ready(cast)
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.is_signed
    issued = dossier.history.get(action="issue_result")
    signed = DossierEvent.objects.get(dossier=dossier, kind="result_signed")
    assert signed.history_seq == issued.seq
    assert signed.payload == {
        "result": result.pk,
        "number": result.number,
        "notify": "result_ready",
    }
    assert signed.pk > DossierEvent.objects.get(dossier=dossier, action="issue_result").pk
    assert result_ready_notices(dossier) == [("email", issued.seq), ("sms", issued.seq)]


def test_no_result_ready_notice_until_the_result_is_signed(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.TINHSO_SIGNER_DEFAULT = ""  # no signer configured: signing fails
    with django_capture_on_commit_callbacks(execute=True):
        dossier = to_result_ready(cast)
    assert not ResultDocument.objects.filter(dossier=dossier, signed_at__isnull=False).exists()
    assert not DossierEvent.objects.filter(dossier=dossier, kind="result_signed").exists()
    assert result_ready_notices(dossier) == []

    settings.TINHSO_SIGNER_DEFAULT = "demo"  # the operator fixes it and catches up
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sign_results")
    seq = dossier.history.get(action="issue_result").seq
    assert result_ready_notices(dossier) == [("email", seq), ("sms", seq)]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sign_results")  # nothing left to sign, nothing announced twice
    assert DossierEvent.objects.filter(dossier=dossier, kind="result_signed").count() == 1
