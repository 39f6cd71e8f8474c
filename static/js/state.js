// The board kept live from events: a port of tests/planning/replay.py.
//
// `applyEvent(state, frame)` takes the state (a snapshot as the server gives it to this viewer,
// possibly advanced by earlier events) and the next event frame as this viewer's socket receives
// it, and returns the next state. Pure: the input state is never changed, nothing here touches
// the DOM or the network. The Python reducer is proven by the server's tests to reach exactly the
// server's fresh snapshot; keep the two in step.

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
  const next = clone(state);
  next.seq = frame.seq;
  // An event this client does not know still moves seq on: the rest stays right, and a reload
  // (or the next snapshot) brings in whatever it carried.
  if (handler) handler(next, clone(frame.data), next.me.member);
  sortItems(next);
  return next;
}

// Presence is not logged and has no seq: it only replaces who is online.
export function applyPresence(state, online) {
  return { ...state, online: [...online] };
}

function sortItems(state) {
  const laneIndex = new Map(state.lanes.map((lane, index) => [lane.id, index]));
  // Array.prototype.sort is stable, like Python's sort.
  state.items.sort((a, b) => laneIndex.get(a.lane) - laneIndex.get(b.lane) || a.position - b.position);
}

function findItem(state, itemId) {
  const item = state.items.find((candidate) => candidate.id === itemId);
  if (!item) throw new Error(`no item ${itemId}`);
  return item;
}

function findMember(state, memberId) {
  const member = state.members.find((candidate) => candidate.id === memberId);
  if (!member) throw new Error(`no member ${memberId}`);
  return member;
}

function laneItems(state, laneId) {
  return state.items.filter((item) => item.lane === laneId).sort((a, b) => a.position - b.position);
}

function renumber(items) {
  items.forEach((item, position) => {
    item.position = position;
  });
}

// Items

function itemAdded(state, data) {
  state.items.push(data.item);
}

function itemEdited(state, data) {
  const item = data.item;
  state.items = state.items.map((current) => (current.id === item.id ? item : current));
}

function itemMoved(state, data) {
  const moving = findItem(state, data.item);
  const source = laneItems(state, moving.lane).filter((item) => item.id !== moving.id);
  const destination = data.lane === moving.lane ? source : laneItems(state, data.lane);
  // Like Python's list.insert: an index past the end appends (the server clamps it anyway).
  const index = Math.max(0, Math.min(data.index, destination.length));
  destination.splice(index, 0, moving);
  moving.lane = data.lane;
  renumber(source);
  renumber(destination);
}

function itemDeleted(state, data) {
  const gone = findItem(state, data.item);
  state.items = state.items.filter((item) => item !== gone);
  renumber(laneItems(state, gone.lane));
}

function itemOwners(state, data) {
  findItem(state, data.item).owners = data.owners;
}

function itemStatus(state, data) {
  findItem(state, data.item).status = data.status;
}

// After the agreement (protocol §7). The server clears an item's progress and helpers with events of
// their own when it leaves the plan (item.status) or a helper leaves (member.removed, member.changed):
// no handler infers them.

function itemProgress(state, data) {
  findItem(state, data.item).progress = data.progress;
}

function itemHelpers(state, data) {
  findItem(state, data.item).helpers = data.helpers;
}

function checkinRecorded(state, data) {
  state.workshop.checkins.push(data.checkin);
}

// Votes

function voteChanged(state, data, me) {
  findMember(state, data.member).used = data.used;
  if (data.member !== me) return; // someone else's: only how many dots they have used
  state.me.votes_left = Math.max(state.workshop.votes_per_member - data.used, 0);
  if ("item" in data) {
    const key = String(data.item);
    if (data.dots) state.me.votes[key] = data.dots;
    else delete state.me.votes[key];
  }
}

function votesRevealed(state, data) {
  for (const item of state.items) item.votes = data.votes[String(item.id)];
}

// Lanes

function laneAdded(state, data) {
  state.lanes.push(data.lane);
}

function laneRenamed(state, data) {
  const lane = data.lane;
  state.lanes = state.lanes.map((current) => (current.id === lane.id ? lane : current));
}

function laneMoved(state, data) {
  const moving = state.lanes.find((lane) => lane.id === data.lane);
  state.lanes = state.lanes.filter((lane) => lane !== moving);
  state.lanes.splice(Math.max(0, Math.min(data.index, state.lanes.length)), 0, moving);
}

function laneDeleted(state, data) {
  state.lanes = state.lanes.filter((lane) => lane.id !== data.lane);
}

// The workshop

function phaseChanged(state, data) {
  const workshop = state.workshop;
  workshop.phase = data.phase;
  if (data.phase === "vote") {
    for (const item of state.items) item.votes = null;
  }
  for (const member of state.members) member.ready = false;
  if (data.phase === "agreed") {
    workshop.plan_version = data.plan_version;
    workshop.agreed_at = data.agreed_at;
  }
}

function goalEdited(state, data) {
  state.workshop = data.workshop; // the whole workshop, its check-ins included
  const criteria = data.workshop.success_criteria.length;
  for (const item of state.items) {
    if (item.criterion !== null && item.criterion >= criteria) item.criterion = null;
  }
}

function timerChanged(state, data) {
  state.workshop.timer = data.timer;
}

// The facilitator's current item, or null. The server ends a walk with its own `walk.focused` null
// before the focused item is deleted and after a phase change: no other event touches it.
function walkFocused(state, data) {
  state.workshop.focus = data.item;
}

function confidenceChanged(state, data) {
  const check = data.confidence;
  state.workshop.confidence = check;
  if ("score" in data) {
    state.me.confidence = data.score; // my own answer, sent to me alone
  } else if (!check.open || check.answers === 0) {
    state.me.confidence = null; // closed, or a fresh check that nobody has answered
  }
}

// Members

function memberReady(state, data) {
  findMember(state, data.member).ready = data.ready;
}

function memberJoined(state, data) {
  state.members.push({ ...data.member, used: 0 });
}

function memberChanged(state, data, me) {
  Object.assign(findMember(state, data.member.id), data.member);
  if (data.member.id === me) state.me.role = data.member.role;
}

function memberRemoved(state, data) {
  state.members = state.members.filter((member) => member.id !== data.member);
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
  "confidence.changed": confidenceChanged,
  "member.ready": memberReady,
  "member.joined": memberJoined,
  "member.changed": memberChanged,
  "member.removed": memberRemoved,
};
