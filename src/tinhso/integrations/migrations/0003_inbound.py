"""Dossiers filed on the national portal that reached us, one per national code (R-NAT-051), and
the national channel's system account, created here so that nobody can register its name first."""

import django.db.models.deletion
import django.utils.timezone
from django.contrib.auth.hashers import make_password
from django.db import migrations, models

SYSTEM_USERNAME = "dvcqg"  # tinhso.integrations.national.inbound.SYSTEM_USERNAME


def create_system_account(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    if not User.objects.filter(username__iexact=SYSTEM_USERNAME).exists():
        User.objects.create(
            username=SYSTEM_USERNAME,
            full_name="Cổng Dịch vụ công quốc gia",
            password=make_password(None),  # unusable: no sign-in
            is_active=False,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_unlockcode"),
        ("dossiers", "0013_other_code"),
        ("integrations", "0002_national_sync"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundDossier",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source_system", models.CharField(max_length=32, verbose_name="hệ thống nguồn")),
                (
                    "national_code",
                    models.CharField(max_length=64, verbose_name="mã hồ sơ quốc gia"),
                ),
                (
                    "remote_id",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="mã trên hệ thống nguồn"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("push", "Cổng DVCQG gửi đến"), ("pull", "Tỉnh Số lấy về")],
                        max_length=8,
                        verbose_name="cách nhận",
                    ),
                ),
                ("payload_sha256", models.CharField(max_length=64, verbose_name="mã băm nội dung")),
                (
                    "received_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="nhận lúc"
                    ),
                ),
                (
                    "acked_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="đã báo nhận lúc"),
                ),
                (
                    "problems",
                    models.JSONField(blank=True, default=list, verbose_name="vấn đề khi tiếp nhận"),
                ),
                (
                    "dossier",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="inbound",
                        to="dossiers.dossier",
                        verbose_name="hồ sơ",
                    ),
                ),
            ],
            options={
                "verbose_name": "hồ sơ nhận từ Cổng DVCQG",
                "verbose_name_plural": "hồ sơ nhận từ Cổng DVCQG",
                "ordering": ["-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source_system", "national_code"),
                        name="inbound_one_per_national_code",
                    )
                ],
            },
        ),
        migrations.RunPython(create_system_account, migrations.RunPython.noop),
    ]
