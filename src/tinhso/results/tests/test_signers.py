"""Signer backends other than the demo: a PKCS#12 file, and PAdES B-T with a time-stamp."""

import datetime
import io

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tinhso.results import pki, services, signing, verification
from tinhso.results.tests.conftest import to_result_ready


def test_an_agency_signs_with_its_pkcs12_file(cast, monkeypatch, tmp_path):
    bundle = tmp_path / "stp.p12"
    bundle.write_bytes(pki.export_pkcs12(cast.dept, b"mat-khau-p12"))
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS12", str(bundle))
    monkeypatch.setenv("TINHSO_SIGNER_STP_PASSPHRASE", "mat-khau-p12")
    dossier = to_result_ready(cast, cast.province_procedure)
    result = services.issue_result(dossier_id=dossier.pk)
    assert result.signer_backend == "pkcs12" and result.signer_name == "Sở Tư pháp"
    demo_certificate = pki.agency_credentials(cast.dept).certificate()
    assert result.signer_fingerprint == pki.fingerprint(demo_certificate)
    with result.file.open("rb") as handle:
        outcome = verification.verify_pdf(handle.read())
    assert outcome.status == "valid" and outcome.document_number == result.number


def test_a_wrong_pkcs12_passphrase_is_a_signing_error(cast, monkeypatch, tmp_path):
    bundle = tmp_path / "stp.p12"
    bundle.write_bytes(pki.export_pkcs12(cast.dept, b"dung"))
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS12", str(bundle))
    monkeypatch.setenv("TINHSO_SIGNER_STP_PASSPHRASE", "sai")
    signer = signing.signer_for(cast.dept)
    with pytest.raises(signing.SigningError, match="stp"), signer.open():
        pass


def _demo_tsa() -> DummyTimeStamper:
    """A time-stamping authority certified by the demo root (EKU timeStamping, critical)."""
    root = pki.root_credentials()
    root_cert = root.certificate()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tỉnh Số Demo TSA")]))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root.private_key(), hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der_key),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(root_cert.public_bytes(serialization.Encoding.DER))]
        ),
    )


def test_with_a_time_stamping_authority_the_signature_is_pades_b_t(cast, monkeypatch):
    pki.ensure_agency(cast.commune)
    tsa = _demo_tsa()
    monkeypatch.setattr(signing, "default_timestamper", lambda: tsa)
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    assert result.pades_level == "B-T"
    with result.file.open("rb") as handle:
        content = handle.read()
    signature = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    status = validate_pdf_signature(signature, verification.validation_context())
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert verification.verify_pdf(content).status == "valid"


def test_http_time_stamper_is_configured_from_settings(settings):
    assert signing.default_timestamper() is None
    settings.TINHSO_TSA_URL = "http://tsa.example.vn/tsr"
    stamper = signing.default_timestamper()
    assert stamper is not None and stamper.url == "http://tsa.example.vn/tsr"
