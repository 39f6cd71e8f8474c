"""Likely duplicates (protocol §10): while gathering, the board points out cards with similar titles
so that the room can stack them in one gesture, before their votes are split between them.

Read-only and per viewer: only the cards a viewer could stack are compared, those shown to them in
full (never a face-down card of someone else: `item.stack` would refuse it, and a suggestion would
tell what it says) that are not stacked themselves and not dropped.

Similarity is rapidfuzz's `token_sort_ratio` (the Indel similarity of the titles' words in sorted
order) after dropping case, punctuation and a few filler words; docs/decisions.md ("Likely
duplicates") says why this scorer and this cutoff.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from math import floor
from typing import Any, Final, NamedTuple

from rapidfuzz import fuzz, process, utils

from core.errors import WrongPhase
from goals.models import Member, Phase, Workshop
from planning.board import tally_by_item
from planning.models import Item, ItemStatus
from planning.privacy import shown_to

# token_sort_ratio at or above this is "likely the same card". Measured on pairs written the way a
# room writes (docs/decisions.md): 80 keeps "Onboarding guide" / "Write the onboarding guide" (84)
# and "Publish launch blog post" / "Launch blog post" (80), and leaves out "Update pricing page" /
# "Update signup page" (76) and "Hire a designer" / "Hire a developer" (67).
SIMILAR: Final = 80
# A board of 2,000 cards can hold hundreds of near-identical pairs; the board shows a short list.
MOST_SUGGESTIONS: Final = 20
# Each title keeps only its closest later titles: a board of 2,000 titles differing by one number
# ("Fix bug 1" … "Fix bug 2000") is two million similar pairs otherwise, seconds of grouping for a
# list cut to 20. Ten is more near-twins of one card than a room writes.
MATCHES_PER_TITLE: Final = 10
# Words that make two titles of the same card differ without changing what the card says.
FILLER: Final = frozenset({"a", "an", "the", "of", "for", "to", "and", "on", "in", "our", "with"})


class Card(NamedTuple):
    """What the grouping reads of a card, in board order."""

    id: int
    title: str
    votes: int
    stacked: int  # cards already stacked under it


def title_key(title: str) -> str:
    """The title as compared: accents dropped ("Écrire" is "ecrire", which would otherwise also
    sort apart), lower case and punctuation as spaces (rapidfuzz's `default_process`,
    Unicode-aware), filler words dropped unless nothing else is left, words sorted.

    Sorting once per title here is what `token_sort_ratio` does for every pair, so comparing keys
    with `fuzz.ratio` is `token_sort_ratio` at a fraction of the cost."""
    bare = "".join(char for char in unicodedata.normalize("NFKD", title) if not unicodedata.combining(char))
    words = utils.default_process(bare).split()
    kept = [word for word in words if word not in FILLER] or words
    return " ".join(sorted(kept))


def similar_pairs(keys: Sequence[str]) -> dict[tuple[int, int], float]:
    """{(i, j): score} for i < j, every pair of distinct keys at least SIMILAR alike, each key
    keeping its MATCHES_PER_TITLE closest later keys."""
    pairs: dict[tuple[int, int], float] = {}
    for index, key in enumerate(keys[:-1]):
        later = keys[index + 1 :]
        found = process.extract(
            key, later, scorer=fuzz.ratio, processor=None, score_cutoff=SIMILAR, limit=MATCHES_PER_TITLE
        )
        for _, score, offset in found:
            pairs[index, index + 1 + offset] = score
    return pairs


def clusters(count: int, pairs: dict[tuple[int, int], float]) -> list[list[int]]:
    """Groups of keys, each key alike to every other of its group (complete linkage), built from
    the closest pairs first: a title alike to two cards that are not alike to each other joins the
    closer one, instead of chaining unrelated cards into one suggestion."""
    group_of: dict[int, list[int]] = {}

    def alike(first: list[int], second: list[int]) -> bool:
        return all((min(a, b), max(a, b)) in pairs for a in first for b in second)

    for (a, b), _ in sorted(pairs.items(), key=lambda pair: (-pair[1], pair[0])):
        first, second = group_of.get(a, [a]), group_of.get(b, [b])
        if first is second or not alike(first, second):
            continue
        merged = first + second
        for key in merged:
            group_of[key] = merged
    unique = {id(group): group for group in group_of.values()}
    return [sorted(group) for group in unique.values()] + [[key] for key in range(count) if key not in group_of]


def likely_duplicates(cards: Sequence[Card]) -> list[dict[str, Any]]:
    """Suggestions `{"head", "items", "score"}`, best first, at most MOST_SUGGESTIONS.

    Cards whose keys are equal are alike (100); keys are compared once however many cards share
    them. A suggestion's head is the card its stack would keep: the most votes, then the most cards
    already stacked under it, then the first in board order; `items` are the others in board
    order, and `score` the least alike of them to the head, rounded down."""
    by_key: dict[str, list[int]] = {}
    for index, card in enumerate(cards):
        key = title_key(card.title)
        if key:
            by_key.setdefault(key, []).append(index)
    keys = list(by_key)
    pairs = similar_pairs(keys)
    suggestions = []
    for group in clusters(len(keys), pairs):
        members = sorted(index for key in group for index in by_key[keys[key]])
        if len(members) < 2:
            continue
        key_of = {index: key for key in group for index in by_key[keys[key]]}
        head = min(members, key=lambda index: (-cards[index].votes, -cards[index].stacked, index))
        items = [index for index in members if index != head]
        score = min(
            100.0 if key_of[index] == key_of[head] else pair_score(pairs, key_of[index], key_of[head])
            for index in items
        )
        suggestions.append((floor(score), head, items))
    suggestions.sort(key=lambda found: (-found[0], -len(found[2]), found[1]))
    return [
        {"head": cards[head].id, "items": [cards[index].id for index in items], "score": score}
        for score, head, items in suggestions[:MOST_SUGGESTIONS]
    ]


def pair_score(pairs: dict[tuple[int, int], float], first: int, second: int) -> float:
    return pairs[min(first, second), max(first, second)]


def require_gathering(workshop: Workshop) -> None:
    if workshop.phase != Phase.GATHER:
        raise WrongPhase("Likely duplicates are pointed out while gathering.")


def duplicates_seen_by(member: Member) -> list[dict[str, Any]]:
    """The likely duplicates among the cards `member` could stack now; `phase` outside gather."""
    workshop = member.workshop
    require_gathering(workshop)
    rows = list(
        Item.objects.filter(workshop=workshop)
        .order_by("lane__position", "lane_id", "position", "id")
        .values_list("id", "lane_id", "position", "title", "author_id", "stack_id", "status")
    )
    tallies = tally_by_item(workshop)
    stacked = Counter(row[5] for row in rows if row[5] is not None)
    items = [
        {
            "id": id_,
            "lane": lane,
            "position": position,
            "title": title,
            "author": author,
            "stack": stack,
            "status": status,
        }
        for id_, lane, position, title, author, stack, status in rows
    ]
    cards = [
        Card(item["id"], item["title"], tallies.get(item["id"], 0), stacked[item["id"]])
        for item in shown_to(items, workshop, member.id)
        if not item.get("hidden") and item["stack"] is None and item["status"] != ItemStatus.DROPPED
    ]
    return likely_duplicates(cards)
