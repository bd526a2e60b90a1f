"""The real CKAN client, ``ckanapi.RemoteCKAN``, unchanged, against a live server."""

import ckanapi
import pytest

from tinhso.datasets import services
from tinhso.datasets.testing import make_catalogue


@pytest.fixture
def remote(transactional_db, live_server, media):
    catalogue = make_catalogue()
    rows = "".join(f"{i},{i * 1.5},Trạm {i}\n" for i in range(1, 251))
    services.add_resource(
        user=None,
        dataset=catalogue.salinity,
        name="Chuỗi dài",
        upload=services.DataFile("chuoi.csv", ("so,gia_tri,tram\n" + rows).encode()),
    )
    with ckanapi.RemoteCKAN(live_server.url, user_agent="tinhso-tests") as ckan:
        yield ckan, catalogue


def test_listing(remote):
    ckan, _catalogue = remote
    assert ckan.action.package_list() == ["dien-tich-dua", "do-man-song"]
    assert ckan.action.organization_list() == ["so-tu-phap", "so-xay-dung"]
    assert ckan.action.group_list() == ["moi-truong"]


def test_searching_with_facets(remote):
    ckan, _catalogue = remote
    result = ckan.action.package_search(
        q="do man", fq="organization:so-tu-phap", **{"facet.field": ["tags", "res_format"]}
    )
    assert result["count"] == 1
    assert result["results"][0]["name"] == "do-man-song"
    tags = {i["name"]: i["count"] for i in result["search_facets"]["tags"]["items"]}
    assert tags == {"nước": 1, "độ mặn": 1}


def test_showing_a_dataset(remote):
    ckan, catalogue = remote
    dataset = ckan.action.package_show(id="do-man-song")
    assert dataset["id"] == str(catalogue.salinity.pk)
    assert dataset["organization"]["title"] == "Sở Tư pháp"
    assert {r["name"] for r in dataset["resources"]} == {"Số đo", "Bản tin", "Chuỗi dài"}


def test_paging_through_a_datastore_table(remote):
    ckan, _catalogue = remote
    dataset = ckan.action.package_show(id="do-man-song")
    rid = next(r["id"] for r in dataset["resources"] if r["name"] == "Chuỗi dài")
    records, offset = [], 0
    while True:
        page = ckan.action.datastore_search(
            resource_id=rid, limit=100, offset=offset, sort="so desc"
        )
        if not page["records"]:
            break
        records += page["records"]
        offset += 100
    assert page["total"] == 250
    assert [r["so"] for r in records] == list(range(250, 0, -1))
    assert records[0]["gia_tri"] == 375
    filtered = ckan.action.datastore_search(resource_id=rid, filters={"so": [3, 7]})
    assert [r["tram"] for r in filtered["records"]] == ["Trạm 3", "Trạm 7"]


def test_missing_dataset_raises_not_found(remote):
    ckan, catalogue = remote
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="khong-ton-tai")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.datastore_search(resource_id=str(catalogue.measurements.pk), sort="mau")


def test_private_dataset_hidden_from_the_anonymous_client(remote):
    ckan, _catalogue = remote
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="du-lieu-noi-bo")
