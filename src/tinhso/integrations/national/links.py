"""Signed links through which the national side fetches a dossier's files (R-NAT-035).

The one exception to "no public file URLs": the portal downloads each submitted paper
(``DuongDanTaiTepTin``) and the signed result (``DuongDanTepTinKetQua``) by itself, without an
account. A link is a value signed with the site's key and a salt of its own (so no other signed
value of the site opens it), carrying what it opens — the kind, the row, its dossier and the
start of the file's SHA-256, so a link never serves another file — and it expires after
``TINHSO_NATIONAL_FILE_LINK_DAYS`` days. Every full sync re-sends the dossier with fresh links.
"""

import datetime
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tinhso.dossiers.models import Attachment
from tinhso.results.models import ResultDocument

SALT = "tinhso.integrations.national.file-link"
Kind = Literal["attachment", "result"]
_KINDS: dict[str, Kind] = {"a": "attachment", "r": "result"}


@dataclass(frozen=True)
class LinkTarget:
    kind: Kind
    pk: int
    dossier_id: int
    sha256_prefix: str


def max_age() -> datetime.timedelta:
    return datetime.timedelta(days=int(settings.TINHSO_NATIONAL_FILE_LINK_DAYS))


def make_token(kind: Kind, pk: int, dossier_id: int, sha256: str) -> str:
    short = "a" if kind == "attachment" else "r"
    return signing.dumps([short, pk, dossier_id, sha256[:16]], salt=SALT, compress=True)


def read_token(token: str) -> LinkTarget | None:
    """What a token opens, or None when it is forged, altered or expired."""
    try:
        value = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not (isinstance(value, list) and len(value) == 4 and value[0] in _KINDS):
        return None
    short, pk, dossier_id, prefix = value
    if not (isinstance(pk, int) and isinstance(dossier_id, int) and isinstance(prefix, str)):
        return None
    return LinkTarget(_KINDS[short], pk, dossier_id, prefix)


def _absolute(token: str) -> str:
    path = reverse("national_files:file", args=[token])
    return f"{settings.TINHSO_SITE_URL.rstrip('/')}{path}"


def attachment_link(attachment: Attachment) -> str:
    return _absolute(
        make_token("attachment", attachment.pk, attachment.dossier_id, attachment.sha256)
    )


def result_link(result: ResultDocument) -> str:
    return _absolute(make_token("result", result.pk, result.dossier_id, result.sha256))
