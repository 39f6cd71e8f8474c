// Stacks and face-down cards (protocol §10), as the lanes draw them.
//
// A stack is a head and the cards stacked under it, which sit right after it in its lane. The
// lane shows the head only, as one card with a count ("+2") that opens to the stacked cards, each
// with "Unstack"; the head carries the votes, the stack's total. Positions on the wire count every
// card, stacked ones included: a move made among the cards shown (a drop, Alt + arrows, the menu)
// is turned into the server's index here (`boardIndex`).
//
// A face-down card (a private gather) shows whose it is and nothing it says; it keeps its place
// and can be moved, and offers nothing else.

import { h } from "./dom.js";
import { plural, quote } from "./format.js";
import { avatar, cardAttributes } from "./widgets.js";

// head id -> the cards stacked under it, in position order. `previous` (the last result) lends its
// lists where they have the very same cards, so a head is redrawn only when its own stack changed.
export function stacksOf(items, previous = new Map()) {
  const heads = new Set(items.map((item) => item.id));
  const stacks = new Map();
  for (const item of items) {
    if (item.stack === null || item.stack === undefined || !heads.has(item.stack)) continue;
    if (!stacks.has(item.stack)) stacks.set(item.stack, []);
    stacks.get(item.stack).push(item);
  }
  for (const [head, list] of stacks) {
    list.sort((a, b) => a.position - b.position);
    const before = previous.get(head);
    if (before && before.length === list.length && before.every((item, index) => item === list[index])) {
      stacks.set(head, before);
    }
  }
  return stacks;
}

const NO_CARDS = Object.freeze([]);
export const stackedUnder = (stacks, id) => stacks.get(id) || NO_CARDS;

// Whether a card shows in its lane on its own (not stacked under a card that is there).
export function shownAlone(item, items) {
  return item.stack === null || item.stack === undefined || !items.some((other) => other.id === item.stack);
}

// The dots on a stack: its head's and its cards' (null while tallies are hidden).
export function stackVotes(item, stacked) {
  if (item.votes === null || item.votes === undefined) return item.votes ?? null;
  return stacked.reduce((sum, card) => sum + (card.votes || 0), item.votes);
}

// The cards shown in a lane, in order: heads and cards on their own.
export function shownInLane(items, laneId) {
  const lane = items.filter((item) => item.lane === laneId).sort((a, b) => a.position - b.position);
  return lane.filter((item) => shownAlone(item, lane));
}

// The server's index for a move to `shownIndex` among the cards shown in `laneId` (the moving card
// and its stack left out): the position, among the lane's cards without them, of the card it goes
// before, or the end.
export function boardIndex(state, itemId, laneId, shownIndex) {
  const moving = new Set([itemId, ...state.items.filter((item) => item.stack === itemId).map((item) => item.id)]);
  const rest = state.items
    .filter((item) => item.lane === laneId && !moving.has(item.id))
    .sort((a, b) => a.position - b.position);
  const shown = rest.filter((item) => shownAlone(item, rest));
  if (shownIndex >= shown.length) return rest.length;
  return rest.indexOf(shown[Math.max(0, shownIndex)]);
}

// Where a card is among those shown in its lane: {index, count}.
export function shownPlace(state, item) {
  const shown = shownInLane(state.items, item.lane);
  return { index: shown.findIndex((other) => other.id === item.id), count: shown.length };
}

// Whether `item` may be stacked onto `target` by this viewer: both face up, not the same stack.
export function mayStack(state, rules, itemId, targetId) {
  const item = state.items.find((candidate) => candidate.id === itemId);
  const target = state.items.find((candidate) => candidate.id === targetId);
  if (!item || !target || item.id === target.id || !rules.stack(item) || !rules.stack(target)) return false;
  const head = target.stack === null ? target : state.items.find((candidate) => candidate.id === target.stack);
  return Boolean(head) && head.id !== item.id && !head.hidden && item.stack !== head.id;
}

// --- on the card ---------------------------------------------------------------------------------

// "+2": the count of cards under a head; opens them.
export function stackBadge(item, stacked, ctx) {
  if (!stacked.length) return null;
  const open = ctx.ui.openStacks.has(item.id);
  const what = item.hidden ? "this face-down card" : quote(item.title);
  return h(
    "button",
    {
      type: "button",
      class: ["stack-badge", open && "pressed"],
      "aria-expanded": open ? "true" : "false",
      "aria-controls": `stack-${item.id}`,
      "aria-label": `+${stacked.length}: ${plural(stacked.length, "more card")} stacked under ${what}`,
      title: open ? "Hide the stacked cards" : "Show the stacked cards",
      dataset: { action: "stack.toggle", item: item.id, focus: `item:${item.id}:stack` },
    },
    h("span", { "aria-hidden": "true", text: `+${stacked.length}` }),
  );
}

// The stacked cards, opened: each its title (or whose it is, face down) and "Unstack".
export function stackList(item, stacked, ctx) {
  if (!stacked.length || !ctx.ui.openStacks.has(item.id)) return null;
  const { state, rules } = ctx;
  const past = ctx.capacity.past;
  return h(
    "ol",
    { id: `stack-${item.id}`, class: "stack-cards", "aria-label": "Stacked cards" },
    stacked.map((card) => {
      const who = ctx.names.get(card.author) || "someone who left";
      const label = card.hidden ? `Card by ${card.author === state.me.member ? "you" : who}` : card.title;
      const dots = card.votes ? ` · ● ${card.votes}` : "";
      return h(
        "li",
        {
          class: ["stack-card", card.hidden && "face-down", past.has(card.id) && "past-line"],
          dataset: { stacked: card.id },
        },
        card.hidden
          ? h("span", { class: "stack-card-title", text: label })
          : h("button", {
              type: "button",
              class: "stack-card-title link-plain",
              dataset: { action: "item.open", item: card.id, focus: `item:${card.id}:open` },
              text: label,
            }),
        h("span", {
          class: "stack-card-meta",
          text: `${card.estimate ? `${card.estimate} h · ` : ""}${past.has(card.id) ? "will not fit · " : ""}by ${who}${dots}`,
        }),
        rules.stack(card)
          ? h("button", {
              type: "button",
              class: "small unstack-button",
              "aria-label": `Unstack ${quote(card.title)}`,
              dataset: { action: "item.unstack", item: card.id, focus: `item:${card.id}:unstack` },
              text: "Unstack",
            })
          : null,
      );
    }),
  );
}

// "Stack onto…" from the card's menu: the cards it may go under, by lane, in a select (a phone's
// own picker; the keyboard's too).
export function stackPicker(item, ctx) {
  const { state, rules } = ctx;
  const groups = state.lanes.map((lane) => {
    const options = shownInLane(state.items, lane.id)
      .filter((other) => mayStack(state, rules, item.id, other.id))
      .map((other) => h("option", { value: String(other.id), text: other.title }));
    return options.length ? h("optgroup", { label: lane.title }, options) : null;
  });
  const any = groups.some(Boolean);
  return h(
    "div",
    { class: "stack-picker" },
    h(
      "label",
      { class: "inline-select" },
      h("span", { class: "stack-picker-label", text: "Stack onto" }),
      h(
        "select",
        {
          disabled: !any,
          "aria-label": `Stack ${quote(item.title)} onto`,
          dataset: { action: "item.stack", item: item.id, focus: `item:${item.id}:stack-onto` },
        },
        h("option", { value: "", text: any ? "Choose a card…" : "No card to stack onto" }),
        groups,
      ),
    ),
    h("button", {
      type: "button",
      class: "small",
      dataset: { action: "item.stack.cancel", item: item.id, focus: `item:${item.id}:stack-cancel` },
      text: "Cancel",
    }),
  );
}

// A card face down: its back, whose it is, and its stack's count; moved like any card.
export function faceDownCard(item, { menu, movable, stacked }, ctx) {
  const { state, ui } = ctx;
  const id = item.id;
  const name = ctx.names.get(item.author) || "someone who left";
  const titleId = `item-${id}-title`;
  return h(
    "li",
    {
      class: ["item", "face-down", ui.flash === id && "flash"],
      ...cardAttributes(item, titleId, movable, { hidden: "true" }),
    },
    menu,
    h(
      "div",
      { class: "card-back" },
      avatar(item.author, name, { you: item.author === state.me.member }),
      h(
        "h3",
        { id: titleId, class: "item-title face-down-title" },
        h("span", { class: "sr-only", text: "Face down: " }),
        `Card by ${item.author === state.me.member ? "you" : name}`,
      ),
      stackBadge(item, stacked, ctx),
    ),
    h("p", { class: "face-down-note", text: "Face down until gathering ends" }),
    stackList(item, stacked, ctx),
  );
}
