"""Map data (seats without a boundary file, GeoJSON when configured) and the demo loader."""

import json

from django.core.management import call_command
from django.urls import reverse

from tinhso.indicators.models import ActionTask, SectorUpload, TargetValue
from tinhso.indicators.tests.conftest import at, received_dossier


def test_map_colours_units_by_a_service_figure_at_their_seats(client, cast, province_leader):
    received_dossier(cast, at(2025, 8, 4, 9, 0))  # applicant lives in Phú Khương (28756)
    client.force_login(province_leader)
    response = client.get(
        reverse("indicators:map"), {"metric": "received", "period": "year", "year": "2025"}
    )
    assert response.status_code == 200
    units = {u["code"]: u for u in response.context["data"]["units"]}
    assert units["28756"]["value"] == 1.0
    assert units["28756"]["approximate"] and units["28756"]["lat"] > 10
    assert "data-boundaries" not in response.content.decode()
    assert client.get(reverse("indicators:boundaries")).status_code == 404


def test_boundaries_come_from_the_configured_file(
    client, cast, province_leader, settings, tmp_path
):
    geo = {"type": "FeatureCollection", "features": []}
    path = tmp_path / "ranh-gioi.geojson"
    path.write_text(json.dumps(geo))
    settings.TINHSO_IOC_BOUNDARIES = str(path)
    client.force_login(province_leader)
    assert (
        'data-boundaries="/dieu-hanh/chuong-trinh/ban-do/ranh-gioi.geojson"'
        in client.get(reverse("indicators:map")).content.decode()
    )
    response = client.get(reverse("indicators:boundaries"))
    assert json.loads(b"".join(response.streaming_content)) == geo


def test_agency_leader_map_counts_only_own_agency(client, cast):
    received_dossier(cast, at(2025, 8, 4, 9, 0))  # Sở Tư pháp
    client.force_login(cast.other_leader)
    response = client.get(reverse("indicators:map"), {"period": "year", "year": "2025"})
    assert response.context["data"]["units"] == []


def test_demo_loader_is_idempotent(db, settings):
    settings.TINHSO_ALLOW_DEMO = True
    call_command("load_units", verbosity=0)
    call_command("load_demo", verbosity=0)
    from tinhso.indicators import demo

    demo.load()
    counts = (SectorUpload.objects.count(), TargetValue.objects.count(), ActionTask.objects.count())
    demo.load()
    assert (
        SectorUpload.objects.count(),
        TargetValue.objects.count(),
        ActionTask.objects.count(),
    ) == counts
    assert SectorUpload.objects.filter(sector="health").count() == 2
    coconut = SectorUpload.objects.get(sector="agriculture").values.get(
        indicator="dien_tich_dua", unit_code="834"
    )
    assert coconut.value == 18685 and not coconut.is_demo and "khcncongthuong" in coconut.source
    assert (
        TargetValue.objects.filter(note="dữ liệu minh họa (demo)").count()
        == TargetValue.objects.count()
    )
