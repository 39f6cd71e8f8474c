// The planning game's arithmetic on the board (static/js/capacity.js, static/js/stacks.js): the
// capacity line, people's loads and fair share, what an agreement would be refused for, and the
// server's index for a move among the cards a lane shows (a stack being one).
//
// Run: node --test tests/js/   (also run by tests/planning/test_state_js.py)

import assert from "node:assert/strict";
import { test } from "node:test";

import { agreementBlock, capacityLine, fairShare, personLoads } from "../../static/js/capacity.js";
import { boardIndex, mayStack, shownInLane, stacksOf, stackVotes } from "../../static/js/stacks.js";

const card = (id, lane, position, fields = {}) => ({
  id,
  lane,
  position,
  title: `Card ${id}`,
  status: "proposed",
  estimate: null,
  owners: [],
  author: 1,
  stack: null,
  votes: 0,
  ...fields,
});

const accepted = (id, lane, position, estimate, owners = [7]) =>
  card(id, lane, position, { status: "accepted", estimate, owners });

test("the capacity line: accepted items in board order, those whose running sum is over it will not fit", () => {
  const items = [
    accepted(1, 10, 0, 8),
    card(2, 10, 1, { estimate: 32 }), // proposed: not counted
    accepted(3, 10, 2, 16),
    accepted(4, 20, 0, 8),
    accepted(5, 20, 1, 2),
  ];
  const line = capacityLine(items, 30);
  assert.equal(line.load, 34);
  assert.equal(line.over, true);
  assert.equal(line.lastFit, 3);
  assert.equal(line.firstPast, 4);
  assert.deepEqual([...line.past], [4, 5]);
  assert.equal(capacityLine(items, 34).over, false, "exactly the capacity fits");
  assert.equal(capacityLine(items, null).past.size, 0, "no capacity, no line");
  const none = capacityLine([accepted(1, 10, 0, 32)], 16);
  assert.equal(none.lastFit, null, "nothing fits: the line goes before the first");
  assert.equal(none.firstPast, 1);
});

test("face-down cards and unestimated items: not counted, the latter named", () => {
  const items = [accepted(1, 10, 0, null), { id: 2, lane: 10, position: 1, author: 3, stack: null, hidden: true }];
  const line = capacityLine(items, 10);
  assert.equal(line.load, 0);
  assert.deepEqual(line.unestimated, [1]);
  assert.equal(line.accepted, 1);
});

test("a person's load is each accepted item's estimate split among its owners; over a fair share is flagged", () => {
  const items = [accepted(1, 10, 0, 8, [7, 8, 9]), accepted(2, 10, 1, 32, [7]), accepted(3, 10, 2, null, [9])];
  const loads = personLoads(items);
  assert.ok(Math.abs(loads.get(7) - (8 / 3 + 32)) < 1e-9);
  assert.ok(Math.abs(loads.get(8) - 8 / 3) < 1e-9);
  assert.ok(Math.abs(loads.get(9) - 8 / 3) < 1e-9, "an unestimated item adds nothing");
  const share = fairShare(loads, 60);
  assert.equal(share.share, 20);
  assert.deepEqual([...share.over], [7]);
  assert.equal(fairShare(loads, null).over.size, 0, "without a capacity nobody is over a share");
  const even = personLoads([accepted(1, 10, 0, 8, [7, 8, 9]), accepted(2, 10, 1, 8, [7, 8, 9])]);
  assert.equal(fairShare(even, 16).over.size, 0, "thirds that add up to the share are not over it");
});

test("an agreement is refused in the server's order: unowned, unestimated, over capacity", () => {
  const state = (items, capacity) => ({ items, workshop: { planning: { capacity_hours: capacity } } });
  assert.equal(agreementBlock(state([card(1, 10, 0)], 10)).code, "unowned_items", "nothing accepted");
  assert.equal(agreementBlock(state([accepted(1, 10, 0, null, [])], 10)).code, "unowned_items");
  const unestimated = agreementBlock(state([accepted(1, 10, 0, null)], 10));
  assert.equal(unestimated.code, "unestimated_items");
  assert.match(unestimated.text, /^Estimate these items: “Card 1”\.$/);
  const over = agreementBlock(state([accepted(1, 10, 0, 8), accepted(2, 10, 1, 4)], 10));
  assert.equal(over.code, "over_capacity");
  assert.deepEqual(over.items, [2]);
  assert.equal(agreementBlock(state([accepted(1, 10, 0, null)], null)), null, "no capacity: nothing to check");
});

// A lane of six: 1, then the stack 2 (with 3 and 4 under it), then 5 and 6.
function stacked() {
  return {
    lanes: [{ id: 10 }, { id: 20 }],
    items: [
      card(1, 10, 0),
      card(2, 10, 1, { votes: 2 }),
      card(3, 10, 2, { stack: 2, votes: 1 }),
      card(4, 10, 3, { stack: 2, votes: 3 }),
      card(5, 10, 4),
      card(6, 10, 5),
      card(7, 20, 0),
    ],
  };
}

test("a lane shows a stack as its head; the head carries the stack's dots", () => {
  const state = stacked();
  assert.deepEqual(
    shownInLane(state.items, 10).map((item) => item.id),
    [1, 2, 5, 6],
  );
  const stacks = stacksOf(state.items);
  assert.deepEqual(
    stacks.get(2).map((item) => item.id),
    [3, 4],
  );
  assert.equal(stackVotes(state.items[1], stacks.get(2)), 6);
  assert.equal(stackVotes({ ...state.items[1], votes: null }, stacks.get(2)), null, "hidden tallies stay hidden");
  assert.equal(stacksOf(state.items, stacks).get(2), stacks.get(2), "the same cards: the same list");
});

test("a move among the cards shown becomes the server's index, which counts every card", () => {
  const state = stacked();
  // Card 6 up one (before 5): index 4 among 1, 2, 3, 4, 5.
  assert.equal(boardIndex(state, 6, 10, 2), 4);
  // Card 1 down one (after the stack 2): shown index 1 without 1 is 5, whose index without 1 is 3.
  assert.equal(boardIndex(state, 1, 10, 1), 3);
  // The head 2 (and its stack) to the top: index 0; to the end: after every other card.
  assert.equal(boardIndex(state, 2, 10, 0), 0);
  assert.equal(boardIndex(state, 2, 10, 100000), 3);
  // Card 7 into the other lane before 5: after the whole stack.
  assert.equal(boardIndex(state, 7, 10, 2), 4);
});

test("stacking: never onto itself, its own stack or a face-down card", () => {
  const state = stacked();
  const rules = { stack: (item) => !item.hidden };
  assert.equal(mayStack(state, rules, 5, 2), true);
  assert.equal(mayStack(state, rules, 5, 3), true, "onto a stacked card: its head");
  assert.equal(mayStack(state, rules, 2, 3), false, "a head onto its own stack");
  assert.equal(mayStack(state, rules, 3, 2), false, "already there");
  assert.equal(mayStack(state, rules, 5, 5), false);
  state.items[5] = { id: 6, lane: 10, position: 5, author: 3, stack: null, hidden: true };
  assert.equal(mayStack(state, rules, 5, 6), false, "a face-down card");
});
