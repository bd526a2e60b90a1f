import pytest

from tinhso.datasets import services
from tinhso.datasets.models import DatastoreRow, Resource, ResourceVersion


def test_tabular_upload_is_loaded_with_inferred_types(catalogue):
    table = catalogue.measurements.datastore
    assert table.types == {
        "tram": "text",
        "ngay": "date",
        "do_man": "numeric",
        "nguoi_do": "text",
        "hop_le": "bool",
    }
    assert table.row_count == 5
    first = table.rows.get(n=1).data
    assert first == {
        "tram": "Bình Đại",
        "ngay": "2020-02-01",
        "do_man": 12.5,
        "nguoi_do": "An",
        "hop_le": True,
    }
    assert catalogue.measurements.versions.count() == 1
    assert catalogue.measurements.format == "CSV"
    assert len(catalogue.measurements.hash) == 64


def test_new_version_keeps_column_types_and_bad_rows_save_nothing(catalogue, media):
    resource = catalogue.measurements
    bad = "tram,ngay,do_man,nguoi_do,hop_le\nX,2020-03-01,abc,A,true\nY,31/02/2020,5,B,có lẽ\n"
    with pytest.raises(services.DataRejected) as caught:
        services.add_resource(
            user=catalogue.cast.specialist,
            dataset=catalogue.salinity,
            upload=services.DataFile("so-do.csv", bad.encode()),
            resource=resource,
        )
    errors = [(e.row, e.column) for e in caught.value.errors]
    assert errors == [(2, "do_man"), (3, "ngay"), (3, "hop_le")]
    assert "Dòng" not in caught.value.errors[0].message  # the row is its own field
    assert "không phải số" in caught.value.errors[0].message
    resource.refresh_from_db()
    assert resource.versions.count() == 1
    assert resource.datastore.row_count == 5
    assert DatastoreRow.objects.filter(table=resource.datastore).count() == 5
    stored = [p for p in media.rglob("*") if p.is_file()]
    assert len(stored) == 2  # the two good uploads of the catalogue, nothing from the rejected one


def test_good_new_version_replaces_rows_and_keeps_the_old_file(catalogue):
    resource = catalogue.measurements
    services.add_resource(
        user=catalogue.cast.specialist,
        dataset=catalogue.salinity,
        upload=services.DataFile(
            "so-do-2.csv", b"tram,ngay,do_man,nguoi_do,hop_le\nZ,2020-03-01,7,C,false\n"
        ),
        resource=resource,
    )
    resource.refresh_from_db()
    assert list(resource.versions.values_list("number", flat=True)) == [2, 1]
    assert resource.datastore.row_count == 1
    assert resource.datastore.version.number == 2
    assert resource.datastore.types["do_man"] == "numeric"  # kept, although "7" alone would be int
    old = resource.versions.get(number=1)
    with old.file.open("rb") as handle:
        assert handle.read().startswith(b"tram,ngay")


def test_changing_a_column_type_revalidates_every_row(catalogue):
    resource = catalogue.measurements
    with pytest.raises(services.DataRejected) as caught:
        services.set_column_types(user=None, resource=resource, types={"tram": "int"})
    assert len(caught.value.errors) == 5
    resource.refresh_from_db()
    assert resource.datastore.types["tram"] == "text"

    table = services.set_column_types(user=None, resource=resource, types={"do_man": "text"})
    assert table.types["do_man"] == "text"
    assert table.rows.get(n=1).data["do_man"] == "12.5"
    assert table.rows.get(n=2).data["do_man"] == "9"


def test_unknown_file_type_and_taken_names_are_refused(catalogue):
    with pytest.raises(services.DataRejected, match="CSV, XLSX"):
        services.add_resource(
            user=None,
            dataset=catalogue.salinity,
            upload=services.DataFile("a.exe", b"MZ"),
        )
    data = services.DatasetData(name="do-man-song", title="x", organization=catalogue.org)
    with pytest.raises(services.DataRejected, match="đã được dùng"):
        services.save_dataset(user=None, data=data)
    data.name = "xuat-ban"
    with pytest.raises(services.DataRejected, match="dành riêng"):
        services.save_dataset(user=None, data=data)


def test_geojson_is_kept_as_a_file_without_a_table(catalogue):
    resource = services.add_resource(
        user=None,
        dataset=catalogue.salinity,
        upload=services.DataFile("tram.geojson", b'{"type": "FeatureCollection", "features": []}'),
    )
    assert resource.format == "GeoJSON"
    assert not hasattr(Resource.objects.get(pk=resource.pk), "datastore")
    assert ResourceVersion.objects.filter(resource=resource).count() == 1


def test_search_text_folds_title_tags_and_resources(catalogue):
    catalogue.salinity.refresh_from_db()
    assert "do man nuoc song ben tre" in catalogue.salinity.search_text
    assert "so do" in catalogue.salinity.search_text
