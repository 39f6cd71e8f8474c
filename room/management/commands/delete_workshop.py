"""`manage.py delete_workshop ID`: erase a workshop and everything in it (room.workshop_data).

For an erasure request: docs/deploy.md, "Housekeeping".
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import NotFound
from goals.models import Workshop
from room.management.workshop_argument import add_workshop_argument
from room.workshop_data import workshop_counts, workshop_erase


class Command(BaseCommand):
    help = (
        "Delete a workshop and every row of it (members, invites, board, event log, ...) and close its open "
        "sockets. User accounts are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_workshop_argument(parser)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, workshop_id: str, yes: bool, **options: Any) -> None:
        title = Workshop.objects.filter(pk=workshop_id).values_list("title", flat=True).first()
        if title is None:
            raise CommandError(f"There is no workshop {workshop_id!r} (already deleted?).")
        if not yes:
            self._confirm(workshop_id, title)
        try:
            deleted = workshop_erase(workshop_id=workshop_id)
        except NotFound:
            raise CommandError(f"There is no workshop {workshop_id!r} (deleted meanwhile?).") from None
        for table, count in deleted.items():
            self.stdout.write(f"{table}: {count}")
        self.stdout.write(
            self.style.SUCCESS(f"Deleted workshop {workshop_id} ({sum(deleted.values())} rows); accounts kept.")
        )

    def _confirm(self, workshop_id: str, title: str) -> None:
        """Show what would go and ask; from a script (no terminal), --yes is required instead."""
        if not sys.stdin.isatty():
            raise CommandError("Not asking without a terminal: pass --yes to delete.")
        self.stdout.write(f"Workshop {workshop_id}: {title}")
        for table, count in workshop_counts(workshop_id=workshop_id).items():
            self.stdout.write(f"  {table}: {count}")
        answer = input("Delete this workshop and all of the above for good? Type 'yes' to delete: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Nothing deleted.")
