"""How the portal pushes a dossier filed on it to the province (spec §4.1-1): a real HTTP POST of
the inbound object to ``TINHSO_DVCQG_SANDBOX_PUSH_URL`` with the shared bearer secret, made
synchronously inside the ``seed``/``push`` request (``runserver`` and the live-server tests are
threaded, so the sandbox can call its own site). ``DUPLICATE_ACK`` sends it 2 or 3 times in a row,
as a portal that did not trust the first answer would. Every push and its answer are recorded."""

import time
from typing import Any

import requests
from django.conf import settings

from tinhso.sandboxes.national import faults, inbound, store

# Ours, not TINHSO_DVCQG_READ_TIMEOUT (that one is Tỉnh Số's, for calls to the portal).
PUSH_TIMEOUT = 10.0
BODY_LIMIT = 2000


def push_url() -> str:
    return str(settings.TINHSO_DVCQG_SANDBOX_PUSH_URL).replace(
        "{site_url}", str(settings.TINHSO_SITE_URL).rstrip("/")
    )


def copies() -> int:
    """1, or with ``DUPLICATE_ACK`` 2 and 3 alternately (first push 2 copies, next 3, …)."""
    if not faults.value("DUPLICATE_ACK", inbound.SERVICE):
        return 1
    with store.document("counters", {}) as counters:
        counters["DUPLICATE_ACK:pushes"] = calls = counters.get("DUPLICATE_ACK:pushes", 0) + 1
    return 2 if calls % 2 == 1 else 3


def _one(url: str, dossier: dict[str, Any]) -> dict[str, Any]:
    secret = settings.TINHSO_DVCQG_SANDBOX_PUSH_SECRET
    started = time.time()
    result: dict[str, Any] = {"url": url, "at": int(started)}
    try:
        response = requests.post(
            url,
            json=dossier,
            headers={"Authorization": f"Bearer {secret}"},
            timeout=PUSH_TIMEOUT,
        )
    except requests.RequestException as exc:
        return result | {"status": 0, "body": f"{type(exc).__name__}: {exc}"[:BODY_LIMIT]}
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:BODY_LIMIT]
    return result | {"status": response.status_code, "body": body}


def push(code: str) -> list[dict[str, Any]] | None:
    """Push the seeded dossier ``code`` now; the pushes made (None for an unknown code)."""
    item = inbound.by_code(code)
    if item is None:
        return None
    url = push_url()
    pushes = [_one(url, item["object"]) for _copy in range(copies())]
    inbound.record_pushes(code, pushes)
    return pushes
