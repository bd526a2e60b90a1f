"""Scheme tracker: targets with sources, computed and entered values, tasks and reports."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.indicators.models import ActionTask, SchemeTarget, TargetValue
from tinhso.indicators.selectors import computed_actual, latest_actual, progress_of
from tinhso.indicators.tests.conftest import at, received_dossier
from tinhso.testing import PDF_BYTES


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_targets_of_the_scheme_are_loaded_with_sources(db):
    target = SchemeTarget.objects.get(code="dvctt-toan-trinh")
    assert target.target_2025 == 100 and target.baseline_value == Decimal("55.37")
    assert "baodongkhoi.vn" in target.baseline_source
    assert SchemeTarget.objects.get(code="xep-hang-ict").direction == "lower"
    assert SchemeTarget.objects.get(code="du-lieu-quan-ly").unconfirmed
    assert SchemeTarget.objects.filter(target_2030__isnull=False).count() == 0  # qualitative only


def test_full_online_share_is_computed_from_the_catalogue(cast):
    target = SchemeTarget.objects.get(code="dvctt-toan-trinh")
    actual = computed_actual(target, datetime.date(2025, 11, 1))
    assert (actual.numerator, actual.denominator) == (2, 2)  # both cast procedures are full online
    cast.commune_procedure.mode = "partial"
    cast.commune_procedure.save()
    assert computed_actual(target, datetime.date(2025, 11, 1)).value == Decimal("50.00")


def test_online_dossier_share_comes_from_the_operations_centre(cast):
    received_dossier(cast, at(2025, 3, 3, 9, 0))
    target = SchemeTarget.objects.get(code="ho-so-truc-tuyen")
    actual = computed_actual(target, datetime.date(2025, 3, 31))
    assert (actual.numerator, actual.denominator, actual.value) == (1, 1, Decimal("100.00"))


def test_department_enters_a_value_with_a_pdf_and_progress_follows(client, cast):
    target = SchemeTarget.objects.get(code="tai-khoan-thanh-toan")  # > 50% by 2025, no baseline
    target.agency = cast.dept
    target.save()
    client.force_login(cast.specialist)
    response = client.post(
        reverse("indicators:target", args=[target.code]),
        {
            "as_of": "2025-06-30",
            "value": "40",
            "note": "Báo cáo 6 tháng",
            "document": SimpleUploadedFile("bao-cao.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 302
    entry = TargetValue.objects.get()
    assert entry.value == 40 and entry.entered_by == cast.specialist and entry.document.name
    row = progress_of(target, latest_actual(target, datetime.date(2025, 7, 1)))
    assert row.progress == Decimal("80.00") and row.status == "on_track"
    document = client.get(reverse("indicators:target_document", args=[target.code, entry.pk]))
    assert b"".join(document.streaming_content).startswith(b"%PDF")


def test_a_source_document_that_is_not_a_pdf_is_refused(client, cast):
    target = SchemeTarget.objects.get(code="tai-khoan-thanh-toan")
    target.agency = cast.dept
    target.save()
    client.force_login(cast.leader)
    response = client.post(
        reverse("indicators:target", args=[target.code]),
        {
            "as_of": "2025-06-30",
            "value": "40",
            "document": SimpleUploadedFile("x.pdf", png_bytes()),
        },
    )
    assert response.status_code == 400
    assert "Văn bản nguồn phải là tệp PDF." in response.context["errors"]
    assert not TargetValue.objects.exists()


def test_other_departments_cannot_enter_values_nor_anyone_for_computed_targets(client, cast):
    target = SchemeTarget.objects.get(code="tai-khoan-thanh-toan")
    target.agency = cast.dept
    target.save()
    client.force_login(cast.other_specialist)
    post = {"as_of": "2025-06-30", "value": "1", "document": SimpleUploadedFile("a.pdf", PDF_BYTES)}
    assert client.post(reverse("indicators:target", args=[target.code]), post).status_code == 403
    computed = SchemeTarget.objects.get(code="dvctt-toan-trinh")
    computed.agency = cast.dept
    computed.save()
    client.force_login(cast.specialist)
    assert client.post(reverse("indicators:target", args=[computed.code]), post).status_code == 403
    assert not TargetValue.objects.exists()


def test_rank_target_is_behind_when_above_the_line(cast):
    target = SchemeTarget.objects.get(code="xep-hang-ict")  # 31 in 2021 → top 30 in 2025
    target.expected_on(datetime.date(2023, 12, 31))
    from tinhso.indicators.selectors import Actual

    row = progress_of(target, Actual(Decimal(35), datetime.date(2023, 12, 31), False))
    assert row.status == "behind" and row.behind_by > 0
    reached = progress_of(target, Actual(Decimal(29), datetime.date(2024, 12, 31), False))
    assert reached.status == "achieved" and reached.progress == 100


def test_tracker_page_and_access(client, cast, province_leader):
    client.force_login(province_leader)
    response = client.get(reverse("indicators:tracker"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dịch vụ công trực tuyến mức độ 4" in body and "chưa xác nhận" in body
    client.force_login(cast.citizen)
    assert client.get(reverse("indicators:tracker")).status_code == 403
    client.logout()
    assert client.get(reverse("indicators:tracker")).status_code == 302


@pytest.fixture
def task(cast):
    return ActionTask.objects.create(
        title="Kết nối chế độ báo cáo", agency=cast.dept, deadline=datetime.date(2025, 6, 30)
    )


def test_department_reports_progress_and_task_follows(client, cast, task):
    client.force_login(cast.specialist)
    response = client.post(
        reverse("indicators:task", args=[task.pk]),
        {"status": "in_progress", "progress": "40", "text": "Đã kết nối 8/20 sở"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.progress) == ("in_progress", 40)
    assert task.reports.get().text == "Đã kết nối 8/20 sở"
    assert task.is_late(datetime.date(2025, 7, 1))


def test_done_needs_100_percent_and_others_may_not_report(client, cast, task):
    client.force_login(cast.specialist)
    response = client.post(
        reverse("indicators:task", args=[task.pk]),
        {"status": "done", "progress": "90", "text": "Xong"},
    )
    assert response.status_code == 400
    assert "Nhiệm vụ hoàn thành phải có tiến độ 100%." in response.context["errors"]
    client.force_login(cast.other_leader)
    response = client.post(
        reverse("indicators:task", args=[task.pk]),
        {"status": "done", "progress": "100", "text": "Xong"},
    )
    assert response.status_code == 403
    assert not task.reports.exists()


def test_targets_and_tasks_export(client, cast, task, tmp_path):
    from tinhso.documents.tests import pdftools

    client.force_login(cast.leader)
    pdf = client.get(reverse("indicators:export", args=["targets", "pdf"]))
    text = pdftools.text(tmp_path, pdf.content)
    assert "Tỷ trọng kinh" in text and "trong GRDP" in text and "≥ 10%" in text
    tasks = client.get(reverse("indicators:export", args=["tasks", "pdf"]))
    assert "Kết nối chế độ báo cáo" in pdftools.text(tmp_path, tasks.content)
