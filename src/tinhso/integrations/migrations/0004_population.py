"""Tables of the population piece of issue 17: the log of national population database lookups."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_inbound"),
        ("dossiers", "0013_other_code"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PopulationLookup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "request_id",
                    models.CharField(
                        max_length=64, unique=True, verbose_name="mã yêu cầu (MaYeuCau)"
                    ),
                ),
                (
                    "personal_id",
                    models.CharField(
                        db_index=True, max_length=12, verbose_name="số định danh cá nhân"
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[("counter", "Tiếp nhận tại quầy"), ("api", "Tra cứu qua API")],
                        default="counter",
                        max_length=16,
                        verbose_name="mục đích",
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("found", "Có thông tin công dân"),
                            ("not_found", "Không có thông tin công dân"),
                            ("unavailable", "Tra cứu không thành công"),
                        ],
                        max_length=16,
                        verbose_name="kết quả",
                    ),
                ),
                (
                    "failure",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="lý do không thành công"
                    ),
                ),
                (
                    "fields_sent",
                    models.JSONField(blank=True, default=list, verbose_name="trường đã gửi"),
                ),
                (
                    "comparison",
                    models.JSONField(blank=True, default=dict, verbose_name="kết quả đối chiếu"),
                ),
                (
                    "fields_copied",
                    models.JSONField(blank=True, default=list, verbose_name="trường đã sử dụng"),
                ),
                (
                    "latency_ms",
                    models.PositiveIntegerField(default=0, verbose_name="thời gian (ms)"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        db_index=True,
                        default=django.utils.timezone.now,
                        verbose_name="thời điểm",
                    ),
                ),
                (
                    "dossier",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="population_lookups",
                        to="dossiers.dossier",
                        verbose_name="hồ sơ",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="population_lookups",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người tra cứu",
                    ),
                ),
            ],
            options={
                "verbose_name": "tra cứu CSDL quốc gia về dân cư",
                "verbose_name_plural": "tra cứu CSDL quốc gia về dân cư",
                "ordering": ["-id"],
            },
        ),
    ]
