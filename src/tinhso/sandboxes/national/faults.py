"""Fault knobs (spec §11.3) set through ``POST faults`` and kept in the state directory, so every
server process agrees. A knob is global, or belongs to one service when the request names it
(``{"service": "DongBoHoSoMC", "TIMEOUT_RATE": 1}``); the service's value wins over the global
one, which wins over the environment (``TINHSO_DVCQG_SANDBOX_<KNOB>``, read at each use so that a
demo can start with faults on; ``reset`` forgets the API's knobs and so returns to it). Rates are
deterministic: a rate r fires on call n of a service exactly when ``floor(n·r) > floor((n−1)·r)``
(0.5 → every second call, 1 → every call), so tests repeat."""

import contextlib
import json
import math
import os
import re
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from tinhso.sandboxes.national import store

GLOBAL = "*"


class KnobError(ValueError):
    """A ``faults`` request names an unknown knob or gives it a value of the wrong kind."""


def _rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise KnobError(_("phải là số từ 0 đến 1"))
    return float(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool | int) or value not in (0, 1):
        raise KnobError(_("phải là true/false (hoặc 1/0)"))
    return bool(value)


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 600:
        raise KnobError(_("phải là số giây từ 0 đến 600"))
    return float(value)


def _ttl(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 86_400:
        raise KnobError(_("phải là số giây nguyên từ 1 đến 86400"))
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
        raise KnobError(_("phải là số ngày nguyên từ 1 đến 365"))
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise KnobError(_("phải là số nguyên không âm"))
    return value


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in allowed:
            raise KnobError(_("phải là một trong: %(allowed)s") % {"allowed": ", ".join(allowed)})
        return str(value)

    return parse


PROCEDURE_CODE = re.compile(r"^\d\.\d{6}$")
# CATALOGUE_CHANGE's ``true``: the procedure of the demo's first scenarios (Đăng ký khai sinh).
DEFAULT_CHANGED_PROCEDURE = "1.001193"


def _ack_lost(value: Any) -> bool | str:
    """``true`` (applied or lost, alternately), ``"applied"`` / ``"lost"`` (forced), ``false``."""
    if value in ("applied", "lost"):
        return str(value)
    try:
        return _flag(value)
    except KnobError:
        raise KnobError(_('phải là true/false hoặc "applied"/"lost"')) from None


def _procedure(value: Any) -> str:
    """A national procedure code (``1.001193``), ``true`` for the default one, ``false`` for none."""
    if isinstance(value, str) and PROCEDURE_CODE.fullmatch(value):
        return value
    if value is True or value == 1:
        return DEFAULT_CHANGED_PROCEDURE
    if value is False or value == 0:
        return ""
    raise KnobError(_("phải là mã thủ tục (dạng 1.001193) hoặc true/false"))


# name → (parse, default). ERROR_CODE_STYLE's default (None) means "the profile's own style".
KNOBS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "TIMEOUT_RATE": (_rate, 0.0),
    "TIMEOUT_AFTER_COMMIT": (_flag, False),
    "TIMEOUT_SECONDS": (_seconds, 3.0),
    "HTTP5XX_RATE": (_rate, 0.0),
    "HTTP200_GARBAGE_RATE": (_rate, 0.0),
    "SESSION_EXPIRE_NOW": (_flag, False),
    "SESSION_TTL": (_ttl, 1800),
    "ERROR_CODE_STYLE": (_choice("int0", "str0", "str00"), None),
    "WRAP_MESSAGE": (_flag, False),
    "PROGRESS_TEXT_ONLY": (_flag, False),
    "RATE_LIMIT": (_count, 0),
    "DUPLICATE_STYLE": (_choice("thanhhoa", "opencps", "success"), "thanhhoa"),
    "DUPLICATE_ACK": (_flag, False),
    "ACK_LOST": (_ack_lost, False),
    "CATALOGUE_CHANGE": (_procedure, ""),
    # The national platforms (issue 17): payment platform, population database.
    "OUT_OF_ORDER": (_flag, False),
    "CALLBACK_LATE_FAILURE": (_flag, False),
    "CALLBACK_BAD_SIGNATURE": (_flag, False),
    "PAY_PENDING_FOR": (_count, 0),  # minutes
    "DANCU_UNAVAILABLE": (_flag, False),
    "POSTAL_UNAVAILABLE": (_flag, False),  # the post answers 503 to orders
    "POSTAL_RETURN_TO_SENDER": (_flag, False),  # a "delivered" advance returns to sender
    # Q&A (issue 18): the 766 simulator's answer time limit, in weekdays (5.2/5.3).
    "PAKN_ANSWER_DAYS": (_days, 10),
}
ENV_PREFIX = "TINHSO_DVCQG_SANDBOX_"


def _from_env(name: str, text: str) -> Any:
    """An environment value through the knob's parser: as JSON first (``1``, ``0.5``, ``true``),
    then as the plain text (``applied``, ``1.001193``, which JSON would read as a number). A bad
    value stops the sandbox loudly rather than running without the fault a developer asked for."""
    parse = KNOBS[name][0]
    candidates: list[Any] = []
    with contextlib.suppress(ValueError):
        candidates.append(json.loads(text))
    candidates.append(text.strip())
    for candidate in candidates:
        try:
            return parse(candidate)
        except KnobError:
            continue
    try:
        parse(text)
    except KnobError as exc:
        raise ImproperlyConfigured(f"{ENV_PREFIX}{name}={text!r}: {exc}") from None
    raise AssertionError("unreachable")


def env_knobs() -> dict[str, Any]:
    """The knobs the environment sets (``TINHSO_DVCQG_SANDBOX_<KNOB>``), parsed."""
    return {
        name: _from_env(name, os.environ[ENV_PREFIX + name])
        for name in KNOBS
        if os.environ.get(ENV_PREFIX + name, "").strip()
    }


def _empty() -> dict[str, Any]:
    return {"global": {}, "services": {}}


def set_knobs(changes: dict[str, Any]) -> dict[str, Any]:
    """Apply a ``faults`` body; ``null`` removes a knob. Returns every knob now set."""
    changes = dict(changes)
    service = changes.pop("service", None)
    if service is not None and (not isinstance(service, str) or not service):
        raise KnobError(_("service: phải là tên dịch vụ"))
    parsed: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in KNOBS:
            raise KnobError(_("%(name)s: không có tham số lỗi này") % {"name": name})
        try:
            parsed[name] = None if value is None else KNOBS[name][0](value)
        except KnobError as exc:
            raise KnobError(f"{name}: {exc}") from None
    with store.document("knobs", _empty()) as knobs:
        scope = knobs["global"] if service is None else knobs["services"].setdefault(service, {})
        for name, value in parsed.items():
            if value is None:
                scope.pop(name, None)
            else:
                scope[name] = value
        return dict(knobs)


def all_knobs() -> dict[str, Any]:
    knobs: dict[str, Any] = store.read("knobs", _empty())
    return knobs


def value(name: str, service: str) -> Any:
    knobs = all_knobs()
    for scope in (knobs["services"].get(service, {}), knobs["global"], env_knobs()):
        if name in scope:
            return scope[name]
    return KNOBS[name][1]


def fires(name: str, service: str) -> bool:
    """Whether the rate knob ``name`` fires on this call of ``service`` (deterministic)."""
    rate = Fraction(str(value(name, service)))
    if rate <= 0:
        return False
    with store.document("counters", {}) as counters:
        key = f"{name}:{service}"
        counters[key] = calls = counters.get(key, 0) + 1
    return math.floor(calls * rate) > math.floor((calls - 1) * rate)


def take_once(name: str, service: str) -> bool:
    """A one-shot flag (``SESSION_EXPIRE_NOW``): true once, then cleared where it was set. Set in
    the environment, it fires once per sandbox state (again after ``reset``)."""
    with store.document("knobs", _empty()) as knobs:
        for scope in (knobs["services"].get(service, {}), knobs["global"]):
            if scope.get(name):
                scope.pop(name)
                return True
    if env_knobs().get(name):
        with store.document("counters", {}) as counters:
            if not counters.get(f"{name}:env"):
                counters[f"{name}:env"] = 1
                return True
    return False


def retry_after(service: str) -> int | None:
    """``RATE_LIMIT`` requests per minute over a sliding window: None when this request may
    proceed (it is counted), else the seconds until a slot frees."""
    limit = value("RATE_LIMIT", service)
    if not limit:
        return None
    knobs = all_knobs()
    scope = service if "RATE_LIMIT" in knobs["services"].get(service, {}) else GLOBAL
    now = time.time()
    with store.document("requests", {}) as windows:
        recent = [t for t in windows.get(scope, []) if t > now - 60]
        if len(recent) >= limit:
            windows[scope] = recent
            return max(1, math.ceil(recent[0] + 60 - now))
        windows[scope] = [*recent, now]
    return None
