"""The anonymous lookup's failure limit holds on the API as on the page, with one shared budget.

``GET /api/v1/lookup/{code}`` and ``POST /tra-cuu/`` count failed guesses (unknown code or wrong
phone digits) per client address and per code against TINHSO_LOOKUP_FAILURES_PER_HOUR (10); past
it both answer 429 with Retry-After — even to the right digits — until the hour is over.
"""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from tinhso.dossiers import services
from tinhso.testing import FORM_DATA, Cast, make_cast

pytestmark = pytest.mark.django_db

RIGHT = "5678"  # last digits of the cast citizen's phone


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


def _filed(cast: Cast) -> str:
    """The code of a dossier the cast citizen filed (phone ending in RIGHT)."""
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=dict(FORM_DATA),
        applicant=services.Applicant.from_user(cast.citizen),
    )
    assert dossier.code
    return dossier.code


def _api(code: str, digits: str, address: str = "203.0.113.7"):
    return Client().get(f"/api/v1/lookup/{code}", {"phone_last4": digits}, REMOTE_ADDR=address)


def _page(code: str, digits: str, address: str = "203.0.113.7"):
    return Client().post("/tra-cuu/", {"code": code, "phone_last4": digits}, REMOTE_ADDR=address)


def _assert_locked(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "sai quá nhiều lần" in body["detail"]
    assert "status" not in body and "history" not in body  # nothing about the dossier
    assert 1 <= int(response["Retry-After"]) <= 3600


def test_right_digits_answer_the_status(cast):
    code = _filed(cast)
    response = _api(code, RIGHT)
    assert response.status_code == 200
    assert response.json()["code"] == code


def test_eleventh_wrong_guess_is_refused_and_so_is_the_right_answer_after_it(cast):
    code = _filed(cast)
    for guess in range(10):
        response = _api(code, f"{guess:04d}")
        assert response.status_code == 404, guess
    _assert_locked(_api(code, "0010"))
    _assert_locked(_api(code, RIGHT))


def test_the_address_is_locked_whatever_code_it_tries_next(cast):
    code = _filed(cast)
    for n in range(10):  # ten different unknown codes: only the address budget fills up
        assert _api(f"000.00.01.H61-990101-{n:04d}", RIGHT).status_code == 404
    _assert_locked(_api(code, RIGHT))
    assert _api(code, RIGHT, address="198.51.100.9").status_code == 200


def test_page_and_api_draw_on_one_budget(cast):
    code = _filed(cast)
    for guess in range(5):
        assert _page(code, f"{guess:04d}").status_code == 404
        assert _api(code, f"{guess + 5:04d}").status_code == 404
    _assert_locked(_api(code, RIGHT))
    page = _page(code, RIGHT)
    assert page.status_code == 429
    assert 1 <= int(page["Retry-After"]) <= 3600
    assert "sai quá nhiều lần" in page.content.decode()


def test_retry_after_counts_down_and_the_lock_ends_with_the_hour(cast):
    code = _filed(cast)
    start = datetime.datetime(2025, 11, 24, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for guess in range(10):
            _api(code, f"{guess:04d}")
        clock.shift(datetime.timedelta(minutes=20))
        locked = _api(code, RIGHT)
        _assert_locked(locked)
        assert int(locked["Retry-After"]) == 40 * 60
        clock.shift(datetime.timedelta(minutes=40, seconds=1))
        assert _api(code, RIGHT).status_code == 200


def test_the_limit_is_the_setting(cast, settings):
    settings.TINHSO_LOOKUP_FAILURES_PER_HOUR = 2
    code = _filed(cast)
    assert _api(code, "0000").status_code == 404
    assert _api(code, "0001").status_code == 404
    _assert_locked(_api(code, RIGHT))


def test_a_malformed_guess_is_a_400_and_does_not_count(cast, settings):
    settings.TINHSO_LOOKUP_FAILURES_PER_HOUR = 2
    code = _filed(cast)
    for _ in range(3):
        assert _api(code, "12a").status_code == 400
    assert _api(code, RIGHT).status_code == 200
