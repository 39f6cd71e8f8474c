"""The event log, the op receipts and the open sockets move to the live engine (live.0001).

Only the state is forgotten here; live.0001 takes the tables over as they are, and renames them.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('goals', '0004_event_log_from_planning'),
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
