"""The demo PKI: a root CA and one signing certificate per agency, kept in ``TINHSO_PKI_DIR``.

Production agencies do not use this: they sign with a certificate from a licensed CA (for state
agencies, the Government Cryptography Committee's CA) held in a PKCS#12 file or on a PKCS#11
token (see ``tinhso.results.signing`` and docs/adr/0004-signing.md). The demo root is trusted by
the verifier only where it exists, i.e. where ``tinhso init_demo_pki`` ran.

Layout of the directory (private keys are PKCS#8 PEM encrypted with ``tinhso.keys.passphrase()``,
mode 0600)::

    root-ca.pem  root-ca.key
    agencies/<slug>.pem  agencies/<slug>.key

Certificates follow the profile pyHanko and poppler/NSS validate (spec §3.2): the CA has
BasicConstraints(ca, pathlen 0) and KeyUsage(keyCertSign, cRLSign), both critical; a signer has
BasicConstraints(ca=False), KeyUsage(digitalSignature, nonRepudiation) critical — pyHanko's PDF
policy requires nonRepudiation — and ExtendedKeyUsage(emailProtection, documentSigning): NSS
checks document signatures under its "e-mail signer" usage, which requires emailProtection when
an EKU extension is present, and RFC 9336's id-kp-documentSigning states the intent.
"""

import contextlib
import datetime
import fcntl
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from django.conf import settings
from django.utils import timezone

from tinhso.agencies.models import Agency
from tinhso.keys import passphrase

ROOT_COMMON_NAME = "Tỉnh Số Demo Root CA"
ROOT_VALIDITY = datetime.timedelta(days=20 * 365)
SIGNER_VALIDITY = datetime.timedelta(days=3 * 365)
RENEW_BEFORE = datetime.timedelta(days=30)
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336


class PkiError(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    """Paths of a certificate and its encrypted key."""

    cert_path: Path
    key_path: Path

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def private_key(self) -> rsa.RSAPrivateKey:
        try:
            key = serialization.load_pem_private_key(
                self.key_path.read_bytes(), password=passphrase()
            )
        except ValueError as exc:
            raise PkiError(
                f"Cannot decrypt {self.key_path}: TINHSO_PKI_PASSPHRASE (or SECRET_KEY, from "
                "which the default is derived) changed. Restore it, or delete the directory and "
                "run `tinhso init_demo_pki` again."
            ) from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise PkiError(f"{self.key_path} is not an RSA key")
        return key


@dataclass
class PkiReport:
    root_created: bool = False
    issued: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def pki_dir() -> Path:
    return Path(settings.TINHSO_PKI_DIR)


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER encoding, lowercase hex."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def organisation_name() -> str:
    province: str = settings.TINHSO_PROVINCE_NAME
    if province.startswith(("Tỉnh", "Thành phố")):
        return province
    return f"Tỉnh {province}"


def root_credentials() -> Credentials:
    directory = pki_dir()
    return Credentials(directory / "root-ca.pem", directory / "root-ca.key")


def agency_credentials(agency: Agency) -> Credentials:
    directory = pki_dir() / "agencies"
    return Credentials(directory / f"{agency.slug}.pem", directory / f"{agency.slug}.key")


def demo_root_certificate() -> x509.Certificate | None:
    """The demo root, if this installation has one."""
    path = root_credentials().cert_path
    return x509.load_pem_x509_certificate(path.read_bytes()) if path.exists() else None


def init_demo_pki(agencies: Iterable[Agency] | None = None) -> PkiReport:
    """Create the demo root (once) and a current certificate for every agency. Idempotent."""
    report = PkiReport()
    with _locked():
        report.root_created = _ensure_root()
        root_credentials().private_key()  # fails loudly if the passphrase changed
        for agency in agencies if agencies is not None else Agency.objects.order_by("slug"):
            if _ensure_agency(agency):
                report.issued.append(agency.slug)
            else:
                report.kept.append(agency.slug)
    return report


def ensure_agency(agency: Agency) -> Credentials:
    """The agency's demo credentials, creating the root and the certificate when needed."""
    with _locked():
        _ensure_root()
        _ensure_agency(agency)
    return agency_credentials(agency)


def export_pkcs12(agency: Agency, password: bytes) -> bytes:
    """The agency's demo key, certificate and the root as a PKCS#12 file (e.g. for a test or to try
    the ``pkcs12`` signer)."""
    credentials = ensure_agency(agency)
    root = root_credentials().certificate()
    return pkcs12.serialize_key_and_certificates(
        name=agency.slug.encode(),
        key=credentials.private_key(),
        cert=credentials.certificate(),
        cas=[root],
        encryption_algorithm=serialization.BestAvailableEncryption(password),
    )


# --- internals ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One issuer at a time across processes, so a key and its certificate always match."""
    directory = pki_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_root() -> bool:
    credentials = root_credentials()
    if credentials.cert_path.exists() and credentials.key_path.exists():
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name()),
            x509.NameAttribute(NameOID.COMMON_NAME, ROOT_COMMON_NAME),
        ]
    )
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(credentials, key, certificate)
    return True


def _ensure_agency(agency: Agency) -> bool:
    """Issue a certificate unless a current one exists; True when one was issued."""
    credentials = agency_credentials(agency)
    root = root_credentials()
    root_cert = root.certificate()
    if _is_current(credentials, agency, root_cert):
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name()),
            x509.NameAttribute(NameOID.COMMON_NAME, agency.name),
        ]
    )
    ski = root_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(min(now + SIGNER_VALIDITY, root_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(root.private_key(), hashes.SHA256())
    )
    _write(credentials, key, certificate)
    return True


def _is_current(credentials: Credentials, agency: Agency, root: x509.Certificate) -> bool:
    if not (credentials.cert_path.exists() and credentials.key_path.exists()):
        return False
    certificate = credentials.certificate()
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or names[0].value != agency.name:
        return False  # the agency was renamed
    if certificate.not_valid_after_utc - RENEW_BEFORE < timezone.now():
        return False
    try:
        certificate.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):  # the root was replaced
        return False
    return True


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write(credentials: Credentials, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> None:
    credentials.cert_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase()),
    )
    _atomic_write(credentials.key_path, key_pem, mode=0o600)
    _atomic_write(
        credentials.cert_path, certificate.public_bytes(serialization.Encoding.PEM), mode=0o644
    )


def _atomic_write(path: Path, data: bytes, *, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
