"""PostgreSQL only: a GIN index on datastore rows (jsonb, for equality filters) and a trigram
index for dataset search.

SQLite has neither; the same queries run there without them (docs/adr/0007-datastore-storage.md).
"""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS datasets_row_data_gin "
        "ON datasets_datastorerow USING gin (data jsonb_path_ops)"
    )
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS datasets_dataset_search_trgm "
        "ON datasets_dataset USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("datasets_row_data_gin", "datasets_dataset_search_trgm"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("datasets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
