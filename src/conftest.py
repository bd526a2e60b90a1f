"""Project-wide test fixtures: a fixed cast of users and agencies (see tinhso/testing.py)."""

import os
import shutil
from collections.abc import Iterator

import pytest
from celery._state import _set_task_join_will_block
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
def _celery_join_flag_between_tests():
    """Celery marks "inside a task" with one process-wide flag that every eager ``delay()`` sets and
    then restores. Use cases run in threads at once (the concurrency tests) interleave those
    restores and can leave it set, and a later test's ``result.get()`` then refuses to run. Each
    test starts with the flag as a process outside any task has it."""
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _vietnamese_between_tests():
    """LocaleMiddleware leaves the thread in the last request's language; start each test in Vietnamese."""
    yield
    translation.deactivate()


# --- Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server. ---
# One Playwright at a time per worker process: every browser test uses these fixtures (never its
# own sync_playwright, which cannot run beside another in the same process). Started per module
# and stopped after it: while Playwright's sync API is running, its event loop counts as the
# thread's running loop, and a later test in the same worker that calls asyncio.run() (pyHanko
# signs a result that way) would fail with "cannot be called from a running event loop".
CHROMIUM = os.environ.get("TINHSO_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make system-deps` (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def demo_province(transactional_db, settings):
    from django.core.management import call_command

    settings.TINHSO_ALLOW_DEMO = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return settings
