"""Reuse from the citizen's data store on the national portal while filing (R-NAT-070, R-NAT-071).

The portal's filing page offers, beside the documents of the citizen's Tỉnh Số store, those the
national store holds for them (``offers``). Choosing one copies it (``take``): the file is fetched
from the national store, kept as an immutable document of the citizen's Tỉnh Số store with its
SHA-256 and the time it was fetched, and a ``NationalCopy`` row says where it came from
(``CoQuanChuQuan``, ``DuongDan``, ``SoKyHieu``). The dossier then reuses that copy exactly as it
reuses any stored document (``Attachment.reused_from``), and the sync sends it upward as taken
from the national store (``national/mapping.py``: ``DuocLayTuKhoDMQG=1``, ``DuocTaiSuDung``).

Both calls are made while the citizen waits: direct calls with the short
``TINHSO_DATASTORE_INTERACTIVE_TIMEOUT``, not through the outbox. An unavailable store never
blocks filing: the page simply offers nothing from it (the citizen uploads the file instead).
The list is cached a few minutes per owner, so the page and its submission see the same offers.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.integrations.datastore.client import (
    DatastoreClient,
    HeldDocument,
    StoreUnavailable,
    document_id,
)
from tinhso.integrations.datastore.models import NationalCopy
from tinhso.integrations.datastore.system import OWNER_NUMBER
from tinhso.stores.models import StoredDocument
from tinhso.stores.services import StoreError, store_document

logger = logging.getLogger(__name__)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
LIST_SECONDS = 300  # how long a citizen's list is reused (the page, then its submission)
DOWN_SECONDS = 60  # after a failure, the page does not wait for the store again for a minute


class ReuseError(Exception):
    """The chosen document could not be copied from the national store (the message says why)."""


@dataclass(frozen=True)
class Offer:
    """A document of the national store offered on the filing page. It answers what the page
    shows of a ``StoredDocument`` (``pk``, ``title``, ``get_kind_display``, ``document_number``,
    ``issued_at``) so the same choice list carries both."""

    held: HeldDocument

    @property
    def pk(self) -> str:
        return document_id(self.held)

    @property
    def title(self) -> str:
        return self.held.title

    @property
    def document_number(self) -> str:
        return self.held.number

    @property
    def issued_at(self) -> datetime.datetime | None:
        try:
            return datetime.datetime.strptime(self.held.issued, "%Y%m%d%H%M%S").replace(
                tzinfo=VIETNAM
            )
        except ValueError:
            return None

    def get_kind_display(self) -> str:
        return _("Kho dữ liệu trên Cổng DVCQG")


def owner_of(user: User) -> str:
    """The user's key in the national store: personal ID, else tax code ("" when neither)."""
    for number in (user.personal_id.strip(), user.tax_code.strip()):
        if OWNER_NUMBER.fullmatch(number):
            return number
    return ""


def _cache_key(owner: str) -> str:
    return "datastore:offers:" + hashlib.sha256(owner.encode()).hexdigest()[:32]


def held_by(owner: str) -> list[HeldDocument] | None:
    """The national store's list for ``owner`` (cached), or None when the store cannot answer."""
    cached = cache.get(_cache_key(owner))
    if cached is not None:
        return None if cached == "down" else list(cached)
    try:
        held = DatastoreClient(interactive=True).results(owner)
    except StoreUnavailable as exc:
        logger.warning("national data store unavailable: %s", exc)
        cache.set(_cache_key(owner), "down", DOWN_SECONDS)
        return None
    cache.set(_cache_key(owner), held, LIST_SECONDS)
    return held


def offers(user: User, local: list[StoredDocument]) -> list[Offer]:
    """What the filing page offers from the national store: what it holds for ``user``, except
    what ``local`` (their Tỉnh Số store) already has — their own results pushed from here, and
    documents copied from there before — which the page offers as local documents."""
    owner = owner_of(user)
    if not owner or not settings.TINHSO_DATASTORE_ENABLED:
        return []
    held = held_by(owner) or []
    if not held:
        return []
    numbers = {d.document_number for d in local if d.document_number}
    copied = set(
        NationalCopy.objects.filter(
            owner_number=owner, document__in=[d.pk for d in local]
        ).values_list("issuer_code", "location")
    )
    return [
        Offer(doc)
        for doc in held
        if doc.number not in numbers and (doc.issuer_code, doc.location) not in copied
    ]


def take(user: User, offer: Offer) -> StoredDocument:
    """Copy ``offer`` into ``user``'s Tỉnh Số store (once per national location) and return the
    copy, which the dossier then reuses. ``ReuseError`` when the store cannot give the file."""
    owner = owner_of(user)
    held = offer.held
    existing = (
        NationalCopy.objects.select_related("document")
        .filter(owner_number=owner, issuer_code=held.issuer_code, location=held.location)
        .first()
    )
    if existing is not None and existing.document.owner_id == user.pk:
        if existing.document.revoked:
            raise ReuseError(_("Giấy tờ này đã bị thu hồi trong kho giấy tờ của bạn."))
        return existing.document
    try:
        content = DatastoreClient(interactive=True).file(held, key=owner)
    except StoreUnavailable:
        raise ReuseError(
            _("Chưa lấy được giấy tờ từ Kho dữ liệu trên Cổng DVCQG, vui lòng thử lại sau.")
        ) from None
    try:
        with transaction.atomic():
            copy = store_document(
                owner=user,
                kind=StoredDocument.Kind.RESULT,
                title=held.title,
                content=content,
                content_type="application/pdf",
                document_number=held.number,
                issued_at=offer.issued_at,
            )
            NationalCopy.objects.create(
                document=copy,
                owner_number=owner,
                result_code=held.result_code[:64],
                document_number=held.number[:80],
                issuer_code=held.issuer_code[:64],
                location=held.location[:500],
                sha256=copy.sha256,
            )
    except IntegrityError:  # the same document copied by a concurrent submission: use that copy
        return (
            NationalCopy.objects.select_related("document")
            .get(owner_number=owner, issuer_code=held.issuer_code, location=held.location)
            .document
        )
    except StoreError:
        raise ReuseError(
            _("Tệp nhận từ Kho dữ liệu trên Cổng DVCQG không phải tệp PDF hợp lệ.")
        ) from None
    return copy
