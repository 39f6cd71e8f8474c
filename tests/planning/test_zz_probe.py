from planning import items
from planning.models import Event, Lane


def test_probe(workshop, member):
    lane = Lane.objects.filter(workshop=workshop).first()
    o = items.item_add(workshop_id=workshop.id, actor_id=member.id, ref="r1", lane=lane.id, title="x")
    iid = o.events[0].data["item"]["id"]
    o2 = items.item_delete(workshop_id=workshop.id, actor_id=member.id, ref="r2", item=iid)
    print([ (e.name, e.data) for e in o2.events])
    print(list(Event.objects.values_list("seq", "name", "data")))
