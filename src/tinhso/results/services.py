"""Preparing, issuing and revoking signed e-results (docs/results.md).

The specialist prepares the result as a draft (``prepare_result``, ``attach_result_file``); the
leader reads it rendered (``render_draft_pdf``) and approves, which a guard refuses while the
draft the procedure's result paper needs is missing (``draft_refusal``); a leader who wants
changes sends the dossier back, which uses no number.

``issue_result`` runs after the ``approve`` transition has committed, and again after the clerk's
hand-over (``issue_result``) — ``sign_result_task``, queued by the results subscriber of the
dossier-changed event (ADR 0009). It works in four idempotent steps, so a retry after any failure
finishes the same register entry and a number is never used twice nor skipped:

1. *reserve* — in one transaction, with the dossier row locked and approved: the next number of
   the agency's register for the year (one upsert, like the dossier codes) and a
   ``ResultDocument`` holding it;
2. *sign* — outside any transaction (a token or a time-stamping server may be slow): render the
   draft with the number, sign it, store the file, then record it with a conditional update (a
   second worker that signed concurrently deletes its own file and uses the first one's);
3. *deliver* — after the hand-over: a copy in the applicant's personal store, when the dossier
   has an applicant account;
4. *announce* — after the hand-over: a "result signed" dossier event, once per result, with the
   notice "result ready" for the ``issue_result`` history entry: the notifications app then
   tells the applicant.
"""

import datetime
import hashlib
import html.parser
import io
import logging
from typing import Any

import jsonschema
import pypdf
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.agencies.models import Role
from tinhso.audit.services import log_event
from tinhso.documents import formatting, pdf
from tinhso.dossiers import events
from tinhso.dossiers.models import Dossier, DossierEvent, HistoryEntry, Status
from tinhso.dossiers.selectors import current_step, roles_on
from tinhso.dossiers.services import record_event
from tinhso.procedures.models import ProcedureVersion
from tinhso.results import selectors, signing
from tinhso.results.models import ResultCounter, ResultDocument, ResultDraft
from tinhso.stores.models import StoredDocument
from tinhso.stores.services import store_document
from tinhso.uploads import CheckedUpload, PdfUnreadable, pdf_page_count

logger = logging.getLogger(__name__)

ISSUABLE = frozenset({Status.RESULT_READY, Status.RETURNED})
# Approved and waiting for the hand-over (6 when a fee is asked for at the last step).
SIGNABLE = frozenset({Status.PROCESSING, Status.AWAITING_PAYMENT})
GENERIC_TEMPLATE = "results/result.html"
# The name under which a paper produced by another system is embedded in the signed result.
ATTACHED_PAPER_NAME = "giay-to-kem-theo.pdf"


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


class InvalidResult(ResultError):
    status = 400


class PrepareNotAllowed(ResultError):
    status = 403


# The specialist prepares the result while the dossier is being processed, before the leader's
# approval moves it to the hand-over step; once the result is signed its draft is closed.
PREPARABLE = frozenset({Status.RECEIVED, Status.PROCESSING})
DRAFT_NUMBER = "…/…"


# --- preparing the result (the draft) -------------------------------------------------------------


def validate_result_fields(version: ProcedureVersion, fields: Any) -> dict[str, Any]:
    """``fields`` checked against the main result paper's schema, as the e-form is checked
    (``tinhso.dossiers.services.validate_form_data``): the first error, its field as
    ``fields.<name>``."""
    if not isinstance(fields, dict):
        raise InvalidResult(_("Nội dung kết quả phải là một đối tượng JSON."), "fields")
    schema = version.result_schema
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(fields), key=lambda e: list(e.absolute_path))
    if not errors:
        return fields
    error = errors[0]
    properties = _properties(schema)
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = next((k for k in error.validator_value if k not in error.instance), "")
        path = ".".join(filter(None, [path, missing]))
        title = properties.get(missing, {}).get("title", missing)
        raise InvalidResult(
            _("Thiếu thông tin bắt buộc: %(field)s.") % {"field": title}, f"fields.{path}"
        )
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(properties))
        name = extra[0] if extra else path
        raise InvalidResult(
            _("Giấy tờ kết quả không có trường “%(field)s”.") % {"field": name},
            ".".join(filter(None, ["fields", path, name])),
        )
    name = path.split(".")[0]
    title = properties.get(name, {}).get("title", name)
    raise InvalidResult(
        _("Thông tin “%(field)s” không hợp lệ.") % {"field": title},
        ".".join(filter(None, ["fields", path])),
    )


def can_prepare(user: User, dossier: Dossier) -> bool:
    """A specialist of the competent agency."""
    return Role.SPECIALIST in roles_on(user, dossier, "competent")


def _lock_draft(dossier: Dossier) -> tuple[Dossier, "ResultDraft | None", str]:
    """In a transaction: the dossier locked and checked preparable, its draft (locked; None
    before the first) and the code of its procedure's main result paper."""
    locked = (
        Dossier.objects.select_for_update().select_related("procedure_version").get(pk=dossier.pk)
    )
    _check_preparable(locked)
    draft = ResultDraft.objects.select_for_update().filter(dossier=locked).first()
    return locked, draft, locked.procedure_version.main_result_paper.get("code", "")


def prepare_result(*, user: User, dossier: Dossier, fields: Any) -> ResultDraft:
    """Record (or replace) the draft result of ``dossier`` with the fields its main result paper
    asks for. Atomic and audited; a new revision each time."""
    if not can_prepare(user, dossier):
        raise PrepareNotAllowed(
            _("Chỉ chuyên viên xử lý của cơ quan có thẩm quyền mới chuẩn bị được kết quả.")
        )
    checked = validate_result_fields(dossier.procedure_version, fields)
    with transaction.atomic():
        locked, draft, paper = _lock_draft(dossier)
        if draft is None:
            draft = ResultDraft.objects.create(
                dossier=locked, paper_code=paper, fields=checked, prepared_by=user
            )
        else:
            draft.paper_code = paper
            draft.fields = checked
            draft.prepared_by = user
            draft.revision += 1
            draft.save()
        log_event(
            action="result.draft_prepared",
            actor=user,
            target=f"dossier:{locked.code}",
            details={"revision": draft.revision, "paper": paper, "fields": sorted(checked)},
        )
    logger.info("result draft r%s of dossier %s", draft.revision, locked.pk)
    return draft


def attach_result_file(*, user: User, dossier: Dossier, upload: CheckedUpload) -> ResultDraft:
    """Store the paper another system produced (a PDF already checked by content with
    ``tinhso.uploads.check_upload``) as the draft's file, with its page count read by pypdf.
    Replaces an earlier file; the fields entered stay. Atomic and audited; the file is written
    before the transaction and removed again if it does not commit."""
    if not can_prepare(user, dossier):
        raise PrepareNotAllowed(
            _("Chỉ chuyên viên xử lý của cơ quan có thẩm quyền mới chuẩn bị được kết quả.")
        )
    if upload.content_type != "application/pdf":
        raise InvalidResult(_("Giấy tờ kết quả do hệ thống khác cấp phải là tệp PDF."), "file")
    try:
        pages = pdf_page_count(upload.file)
    except PdfUnreadable as exc:
        raise InvalidResult(_("Không đọc được tệp PDF."), "file") from exc
    upload.file.seek(0)
    name = default_storage.save(
        f"results/drafts/{dossier.agency.slug}/{dossier.code}-{upload.sha256[:16]}.pdf",
        upload.file,
    )
    try:
        with transaction.atomic():
            locked, draft, paper = _lock_draft(dossier)
            if draft is None:
                draft = ResultDraft(dossier=locked, paper_code=paper, fields={}, revision=0)
            previous = draft.file.name if draft.file else ""
            draft.file = name
            draft.file_pages = pages
            draft.file_sha256 = upload.sha256
            draft.prepared_by = user
            draft.revision += 1
            draft.save()
            log_event(
                action="result.draft_file_attached",
                actor=user,
                target=f"dossier:{locked.code}",
                details={"revision": draft.revision, "pages": pages, "sha256": upload.sha256},
            )
            if previous and previous != name:
                transaction.on_commit(lambda: default_storage.delete(previous))
    except BaseException:
        default_storage.delete(name)
        raise
    return draft


def is_preparable(dossier: Dossier) -> bool:
    """The draft may still be changed: processing, before the approval and the signature."""
    try:
        _check_preparable(dossier)
    except ResultError:
        return False
    return True


def _check_preparable(dossier: Dossier) -> None:
    if ResultDocument.objects.filter(dossier_id=dossier.pk).exists():
        raise ResultError(_("Kết quả của hồ sơ đã được vào sổ và ký số; không sửa được nữa."))
    step = current_step(dossier)
    if dossier.status not in PREPARABLE or (step is not None and step.action == "issue_result"):
        raise ResultError(
            _("Hồ sơ ở trạng thái “%(status)s”: không chuẩn bị kết quả được nữa.")
            % {"status": dossier.get_status_display()}
        )


def render_draft_pdf(draft: ResultDraft) -> bytes:
    """The draft as the leader sees it before approving: the PDF that will be signed, unsigned,
    with the register number as a placeholder (it is allocated when the result is signed)."""
    dossier = Dossier.objects.select_related("agency", "procedure_version__procedure").get(
        pk=draft.dossier_id
    )
    preview = ResultDocument(
        dossier=dossier,
        agency=dossier.agency,
        year=timezone.localdate().year,
        sequence=0,
        number=DRAFT_NUMBER,
        public_token="",
    )
    with translation.override("vi"):
        page, _title = render_result_html(
            preview, signing_time=timezone.now(), draft=draft, preview=True
        )
        return pdf.html_to_pdf(page)


# --- issuing ------------------------------------------------------------------------------------


def issue_result(*, dossier_id: int) -> ResultDocument:
    """Number, render and sign the result of an approved dossier; once it is handed over (the
    clerk's ``issue_result``), deliver it to the applicant's store and announce it. Idempotent:
    run after the approval and again after the hand-over, it signs once."""
    document = ResultDocument.objects.filter(dossier_id=dossier_id).first()
    if document is None:
        document = reserve_result(dossier_id=dossier_id)
    if not document.is_signed:
        document = _sign(document)
    if Dossier.objects.filter(pk=dossier_id, status__in=ISSUABLE).exists():
        deliver_to_store(document)
        announce_signed(document)
    return document


def is_approved(dossier: Dossier) -> bool:
    """The leader has approved: the dossier is at its hand-over step (or past it)."""
    if dossier.status in ISSUABLE:
        return True
    step = current_step(dossier)
    return dossier.status in SIGNABLE and step is not None and step.action == "issue_result"


def draft_refusal(version: ProcedureVersion, draft: "ResultDraft | None") -> str:
    """Why the result of a dossier of ``version`` cannot be approved with ``draft`` yet ("" when
    it can): a paper issued by another system needs its PDF; a paper the platform renders needs
    the fields its schema requires (checked again: the catalogue may have changed since)."""
    paper = version.main_result_paper
    if not paper:
        return ""  # nothing declared: the generic result page stands
    if paper.get("issued_by", "platform") != "platform":
        if draft is None or not draft.file:
            return _(
                "Chưa có %(paper)s do hệ thống khác cấp: chuyên viên cần tải tệp PDF lên dự thảo "
                "kết quả trước khi trình phê duyệt."
            ) % {"paper": paper.get("name", _("giấy tờ kết quả"))}
        return ""
    if not version.result_schema.get("required"):
        return ""
    if draft is None:
        return _(
            "Chưa có dự thảo kết quả: chuyên viên cần nhập nội dung %(paper)s trước khi trình "
            "phê duyệt."
        ) % {"paper": paper.get("name", _("giấy tờ kết quả"))}
    try:
        validate_result_fields(version, draft.fields)
    except InvalidResult as exc:
        return _("Dự thảo kết quả chưa hợp lệ: %(reason)s") % {"reason": exc.message}
    return ""


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
            if not is_approved(dossier):
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
    draft = ResultDraft.objects.filter(dossier_id=reserved.dossier_id).first()
    with translation.override("vi"):
        page, title = render_result_html(reserved, signing_time=signing_time, draft=draft)
        signed = signing.sign_pdf(
            with_attached_paper(pdf.html_to_pdf(page), draft),
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


def with_attached_paper(rendered: bytes, draft: ResultDraft | None) -> bytes:
    """The rendered result with the paper another system produced (the draft's PDF) embedded
    as a file attachment, byte for byte, so the agency's signature covers it and it travels
    with the result (its own signatures, if any, stay verifiable once extracted). Without such
    a paper, ``rendered`` unchanged. pypdf keeps the rendered pages and their named
    destination, where the stamp goes."""
    if draft is None or not draft.file:
        return rendered
    with draft.file.open("rb") as handle:
        paper = handle.read()
    if hashlib.sha256(paper).hexdigest() != draft.file_sha256:
        raise ResultError(_("Tệp giấy tờ do hệ thống khác cấp đã bị thay đổi sau khi tải lên."))
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(rendered))
    writer.add_attachment(ATTACHED_PAPER_NAME, paper)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- rendering ----------------------------------------------------------------------------------


def render_result_html(
    document: ResultDocument,
    *,
    signing_time: datetime.datetime,
    draft: ResultDraft | None = None,
    preview: bool = False,
) -> tuple[str, str]:
    """The result's HTML and its title (the ``<title>`` of the template).

    The template the catalogue names for the main result paper (``template``), else
    ``results/<procedure code>.html`` when it exists (e.g. ``results/1.001193.html``, the birth
    certificate), else the generic ``results/result.html``. The fields the specialist entered
    (``draft``, read from the dossier's draft when not given) are ``fields`` (raw),
    ``result_values`` and ``result_rows`` (written for people); the form data stays available as
    ``data``, ``values`` and ``form_rows``. ``preview`` (``is_draft`` in the template): the
    unsigned draft whose number is a placeholder. Always Vietnamese, autoescaped.
    """
    dossier = document.dossier
    version = dossier.procedure_version
    code = version.procedure.code
    paper = version.main_result_paper
    if draft is None:
        draft = ResultDraft.objects.filter(dossier_id=dossier.pk).first()
    fields = draft.fields if draft is not None and isinstance(draft.fields, dict) else {}
    names = [f"results/{code}.html", GENERIC_TEMPLATE]
    if paper.get("issued_by", "platform") == "platform" and paper.get("template") and fields:
        # The paper's own template only with the official's fields: without them (a result issued
        # before the draft existed) the generic page stands, never a certificate left blank.
        names.insert(0, str(paper["template"]))
    template = select_template(names)
    is_draft = preview
    context = {
        "document": document,
        "dossier": dossier,
        "agency": document.agency,
        "version": version,
        "procedure_code": code,
        "data": dossier.data,
        "form_rows": form_rows(version.form_schema, dossier.data),
        "values": form_values(version.form_schema, dossier.data),
        "paper": paper,
        "fields": fields,
        "result_values": form_values(version.result_schema, fields),
        "result_rows": form_rows(version.result_schema, fields),
        "attached_file": (
            {"pages": draft.file_pages, "sha256": draft.file_sha256, "name": ATTACHED_PAPER_NAME}
            if draft is not None and draft.file
            else None
        ),
        "is_draft": is_draft,
        "signer": "" if is_draft else _approver_name(dossier.pk),
        "issue_date": signing_time,
        "place": settings.TINHSO_PROVINCE_NAME,
        "verify_url": "" if is_draft else verify_url(document.public_token),
        "stamp_anchor": signing.STAMP_ANCHOR,
        "stamp_width_mm": signing.STAMP_WIDTH_MM,
        "stamp_height_mm": signing.STAMP_HEIGHT_MM,
    }
    page = template.render(context)
    return page, _html_title(page) or _("Kết quả giải quyết thủ tục hành chính")


def _approver_name(dossier_id: int) -> str:
    """The leader whose approval the signed result carries (the last ``approve``)."""
    entry = (
        HistoryEntry.objects.filter(dossier_id=dossier_id, action="approve")
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    if entry is None or entry.actor is None:
        return ""
    return str(entry.actor.full_name or "")


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
    if isinstance(value, int) and "đồng" in str(spec.get("title", "")):
        return formatting.dong(value)
    if isinstance(value, int):
        return formatting.vn_number(value)
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
