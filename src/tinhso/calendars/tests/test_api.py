"""GET /api/v1/calendar/due — public due-time calculator."""

import datetime as dt

import pytest

from tinhso.calendars import worktime
from tinhso.calendars.models import CalendarOverride

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar/due"


@pytest.fixture(autouse=True)
def _fresh_cache():
    worktime.invalidate_calendar_cache()
    yield
    worktime.invalidate_calendar_cache()


def due(client, **params):
    return client.get(URL, params)


@pytest.mark.parametrize(
    ("start", "working_days", "expected"),
    [
        ("2025-06-10T09:00:00+07:00", "3", "2025-06-13T09:00:00+07:00"),  # E1
        ("2025-06-13T17:20:00+07:00", "1", "2025-06-16T17:00:00+07:00"),  # E2
        ("2025-04-25T10:00:00+07:00", "3", "2025-04-29T10:00:00+07:00"),  # E3
        ("2026-02-13T15:00:00+07:00", "2", "2026-02-24T15:00:00+07:00"),  # E6
        ("2025-06-10T09:00:00", "3", "2025-06-13T09:00:00+07:00"),  # naive → Vietnam time
        ("2025-06-10T02:00:00Z", "3", "2025-06-13T09:00:00+07:00"),  # UTC
        ("2025-06-10T10:00:00+07:00", "0.25", "2025-06-10T14:00:00+07:00"),
        ("2025-06-10T09:00:00+07:00", "0.5", "2025-06-10T15:00:00+07:00"),
        ("2025-06-10T09:00:00+07:00", "0,5", "2025-06-10T15:00:00+07:00"),
        ("2025-06-10T19:00:00+07:00", "0", "2025-06-11T07:00:00+07:00"),
        ("2025-06-10 09:00", "3", "2025-06-13T09:00:00+07:00"),
        ("2025-06-10", "1", "2025-06-10T17:00:00+07:00"),  # midnight → from 07:00
    ],
)
def test_due_time(client, start, working_days, expected):
    response = due(client, start=start, working_days=working_days)
    assert response.status_code == 200, response.content
    assert response.json() == {"due_at": expected}


@pytest.mark.parametrize("start", ["2025-06-10T09:00:00+07:00", "2025-06-10T02:00:00.5+00:00"])
def test_unencoded_plus_sign_in_offset_is_accepted(client, start):
    response = client.get(f"{URL}?start={start}&working_days=3")
    assert response.status_code == 200, response.content
    assert response.json()["due_at"].startswith("2025-06-13T09:00:00")


def test_admin_override_changes_the_answer(client):
    CalendarOverride.objects.create(
        date=dt.date(2025, 6, 12), kind=CalendarOverride.Kind.DAY_OFF, name="Nghỉ"
    )
    response = due(client, start="2025-06-10T09:00:00+07:00", working_days="3")
    assert response.json() == {"due_at": "2025-06-16T09:00:00+07:00"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"working_days": "3"}, "start"),
        ({"start": "", "working_days": "3"}, "start"),
        ({"start": "10/06/2025 09:00", "working_days": "3"}, "start"),
        ({"start": "2025-13-40T09:00:00", "working_days": "3"}, "start"),
        ({"start": "9999-06-10T09:00:00", "working_days": "3"}, "start"),
        ({"start": "2025-06-10T09:00:00+07:00"}, "working_days"),
        ({"start": "2025-06-10T09:00:00+07:00", "working_days": "ba"}, "working_days"),
        ({"start": "2025-06-10T09:00:00+07:00", "working_days": "-1"}, "working_days"),
        ({"start": "2025-06-10T09:00:00+07:00", "working_days": "3651"}, "working_days"),
        ({"start": "2025-06-10T09:00:00+07:00", "working_days": "NaN"}, "working_days"),
        ({"start": "2025-06-10T09:00:00+07:00", "working_days": "Infinity"}, "working_days"),
    ],
)
def test_bad_input_gives_400_with_field_and_vietnamese_message(client, params, field):
    response = due(client, **params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "field"}
    assert body["field"] == field
    assert any(ch in body["detail"] for ch in "ốờàảệạ"), body["detail"]


def test_largest_allowed_period_is_answered(client):
    response = due(client, start="2026-01-05T07:00:00+07:00", working_days="3650")
    assert response.status_code == 200
    assert response.json()["due_at"].endswith("+07:00")


def test_endpoint_is_public_and_listed_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][URL]["get"]
    assert "security" not in operation
    assert set(operation["responses"]) == {"200", "400"}
