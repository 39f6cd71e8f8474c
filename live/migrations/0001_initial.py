"""The event log, the op receipts and the open sockets, taken over from goals (goals.0005).

Only the state moves; the tables are then renamed after this app. No row is copied.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('goals', '0005_event_log_moves_to_live'),
        migrations.swappable_dependency(settings.LIVE_WORKSHOP_MODEL),
        migrations.swappable_dependency(settings.LIVE_MEMBER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Connection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel_name', models.CharField(max_length=200, unique=True)),
                        ('session_hash', models.CharField(blank=True, db_index=True, default='', max_length=64)),
                        ('connected_at', models.DateTimeField(auto_now_add=True)),
                        ('seen_at', models.DateTimeField(auto_now=True)),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='connections', to=settings.LIVE_MEMBER_MODEL)),
                        ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.LIVE_WORKSHOP_MODEL)),
                    ],
                    options={'db_table': 'goals_connection'},
                ),
                migrations.CreateModel(
                    name='Event',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seq', models.PositiveBigIntegerField()),
                        ('name', models.CharField(max_length=40)),
                        ('ref', models.CharField(blank=True, max_length=64, null=True)),
                        ('data', models.JSONField()),
                        ('private', models.JSONField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.LIVE_MEMBER_MODEL)),
                        ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to=settings.LIVE_WORKSHOP_MODEL)),
                    ],
                    options={
                        'db_table': 'goals_event',
                        'ordering': ['seq'],
                        'constraints': [models.UniqueConstraint(fields=('workshop', 'seq'), name='gapless_seq_per_workshop')],
                    },
                ),
                migrations.CreateModel(
                    name='OpReceipt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('ref', models.CharField(max_length=64)),
                        ('seq', models.PositiveBigIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.LIVE_MEMBER_MODEL)),
                        ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.LIVE_WORKSHOP_MODEL)),
                    ],
                    options={
                        'db_table': 'goals_opreceipt',
                        'constraints': [models.UniqueConstraint(fields=('workshop', 'member', 'ref'), name='one_receipt_per_ref')],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='connection', table=None),
        migrations.AlterModelTable(name='event', table=None),
        migrations.AlterModelTable(name='opreceipt', table=None),
    ]
