"""A procedure the catalogue marks as not offered online (mode ``offline``, issue 15): its page says
where to file instead of offering the form, the portal and the API refuse an online filing, a
counter clerk still enters it, and 766 indicator 3.1 counts it as not offered online."""

from tinhso.accounts.testing import bearer_header
from tinhso.dossiers import services
from tinhso.dossiers.models import Channel, Dossier
from tinhso.testing import FORM_DATA, pdf_upload
from tinhso.uploads import check_upload


def offline(cast):
    version = cast.province_procedure
    version.mode = "offline"
    version.save()
    return version


def test_the_page_says_where_to_file_and_the_form_is_not_offered(cast, citizen_client):
    version = offline(cast)
    page = citizen_client.get(f"/thu-tuc/{version.procedure.code}/").content.decode()
    assert "Không cung cấp trực tuyến" in page
    assert "nộp hồ sơ tại Bộ phận Một cửa hoặc qua dịch vụ bưu chính" in page
    assert f"/thu-tuc/{version.procedure.code}/nop/" not in page
    response = citizen_client.get(f"/thu-tuc/{version.procedure.code}/nop/", follow=True)
    assert response.redirect_chain[-1][0] == f"/thu-tuc/{version.procedure.code}/"
    assert "không được cung cấp trực tuyến" in response.content.decode()


def test_online_filing_is_refused_on_the_api_and_nothing_is_saved(cast, client):
    version = offline(cast)
    response = client.post(
        "/api/v1/dossiers",
        {"procedure": version.procedure.code, "data": FORM_DATA},
        content_type="application/json",
        **bearer_header(client, cast.citizen.username),
    )
    assert response.status_code == 409, response.content
    assert response.json()["field"] == "procedure"
    assert not Dossier.objects.exists()


def test_a_counter_clerk_still_enters_it(cast):
    version = offline(cast)
    dossier, created = services.file_dossier(
        user=cast.clerk,
        version=version,
        data=FORM_DATA,
        applicant=services.Applicant(name="Lê Văn Cường", phone="0912000111"),
        channel=Channel.COUNTER,
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    assert created and dossier.channel == Channel.COUNTER
