"""The event log, the op receipts and the open sockets belong to goals now (goals.0004 takes them
over and renames their tables); planning forgets them without touching the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('planning', '0003_progress_helpers_checkins'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Connection'),
                migrations.DeleteModel(name='Event'),
                migrations.DeleteModel(name='OpReceipt'),
            ],
        ),
    ]
