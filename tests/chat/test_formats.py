"""Each service's format within its limits, whatever was typed: a plan of many long items, a long
note, a step's long instructions (the validators are tests/chat/validators.py)."""

from __future__ import annotations

import pytest

from chat import formats, messages
from tests.chat.validators import CHECKS

LONG = "Ship the onboarding flow & <its> *emails* to @everyone " * 10  # 550 characters


def big_plan() -> dict:
    items = [
        {
            "title": f"{n} {LONG}"[:200],
            "status": "accepted",
            "owners": [f"Owner {m}" * 4 for m in range(6)],
            "due": None,
        }
        for n in range(60)
    ]
    return {"title": LONG[:200], "version": 7, "agreed_by": "Lea", "lanes": [{"title": "Now", "items": items}]}


MESSAGES = {
    "agreed": messages.plan_agreed("abcdefgh", big_plan()),
    "blocked": messages.item_blocked(
        "abcdefgh", LONG[:200], title=LONG[:200], owners=["Ann", "Bob"] * 10, note=LONG[:500], by="Cy", due="2026-03-05"
    ),
    "checkin": messages.checkin_recorded(
        "abcdefgh", "Goal", {"number": 3, "note": LONG * 4, "counts": {"on_track": 2}}, by="Fay"
    ),
    "step": messages.step_started(
        "abcdefgh", "Goal", [{"title": LONG[:80], "minutes": 180, "instructions": (LONG * 4)[:2000]}] * 2, 0
    ),
    "test": messages.connected("abcdefgh", "Goal"),
}


@pytest.mark.parametrize("kind", sorted(formats.RENDER))
@pytest.mark.parametrize("subject", sorted(MESSAGES))
def test_every_message_fits_every_service(kind, subject, settings):
    assert CHECKS[kind](formats.render(kind, MESSAGES[subject])) == []


def test_a_long_plan_lists_some_items_and_counts_the_rest():
    message = MESSAGES["agreed"]
    assert len(message.entries) == messages.ENTRIES_MAX
    assert message.more == 60 - messages.ENTRIES_MAX
    discord = formats.discord(message)["embeds"][0]
    listed = len([field for field in discord["fields"] if not field["inline"]]) - 1
    assert f"and {60 - listed} more on the board" in discord["fields"][-1]["value"]
    slack = formats.slack(message)
    assert any(f"and {message.more} more" in str(block) for block in slack["blocks"])


def test_cutting_never_splits_an_escape():
    escaped = formats.fit("*" * 300, 256, formats.discord_escape)
    assert len(escaped) <= 256
    assert escaped.endswith("\\*…")
