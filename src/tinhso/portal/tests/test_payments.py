"""The applicant's payment step on the dossier page."""

from tinhso.dossiers import services
from tinhso.dossiers.uploads import check_upload
from tinhso.payments.models import Payment
from tinhso.testing import FORM_DATA, pdf_upload


def test_vietqr_payment_shows_its_qr_and_is_not_offered_twice(client, cast):
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    client.force_login(cast.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert 'value="vietqr"' in page and 'value="vnpay"' in page and "100.000" in page
    response = client.post(f"/ho-so/{dossier.code}/thanh-toan/", {"provider": "vietqr"})
    assert response.status_code == 302
    payment = Payment.objects.get(dossier=dossier)
    assert payment.status == "pending" and payment.amount == 100000
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert payment.reference in page and "data:image/svg+xml;base64," in page
    assert 'value="vietqr"' not in page and 'value="vnpay"' in page


def test_stranger_cannot_start_a_payment(client, cast):
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
    )
    client.force_login(cast.other_citizen)
    assert (
        client.post(f"/ho-so/{dossier.code}/thanh-toan/", {"provider": "vietqr"}).status_code == 404
    )
    assert not Payment.objects.exists()
