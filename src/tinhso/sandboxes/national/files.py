"""S-6: the portal downloads every file link of a dossier (HEAD, then GET) within 5 seconds and
records which links it could not fetch; the 766 measure 4.1 counts those as missing. Done
synchronously at upsert time (a sandbox can afford it), for links not already fetched."""

import time
import urllib.error
import urllib.request
from typing import Any

FETCH_SECONDS = 5.0
MAX_BYTES = 50 * 1024 * 1024
OK = "ok"
UNREACHABLE = "unreachable"


def links(dossier: dict[str, Any]) -> list[str]:
    """Every ``DuongDanTaiTepTin`` (submitted and supplement documents) and
    ``DuongDanTepTinKetQua`` (results) of a dossier, in order, without empties or repeats."""
    found: list[Any] = []
    for doc in dossier.get("TaiLieuNop") or []:
        found.append(doc.get("DuongDanTaiTepTin") if isinstance(doc, dict) else None)
    for supplement in dossier.get("DanhSachHoSoBoSung") or []:
        if isinstance(supplement, dict):
            for doc in supplement.get("DanhSachGiayToBoSung") or []:
                found.append(doc.get("DuongDanTaiTepTin") if isinstance(doc, dict) else None)
    for doc in dossier.get("DanhSachGiayToKetQua") or []:
        found.append(doc.get("DuongDanTepTinKetQua") if isinstance(doc, dict) else None)
    return list(dict.fromkeys(url for url in found if isinstance(url, str) and url))


def _request(url: str, method: str, deadline: float) -> tuple[int, int]:
    """(HTTP status, bytes read) of one request that must end before ``deadline``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError(url)
    request = urllib.request.Request(url, method=method)  # noqa: S310 (scheme checked by fetch)
    try:
        with urllib.request.urlopen(request, timeout=remaining) as response:  # noqa: S310
            size = 0
            if method == "GET":
                while chunk := response.read(64 * 1024):
                    size += len(chunk)
                    if size > MAX_BYTES or time.monotonic() > deadline:
                        raise TimeoutError(url)
            return response.status, size
    except urllib.error.HTTPError as exc:
        return exc.code, 0


def fetch(url: str) -> dict[str, Any]:
    """The result the sandbox stores for one link: ``status`` ok/unreachable, the HTTP codes and
    the size, or the error."""
    result: dict[str, Any] = {"status": UNREACHABLE, "checked_at": int(time.time())}
    if not url.lower().startswith(("http://", "https://")):
        result["error"] = "not an http(s) URL"
        return result
    deadline = time.monotonic() + FETCH_SECONDS
    try:
        result["head"], _ = _request(url, "HEAD", deadline)
        if 200 <= result["head"] < 300:
            result["get"], result["bytes"] = _request(url, "GET", deadline)
    except (OSError, ValueError) as exc:  # URLError, timeouts and resets are OSErrors
        result["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return result
    if 200 <= result.get("get", 0) < 300:
        result["status"] = OK
    return result


def fetch_new(dossier: dict[str, Any], known: dict[str, Any]) -> dict[str, Any]:
    """Results for the dossier's links: those already fetched stay, the others are fetched."""
    results = {}
    for url in links(dossier):
        previous = known.get(url)
        results[url] = previous if previous and previous["status"] == OK else fetch(url)
    return results
