"""Issuing and revoking signed e-results (docs/results.md).

``issue_result`` runs after the ``issue_result`` transition has committed (``sign_result_task``,
queued by the results subscriber of the dossier-changed event, ADR 0009). It works in four
idempotent steps, so a retry after any failure finishes the same register entry and a number is
never used twice nor skipped:

1. *reserve* — in one transaction, with the dossier row locked: the next number of the agency's
   register for the year (one upsert, like the dossier codes) and a ``ResultDocument`` holding it;
2. *sign* — outside any transaction (a token or a time-stamping server may be slow): render the
   PDF, sign it, store the file, then record it with a conditional update (a second worker that
   signed concurrently deletes its own file and uses the first one's);
3. *deliver* — a copy in the applicant's personal store, when the dossier has an applicant account;
4. *announce* — a "result signed" dossier event, once per result, with the notice "result ready"
   for the ``issue_result`` history entry: the notifications app then tells the applicant.
"""

import datetime
import hashlib
import html.parser
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.documents import pdf
from tinhso.dossiers import events
from tinhso.dossiers.models import Dossier, DossierEvent, HistoryEntry, Status
from tinhso.dossiers.services import record_event
from tinhso.results import selectors, signing
from tinhso.results.models import ResultCounter, ResultDocument
from tinhso.stores.models import StoredDocument
from tinhso.stores.services import store_document

logger = logging.getLogger(__name__)

ISSUABLE = frozenset({Status.RESULT_READY, Status.RETURNED})
GENERIC_TEMPLATE = "results/result.html"


class ResultError(Exception):
    """A request the rules do not allow; ``status`` is the HTTP status a view should answer."""

    status = 409

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ResultNotReady(ResultError):
    status = 409


class RevokeNotAllowed(ResultError):
    status = 403


class InvalidRevocation(ResultError):
    status = 400


# --- issuing ------------------------------------------------------------------------------------


def issue_result(*, dossier_id: int) -> ResultDocument:
    """Number, render, sign, store and deliver the result of a dossier. Idempotent."""
    document = ResultDocument.objects.filter(dossier_id=dossier_id).first()
    if document is None:
        document = reserve_result(dossier_id=dossier_id)
    if not document.is_signed:
        document = _sign(document)
    deliver_to_store(document)
    announce_signed(document)
    return document


def announce_signed(document: ResultDocument) -> DossierEvent | None:
    """Record the "result signed" dossier event of a signed result, once (it is what tells the
    applicant that the result is ready). Returns the event, or None when it was recorded before."""
    if not document.is_signed:
        return None
    with transaction.atomic():
        ResultDocument.objects.select_for_update().filter(pk=document.pk).first()
        signed = DossierEvent.Kind.RESULT_SIGNED
        if DossierEvent.objects.filter(dossier_id=document.dossier_id, kind=signed).exists():
            return None
        dossier = Dossier.objects.get(pk=document.dossier_id)
        entry = (
            HistoryEntry.objects.filter(dossier_id=dossier.pk, action="issue_result")
            .order_by("-seq")
            .first()
        )
        return events.record(
            dossier_id=dossier.pk,
            kind=signed,
            action="result_signed",
            from_status=dossier.status,
            to_status=dossier.status,
            at=document.signed_at,
            history_seq=entry.seq if entry is not None else None,
            payload={"result": document.pk, "number": document.number}
            | ({"notify": "result_ready"} if entry is not None else {}),
        )


def reserve_result(*, dossier_id: int) -> ResultDocument:
    """Enter the dossier in its agency's register: next number of the year, a public token."""
    try:
        with transaction.atomic():
            dossier = (
                Dossier.objects.select_for_update().select_related("agency").get(pk=dossier_id)
            )
            existing = ResultDocument.objects.filter(dossier_id=dossier_id).first()
            if existing is not None:
                return existing
            if dossier.status not in ISSUABLE:
                raise ResultNotReady(
                    _("Hồ sơ chưa có kết quả (trạng thái “%(status)s”).")
                    % {"status": dossier.get_status_display()}
                )
            year = timezone.localdate().year
            sequence = _next_sequence(dossier.agency_id, year)
            return ResultDocument.objects.create(
                dossier=dossier,
                agency=dossier.agency,
                year=year,
                sequence=sequence,
                number=format_number(sequence, year, dossier.agency.slug),
            )
    except IntegrityError:  # another worker reserved it between our check and our insert
        existing = ResultDocument.objects.filter(dossier_id=dossier_id).first()
        if existing is None:
            raise
        return existing


def format_number(sequence: int, year: int, agency_slug: str) -> str:
    """``12/2025/STP-KQ``: number in the register / year / issuing agency - "kết quả"."""
    return f"{sequence}/{year}/{agency_slug.upper()}-KQ"


def _next_sequence(agency_id: int, year: int) -> int:
    """One atomic upsert per number: no race on the first result of the year (ADR 0002)."""
    table = ResultCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (agency_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [agency_id, year],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def verify_url(token: str) -> str:
    """The public verification page of a result (in the QR code of its stamp)."""
    base: str = settings.TINHSO_SITE_URL
    return base.rstrip("/") + reverse("results:token", args=[token])


SIGNATURE_FIELDS = (
    "title",
    "file",
    "size",
    "sha256",
    "signed_at",
    "signer_name",
    "signer_fingerprint",
    "signer_backend",
    "pades_level",
)


def _sign(document: ResultDocument) -> ResultDocument:
    reserved = ResultDocument.objects.select_related(
        "agency", "dossier__procedure_version__procedure", "dossier__agency"
    ).get(pk=document.pk)
    signing_time = timezone.now().replace(microsecond=0)  # CMS signingTime has whole seconds
    with translation.override("vi"):
        page, title = render_result_html(reserved, signing_time=signing_time)
        signed = signing.sign_pdf(
            pdf.html_to_pdf(page),
            signer=signing.signer_for(reserved.agency),
            signing_time=signing_time,
            number=reserved.number,
            verify_url=verify_url(reserved.public_token),
            timestamper=signing.default_timestamper(),
        )
    name = default_storage.save(
        f"results/{reserved.agency.slug}/{reserved.year}/{reserved.sequence:05d}.pdf",
        ContentFile(signed.content),
    )
    try:
        signature = {
            "title": title[:300],
            "file": name,
            "size": len(signed.content),
            "sha256": hashlib.sha256(signed.content).hexdigest(),
            "signed_at": signing_time,
            "signer_name": signed.signer_name,
            "signer_fingerprint": signed.fingerprint,
            "signer_backend": signed.backend,
            "pades_level": signed.level,
        }
        assert set(signature) == set(SIGNATURE_FIELDS)
        recorded = ResultDocument.objects.filter(pk=reserved.pk, signed_at__isnull=True).update(
            **signature
        )
    except BaseException:
        default_storage.delete(name)
        raise
    if not recorded:  # another worker signed it first: keep theirs
        default_storage.delete(name)
    signed_document = ResultDocument.objects.select_related("agency", "dossier").get(pk=reserved.pk)
    if recorded:
        logger.info("signed result %s of dossier %s", reserved.number, reserved.dossier_id)
    return signed_document


# --- rendering ----------------------------------------------------------------------------------


def render_result_html(
    document: ResultDocument, *, signing_time: datetime.datetime
) -> tuple[str, str]:
    """The result's HTML and its title (the ``<title>`` of the template).

    ``results/<procedure code>.html`` when it exists (e.g. ``results/1.001193.html``, the birth
    certificate), else the generic ``results/result.html``. Always Vietnamese, autoescaped.
    """
    dossier = document.dossier
    version = dossier.procedure_version
    code = version.procedure.code
    template = select_template([f"results/{code}.html", GENERIC_TEMPLATE])
    context = {
        "document": document,
        "dossier": dossier,
        "agency": document.agency,
        "version": version,
        "procedure_code": code,
        "data": dossier.data,
        "form_rows": form_rows(version.form_schema, dossier.data),
        "values": form_values(version.form_schema, dossier.data),
        "issue_date": signing_time,
        "place": settings.TINHSO_PROVINCE_NAME,
        "verify_url": verify_url(document.public_token),
        "stamp_anchor": signing.STAMP_ANCHOR,
        "stamp_width_mm": signing.STAMP_WIDTH_MM,
        "stamp_height_mm": signing.STAMP_HEIGHT_MM,
    }
    page = template.render(context)
    return page, _html_title(page) or _("Kết quả giải quyết thủ tục hành chính")


def form_rows(schema: dict[str, Any], data: dict[str, Any]) -> list[dict[str, str]]:
    """(label, value) of each e-form answer, in the schema's order, values written for people."""
    properties = _properties(schema)
    values = form_values(schema, data)
    return [
        {"label": str(properties[key].get("title") or key), "value": value}
        for key, value in values.items()
    ]


def form_values(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Each answered e-form field, in the schema's order, written for people (dates dd/mm/yyyy)."""
    properties = _properties(schema)
    return {
        key: _display(data[key], spec)
        for key, spec in properties.items()
        if isinstance(data, dict) and data.get(key) not in (None, "")
    }


def _properties(schema: Any) -> dict[str, dict[str, Any]]:
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    return {key: spec if isinstance(spec, dict) else {} for key, spec in properties.items()}


def _display(value: Any, spec: dict[str, Any]) -> str:
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if spec.get("format") == "date" and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


class _TitleParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = self.inside or tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)


def _html_title(page: str) -> str:
    parser = _TitleParser()
    parser.feed(page)
    return " ".join("".join(parser.parts).split())


# --- the applicant's personal store ---------------------------------------------------------------


def deliver_to_store(document: ResultDocument) -> StoredDocument | None:
    """Put a copy of the signed result in the applicant's store (R-ERES-7), once."""
    dossier = document.dossier
    if dossier.applicant_id is None or not document.is_signed:
        return None
    with transaction.atomic():
        ResultDocument.objects.select_for_update().filter(pk=document.pk).first()
        existing = StoredDocument.objects.filter(
            dossier_id=dossier.pk,
            kind=StoredDocument.Kind.RESULT,
            document_number=document.number,
        ).first()
        if existing is not None:
            return existing
        with document.file.open("rb") as handle:
            content = handle.read()
        assert dossier.applicant is not None
        stored = store_document(
            owner=dossier.applicant,
            kind=StoredDocument.Kind.RESULT,
            title=document.title,
            content=content,
            content_type="application/pdf",
            document_number=document.number,
            dossier=dossier,
            issuer=document.agency,
            issued_at=document.signed_at,
        )
        if document.revoked:  # revoked before it was delivered
            StoredDocument.objects.filter(pk=stored.pk).update(revoked=True)
        return stored


# --- revocation ---------------------------------------------------------------------------------


def revoke_result(*, user: User, result: ResultDocument, reason: str) -> ResultDocument:
    """Revoke (thu hồi) a signed result. The file and the register entry stay (R-ERES-2);
    verification then reports the result as invalid, and the store copy is marked revoked."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidRevocation(_("Vui lòng nhập lý do thu hồi."), "reason")
    if not selectors.can_revoke(user, result):
        raise RevokeNotAllowed(_("Chỉ lãnh đạo cơ quan cấp kết quả mới thu hồi được."))
    with transaction.atomic():
        locked = ResultDocument.objects.select_for_update().get(pk=result.pk)
        if not locked.is_signed:
            raise ResultNotReady(_("Kết quả chưa được ký số."))
        if locked.revoked:
            raise ResultError(_("Kết quả này đã bị thu hồi trước đó."))
        locked.revoked = True
        locked.revoked_at = timezone.now()
        locked.revoked_by = user
        locked.reason = reason[:2000]
        locked.save(update_fields=["revoked", "revoked_at", "revoked_by", "reason"])
        StoredDocument.objects.filter(
            dossier_id=locked.dossier_id,
            kind=StoredDocument.Kind.RESULT,
            document_number=locked.number,
        ).update(revoked=True)
        record_event(
            dossier_id=locked.dossier_id,
            action="result_revoked",
            actor=user,
            comment=locked.reason,
            details={"number": locked.number},
        )
    logger.info("result %s revoked by %s", locked.number, user.pk)
    return locked
