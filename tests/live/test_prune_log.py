"""`manage.py prune_log` (live.retention): old events and op receipts go, recent ones stay.

Time is moved with the `clock` fixture, which every write reads (events and receipts take their
`created_at` from core.clock in the op's commit). What a reconnecting socket gets after a prune
is tested through the socket in tests/planning/test_pruned_log.py.
"""

from __future__ import annotations

import itertools
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.models import Workshop
from live.models import Event, OpReceipt
from room.workshops import goal_edit

_titles = itertools.count(1)


def edit(workshop, leader, ref=None):
    """One op with one event (and a receipt when it has a ref); returns its seq."""
    return goal_edit(workshop_id=workshop.id, actor_id=leader.id, ref=ref, title=f"Goal {next(_titles)}").seq


def prune(*args):
    out = StringIO()
    call_command("prune_log", *args, stdout=out)
    return out.getvalue()


def printed(output, what):
    """The count printed for `what` ("events", "op receipts")."""
    match = re.search(rf"^{what}: (?:would delete|deleted) (\d+) ", output, re.MULTILINE)
    assert match, output
    return int(match[1])


def seqs(workshop):
    return list(Event.objects.filter(workshop=workshop).order_by("seq").values_list("seq", flat=True))


def refs(workshop):
    return set(OpReceipt.objects.filter(workshop=workshop).values_list("ref", flat=True))


@pytest.fixture
def other_leader(other_workshop):
    return other_workshop.members.get()


def test_events_older_than_the_retention_go_and_the_rest_stay(workshop, leader, other_workshop, other_leader, clock):
    old = [edit(workshop, leader) for _ in range(3)]
    other_old = edit(other_workshop, other_leader)
    clock(days=29)
    kept = [edit(workshop, leader) for _ in range(2)]
    clock(days=2)
    other_kept = edit(other_workshop, other_leader)
    assert seqs(workshop) == old + kept

    output = prune()

    assert seqs(workshop) == kept
    assert other_old not in seqs(other_workshop)
    assert seqs(other_workshop) == [other_kept]
    assert printed(output, "events") == 3 + 1
    assert "older than 30 days" in output


def test_numbering_goes_on_after_every_event_of_a_workshop_is_pruned(workshop, leader, clock):
    last = edit(workshop, leader)
    clock(days=31)
    prune()
    assert seqs(workshop) == []
    assert Workshop.objects.get(pk=workshop.pk).seq == last
    assert edit(workshop, leader) == last + 1
    assert seqs(workshop) == [last + 1]


def test_receipts_older_than_a_day_go_and_a_ref_resent_after_that_applies_again(workshop, leader, clock):
    edit(workshop, leader, ref="early")
    clock(hours=23)
    late = edit(workshop, leader, ref="late")
    clock(hours=2)

    output = prune()

    assert refs(workshop) == {"late"}
    assert printed(output, "op receipts") == 1
    assert printed(output, "events") == 0, "events are kept for EVENT_RETENTION_DAYS, not a day"
    # The price of forgetting: a client that resent "early" now would have it applied again.
    # Clients resend only right after a reconnect, seconds after the first send.
    seq = Workshop.objects.get(pk=workshop.pk).seq
    assert goal_edit(workshop_id=workshop.id, actor_id=leader.id, ref="early", title="Goal again").seq == seq + 1
    assert goal_edit(workshop_id=workshop.id, actor_id=leader.id, ref="late", title="Goal once").seq == late


def test_the_retention_is_a_setting(workshop, leader, settings, clock):
    settings.EVENT_RETENTION_DAYS = 7
    old = edit(workshop, leader)
    clock(days=2)
    kept = edit(workshop, leader)
    clock(days=6)

    output = prune()

    assert old not in seqs(workshop)
    assert kept in seqs(workshop)
    assert "older than 7 days" in output


def test_a_dry_run_counts_and_deletes_nothing(workshop, leader, clock):
    for ref in ("a", "b"):
        edit(workshop, leader, ref=ref)
    clock(days=31)
    edit(workshop, leader, ref="c")
    events_before, receipts_before = seqs(workshop), refs(workshop)
    old_events = Event.objects.filter(workshop=workshop).count() - 1

    output = prune("--dry-run")

    assert printed(output, "events") == old_events
    assert printed(output, "op receipts") == 2
    assert "would delete" in output
    assert (seqs(workshop), refs(workshop)) == (events_before, receipts_before)
    assert printed(prune(), "events") == old_events


def test_deletes_go_in_batches(workshop, leader, clock):
    for _ in range(5):
        edit(workshop, leader)
    old = Event.objects.filter(workshop=workshop).count()
    clock(days=31)
    kept = edit(workshop, leader)

    with CaptureQueriesContext(connection) as queries:
        output = prune("--batch-size", "2")

    deletes = [query["sql"] for query in queries if query["sql"].startswith('DELETE FROM "live_event"')]
    batches = [len(re.search(r" IN \(([^)]*)\)", sql)[1].split(",")) for sql in deletes]
    assert batches == [2] * (old // 2) + [1] * (old % 2), deletes
    assert printed(output, "events") == old
    assert seqs(workshop) == [kept]


@pytest.mark.parametrize(("option", "value"), [("EVENT_RETENTION_DAYS", 0), ("--batch-size", 0)])
def test_nonsense_is_refused_and_nothing_is_deleted(workshop, leader, settings, clock, option, value):
    edit(workshop, leader, ref="kept")
    clock(days=400)
    before = (seqs(workshop), refs(workshop))
    if option == "EVENT_RETENTION_DAYS":
        settings.EVENT_RETENTION_DAYS = value
        args = []
    else:
        args = [option, str(value)]
    with pytest.raises(CommandError, match="1 or more"):
        prune(*args)
    assert (seqs(workshop), refs(workshop)) == before
