from planning import items
from planning.models import Event, Lane
from planning.snapshot import build_snapshot


def test_item_add_appends_event_and_shows_in_snapshot(workshop, member):
    lane = Lane.objects.filter(workshop=workshop).first()
    outcome = items.item_add(workshop_id=workshop.id, actor_id=member.id, ref="r1", lane=lane.id, title="Write the welcome email")
    assert outcome.seq == Event.objects.filter(workshop=workshop).count()
    snap = build_snapshot(workshop.id, member.id)
    assert [i["title"] for i in snap["items"]] == ["Write the welcome email"]
    assert snap["seq"] == outcome.seq
