"""Who gets what under /w/<id>/ and /api/w/<id>/ (protocol §3): 404 for non-members, 403 for roles."""

import pytest
from django.test import Client

from goals.invites import current_member_invite, token_for
from goals.models import Role
from room.members import member_remove, member_role
from tests.goals.conftest import assert_removed_page, join_over_http, logged_in, make_user, normalized

BOARD = "/w/{}/"
STATE = "/api/w/{}/state"
INVITES = "/api/w/{}/invites"
ALL_URLS = (BOARD, STATE, INVITES)
MISSING_IDS = ("AAAAAAAAAAAAAAAA", "1", "no-such-workshop-here")


@pytest.fixture
def visitor(request, guest, other_workshop):
    """Someone who is not a member of `workshop`: anonymous, a guest elsewhere, a leader elsewhere."""
    if request.param == "anonymous":
        return Client()
    if request.param == "guest elsewhere":
        client, _ = guest(Role.MEMBER, target=other_workshop)
        return client
    return logged_in(other_workshop.created_by)


NON_MEMBERS = pytest.mark.parametrize("visitor", ["anonymous", "guest elsewhere", "leader elsewhere"], indirect=True)


@NON_MEMBERS
@pytest.mark.parametrize("url", ALL_URLS)
def test_non_members_get_404(workshop, visitor, url):
    assert visitor.get(url.format(workshop.id)).status_code == 404


@NON_MEMBERS
@pytest.mark.parametrize("url", ALL_URLS)
def test_a_missing_workshop_looks_exactly_like_one_that_is_not_yours(workshop, visitor, url):
    existing = visitor.get(url.format(workshop.id))
    for missing_id in MISSING_IDS:
        missing = visitor.get(url.format(missing_id))
        assert missing.status_code == existing.status_code == 404
        assert missing["Content-Type"] == existing["Content-Type"]
        assert normalized(missing) == normalized(existing)
        assert workshop.id.encode() not in existing.content
        assert workshop.title.encode() not in existing.content


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_members_and_observers_see_the_board_and_state_but_not_invites(guest, workshop, role):
    client, member = guest(role)
    assert client.get(BOARD.format(workshop.id)).status_code == 200
    state = client.get(STATE.format(workshop.id))
    assert state.status_code == 200
    me = state.json()["me"]
    assert (me["member"], me["role"]) == (member.id, role)
    assert client.get(INVITES.format(workshop.id)).status_code == 403


def test_the_api_refuses_a_role_with_the_forbidden_code(guest, workshop):
    client, _ = guest(Role.MEMBER)
    response = client.get(INVITES.format(workshop.id))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("role", [Role.LEADER, Role.FACILITATOR])
def test_facilitators_and_the_leader_get_everything(guest, leader_client, workshop, role):
    client = leader_client if role == Role.LEADER else guest(Role.FACILITATOR)[0]
    for url in ALL_URLS:
        assert client.get(url.format(workshop.id)).status_code == 200, url


def test_a_member_of_two_workshops_sees_each_with_its_own_role(guest, workshop, other_workshop, member_token):
    user = make_user()
    client = logged_in(user)
    join_over_http(client, member_token, "Two hats")
    other_leader = other_workshop.members.get(role=Role.LEADER)
    member = join_over_http(client, token_for(current_member_invite(other_workshop)), "Two hats")
    member_role(workshop_id=other_workshop.id, actor_id=other_leader.id, member=member.id, role=Role.FACILITATOR)
    assert client.get(INVITES.format(workshop.id)).status_code == 403
    assert client.get(INVITES.format(other_workshop.id)).status_code == 200


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER, Role.FACILITATOR])
def test_a_removed_guest_is_told_so_by_the_board_and_gets_404_from_the_api(guest, workshop, leader, role):
    client, member = guest(role)
    assert client.get(BOARD.format(workshop.id)).status_code == 200
    member_remove(workshop_id=workshop.id, actor_id=leader.id, ref=None, member=member.id)
    assert_removed_page(client.get(BOARD.format(workshop.id)), workshop)
    for url in (STATE, INVITES):
        response = client.get(url.format(workshop.id))
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url


def test_a_removed_user_is_told_so_on_every_device(workshop, leader, member_token):
    user = make_user()
    member = join_over_http(logged_in(user), member_token, "Leaving")
    member_remove(workshop_id=workshop.id, actor_id=leader.id, ref=None, member=member.id)
    assert_removed_page(logged_in(user).get(BOARD.format(workshop.id)), workshop)
    for url in (STATE, INVITES):
        assert logged_in(user).get(url.format(workshop.id)).status_code == 404, url


def test_a_removed_guest_who_is_back_as_a_user_sees_the_board(guest, workshop, leader, member_token):
    """The removed page is for people with no present membership: an account that is a member wins."""
    client, member = guest(Role.MEMBER)
    member_remove(workshop_id=workshop.id, actor_id=leader.id, ref=None, member=member.id)
    user = make_user()
    join_over_http(logged_in(user), member_token, "Back as myself")
    client.force_login(user)
    assert client.get(BOARD.format(workshop.id)).status_code == 200


def test_a_demoted_facilitator_loses_the_invites(guest, workshop, leader):
    client, member = guest(Role.FACILITATOR)
    assert client.get(INVITES.format(workshop.id)).status_code == 200
    member_role(workshop_id=workshop.id, actor_id=leader.id, member=member.id, role=Role.MEMBER)
    assert client.get(INVITES.format(workshop.id)).status_code == 403


def test_logging_out_ends_a_users_access(leader_client, workshop):
    assert leader_client.get(BOARD.format(workshop.id)).status_code == 200
    leader_client.post("/accounts/logout/")
    for url in ALL_URLS:
        assert leader_client.get(url.format(workshop.id)).status_code == 404, url


def test_the_state_api_refuses_writes(leader_client, workshop):
    assert leader_client.post(STATE.format(workshop.id)).status_code == 405


@NON_MEMBERS
def test_with_debug_on_an_outsider_gets_the_404_page_not_djangos_debug_page(workshop, visitor, settings):
    """`./dev serve` runs with DEBUG: someone opening a board link they are not in is normal use."""
    settings.DEBUG = True
    response = visitor.get(BOARD.format(workshop.id))
    assert response.status_code == 404
    assert b"<title>Not found \xc2\xb7 Rallypoint</title>" in response.content
    assert b"URLconf" not in response.content
