"""The site URL follows the host and port served in development and is explicit in production
(issue 15, walk-through 1): `make run PORT=8080` or http://localhost:… used to send the payer to
http://127.0.0.1:8000, which the CSP's form-action blocked."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client, override_settings

from tinhso import checks
from tinhso.payments.tests.test_vnpay_ipn import waiting_dossier
from tinhso.testing import make_cast

ROOT = Path(__file__).resolve().parents[4]
SERVED = "localhost:8080"


@pytest.fixture(autouse=True)
def _sandbox_dir(settings, tmp_path):
    settings.TINHSO_VNPAY_SANDBOX_DIR = tmp_path / "vnpay-sandbox"


@pytest.fixture
def cast(db):
    return make_cast()


def settings_in_a_fresh_process(**env: str) -> dict[str, object]:
    """TINHSO_SITE_URL and TINHSO_SITE_URL_FOLLOWS_REQUEST as a new process reads them."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TINHSO_", "DJANGO_"))}
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.TINHSO_SITE_URL, settings.TINHSO_SITE_URL_FOLLOWS_REQUEST]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=clean
        | {"DJANGO_SETTINGS_MODULE": "tinhso.settings", "PYTHONPATH": str(ROOT / "src")}
        | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    site_url, follows = json.loads(done.stdout.strip().splitlines()[-1])
    return {"site_url": site_url, "follows_request": follows}


def csp_form_action(response) -> list[str]:
    for directive in response["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        if name == "form-action":
            return sources
    return []


def allowed_by_form_action(response, url: str, served_origin: str) -> bool:
    """Would the browser follow a form's redirect to ``url`` under this response's CSP?"""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    sources = csp_form_action(response)
    return origin in sources or ("'self'" in sources and origin == served_origin)


def test_make_run_passes_its_port_to_the_site_url():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8080"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "TINHSO_PORT=8080 .venv/bin/tinhso runserver 127.0.0.1:8080" in dry_run.stdout
    assert "TINHSO_PORT=8080 .venv/bin/tinhso worker &" in dry_run.stdout  # its links too
    assert settings_in_a_fresh_process(TINHSO_PORT="8080") == {
        "site_url": "http://127.0.0.1:8080",
        "follows_request": True,
    }


def test_an_explicit_site_url_is_kept_and_production_never_guesses_one():
    explicit = settings_in_a_fresh_process(TINHSO_SITE_URL="https://dvc.example.vn")
    assert explicit == {"site_url": "https://dvc.example.vn", "follows_request": False}
    production = settings_in_a_fresh_process(TINHSO_DEBUG="false", TINHSO_SECRET_KEY="x" * 60)
    assert production == {"site_url": "", "follows_request": False}


@pytest.mark.parametrize("url", ["", "dichvucong.example.vn", "/ho-so/"])
def test_check_deploy_refuses_a_missing_or_relative_site_url(url):
    with override_settings(TINHSO_SITE_URL=url):
        messages = checks.check_site_url()
    assert [m.id for m in messages] == ["tinhso.E005"]
    assert "TINHSO_SITE_URL" in messages[0].msg and "TINHSO_SITE_URL" in messages[0].hint
    with override_settings(TINHSO_SITE_URL="https://dichvucong.example.vn"):
        assert checks.check_site_url() == []


def test_vnpay_payment_on_localhost_8080_stays_on_that_origin_and_the_csp_allows_it(cast):
    dossier = waiting_dossier(cast)
    client = Client(HTTP_HOST=SERVED)
    client.force_login(cast.citizen)
    served = f"http://{SERVED}"

    started = client.post(f"/payments/vnpay/start/{dossier.code}")
    assert started.status_code == 302
    gateway = started["Location"]
    assert gateway.startswith(f"{served}/payments/sandbox/vnpay/pay?")
    assert allowed_by_form_action(started, gateway, served)
    params = dict(parse_qsl(urlsplit(gateway).query, keep_blank_values=True))
    assert params["vnp_ReturnUrl"] == f"{served}/payments/vnpay/return"

    # The sandbox page's button posts back to itself and redirects to the Return URL.
    assert client.get(urlsplit(gateway).path, params).status_code == 200
    paid = client.post(urlsplit(gateway).path, params | {"outcome": "pay"})
    assert paid.status_code == 302
    assert paid["Location"].startswith(f"{served}/payments/vnpay/return?")
    assert allowed_by_form_action(paid, paid["Location"], served)
    back = client.get(paid["Location"].removeprefix(served))
    assert back.status_code == 200 and "Thanh toán thành công" in back.content.decode()
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000


def test_an_explicit_site_url_on_another_origin_is_added_to_form_action(cast, settings):
    settings.TINHSO_SITE_URL = "http://127.0.0.1:8080"
    settings.TINHSO_SITE_URL_FOLLOWS_REQUEST = False
    dossier = waiting_dossier(cast)
    client = Client(HTTP_HOST=SERVED)
    client.force_login(cast.citizen)
    started = client.post(f"/payments/vnpay/start/{dossier.code}")
    assert started["Location"].startswith("http://127.0.0.1:8080/payments/sandbox/vnpay/pay?")
    assert "http://127.0.0.1:8080" in csp_form_action(started)
    assert allowed_by_form_action(started, started["Location"], f"http://{SERVED}")
    # Served under the configured origin itself, 'self' covers it: nothing added.
    same = Client(HTTP_HOST="127.0.0.1:8080").get("/")
    assert csp_form_action(same) == ["'self'"]
