from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="workshop",
            name="focus_item_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
