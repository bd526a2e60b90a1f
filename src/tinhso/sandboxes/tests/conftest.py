"""Every sandbox test runs the sandbox enabled, with its own state directory."""

import pytest


@pytest.fixture(autouse=True)
def _national_sandbox(settings, tmp_path):
    settings.TINHSO_NATIONAL_SANDBOX = True
    settings.TINHSO_NATIONAL_SANDBOX_DIR = tmp_path / "national-sandbox"
    settings.TINHSO_DVCQG_USERNAME = "tinhso-demo"
    settings.TINHSO_DVCQG_PASSWORD = "demo-password"
    settings.TINHSO_DVCQG_DSTCODE = "DVCQG"
