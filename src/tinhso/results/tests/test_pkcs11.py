"""The PKCS#11 signer against SoftHSM2 (Debian package softhsm2), standing in for a USB token."""

import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tinhso.results import pki, services, signing, verification
from tinhso.results.tests.conftest import run, to_result_ready

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
pytestmark = pytest.mark.skipif(
    not MODULE.exists() or not shutil.which("softhsm2-util"), reason="softhsm2 not installed"
)
PIN = "123456"


@pytest.fixture
def token(cast, tmp_path, monkeypatch):
    """A SoftHSM token "tinhso" holding the Sở Tư pháp demo key and certificate, label "stp"."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    run(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        "tinhso",
        "--pin",
        PIN,
        "--so-pin",
        "654321",
    )

    credentials = pki.ensure_agency(cast.dept)
    key_der = credentials.private_key().private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    cert_der = credentials.certificate().public_bytes(serialization.Encoding.DER)
    token = pkcs11.lib(str(MODULE)).get_token(token_label="tinhso")
    with token.open(user_pin=PIN, rw=True) as session:
        session.create_object(
            decode_rsa_private_key(key_der)
            | {Attribute.LABEL: "stp", Attribute.ID: b"\x01", Attribute.TOKEN: True}
        )
        session.create_object(
            decode_x509_certificate(cert_der)
            | {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.LABEL: "stp",
                Attribute.ID: b"\x01",
                Attribute.TOKEN: True,
            }
        )
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS11_MODULE", str(MODULE))
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS11_TOKEN", "tinhso")
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS11_KEY_LABEL", "stp")
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS11_PIN", PIN)
    return credentials


def test_an_agency_signs_with_the_key_on_its_token(cast, token):
    assert isinstance(signing.signer_for(cast.dept), signing.Pkcs11Signer)
    result = services.issue_result(dossier_id=to_result_ready(cast, cast.province_procedure).pk)
    assert result.signer_backend == "pkcs11" and result.signer_name == "Sở Tư pháp"
    assert result.signer_fingerprint == pki.fingerprint(token.certificate())
    with result.file.open("rb") as handle:
        assert verification.verify_pdf(handle.read()).status == "valid"


def test_a_wrong_pin_is_a_signing_error(cast, token, monkeypatch):
    monkeypatch.setenv("TINHSO_SIGNER_STP_PKCS11_PIN", "000000")
    with pytest.raises(signing.SigningError, match="stp"), signing.signer_for(cast.dept).open():
        pass
