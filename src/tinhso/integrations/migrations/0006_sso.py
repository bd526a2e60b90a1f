import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_datastore"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UsedSignInState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("state_hash", models.CharField(max_length=64, unique=True)),
                ("used_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "verbose_name": "tham số state đã dùng",
                "verbose_name_plural": "tham số state đã dùng",
            },
        ),
        migrations.CreateModel(
            name="NationalAccount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "tech_id",
                    models.CharField(
                        max_length=128, unique=True, verbose_name="mã tài khoản DVCQG (TechID)"
                    ),
                ),
                (
                    "account_type",
                    models.CharField(
                        choices=[("1", "Công dân"), ("2", "Doanh nghiệp"), ("3", "Tổ chức")],
                        max_length=1,
                        verbose_name="loại tài khoản",
                    ),
                ),
                (
                    "vneid_verified",
                    models.BooleanField(
                        default=False,
                        help_text="Theo lần đăng nhập gần nhất qua Cổng DVCQG (R-NAT-057).",
                        verbose_name="xác thực VNeID mức 2 trở lên",
                    ),
                ),
                (
                    "assurance",
                    models.CharField(
                        blank=True, max_length=200, verbose_name="mức đảm bảo (loAs/acr)"
                    ),
                ),
                ("linked_at", models.DateTimeField(auto_now_add=True, verbose_name="liên kết lúc")),
                (
                    "last_login_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="đăng nhập gần nhất"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="national_accounts",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="tài khoản",
                    ),
                ),
            ],
            options={
                "verbose_name": "tài khoản Cổng DVCQG",
                "verbose_name_plural": "tài khoản Cổng DVCQG",
            },
        ),
    ]
