"""The workshops a scenario runs in, and the members who join them.

The workshops are made by the domain functions in a `manage.py shell` subprocess (SETUP), so that
they start as a real one does; everyone but the leader then joins through the invite link over
HTTP, as a guest would, so that the join path is part of what the benchmark sets up."""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from fanout_http import join, login
from fanout_servers import Infra, Server

# The workshops: a leader account leads them all; each starts with nine items over its lanes.
SETUP = r"""
import json, os
from django.contrib.auth import get_user_model
from goals.invites import token_for
from goals.models import Invite, Member, Role
from room.workshops import workshop_create
from planning.models import Lane
from room.protocol import dispatch

given = json.loads(os.environ["BENCH_INPUT"])
User = get_user_model()
user = User.objects.filter(username=given["leader"]).first()
if user is None:
    user = User.objects.create_user(username=given["leader"], password=given["password"])
rooms = []
for index in range(given["rooms"]):
    workshop = workshop_create(
        user=user,
        title=f"{given['label']} room {index}: ship the new onboarding",
        why="Benchmark workshop.",
        success_criteria=["Activation above 60%", "Support tickets halved"],
        votes_per_member=20,
    )
    leader = Member.objects.get(workshop=workshop, role=Role.LEADER)
    lanes = list(Lane.objects.filter(workshop=workshop).order_by("position").values_list("id", flat=True))
    for k in range(9):
        dispatch(workshop_id=workshop.id, actor_id=leader.id,
                 frame={"op": "item.add", "ref": f"seed-{k}", "lane": lanes[k % 3], "title": f"Seed item {k}"})
    invite = Invite.objects.get(workshop=workshop, role=Role.MEMBER)
    rooms.append({"id": workshop.id, "token": token_for(invite)})
print("BENCH_OUTPUT " + json.dumps(rooms))
"""


@dataclass
class Room:
    id: str
    token: str
    cookies: list[str]  # index 0 the leader's, then one per guest who joined
    ports: list[int]  # the server each member's socket goes to


def make_rooms(
    infra: Infra, servers: list[Server], label: str, rooms: int, members: int, leader: tuple[str, str]
) -> tuple[list[Room], float]:
    """`rooms` workshops of `members` (the leader and members-1 guests who join by invite)."""
    started = time.monotonic()
    made = infra.shell(SETUP, {"rooms": rooms, "label": label, "leader": leader[0], "password": leader[1]})
    ports = [server.port for server in servers]
    leader_cookie = login(ports[0], *leader)
    jobs = [(r, k) for r in range(rooms) for k in range(1, members)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        cookies = list(
            pool.map(lambda job: join(ports[job[1] % len(ports)], made[job[0]]["token"], f"Guest {job[1]}"), jobs)
        )
    by_room: dict[int, list[str]] = defaultdict(list)
    for (r, _), cookie in zip(jobs, cookies, strict=True):
        by_room[r].append(cookie)
    result = [
        Room(
            id=made[r]["id"],
            token=made[r]["token"],
            cookies=[leader_cookie, *by_room[r]],
            ports=[ports[k % len(ports)] for k in range(members)],
        )
        for r in range(rooms)
    ]
    return result, time.monotonic() - started
