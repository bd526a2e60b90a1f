"""Salinity alerts are sent through the notifications outbox; AlertEvent becomes SalinityAlert.

``sensors.AlertEvent`` is renamed ``SalinityAlert`` (table renamed, rows kept; the permission
codenames follow). Each ``sensors.AlertDelivery`` row becomes a ``notifications.Delivery`` of
topic ``salinity_alert`` and key ``<alert id>:<subscription id>``, with the subscription's
medium and contact, the channel, provider id, error and times it had. The old table never held
the text of the message, so the moved rows say so in their body. A row that had not been sent
becomes ``failed`` with a note: no task will pick it up again (an alert of the past is not worth
sending late). Unwinding the migration moves the rows back.
"""

from django.db import migrations

TOPIC = "salinity_alert"
BODY = "(Nội dung không được lưu: tin gửi trước khi cảnh báo mặn chuyển sang thông báo chung.)"
NOT_SENT = "Chưa gửi khi chuyển sang thông báo chung; không gửi lại."
BATCH = 1000


def move_deliveries(apps, schema_editor):
    AlertDelivery = apps.get_model("sensors", "AlertDelivery")
    Delivery = apps.get_model("notifications", "Delivery")
    rows = AlertDelivery.objects.select_related("subscription").order_by("pk")
    for start in range(0, rows.count(), BATCH):
        old = list(rows[start : start + BATCH])
        new = [
            Delivery(
                topic=TOPIC,
                key=f"{row.event_id}:{row.subscription_id}",
                channel=row.subscription.medium,
                backend=row.backend,
                recipient=row.subscription.contact,
                subject="",
                body=BODY,
                status="sent" if row.status == "sent" else "failed",
                provider_id=row.provider_id,
                error=row.error or ("" if row.status == "sent" else NOT_SENT),
                attempts=1 if row.status in ("sent", "failed") else 0,
                sent_at=row.sent_at,
            )
            for row in old
        ]
        Delivery.objects.bulk_create(new, ignore_conflicts=True)
        for row in old:  # created_at is auto_now_add: set the original time afterwards
            Delivery.objects.filter(
                topic=TOPIC,
                key=f"{row.event_id}:{row.subscription_id}",
                channel=row.subscription.medium,
                recipient=row.subscription.contact,
            ).update(created_at=row.created_at)


def restore_deliveries(apps, schema_editor):
    AlertDelivery = apps.get_model("sensors", "AlertDelivery")
    SalinityAlert = apps.get_model("sensors", "SalinityAlert")
    Subscription = apps.get_model("sensors", "Subscription")
    Delivery = apps.get_model("notifications", "Delivery")
    status = {"pending": "queued", "queued": "sending", "sent": "sent", "failed": "failed"}
    moved = Delivery.objects.filter(topic=TOPIC)
    for row in moved.iterator():
        event_id, _, subscription_id = row.key.partition(":")
        if not (
            SalinityAlert.objects.filter(pk=event_id).exists()
            and Subscription.objects.filter(pk=subscription_id).exists()
        ):
            continue
        old, _ = AlertDelivery.objects.get_or_create(
            event_id=event_id,
            subscription_id=subscription_id,
            defaults={
                "status": status[row.status],
                "backend": row.backend,
                "provider_id": row.provider_id,
                "error": "" if row.error == NOT_SENT else row.error,
                "sent_at": row.sent_at,
            },
        )
        AlertDelivery.objects.filter(pk=old.pk).update(created_at=row.created_at)
    moved.delete()


def _rename_permissions(apps, *, forward: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    # The content type carries the new name on both sides of this migration's RunPython.
    content_type = ContentType.objects.filter(app_label="sensors", model="salinityalert").first()
    if content_type is None:  # a fresh database: permissions are created after migrate
        return
    for action in ("add", "change", "delete", "view"):
        source, target = ("alertevent", "salinityalert")[:: 1 if forward else -1]
        if Permission.objects.filter(
            content_type=content_type, codename=f"{action}_{target}"
        ).exists():
            continue
        Permission.objects.filter(content_type=content_type, codename=f"{action}_{source}").update(
            codename=f"{action}_{target}"
        )


def rename_permissions(apps, schema_editor):
    _rename_permissions(apps, forward=True)


def restore_permissions(apps, schema_editor):
    _rename_permissions(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0002_generic_deliveries"),
        ("sensors", "0003_observation_indexes"),
    ]

    operations = [
        migrations.RenameModel(
            old_name="AlertEvent",
            new_name="SalinityAlert",
        ),
        migrations.RunPython(rename_permissions, restore_permissions),
        migrations.RunPython(move_deliveries, restore_deliveries),
        migrations.DeleteModel(
            name="AlertDelivery",
        ),
    ]
