"""How long the board's likely duplicates take for 2,000 cards (protocol §10, `GET /api/w/<id>/duplicates`).

Run from the repository root:

    .venv/bin/python benchmarks/duplicates.py [--quick]

The grouping alone (`planning.duplicates.likely_duplicates`) on 2,000 titles of five kinds: a room's
titles (a verb and one to four nouns, some written twice in other words), unrelated titles, 2,000
near-identical ones ("Fix bug 1" … "Fix bug 2000", the case MATCHES_PER_TITLE bounds), 2,000 equal
ones, and 2,000 titles of the full 200 characters. Then the request itself, through Django's test
client on a throwaway SQLite database: a workshop gathering with the room's 2,000 titles over three
lanes. Each is timed RUNS times after one warm-up (fewer with --quick); it prints median and p95 and
writes benchmarks/results/duplicates.json. The target: the request's p95 under 250 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measures import nearest_rank, reference_ms, write_results
from ops import ROOT, setup_django, throwaway_database

RESULTS = ROOT / "benchmarks" / "results" / "duplicates.json"
CARDS = 2000
RUNS, QUICK_RUNS = 20, 5
TARGET_MS = 250
VERBS = "write fix set up hire interview draft migrate review plan update test refactor measure call publish run ship"
NOUN_WORDS = (
    "onboarding guide login bug pipeline designer customers pricing page database security audit launch event docs"
    " api signup flow billing module activation rate accounts blog post survey dashboard emails checklist roadmap"
    " budget contract vendor partner webinar"
)
NOUNS = NOUN_WORDS.split()


def room_titles(rng: random.Random) -> list[str]:
    """Titles as a room writes them; one in ten is an earlier one written again in other words."""
    titles: list[str] = []
    while len(titles) < CARDS:
        if titles and rng.random() < 0.1:
            words = rng.choice(titles).lower().split()
            titles.append(" ".join(word for word in words if word != "the") + "!")
            continue
        titles.append(f"{rng.choice(VERBS.split())} the {' '.join(rng.sample(NOUNS, rng.randint(1, 4)))}".capitalize())
    return titles


def title_sets(rng: random.Random) -> dict[str, list[str]]:
    return {
        "a room's titles": room_titles(rng),
        "unrelated titles": [f"{rng.randbytes(8).hex()} {rng.choice(NOUNS)}" for _ in range(CARDS)],
        "Fix bug 1 … 2000": [f"Fix bug {number}" for number in range(1, CARDS + 1)],
        "2,000 equal titles": ["Fix the login bug"] * CARDS,
        "200-character titles": [" ".join(rng.choice(NOUNS) for _ in range(40))[:200] for _ in range(CARDS)],
    }


def timed(run: Any, runs: int) -> tuple[list[float], Any]:
    result = run()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def request_times(titles: list[str], runs: int) -> tuple[list[float], int]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from planning.models import Item, Lane
    from room.workshops import workshop_create

    user = get_user_model().objects.create_user(username="bench")
    workshop = workshop_create(user=user, title="Ship the onboarding", success_criteria=["One"])
    leader = workshop.members.get()
    lanes = list(Lane.objects.filter(workshop=workshop).order_by("position"))
    Item.objects.bulk_create(
        Item(workshop=workshop, lane=lanes[index % 3], position=index // 3, author=leader, title=title)
        for index, title in enumerate(titles)
    )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)

    def get() -> Any:
        response = client.get(f"/api/w/{workshop.id}/duplicates")
        assert response.status_code == 200, response.content
        return response.json()["duplicates"]

    times, found = timed(get, runs)
    return times, len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} timed runs instead of {RUNS}")
    args = parser.parse_args()
    runs = QUICK_RUNS if args.quick else RUNS
    reference_ms()
    with throwaway_database("sqlite", "rallypoint_duplicates") as url:
        os.environ["DATABASE_URL"] = url
        os.environ.pop("REDIS_URL", None)
        setup_django()
        from planning.duplicates import Card, likely_duplicates

        rows = []
        sets = title_sets(random.Random(24))  # noqa: S311 (not crypto)
        for name, titles in sets.items():
            cards = [Card(index, title, 0, 0) for index, title in enumerate(titles)]
            times, found = timed(lambda cards=cards: likely_duplicates(cards), runs)
            rows.append({"scenario": f"grouping: {name}", "times": times, "suggestions": len(found)})
        times, count = request_times(sets["a room's titles"], runs)
        rows.append({"scenario": "GET …/duplicates: a room's titles", "times": times, "suggestions": count})

    print(f"{CARDS:,} cards, {runs} runs each; reference {reference_ms()} ms")
    print(f"{'scenario':<42} {'median ms':>9} {'p95 ms':>7} {'found':>5}")
    for row in rows:
        times = row.pop("times")
        row.update(median_ms=round(statistics.median(times), 1), p95_ms=round(nearest_rank(times, 95) or 0, 1))
        print(f"{row['scenario']:<42} {row['median_ms']:>9} {row['p95_ms']:>7} {row['suggestions']:>5}")
    request_p95 = rows[-1]["p95_ms"]
    print(f"target: the request's p95 under {TARGET_MS} ms: {'met' if request_p95 < TARGET_MS else 'NOT met'}")
    write_results(RESULTS, "duplicates", ["rapidfuzz", "Django"], cards=CARDS, runs=runs, rows=rows)


if __name__ == "__main__":
    main()
