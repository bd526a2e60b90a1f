"""A citizen's own lookup in the national population database, from the filing page, with consent
given by a one-time code (R-NAT-081: Tỉnh Số turns the OTP on for lookups started from the citizen
portal; at the counter, the citizen's presence and the clerk's action stand for it).

The citizen asks for a code; it goes to the phone on the account (else its e-mail) through the
accounts app's code senders (the notifications channels; the SMS channel of ``make run`` logs).
Typing it back is the consent: the lookup is then made for the account's own personal ID only,
never an ID typed on the page. The code lives in the server-side session as a hash, for
``CODE_SECONDS``, with ``MAX_ATTEMPTS`` tries; a new code replaces the old one. Sending is rate
limited per account. The consent and the lookup are audited (``population.consent``,
``population.lookup``).

The confirmed fields are mapped onto the procedure's e-form (``form_values``) and go back to the
page only; nothing of the answer is stored (see :mod:`.service`).
"""

import datetime
import hashlib
import re
import secrets
import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from tinhso.accounts import code_senders, ratelimit
from tinhso.accounts.identifiers import mask_phone, validate_personal_id
from tinhso.accounts.models import User
from tinhso.audit.services import log_event
from tinhso.integrations.population import service
from tinhso.integrations.population.client import Citizen
from tinhso.integrations.population.models import PopulationLookup
from tinhso.procedures.forms import DATA_PREFIX
from tinhso.procedures.models import ProcedureVersion

SESSION_KEY = "tinhso_dancu_otp"
CODE_SECONDS = 300
MAX_ATTEMPTS = 5
SENDS_PER_WINDOW = 3
SEND_WINDOW_SECONDS = 600


class ConsentError(Exception):
    """Why no code was sent or the lookup was not made (a message for the citizen)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:dancu-otp:{user.pk}:{code}".encode()).hexdigest()


def own_personal_id(user: User) -> str:
    """The account's personal ID, the only one its holder may look up; ConsentError otherwise."""
    if user.kind != User.Kind.CITIZEN:
        raise ConsentError(_("Chỉ công dân tự tra cứu thông tin của mình."), 403)
    try:
        return validate_personal_id(user.personal_id.strip())
    except ValidationError:
        raise ConsentError(
            _("Tài khoản chưa có số định danh cá nhân hợp lệ: không tra cứu được."), 409
        ) from None


def _contact(user: User) -> tuple[str, str, code_senders.Sender]:
    for medium, recipient in (
        (code_senders.SMS, user.phone.strip()),
        (code_senders.EMAIL, user.email.strip()),
    ):
        send = code_senders.sender(medium)
        if recipient and send is not None:
            return medium, recipient, send
    raise ConsentError(
        _("Tài khoản chưa có số điện thoại hoặc thư điện tử để nhận mã xác nhận."), 409
    )


def send_code(user: User, session: SessionBase, *, request: HttpRequest | None = None) -> str:
    """Send a fresh code; answers where it went (masked) for the page to say."""
    own_personal_id(user)
    medium, recipient, send = _contact(user)
    if ratelimit.over_limit(f"dancu-otp:{user.pk}", SENDS_PER_WINDOW, SEND_WINDOW_SECONDS):
        raise ConsentError(_("Bạn đã yêu cầu quá nhiều mã. Vui lòng thử lại sau ít phút."), 429)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session[SESSION_KEY] = {
        "hash": _hash(user, code),
        "expires": time.time() + CODE_SECONDS,
        "attempts": 0,
    }
    body = _(
        "Mã xác nhận đồng ý tra cứu CSDL quốc gia về dân cư: %(code)s (hiệu lực %(minutes)s phút). "
        "Không chia sẻ mã này."
    ) % {"code": code, "minutes": CODE_SECONDS // 60}
    try:
        send(recipient, _("Mã xác nhận tra cứu thông tin công dân"), body)
    except Exception:  # any provider failure: the citizen is told, the code is void
        session.pop(SESSION_KEY, None)
        raise ConsentError(_("Chưa gửi được mã xác nhận, vui lòng thử lại sau."), 503) from None
    log_event(
        action="population.consent_code",
        actor=user,
        target=f"user:{user.username}",
        details={"medium": medium},
        request=request,
    )
    return mask_phone(recipient) if medium == code_senders.SMS else _mask_email(recipient)


def _mask_email(address: str) -> str:
    name, _sep, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


def _take_code(user: User, session: SessionBase, code: str) -> None:
    """The code is right and fresh, else ConsentError. Every wrong try counts; the code is spent
    by a right one, so a second lookup needs a second consent."""
    held = session.get(SESSION_KEY)
    if not isinstance(held, dict) or float(held.get("expires", 0)) < time.time():
        session.pop(SESSION_KEY, None)
        raise ConsentError(_("Mã xác nhận đã hết hạn hoặc chưa được gửi. Hãy yêu cầu mã mới."))
    if int(held.get("attempts", 0)) >= MAX_ATTEMPTS:
        session.pop(SESSION_KEY, None)
        raise ConsentError(_("Nhập sai mã quá số lần cho phép. Hãy yêu cầu mã mới."), 429)
    if not re.fullmatch(r"\d{6}", code) or not constant_time_compare(
        _hash(user, code), str(held.get("hash", ""))
    ):
        held["attempts"] = int(held.get("attempts", 0)) + 1
        session[SESSION_KEY] = held
        raise ConsentError(_("Mã xác nhận không đúng."))
    session.pop(SESSION_KEY, None)


def lookup_with_code(
    user: User,
    session: SessionBase,
    code: str,
    version: ProcedureVersion,
    *,
    request: HttpRequest | None = None,
) -> tuple[service.LookupResult, dict[str, str]]:
    """Check the code (the consent), look the account's own ID up, and map what is confirmed onto
    ``version``'s e-form: ``{html field name: value}``."""
    personal_id = own_personal_id(user)
    _take_code(user, session, code.strip())
    with transaction.atomic():
        log_event(
            action="population.consent",
            actor=user,
            target=f"user:{user.username}",
            details={"method": "otp", "procedure": version.procedure.code},
            request=request,
        )
    result = service.lookup(
        personal_id,
        requested_by=user,
        name=user.full_name,
        purpose=PopulationLookup.Purpose.CITIZEN,
        request=request,
    )
    values = form_values(version, result.citizen) if result.citizen is not None else {}
    return result, values


# Which e-form property takes which confirmed field: its ``x-prefill`` (``name``, ``id_number``,
# ``birth_date``, ``address``, ``current_address``), else its title (the catalogue's forms predate
# the lookup and name these fields the same way; a property matching none is left alone).
TITLE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("birth_date", re.compile(r"ngày\s*(,\s*tháng\s*,\s*năm\s*)?sinh", re.IGNORECASE)),
    ("current_address", re.compile(r"(nơi ở|cư trú) hiện (tại|nay)", re.IGNORECASE)),
    ("address", re.compile(r"thường trú|nơi cư trú|địa chỉ cư trú", re.IGNORECASE)),
)


def _source(prop: dict[str, Any]) -> str:
    prefill = prop.get("x-prefill")
    if isinstance(prefill, str):
        return prefill
    title = str(prop.get("title", ""))
    return next((source for source, rule in TITLE_RULES if rule.search(title)), "")


def form_values(version: ProcedureVersion, citizen: Citizen) -> dict[str, str]:
    confirmed: dict[str, str] = {
        "name": citizen.name,
        "id_number": citizen.personal_id,
        "birth_date": _date(citizen.birth_date),
        "address": citizen.permanent.text(),
        "current_address": citizen.current.text() or citizen.permanent.text(),
    }
    schema = version.form_schema if isinstance(version.form_schema, dict) else {}
    properties = schema.get("properties")
    values: dict[str, str] = {}
    for name, prop in (properties if isinstance(properties, dict) else {}).items():
        if not isinstance(prop, dict) or prop.get("type") != "string":
            continue
        source = _source(prop)
        if source == "birth_date" and prop.get("format") != "date":
            continue
        value = confirmed.get(source, "")
        if value:
            values[DATA_PREFIX + name] = value
    return values


def _date(day: datetime.date | None) -> str:
    return day.isoformat() if day is not None else ""


# The confirmed fields a filing may record as copied (R-NAT-082), by the source they came from.
COPIED_AS = {
    "name": "name",
    "birth_date": "birth_date",
    "address": "address",
    "current_address": "address",
}


def attach_to_filing(user: User, dossier: Any, lookup_value: str, fields_value: str) -> bool:
    """Link the citizen's own lookup (the page's hidden ``population_lookup``) to the dossier just
    filed, and record which of its fields the page filled in (``population_fields``: e-form field
    names). A tampered value links nothing (``service.attach`` checks owner, ID and state)."""
    try:
        lookup_id = int(lookup_value)
    except ValueError:
        return False
    if not service.attach(lookup_id, user=user, dossier=dossier):
        return False
    schema = dossier.procedure_version.form_schema
    properties = schema.get("properties") if isinstance(schema, dict) else None
    sources = []
    for name in fields_value.split(","):
        prop = (properties or {}).get(name.strip().removeprefix(DATA_PREFIX))
        if isinstance(prop, dict) and _source(prop) in COPIED_AS:
            sources.append(COPIED_AS[_source(prop)])
    service.mark_copied(PopulationLookup.objects.get(pk=lookup_id), sources)
    return True
