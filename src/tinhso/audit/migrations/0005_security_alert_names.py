"""audit.Alert and audit.AlertRule become SecurityAlert and SecurityAlertRule (tables renamed,
rows kept), so that they are not mistaken for the operations centre's alerts.

Django renames the content types itself (contenttypes' pre-migrate hook) but not the
permissions: their codenames are renamed here, so groups granted e.g. ``audit.view_alert`` keep
the permission as ``audit.view_securityalert``.
"""

from django.conf import settings
from django.db import migrations

RENAMED = {"securityalert": "alert", "securityalertrule": "alertrule"}  # new: old model name
ACTIONS = ("add", "change", "delete", "view")


def _rename_permissions(apps, *, forward: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for new, old in RENAMED.items():
        # The content type carries the new name on both sides of this migration's RunPython.
        content_type = ContentType.objects.filter(app_label="audit", model=new).first()
        if content_type is None:  # a fresh database: permissions are created after migrate
            continue
        for action in ACTIONS:
            source, target = (old, new) if forward else (new, old)
            if Permission.objects.filter(
                content_type=content_type, codename=f"{action}_{target}"
            ).exists():
                continue
            Permission.objects.filter(
                content_type=content_type, codename=f"{action}_{source}"
            ).update(codename=f"{action}_{target}")


def rename_permissions(apps, schema_editor):
    _rename_permissions(apps, forward=True)


def restore_permissions(apps, schema_editor):
    _rename_permissions(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_cloned_key_rule"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(
            old_name="Alert",
            new_name="SecurityAlert",
        ),
        migrations.RenameModel(
            old_name="AlertRule",
            new_name="SecurityAlertRule",
        ),
        migrations.AlterModelOptions(
            name="securityalertrule",
            options={
                "ordering": ["kind"],
                "verbose_name": "quy tắc cảnh báo an ninh",
                "verbose_name_plural": "quy tắc cảnh báo an ninh",
            },
        ),
        migrations.RunPython(rename_permissions, restore_permissions),
    ]
