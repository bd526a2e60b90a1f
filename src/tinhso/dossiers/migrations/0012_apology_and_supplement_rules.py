"""The apology letter's register number and extension, the supplement's response period, and
``original_due_at`` brought in step with the pauses (docs/lifecycle.md: it is the appointment moved
by lawful pauses only, never by an apology)."""

from django.db import migrations, models
from django.db.models import F


def original_follows_pauses(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    Dossier.objects.filter(apologized=False, due_at__isnull=False).exclude(
        original_due_at=F("due_at")
    ).update(original_due_at=F("due_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0011_inbox_side_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="apology_number",
            field=models.CharField(
                blank=True, max_length=80, verbose_name="số văn bản xin lỗi, hẹn lại"
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="apology_extension_minutes",
            field=models.PositiveIntegerField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="thời gian hẹn lại thêm (phút làm việc)",
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="supplement_due_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="hạn nộp bổ sung"),
        ),
        migrations.RunPython(original_follows_pauses, migrations.RunPython.noop, elidable=True),
    ]
