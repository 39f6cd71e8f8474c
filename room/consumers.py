"""The workshop's websocket: it authenticates, subscribes and relays, and adds no rules.

Every op goes to `room.protocol.queue`, the same domain path the HTTP
views and tests use. Events reach the socket already encoded (once for
everyone, see live.broadcast), handed over by the workshop's room in this
process (live.rooms), which alone subscribes to the workshop's group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from concurrent.futures import Future
from typing import Any, Final
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer

from core.errors import BadRequest, DomainError, NotFound, RateLimited
from core.ratelimit import TokenBucket
from core.validation import integer
from goals.members import membership
from live.broadcast import encode, start_publisher
from live.changes import Outcome
from live.database import in_database_thread
from live.presence import HEARTBEAT_SECONDS, presence_admit, presence_beat_many, presence_leave
from live.rooms import Room, room_of
from planning.snapshot import catch_up, logged_frames
from room.heartbeats import heartbeats
from room.protocol import frame_ref, queue

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES: Final = 16 * 1024

# How long an event that came ahead of a missing one waits before the gap is read from
# the log: long enough for a neighbour published by another process, short for a person.
REORDER_WAIT_SECONDS: Final = 0.5

CLOSE_TOO_BIG: Final = 1009
CLOSE_SERVER_ERROR: Final = 1011
CLOSE_LOG_PRUNED_REASON: Final = "Changes this page missed are no longer kept; it reloads the board."
CLOSE_REMOVED: Final = 4403
CLOSE_NOT_A_MEMBER: Final = 4404
CLOSE_FLOODING: Final = 4429
# A member's socket beyond limits.MAX_SOCKETS_PER_MEMBER: too many, as a flood is, and the
# client's answer is the same (wait, then try again), by when another may have closed.
CLOSE_TOO_MANY_SOCKETS: Final = 4429


def _since(query_string: bytes) -> int | None:
    """`?since=N` with N a plain decimal seq; anything else asks for a snapshot."""
    values = parse_qs(query_string.decode("latin-1")).get("since", [])
    try:
        return integer(values[0], "since", minimum=0, from_text=True) if len(values) == 1 else None
    except DomainError:
        return None


def _presence_changes(query_string: bytes) -> bool:
    """`?presence=changes`: this socket takes presence as what changed (`came`, `went`) rather than
    the whole online list after every join and leave (docs/protocol.md §4)."""
    return parse_qs(query_string.decode("latin-1")).get("presence") == ["changes"]


def _decoded(text: str) -> Any:
    """The frame's JSON; ValueError for what is not JSON text: nested past the parser's
    recursion limit, or carrying an escaped lone surrogate, which is no Unicode text at all
    (no database, UTF-8 encoder or reply could take it)."""
    try:
        frame = json.loads(text)
        json.dumps(frame, ensure_ascii=False).encode()
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return frame


def _ref_of(text: str | None) -> str | None:
    """The ref of a refused frame, if it is JSON enough to have one (and the ref is text)."""
    if text is None:
        return None
    try:
        ref = frame_ref(json.loads(text))
        if ref is not None:
            ref.encode()
    except (ValueError, RecursionError):
        return None
    return ref


def _oversized(text: str | None, data: bytes | None) -> bool:
    if data is not None:
        return len(data) > MAX_FRAME_BYTES
    assert text is not None
    return len(text) > MAX_FRAME_BYTES or (len(text) * 4 > MAX_FRAME_BYTES and len(text.encode()) > MAX_FRAME_BYTES)


def _log_failure(queuing: asyncio.Future[Any]) -> None:
    """A queuing call that went on running the workshop's queue after its own op was answered:
    whatever it raised went to the ops it ran; anything else is logged here."""
    if not queuing.cancelled() and queuing.exception() is not None:
        logger.error("Running a workshop's queued ops failed", exc_info=queuing.exception())


class WorkshopConsumer(AsyncWebsocketConsumer):
    workshop_id: str
    member_id: int | None = None
    room: Room
    # Events and presence that arrive before the snapshot has been sent wait for it.
    ready: bool = False
    # Events wait while this socket's op is on its way, so that its ack comes before its event;
    # presence waits with them (in `held_presence`), so that it does not overtake them.
    holding: bool = False
    held_presence: list[str]
    # The last seq this socket has been sent; later events that came early wait in `early`.
    caught_up_to: int = 0
    early: dict[int, tuple[str, bool]]
    gap_filler: asyncio.Task[None] | None = None
    closing: bool = False
    heartbeat: asyncio.Task[None] | None = None
    presence_changes: bool = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """However the consumer ends, its socket leaves the room, or the room would go on handing
        it events: `disconnect` does not run when the consumer crashed or was cancelled first."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            room = getattr(self, "room", None)
            if room is not None:
                room.forget(self)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch closes stale database connections before every message, a hop to
        the one database thread per socket per event. Every database call here goes through
        `in_database_thread`, which does that itself, so the hop is skipped."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        start_publisher()
        self.workshop_id = self.scope["url_route"]["kwargs"]["workshop_id"]
        member = await in_database_thread(membership)(
            self.workshop_id, user=self.scope.get("user"), session=self.scope.get("session")
        )
        if member is None:
            await self.close(code=CLOSE_NOT_A_MEMBER)
            return
        session = self.scope.get("session")
        admitted = await in_database_thread(presence_admit)(
            workshop_id=self.workshop_id,
            member_id=member.id,
            channel_name=self.channel_name,
            session_key=getattr(session, "session_key", None),
        )
        if not admitted:
            # Accepted first, so that the client gets the code; no frame is sent.
            await self.accept()
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        self.member_id = member.id
        self.presence_changes = _presence_changes(self.scope.get("query_string", b""))
        self.bucket = TokenBucket()
        self.early = {}
        self.held_presence = []
        # Subscribe first, read second: no event can fall between the two.
        self.room = room_of(self.workshop_id, self.channel_layer)
        await self.room.join(self)
        await self.accept()
        try:
            first, self.caught_up_to = await in_database_thread(catch_up)(
                self.workshop_id, member.id, _since(self.scope.get("query_string", b""))
            )
        except NotFound:
            # Removed between the membership check and the read: no longer a member, nothing sent.
            await self.room.leave(self)
            await in_database_thread(presence_leave)(channel_name=self.channel_name)
            self.member_id = None
            await self.close(code=CLOSE_NOT_A_MEMBER)
            return
        await self.send(text_data=encode(first))
        self.early = {seq: waiting for seq, waiting in self.early.items() if seq > self.caught_up_to}
        self.ready = True
        await self._deliver()
        await self._release_presence()
        # The socket's row was written when it was admitted; now that it has its snapshot, say so.
        await self._announce()
        self.heartbeat = asyncio.create_task(self._beat())

    async def disconnect(self, code: int) -> None:
        if self.member_id is None:
            return
        for task in (self.heartbeat, self.gap_filler):
            if task is not None:
                task.cancel()
        await self.room.leave(self)
        with contextlib.suppress(Exception):
            await in_database_thread(presence_leave)(channel_name=self.channel_name)
            await self._announce()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Frames already in flight keep arriving while the socket closes: ignore them.
        if self.member_id is None or self.closing:
            return
        if _oversized(text_data, bytes_data):
            await self._close(CLOSE_TOO_BIG)
            return
        # Every frame counts against the rate limit, garbage included.
        if not self.bucket.take():
            if self.bucket.flooding:
                await self._close(CLOSE_FLOODING)
            else:
                await self._refuse(_ref_of(text_data), RateLimited())
            return
        if text_data is None:
            await self._refuse(None, BadRequest("Send ops as JSON text frames."))
            return
        try:
            frame: Any = _decoded(text_data)
        except ValueError:
            await self._refuse(_ref_of(text_data), BadRequest("That frame is not JSON."))
            return
        ref = frame_ref(frame)
        self.holding = True
        try:
            await self._apply(ref, frame)
        finally:
            self.holding = False
        await self._deliver()
        await self._release_presence()

    async def _apply(self, ref: str | None, frame: Any) -> None:
        try:
            outcome = await self._queued(frame)
        except DomainError as error:
            await self._refuse(ref, error)
            return
        except Exception:
            # Not a refusal: the op was not applied and not acked. Closing makes the
            # client reconnect and resend it with the same ref.
            logger.exception("op %r failed in workshop %s", ref, self.workshop_id)
            await self._close(CLOSE_SERVER_ERROR, "The server could not save that change; it will be sent again.")
            return
        await self.send(text_data=encode({"type": "ack", "ref": ref, "seq": outcome.seq}))

    async def _queued(self, frame: Any) -> Outcome:
        """The op's outcome, from whichever database thread runs the workshop's queue. That may be
        the one that queued it, still running the ops queued behind: the ack does not wait for it."""
        future: Future[Outcome] = Future()
        queuing = asyncio.ensure_future(
            in_database_thread(queue)(workshop_id=self.workshop_id, actor_id=self.member_id, frame=frame, future=future)
        )
        outcome = asyncio.wrap_future(future)
        await asyncio.wait((queuing, outcome), return_when=asyncio.FIRST_COMPLETED)
        if queuing.done() and queuing.exception() is not None and not future.done():
            outcome.cancel()
            raise queuing.exception()  # type: ignore[misc]
        queuing.add_done_callback(_log_failure)
        return await outcome

    async def take_events(self, frames: list[dict[str, Any]]) -> None:
        """Committed events from the room, already encoded, passed on strictly in seq order.

        Each process publishes after its own commit, so two neighbouring events committed
        through different processes can arrive swapped, and a full channel drops messages.
        An event ahead of one still missing waits for it; after REORDER_WAIT the missing
        ones are read from the event log, which is the truth the channel layer only reports.
        """
        for frame in frames:
            seq = frame["seq"]
            if seq <= self.caught_up_to or seq in self.early:
                continue  # already sent (in the snapshot, the replay or live), or already waiting
            private = frame["private"]
            mine = private is not None and private["member"] == self.member_id
            self.early[seq] = (private["text"] if mine else frame["text"], frame["removed"] == self.member_id)
        await self._deliver()

    async def _deliver(self) -> None:
        if not self.ready or self.holding:
            return
        while self.caught_up_to + 1 in self.early and not self.closing:
            self.caught_up_to += 1
            text, removes_me = self.early.pop(self.caught_up_to)
            await self.send(text_data=text)
            if removes_me:
                await self._close(CLOSE_REMOVED)
                return
        if self.early and self.gap_filler is None and not self.closing:
            self.gap_filler = asyncio.create_task(self._fill_gap())

    async def _fill_gap(self, upto: int | None = None) -> None:
        """Read from the log what the group did not bring: the events before the first early
        one after REORDER_WAIT, or (from the heartbeat) everything up to the workshop's seq."""
        try:
            if upto is None:
                await asyncio.sleep(REORDER_WAIT_SECONDS)
                upto = min(self.early, default=0) - 1
            if upto > self.caught_up_to and not self.closing:
                logged = await in_database_thread(logged_frames)(
                    self.workshop_id, self.member_id, after=self.caught_up_to, upto=upto
                )
                for seq, text, removes_me in logged:
                    self.early.setdefault(seq, (text, removes_me))
                if upto > self.caught_up_to and self.caught_up_to + 1 not in self.early and not self.closing:
                    # Committed, yet no longer in the log (pruned, live.retention): only a snapshot
                    # brings this socket back, and reconnecting with `since` gets one.
                    logger.warning(
                        "workshop %s: seq %d..%d no longer in the log", self.workshop_id, self.caught_up_to + 1, upto
                    )
                    await self._close(CLOSE_SERVER_ERROR, CLOSE_LOG_PRUNED_REASON)
                    return
        finally:
            self.gap_filler = None
        await self._deliver()

    async def take_presence(self, text: str) -> None:
        """Presence waits behind the snapshot and behind an op on its way. None is dropped: a frame
        read before the snapshot was is older than it, but a later frame for every member who
        changed since follows, so a socket that takes changes ends where the room is."""
        if self.holding or not self.ready:
            self.held_presence.append(text)
        elif not self.closing:
            await self.send(text_data=text)

    async def _release_presence(self) -> None:
        held, self.held_presence = self.held_presence, []
        for text in held:
            await self.take_presence(text)

    async def session_ended(self, message: dict[str, Any]) -> None:
        """The session this socket was opened with logged out (live.sockets): no member's any more."""
        if self.member_id is not None and not self.closing:
            await self._close(CLOSE_NOT_A_MEMBER)

    async def _announce(self) -> None:
        """Tell the room's processes that this member's sockets changed: only the id travels, and
        each process's room reads who is online when it sends (live.rooms), once for many joins."""
        await self.channel_layer.group_send(self.room.group, {"type": "workshop.presence", "members": [self.member_id]})

    async def _close(self, code: int, reason: str | None = None) -> None:
        self.closing = True
        await self.close(code=code, reason=reason)

    async def _refuse(self, ref: str | None, error: DomainError) -> None:
        await self.send(text_data=encode({"type": "error", "ref": ref, **error.as_dict()}))

    async def _beat(self) -> None:
        """Keep this socket's presence row fresh, its group membership alive and its seq whole.

        Channel layers drop group members after `group_expiry` and drop messages when a
        channel is full or a process dies between commit and publish; a socket that missed
        the workshop's last event would see no gap. So it re-joins, and compares its seq
        with the workshop's, reading what it missed from the log.
        """
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self.room.refresh()
                seq = await heartbeats(in_database_thread(presence_beat_many)).beat(self.workshop_id, self.channel_name)
            except Exception:  # noqa: S112 (the next beat tries again)
                continue
            if seq is None:
                # Deleted (`manage.py delete_workshop`) by a process whose channel layer does not
                # reach this one (the embedded setup's is in memory): no one's workshop any more.
                await self._close(CLOSE_NOT_A_MEMBER)
                return
            if seq > self.caught_up_to and self.gap_filler is None and not self.closing:
                self.gap_filler = asyncio.create_task(self._fill_gap(upto=seq))
