"""Tables of the datastore piece of issue 17: results pushed to the national store, documents taken
from it (``integrations/datastore/models.py``)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0004_population"),
        ("results", "0002_result_draft"),
        ("stores", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PushedResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "owner_number",
                    models.CharField(max_length=14, verbose_name="số định danh chủ sở hữu"),
                ),
                (
                    "national_id",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="mã giấy tờ trong kho"
                    ),
                ),
                (
                    "location",
                    models.CharField(
                        blank=True, max_length=500, verbose_name="đường dẫn trong kho"
                    ),
                ),
                (
                    "pushed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="gửi vào kho lúc"
                    ),
                ),
                (
                    "result",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="national_store_push",
                        to="results.resultdocument",
                        verbose_name="kết quả",
                    ),
                ),
            ],
            options={
                "verbose_name": "kết quả đã gửi vào kho dữ liệu",
                "verbose_name_plural": "kết quả đã gửi vào kho dữ liệu",
            },
        ),
        migrations.CreateModel(
            name="NationalCopy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "owner_number",
                    models.CharField(max_length=14, verbose_name="số định danh chủ sở hữu"),
                ),
                (
                    "result_code",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="mã kết quả (MaKetQua)"
                    ),
                ),
                (
                    "document_number",
                    models.CharField(blank=True, max_length=80, verbose_name="số, ký hiệu"),
                ),
                (
                    "issuer_code",
                    models.CharField(blank=True, max_length=64, verbose_name="cơ quan chủ quản"),
                ),
                (
                    "location",
                    models.CharField(max_length=500, verbose_name="đường dẫn trên kho quốc gia"),
                ),
                ("sha256", models.CharField(max_length=64)),
                (
                    "fetched_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="lấy về lúc"
                    ),
                ),
                (
                    "document",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="national_copy",
                        to="stores.storeddocument",
                        verbose_name="bản sao trong kho của Tỉnh Số",
                    ),
                ),
            ],
            options={
                "verbose_name": "giấy tờ lấy từ kho dữ liệu quốc gia",
                "verbose_name_plural": "giấy tờ lấy từ kho dữ liệu quốc gia",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("owner_number", "issuer_code", "location"),
                        name="national_copy_once_per_location",
                    )
                ],
            },
        ),
    ]
