"""The catalogue import over real HTTP against the in-project national sandbox (spec §11.4,
scenario 9): the real client, the gateway's wrapped answers (R-NAT-004), the sandbox's fixture
packages (values equal to our catalogue files) and its ``CATALOGUE_CHANGE`` knob."""

import datetime
import io
from decimal import Decimal

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from tinhso.dossiers import services
from tinhso.integrations.models import IntegrationLog
from tinhso.integrations.national import catalogue
from tinhso.procedures.loader import load_catalogue
from tinhso.procedures.models import Procedure, ProcedureSnapshot, ProcedureVersion
from tinhso.testing import FORM_DATA, make_cast, make_version, pdf_upload
from tinhso.uploads import check_upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_import_of_the_demo_catalogue_changes_no_version(sandbox, settings):
    settings.TINHSO_NATIONAL_CATALOGUE_UNIT = "000.00.00.H61"  # the whole province
    load_catalogue()
    before = set(ProcedureVersion.objects.values_list("pk", flat=True))
    report = catalogue.sync()
    assert report.failed == 0, report.errors
    assert report.new_versions == 0 and report.listed == report.fetched > 20
    assert set(ProcedureVersion.objects.values_list("pk", flat=True)) == before
    assert report.unknown >= 1  # the sandbox lists procedures the demo does not hold
    unknown = ProcedureSnapshot.objects.filter(procedure__isnull=True)
    assert unknown.count() == report.unknown
    assert not Procedure.objects.filter(code__in=unknown.values("code")).exists()
    khai_sinh = ProcedureVersion.objects.get(procedure__code="1.001193")
    assert khai_sinh.decision_number and khai_sinh.decision_date and khai_sinh.published_on
    assert khai_sinh.procedure.national_synced_at is not None
    # the package with a time limit in months (not applied) and the one without legal basis
    flagged = ProcedureSnapshot.objects.exclude(review=[])
    assert flagged.count() == report.flagged >= 2
    assert any("Tháng" in line for s in flagged for line in s.review)
    assert IntegrationLog.objects.filter(service="LayThuTuc").count() >= report.fetched
    again = catalogue.sync()
    assert again.unchanged == again.fetched and again.snapshots == 0


def test_catalogue_change_makes_a_new_version_and_an_open_dossier_keeps_its_deadline(sandbox):
    cast = make_cast()
    make_version("1.001193", level="province", agencies=[cast.dept], days="7", fee=5000)
    first = catalogue.sync(codes=["1.001193"])  # our made-up version differs from the package
    assert first.new_versions == 1, first.errors
    current = ProcedureVersion.objects.get(procedure__code="1.001193", version=2)
    assert (current.processing_days, current.fee) == (Decimal("1"), 0)
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=current,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
        files=[  # the package's components are all required (it does not say otherwise)
            services.NewFile(d.code, check_upload(pdf_upload())) for d in current.documents.all()
        ],
    )
    dossier = services.receive_dossier(user=cast.clerk, dossier=dossier)
    due = dossier.due_at

    answer = requests.post(f"{sandbox}/faults", json={"CATALOGUE_CHANGE": "1.001193"}, timeout=5)
    assert answer.status_code == 200, answer.text
    out = io.StringIO()
    call_command("national", "catalogue", "1.001193", stdout=out)  # what the worker runs
    assert "1 bản lưu mới, 1 phiên bản mới" in out.getvalue() and "0 lỗi" in out.getvalue()
    changed = ProcedureVersion.objects.get(procedure__code="1.001193", version=3)
    assert (changed.processing_days, changed.fee) == (Decimal("3"), 10_000)
    assert changed.effective_from == timezone.localdate()
    assert changed.decision_date == timezone.localdate()
    assert changed.decision_number == f"SB-{timezone.localdate():%Y%m%d}/QĐ-1.001193"
    current.refresh_from_db()
    assert current.effective_to == changed.effective_from
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == current.pk and dossier.due_at == due
    assert current.procedure.version_on(timezone.localdate()) == changed
    assert (
        current.procedure.version_on(timezone.localdate() - datetime.timedelta(days=1)) == current
    )
