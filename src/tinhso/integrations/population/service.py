"""Looking a person up in the national population database (spec §7) and comparing the answer
with what the applicant declares (R-NAT-082).

Every lookup writes a :class:`PopulationLookup` row and an audit event (R-NAT-080: who, when,
for which dossier, with which outcome) and an ``IntegrationLog`` row (R-NAT-006), none of which
holds the answer: the confirmed fields go back to the caller only, to be shown to the clerk and
copied into the form. An unavailable database never raises: the caller gets ``available=False``
and the clerk goes on with paper proof; the row records "lookup failed".
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest

from tinhso.accounts.identifiers import validate_personal_id
from tinhso.accounts.models import User
from tinhso.audit.services import log_event
from tinhso.dossiers.models import Dossier
from tinhso.integrations import outbox
from tinhso.integrations.population import client
from tinhso.integrations.population.client import Citizen
from tinhso.integrations.population.models import PopulationLookup

COPYABLE = frozenset({"name", "birth_date", "address"})
MATCHED = "matched"
MISMATCHED = "mismatched"
# Words of an address that a declaration may add, abbreviate or leave out.
FILLER_WORDS = frozenset(
    {"DUONG", "D", "SO", "PHO", "PHUONG", "P", "XA", "X", "THI", "TRAN", "TT", "DAC", "KHU"}
)


@dataclass
class LookupResult:
    lookup: PopulationLookup
    citizen: Citizen | None = None
    comparison: dict[str, str] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.lookup.outcome != PopulationLookup.Outcome.UNAVAILABLE

    @property
    def found(self) -> bool:
        return self.citizen is not None

    @property
    def mismatches(self) -> list[str]:
        return [name for name, verdict in self.comparison.items() if verdict == MISMATCHED]


def _fold(text: str) -> str:
    """Upper case, no diacritics, punctuation as spaces: how two spellings are compared."""
    return " ".join(re.sub(r"[^0-9A-Z]+", " ", client.ascii_upper(text)).split())


def _same_name(declared: str, registered: str) -> bool:
    """Names compare with their diacritics (An and Ân are two names), ignoring case and spaces."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(declared) == norm(registered)


def _address_words(text: str) -> str:
    """An address folded, without the words people write or leave out freely."""
    return " ".join(word for word in _fold(text).split() if word not in FILLER_WORDS)


def address_matches(declared: str, registered: client.Address) -> bool:
    """The declared address names the registered one: its house/street detail and its commune,
    in any order, case or diacritics, with or without "đường", "số", "phường", "xã"…"""
    text = f" {_address_words(declared)} "
    parts = [
        part
        for part in (_address_words(registered.detail), _address_words(registered.commune))
        if part
    ]
    return bool(parts) and all(f" {part} " in text for part in parts)


def compare(
    citizen: Citizen, *, name: str, birth_date: datetime.date | None, address: str
) -> dict[str, str]:
    """Field by field, only for what was declared (R-NAT-082)."""
    verdicts: dict[str, str] = {}
    if name.strip():
        same = _same_name(name, citizen.name)
        verdicts["name"] = MATCHED if same else MISMATCHED
    if birth_date is not None:
        verdicts["birth_date"] = MATCHED if birth_date == citizen.birth_date else MISMATCHED
    if address.strip() and citizen.permanent.text():
        same = address_matches(address, citizen.permanent)
        verdicts["address"] = MATCHED if same else MISMATCHED
    return verdicts


def lookup(
    personal_id: str,
    *,
    requested_by: User,
    name: str = "",
    birth_date: datetime.date | None = None,
    address: str = "",
    dossier: Dossier | None = None,
    purpose: str = PopulationLookup.Purpose.COUNTER,
    request: HttpRequest | None = None,
) -> LookupResult:
    """Look ``personal_id`` up and compare. Raises ``ValidationError`` for a malformed ID (before
    anything is sent); otherwise always answers, within the configured read timeout."""
    personal_id = validate_personal_id(personal_id.strip())
    answer = client.lookup(personal_id, client.new_request_id(), name=name, birth_date=birth_date)
    request_id = answer.attempts[-1].request_id
    comparison = (
        compare(answer.citizen, name=name, birth_date=birth_date, address=address)
        if answer.citizen is not None
        else {}
    )
    with transaction.atomic():
        row = PopulationLookup.objects.create(
            request_id=request_id,
            personal_id=personal_id,
            requested_by=requested_by,
            dossier=dossier,
            purpose=purpose,
            outcome=answer.kind,
            failure=answer.failure,
            fields_sent=answer.fields_sent,
            comparison=comparison,
            latency_ms=answer.latency_ms,
        )
        # One log row per call, each with its own request id (R-NAT-006, R-NAT-084). No request
        # hash: the body is a personal ID of a known structure, which a hash would not hide from
        # whoever reads the log (the request id and the row say what was sent).
        for attempt in answer.attempts:
            outbox.log_call(
                system=client.SYSTEM,
                service=client.SERVICE,
                key=attempt.request_id,
                http_status=attempt.http_status,
                error_code=attempt.error_code,
                message=attempt.failure,
                latency_ms=attempt.latency_ms,
                outcome=attempt.kind,
            )
        log_event(
            action="population.lookup",
            actor=requested_by,
            target=f"population_lookup:{row.pk}",
            details={
                "request_id": request_id,
                "attempts": len(answer.attempts),
                "outcome": answer.kind,
                "purpose": purpose,
                "dossier": dossier.code if dossier is not None else "",
                "mismatches": [k for k, v in comparison.items() if v == MISMATCHED],
            },
            request=request,
            outcome="success" if answer.kind != "unavailable" else "failure",
        )
    return LookupResult(row, answer.citizen, comparison)


def mark_copied(row: PopulationLookup, fields: list[str]) -> None:
    """Record which confirmed fields were copied into the dossier form (R-NAT-082): names only."""
    row.fields_copied = sorted(set(fields) & COPYABLE)
    row.save(update_fields=["fields_copied"])


def attach(lookup_id: int, *, user: User, dossier: Dossier) -> bool:
    """Link the clerk's own lookup of the applicant's ID to the dossier filed after it (found, or
    "lookup failed"). Ignored (False) for someone else's lookup, another person's ID or one
    already linked, so a tampered hidden field links nothing."""
    updated = PopulationLookup.objects.filter(
        pk=lookup_id,
        requested_by=user,
        dossier__isnull=True,
        personal_id=dossier.applicant_id_number,
    ).update(dossier=dossier)
    return updated == 1
