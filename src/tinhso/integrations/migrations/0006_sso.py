from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_datastore")]
    operations: list[migrations.operations.base.Operation] = []
