"""Project-wide test fixtures: a fixed cast of users and agencies (see tinhso/testing.py)."""

import os

import pytest
from django.utils import translation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory):
    """Demo keys are made once per test session, never in the project's var/pki."""
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(autouse=True)
def _fast_hashing_and_media(settings, tmp_path, pki_dir):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TINHSO_PKI_DIR = str(pki_dir)


@pytest.fixture(autouse=True)
def _vietnamese_between_tests():
    """LocaleMiddleware leaves the thread in the last request's language; start each test in Vietnamese."""
    yield
    translation.deactivate()
