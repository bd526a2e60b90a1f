"""/lien-thong/: the catalogue section (spec §3.5): per procedure its decision and last sync,
values to review, national procedures we do not hold; the "Đồng bộ ngay" button (audited, run
by the worker after the commit)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.integrations.national import catalogue
from tinhso.integrations.tests.test_catalogue_import import Gateway, decision, package_for
from tinhso.procedures.models import Procedure
from tinhso.testing import make_version

PAGE = "/lien-thong/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(cast):
    held = make_version("1.001193", level="province", agencies=[cast.dept])
    held.legal_basis = "Luật Hộ tịch 60/2014/QH13"
    held.save()
    months = package_for(held, decision="QD-1", unit="Tháng")
    foreign = package_for(held)
    foreign.update(MATTHC="1.010730", TENTTHC="Thủ tục cấp phép thử nghiệm")
    gw = Gateway(
        {"1.001193": months, "1.010730": foreign},
        {"QD-1": decision("QD-1", "1234/QĐ-UBND", "20261201", "20261201", "20261203")},
    )
    catalogue.sync(client=gw)
    return held


def test_operator_sees_decisions_last_sync_review_and_unknown_procedures(
    client, operator, imported
):
    client.force_login(operator)
    html = client.get(PAGE).content.decode()
    assert 'id="danh-muc"' in html and "Đồng bộ ngay" in html
    assert reverse("integrations:sync_catalogue") in html
    row = html.split('<tr data-code="1.001193">')[1].split("</tr>")[0]
    assert "1234/QĐ-UBND (01/12/2026)" in row and "03/12/2026" in row
    synced = Procedure.objects.get(code="1.001193").national_synced_at
    assert timezone.localtime(synced).strftime("%H:%M %d/%m/%Y") in row
    review = html.split('id="catalogue-review"')[1].split("</ul>")[0]
    assert "1.001193" in review and "Tháng" in review
    unknown = html.split('id="catalogue-unknown"')[1].split("</ul>")[0]
    assert "1.010730" in unknown and "cấp phép thử nghiệm" in unknown
    # a procedure the province no longer has is shown, marked
    Procedure.objects.filter(code="1.001193").update(in_use=False)
    assert "Ngừng sử dụng" in client.get(PAGE).content.decode()


def test_sync_now_is_audited_and_queued_after_the_commit(
    client, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("integrations:sync_catalogue"))
    assert response.status_code == 302 and response["Location"].endswith("#danh-muc")
    assert len(callbacks) == 1  # the task, handed to the worker once the audit entry commits
    entry = AuditEntry.objects.get(action="integrations.catalogue_sync")
    assert entry.actor_id == operator.pk


def test_a_specialist_gets_404_and_starts_nothing(client, cast):
    client.force_login(cast.specialist)
    assert client.get(PAGE).status_code == 404
    assert client.post(reverse("integrations:sync_catalogue")).status_code == 404
    assert not AuditEntry.objects.filter(action="integrations.catalogue_sync").exists()


def test_sync_now_only_by_post(client, operator):
    client.force_login(operator)
    assert client.get(reverse("integrations:sync_catalogue")).status_code == 405


def test_status_without_any_sync(cast):
    status = catalogue.status()
    assert status.last_sync is None and status.review == [] and status.unknown == []
    assert {p.code for p in status.procedures} == {
        cast.province_procedure.procedure.code,
        cast.commune_procedure.procedure.code,
    }
    assert all(p.decision_number == "" for p in status.procedures)
