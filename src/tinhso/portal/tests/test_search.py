def test_catalogue_reports_the_share_of_dossiers_paid_online(client, cast):
    from tinhso.dossiers.models import Dossier

    common = {
        "procedure_version": cast.province_procedure,
        "agency": cast.dept,
        "receiving_agency": cast.centre,
        "filed_by": cast.citizen,
        "applicant_name": "A",
        "fee_amount": 100000,
        "status": "received",
    }
    Dossier.objects.create(code="X-1", paid_online=True, paid_amount=100000, **common)
    Dossier.objects.create(code="X-2", **common)
    page = client.get("/thu-tuc/").content.decode()
    assert "1/2 hồ sơ có phí, lệ phí (50%) đã thanh toán trực tuyến" in page
