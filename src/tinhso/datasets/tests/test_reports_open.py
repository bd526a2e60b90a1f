"""The open dataset of citizen reports: the figures of each report, and no personal data — not in
the rows, the CSV download or the datastore API, public report or private."""

import datetime
import json
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from tinhso.datasets import reports_open
from tinhso.datasets.models import Dataset
from tinhso.reports import services
from tinhso.reports.models import Category, Report
from tinhso.testing import make_staff

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=HCM)
PRIVATE_TEXT = "Hàng xóm Lê Văn Tám ở số 7 xả rác, gọi 0909123456"
PUBLIC_TEXT = "Ổ gà trước nhà bà Nguyễn Thị Mai, số điện thoại 0912000111"


@pytest.fixture
def reports(catalogue, settings):
    cast = catalogue.cast
    settings.TINHSO_REPORTS_BOUNDARY = "105,9,107,11"
    category = Category.objects.create(
        code="rac-thai", name="Rác thải", group="Môi trường", agency=cast.dept
    )
    cast.citizen.full_name, cast.citizen.phone = "Phạm Thị Hoa", "0988777666"
    cast.citizen.save()

    def file(text: str, private: bool, now: datetime.datetime) -> Report:
        data = services.NewReport(
            category=category.code,
            description=text,
            lat=Decimal("10.247000"),
            lon=Decimal("106.385000"),
            address="12 đường Đồng Khởi",
            private=private,
        )
        return services.file_report(data=data, reporter=cast.citizen, now=now)

    public = file(PUBLIC_TEXT, False, MONDAY)
    public = services.answer(
        report=public, user=cast.specialist, comment="Đã vá, cảm ơn bà Mai.", now=MONDAY
    )
    private = file(PRIVATE_TEXT, True, MONDAY + datetime.timedelta(days=1))
    rejected = file("Quảng cáo bán hàng", False, MONDAY + datetime.timedelta(days=2))
    leader = make_staff("dept.leader2", cast.dept, "leader")
    services.reject(report=rejected, user=leader, comment="Quảng cáo", now=MONDAY)
    return public, private


PERSONAL = [
    "Phạm Thị Hoa",
    "0988777666",
    "Lê Văn Tám",
    "0909123456",
    "Nguyễn Thị Mai",
    "0912000111",
    "bà Mai",
    "Đồng Khởi",
    "10.247",
    "106.385",
    "Quảng cáo",
]


def test_rows_hold_the_figures_of_each_report(reports):
    public, _private = reports
    rows = reports_open.compute()
    assert [r["ma_phan_anh"] for r in rows] == [public.public_id, ""]  # rejected: left out
    first, second = rows
    assert first["ma_loai"] == "rac-thai" and first["co_quan"] == "Sở Tư pháp"
    assert first["trang_thai"] == "Đã trả lời" and first["dung_han"] == "true"
    assert first["ngay_tiep_nhan"] == first["ngay_tra_loi"] == "2026-03-02"
    assert second["trang_thai"] == "Đã tiếp nhận" and second["dung_han"] == ""
    assert second["ngay_tra_loi"] == "" and second["han_tra_loi"] >= "2026-03-03"
    assert set(first) == set(reports_open.TYPES)


def test_no_personal_data_leaks_from_rows_download_or_api(reports, capsys):
    call_command("publish_statistics")
    assert f"{reports_open.DATASET_NAME}: 2 rows (updated)" in capsys.readouterr().out
    dataset = Dataset.objects.get(name=reports_open.DATASET_NAME)
    resource = dataset.resources.get()
    assert resource.datastore.types == reports_open.TYPES
    client = Client()
    search = client.post(
        "/api/3/action/datastore_search",
        {"resource_id": str(resource.pk)},
        content_type="application/json",
    )
    assert search.status_code == 200 and search.json()["result"]["total"] == 2
    version = resource.current_version
    assert version is not None
    with version.file.open("rb") as stored:
        download = stored.read().decode()
    assert download.startswith("ma_phan_anh,ma_loai,")
    for text in (
        str(reports_open.compute()),
        download,
        json.dumps(search.json(), ensure_ascii=False),
    ):
        for secret in [*PERSONAL, PRIVATE_TEXT, PUBLIC_TEXT]:
            assert secret not in text, secret
    call_command("publish_statistics")
    assert f"{reports_open.DATASET_NAME}: 2 rows (unchanged)" in capsys.readouterr().out
