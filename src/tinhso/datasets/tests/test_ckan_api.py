"""CKAN Action API v3: envelope, errors and each action's shape and semantics."""

import datetime
import json
import re

import pytest
from django.test import Client

from tinhso.accounts.models import ApiToken
from tinhso.datasets.testing import Catalogue

CKAN_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$")


def call(name: str, client: Client | None = None, **params):
    client = client or Client()
    response = client.post(f"/api/3/action/{name}", params, content_type="application/json")
    return response.status_code, response.json()


def get(name: str, client: Client | None = None, **params):
    response = (client or Client()).get(f"/api/3/action/{name}", params)
    return response.status_code, response.json()


def test_envelope_has_help_success_and_result(catalogue):
    status, body = get("package_list")
    assert status == 200
    assert body["success"] is True
    assert body["help"].endswith("/api/3/action/help_show?name=package_list")
    assert body["result"] == ["dien-tich-dua", "do-man-song"]  # private dataset absent


def test_api_version_and_unversioned_route(catalogue):
    assert Client().get("/api/3/").json() == {"version": 3}
    assert Client().get("/api/action/package_list").json()["result"] == [
        "dien-tich-dua",
        "do-man-song",
    ]


def test_unknown_action_is_400_with_a_plain_string(catalogue):
    response = Client().get("/api/3/action/package_create")
    assert response.status_code == 400
    assert response.json() == "Bad request: Action name not known: package_create"


def test_missing_dataset_is_not_found_error(catalogue):
    status, body = get("package_show", id="khong-co")
    assert status == 404
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert body["error"]["message"].startswith("Not found")


def test_missing_parameter_is_validation_error_409(catalogue):
    status, body = call("package_show")
    assert status == 409
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["id"] == ["Missing value"]


def test_package_show_has_ckan_dataset_fields(catalogue):
    status, body = get("package_show", id="do-man-song")
    assert status == 200
    d = body["result"]
    assert d["id"] == str(catalogue.salinity.pk)
    assert d["name"] == "do-man-song"
    assert d["license_id"] == "cc-by-4.0"
    assert d["license_title"] == "Creative Commons Attribution 4.0"
    assert d["owner_org"] == str(catalogue.org.pk)
    assert d["organization"]["name"] == "so-tu-phap"
    assert d["private"] is False and d["state"] == "active" and d["type"] == "dataset"
    assert [t["name"] for t in d["tags"]] == ["nước", "độ mặn"] or [
        t["name"] for t in d["tags"]
    ] == sorted(["độ mặn", "nước"])
    assert {"id", "name", "display_name"} <= set(d["tags"][0])
    assert d["num_tags"] == 2 and d["num_resources"] == 2
    assert [g["name"] for g in d["groups"]] == ["moi-truong"]
    assert CKAN_TIME.match(d["metadata_created"]) and CKAN_TIME.match(d["metadata_modified"])
    extras = {e["key"]: e["value"] for e in d["extras"]}
    assert extras == {
        "temporal_start": "2020-02-01",
        "temporal_end": "2020-02-05",
        "spatial": "83,835",
        "frequency": "daily",
    }
    upload, link = d["resources"]
    assert upload["format"] == "CSV" and upload["url_type"] == "upload"
    assert upload["datastore_active"] is True
    assert upload["url"].startswith("http://testserver/du-lieu/do-man-song/tai-nguyen/")
    assert upload["size"] == len(catalogue.measurements.versions.get().file.read())
    assert link["url"] == "https://example.vn/ban-tin.pdf" and link["datastore_active"] is False
    assert package_show_by_id(catalogue) == d


def package_show_by_id(catalogue: Catalogue):
    return get("package_show", id=str(catalogue.salinity.pk))[1]["result"]


def test_timestamps_are_utc_without_offset(catalogue):
    modified = datetime.datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=datetime.UTC)
    type(catalogue.salinity).objects.filter(pk=catalogue.salinity.pk).update(
        metadata_modified=modified
    )
    assert get("package_show", id="do-man-song")[1]["result"]["metadata_modified"] == (
        "2024-05-01T09:30:00.123456"
    )


def test_private_dataset_is_invisible_to_anonymous_and_outsiders(catalogue):
    status, _ = get("package_show", id="du-lieu-noi-bo")
    assert status == 404
    outsider = Client()
    outsider.force_login(catalogue.cast.other_specialist)
    assert get("package_show", outsider, id="du-lieu-noi-bo")[0] == 404
    insider = Client()
    insider.force_login(catalogue.cast.leader)
    status, body = get("package_show", insider, id="du-lieu-noi-bo")
    assert status == 200 and body["result"]["private"] is True
    # package_search shows it to the insider only with include_private
    assert get("package_search", insider, q="noi bo")[1]["result"]["count"] == 0
    assert (
        get("package_search", insider, q="noi bo", include_private="true")[1]["result"]["count"]
        == 1
    )
    assert get("package_search", q="noi bo", include_private="true")[1]["result"]["count"] == 0


def test_private_dataset_visible_with_an_api_token_in_authorization_header(catalogue):
    import hashlib

    ApiToken.objects.create(
        user=catalogue.cast.specialist, key_hash=hashlib.sha256(b"secret-token").hexdigest()
    )
    client = Client(headers={"Authorization": "secret-token"})
    assert get("package_show", client, id="du-lieu-noi-bo")[0] == 200


@pytest.mark.parametrize("q", ["độ mặn", "do man", "DO MAN", "Hàm Luông", "ham luong"])
def test_search_ignores_diacritics_and_case(catalogue, q):
    status, body = get("package_search", q=q)
    assert status == 200
    assert [d["name"] for d in body["result"]["results"]] == ["do-man-song"]


def test_search_everything_and_counts(catalogue):
    result = get("package_search", q="*:*")[1]["result"]
    assert result["count"] == 2
    assert {d["name"] for d in result["results"]} == {"do-man-song", "dien-tich-dua"}
    assert result["sort"] == "score desc, metadata_modified desc"


@pytest.mark.parametrize(
    ("fq", "expected"),
    [
        ("organization:so-tu-phap", ["do-man-song"]),
        ('tags:"nông nghiệp"', ["dien-tich-dua"]),
        ("res_format:CSV", ["do-man-song"]),
        ("res_format:json", ["dien-tich-dua"]),
        ("groups:moi-truong", ["do-man-song"]),
        ("license_id:odc-odbl", ["dien-tich-dua"]),
        ("tags:dừa +organization:so-xay-dung", ["dien-tich-dua"]),
        ("tags:dừa AND organization:so-tu-phap", []),
        ("-organization:so-tu-phap", ["dien-tich-dua"]),
        ("+dataset_type:dataset", ["dien-tich-dua", "do-man-song"]),
    ],
)
def test_fq_filters(catalogue, fq, expected):
    result = get("package_search", fq=fq, sort="name asc")[1]["result"]
    assert [d["name"] for d in result["results"]] == expected
    assert result["count"] == len(expected)


def test_unknown_fq_field_is_search_query_error(catalogue):
    status, body = get("package_search", fq="color:red")
    assert status == 400
    assert body["error"]["__type"] == "Search Query Error"


def test_facets_in_both_formats(catalogue):
    _status, body = call(
        "package_search",
        **{"facet.field": ["organization", "tags", "res_format"], "facet.limit": 10},
    )
    result = body["result"]
    assert result["facets"]["tags"] == {"nước": 1, "độ mặn": 1, "dừa": 1, "nông nghiệp": 1}
    orgs = result["search_facets"]["organization"]
    assert orgs["title"] == "organization"
    assert sorted(orgs["items"], key=lambda i: i["name"]) == [
        {"name": "so-tu-phap", "display_name": "Sở Tư pháp", "count": 1},
        {"name": "so-xay-dung", "display_name": "Sở Xây dựng", "count": 1},
    ]
    formats = {i["name"]: i["count"] for i in result["search_facets"]["res_format"]["items"]}
    assert formats == {"CSV": 1, "JSON": 1, "PDF": 1}  # the link's format comes from its URL


def test_facet_field_as_json_string_in_get_and_facet_limit(catalogue):
    result = get("package_search", **{"facet.field": '["tags"]', "facet.limit": "1"})[1]["result"]
    assert len(result["search_facets"]["tags"]["items"]) == 1
    result = get("package_search", **{"facet.field": '["tags"]', "facet.mincount": "2"})[1][
        "result"
    ]
    assert result["search_facets"]["tags"]["items"] == []


def test_rows_start_and_sort(catalogue):
    page1 = get("package_search", rows=1, sort="name asc")[1]["result"]
    page2 = get("package_search", rows=1, start=1, sort="name asc")[1]["result"]
    assert page1["count"] == 2
    assert [d["name"] for d in page1["results"] + page2["results"]] == [
        "dien-tich-dua",
        "do-man-song",
    ]
    titles = get("package_search", sort="title_string desc")[1]["result"]["results"]
    assert [d["name"] for d in titles] == [
        "do-man-song",
        "dien-tich-dua",
    ]  # "Độ" folds to "do" > "di"
    assert get("package_search", rows=5000)[0] == 200  # capped, not refused
    assert get("package_search", rows="x")[0] == 409
    assert get("package_search", sort="colour asc")[0] == 400


def test_score_ranks_title_matches_first(catalogue):
    from tinhso.datasets import services

    services.save_dataset(
        user=None,
        data=services.DatasetData(
            name="bao-cao",
            title="Báo cáo tổng hợp",
            organization=catalogue.org,
            notes="Có nhắc đến độ mặn trong phần phụ lục.",
        ),
    )
    result = get("package_search", q="độ mặn")[1]["result"]
    assert [d["name"] for d in result["results"]] == ["do-man-song", "bao-cao"]


def test_organization_list_and_show(catalogue):
    assert get("organization_list")[1]["result"] == ["so-tu-phap", "so-xay-dung"]
    full = get("organization_list", all_fields="true", sort="name desc")[1]["result"]
    assert [o["name"] for o in full] == ["so-xay-dung", "so-tu-phap"]
    assert full[1]["package_count"] == 1  # the private one is not counted
    assert get("organization_list", limit=1, offset=1)[1]["result"] == ["so-xay-dung"]
    status, body = get("organization_show", id="so-tu-phap", include_datasets="true")
    assert status == 200
    assert body["result"]["package_count"] == 1
    assert [p["name"] for p in body["result"]["packages"]] == ["do-man-song"]
    assert get("organization_show", id="khong-co")[0] == 404


def test_group_and_tag_lists(catalogue):
    assert get("group_list")[1]["result"] == ["moi-truong"]
    groups = get("group_list", all_fields="true")[1]["result"]
    assert groups[0]["package_count"] == 1
    assert get("tag_list")[1]["result"] == sorted(["dừa", "nông nghiệp", "nước", "độ mặn"])


def test_resource_show(catalogue):
    status, body = get("resource_show", id=str(catalogue.measurements.pk))
    assert status == 200
    assert body["result"]["package_id"] == str(catalogue.salinity.pk)
    assert body["result"]["name"] == "Số đo"
    assert get("resource_show", id="00000000-0000-0000-0000-000000000000")[0] == 404


def test_datastore_search_shape_and_links(catalogue):
    rid = str(catalogue.measurements.pk)
    status, body = call("datastore_search", resource_id=rid, limit=2)
    result = body["result"]
    assert status == 200
    assert result["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "tram", "type": "text"},
        {"id": "ngay", "type": "date"},
        {"id": "do_man", "type": "numeric"},
        {"id": "nguoi_do", "type": "text"},
        {"id": "hop_le", "type": "bool"},
    ]
    assert result["total"] == 5 and result["limit"] == 2 and result["offset"] == 0
    assert result["records"][0] == {
        "_id": 1,
        "tram": "Bình Đại",
        "ngay": "2020-02-01",
        "do_man": 12.5,
        "nguoi_do": "An",
        "hop_le": True,
    }
    assert result["_links"]["start"].startswith("/api/3/action/datastore_search?")
    assert "offset=2" in result["_links"]["next"]


def test_datastore_paging_walks_every_row_once(catalogue):
    rid = str(catalogue.measurements.pk)
    seen, offset = [], 0
    while True:
        page = get("datastore_search", resource_id=rid, limit=2, offset=offset)[1]["result"]
        if not page["records"]:
            break
        seen += [r["_id"] for r in page["records"]]
        offset += 2
    assert seen == [1, 2, 3, 4, 5]


def test_datastore_typed_filters_and_sort(catalogue):
    rid = str(catalogue.measurements.pk)

    def ids(**params):
        status, body = call("datastore_search", resource_id=rid, **params)
        assert status == 200, body
        return [r["_id"] for r in body["result"]["records"]]

    # numeric order, not text order ("9" < "12.5" as numbers); nulls last ascending
    assert ids(sort="do_man") == [5, 2, 1, 3, 4]
    assert ids(sort="do_man desc") == [4, 3, 1, 2, 5]
    assert ids(sort="do_man desc nulls last") == [3, 1, 2, 5, 4]
    assert ids(filters={"do_man": {"gt": 9}}) == [1, 3]
    assert ids(filters={"do_man": {"gte": 9, "lt": 15}}) == [1, 2]
    assert ids(filters={"do_man": 9}) == [2]
    assert ids(filters={"do_man": None}) == [4]
    assert ids(filters={"tram": ["Bình Đại", "Sơn Đốc"]}) == [1, 5]
    assert ids(filters={"hop_le": True}) == [1, 3, 4]
    assert ids(filters={"hop_le": "false"}) == [2]
    assert ids(filters={"ngay": {"gte": "2020-02-03"}}) == [3, 4, 5]
    assert ids(filters={"ngay": "03/02/2020"}) == [3]
    assert ids(q="dao") == [5]  # "Đào" without diacritics
    assert ids(q="binh dai") == [1]
    assert ids(q={"nguoi_do": "ũn"}) == [4]
    assert ids(sort="tram desc", limit=1) == [5]


def test_datastore_fields_total_and_formats(catalogue):
    rid = str(catalogue.measurements.pk)
    r = call(
        "datastore_search", resource_id=rid, fields="tram,do_man", include_total=False, limit=2
    )[1]
    assert r["result"]["fields"] == [
        {"id": "tram", "type": "text"},
        {"id": "do_man", "type": "numeric"},
    ]
    assert "total" not in r["result"]
    r = call(
        "datastore_search",
        resource_id=rid,
        fields=["tram", "do_man"],
        records_format="lists",
        limit=2,
    )[1]
    assert r["result"]["records"] == [["Bình Đại", 12.5], ["Lộc Thuận", 9]]
    r = call(
        "datastore_search",
        resource_id=rid,
        fields=["tram", "do_man"],
        records_format="csv",
        limit=2,
    )[1]
    assert r["result"]["records"] == "Bình Đại,12.5\r\nLộc Thuận,9\r\n"


def test_datastore_errors(catalogue):
    rid = str(catalogue.measurements.pk)
    status, body = call("datastore_search")
    assert status == 409 and body["error"]["resource_id"] == ["Missing value"]
    status, body = call("datastore_search", resource_id="00000000-0000-0000-0000-000000000000")
    assert status == 404 and body["error"]["__type"] == "Not Found Error"
    for params in (
        {"filters": {"mau": 1}},
        {"filters": {"do_man": "nhiều"}},
        {"filters": {"do_man": {"near": 1}}},
        {"sort": "mau"},
        {"fields": ["mau"]},
        {"limit": -1},
        {"records_format": "xml"},
    ):
        status, body = call("datastore_search", resource_id=rid, **params)
        assert status == 409, params
        assert body["error"]["__type"] == "Validation Error"


def test_datastore_of_private_dataset_is_not_found_for_anonymous(catalogue):
    from tinhso.datasets import services

    resource = services.add_resource(
        user=None,
        dataset=catalogue.secret,
        upload=services.DataFile("a.csv", b"a\n1\n"),
    )
    assert call("datastore_search", resource_id=str(resource.pk))[0] == 404
    insider = Client()
    insider.force_login(catalogue.cast.specialist)
    assert call("datastore_search", insider, resource_id=str(resource.pk))[0] == 200


def test_get_with_json_encoded_filters(catalogue):
    rid = str(catalogue.measurements.pk)
    status, body = get("datastore_search", resource_id=rid, filters=json.dumps({"tram": "Mỹ Hóa"}))
    assert status == 200
    assert [r["_id"] for r in body["result"]["records"]] == [4]


def test_help_and_status(catalogue):
    response = Client().get("/api/3/action/help_show", {"name": "datastore_search"})
    status, body = response.status_code, response.json()
    assert status == 200 and "resource_id" in body["result"]
    assert get("status_show")[1]["result"]["extensions"] == ["datastore"]
