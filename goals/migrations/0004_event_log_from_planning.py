"""The event log, the op receipts and the open sockets move from planning to goals.

Only the state moves (planning.0004 forgets them first); the tables are then renamed after their
new app. No row is copied.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('goals', '0003_member_return_link'),
        ('planning', '0004_event_log_moves_to_goals'),
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
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='connections', to='goals.member')),
                        ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='goals.workshop')),
                    ],
                    options={'db_table': 'planning_connection'},
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
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='goals.member')),
                        ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='goals.workshop')),
                    ],
                    options={
                        'db_table': 'planning_event',
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
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='goals.member')),
                        ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='goals.workshop')),
                    ],
                    options={
                        'db_table': 'planning_opreceipt',
                        'constraints': [models.UniqueConstraint(fields=('workshop', 'member', 'ref'), name='one_receipt_per_ref')],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='connection', table=None),
        migrations.AlterModelTable(name='event', table=None),
        migrations.AlterModelTable(name='opreceipt', table=None),
    ]
