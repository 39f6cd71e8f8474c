"""Everything a workshop holds, as one set of tables: to export it whole, or to erase it.

The tables are every row that belongs to the workshop, in every app (room is the layer that
sees them all). Accounts are not the workshop's: a leader's or member's account, its password and
its other workshops stay, and so do sessions (a guest's holds only a random key, which matches
nothing once the member is gone, and expires with SESSION_COOKIE_AGE).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any, Final

from django.db import connection, models, transaction

from core import clock
from core.errors import NotFound
from goals.models import Invite, Member, Workshop
from live.changes import lock_workshop
from live.models import Connection, Event, LogCursor, OpReceipt
from live.sockets import close_channels
from planning.models import (
    CheckIn,
    ConfidenceAnswer,
    ConfidenceCheck,
    HelpOffer,
    Item,
    Lane,
    Ownership,
    PlanVersion,
    Vote,
)

# Each table with the lookup from its rows to the workshop's id. In this order a row comes after
# what it refers to, so an export reads top down; erasing goes bottom up, so that no row is deleted
# while another still protects it (Item.lane, Item.author) and no SET_NULL or CASCADE touches a
# row the counts would not show.
TABLES: Final[tuple[tuple[type[models.Model], str], ...]] = (
    (Workshop, "pk"),
    (Member, "workshop"),
    (Invite, "workshop"),
    (Lane, "workshop"),
    (Item, "workshop"),
    (Vote, "workshop"),
    (Ownership, "workshop"),
    (HelpOffer, "workshop"),
    (ConfidenceCheck, "workshop"),
    (ConfidenceAnswer, "confidence__workshop"),
    (CheckIn, "workshop"),
    (PlanVersion, "workshop"),
    (Event, "workshop"),
    (OpReceipt, "workshop"),
    (Connection, "workshop"),
    (LogCursor, "workshop"),
)

# Columns that are keys, not data: whoever holds one gets in as someone. An invite's nonce gives its
# link (with SECRET_KEY) and its hash finds it; a guest's key is their session's claim to be that
# member; a return link's hash finds the link; a socket's session hash names a logged-in session.
SECRETS: Final[dict[type[models.Model], frozenset[str]]] = {
    Invite: frozenset({"nonce", "token_hash"}),
    Member: frozenset({"guest_key", "return_link_hash"}),
    Connection: frozenset({"session_hash"}),
}

# The apps above this one (mail, webhooks, chat, calendars) keep rows of a workshop too; each adds
# its tables here from its AppConfig.ready, so that an export holds them and an erasure counts them.
_added: list[tuple[type[models.Model], str]] = []
_added_secrets: dict[type[models.Model], frozenset[str]] = {}


def add_tables(tables: tuple[tuple[type[models.Model], str], ...], *, secrets: dict | None = None) -> None:
    """Make these tables (each with its lookup to the workshop's id, referring only to tables before
    it) part of every workshop's export and erasure; `secrets` names columns an export leaves out."""
    for table in tables:
        if table not in _added:
            _added.append(table)
    _added_secrets.update({model: frozenset(columns) for model, columns in (secrets or {}).items()})


def tables() -> tuple[tuple[type[models.Model], str], ...]:
    return (*TABLES, *_added)


def secret_columns() -> dict[type[models.Model], frozenset[str]]:
    return {**SECRETS, **_added_secrets}


EXPORT_FORMAT: Final = "rallypoint.workshop"
# Raised when a key changes meaning or goes; adding a table or a column keeps it.
EXPORT_FORMAT_VERSION: Final = 1


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def rows_of(workshop_id: str) -> list[tuple[type[models.Model], models.QuerySet[Any]]]:
    """Each table's rows of this workshop, in `tables()` order."""
    return [(model, model.objects.filter(**{lookup: workshop_id})) for model, lookup in tables()]


def exported_columns(model: type[models.Model]) -> list[str]:
    """The model's columns as they are named in the database (`lane_id`), secrets left out."""
    hidden = secret_columns().get(model, frozenset())
    return [field.attname for field in model._meta.concrete_fields if field.name not in hidden]


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def workshop_counts(*, workshop_id: str) -> dict[str, int]:
    """How many rows each table holds for this workshop; NotFound if there is no such workshop."""
    if not Workshop.objects.filter(pk=workshop_id).exists():
        raise NotFound("There is no such workshop.")
    return {label(model): rows.count() for model, rows in rows_of(workshop_id)}


def workshop_export(*, workshop_id: str) -> dict[str, Any]:
    """Every row of the workshop, by table, in primary-key order, secrets left out; JSON-ready.

    Read in one transaction that sees one moment: REPEATABLE READ on PostgreSQL, where ops go on
    meanwhile; on SQLite the transaction holds the write lock, so ops wait for the export. (Inside
    a caller's transaction, that one's.)
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if not Workshop.objects.filter(pk=workshop_id).exists():
            raise NotFound("There is no such workshop.")
        tables = {}
        for model, rows in rows_of(workshop_id):
            columns = exported_columns(model)
            tables[label(model)] = [
                {column: _plain(value) for column, value in row.items()} for row in rows.order_by("pk").values(*columns)
            ]
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": clock.now().isoformat(),
        "workshop": workshop_id,
        "left_out": {label(model): sorted(columns) for model, columns in secret_columns().items()},
        "tables": tables,
    }


def workshop_erase(*, workshop_id: str) -> dict[str, int]:
    """Delete the workshop and every row of it in one transaction; the rows deleted per table.

    The workshop's row is locked first, so an op in flight finishes before and any later one
    finds no workshop. Once committed, the workshop's open sockets are told to close (4404, as
    for a member whose session ended) on every process the channel layer reaches; a socket it
    does not reach closes at its next heartbeat (room.consumers).
    """
    with transaction.atomic():
        lock_workshop(workshop_id)
        channels = list(Connection.objects.filter(workshop_id=workshop_id).values_list("channel_name", flat=True))
        deleted: Counter[str] = Counter()
        for _, rows in reversed(rows_of(workshop_id)):
            _, per_model = rows.delete()
            deleted.update({name.lower(): count for name, count in per_model.items()})
        transaction.on_commit(lambda: close_channels(channels))
    counts = {label(model): deleted.pop(label(model), 0) for model, _ in tables()}
    return counts | dict(deleted)  # anything a cascade reached beyond tables(), said too
