// What every part of the view draws from: the server's state, the UI state, the rules, and values
// derived from them. A derived value is memoized on the slices it comes from, so that it stays the
// same object while they do: the view can then compare it by identity like any slice (view.js).

import { capacityLine, capacityOf, fairShare, personLoads } from "./capacity.js";
import { ranking, topRanks } from "./results.js";
import { rulesFor } from "./rules.js";
import { stacksOf } from "./stacks.js";

// Whether two lists of slices are the same, element by element, by identity (Object.is: a string
// or a number is the same when equal).
export function sameSlices(a, b) {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (!Object.is(a[i], b[i])) return false;
  return true;
}

// `fn` remembering its last arguments and result: called again only when an argument is a new object.
export function memo(fn) {
  let args = null;
  let result;
  return (...next) => {
    if (!sameSlices(args, next)) {
      args = next;
      result = fn(...next);
    }
    return result;
  };
}

// `fn` memoized, whose result is also kept (the old object returned) while `equal` finds the new
// one the same: for small derived tables that many parts show, such as the members' names, which
// would otherwise be new whenever anybody's ready signal or dot count changes.
function kept(fn, equal) {
  let last;
  return memo((...args) => {
    const next = fn(...args);
    if (last === undefined || !equal(last, next)) last = next;
    return last;
  });
}

const sameMap = (a, b) => a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);

// id -> name of every member.
const namesOf = kept((members) => new Map(members.map((member) => [member.id, member.name])), sameMap);

// The people an item can be assigned to (everyone but observers): id -> name.
const ownersOf = kept(
  (members) =>
    new Map(members.filter((member) => member.role !== "observer").map((member) => [member.id, member.name])),
  sameMap,
);

// The ranking reads the items and the lanes' order only.
const rankedOf = memo((items, lanes) => ranking({ items, lanes }));
const ranksOf = memo((ranked, shown) => (shown ? topRanks(ranked) : new Map()));

// The planning game (protocol §10): the capacity line and each person's load read the items and
// the capacity; a stack's list stays the same array while its cards do (stacks.js).
const capacityOfItems = memo((items, capacity) => capacityLine(items, capacity));
const loadsOf = kept(personLoads, sameMap);
const shareOf = memo((loads, capacity) => fairShare(loads, capacity));
let lastStacks = new Map();
const stacksOfItems = memo((items) => {
  lastStacks = stacksOf(items, lastStacks);
  return lastStacks;
});

// The same rules object while the viewer's role and the phase (and whether a confidence check is
// open, and whether the board has ended) stay as they are.
const rulesOf = memo((member, role, phase, open, ended) =>
  rulesFor({ me: { member, role }, workshop: { phase, confidence: { open } } }, { ended }),
);

export function currentRules(state, ui) {
  const check = state.workshop.confidence || { open: false };
  return rulesOf(state.me.member, state.me.role, state.workshop.phase, Boolean(check.open), ui.ended || false);
}

export function makeContext(state, ui, rules, workshopId) {
  const phase = state.workshop.phase;
  const ranked = rankedOf(state.items, state.lanes);
  // Top dots are marked once the vote has ended, while planning and once agreed.
  const planning = phase === "plan" || phase === "agreed";
  const capacity = capacityOf(state.workshop);
  const loads = loadsOf(state.items);
  return {
    state,
    ui,
    rules,
    workshopId,
    capacity: capacityOfItems(state.items, capacity),
    loads,
    share: shareOf(loads, capacity),
    stacks: stacksOfItems(state.items),
    names: namesOf(state.members),
    owners: ownersOf(state.members),
    ranked,
    ranks: ranksOf(ranked, planning),
    sorted: Boolean(ui.sorted && ranked.length && planning),
  };
}
