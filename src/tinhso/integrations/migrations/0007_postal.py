import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0013_other_code"),
        ("integrations", "0006_sso"),
    ]

    operations = [
        migrations.CreateModel(
            name="PostalContact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("phone", models.CharField(max_length=20, verbose_name="số điện thoại người nhận")),
                (
                    "dossier",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="postal_contact",
                        to="dossiers.dossier",
                        verbose_name="hồ sơ",
                    ),
                ),
            ],
            options={
                "verbose_name": "người nhận bưu gửi",
                "verbose_name_plural": "người nhận bưu gửi",
            },
        ),
        migrations.CreateModel(
            name="Shipment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "item_code",
                    models.CharField(max_length=32, unique=True, verbose_name="mã vận đơn"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("created", "Đã tạo đơn gửi"),
                            ("accepted", "Bưu điện đã nhận bưu gửi"),
                            ("in_transit", "Đang vận chuyển"),
                            ("failed_attempt", "Phát không thành công"),
                            ("delivered", "Đã phát thành công"),
                            ("returned_to_sender", "Chuyển hoàn về cơ quan"),
                        ],
                        default="created",
                        max_length=20,
                        verbose_name="trạng thái",
                    ),
                ),
                (
                    "status_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="thời điểm trạng thái"
                    ),
                ),
                ("receiver_address", models.CharField(max_length=300, verbose_name="địa chỉ nhận")),
                (
                    "receiver_province",
                    models.CharField(blank=True, max_length=16, verbose_name="tỉnh nhận"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="tạo đơn lúc"
                    ),
                ),
                (
                    "accepted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="bưu điện nhận lúc"),
                ),
                (
                    "delivered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="phát thành công lúc"),
                ),
                (
                    "returned_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="chuyển hoàn lúc"),
                ),
                (
                    "polled_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="tra cứu hành trình lúc"
                    ),
                ),
                (
                    "dossier",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="shipment",
                        to="dossiers.dossier",
                        verbose_name="hồ sơ",
                    ),
                ),
            ],
            options={
                "verbose_name": "bưu gửi trả kết quả",
                "verbose_name_plural": "bưu gửi trả kết quả",
            },
        ),
        migrations.CreateModel(
            name="ShipmentEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("event_id", models.CharField(max_length=64, verbose_name="mã sự kiện")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("created", "Đã tạo đơn gửi"),
                            ("accepted", "Bưu điện đã nhận bưu gửi"),
                            ("in_transit", "Đang vận chuyển"),
                            ("failed_attempt", "Phát không thành công"),
                            ("delivered", "Đã phát thành công"),
                            ("returned_to_sender", "Chuyển hoàn về cơ quan"),
                        ],
                        max_length=20,
                        verbose_name="trạng thái",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="thời điểm")),
                ("location", models.CharField(blank=True, max_length=200, verbose_name="địa điểm")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="ghi chú")),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("notification", "Thông báo của bưu điện"),
                            ("poll", "Tra cứu hành trình"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "received_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="nhận lúc"
                    ),
                ),
                (
                    "applied",
                    models.BooleanField(default=False, verbose_name="đã cập nhật trạng thái"),
                ),
                (
                    "shipment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="integrations.shipment",
                        verbose_name="bưu gửi",
                    ),
                ),
            ],
            options={
                "verbose_name": "hành trình bưu gửi",
                "verbose_name_plural": "hành trình bưu gửi",
                "ordering": ["at", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("shipment", "event_id"), name="shipment_event_once"
                    )
                ],
            },
        ),
    ]
