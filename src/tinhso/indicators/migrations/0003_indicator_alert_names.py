"""indicators.Alert and indicators.AlertRule become IndicatorAlert and IndicatorAlertRule (tables
renamed, rows kept), so that they are not mistaken for the security alerts of the audit app.

Django renames the content types itself (contenttypes' pre-migrate hook) but not the
permissions: their codenames are renamed here, so groups granted e.g. ``indicators.view_alert``
keep the permission as ``indicators.view_indicatoralert``.
"""

from django.db import migrations

RENAMED = {"indicatoralert": "alert", "indicatoralertrule": "alertrule"}  # new: old model name
ACTIONS = ("add", "change", "delete", "view")


def _rename_permissions(apps, *, forward: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for new, old in RENAMED.items():
        # The content type carries the new name on both sides of this migration's RunPython.
        content_type = ContentType.objects.filter(app_label="indicators", model=new).first()
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
        ("agencies", "0002_audit_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("indicators", "0002_scheme_targets"),
    ]

    operations = [
        migrations.RenameModel(
            old_name="Alert",
            new_name="IndicatorAlert",
        ),
        migrations.RenameModel(
            old_name="AlertRule",
            new_name="IndicatorAlertRule",
        ),
        migrations.AlterModelOptions(
            name="indicatoralert",
            options={
                "ordering": ["-raised_at", "-pk"],
                "verbose_name": "cảnh báo điều hành",
                "verbose_name_plural": "cảnh báo điều hành",
            },
        ),
        migrations.AlterModelOptions(
            name="indicatoralertrule",
            options={
                "verbose_name": "quy tắc cảnh báo điều hành",
                "verbose_name_plural": "quy tắc cảnh báo điều hành",
            },
        ),
        migrations.RunPython(rename_permissions, restore_permissions),
    ]
