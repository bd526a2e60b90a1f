"""The public transparency page: open to everyone, figures per agency, no personal data."""

from django.urls import reverse


def test_public_page_shows_agency_figures_without_personal_data(client, july, cast):
    response = client.get(reverse("ioc_public:home"), {"period": "month", "month": "2025-07"})
    assert response.status_code == 200
    rows = {row["label"]: row for row in response.context["rows"]}
    assert rows["Sở Tư pháp"]["received"] == 3
    assert rows["Sở Tư pháp"]["resolved"] == 2
    assert rows["Sở Tư pháp"]["on_time"] == 50.0
    body = response.content.decode()
    for personal in (
        cast.citizen.full_name,
        cast.citizen.personal_id,
        cast.citizen.phone,
        july[0].code,
    ):
        assert personal not in body


def test_public_page_by_year_and_export(client, july):
    response = client.get(reverse("ioc_public:home"), {"period": "year", "year": "2025"})
    assert response.context["total"].received == 4
    export = client.get(
        reverse("ioc_public:export", args=["xlsx"]), {"period": "year", "year": "2025"}
    )
    assert export.status_code == 200
    assert export["Content-Disposition"].endswith('.xlsx"')


def test_public_page_ignores_scope_parameters(client, july, cast):
    response = client.get(
        reverse("ioc_public:home"), {"period": "month", "month": "2025-07", "agency": cast.dept.pk}
    )
    assert response.context["total"].received == 4
