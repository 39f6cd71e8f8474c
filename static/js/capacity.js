// The planning game's numbers (protocol §10): estimates, the load against the capacity, the
// capacity line through the accepted items, each person's load, and what the server would refuse
// an agreement for. Pure, apart from the few controls a card and the people list draw from them.
//
// The capacity line: the accepted items in board order (lanes in order, then positions), their
// estimates summed one after another; those whose running sum is over the capacity "will not
// fit". A person's load: for every accepted item they own, its estimate divided by its number of
// owners. A person carries more than their share when their load is over the capacity divided by
// the number of people who own accepted items (only with a capacity set: without one there is no
// share to be over).

import { h } from "./dom.js";
import { plural, quote } from "./format.js";
import { menuNode } from "./widgets.js";

export const ESTIMATES = [2, 4, 8, 16, 32];
const NONE = { estimates: false, capacity_hours: null, private_gather: false };
const EPSILON = 1e-9; // a share of 8 h among three owners, summed three times, is 8 h

export const planningOf = (workshop) => workshop.planning || NONE;
export const capacityOf = (workshop) => planningOf(workshop).capacity_hours ?? null;

// Estimates are shown when the facilitator turned them on, or set a capacity they are needed for.
export const estimating = (workshop) => Boolean(planningOf(workshop).estimates) || capacityOf(workshop) !== null;

// Others' cards are face down while a private gather lasts.
export const privateGather = (workshop) => workshop.phase === "gather" && Boolean(planningOf(workshop).private_gather);

// "8 h", "2.7 h": a share of an estimate may be a fraction; one decimal says enough.
export function hours(value) {
  const rounded = Math.round(value * 10) / 10;
  return `${rounded} h`;
}

export function spokenHours(value) {
  const rounded = Math.round(value * 10) / 10;
  return rounded === 1 ? "1 hour" : `${rounded} hours`;
}

// `items` in board order (state.items is). {load, capacity, over, past (ids that will not fit),
// lastFit (the last accepted item that fits, or null), firstPast, unestimated (ids), accepted}.
export function capacityLine(items, capacity) {
  let load = 0;
  let lastFit = null;
  let firstPast = null;
  const past = new Set();
  const unestimated = [];
  let accepted = 0;
  for (const item of items) {
    if (item.hidden || item.status !== "accepted") continue;
    accepted += 1;
    if (item.estimate === null || item.estimate === undefined) unestimated.push(item.id);
    load += item.estimate || 0;
    if (capacity !== null && load > capacity) {
      past.add(item.id);
      if (firstPast === null) firstPast = item.id;
    } else lastFit = item.id;
  }
  return {
    load,
    capacity,
    over: capacity !== null && load > capacity,
    past,
    lastFit,
    firstPast,
    unestimated,
    accepted,
  };
}

// member id -> hours, for everyone who owns an accepted item (0 when none of theirs is estimated).
export function personLoads(items) {
  const loads = new Map();
  for (const item of items) {
    if (item.hidden || item.status !== "accepted" || !item.owners.length) continue;
    const share = (item.estimate || 0) / item.owners.length;
    for (const owner of item.owners) loads.set(owner, (loads.get(owner) || 0) + share);
  }
  return loads;
}

// {share (hours, or null without a capacity), over (ids of those above it)}.
export function fairShare(loads, capacity) {
  if (capacity === null || !loads.size) return { share: null, over: new Set() };
  const share = capacity / loads.size;
  return { share, over: new Set([...loads].filter(([, load]) => load > share + EPSILON).map(([id]) => id)) };
}

// What the server would refuse an agreement for, in its order (protocol §10): null, or
// {code, items, text} with the items to point at.
export function agreementBlock(state) {
  const accepted = state.items.filter((item) => !item.hidden && item.status === "accepted");
  if (!accepted.length) return { code: "unowned_items", items: [], text: "Accept at least one item first." };
  const unowned = accepted.filter((item) => !item.owners.length);
  if (unowned.length) {
    const none = plural(unowned.length, "item has", "items have");
    return { code: "unowned_items", items: unowned.map((item) => item.id), text: `${none} no owner yet.` };
  }
  const capacity = capacityOf(state.workshop);
  if (capacity === null) return null;
  const line = capacityLine(state.items, capacity);
  if (line.unestimated.length) {
    const titles = line.unestimated.map((id) => quote(titleOf(state, id))).join(", ");
    return { code: "unestimated_items", items: line.unestimated, text: `Estimate these items: ${titles}.` };
  }
  if (line.over) {
    return {
      code: "over_capacity",
      items: [...line.past],
      text:
        `The plan needs ${hours(line.load)} and the capacity is ${hours(capacity)}. ` +
        "Drop or re-estimate items past the line, or raise the capacity.",
    };
  }
  return null;
}

function titleOf(state, id) {
  return state.items.find((item) => item.id === id)?.title ?? "an item";
}

// The notice for a refused agreement (unowned_items, unestimated_items, over_capacity), with the
// items to highlight.
export function refusalNotice(error, state) {
  const detail = error.detail || {};
  const named = (ids) => ids.map((id) => quote(titleOf(state, id))).join(", ");
  if (error.code === "unowned_items") {
    const ids = detail.items || [];
    return {
      items: ids,
      text: ids.length
        ? `The plan cannot be agreed yet: every accepted item needs an owner. Still without one: ${named(ids)}.`
        : "The plan cannot be agreed yet: accept at least one item first (set its status to Accepted).",
    };
  }
  if (error.code === "unestimated_items") {
    const ids = detail.items || [];
    return {
      items: ids,
      text: `The plan cannot be agreed yet: it is checked against its capacity. Estimate these items: ${named(ids)}.`,
    };
  }
  const line = capacityLine(state.items, detail.capacity ?? capacityOf(state.workshop));
  return {
    items: [...line.past],
    text:
      `The plan cannot be agreed yet: it needs ${hours(detail.load ?? line.load)} and the capacity is ` +
      `${hours(detail.capacity ?? line.capacity)}. Drop or re-estimate items past the line, or raise the capacity.`,
  };
}

// --- what the board draws from them ---------------------------------------------------------------

// The estimate on a card's face ("8 h"): one tap opens the estimates as a row of chips. Read-only
// where the viewer may not estimate it. Null when estimates are off.
export function estimateControl(item, ctx, { asking = false } = {}) {
  const { state, rules, ui } = ctx;
  if (!estimating(state.workshop)) return null;
  const current = item.estimate ?? null;
  const title = quote(item.title);
  if (!rules.estimate(item)) {
    if (current === null) return null;
    return h(
      "span",
      { class: "estimate-tag" },
      h("span", { "aria-hidden": "true", text: hours(current) }),
      h("span", { class: "sr-only", text: `Estimate: ${spokenHours(current)}.` }),
    );
  }
  const key = `estimate:${item.id}`;
  const chips = ESTIMATES.map((value) =>
    h("button", {
      type: "button",
      class: ["estimate-choice", value === current && "pressed"],
      "aria-pressed": value === current ? "true" : "false",
      "aria-label": `${value} h: ${spokenHours(value)} for ${title}`,
      dataset: { action: "item.estimate", item: item.id, hours: value, focus: `${key}:${value}` },
      text: `${value} h`,
    }),
  );
  chips.push(
    h("button", {
      type: "button",
      class: "estimate-choice estimate-clear",
      disabled: current === null,
      "aria-label": `Clear the estimate of ${title}`,
      dataset: { action: "item.estimate", item: item.id, hours: "", focus: `${key}:clear` },
      text: "Clear",
    }),
  );
  const shown = current === null ? (asking ? "Estimate?" : "Estimate") : hours(current);
  const label =
    current === null
      ? `${asking ? "Estimate?" : "Estimate"} ${title}: how many hours it takes`
      : `${hours(current)}: the estimate of ${title}. Change it`;
  const look = current === null ? "estimate-missing" : "estimate-set";
  return menuNode(key, label, ui, chips, {
    className: ["estimate-menu", look, asking && "asking"].filter(Boolean).join(" "),
    icon: shown,
  });
}

// The load against the capacity, for the phase bar: "52 / 60 h", a warning once over it; the
// load alone ("12 h accepted") with estimates on and no capacity. Null when there is nothing to say.
export function loadChip(state, line) {
  const capacity = capacityOf(state.workshop);
  if (capacity === null) {
    if (!estimating(state.workshop) || !line.accepted) return null;
    return h("p", { class: "load-chip" }, h("span", { class: "load-label", text: "Load " }), `${hours(line.load)}`);
  }
  const over = line.load - capacity;
  const missing = line.unestimated.length;
  return h(
    "p",
    { class: ["load-chip", "has-capacity", line.over && "is-over"], dataset: { load: line.load, capacity } },
    line.over ? h("span", { class: "load-icon", "aria-hidden": "true", text: "⚠" }) : null,
    h("span", { class: "load-label", text: "Load " }),
    `${line.load} / ${hours(capacity)}`,
    // The icon and the colour say "over" at a glance; the words, where there is room (and to a screen reader).
    line.over ? h("span", { class: "load-over", text: ` · ${hours(over)} over capacity` }) : null,
    !line.over && missing ? h("span", { class: "load-over", text: ` · ${missing} to estimate` }) : null,
  );
}

// A person's load beside their name, flagged when it is more than their share.
export function personLoad(memberId, loads, share) {
  if (!loads.has(memberId)) return null;
  const load = loads.get(memberId);
  const over = share.over.has(memberId);
  const why = share.share === null ? null : `A fair share is ${hours(share.share)}: the capacity over the owners`;
  return h(
    "span",
    {
      class: ["person-load", over && "over-share"],
      title: why,
      dataset: { load: Math.round(load * 10) / 10, overShare: over ? "true" : null },
    },
    over ? h("span", { "aria-hidden": "true", text: "⚠ " }) : null,
    hours(load),
    over ? ` · over a fair share of ${hours(share.share)}` : null,
  );
}
