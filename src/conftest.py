"""Project-wide test fixtures: a fixed cast of users and agencies (see tinhso/testing.py)."""

import os

import pytest
from django.utils import translation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_hashing_and_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _vietnamese_between_tests():
    """LocaleMiddleware leaves the thread in the last request's language; start each test in Vietnamese."""
    yield
    translation.deactivate()
