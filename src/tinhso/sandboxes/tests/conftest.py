"""Every sandbox test runs the sandbox enabled, with its own state directory and no fault knobs
from the environment."""

import pytest

from tinhso.sandboxes.national import faults
from tinhso.sandboxes.tests.support import Receiver


@pytest.fixture(autouse=True)
def _national_sandbox(settings, tmp_path, monkeypatch):
    for name in faults.KNOBS:
        monkeypatch.delenv(faults.ENV_PREFIX + name, raising=False)
    settings.TINHSO_NATIONAL_SANDBOX = True
    settings.TINHSO_NATIONAL_SANDBOX_DIR = tmp_path / "national-sandbox"
    settings.TINHSO_DVCQG_USERNAME = "tinhso-demo"
    settings.TINHSO_DVCQG_PASSWORD = "demo-password"
    settings.TINHSO_DVCQG_DSTCODE = "DVCQG"


@pytest.fixture
def receiver(settings):
    """A local HTTP server in place of Tỉnh Số's push endpoint (and of file links)."""
    with Receiver() as server:
        settings.TINHSO_SITE_URL = server.url
        settings.TINHSO_DVCQG_SANDBOX_PUSH_URL = "{site_url}/national/inbound/dossiers"
        settings.TINHSO_DVCQG_SANDBOX_PUSH_SECRET = "push-secret"
        yield server
