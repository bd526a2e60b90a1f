"""DossierFact.dossier_id becomes a one-to-one relation to the dossier, for the drill-down join.

State only: the column (``dossier_id bigint`` primary key) is unchanged and no foreign-key
constraint is created (``db_constraint=False``), so nothing is rewritten on a large table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0008_received_at_index"),
        ("ioc", "0003_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="dossierfact", name="dossier_id"),
                migrations.AddField(
                    model_name="dossierfact",
                    name="dossier",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="ioc_fact",
                        serialize=False,
                        to="dossiers.dossier",
                    ),
                    preserve_default=False,
                ),
            ],
            database_operations=[],
        )
    ]
