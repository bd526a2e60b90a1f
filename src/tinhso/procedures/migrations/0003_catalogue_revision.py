from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0002_fees"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "phiên bản danh mục thủ tục",
                "verbose_name_plural": "phiên bản danh mục thủ tục",
            },
        ),
    ]
