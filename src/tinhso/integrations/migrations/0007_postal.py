from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0006_sso")]
    operations: list[migrations.operations.base.Operation] = []
