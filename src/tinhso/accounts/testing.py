"""Test helpers for the second factor (used by this app's tests and by browser tests).

* :func:`enrol` gives an official an authenticator with a known secret.
* :func:`fresh_code` returns a code the server will accept now for that official: codes are
  single use per 30-second step, so a second sign-in of the same official within one step gets
  the next step's code (accepted for clock drift), waiting only if even that was used.
* :func:`pass_second_factor` fills the second-factor page in Playwright when it is shown.
"""

import time
from typing import Any

from django.utils import timezone

from tinhso.accounts.demo import DEMO_TOTP_SECRET
from tinhso.accounts.models import SecondFactor, User
from tinhso.accounts.twofactor import STEP_SECONDS, current_step, totp


def enrol(user: User, secret: str = DEMO_TOTP_SECRET) -> SecondFactor:
    factor, _ = SecondFactor.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed_at": timezone.now(), "last_step": 0}
    )
    return factor


def fresh_code(user: User | str) -> str:
    if isinstance(user, str):
        user = User.objects.get(username=user)
    factor = SecondFactor.objects.get(user=user)
    while True:
        now = current_step()
        step = max(now, factor.last_step + 1)
        if step <= now + 1:
            return totp(factor.secret).at(step * STEP_SECONDS)
        time.sleep(max(0.1, (now + 1) * STEP_SECONDS - time.time()))


def pass_second_factor(page: Any, username: str) -> None:
    """After the password step in a browser: enter a code when the page asks for one (on the
    enrolment page, from the secret it shows, then continue past the recovery codes)."""
    if not page.locator("#id_otp").count():
        return
    enrolling = page.locator("#otp-secret").count() > 0
    if enrolling:
        secret = page.locator("#otp-secret").inner_text().replace(" ", "")
        code = totp(secret).now()
    else:
        code = fresh_code(username)
    page.fill("#id_otp", code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if enrolling:
        page.locator("#recovery-codes ~ .actions a").click()
        page.wait_for_load_state()


def token_request(username: str, password: str = "pw") -> dict[str, str]:  # noqa: S107
    """The JSON body for ``POST /api/v1/auth/token``: with a fresh ``otp`` for officials (who
    are enrolled with the demo secret first if they have no authenticator)."""
    from tinhso.accounts.twofactor import needs_second_factor

    body = {"username": username, "password": password}
    user = User.objects.get(username=username)
    if needs_second_factor(user):
        if not SecondFactor.objects.filter(user=user).exists():
            enrol(user)
        body["otp"] = fresh_code(user)
    return body


def bearer_header(client: Any, username: str) -> dict[str, str]:
    """Sign ``username`` in on ``POST /api/v1/auth/token`` (with a fresh second-factor code for
    officials) and return the ``Authorization: Bearer …`` header as test-client keyword
    arguments."""
    response = client.post(
        "/api/v1/auth/token", token_request(username), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
