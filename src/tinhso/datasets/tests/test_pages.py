"""Pages under /du-lieu/: browsing, preview, downloads and publishing."""

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tinhso.datasets import services
from tinhso.datasets.models import Dataset, DatastoreRow, ResourceVersion


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_browse_lists_public_datasets_with_facets(catalogue):
    response = Client().get(reverse("datasets:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Độ mặn nước sông Bến Tre" in body and "Diện tích dừa theo huyện" in body
    assert "Dữ liệu nội bộ" not in body
    assert "?organization=so-xay-dung" in body
    assert 'href="?res_format=CSV"' in body


def test_search_without_diacritics_and_facet_filter(catalogue):
    body = Client().get(reverse("datasets:list"), {"q": "dien tich dua"}).content.decode()
    assert "Diện tích dừa theo huyện" in body and "Độ mặn nước" not in body
    body = Client().get(reverse("datasets:list"), {"organization": "so-tu-phap"}).content.decode()
    assert "Độ mặn nước sông Bến Tre" in body and "Diện tích dừa" not in body


def test_private_dataset_page_only_for_its_organisation(catalogue):
    url = reverse("datasets:dataset", kwargs={"name": "du-lieu-noi-bo"})
    assert Client().get(url).status_code == 404
    assert logged_in(catalogue.cast.other_leader).get(url).status_code == 404
    assert logged_in(catalogue.cast.leader).get(url).status_code == 200


def test_resource_preview_is_paginated_and_offers_a_chart(catalogue):
    rows = "".join(f"{i},{i * 2}\n" for i in range(1, 61))
    resource = services.add_resource(
        user=None,
        dataset=catalogue.salinity,
        name="Dài",
        upload=services.DataFile("dai.csv", ("so,gap_doi\n" + rows).encode()),
    )
    url = reverse("datasets:resource", kwargs={"name": "do-man-song", "rid": resource.pk})
    first = Client().get(url).content.decode()
    assert "<td>50</td>" in first and "<td>51</td>" not in first
    assert "vendor/echarts/echarts.min.js" in first and 'id="chart"' in first
    second = Client().get(url, {"trang": 2}).content.decode()
    assert "<td>51</td>" in second and "<td>60</td>" in second and "<td>50</td>" not in second


def test_downloads_stream_and_guard_against_formulas(catalogue):
    resource = services.add_resource(
        user=None,
        dataset=catalogue.salinity,
        name="Nguy hiểm",
        upload=services.DataFile("x.csv", b'"ten",so\n"=HYPERLINK(""http://x"")",-3\n@SUM(A1),4\n'),
    )
    kwargs = {"name": "do-man-song", "rid": resource.pk}
    csv_response = Client().get(reverse("datasets:download", kwargs={**kwargs, "fmt": "csv"}))
    assert csv_response.streaming
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == ["ten,so", '"\'=HYPERLINK(""http://x"")",-3', "'@SUM(A1),4"]

    xlsx_response = Client().get(reverse("datasets:download", kwargs={**kwargs, "fmt": "xlsx"}))
    book = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content)))
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert values == [["ten", "so"], ['\'=HYPERLINK("http://x")', -3], ["'@SUM(A1)", 4]]

    json_response = Client().get(reverse("datasets:download", kwargs={**kwargs, "fmt": "json"}))
    assert json_response.streaming
    assert json.loads(b"".join(json_response.streaming_content)) == [
        {"ten": '=HYPERLINK("http://x")', "so": -3},
        {"ten": "@SUM(A1)", "so": 4},
    ]


def test_original_file_and_old_versions_can_be_downloaded(catalogue):
    resource = catalogue.measurements
    services.add_resource(
        user=None,
        dataset=catalogue.salinity,
        upload=services.DataFile(
            "moi.csv", b"tram,ngay,do_man,nguoi_do,hop_le\nA,2020-01-01,1,B,true\n"
        ),
        resource=resource,
    )
    url = reverse(
        "datasets:file", kwargs={"name": "do-man-song", "rid": resource.pk, "filename": "moi.csv"}
    )
    assert b"".join(Client().get(url).streaming_content).startswith(
        b"tram,ngay,do_man,nguoi_do,hop_le\nA,"
    )
    old = b"".join(Client().get(url, {"v": 1}).streaming_content)
    assert old.startswith(b"tram,ngay,do_man,nguoi_do,hop_le\nB\xc3\xacnh")


def test_department_staff_create_a_dataset(catalogue):
    client = logged_in(catalogue.cast.specialist)
    response = client.post(
        reverse("datasets:create"),
        {
            "title": "Chất lượng nước máy",
            "name": "chat-luong-nuoc-may",
            "organization": str(catalogue.org.pk),
            "license_id": "cc-by-4.0",
            "state": "active",
            "tags": "nước, y tế",
            "spatial_codes": "83, 829",
            "temporal_start": "2024-01-01",
            "temporal_end": "2024-12-31",
        },
    )
    assert response.status_code == 302
    dataset = Dataset.objects.get(name="chat-luong-nuoc-may")
    assert dataset.spatial_codes == ["83", "829"]
    assert sorted(dataset.tags.values_list("name", flat=True)) == ["nước", "y tế"]
    assert dataset.created_by == catalogue.cast.specialist


def test_staff_cannot_publish_for_another_organisation(catalogue):
    client = logged_in(catalogue.cast.specialist)
    response = client.post(
        reverse("datasets:create"),
        {
            "title": "X",
            "name": "x",
            "organization": str(catalogue.other_org.pk),
            "license_id": "cc-by-4.0",
            "state": "active",
        },
    )
    assert response.status_code == 200  # form error: not a choice
    assert not Dataset.objects.filter(name="x").exists()
    edit = reverse("datasets:edit", kwargs={"name": "dien-tich-dua"})
    assert client.get(edit).status_code == 404
    assert logged_in(catalogue.cast.citizen).get(reverse("datasets:manage")).status_code == 404
    assert Client().get(reverse("datasets:manage")).status_code == 302


def test_upload_with_bad_rows_shows_each_error_and_saves_nothing(catalogue):
    client = logged_in(catalogue.cast.leader)
    url = reverse("datasets:upload", kwargs={"name": "do-man-song"})
    bad = b"tram,ngay,do_man,nguoi_do,hop_le\nA,2020-01-01,nhieu,B,true\nC,hom qua,3,D,false\n"
    before = (ResourceVersion.objects.count(), DatastoreRow.objects.count())
    response = client.post(
        f"{url}?tai-nguyen={catalogue.measurements.pk}",
        {"file": SimpleUploadedFile("so-do.csv", bad), "resource": str(catalogue.measurements.pk)},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "<td>2</td><td>do_man</td>" in body and "<td>3</td><td>ngay</td>" in body
    assert "không phải số" in body
    assert (ResourceVersion.objects.count(), DatastoreRow.objects.count()) == before


def test_upload_new_resource_and_edit_column_types(catalogue):
    client = logged_in(catalogue.cast.specialist)
    url = reverse("datasets:upload", kwargs={"name": "do-man-song"})
    response = client.post(
        url, {"name": "Mã trạm", "file": SimpleUploadedFile("ma.csv", b"ma,ten\n1,A\n2,B\n")}
    )
    assert response.status_code == 302
    resource = catalogue.salinity.resources.get(name="Mã trạm")
    assert resource.datastore.types == {"ma": "int", "ten": "text"}
    columns = reverse("datasets:columns", kwargs={"name": "do-man-song", "rid": resource.pk})
    assert client.post(columns, {"col_0": "text", "col_1": "text"}).status_code == 302
    resource.datastore.refresh_from_db()
    assert resource.datastore.types == {"ma": "text", "ten": "text"}
    assert resource.datastore.rows.get(n=1).data == {"ma": "1", "ten": "A"}
    refused = client.post(columns, {"col_0": "int", "col_1": "int"})
    assert refused.status_code == 422 and "không phải số nguyên" in refused.content.decode()
    assert logged_in(catalogue.cast.other_specialist).get(columns).status_code == 404


def test_oversized_upload_is_refused_before_reading(catalogue, settings):
    settings.TINHSO_UPLOAD_MAX_BYTES = 10
    client = logged_in(catalogue.cast.specialist)
    url = reverse("datasets:upload", kwargs={"name": "do-man-song"})
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", b"a,b\n1,2\n3,4\n")})
    assert response.status_code == 200
    assert "vượt quá dung lượng" in response.content.decode()
    assert catalogue.salinity.resources.count() == 2


def test_csv_download_writes_booleans_as_the_api_does(catalogue):
    kwargs = {"name": "do-man-song", "rid": catalogue.measurements.pk, "fmt": "csv"}
    response = Client().get(reverse("datasets:download", kwargs=kwargs))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[1] == "Bình Đại,2020-02-01,12.5,An,true"
    assert lines[4] == "Mỹ Hóa,2020-02-04,,Dũng,true"


def test_draft_is_hidden_from_the_public_until_published(catalogue):
    client = logged_in(catalogue.cast.specialist)
    url = reverse("datasets:edit", kwargs={"name": "do-man-song"})
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data.update(
        {
            "organization": str(catalogue.org.pk),
            "state": "draft",
            "groups": [str(catalogue.group.pk)],
        }
    )
    data.pop("private", None)
    assert client.post(url, data).status_code == 302
    assert (
        Client().get(reverse("datasets:dataset", kwargs={"name": "do-man-song"})).status_code == 404
    )
    assert (
        client.get(reverse("datasets:dataset", kwargs={"name": "do-man-song"})).status_code == 200
    )
    assert Client().get("/api/3/action/package_list").json()["result"] == ["dien-tich-dua"]
