"""Settings for the benchmark server: the project's settings, with debugging off.

Only what changes speed without weakening anything is overridden: ``DEBUG`` off (no per-query
log), plain HTTP on 127.0.0.1 (no HTTPS redirect, which ``DEBUG=False`` would switch on) and
the per-request access log of the development server silenced. ``ALLOWED_HOSTS``, the
middleware, the password hashers and the database options stay as the project sets them.

One fix to the development server itself: it writes a response's headers and body with two
``send()`` calls on a socket that keeps Nagle's algorithm on, so on a keep-alive connection the
body waits for the client's delayed ACK, about 40 ms on Linux, for every request: even the bare
view showed a p50 of 44 ms. The delay belongs to the development server, not to the application;
TCP_NODELAY on the accepted sockets removes it.
"""

from typing import Any, cast

from django.core.servers.basehttp import WSGIRequestHandler

from tinhso.settings import *  # noqa: F403
from tinhso.settings import LOGGING

DEBUG = False
SECURE_SSL_REDIRECT = False  # the benchmark talks plain HTTP to 127.0.0.1
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ROOT_URLCONF = "bench.urls"
# Every benchmark request comes from one loopback address: the per-address API rate limits (settings,
# docs/security.md) would measure the limiter, not the application. An empty rate turns a limit off.
TINHSO_API_RATE_ANON = ""
TINHSO_API_RATE_USER = ""
TINHSO_API_RATE_TOKEN = ""
LOGGING = {
    **LOGGING,
    "loggers": {**cast(dict[str, Any], LOGGING["loggers"]), "django.server": {"level": "WARNING"}},
}

WSGIRequestHandler.disable_nagle_algorithm = True
