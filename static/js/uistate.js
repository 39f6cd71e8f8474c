// The board's UI state: everything on screen that is not the server's (open forms and menus, the
// side's tab, the lane shown on a phone, the item in the dialog, …). This module owns it, and only
// through it does it change: one frozen object, replaced by `UiStore.set` and never changed in
// place; its Maps and Sets are replaced too, never added to. So a part of the view can tell whether
// a slice it draws changed by comparing it with the last one by identity (view.js), exactly as it
// does with the server's state (state.js).

import { tracking } from "./progress.js";

export function initialUi() {
  return Object.freeze({
    editing: new Map(), // item id -> {version, conflict, conflictBy, error, busy}, replaced on each change
    adding: new Set(), // lane ids whose add form is open
    renamingLane: null,
    addingLane: false,
    editingGoal: false,
    openMenu: null, // the key of the open <details class="menu">
    highlight: new Set(), // items the last refused agreement named
    assigning: new Set(), // items whose "Assign…" picker was asked for outside the plan phase
    lastEditedBy: new Map(), // item id -> member id of its latest edit (named in a conflict)
    dragging: false,
    ended: null, // "removed" | "not_member": the board stopped for good
    goalOpen: false, // "About the goal" unfolded
    agendaOpen: false, // the current step's instructions read in full
    sideTab: "people", // people | results | progress | tools
    sideOpen: false, // the side as a sheet, on a phone
    currentLane: null, // the lane shown on a phone, and marked in the lane tabs
    followed: null, // the walked item whose lane currentLane last followed
    detail: null, // the item open in the detail dialog
    sorted: false, // lanes sorted by dots (a view of one's own; moving is off meanwhile)
    changingConfidence: false, // the prompt shown again to change an answer
    checkinOrder: null, // item ids of the check-in this facilitator is walking, in the order it started
    flash: null, // the item just jumped to from "Needs attention"
    deviceLink: Object.freeze({}), // {busy, url, copied, error}: "Open on another device"
    // The planning game (protocol §10)
    openStacks: new Set(), // heads whose stacked cards are shown
    stacking: null, // the item whose "Stack onto…" picker is open
    duplicates: Object.freeze([]), // likely duplicates while gathering: [{head, items, score}]
    notDuplicates: new Set(), // suggestions dismissed with "Not duplicates" (their keys), for this session
  });
}

export class UiStore {
  // `onChange` is told after each change that asks for a render.
  constructor(onChange) {
    this.ui = initialUi();
    this.onChange = onChange;
  }

  // `fields` (or `fields(ui)`) merged into a new UI state; nothing happens when no value differs.
  // `render: false` for what the browser already shows (a menu it opened) or nothing draws.
  set(fields, { render = true } = {}) {
    const patch = typeof fields === "function" ? fields(this.ui) : fields;
    if (!patch) return false;
    const changed = Object.keys(patch).some((key) => !Object.is(this.ui[key], patch[key]));
    if (!changed) return false;
    this.ui = Object.freeze({ ...this.ui, ...patch });
    if (render) this.onChange();
    return true;
  }
}

// --- Maps and Sets, replaced rather than changed --------------------------------------------------

export const withEntry = (map, key, value) => new Map(map).set(key, value);

export function withoutEntry(map, key) {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}

export const withMember = (set, value) => (set.has(value) ? set : new Set(set).add(value));

export function withoutMember(set, value) {
  if (!set.has(value)) return set;
  const next = new Set(set);
  next.delete(value);
  return next;
}

// An open editor's fields changed.
export const editorPatch = (ui, itemId, fields) => ({
  editing: withEntry(ui.editing, itemId, Object.freeze({ ...ui.editing.get(itemId), ...fields })),
});

export const newEditor = (item) =>
  Object.freeze({ version: item.version, conflict: null, conflictBy: null, error: null, busy: false });

// --- what the server's changes mean for the UI (pure) ---------------------------------------------

// The fields to set after `events` took the board from `previous`: their UI consequences.
export function afterEvents(ui, events, previous) {
  const next = { ...ui }; // a draft, returned as the patch: unchanged fields keep their identity
  for (const frame of events) {
    const { name, data } = frame;
    if (name === "item.edited") next.lastEditedBy = withEntry(next.lastEditedBy, data.item.id, frame.actor);
    if (name === "lane.deleted") {
      next.adding = withoutMember(next.adding, data.lane);
      if (next.renamingLane === data.lane) next.renamingLane = null;
    }
    if (name === "item.owners" && data.owners?.length) next.highlight = withoutMember(next.highlight, data.item);
    if (name === "item.estimated" && data.estimate) next.highlight = withoutMember(next.highlight, data.item);
    if (name === "phase.changed") {
      if (next.highlight.size) next.highlight = new Set();
      if (next.assigning.size) next.assigning = new Set();
      next.stacking = null;
      // The reveal: leaving the vote shows everyone the ranking.
      if (previous.workshop.phase === "vote" && data.phase !== "vote") next.sideTab = "results";
    }
    if (name === "confidence.changed" && !data.confidence.open) next.changingConfidence = false;
    if ((name === "walk.focused" && data.item === null) || name === "phase.changed") next.checkinOrder = null;
  }
  return next;
}

// Editors of items that are gone or that the viewer may no longer edit: [[id, item or undefined]].
export function lostEditors(ui, state, rules) {
  const lost = [];
  for (const id of ui.editing.keys()) {
    const item = state.items.find((candidate) => candidate.id === id);
    if (!item || !rules.editItem(item)) lost.push([id, item]);
  }
  return lost;
}

// The corrections the board and the rules call for before a render: forget what the role or phase
// no longer allows or what is gone, follow the walk to its lane, keep the side on a tab it has.
export function settle(ui, state, rules) {
  const patch = {};
  const lost = lostEditors(ui, state, rules);
  if (lost.length) {
    const editing = new Map(ui.editing);
    for (const [id] of lost) editing.delete(id);
    patch.editing = editing;
  }
  if (!rules.addItem && ui.adding.size) patch.adding = new Set();
  if (!rules.lanes) {
    patch.renamingLane = null;
    patch.addingLane = false;
  }
  if (!rules.editGoal) patch.editingGoal = false;
  const focus = state.workshop.focus ?? null;
  let currentLane = ui.currentLane;
  if (focus !== ui.followed) {
    patch.followed = focus;
    const walked = state.items.find((item) => item.id === focus);
    if (walked) currentLane = walked.lane;
  }
  if (!state.lanes.some((lane) => lane.id === currentLane)) currentLane = state.lanes.length ? state.lanes[0].id : null;
  patch.currentLane = currentLane;
  if (!sideTabs(state, rules).some(([key]) => key === ui.sideTab)) patch.sideTab = "people";
  // A card turned face down (a private gather begun) cannot stay open.
  if (ui.detail !== null && !state.items.some((item) => item.id === ui.detail && !item.hidden)) patch.detail = null;
  if (ui.stacking !== null) {
    const item = state.items.find((candidate) => candidate.id === ui.stacking);
    if (!item || !rules.stack(item)) patch.stacking = null;
  }
  return patch;
}

// The side's tabs for this board and viewer: [[key, label]].
export function sideTabs(state, rules) {
  const tabs = [
    ["people", "People"],
    ["results", "Results"],
  ];
  if (tracking(state) || (state.workshop.checkins || []).length > 0) tabs.push(["progress", "Progress"]);
  if (rules.facilitating) tabs.push(["tools", "Tools"]);
  return tabs;
}
