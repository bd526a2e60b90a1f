"""The service-quality statistics dataset, computed from dossiers."""

import datetime
import zoneinfo

from django.core.management import call_command
from django.test import Client

from tinhso.datasets import statistics
from tinhso.datasets.models import Dataset
from tinhso.dossiers.models import Channel, Dossier, Status, Timeliness
from tinhso.ioc import aggregates

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=HCM)


def dossier(
    cast, n, *, received, completed=None, timeliness="", channel=Channel.ONLINE, agency=None
):
    made = Dossier.objects.create(
        code=f"T-{n}",
        procedure_version=cast.province_procedure,
        agency=agency or cast.dept,
        receiving_agency=cast.centre,
        filed_by=cast.citizen,
        applicant_name="Nguyễn Văn An",
        status=Status.RESULT_READY if completed else Status.PROCESSING,
        channel=channel,
        received_at=received,
        completed_at=completed,
        timeliness=timeliness,
    )
    # written straight to the table, not by a use case (no dossier event): fold it in by hand
    aggregates.refresh(made.pk)
    return made


def test_counts_per_agency_and_vietnamese_month(catalogue):
    cast = catalogue.cast
    # 1 July 00:30 in Vietnam is still 30 June in UTC: it counts for July.
    dossier(
        cast,
        1,
        received=at(2025, 7, 1, 0, 30),
        completed=at(2025, 7, 3, 9),
        timeliness=Timeliness.EARLY,
    )
    dossier(
        cast, 2, received=at(2025, 7, 2, 9), completed=at(2025, 8, 1, 9), timeliness=Timeliness.LATE
    )
    dossier(cast, 3, received=at(2025, 7, 5, 9), channel=Channel.COUNTER)
    dossier(
        cast,
        4,
        received=at(2025, 8, 5, 9),
        completed=at(2025, 8, 6, 9),
        timeliness=Timeliness.ON_TIME,
        agency=cast.other_dept,
    )
    rows = statistics.compute()
    assert (
        rows == statistics.from_dossiers()
    )  # the operations centre's figures and the direct count agree
    assert rows == [
        {
            "thang": "2025-07-01",
            "ma_co_quan": cast.dept.code,
            "co_quan": "Sở Tư pháp",
            "tiep_nhan": 3,
            "da_giai_quyet": 1,
            "dung_han": 1,
            "tre_han": 0,
            "truc_tuyen": 2,
        },
        {
            "thang": "2025-08-01",
            "ma_co_quan": cast.dept.code,
            "co_quan": "Sở Tư pháp",
            "tiep_nhan": 0,
            "da_giai_quyet": 1,
            "dung_han": 0,
            "tre_han": 1,
            "truc_tuyen": 0,
        },
        {
            "thang": "2025-08-01",
            "ma_co_quan": cast.other_dept.code,
            "co_quan": "Sở Xây dựng",
            "tiep_nhan": 1,
            "da_giai_quyet": 1,
            "dung_han": 1,
            "tre_han": 0,
            "truc_tuyen": 1,
        },
    ]


def test_command_publishes_a_queryable_dataset_and_only_versions_changes(catalogue, capsys):
    cast = catalogue.cast
    dossier(
        cast,
        1,
        received=at(2025, 7, 1, 9),
        completed=at(2025, 7, 3, 9),
        timeliness=Timeliness.ON_TIME,
    )
    call_command("publish_statistics")
    assert "1 rows (updated)" in capsys.readouterr().out
    dataset = Dataset.objects.get(name=statistics.DATASET_NAME)
    assert dataset.organization.agency == cast.centre
    resource = dataset.resources.get()
    assert resource.datastore.types == statistics.TYPES
    assert dataset.temporal_start == datetime.date(2025, 7, 1)

    call_command("publish_statistics")
    assert "(unchanged)" in capsys.readouterr().out
    assert resource.versions.count() == 1

    dossier(cast, 2, received=at(2025, 7, 9, 9))
    call_command("publish_statistics")
    assert resource.versions.count() == 2
    body = (
        Client()
        .post(
            "/api/3/action/datastore_search",
            {"resource_id": str(resource.pk), "filters": {"thang": "2025-07-01"}},
            content_type="application/json",
        )
        .json()
    )
    assert body["result"]["records"][0]["tiep_nhan"] == 2
    assert body["result"]["records"][0]["dung_han"] == 1


def test_demo_loader_is_idempotent(db, media):
    from tinhso.datasets import demo

    demo.load()
    demo.load()
    names = set(Dataset.objects.values_list("name", flat=True))
    assert {
        "tram-quan-trac-do-man",
        "khach-du-lich-2023-2024",
        "dien-tich-dua-theo-huyen-2022",
        statistics.DATASET_NAME,
    } == names
    stations = Dataset.objects.get(name="tram-quan-trac-do-man").resources.get().datastore
    assert stations.row_count == 28
    assert stations.types["vi_do"] == "numeric"
    tourism = Dataset.objects.get(name="khach-du-lich-2023-2024").resources.get().datastore
    assert tourism.rows.get(n=2).data["khach_quoc_te"] == 616000
