"""The workshop a command works on, given as its id or as the board's address.

Ids are URL-safe base64 and a fair share begin with "-", which a command line reads as an
option; the board's address (`https://host/w/<id>/`, or `/w/<id>/`) never does. An id on its
own still works after `--`.
"""

from __future__ import annotations

import re

from django.core.management.base import CommandParser

BOARD_PATH = re.compile(r"(?:^|/)w/([A-Za-z0-9_-]+)(?:/|$)")


def add_workshop_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "workshop_id",
        metavar="WORKSHOP",
        type=workshop_id,
        help="The workshop's id, or its board's address (https://host/w/<id>/). An id that begins with '-' "
        "goes after '--'.",
    )


def workshop_id(value: str) -> str:
    match = BOARD_PATH.search(value)
    return match[1] if match else value
