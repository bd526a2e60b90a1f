"""Every sync fault knob of the national sandbox (spec §11.3) against the real client and system
over HTTP (issue 16: "each sync fault knob exercised at least once"). Each test sets one knob,
delivers a received dossier and checks what the outbox would be told and what the portal holds;
then the knob is turned off and the same item goes through."""

import pytest
import requests

from tinhso.integrations.models import NationalSync
from tinhso.integrations.tests.conftest import held
from tinhso.integrations.tests.test_national_sandbox_e2e import deliver, received
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db(transaction=True)


def knobs(sandbox: str, **values) -> None:
    response = requests.post(f"{sandbox}/faults", json=values, timeout=5)
    assert response.status_code == 200, response.text


def nothing_held(sandbox: str, code: str) -> bool:
    return requests.get(f"{sandbox}/state", params={"MaHoSo": code}, timeout=5).status_code == 404


def fresh():
    """A dossier received at the centre's counter (filed online, status 2)."""
    cast = make_cast()
    return received(cast, cast.clerk)


def test_garbage_answers_are_retried_then_delivered(sandbox):
    dossier = fresh()
    knobs(sandbox, HTTP200_GARBAGE_RATE=1)
    outcome = deliver(dossier)
    assert outcome.kind == "retry" and "không đọc được" in outcome.error
    knobs(sandbox, HTTP200_GARBAGE_RATE=0)
    assert deliver(dossier, attempts=1).kind == "delivered"
    assert held(sandbox, dossier.code)["inserts"] == 1


@pytest.mark.parametrize("style", ["int0", "str0", "str00"])
def test_every_success_code_style_is_success(sandbox, style):
    dossier = fresh()
    knobs(sandbox, ERROR_CODE_STYLE=style)
    assert deliver(dossier).kind == "delivered"
    assert NationalSync.objects.get(dossier=dossier).state == "inserted"


def test_an_expired_session_is_renewed_once_and_the_call_replayed(sandbox):
    dossier = fresh()
    assert deliver(dossier).kind == "delivered"  # a session is held from here on
    knobs(sandbox, SESSION_EXPIRE_NOW=True)
    dossier.refresh_from_db()
    assert deliver(dossier).kind == "delivered"
    assert held(sandbox, dossier.code)["inserts"] == 1


def test_plain_text_progress_answers_are_not_taken_for_success(sandbox):
    dossier = fresh()
    knobs(sandbox, PROGRESS_TEXT_ONLY=True)
    outcome = deliver(dossier, "B")
    assert outcome.kind == "retry"
    assert NationalSync.objects.get(dossier=dossier).progress_sent_upto == 0
    knobs(sandbox, PROGRESS_TEXT_ONLY=False)
    assert deliver(dossier, "B", attempts=1).kind == "delivered"
    # The sandbox kept the entries whose answer we could not read; the resend repeats them
    # (the outcome was unknown, R-NAT-013): the portal ends with every step, in order, last.
    assert [p["TrangThai"] for p in held(sandbox, dossier.code)["progress"]][-2:] == ["1", "2"]


def test_a_rate_limit_answers_retry_after_and_the_outbox_waits(sandbox):
    dossier = fresh()
    knobs(sandbox, RATE_LIMIT=1)
    outcome = deliver(dossier)  # auth, upsert: the second request of the minute is refused
    assert outcome.kind == "retry" and "429" in outcome.error
    assert outcome.retry_after and outcome.retry_after > 0
    assert nothing_held(sandbox, dossier.code)


@pytest.mark.parametrize("style", ["thanhhoa", "opencps"])
def test_an_insert_the_portal_already_holds_becomes_an_update(sandbox, style):
    dossier = fresh()
    knobs(sandbox, DUPLICATE_STYLE=style)
    assert deliver(dossier).kind == "delivered"
    NationalSync.objects.filter(dossier=dossier).update(state="never")  # our record lost
    assert deliver(dossier).kind == "delivered"
    assert held(sandbox, dossier.code)["inserts"] == 1
    assert NationalSync.objects.get(dossier=dossier).state == "updated"
