"""The demo loader: at least eight categories mapped to the demo agencies, idempotent."""

from tinhso.reports.demo import load
from tinhso.reports.models import Category, Report


def test_demo_categories_and_reports_load_once(world, settings):
    settings.TINHSO_ALLOW_DEMO = True
    first = load()
    second = load()
    assert first["categories"] >= 8 and first["reports"] == 3 and second["reports"] == 0
    assert Category.objects.filter(located=True).count() >= 8
    assert Category.objects.get(code="quy-dinh-hanh-chinh").agency is None  # the queue
    assert Category.objects.get(code="duong-hu-hong").agency.slug == "sxd"
    flooded = Report.objects.get(category__code="ngap-ung")
    assert flooded.agency.slug == "phukhuong"  # local competence, through the ward's unit
