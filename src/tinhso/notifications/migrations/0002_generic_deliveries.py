"""Deliveries carry any message, not only the applicant's: a topic and an idempotency key.

Existing rows are the applicant's messages: topic ``applicant`` and key
``<dossier id>:<event>:<history seq>`` (the format of ``services.applicant_key``, written out
here because a migration must not import live code). Unwinding this migration deletes the
rows of other topics, which the old table cannot hold, and keeps the newest row of each
(dossier, event, history entry, medium).
"""

from django.db import migrations, models
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Coalesce, Concat


def fill_applicant_keys(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    Delivery.objects.update(
        topic="applicant",
        key=Concat(
            Coalesce(Cast(F("dossier_id"), CharField()), Value("")),
            Value(":"),
            F("event"),
            Value(":"),
            Coalesce(Cast(F("history_seq"), CharField()), Value("")),
            output_field=CharField(),
        ),
    )


def drop_other_topics(apps, schema_editor):
    """Back to one row per (dossier, event, history entry, medium): the newest one stays."""
    Delivery = apps.get_model("notifications", "Delivery")
    Delivery.objects.exclude(topic="applicant").delete()
    Delivery.objects.filter(status="pending").update(status="failed")
    seen = set()
    older = []
    rows = Delivery.objects.order_by("-id").values_list(
        "id", "dossier_id", "event", "history_seq", "channel"
    )
    for pk, *identity in rows.iterator():
        if tuple(identity) in seen:
            older.append(pk)
        seen.add(tuple(identity))
    Delivery.objects.filter(pk__in=older).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="delivery",
            name="delivery_once_per_event_and_channel",
        ),
        migrations.AddField(
            model_name="delivery",
            name="topic",
            field=models.CharField(
                default="applicant",
                help_text="Ví dụ applicant (tin cho người nộp hồ sơ), security_alert, salinity_alert",
                max_length=40,
                verbose_name="loại tin",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="delivery",
            name="key",
            field=models.CharField(
                default="",
                help_text="Mã của tin trong loại tin: cùng loại, khóa, kênh và người nhận thì chỉ gửi một lần",
                max_length=200,
                verbose_name="khóa chống gửi lặp",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="delivery",
            name="backend",
            field=models.CharField(
                blank=True,
                help_text="Mã kênh đã gửi tin, ví dụ email hoặc log",
                max_length=40,
                verbose_name="bộ gửi",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="event",
            field=models.CharField(
                blank=True,
                choices=[
                    ("received", "Tiếp nhận hồ sơ"),
                    ("supplement_requested", "Yêu cầu bổ sung giấy tờ"),
                    ("refused", "Không tiếp nhận hồ sơ"),
                    ("apologized", "Xin lỗi và hẹn lại ngày trả kết quả"),
                    ("result_ready", "Đã có kết quả"),
                    ("returned", "Đã trả kết quả"),
                    ("stopped", "Dừng xử lý"),
                    ("withdrawn", "Rút hồ sơ"),
                ],
                max_length=24,
                verbose_name="sự kiện",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="history_seq",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="số thứ tự quá trình xử lý"
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Chờ gửi"),
                    ("queued", "Đang gửi"),
                    ("sent", "Đã gửi"),
                    ("failed", "Gửi không thành công"),
                ],
                default="queued",
                max_length=8,
                verbose_name="trạng thái",
            ),
        ),
        migrations.RunPython(fill_applicant_keys, drop_other_topics),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                fields=("topic", "key", "channel", "recipient"),
                name="delivery_once_per_key_and_address",
            ),
        ),
    ]
