"""Sending a room's posts: one job per room, in the order they were made, with webhooks' retries.

A room's posts go out in id order through one connection (outbound.http.Poster), so that a
channel reads "step 2 starts" before "step 3 starts". When a post fails, the posts behind it in
that room wait for its retry (the service is most likely down or limiting us), and the job is
queued again for then; a post that failed for good lets the others go. Each post is claimed
before it is sent (outbound.attempts), so a second job or worker never sends it twice, and a
post that got its 2xx is never sent again. The tick queues the job again for any room whose
due posts were left behind by a lost job.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from chat.models import ChatPost, ChatRoom
from core import clock
from jobs.tasks import task
from outbound import attempts
from outbound.http import Poster
from outbound.secrets import unseal

logger = logging.getLogger(__name__)

# Posts one job sends at most; a longer queue is sent by the job queuing itself again.
BATCH = 50
# A due post older than this whose job has not run is taken to have lost its job (a crash
# between commit and queuing): longer than a worker takes to pick up a queued job.
SWEEP_AFTER = timedelta(minutes=1)
HEADERS = {"User-Agent": "Rallypoint-Chat/1"}


@task()
def send_room(room_id: int) -> int:
    """Send the room's due posts, oldest first; the number delivered."""
    room = ChatRoom.objects.filter(pk=room_id).first()
    if room is None:
        return 0
    url = unseal(room.url_sealed)
    due = list(
        ChatPost.objects.filter(attempts.due(), room_id=room_id).order_by("id").values_list("id", flat=True)[:BATCH]
    )
    delivered = 0
    with Poster() as poster:
        for post_id in due:
            if not attempts.claim(ChatPost, post_id):
                continue
            payload = ChatPost.objects.values_list("payload", flat=True).get(pk=post_id)
            answer = poster.post(url, json.dumps(payload).encode(), HEADERS)
            row = attempts.record(
                ChatPost,
                post_id,
                ok=answer.ok,
                status_code=answer.status,
                error=answer.error,
                retry_after=answer.retry_after,
            )
            if answer.ok:
                delivered += 1
                continue
            logger.info("Chat post %s to room %s failed: %s %s", post_id, room_id, answer.status, answer.error)
            if row.next_attempt_at is not None:
                _wait_behind(room_id, post_id, row.next_attempt_at)
                send_room.using(run_after=row.next_attempt_at).enqueue(room_id)
                return delivered
    if len(due) == BATCH:
        send_room.enqueue(room_id)
    return delivered


def _wait_behind(room_id: int, post_id: int, until: object) -> None:
    """The room's later posts wait for the failed one's retry, so that they keep their order."""
    ChatPost.objects.filter(
        room_id=room_id, status=attempts.Status.PENDING, id__gt=post_id, next_attempt_at__lt=until
    ).update(next_attempt_at=until)


def queue_due() -> int:
    """The tick's part: queue the job of every room with posts due for a while and not sent."""
    rooms = set(
        ChatPost.objects.filter(attempts.due(clock.now() - SWEEP_AFTER)).values_list("room_id", flat=True).distinct()
    )
    for room_id in rooms:
        send_room.enqueue(room_id)
    return len(rooms)
