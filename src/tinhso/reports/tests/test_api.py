"""``/api/v1/feedback``: the nearby suggestions (anonymous), one report (public, private,
personal data), officials' actions (403 citizens, 404 unknown, 409 wrong state, 400 bad input)."""

import json

import pytest
from django.utils import timezone

from tinhso.reports.models import Report

from .conftest import PHU_KHUONG, bearer, file_as, offset

NEARBY = "/api/v1/feedback/nearby"


def _actions(client, report_id, headers, **body):
    return client.post(
        f"/api/v1/feedback/{report_id}/actions",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_nearby_is_anonymous_and_carries_no_personal_data(client, world):
    now = timezone.now()  # the endpoint looks 90 days back from now
    report = file_as(world.cast.citizen, place=offset(PHU_KHUONG, 120), now=now)
    file_as(world.cast.citizen, place=offset(PHU_KHUONG, 400), text="Xa", now=now)
    response = client.get(
        NEARBY,
        {"lat": str(PHU_KHUONG[0]), "long": str(PHU_KHUONG[1]), "service_code": "duong-hu-hong"},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["service_request_id"] for i in items] == [report.public_id]
    assert set(items[0]) == {
        "service_request_id",
        "distance_m",
        "service_code",
        "description",
        "status",
        "requested_datetime",
    }
    assert items[0]["status"] == "open" and 115 < items[0]["distance_m"] < 125
    assert "Nguyễn" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "abc", "long": "106.38", "service_code": "duong-hu-hong"}, "lat"),
        ({"lat": "nan", "long": "106.38", "service_code": "duong-hu-hong"}, "lat"),
        ({"lat": "10.2", "long": "999", "service_code": "duong-hu-hong"}, "long"),
        ({"lat": "10.2", "long": "106.38", "service_code": "khong-co"}, "service_code"),
        (
            {"lat": "10.2", "long": "106.38", "service_code": "duong-hu-hong", "distance": "0"},
            "distance",
        ),
        ({"lat": "10.2\x00", "long": "106.38", "service_code": "duong-hu-hong"}, None),
    ],
)
def test_nearby_bad_input_is_a_json_400(client, world, params, field):
    response = client.get(NEARBY, params)
    assert response.status_code == 400
    if field:
        assert response.json()["field"] == field


def test_public_report_is_readable_without_contact(client, world):
    report = file_as(world.cast.citizen)
    response = client.get(f"/api/v1/feedback/{report.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "received" and body["agency_code"] == world.cast.dept.code
    assert body["reporter_name"] is None and body["reporter_phone"] is None
    assert "no-store" in response["Cache-Control"]


def test_private_report_only_for_reporter_and_handlers(client, world):
    report = file_as(world.cast.citizen, private=True)
    url = f"/api/v1/feedback/{report.public_id}"
    assert client.get(url).status_code == 404
    assert client.get(url, **bearer(world.cast.other_citizen)).status_code == 404
    assert client.get(url, **bearer(world.cast.other_leader)).status_code == 404
    mine = client.get(url, **bearer(world.cast.citizen)).json()
    assert mine["reporter_name"] == "Nguyễn Văn An"
    handler = client.get(url, **bearer(world.cast.specialist)).json()
    assert handler["reporter_name"] is None and handler["reporter_phone"] is None
    assert handler["classify_due_at"] is not None


def test_unknown_report_is_404(client, world):
    assert client.get("/api/v1/feedback/PA-NOPE").status_code == 404
    response = _actions(client, "PA-NOPE", bearer(world.cast.leader), action="acknowledge")
    assert response.status_code == 404


def test_officials_handle_through_actions_and_open311_status_follows(client, world):
    cast = world.cast
    report = file_as(cast.citizen)
    rid = report.public_id
    clerk, leader, specialist = (
        bearer(world.dept_clerk),
        bearer(cast.leader),
        bearer(cast.specialist),
    )
    assert _actions(client, rid, clerk, action="acknowledge").json()["status"] == "acknowledged"
    body = _actions(client, rid, leader, action="assign", assignee=cast.specialist.username).json()
    assert body["status"] == "assigned" and body["assignee"] == cast.specialist.username
    body = _actions(client, rid, specialist, action="answer", comment="Đã sửa xong.").json()
    assert body["status"] == "answered" and body["open311_status"] == "closed"
    assert body["answer"] == "Đã sửa xong."
    response = _actions(client, rid, clerk, action="close")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert "no-store" in response["Cache-Control"]


def test_citizens_get_403_and_anonymous_401(client, world):
    report = file_as(world.cast.citizen)
    for user in (world.cast.citizen, world.cast.other_citizen):
        response = _actions(client, report.public_id, bearer(user), action="answer", comment="x")
        assert response.status_code == 403
    assert _actions(client, report.public_id, {}, action="answer", comment="x").status_code == 401
    assert Report.objects.get(pk=report.pk).status == "received"


def test_wrong_state_is_409_and_bad_input_400(client, world):
    report = file_as(world.cast.citizen)
    leader = bearer(world.cast.leader)
    assert _actions(client, report.public_id, leader, action="close").status_code == 409
    response = _actions(client, report.public_id, leader, action="explode")
    assert response.status_code == 400 and response.json()["field"] == "action"
    response = _actions(client, report.public_id, leader, action="assign", assignee="nobody")
    assert response.status_code == 400 and response.json()["field"] == "assignee"
    response = _actions(client, report.public_id, leader, action="transfer", agency="X")
    assert response.status_code == 400 and response.json()["field"] == "agency"
    response = _actions(client, report.public_id, leader, action="answer", comment="a\x00b")
    assert response.status_code == 400


def test_transfer_and_merge_through_the_api(client, world):
    cast = world.cast
    survivor = file_as(cast.citizen)
    other = file_as(cast.other_citizen, text="Ổ gà")
    leader = bearer(cast.leader)
    response = _actions(
        client, other.public_id, leader, action="merge", duplicate_of=survivor.public_id
    )
    assert response.status_code == 200 and response.json()["duplicate_of"] == survivor.public_id
    response = _actions(
        client,
        survivor.public_id,
        leader,
        action="transfer",
        agency=cast.other_dept.code,
        comment="Sai thẩm quyền",
    )
    assert response.status_code == 200 and response.json()["agency_code"] == cast.other_dept.code
    assert Report.objects.get(pk=survivor.pk).due_at == survivor.due_at  # the clock kept


def test_session_writes_need_csrf(world):
    from django.test import Client

    report = file_as(world.cast.citizen)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.cast.leader)
    from tinhso.testing import give_consent

    give_consent(world.cast.leader)
    response = _actions(client, report.public_id, {}, action="acknowledge")
    assert response.status_code == 403
    assert Report.objects.get(pk=report.pk).status == "received"


def test_photos_through_the_checking_view_only(client, world):
    from .conftest import jpeg

    public = file_as(world.cast.citizen, photos=[jpeg()])
    private = file_as(world.cast.citizen, text="Riêng", private=True, photos=[jpeg()])
    public_photo = client.get(f"/api/v1/feedback/{public.public_id}").json()["photos"][0]
    response = client.get(f"/api/v1/feedback/{public.public_id}/photos/{public_photo}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    private_photo = private.photos.get().pk
    url = f"/api/v1/feedback/{private.public_id}/photos/{private_photo}"
    assert client.get(url).status_code == 404
    assert client.get(url, **bearer(world.cast.other_citizen)).status_code == 404
    mine = client.get(url, **bearer(world.cast.citizen))
    assert mine.status_code == 200 and "no-store" in mine["Cache-Control"]
    # Another report's photo id under a public report is not served.
    assert (
        client.get(f"/api/v1/feedback/{public.public_id}/photos/{private_photo}").status_code == 404
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/feedback/PA-%00",
        "/api/v1/feedback/" + "x" * 300,
        "/api/v1/feedback/PA-1/photos/abc",
        "/api/v1/feedback/PA-1/photos/99999999999999999999999",
        "/api/v1/feedback/%C3%A9%E1%BA%A1",
    ],
)
def test_odd_paths_are_json_4xx(client, world, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")


def test_undecodable_or_missing_action_body_is_400(client, world):
    report = file_as(world.cast.citizen)
    url = f"/api/v1/feedback/{report.public_id}/actions"
    headers = bearer(world.cast.leader)
    for body in (b"\xff\xfe{", b"{}", b"[]", b'{"action": 5}'):
        response = client.post(url, data=body, content_type="application/json", **headers)
        assert 400 <= response.status_code < 500, body
        assert response.status_code != 409
