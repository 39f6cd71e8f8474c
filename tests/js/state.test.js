// The reducer's structural sharing (static/js/state.js): an event makes new objects only where it
// changed something, and shares the rest with the state before it, by reference. The view decides
// what to redraw by comparing slices by identity, so a copy here would redraw a panel for nothing,
// and a change made in place would leave one stale. That the states are right is
// tests/planning/test_state_js.py's to prove, against the server's snapshots.
//
// Run: node --test tests/js/   (also run by tests/planning/test_state_js.py)

import assert from "node:assert/strict";
import { test } from "node:test";

import { applyEvent, applyPresence, fromSnapshot, SeqGap } from "../../static/js/state.js";

const ME = 2;

function item(id, lane, position, fields = {}) {
  return {
    id,
    lane,
    position,
    title: `Item ${id}`,
    notes: "",
    due: null,
    criterion: null,
    status: "proposed",
    author: ME,
    owners: [],
    votes: null,
    version: 1,
    estimate: null,
    stack: null,
    progress: null,
    helpers: [],
    help_notes: {},
    ...fields,
  };
}

function snapshot() {
  return {
    type: "snapshot",
    seq: 10,
    server_time: "2030-01-01T00:00:00Z",
    me: { member: ME, role: "member", votes: { 11: 1 }, votes_left: 4, confidence: null },
    workshop: {
      id: "w1",
      title: "Ship it",
      why: "",
      success_criteria: ["Fast", "Kind"],
      phase: "gather",
      votes_per_member: 5,
      timer: null,
      confidence: { open: false, answers: 0, result: null },
      plan_version: 0,
      agreed_at: null,
      focus: null,
      checkins: [],
      agenda: [
        { title: "Ideas", phase: "gather", minutes: 10, instructions: "One per card." },
        { title: "Dots", phase: "vote", minutes: null, instructions: "" },
      ],
      step: null,
      planning: { estimates: false, capacity_hours: null, private_gather: false },
      load: 0,
    },
    lanes: [
      { id: 1, title: "Now" },
      { id: 2, title: "Next" },
      { id: 3, title: "Later" },
    ],
    items: [item(11, 1, 0), item(12, 1, 1, { criterion: 1 }), item(13, 1, 2), item(21, 2, 0), item(22, 2, 1)],
    members: [
      { id: 1, name: "Lea", role: "leader", ready: true, used: 0 },
      { id: ME, name: "Max", role: "member", ready: false, used: 1 },
      { id: 3, name: "Fay", role: "facilitator", ready: false, used: 0 },
    ],
    online: [1, 2],
  };
}

// A frozen state: a reducer that changes its input in place throws (ES modules are strict).
function deepFreeze(value) {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function start() {
  return deepFreeze(fromSnapshot(snapshot()));
}

function apply(state, name, data, actor = 1) {
  return applyEvent(state, { type: "event", seq: state.seq + 1, name, actor, ref: null, data });
}

const byId = (list, id) => list.find((element) => element.id === id);

// Every element of `before` that is not named in `changed` is the same object in `after`.
function assertShared(before, after, changed, what) {
  for (const element of before) {
    if (changed.includes(element.id)) continue;
    assert.equal(byId(after, element.id), element, `${what} ${element.id} should be the same object`);
  }
}

test("a claim makes one new item and shares everything else", () => {
  const state = start();
  const next = apply(state, "item.owners", { item: 12, owners: [ME] });
  assert.notEqual(next, state);
  assert.equal(next.seq, 11);
  assert.notEqual(next.items, state.items);
  assert.deepEqual(byId(next.items, 12).owners, [ME]);
  assertShared(state.items, next.items, [12], "item");
  for (const slice of ["lanes", "members", "me", "workshop", "online"]) assert.equal(next[slice], state[slice], slice);
});

test("an offer of help with a note makes one new item, with its helpers and their notes", () => {
  const state = start();
  const next = apply(state, "item.helpers", { item: 12, helpers: [ME, 2], help_notes: { [ME]: "I can test it" } });
  assert.deepEqual(byId(next.items, 12).helpers, [ME, 2]);
  assert.deepEqual(byId(next.items, 12).help_notes, { [ME]: "I can test it" });
  assertShared(state.items, next.items, [12], "item");
  for (const slice of ["lanes", "members", "me", "workshop", "online"]) assert.equal(next[slice], state[slice], slice);
  const withdrawn = apply(next, "item.helpers", { item: 12, helpers: [2], help_notes: {} });
  assert.deepEqual(byId(withdrawn.items, 12).help_notes, {}, "withdrawing drops the note");
});

test("a move within a lane renumbers that lane only", () => {
  const state = start();
  const next = apply(state, "item.moved", { item: 13, lane: 1, index: 0 });
  assert.deepEqual(
    next.items.filter((it) => it.lane === 1).map((it) => [it.id, it.position]),
    [
      [13, 0],
      [11, 1],
      [12, 2],
    ],
  );
  assertShared(state.items, next.items, [11, 12, 13], "item");
  assert.equal(next.lanes, state.lanes);
  assert.equal(next.members, state.members);
});

test("a move across lanes touches the items whose place changed, and no other lane", () => {
  const state = start();
  const next = apply(state, "item.moved", { item: 12, lane: 2, index: 1 });
  assert.deepEqual(
    next.items.map((it) => [it.id, it.lane, it.position]),
    [
      [11, 1, 0],
      [13, 1, 1],
      [21, 2, 0],
      [12, 2, 1],
      [22, 2, 2],
    ],
  );
  // 11 kept its place; 13 moved up, 12 moved lane, 22 moved down.
  assertShared(state.items, next.items, [12, 13, 22], "item");
  assert.equal(next.lanes, state.lanes);
});

test("a move to where the item already is shares the items array itself", () => {
  const state = start();
  const next = apply(state, "item.moved", { item: 12, lane: 1, index: 1 });
  assert.equal(next.items, state.items);
});

test("an edit replaces its item only", () => {
  const state = start();
  const edited = { ...byId(state.items, 21), title: "Renamed", version: 2 };
  const next = apply(state, "item.edited", { item: edited });
  assert.equal(byId(next.items, 21).title, "Renamed");
  assertShared(state.items, next.items, [21], "item");
  assert.equal(next.workshop, state.workshop);
});

test("a deletion renumbers its own lane and leaves the others' items alone", () => {
  const state = start();
  const next = apply(state, "item.deleted", { item: 11 });
  assert.equal(byId(next.items, 11), undefined);
  assertShared(state.items, next.items, [11, 12, 13], "item");
  assert.deepEqual(
    next.items.filter((it) => it.lane === 1).map((it) => it.position),
    [0, 1],
  );
});

test("someone else's ready signal changes that member only", () => {
  const state = start();
  const next = apply(state, "member.ready", { member: 3, ready: true });
  assertShared(state.members, next.members, [3], "member");
  assert.equal(byId(next.members, 3).ready, true);
  for (const slice of ["items", "lanes", "me", "workshop"]) assert.equal(next[slice], state[slice], slice);
});

test("someone else's vote changes their count and not my votes", () => {
  const state = start();
  const next = apply(state, "vote.changed", { member: 3, used: 2 });
  assert.equal(next.me, state.me);
  assert.equal(next.items, state.items);
  assertShared(state.members, next.members, [3], "member");
});

test("my own vote gives a new `me` and leaves the items alone", () => {
  const state = start();
  const next = apply(state, "vote.changed", { member: ME, used: 2, item: 21, dots: 1 }, ME);
  assert.notEqual(next.me, state.me);
  assert.deepEqual(next.me.votes, { 11: 1, 21: 1 });
  assert.equal(next.me.votes_left, 3);
  assert.equal(next.items, state.items);
  assertShared(state.members, next.members, [ME], "member");
});

test("the timer changes the workshop and none of its other parts", () => {
  const state = start();
  const next = apply(state, "timer.changed", { timer: { ends_at: "2030-01-01T00:05:00Z" } });
  assert.notEqual(next.workshop, state.workshop);
  assert.equal(next.workshop.confidence, state.workshop.confidence);
  assert.equal(next.workshop.success_criteria, state.workshop.success_criteria);
  assert.equal(next.workshop.checkins, state.workshop.checkins);
  for (const slice of ["items", "lanes", "members", "me"]) assert.equal(next[slice], state[slice], slice);
});

test("stepping the agenda changes the workshop's step and keeps its agenda and the timer just set", () => {
  const state = start();
  const timer = { ends_at: "2030-01-01T00:10:00Z" };
  const timed = apply(state, "timer.changed", { timer });
  const next = apply(timed, "agenda.stepped", { step: 0, timer: { ...timer } });
  assert.equal(next.workshop.step, 0);
  assert.equal(next.workshop.timer, timed.workshop.timer, "the same timer is the same object");
  assert.equal(next.workshop.agenda, state.workshop.agenda);
  for (const slice of ["items", "lanes", "members", "me"]) assert.equal(next[slice], state[slice], slice);
  const left = apply(next, "agenda.stepped", { step: null, timer: null });
  assert.equal(left.workshop.step, null);
  assert.equal(left.workshop.timer, null);
});

test("a new agenda replaces the steps and clears the step", () => {
  const state = apply(start(), "agenda.stepped", { step: 1, timer: null });
  const agenda = [{ title: "Plan", phase: "plan", minutes: 20, instructions: "" }];
  const next = apply(state, "agenda.changed", { agenda, step: null });
  assert.deepEqual(next.workshop.agenda, agenda);
  assert.equal(next.workshop.step, null);
  assert.equal(next.workshop.confidence, state.workshop.confidence);
  assert.equal(next.items, state.items);
});

test("a phase change clears only the ready signals that were set", () => {
  const state = start();
  const next = apply(state, "phase.changed", { phase: "vote" });
  assert.equal(next.workshop.phase, "vote");
  assertShared(state.members, next.members, [1], "member");
  assert.equal(byId(next.members, 1).ready, false);
  // Tallies were already hidden (null): no item changes.
  assert.equal(next.items, state.items);
  assert.equal(next.lanes, state.lanes);
});

test("a lane's rename leaves the items and the other lanes alone", () => {
  const state = start();
  const next = apply(state, "lane.renamed", { lane: { id: 2, title: "Soon" } });
  assertShared(state.lanes, next.lanes, [2], "lane");
  assert.equal(next.items, state.items);
});

test("moving a lane reorders the items array but shares every item", () => {
  const state = start();
  const next = apply(state, "lane.moved", { lane: 2, index: 0 });
  assert.deepEqual(
    next.items.map((it) => it.id),
    [21, 22, 11, 12, 13],
  );
  assertShared(state.items, next.items, [], "item");
  assertShared(state.lanes, next.lanes, [], "lane");
});

test("a goal edit clears only the criteria that are gone", () => {
  const state = start();
  const workshop = { ...state.workshop, success_criteria: ["Fast"] };
  const next = apply(state, "goal.edited", { workshop });
  assert.equal(byId(next.items, 12).criterion, null);
  assertShared(state.items, next.items, [12], "item");
});

// The planning game (protocol §10)

test("an estimate makes one new item; on an accepted item it also moves the load", () => {
  const state = start();
  const next = apply(state, "item.estimated", { item: 12, estimate: 8 });
  assert.equal(byId(next.items, 12).estimate, 8);
  assertShared(state.items, next.items, [12], "item");
  assert.equal(next.workshop, state.workshop, "a proposed item adds nothing to the load");
  const accepted = apply(next, "item.status", { item: 12, status: "accepted" });
  assert.equal(accepted.workshop.load, 8);
  assert.equal(accepted.workshop.planning, state.workshop.planning);
  const cleared = apply(accepted, "item.estimated", { item: 12, estimate: null });
  assert.equal(cleared.workshop.load, 0);
});

test("a face-down card's estimate and owners change nothing", () => {
  const state = start();
  for (const name of ["item.estimated", "item.owners"]) {
    const next = apply(state, name, { item: 21, hidden: true });
    for (const slice of ["items", "lanes", "members", "me", "workshop"]) assert.equal(next[slice], state[slice], slice);
  }
});

test("stacking changes the stacked card only", () => {
  const state = start();
  const next = apply(state, "item.stacked", { item: 13, onto: 11 });
  assert.equal(byId(next.items, 13).stack, 11);
  assertShared(state.items, next.items, [13], "item");
  assert.equal(next.workshop, state.workshop);
  const back = apply(next, "item.stacked", { item: 13, onto: null });
  assert.equal(byId(back.items, 13).stack, null);
});

test("a private gather turns others' cards face down and keeps mine", () => {
  const state = apply(start(), "item.edited", { item: { ...byId(start().items, 21), author: 3 } });
  const planning = { estimates: false, capacity_hours: null, private_gather: true };
  const next = apply(state, "planning.changed", { planning, load: 0 });
  assert.deepEqual(byId(next.items, 21), { id: 21, lane: 2, position: 0, author: 3, stack: null, hidden: true });
  assertShared(state.items, next.items, [21], "item");
  assert.equal(next.workshop.load, 0);
  const voting = apply(next, "items.revealed", { items: state.items.map((it) => ({ ...it })) });
  assert.equal(byId(voting.items, 21).title, "Item 21");
});

test("going back to a private gather turns others' cards face down again", () => {
  const planning = { estimates: false, capacity_hours: null, private_gather: true };
  const state = apply(apply(start(), "phase.changed", { phase: "vote" }), "planning.changed", { planning, load: 0 });
  const others = apply(state, "item.edited", { item: { ...byId(state.items, 22), author: 1 } });
  assert.equal(byId(others.items, 22).title, "Item 22", "face up while voting");
  const next = apply(others, "phase.changed", { phase: "gather" });
  assert.equal(byId(next.items, 22).hidden, true);
  assertShared(others.items, next.items, [22], "item");
});

test("an unknown event moves seq on and shares everything", () => {
  const state = start();
  const next = apply(state, "item.unknown", {});
  assert.equal(next.seq, state.seq + 1);
  for (const slice of ["items", "lanes", "members", "me", "workshop", "online"]) {
    assert.equal(next[slice], state[slice], slice);
  }
});

test("presence replaces who is online and nothing else", () => {
  const state = start();
  const next = applyPresence(state, { type: "presence", online: [1, 2, 3] });
  assert.deepEqual(next.online, [1, 2, 3]);
  assert.equal(next.items, state.items);
});

test("presence as changes adds who came and removes who went, in order of ids", () => {
  const state = applyPresence(start(), { type: "presence", online: [2, 5] });
  const next = applyPresence(state, { type: "presence", came: [9, 1, 2], went: [5, 7] });
  assert.deepEqual(next.online, [1, 2, 9]);
  assert.equal(next.items, state.items);
});

test("a gap is refused", () => {
  const state = start();
  assert.throws(() => applyEvent(state, { type: "event", seq: 12, name: "member.ready", data: {} }), SeqGap);
});
