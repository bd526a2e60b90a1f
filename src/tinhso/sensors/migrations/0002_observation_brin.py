"""BRIN index on Observation.phenomenon_time, on PostgreSQL only.

Observations arrive roughly in time order, so a BRIN index (a few pages for years of minute
readings) serves time-range scans across datastreams; per-datastream ranges use the unique
(datastream, phenomenon_time) b-tree. SQLite has no BRIN: nothing happens there.
"""

from django.db import migrations

INDEX = "sensors_observation_time_brin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON sensors_observation"
            " USING brin (phenomenon_time) WITH (pages_per_range = 32)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("sensors", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
