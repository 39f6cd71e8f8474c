"""`manage.py prune_log`: drop events and op receipts nobody will read again (live.retention).

Meant for cron, beside the running app; docs/deploy.md, "Housekeeping".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from live.retention import BATCH_SIZE, RECEIPT_RETENTION, log_prune


class Command(BaseCommand):
    help = (
        "Delete events older than EVENT_RETENTION_DAYS and op receipts older than a day, in batches; "
        "safe to run while the app serves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Rows per DELETE (default {BATCH_SIZE})."
        )

    def handle(self, *args: Any, dry_run: bool, batch_size: int, **options: Any) -> None:
        days = settings.EVENT_RETENTION_DAYS
        # A day at least: a replay after a reconnect needs the last minutes of the log.
        if days < 1:
            raise CommandError(f"EVENT_RETENTION_DAYS must be 1 or more, not {days}.")
        if batch_size < 1:
            raise CommandError(f"--batch-size must be 1 or more, not {batch_size}.")
        pruned = log_prune(event_retention=timedelta(days=days), batch_size=batch_size, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        receipt_hours = int(RECEIPT_RETENTION.total_seconds() // 3600)
        self.stdout.write(
            f"events: {verb} {pruned.events} older than {days} days "
            f"(before {pruned.events_before.isoformat(timespec='seconds')})"
        )
        self.stdout.write(
            f"op receipts: {verb} {pruned.receipts} older than {receipt_hours} hours "
            f"(before {pruned.receipts_before.isoformat(timespec='seconds')})"
        )
