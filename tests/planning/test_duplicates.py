"""Likely duplicates (protocol §10, `GET /api/w/<id>/duplicates`): similar titles among the cards a
viewer could stack, grouped one suggestion per group, best first, while gathering only.

The HTTP tests go through the URL as the board does, as the leader's account or a guest's session;
the grouping's own rules (who heads a group, no chaining, the cap) are checked on the function.
"""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from goals.members import GUEST_KEY
from goals.models import Member, Phase, Role
from planning.duplicates import MOST_SUGGESTIONS, SIMILAR, Card, likely_duplicates
from planning.models import Item, ItemStatus, Vote
from tests.planning.helpers import add_item, lanes_of, send, set_phase

pytestmark = pytest.mark.django_db


def browser(member: Member) -> Client:
    """A client that is `member`: through the leader's account, or a guest's session key."""
    client = Client()
    if member.user_id is not None:
        client.force_login(member.user)
        return client
    session = client.session
    session[GUEST_KEY] = member.guest_key
    session.save()
    return client


def duplicates(workshop, member: Member) -> list[dict]:
    response = browser(member).get(f"/api/w/{workshop.id}/duplicates")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert list(body) == ["duplicates"]
    return body["duplicates"]


def ids_in(suggestions: list[dict]) -> set[int]:
    return {card for found in suggestions for card in [found["head"], *found["items"]]}


# --- what is suggested --------------------------------------------------------------------------


def test_titles_written_differently_are_suggested_with_the_first_card_as_head(workshop, leader, member):
    first = add_item(workshop, leader, title="Write the onboarding guide")
    add_item(workshop, member, title="Plan the launch event")
    second = add_item(workshop, member, lanes_of(workshop)[1], title="write onboarding guide!")

    for viewer in (leader, member):
        assert duplicates(workshop, viewer) == [{"head": first, "items": [second], "score": 100}]


def test_a_card_alike_to_several_makes_one_suggestion_of_them_all(workshop, leader, member):
    guide = add_item(workshop, leader, title="Write the onboarding guide")
    again = add_item(workshop, member, title="Onboarding guide: write it")
    third = add_item(workshop, member, title="Write an onboarding guide")

    (found,) = duplicates(workshop, member)
    assert found["head"] == guide
    assert found["items"] == [again, third]
    assert SIMILAR <= found["score"] <= 100


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Hire a designer", "Hire a developer"),
        ("Update pricing page", "Update signup page"),
        ("Test", "Test the signup flow"),  # a short title inside a longer one is not the same card
        ("Write docs", "Write docs for the API and deploy the server"),
        ("Fix login bug", "Fix billing bug"),
        ("Plan launch event", "Plan team offsite"),
    ],
)
def test_titles_that_say_different_things_are_not_suggested(workshop, leader, member, one, other):
    add_item(workshop, leader, title=one)
    add_item(workshop, member, title=other)
    assert duplicates(workshop, member) == []


def test_the_best_suggestions_come_first(workshop, leader, member):
    close = [add_item(workshop, leader, title=title) for title in ("Run a pricing survey", "Pricing survey")]
    same = [add_item(workshop, member, title=title) for title in ("Fix the login bug", "Fix login bug")]

    found = duplicates(workshop, member)
    assert [(entry["head"], entry["items"]) for entry in found] == [(same[0], [same[1]]), (close[0], [close[1]])]
    assert found[0]["score"] == 100
    assert SIMILAR <= found[1]["score"] < 100


# --- which cards take part ----------------------------------------------------------------------


def test_stacked_cards_are_left_out_and_a_head_keeps_its_place(workshop, leader, member):
    guide = add_item(workshop, leader, title="Write the onboarding guide")
    stacked = add_item(workshop, member, title="Write onboarding guide")
    send(workshop, member, "item.stack", item=stacked, onto=guide)
    assert duplicates(workshop, member) == []

    later = add_item(workshop, member, lanes_of(workshop)[1], title="Onboarding guide, written")
    (found,) = duplicates(workshop, member)
    assert found["head"] == guide
    assert found["items"] == [later]
    assert stacked not in ids_in([found])


def test_a_card_with_a_stack_heads_before_an_earlier_one(workshop, leader, member):
    earlier = add_item(workshop, leader, title="Interview five customers")
    head = add_item(workshop, member, lanes_of(workshop)[1], title="Customer interviews (five)")
    under = add_item(workshop, member, lanes_of(workshop)[2], title="Twenty-page market report")
    send(workshop, member, "item.stack", item=under, onto=head)

    assert duplicates(workshop, member) == [{"head": head, "items": [earlier], "score": 95}]


def test_a_card_with_votes_heads_before_an_earlier_one(workshop, leader, member):
    earlier = add_item(workshop, leader, title="Fix the login bug")
    voted = add_item(workshop, member, title="Fix login bug")
    set_phase(workshop, Phase.VOTE)
    send(workshop, member, "vote.cast", item=voted)
    set_phase(workshop, Phase.GATHER)

    assert duplicates(workshop, leader) == [{"head": voted, "items": [earlier], "score": 100}]
    assert Vote.objects.filter(item_id=voted).exists()


def test_dropped_cards_are_left_out(workshop, leader, member):
    add_item(workshop, leader, title="Write the onboarding guide")
    dropped = add_item(workshop, member, title="Write onboarding guide")
    Item.objects.filter(pk=dropped).update(status=ItemStatus.DROPPED)
    assert duplicates(workshop, member) == []


def test_face_down_cards_are_never_suggested_to_others_but_an_author_sees_their_own(workshop, leader, member, join):
    tess = join(Role.MEMBER, "Tess")
    send(workshop, leader, "planning.set", private_gather=True)
    mine = add_item(workshop, member, title="Write the onboarding guide")
    mine_again = add_item(workshop, member, title="write onboarding guide!")
    theirs = add_item(workshop, tess, title="Write onboarding guide")
    leaders = add_item(workshop, leader, title="The onboarding guide")

    assert duplicates(workshop, member) == [{"head": mine, "items": [mine_again], "score": 100}]
    # Tess and the leader (a facilitator too) each see only their own card in full: nothing to pair.
    for viewer in (tess, leader):
        assert duplicates(workshop, viewer) == []
    response = browser(tess).get(f"/api/w/{workshop.id}/duplicates")
    assert b"onboarding" not in response.content

    send(workshop, leader, "planning.set", private_gather=False)
    (found,) = duplicates(workshop, tess)
    assert {found["head"], *found["items"]} == {mine, mine_again, theirs, leaders}


# --- who and when -------------------------------------------------------------------------------


def test_outsiders_get_404_and_observers_403(workshop, leader, observer, other_workshop):
    add_item(workshop, leader, title="Write the onboarding guide")
    add_item(workshop, leader, title="Write onboarding guide")
    url = f"/api/w/{workshop.id}/duplicates"
    other_leader = other_workshop.members.get(role=Role.LEADER)
    for outsider in (Client(), browser(other_leader)):
        response = outsider.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert b"onboarding" not in response.content
    refused = browser(observer).get(url)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert browser(leader).post(url).status_code == 405


@pytest.mark.parametrize("phase", [Phase.VOTE, Phase.PLAN, Phase.AGREED])
def test_outside_gather_it_is_409_phase(workshop, leader, member, phase):
    add_item(workshop, leader, title="Write the onboarding guide")
    add_item(workshop, member, title="Write onboarding guide")
    set_phase(workshop, phase)
    response = browser(member).get(f"/api/w/{workshop.id}/duplicates")
    assert response.status_code == 409
    assert response.json()["code"] == "phase"


# --- the grouping -------------------------------------------------------------------------------


def cards(*titles: str) -> list[Card]:
    return [Card(index, title, 0, 0) for index, title in enumerate(titles)]


def test_alike_cards_do_not_chain_into_one_group():
    """ "Onboarding guide" is alike to "Write onboarding guide" but not to "Write onboarding guide now":
    every card of a suggestion is alike to every other, so it waits for the next one."""
    board = cards("Onboarding guide", "Write onboarding guide", "Write onboarding guide now", "Review onboarding guide")
    assert likely_duplicates(board) == [{"head": 1, "items": [2, 3], "score": 88}]
    # Once those are stacked under it (left out), the one left over is suggested with their head.
    head = board[1]._replace(stacked=2)
    assert likely_duplicates([board[0], head]) == [{"head": 1, "items": [0], "score": 84}]


def test_accents_case_punctuation_and_word_order_do_not_count():
    board = cards("Écrire le guide d'accueil", "ecrire le GUIDE d'accueil !", "Guide d'accueil: écrire le")
    assert likely_duplicates(board) == [{"head": 0, "items": [1, 2], "score": 100}]


def test_equal_titles_are_one_group_however_many_and_empty_keys_are_not_compared():
    board = cards(*["Fix the bug"] * 5, "!!!", "???", "Ship it")
    assert likely_duplicates(board) == [{"head": 0, "items": [1, 2, 3, 4], "score": 100}]


def test_at_most_twenty_suggestions_and_unrelated_titles_stay_apart():
    topics = [hashlib.sha256(str(number).encode()).hexdigest()[:24] for number in range(MOST_SUGGESTIONS + 5)]
    board = cards(*(title for topic in topics for title in (topic, f"The {topic.upper()}!")))
    found = likely_duplicates(board)
    assert found == [{"head": head, "items": [head + 1], "score": 100} for head in range(0, 2 * MOST_SUGGESTIONS, 2)]
