"""Management commands: catching up unsigned results, and revoking one."""

import pytest
from django.core.management import CommandError, call_command

from tinhso.results.models import ResultDocument
from tinhso.results.tests.conftest import to_result_ready


def test_sign_results_signs_every_dossier_with_a_result_but_no_signed_pdf(cast, capsys):
    first, second = to_result_ready(cast), to_result_ready(cast)
    call_command("sign_results")
    out = capsys.readouterr().out
    assert "Đã ký 2 kết quả; lỗi 0." in out
    assert ResultDocument.objects.filter(signed_at__isnull=False).count() == 2
    assert {first.pk, second.pk} == set(ResultDocument.objects.values_list("dossier_id", flat=True))
    call_command("sign_results")
    assert "Đã ký 0 kết quả" in capsys.readouterr().out


def test_revoke_result_command(cast, capsys):
    to_result_ready(cast)
    call_command("sign_results")
    result = ResultDocument.objects.get()
    with pytest.raises(CommandError, match="lãnh đạo"):
        call_command("revoke_result", result.number, reason="Sai", user=cast.commune_clerk.username)
    call_command("revoke_result", result.number, reason="Sai", user=cast.commune_leader.username)
    result.refresh_from_db()
    assert result.revoked and result.reason == "Sai"
