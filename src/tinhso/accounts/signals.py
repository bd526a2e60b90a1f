"""Sign-ins made without an HTTP request (Django's test client ``login``/``force_login``, a
shell) happen in-process, by code that already holds the database; when
``TINHSO_TRUST_PROGRAMMATIC_LOGIN`` is on (the default only with DEBUG) such a session counts as
having passed the second factor. A sign-in through any web page never does."""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from tinhso.accounts.middleware import LAST_SEEN_KEY, VERIFIED_KEY


@receiver(user_logged_in, dispatch_uid="tinhso.accounts.programmatic_login")
def trust_programmatic_login(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    if request is None or request.method is not None:
        return  # a real HTTP request: the second factor is asked for
    if getattr(settings, "TINHSO_TRUST_PROGRAMMATIC_LOGIN", False):
        request.session[VERIFIED_KEY] = user.pk
        request.session[LAST_SEEN_KEY] = int(time.time())
