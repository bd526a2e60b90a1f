"""The VietQR provider: a started payment carries a dynamic QR to the collecting account with the
payment reference as transfer note, and its images decode to the same string."""

import base64
import subprocess

import pytest

from tinhso.documents import pdf
from tinhso.payments.models import Payment
from tinhso.payments.providers import providers
from tinhso.payments.providers.vietqr import payload as vietqr_payload
from tinhso.payments.providers.vietqr.qr import qr_data_uri, qr_png, qr_svg
from tinhso.payments.tests.vietqr_support import ACCOUNT, BIN, configure, filed, vietqr_payment
from tinhso.testing import make_cast


@pytest.fixture
def cast(db, settings):
    configure(settings)
    return make_cast()


def zbar(path) -> str:
    """Decode with zbarimg (Debian zbar-tools, installed by scripts/ensure-system-deps.sh)."""
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sbinary", str(path)],
        check=True,
        capture_output=True,
    )
    return result.stdout.decode("ascii").rstrip("\n")


def test_vietqr_is_an_online_provider_citizens_can_choose():
    provider = providers()["vietqr"]
    assert provider.online and not provider.staff_only


def test_started_payment_carries_a_dynamic_qr_with_its_reference(cast):
    dossier = filed(cast)
    payment, started = vietqr_payment(cast, dossier)
    parsed = vietqr_payload.parse(started.qr_payload)
    assert (parsed.bank_bin, parsed.account) == (BIN, ACCOUNT)
    assert parsed.amount == payment.amount == 100000
    assert parsed.purpose == payment.reference
    assert parsed.is_dynamic and parsed.service == "QRIBFTTA"
    stored = Payment.objects.get(pk=payment.pk)
    assert stored.status == "pending"
    assert stored.details["qr_payload"] == started.qr_payload
    assert (stored.details["bank_bin"], stored.details["account"]) == (BIN, ACCOUNT)


def test_png_qr_decodes_to_the_payload(cast, tmp_path):
    _payment, started = vietqr_payment(cast)
    image = tmp_path / "qr.png"
    image.write_bytes(qr_png(started.qr_payload))
    assert zbar(image) == started.qr_payload


def test_svg_qr_rendered_by_another_engine_decodes_to_the_payload(cast, tmp_path):
    """The SVG data URI shown on pages, drawn by WeasyPrint and rasterised by poppler."""
    _payment, started = vietqr_payment(cast)
    uri = qr_data_uri(started.qr_payload)
    assert base64.b64decode(uri.split(",", 1)[1]) == qr_svg(started.qr_payload)
    document = pdf.html_to_pdf(f'<html><body><img src="{uri}" style="width:60mm"></body></html>')
    (tmp_path / "qr.pdf").write_bytes(document)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "200",
            "-singlefile",
            str(tmp_path / "qr.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    assert zbar(tmp_path / "page.png") == started.qr_payload
