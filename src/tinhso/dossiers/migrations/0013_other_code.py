"""The code another system issued for a dossier (R-NAT-102: unique per issuer, indexed) and the
problems it arrived with (R-NAT-053)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_integration_role"),
        ("dossiers", "0012_apology_and_supplement_rules"),
        ("procedures", "0005_offline_mode"),
        ("units", "0002_search_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="intake_problems",
            field=models.JSONField(blank=True, default=list, verbose_name="vấn đề khi tiếp nhận"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="other_code",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="mã hồ sơ của hệ thống khác"
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="other_code_issuer",
            field=models.CharField(blank=True, max_length=32, verbose_name="hệ thống cấp mã khác"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("other_code", ""), _negated=True),
                fields=["other_code"],
                name="dossier_other_code",
            ),
        ),
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.UniqueConstraint(
                condition=models.Q(("other_code", ""), _negated=True),
                fields=("other_code_issuer", "other_code"),
                name="dossier_other_code_unique_per_issuer",
            ),
        ),
    ]
