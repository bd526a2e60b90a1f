"""`tinhso check --deploy` refuses production with debug on, a default secret or the demo PKI."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from tinhso import checks
from tinhso.results import pki

STRONG_KEY = secrets.token_urlsafe(64)


@pytest.fixture
def fresh_pki_dir(tmp_path, settings):
    settings.TINHSO_PKI_DIR = tmp_path / "pki"
    return settings.TINHSO_PKI_DIR


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_debug_on_is_an_error():
    with override_settings(DEBUG=True):
        messages = checks.check_debug()
    assert ids(messages) == ["tinhso.E001"]
    assert isinstance(messages[0], Error)
    assert "DEBUG" in messages[0].msg and "TINHSO_DEBUG=false" in messages[0].hint
    with override_settings(DEBUG=False):
        assert checks.check_debug() == []


@pytest.mark.parametrize(
    "key",
    [
        "insecure-development-key-change-me",  # the settings' development default
        "django-insecure-" + "x1y2z3" * 10,  # what startproject writes
        "please-change-me-" + "a1b2c3d4" * 6,
        "short-but-random-Zq81",
        "a" * 80,  # long but fewer than 5 distinct characters
    ],
)
def test_default_demo_or_weak_secret_key_is_an_error(key):
    with override_settings(SECRET_KEY=key):
        messages = checks.check_secret_key()
    assert ids(messages) == ["tinhso.E002"]
    assert "SECRET_KEY" in messages[0].msg and "TINHSO_SECRET_KEY" in messages[0].hint


def test_a_random_secret_key_passes():
    with override_settings(SECRET_KEY=STRONG_KEY):
        assert checks.check_secret_key() == []


def test_demo_signer_is_an_error(fresh_pki_dir):
    with override_settings(TINHSO_SIGNER_DEFAULT="demo"):
        messages = checks.check_demo_pki()
    assert ids(messages) == ["tinhso.E003"]
    assert "TINHSO_SIGNER_DEFAULT=demo" in messages[0].hint
    with override_settings(TINHSO_SIGNER_DEFAULT=""):
        assert checks.check_demo_pki() == []


def test_demo_root_in_the_pki_directory_is_an_error(fresh_pki_dir):
    fresh_pki_dir.mkdir()
    (fresh_pki_dir / "audit-anchor.key").write_text("not the demo root")  # allowed: the audit key
    with override_settings(TINHSO_SIGNER_DEFAULT=""):
        assert checks.check_demo_pki() == []
        pki.root_credentials().cert_path.write_text("-----BEGIN CERTIFICATE-----\n")
        messages = checks.check_demo_pki()
    assert ids(messages) == ["tinhso.E004"]
    assert str(fresh_pki_dir / "root-ca.pem") in messages[0].hint


def test_check_deploy_refuses_a_bad_configuration(fresh_pki_dir):
    with (
        override_settings(DEBUG=True, SECRET_KEY=STRONG_KEY, TINHSO_SIGNER_DEFAULT="demo"),
        pytest.raises(SystemCheckError) as refused,
    ):
        call_command("check", "--deploy")
    assert "tinhso.E001" in str(refused.value)
    assert "tinhso.E003" in str(refused.value)
    assert "tinhso.E002" not in str(refused.value)


def test_check_deploy_accepts_a_production_configuration(fresh_pki_dir):
    with override_settings(
        DEBUG=False,
        SECRET_KEY=STRONG_KEY,
        TINHSO_SIGNER_DEFAULT="",
        TINHSO_NATIONAL_SANDBOX=False,
        TINHSO_DVCQG_URL="https://lgsp.example.vn/dvcqg",
    ):
        call_command("check", "--deploy", "--fail-level", "ERROR", "--tag", "security")


def test_plain_check_does_not_run_the_deploy_checks(fresh_pki_dir):
    # The tests and `make run` run with DEBUG on and the demo PKI: a plain check stays clean.
    with override_settings(DEBUG=True, TINHSO_SIGNER_DEFAULT="demo"):
        call_command("check")


def test_tinhso_check_deploy_runs_them_from_start_up(tmp_path):
    # A fresh process: the checks are registered by the app registry (tinhso.apps), not by a test
    # importing them. The development defaults (debug, default key, demo signer) are refused.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TINHSO_", "DATABASE_URL"))}
    env |= {"TINHSO_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tinhso.settings"}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("tinhso")), "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    for check_id in ("tinhso.E001", "tinhso.E002", "tinhso.E003"):
        assert check_id in result.stderr
    assert "tinhso.E004" not in result.stderr  # no demo root in the fresh TINHSO_VAR_DIR
