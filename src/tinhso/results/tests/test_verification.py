"""verify_pdf: valid, invalid (changed, appended to, revoked) and unknown (unsigned, foreign
signer, not in the register)."""

import datetime
import io

import pytest
import time_machine
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tinhso.documents.pdf import html_to_pdf
from tinhso.results import services, signing, verification
from tinhso.results.tests.conftest import tamper, to_result_ready
from tinhso.testing import PDF_BYTES, PNG_BYTES

PAGE = (
    "<html><head><title>Giấy tờ</title></head><body><p>Văn bản thử</p>"
    f'<div id="{signing.STAMP_ANCHOR}" style="width:84mm;height:24mm"></div></body></html>'
)


@pytest.fixture
def issued(cast):
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    with result.file.open("rb") as handle:
        return result, handle.read()


def test_an_issued_result_is_valid(issued):
    result, content = issued
    outcome = verification.verify_pdf(content)
    assert outcome.valid and outcome.status == "valid"
    assert outcome.signer == "UBND phường Phú Khương"
    assert outcome.signed_at == result.signed_at
    assert outcome.document_number == result.number
    assert not outcome.revoked and outcome.result == result
    assert outcome.as_dict().keys() == {
        "valid",
        "status",
        "signer",
        "signed_at",
        "document_number",
        "revoked",
        "reason",
    }


def test_one_changed_byte_makes_it_invalid(issued):
    _result, content = issued
    outcome = verification.verify_pdf(tamper(content))
    assert not outcome.valid and outcome.status == "invalid"
    assert outcome.document_number == ""
    assert "thay đổi" in outcome.reason


def test_content_appended_after_signing_makes_it_invalid(issued):
    _result, content = issued
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    writer.root["/Lang"] = writer.root.get("/Lang", "vi")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    outcome = verification.verify_pdf(out.getvalue())
    assert outcome.status == "invalid" and "thêm nội dung" in outcome.reason


def test_a_revoked_result_is_invalid_with_the_reason(issued, cast):
    result, content = issued
    services.revoke_result(user=cast.commune_leader, result=result, reason="Cấp sai họ tên")
    outcome = verification.verify_pdf(content)
    assert not outcome.valid and outcome.status == "invalid" and outcome.revoked
    assert "đã bị thu hồi" in outcome.reason and "Cấp sai họ tên" in outcome.reason
    assert outcome.document_number == result.number


@pytest.mark.parametrize("content", [PDF_BYTES, PNG_BYTES, b"", b"%PDF-1.7 garbage"])
def test_unsigned_or_unreadable_files_are_unknown(content):
    outcome = verification.verify_pdf(content)
    assert outcome.status == "unknown" and not outcome.valid


def test_an_unsigned_rendered_pdf_is_unknown():
    outcome = verification.verify_pdf(html_to_pdf(PAGE))
    assert outcome.status == "unknown" and outcome.reason == "Tệp không có chữ ký số."


class ForeignSigner(signing.AgencySigner):
    """An agency certificate from a CA this installation does not trust."""

    backend = "foreign"

    def open(self):
        import contextlib

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UBND phường Giả Mạo")])
        now = timezone.now()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        der_key = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return contextlib.nullcontext(
            signers.SimpleSigner(
                signing_cert=asn1_x509.Certificate.load(
                    certificate.public_bytes(serialization.Encoding.DER)
                ),
                signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
                cert_registry=SimpleCertificateStore(),
            )
        )


def test_a_signature_from_an_untrusted_ca_is_unknown(cast):
    signed = signing.sign_pdf(
        html_to_pdf(PAGE),
        signer=ForeignSigner(cast.commune),
        signing_time=timezone.now(),
        number="1/2025/GIA-KQ",
        verify_url="https://example.invalid/",
    )
    outcome = verification.verify_pdf(signed.content)
    assert outcome.status == "unknown" and outcome.signer == "UBND phường Giả Mạo"
    assert "tin cậy" in outcome.reason


def test_a_trusted_signature_outside_the_register_is_unknown(cast):
    signed = signing.sign_pdf(
        html_to_pdf(PAGE),
        signer=signing.DemoSigner(cast.commune),
        signing_time=timezone.now(),
        number="99/2025/PHUKHUONG-KQ",
        verify_url="https://example.invalid/",
    )
    outcome = verification.verify_pdf(signed.content)
    assert outcome.status == "unknown" and outcome.signer == "UBND phường Phú Khương"
    assert "sổ đăng ký" in outcome.reason


def test_a_registered_result_stays_valid_after_the_certificate_expired(issued):
    result, content = issued
    with time_machine.travel(result.signed_at + datetime.timedelta(days=6 * 365)):
        outcome = verification.verify_pdf(content)
    assert outcome.status == "valid"


def test_production_roots_from_settings_are_trusted(settings, tmp_path, issued):
    from tinhso.results import pki

    _result, content = issued
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_credentials().cert_path.read_bytes())
    settings.TINHSO_PKI_DIR = tmp_path / "no-demo-here"
    assert verification.verify_pdf(content).status == "unknown"  # no trust root at all
    settings.TINHSO_TRUST_ROOTS = [str(root)]
    assert verification.verify_pdf(content).status == "valid"
