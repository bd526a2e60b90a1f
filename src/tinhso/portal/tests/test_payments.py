"""The applicant's payment step on the dossier page."""

from tinhso.dossiers import services
from tinhso.payments.models import Payment
from tinhso.testing import FORM_DATA, file_online


def test_vietqr_payment_shows_its_qr_and_is_not_offered_twice(client, cast):
    dossier = file_online(cast)
    client.force_login(cast.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    vietqr, vnpay = (
        f"/payments/vietqr/start/{dossier.code}",
        f"/payments/vnpay/start/{dossier.code}",
    )
    assert vietqr in page and vnpay in page and "100.000" in page
    response = client.post(vietqr)
    assert response.status_code == 302 and response["Location"] == f"/ho-so/{dossier.code}/"
    payment = Payment.objects.get(dossier=dossier)
    assert payment.status == "pending" and payment.amount == 100000
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert payment.reference in page and "data:image/svg+xml;base64," in page
    assert vietqr not in page and vnpay in page


def test_stranger_cannot_start_a_payment(client, cast):
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
    )
    client.force_login(cast.other_citizen)
    assert client.post(f"/payments/vietqr/start/{dossier.code}").status_code == 404
    assert not Payment.objects.exists()
