"""The demo PKI: certificate profiles validators accept, encrypted keys, idempotent set-up."""

import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import call_command

from tinhso.agencies.models import Agency
from tinhso.results import pki


@pytest.fixture
def fresh_pki(settings, tmp_path):
    settings.TINHSO_PKI_DIR = tmp_path / "pki"
    return tmp_path / "pki"


def test_init_creates_a_root_and_one_certificate_per_agency(cast, fresh_pki):
    report = pki.init_demo_pki()
    assert report.root_created
    assert sorted(report.issued) == sorted(Agency.objects.values_list("slug", flat=True))
    root = pki.root_credentials().certificate()
    assert (
        root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Tỉnh Số Demo Root CA"
    )
    certificate = pki.agency_credentials(cast.dept).certificate()
    names = certificate.subject
    assert names.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Sở Tư pháp"
    assert names.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Tỉnh Vĩnh Long"
    certificate.verify_directly_issued_by(root)


def test_running_again_keeps_every_certificate(cast, fresh_pki):
    pki.init_demo_pki()
    before = pki.fingerprint(pki.agency_credentials(cast.commune).certificate())
    report = pki.init_demo_pki()
    assert not report.root_created and report.issued == []
    assert pki.fingerprint(pki.agency_credentials(cast.commune).certificate()) == before


def test_a_renamed_agency_gets_a_new_certificate(cast, fresh_pki):
    pki.init_demo_pki()
    cast.dept.name = "Sở Tư pháp tỉnh Vĩnh Long"
    cast.dept.save()
    report = pki.init_demo_pki()
    assert report.issued == ["stp"]
    certificate = pki.agency_credentials(cast.dept).certificate()
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Sở Tư pháp tỉnh Vĩnh Long"
    )


def test_certificate_profiles_match_what_validators_require(cast, fresh_pki):
    pki.init_demo_pki([cast.dept])
    root = pki.root_credentials().certificate()
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign

    signer = pki.agency_credentials(cast.dept).certificate()
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku  # NSS (pdfsig) e-mail-signer usage
    assert pki.DOCUMENT_SIGNING in eku
    aki = signer.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest


def test_private_keys_are_encrypted_and_private(cast, fresh_pki):
    pki.init_demo_pki([cast.dept])
    for credentials in (pki.root_credentials(), pki.agency_credentials(cast.dept)):
        pem = credentials.key_path.read_bytes()
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert stat.S_IMODE(credentials.key_path.stat().st_mode) == 0o600
        assert credentials.private_key().key_size >= 2048


def test_a_changed_passphrase_fails_loudly(cast, fresh_pki, settings):
    pki.init_demo_pki([cast.dept])
    settings.TINHSO_PKI_PASSPHRASE = "another-secret"
    with pytest.raises(pki.PkiError, match="TINHSO_PKI_PASSPHRASE"):
        pki.init_demo_pki([cast.dept])


def test_init_demo_pki_command_is_idempotent(cast, fresh_pki, capsys):
    call_command("init_demo_pki")
    first = capsys.readouterr().out
    assert "đã tạo" in first and f"cấp mới {Agency.objects.count()}" in first
    call_command("init_demo_pki")
    second = capsys.readouterr().out
    assert "đã có" in second and "cấp mới 0" in second
