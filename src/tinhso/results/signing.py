"""Signing result PDFs with pyHanko as the competent agency (docs/adr/0004-signing.md).

Document signers are an extension point: a small ``AgencySigner`` base class and an explicit
registry with one class per way of holding the key.

=========  ======================================================================================
backend    configuration (``<P>`` = ``TINHSO_SIGNER_<SLUG>``, the agency slug upper-cased, ``-`` → ``_``)
=========  ======================================================================================
demo       nothing: the demo PKI in ``TINHSO_PKI_DIR`` (``tinhso.results.pki``)
pkcs12     ``<P>_PKCS12`` path of the .p12/.pfx file, ``<P>_PASSPHRASE`` its passphrase
pkcs11     ``<P>_PKCS11_MODULE`` path of the token's PKCS#11 library, ``<P>_PKCS11_KEY_LABEL``;
           optional ``<P>_PKCS11_CERT_LABEL`` (default: the key label), ``<P>_PKCS11_TOKEN``
           (token label) or ``<P>_PKCS11_SLOT`` (slot number), ``<P>_PKCS11_PIN``
=========  ======================================================================================

An agency with ``<P>_PKCS12`` set signs with ``pkcs12``, one with ``<P>_PKCS11_MODULE`` with
``pkcs11``, any other with ``TINHSO_SIGNER_DEFAULT`` ("demo" when DEBUG, none otherwise).

The signature is PAdES (``/SubFilter /ETSI.CAdES.detached``), level B-B, or B-T when
``TINHSO_TSA_URL`` names an RFC 3161 time-stamping authority. Its visible stamp — signer, signing
time, register number and a QR code of the public verification URL — is drawn where the result
template put the element ``#chu-ky-so`` (``STAMP_ANCHOR``), found through the named destination
WeasyPrint writes for every element id.
"""

import abc
import contextlib
import datetime
import functools
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.stamp import QRStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tinhso.agencies.models import Agency
from tinhso.documents.formatting import VN_TZ
from tinhso.documents.pdf import FONT_DIR
from tinhso.env import env_int, env_str
from tinhso.keys import passphrase
from tinhso.results import pki

FIELD_NAME = "ChuKySo"
STAMP_ANCHOR = "chu-ky-so"
STAMP_WIDTH_MM = 84
STAMP_HEIGHT_MM = 24
STAMP_FONT = FONT_DIR / "BeVietnamPro-Regular.ttf"
STAMP_FONT_SIZE = 8  # the same in the font engine and the text box (pyHanko issue #733)
_MM = 72 / 25.4


class SigningError(Exception):
    pass


@dataclass(frozen=True)
class SignedPdf:
    content: bytes
    signer_name: str
    fingerprint: str  # SHA-256 of the signer certificate (DER), hex
    backend: str
    level: str  # "B-B" or "B-T"


# --- signers ----------------------------------------------------------------------------------


class AgencySigner(abc.ABC):
    """Holds, or reaches, one agency's signing key."""

    backend: ClassVar[str]

    def __init__(self, agency: Agency) -> None:
        self.agency = agency

    @abc.abstractmethod
    def open(self) -> contextlib.AbstractContextManager[signers.Signer]:
        """A pyHanko ``Signer`` ready to sign, for the duration of a ``with`` block.

        The signer carries the agency certificate and its chain (embedded in the signature).
        Resources such as a token session are released when the block ends. Raise
        ``ImproperlyConfigured`` for a missing setting, ``SigningError`` for an unusable key.
        """

    def setting(self, suffix: str, default: str | None = None) -> str:
        """Environment variable ``TINHSO_SIGNER_<SLUG>_<suffix>``."""
        return env_str(f"{env_prefix(self.agency)}_{suffix}", default)


_BACKENDS: dict[str, type[AgencySigner]] = {}


def register(name: str) -> Callable[[type[AgencySigner]], type[AgencySigner]]:
    def decorate(cls: type[AgencySigner]) -> type[AgencySigner]:
        cls.backend = name
        _BACKENDS[name] = cls
        return cls

    return decorate


def backends() -> dict[str, type[AgencySigner]]:
    return dict(_BACKENDS)


def env_prefix(agency: Agency) -> str:
    return "TINHSO_SIGNER_" + re.sub(r"[^A-Z0-9]", "_", agency.slug.upper())


def signer_for(agency: Agency) -> AgencySigner:
    """The configured signer of ``agency`` (see the module docstring)."""
    prefix = env_prefix(agency)
    chosen = [
        name
        for name, variable in (("pkcs12", "PKCS12"), ("pkcs11", "PKCS11_MODULE"))
        if env_str(f"{prefix}_{variable}", "")
    ]
    if len(chosen) > 1:
        raise ImproperlyConfigured(f"{prefix}: set either _PKCS12 or _PKCS11_MODULE, not both")
    name = chosen[0] if chosen else settings.TINHSO_SIGNER_DEFAULT
    if not name:
        raise ImproperlyConfigured(
            f"No signer for agency {agency.slug}: set {prefix}_PKCS12 or {prefix}_PKCS11_MODULE, "
            "or TINHSO_SIGNER_DEFAULT"
        )
    if name not in _BACKENDS:
        raise ImproperlyConfigured(f"Unknown signer backend {name!r}; known: {sorted(_BACKENDS)}")
    return _BACKENDS[name](agency)


@register("demo")
class DemoSigner(AgencySigner):
    """The agency's certificate from the demo PKI, issued on first use."""

    @contextlib.contextmanager
    def open(self) -> Iterator[signers.Signer]:
        credentials = pki.ensure_agency(self.agency)
        key = _demo_key(str(credentials.key_path), credentials.key_path.stat().st_mtime_ns)
        yield signers.SimpleSigner(
            signing_cert=load_cert_from_pemder(str(credentials.cert_path)),
            signing_key=key,
            cert_registry=SimpleCertificateStore.from_certs(
                [load_cert_from_pemder(str(pki.root_credentials().cert_path))]
            ),
        )


@functools.lru_cache(maxsize=64)
def _demo_key(path: str, mtime_ns: int) -> asn1_keys.PrivateKeyInfo:
    """Decrypting a key is slow (PBKDF2); a worker keeps each demo key once it has read it (the
    modification time in the cache key picks up a re-issued one)."""
    try:
        with open(path, "rb") as handle:
            return load_private_key_from_pemder_data(handle.read(), passphrase=passphrase())
    except ValueError as exc:
        raise SigningError(
            f"Cannot decrypt {path}: TINHSO_PKI_PASSPHRASE (or SECRET_KEY) changed"
        ) from exc


@register("pkcs12")
class Pkcs12Signer(AgencySigner):
    """A PKCS#12 (.p12/.pfx) file with the key, the certificate and its chain."""

    @contextlib.contextmanager
    def open(self) -> Iterator[signers.Signer]:
        path = self.setting("PKCS12")
        password = self.setting("PASSPHRASE", "")
        try:
            with open(path, "rb") as handle:
                key, certificate, chain = pkcs12.load_key_and_certificates(
                    handle.read(), password.encode() or None
                )
        except (OSError, ValueError) as exc:
            raise SigningError(
                f"Cannot read the PKCS#12 file of {self.agency.slug}: {exc}"
            ) from exc
        if key is None or certificate is None:
            raise SigningError(f"The PKCS#12 file of {self.agency.slug} has no key or certificate")
        der_key = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        yield signers.SimpleSigner(
            signing_cert=_asn1_cert(certificate.public_bytes(serialization.Encoding.DER)),
            signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
            cert_registry=SimpleCertificateStore.from_certs(
                [_asn1_cert(c.public_bytes(serialization.Encoding.DER)) for c in chain]
            ),
        )


@register("pkcs11")
class Pkcs11Signer(AgencySigner):
    """A key on a PKCS#11 token or HSM (e.g. a USB token from the Government Cryptography
    Committee's CA). One session per signature, closed afterwards."""

    @contextlib.contextmanager
    def open(self) -> Iterator[signers.Signer]:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11

        slot = env_int(f"{env_prefix(self.agency)}_PKCS11_SLOT", -1)
        token = self.setting("PKCS11_TOKEN", "")
        key_label = self.setting("PKCS11_KEY_LABEL")
        try:
            session = pkcs11.open_pkcs11_session(
                self.setting("PKCS11_MODULE"),
                slot_no=slot if slot >= 0 else None,
                token_criteria=TokenCriteria(label=token) if token else None,
                user_pin=self.setting("PKCS11_PIN", "") or None,
            )
        except Exception as exc:  # the library raises its own hierarchy
            raise SigningError(
                f"Cannot open the PKCS#11 token of {self.agency.slug}: {exc}"
            ) from exc
        try:
            yield pkcs11.PKCS11Signer(
                session,
                key_label=key_label,
                cert_label=self.setting("PKCS11_CERT_LABEL", "") or key_label,
            )
        finally:
            session.close()


def _asn1_cert(der: bytes) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(der)


def common_name(certificate: asn1_x509.Certificate) -> str:
    name = certificate.subject.native.get("common_name", "")
    if isinstance(name, list):
        name = name[-1]
    return str(name)


def certificate_fingerprint(certificate: asn1_x509.Certificate) -> str:
    return hashlib.sha256(certificate.dump()).hexdigest()


# --- signing ---------------------------------------------------------------------------------


def default_timestamper() -> timestamps.TimeStamper | None:
    """The configured TSA (PAdES B-T), or None for B-B."""
    url: str = settings.TINHSO_TSA_URL
    return timestamps.HTTPTimeStamper(url, timeout=15) if url else None


def sign_pdf(
    pdf: bytes,
    *,
    signer: AgencySigner,
    signing_time: datetime.datetime,
    number: str,
    verify_url: str,
    timestamper: timestamps.TimeStamper | None = None,
) -> SignedPdf:
    """Sign ``pdf`` as ``signer``'s agency with a visible stamp at ``#chu-ky-so``.

    ``signing_time`` is written in the signature (CMS signingTime) and in the stamp, so the
    register and the document show the same moment. Pass ``timestamper`` for B-T.
    """
    if signing_time.tzinfo is None:
        raise ValueError("naive signing time")
    page, box = stamp_box(pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec(FIELD_NAME, on_page=page, box=box))
    _link_qr_code(writer, page, box, verify_url)
    output = io.BytesIO()
    with signer.open() as pyhanko_signer:
        certificate = pyhanko_signer.signing_cert
        if certificate is None:
            raise SigningError(f"No signing certificate for {signer.agency.slug}")
        name = common_name(certificate)
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=name,
            reason=_("Cấp kết quả giải quyết thủ tục hành chính"),
            location=pki.organisation_name(),
        )
        _FixedTimePdfSigner(
            metadata,
            signer=pyhanko_signer,
            timestamper=timestamper,
            stamp_style=stamp_style(),
            signing_time=signing_time.astimezone(VN_TZ),
        ).sign_pdf(
            writer,
            output=output,
            appearance_text_params={"url": verify_url, "number": number},
        )
    return SignedPdf(
        content=output.getvalue(),
        signer_name=name,
        fingerprint=certificate_fingerprint(certificate),
        backend=signer.backend,
        level="B-T" if timestamper is not None else "B-B",
    )


def _link_qr_code(
    writer: IncrementalPdfFileWriter,
    page: int,
    box: tuple[int, int, int, int],
    url: str,
) -> None:
    """Make the QR code (the square at the left of the stamp) a link to ``url``: pyHanko adds no
    link for stamps drawn as a signature appearance. The rest of the stamp stays clickable for
    the reader's signature panel."""
    x1, y1, _x2, y2 = box
    link = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Link"),
            generic.pdf_name("/Rect"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (x1, y1, x1 + (y2 - y1), y2)]
            ),
            generic.pdf_name("/Border"): generic.ArrayObject([generic.NumberObject(0)] * 3),
            generic.pdf_name("/A"): generic.DictionaryObject(
                {
                    generic.pdf_name("/S"): generic.pdf_name("/URI"),
                    generic.pdf_name("/URI"): generic.pdf_string(url),
                }
            ),
        }
    )
    page_ref, _resources = writer.find_page_for_modification(page)
    writer.register_annotation(page_ref, writer.add_object(link))


class _FixedTimePdfSigner(signers.PdfSigner):
    """A PdfSigner whose signing time is given rather than read from the clock."""

    def __init__(self, *args: object, signing_time: datetime.datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._signing_time = signing_time

    def init_signing_session(
        self, pdf_out: object, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)  # type: ignore[arg-type]
        session.system_time = self._signing_time
        return session


@functools.cache
def _stamp_font() -> GlyphAccumulatorFactory:
    return GlyphAccumulatorFactory(str(STAMP_FONT), font_size=STAMP_FONT_SIZE)


def stamp_style() -> QRStampStyle:
    """Signer, time and register number beside a QR code of the verification URL (in the active
    language: results are signed under ``translation.override("vi")``)."""
    text = "\n".join(
        [
            _("Ký số bởi: %(signer)s"),
            _("Thời gian ký: %(ts)s"),
            _("Số: %(number)s"),
            _("Quét mã QR để xác thực"),
        ]
    )
    return QRStampStyle(
        stamp_text=text,
        text_box_style=TextBoxStyle(
            font=_stamp_font(), font_size=STAMP_FONT_SIZE, leading=STAMP_FONT_SIZE + 3
        ),
        timestamp_format="%H:%M:%S %d/%m/%Y",
        border_width=1,
    )


def stamp_box(pdf: bytes) -> tuple[int, tuple[int, int, int, int]]:
    """Page index and box (x1, y1, x2, y2 in points) of the ``#chu-ky-so`` element."""
    reader = PdfFileReader(io.BytesIO(pdf))
    destination = _named_destination(reader, STAMP_ANCHOR)
    if destination is None:
        raise SigningError(f"The result template has no #{STAMP_ANCHOR} element")
    page_ref = destination.raw_get(0)
    left, top = float(destination[2]), float(destination[3])
    pages = int(reader.root["/Pages"]["/Count"])
    for index in range(pages):
        reference, _resources = reader.find_page_for_modification(index)
        if reference.idnum == page_ref.idnum:
            box = (
                round(left),
                round(top - STAMP_HEIGHT_MM * _MM),
                round(left + STAMP_WIDTH_MM * _MM),
                round(top),
            )
            return index, box
    raise SigningError(f"#{STAMP_ANCHOR} points to no page")


def _named_destination(reader: PdfFileReader, name: str) -> generic.ArrayObject | None:
    names = reader.root.get("/Names")
    if names is None or "/Dests" not in names:
        return None
    return _search_name_tree(names["/Dests"], name)


def _search_name_tree(node: generic.DictionaryObject, name: str) -> generic.ArrayObject | None:
    if "/Names" in node:
        entries = node["/Names"]
        for position in range(0, len(entries) - 1, 2):
            if str(entries[position]) == name:
                value = entries[position + 1]
                if isinstance(value, generic.DictionaryObject):
                    value = value["/D"]
                return value if isinstance(value, generic.ArrayObject) else None
    for kid in node.get("/Kids", ()):
        found = _search_name_tree(kid, name)
        if found is not None:
            return found
    return None
