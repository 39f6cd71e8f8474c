"""`manage.py export_workshop ID`: a workshop's every row as JSON (room.workshop_data).

For a subject-access request or an archive: docs/deploy.md, "Housekeeping".
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import NotFound
from room.management.workshop_argument import add_workshop_argument
from room.workshop_data import workshop_export


class Command(BaseCommand):
    help = (
        "Write a workshop's data as JSON: every table's rows, in primary-key order, with ISO 8601 times. "
        "Keys and secrets (invite nonces and hashes, guest keys, return-link and session hashes) are left out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_workshop_argument(parser)
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="Write to this new file, readable by its owner only (default: standard output).",
        )

    def handle(self, *args: Any, workshop_id: str, output: Path | None, **options: Any) -> None:
        try:
            exported = workshop_export(workshop_id=workshop_id)
        except NotFound:
            raise CommandError(f"There is no workshop {workshop_id!r}.") from None
        text = json.dumps(exported, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        # Personal data: the file is the owner's alone, and an existing file is not overwritten.
        try:
            descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{output} exists; choose another file.") from None
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        rows = sum(len(table) for table in exported["tables"].values())
        self.stderr.write(f"Wrote {rows} rows of workshop {workshop_id} to {output}.")
