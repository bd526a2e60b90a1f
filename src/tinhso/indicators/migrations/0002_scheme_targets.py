"""Load the scheme's targets and the four sector panels (facts with sources, no demo data)."""

from django.db import migrations


def load(apps, schema_editor):
    from tinhso.indicators.scheme import load_targets

    load_targets(apps.get_model("indicators", "SchemeTarget"), apps.get_model("indicators", "SectorPanel"))


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
