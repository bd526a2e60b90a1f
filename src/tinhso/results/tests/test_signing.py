"""The signed result PDF: pyHanko and poppler both validate it, tampering is caught, the text and
the stamp read back in Vietnamese, and the QR code carries the verification URL."""

import io
import re
import shutil

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from tinhso.results import services, verification
from tinhso.results.tests.conftest import (
    BIRTH_DATA,
    root_pem,
    run,
    tamper,
    to_result_ready,
    write,
)


def validate(content: bytes):
    signature = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    context = ValidationContext(trust_roots=verification.trust_roots())
    return signature, validate_pdf_signature(signature, context)


@pytest.fixture
def birth_result(cast, birth_version):
    dossier = to_result_ready(cast, birth_version, BIRTH_DATA)
    return services.issue_result(dossier_id=dossier.pk)


def content_of(result) -> bytes:
    with result.file.open("rb") as handle:
        return handle.read()


def test_pyhanko_validates_the_signed_result_as_intact_and_trusted(birth_result):
    signature, status = validate(content_of(birth_result))
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert status.signer_reported_dt == birth_result.signed_at
    assert birth_result.signer_name == "UBND phường Phú Khương"
    assert birth_result.pades_level == "B-B"


@pytest.mark.skipif(
    not shutil.which("pdfsig") or not shutil.which("certutil"), reason="poppler-utils/libnss3-tools"
)
def test_pdfsig_reports_the_signature_valid_once_the_demo_ca_is_trusted(birth_result, tmp_path):
    nss = tmp_path / "nss"
    nss.mkdir()
    run("certutil", "-N", "-d", f"sql:{nss}", "--empty-password")
    ca = write(tmp_path, root_pem(), "ca.pem")
    run("certutil", "-A", "-d", f"sql:{nss}", "-n", "tinhso-demo-ca", "-t", "CT,C,C", "-i", str(ca))
    pdf = write(tmp_path, content_of(birth_result), "result.pdf")
    report = run("pdfsig", "-nssdir", f"sql:{nss}", str(pdf)).stdout
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate is Trusted." in report
    assert "Signer Certificate Common Name: UBND phường Phú Khương" in report
    assert "Total document signed" in report


@pytest.mark.skipif(
    not shutil.which("pdfsig") or not shutil.which("certutil"), reason="poppler-utils/libnss3-tools"
)
def test_one_changed_byte_in_the_signed_range_fails_pdfsig_and_pyhanko(birth_result, tmp_path):
    changed = tamper(content_of(birth_result))
    _signature, status = validate(changed)
    assert not status.intact and not status.bottom_line
    nss = tmp_path / "nss"
    nss.mkdir()
    run("certutil", "-N", "-d", f"sql:{nss}", "--empty-password")
    ca = write(tmp_path, root_pem(), "ca.pem")
    run("certutil", "-A", "-d", f"sql:{nss}", "-n", "tinhso-demo-ca", "-t", "CT,C,C", "-i", str(ca))
    report = run("pdfsig", "-nssdir", f"sql:{nss}", str(write(tmp_path, changed, "x.pdf"))).stdout
    assert "Signature is Valid" not in report
    assert "Digest Mismatch" in report


def test_text_reads_back_in_vietnamese_with_the_stamp(birth_result, tmp_path):
    text = run("pdftotext", str(write(tmp_path, content_of(birth_result), "r.pdf")), "-").stdout
    flat = " ".join(text.split())
    assert "GIẤY KHAI SINH" in flat
    assert "(Bản điện tử)" in flat
    assert "NGUYỄN THỊ LẤP LÁNH ÁNH" in flat
    assert "Ngày, tháng, năm sinh: 20/05/2025" in flat
    assert "Nơi sinh: Bệnh viện Đa khoa tỉnh Vĩnh Long" in flat
    assert "Người đi khai sinh: Nguyễn Văn An (cha)" in flat
    assert f"Số: {birth_result.number}" in flat
    # the visible stamp, drawn by pyHanko with the embedded Vietnamese font
    assert "Ký số bởi: UBND phường Phú Khương" in flat
    assert "Quét mã QR để xác thực" in flat
    assert services.verify_url(birth_result.public_token) in flat.replace(" ", "")


def test_every_font_is_embedded(birth_result, tmp_path):
    lines = run("pdffonts", str(write(tmp_path, content_of(birth_result), "r.pdf"))).stdout
    rows = lines.splitlines()[2:]
    assert rows and all(" yes " in f" {row} " for row in rows)
    assert all(re.search(r"Be-?Vietnam-?Pro", row) for row in rows)  # WeasyPrint and the stamp


def test_stamp_links_to_the_verification_url(birth_result):
    reader = PdfFileReader(io.BytesIO(content_of(birth_result)))
    uris = []
    for page in range(int(reader.root["/Pages"]["/Count"])):
        for reference in reader.find_page_for_modification(page)[0].get_object().get("/Annots", []):
            annotation = reference.get_object()
            if "/A" in annotation and "/URI" in annotation["/A"]:
                uris.append(str(annotation["/A"]["/URI"]))
    assert services.verify_url(birth_result.public_token) in uris
    assert uris[0].startswith("https://dichvucong.example.vn/xac-thuc/")


@pytest.mark.skipif(
    not shutil.which("zbarimg") or not shutil.which("pdftoppm"), reason="zbar-tools"
)
def test_qr_code_in_the_stamp_decodes_to_the_verification_url(birth_result, tmp_path):
    pdf = write(tmp_path, content_of(birth_result), "r.pdf")
    run("pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page*.png"))
    decoded = run("zbarimg", "-q", "--raw", *map(str, pages), check=False).stdout.split()
    assert decoded == [services.verify_url(birth_result.public_token)]
