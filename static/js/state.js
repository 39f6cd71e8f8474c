// The board kept live from events: a port of tests/planning/replay.py.
//
// `applyEvent(state, frame)` takes the state (a snapshot as the server gives it to this viewer,
// possibly advanced by earlier events) and the next event frame as this viewer's socket receives
// it, and returns the next state. Pure: the input state is never changed, nothing here touches
// the DOM or the network. The Python reducer is proven by the server's tests to reach exactly the
// server's fresh snapshot; keep the two in step.
//
// Structural sharing: the next state shares with the last every object the event did not change.
// An item's claim makes a new item, a new `items` array and a new state, and nothing else: the
// lanes, the members, `me`, the workshop and every other item are the very same objects. The
// view relies on it: a panel is redrawn when a slice it shows is a new object (view.js), so
// nothing here may change an object in place, and nothing may copy one that did not change.

export class SeqGap extends Error {
  constructor(at, got) {
    super(`seq gap: at ${at}, got ${got}`);
    this.at = at;
    this.got = got;
  }
}

const clone = typeof structuredClone === "function" ? structuredClone : (value) => JSON.parse(JSON.stringify(value));

// The state of a fresh snapshot frame: the snapshot itself, minus the frame's `type`.
export function fromSnapshot(snapshot) {
  const state = clone(snapshot);
  delete state.type;
  if (!Array.isArray(state.online)) state.online = [];
  return state;
}

export function applyEvent(state, frame) {
  if (frame.type !== "event") throw new TypeError(`not an event frame: ${frame.type}`);
  if (frame.seq !== state.seq + 1) throw new SeqGap(state.seq, frame.seq);
  const handler = HANDLERS[frame.name];
  // The event's own data is copied (it is small), so the state never shares with the frame, which
  // the announcer and the notices also read.
  // An event this client does not know still moves seq on: the rest stays right, and a reload
  // (or the next snapshot) brings in whatever it carried.
  const changed = handler ? handler(state, clone(frame.data), state.me.member) : state;
  const next = { ...changed, seq: frame.seq };
  if (next.items !== state.items || next.lanes !== state.lanes) next.items = sortItems(next.items, next.lanes);
  return withLoad(next);
}

// The load (protocol §10), counted again after every event from the cards this viewer sees in full:
// an event's own `load` counts only what everyone sees.
function withLoad(state) {
  let load = 0;
  for (const item of state.items) if (!item.hidden && item.status === "accepted") load += item.estimate || 0;
  return updateWorkshop(state, { load });
}

// Presence is not logged and has no seq: it only replaces who is online.
// A `presence` frame: the whole online list, or (asked for with `?presence=changes`) who came and went.
export function applyPresence(state, frame) {
  if (Array.isArray(frame.online)) return { ...state, online: [...frame.online] };
  const online = new Set(state.online);
  for (const id of frame.came || []) online.add(id);
  for (const id of frame.went || []) online.delete(id);
  return { ...state, online: [...online].sort((a, b) => a - b) };
}

// Board order (lane, then position); the same array when it is in order already. Array.prototype.sort
// is stable, like Python's sort.
function sortItems(items, lanes) {
  const laneIndex = new Map(lanes.map((lane, index) => [lane.id, index]));
  const order = (a, b) => laneIndex.get(a.lane) - laneIndex.get(b.lane) || a.position - b.position;
  for (let i = 1; i < items.length; i += 1) {
    if (order(items[i - 1], items[i]) > 0) return [...items].sort(order);
  }
  return items;
}

// --- sharing helpers: each returns its input when nothing changed -------------------------------------

// `fields` merged into `object`: a new object only if a value differs.
function patch(object, fields) {
  for (const [key, value] of Object.entries(fields)) {
    if (!Object.is(object[key], value)) return { ...object, ...fields };
  }
  return object;
}

// Each element through `fn`: a new array only if some element came back as a new object.
function mapShared(list, fn) {
  let out = null;
  list.forEach((element, index) => {
    const next = fn(element);
    if (next !== element && !out) out = list.slice(0, index);
    if (out) out.push(next);
  });
  return out || list;
}

function hasId(list, id, what) {
  if (!list.some((element) => element.id === id)) throw new Error(`no ${what} ${id}`);
}

function updateItem(state, itemId, fields) {
  hasId(state.items, itemId, "item");
  const items = mapShared(state.items, (item) => (item.id === itemId ? patch(item, fields) : item));
  return items === state.items ? state : { ...state, items };
}

function updateMember(state, memberId, fields) {
  hasId(state.members, memberId, "member");
  const members = mapShared(state.members, (member) => (member.id === memberId ? patch(member, fields) : member));
  return members === state.members ? state : { ...state, members };
}

function updateWorkshop(state, fields) {
  const workshop = patch(state.workshop, fields);
  return workshop === state.workshop ? state : { ...state, workshop };
}

function updateMe(state, fields) {
  const me = patch(state.me, fields);
  return me === state.me ? state : { ...state, me };
}

// Items renumbered 0, 1, 2, … in `order` (ids): those whose position or lane moves are new objects.
function placeItems(items, laneId, order) {
  const position = new Map(order.map((id, index) => [id, index]));
  return mapShared(items, (item) =>
    position.has(item.id) ? patch(item, { lane: laneId, position: position.get(item.id) }) : item,
  );
}

function laneOrder(items, laneId) {
  return items
    .filter((item) => item.lane === laneId)
    .sort((a, b) => a.position - b.position)
    .map((item) => item.id);
}

function findItem(state, itemId) {
  const item = state.items.find((candidate) => candidate.id === itemId);
  if (!item) throw new Error(`no item ${itemId}`);
  return item;
}

// Items

function itemAdded(state, data) {
  return { ...state, items: [...state.items, data.item] };
}

function itemEdited(state, data) {
  const item = data.item;
  return { ...state, items: state.items.map((current) => (current.id === item.id ? item : current)) };
}

function itemMoved(state, data) {
  const moving = findItem(state, data.item);
  const source = laneOrder(state.items, moving.lane).filter((id) => id !== moving.id);
  const destination = data.lane === moving.lane ? source : laneOrder(state.items, data.lane);
  // Like Python's list.insert: an index past the end appends (the server clamps it anyway).
  destination.splice(Math.max(0, Math.min(data.index, destination.length)), 0, moving.id);
  let items = placeItems(state.items, moving.lane, source);
  items = placeItems(items, data.lane, destination);
  return items === state.items ? state : { ...state, items };
}

function itemDeleted(state, data) {
  const gone = findItem(state, data.item);
  const items = state.items.filter((item) => item !== gone);
  return { ...state, items: placeItems(items, gone.lane, laneOrder(items, gone.lane)) };
}

function itemOwners(state, data) {
  if (data.hidden) return state; // a face-down card's owners are its author's to know
  return updateItem(state, data.item, { owners: data.owners });
}

function itemStatus(state, data) {
  return updateItem(state, data.item, { status: data.status });
}

// After the agreement (protocol §7). The server clears an item's progress and helpers with events of
// their own when it leaves the plan (item.status) or a helper leaves (member.removed, member.changed):
// no handler infers them.

function itemProgress(state, data) {
  return updateItem(state, data.item, { progress: data.progress });
}

function itemHelpers(state, data) {
  if (data.hidden) return state;
  return updateItem(state, data.item, { helpers: data.helpers, help_notes: data.help_notes });
}

function checkinRecorded(state, data) {
  return updateWorkshop(state, { checkins: [...state.workshop.checkins, data.checkin] });
}

// The planning game (protocol §10)

function itemEstimated(state, data) {
  if (data.hidden) return state; // a face-down card's estimate is its author's to know
  return updateItem(state, data.item, { estimate: data.estimate });
}

function itemStacked(state, data) {
  return updateItem(state, data.item, { stack: data.onto });
}

// Every card turned over, in board order: each is a new object, as each changed (a phase change,
// which redraws every card anyway, follows at once).
function itemsRevealed(state, data) {
  return { ...state, items: data.items };
}

function planningChanged(state, data) {
  return hideOthers(updateWorkshop(state, { planning: data.planning }));
}

// While a private gather lasts, others' cards are face down: the server sends no card data when
// one starts (the phase entering gather, or private_gather turned on), so each client turns them.
function faceDown(workshop) {
  return workshop.phase === "gather" && Boolean(workshop.planning?.private_gather);
}

function hideOthers(state) {
  if (!faceDown(state.workshop)) return state;
  const me = state.me.member;
  const items = mapShared(state.items, (item) =>
    item.author === me || item.hidden
      ? item
      : { id: item.id, lane: item.lane, position: item.position, author: item.author, stack: item.stack, hidden: true },
  );
  return items === state.items ? state : { ...state, items };
}

// Votes

function voteChanged(state, data, me) {
  const next = updateMember(state, data.member, { used: data.used });
  if (data.member !== me) return next; // someone else's: only how many dots they have used
  let votes = next.me.votes;
  if ("item" in data) {
    const key = String(data.item);
    if (data.dots) {
      votes = { ...votes, [key]: data.dots };
    } else if (key in votes) {
      votes = { ...votes };
      delete votes[key];
    }
  }
  return updateMe(next, { votes, votes_left: Math.max(next.workshop.votes_per_member - data.used, 0) });
}

function votesRevealed(state, data) {
  const items = mapShared(state.items, (item) =>
    item.hidden ? item : patch(item, { votes: data.votes[String(item.id)] }),
  );
  return items === state.items ? state : { ...state, items };
}

// Lanes

function laneAdded(state, data) {
  return { ...state, lanes: [...state.lanes, data.lane] };
}

function laneRenamed(state, data) {
  const lane = data.lane;
  return { ...state, lanes: state.lanes.map((current) => (current.id === lane.id ? lane : current)) };
}

function laneMoved(state, data) {
  const moving = state.lanes.find((lane) => lane.id === data.lane);
  const lanes = state.lanes.filter((lane) => lane !== moving);
  lanes.splice(Math.max(0, Math.min(data.index, lanes.length)), 0, moving);
  return { ...state, lanes };
}

function laneDeleted(state, data) {
  return { ...state, lanes: state.lanes.filter((lane) => lane.id !== data.lane) };
}

// The workshop

function phaseChanged(state, data) {
  const fields = { phase: data.phase };
  if (data.phase === "agreed") {
    fields.plan_version = data.plan_version;
    fields.agreed_at = data.agreed_at;
  }
  let next = updateWorkshop(state, fields);
  if (data.phase === "vote") {
    const items = mapShared(next.items, (item) => patch(item, { votes: null }));
    if (items !== next.items) next = { ...next, items };
  }
  const members = mapShared(next.members, (member) => patch(member, { ready: false }));
  return hideOthers(members === next.members ? next : { ...next, members });
}

function goalEdited(state, data) {
  // The whole workshop, its check-ins included.
  const next = { ...state, workshop: data.workshop };
  const criteria = data.workshop.success_criteria.length;
  const items = mapShared(next.items, (item) =>
    item.criterion !== null && item.criterion >= criteria ? patch(item, { criterion: null }) : item,
  );
  return items === next.items ? next : { ...next, items };
}

function timerChanged(state, data) {
  return updateWorkshop(state, { timer: data.timer });
}

// The facilitator's current item, or null. The server ends a walk with its own `walk.focused` null
// before the focused item is deleted and after a phase change: no other event touches it.
function walkFocused(state, data) {
  return updateWorkshop(state, { focus: data.item });
}

// The agenda (protocol §8). A step's phase and timer come first with events of their own;
// agenda.stepped repeats the timer, and says which step is current (null: off the agenda).
function agendaChanged(state, data) {
  return updateWorkshop(state, { agenda: data.agenda, step: data.step });
}

function agendaStepped(state, data) {
  const current = state.workshop.timer;
  // The same timer as the timer.changed just before it: keep the object, so nothing redraws twice.
  const same = current?.ends_at === data.timer?.ends_at;
  return updateWorkshop(state, { step: data.step, timer: same ? current : data.timer });
}

function confidenceChanged(state, data) {
  const check = data.confidence;
  const next = updateWorkshop(state, { confidence: check });
  if ("score" in data) return updateMe(next, { confidence: data.score }); // my own answer, sent to me alone
  // Closed, or a fresh check that nobody has answered.
  if (!check.open || check.answers === 0) return updateMe(next, { confidence: null });
  return next;
}

// Members

function memberReady(state, data) {
  return updateMember(state, data.member, { ready: data.ready });
}

function memberJoined(state, data) {
  return { ...state, members: [...state.members, { ...data.member, used: 0 }] };
}

function memberChanged(state, data, me) {
  const next = updateMember(state, data.member.id, data.member);
  return data.member.id === me ? updateMe(next, { role: data.member.role }) : next;
}

function memberRemoved(state, data) {
  return { ...state, members: state.members.filter((member) => member.id !== data.member) };
}

const HANDLERS = {
  "item.added": itemAdded,
  "item.edited": itemEdited,
  "item.moved": itemMoved,
  "item.deleted": itemDeleted,
  "item.owners": itemOwners,
  "item.status": itemStatus,
  "item.progress": itemProgress,
  "item.helpers": itemHelpers,
  "item.estimated": itemEstimated,
  "item.stacked": itemStacked,
  "items.revealed": itemsRevealed,
  "planning.changed": planningChanged,
  "checkin.recorded": checkinRecorded,
  "vote.changed": voteChanged,
  "votes.revealed": votesRevealed,
  "lane.added": laneAdded,
  "lane.renamed": laneRenamed,
  "lane.moved": laneMoved,
  "lane.deleted": laneDeleted,
  "phase.changed": phaseChanged,
  "goal.edited": goalEdited,
  "timer.changed": timerChanged,
  "walk.focused": walkFocused,
  "agenda.changed": agendaChanged,
  "agenda.stepped": agendaStepped,
  "confidence.changed": confidenceChanged,
  "member.ready": memberReady,
  "member.joined": memberJoined,
  "member.changed": memberChanged,
  "member.removed": memberRemoved,
};
