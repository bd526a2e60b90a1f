"""Checking a result PDF: is it intact, signed by an agency we trust, and in our register?

=========  ===========================================================================================
status     when
=========  ===========================================================================================
valid      the signature is intact, covers the whole file, chains to a trusted root, and the file is
           a result in the register that has not been revoked
invalid    the file was changed after signing (a byte changed, or content appended), the signature is
           damaged, or the result was revoked
unknown    the file is not a PDF or not signed, the signer does not chain to a trusted root, or the
           signature is sound but the file is not in this system's register
=========  ===========================================================================================

Trust roots are the demo root CA (where this installation has one, ``tinhso.results.pki``) and
the certificates listed in ``TINHSO_TRUST_ROOTS``; nothing is fetched over the network. A result
found in the register is validated at its signing time, so it stays valid after the agency's
certificate has expired.
"""

import datetime
import hashlib
import io
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from tinhso.documents.formatting import vn_datetime
from tinhso.results import pki
from tinhso.results.models import ResultDocument
from tinhso.results.signing import certificate_fingerprint, common_name
from tinhso.uploads import UploadRejected

logger = logging.getLogger(__name__)

VALID, INVALID, UNKNOWN = "valid", "invalid", "unknown"
# Certificates of licensed CAs sometimes carry only digitalSignature; either bit is accepted.
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


@dataclass(frozen=True)
class VerificationResult:
    valid: bool
    status: str
    signer: str
    signed_at: datetime.datetime | None
    document_number: str
    revoked: bool
    reason: str
    result: ResultDocument | None = None  # the register entry, when the file is one of ours

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("result")
        return data


def verify_pdf(data: bytes) -> VerificationResult:
    """Verify ``data`` (a whole PDF file) against the trust roots and the result register."""
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception:  # pyHanko raises many kinds of errors on malformed files
        logger.info("verification: unreadable PDF", exc_info=True)
        if b"/ByteRange" in data:
            return _outcome(INVALID, _("Tệp có chữ ký số nhưng đã bị hỏng hoặc bị sửa đổi."))
        return _outcome(UNKNOWN, _("Không đọc được tệp: đây không phải tệp PDF hợp lệ."))
    if not signatures:
        return _outcome(UNKNOWN, _("Tệp không có chữ ký số."))
    embedded = signatures[0]  # a result carries exactly one signature, the agency's
    known = (
        ResultDocument.objects.select_related("agency")
        .filter(sha256=hashlib.sha256(data).hexdigest(), signed_at__isnull=False)
        .first()
    )
    try:
        status = validate_pdf_signature(
            embedded,
            validation_context(known.signed_at if known is not None else None),
            key_usage_settings=KEY_USAGE,
        )
    except Exception:
        logger.info("verification: signature could not be validated", exc_info=True)
        return _outcome(INVALID, _("Chữ ký số bị hỏng, không kiểm tra được."))
    certificate = status.signing_cert
    signer = common_name(certificate) if certificate is not None else ""
    signed_at = status.signer_reported_dt
    if not (status.intact and status.valid):
        return _outcome(
            INVALID,
            _("Nội dung tệp đã bị thay đổi sau khi ký."),
            signer=signer,
            signed_at=signed_at,
        )
    if not status.trusted:
        return _outcome(
            UNKNOWN,
            _("Chứng thư số của người ký không thuộc cơ quan nào mà hệ thống tin cậy."),
            signer=signer,
            signed_at=signed_at,
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return _outcome(
            INVALID, _("Tệp đã bị thêm nội dung sau khi ký."), signer=signer, signed_at=signed_at
        )
    if known is None or certificate is None:
        return _outcome(
            UNKNOWN,
            _("Chữ ký số hợp lệ nhưng văn bản không có trong sổ đăng ký kết quả của hệ thống."),
            signer=signer,
            signed_at=signed_at,
        )
    if known.signer_fingerprint != certificate_fingerprint(certificate):
        return _outcome(
            INVALID,
            _("Người ký không khớp với sổ đăng ký kết quả."),
            signer=signer,
            signed_at=signed_at,
        )
    if known.revoked:
        reason = _("Kết quả này đã bị thu hồi (%(when)s). Lý do: %(reason)s") % {
            "when": vn_datetime(known.revoked_at),
            "reason": known.reason,
        }
        return _outcome(INVALID, reason, signer=signer, result=known)
    return _outcome(
        VALID,
        _("Chữ ký số hợp lệ, văn bản còn nguyên vẹn và có trong sổ đăng ký kết quả."),
        signer=signer,
        result=known,
    )


def read_upload(upload: UploadedFile, field: str = "file") -> bytes:
    """The bytes of an uploaded PDF, size capped while reading (``TINHSO_UPLOAD_MAX_BYTES``).

    The type is checked by content — a ``%PDF-`` header in the first kilobyte — not by the name or
    the declared Content-Type, which clients set inconsistently. Raises ``UploadRejected``.
    """
    limit: int = settings.TINHSO_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise UploadRejected(_too_big(limit), field)
    chunks: list[bytes] = []
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise UploadRejected(_too_big(limit), field)
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise UploadRejected(_("Tệp rỗng."), field)
    if b"%PDF-" not in data[:1024]:
        raise UploadRejected(
            _("Tệp “%(name)s” không phải tệp PDF (kiểm tra theo nội dung tệp).")
            % {"name": upload.name},
            field,
        )
    return data


def _too_big(limit: int) -> str:
    return _("Tệp vượt quá dung lượng cho phép (%(mb)s MB).") % {
        "mb": round(limit / 1024 / 1024, 1)
    }


def validation_context(moment: datetime.datetime | None = None) -> ValidationContext:
    """Trust the configured roots only; validate at ``moment`` (default: now)."""
    return ValidationContext(trust_roots=trust_roots(), moment=moment, allow_fetching=False)


def trust_roots() -> list[asn1_x509.Certificate]:
    roots: list[asn1_x509.Certificate] = []
    demo = pki.demo_root_certificate()
    if demo is not None:
        roots.append(asn1_x509.Certificate.load(demo.public_bytes(serialization.Encoding.DER)))
    for path in settings.TINHSO_TRUST_ROOTS:
        roots.extend(load_certs_from_pemder_data(Path(path).read_bytes()))
    return roots


def _outcome(
    status: str,
    reason: str,
    *,
    signer: str = "",
    signed_at: datetime.datetime | None = None,
    result: ResultDocument | None = None,
) -> VerificationResult:
    return VerificationResult(
        valid=status == VALID,
        status=status,
        signer=signer,
        signed_at=result.signed_at if result is not None else signed_at,
        document_number=result.number if result is not None else "",
        revoked=bool(result is not None and result.revoked),
        reason=reason,
        result=result,
    )
