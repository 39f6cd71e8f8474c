// The reveal: items ranked by dots once voting has ended, the top ones marked, and the walk a
// facilitator leads through them (op `walk.focus`; everyone's board follows `workshop.focus`).

import { h } from "./dom.js";
import { formatMean, plural } from "./format.js";
import { checkinOrder, planItems } from "./progress.js";
import { stacksOf, stackVotes } from "./stacks.js";
import { avatar } from "./widgets.js";

export const TOP = 3;

function boardOrder(state) {
  const lanes = new Map(state.lanes.map((lane, index) => [lane.id, index]));
  return (item) => (lanes.get(item.lane) ?? 0) * 100000 + item.position;
}

// Items with dots, most first; ties keep board order. Empty while the tallies are hidden. A stack
// is ranked as one card, its head, with the stack's dots (protocol §10).
export function ranking(state) {
  if (state.items.some((item) => item.votes === null)) return [];
  const order = boardOrder(state);
  const stacks = stacksOf(state.items);
  return state.items
    .filter((item) => !stacks.has(item.stack))
    .map((item) => (stacks.has(item.id) ? { ...item, votes: stackVotes(item, stacks.get(item.id)) } : item))
    .filter((item) => item.votes > 0)
    .sort((a, b) => b.votes - a.votes || order(a) - order(b));
}

// Rank by competition ("1, 2, 2, 4"): equal dots share a rank. Only the top ranks are marked.
export function topRanks(ranked) {
  const ranks = new Map();
  let previous = null;
  ranked.forEach((item, index) => {
    const rank = previous !== null && item.votes === previous.votes ? ranks.get(previous.id) : index + 1;
    if (rank <= TOP) ranks.set(item.id, rank);
    previous = item;
  });
  return ranks;
}

// What the walk steps through: once agreed, the check-in's order (what is stuck first; `frozen`,
// the ids as the facilitator started it, keeps it steady while owners report); else the ranking,
// or the board in order when nobody voted.
export function walkList(state, frozen = null) {
  if (state.workshop.phase === "agreed" && planItems(state).length) {
    if (!frozen) return checkinOrder(state);
    const byId = new Map(planItems(state).map((item) => [item.id, item]));
    return frozen.map((id) => byId.get(id)).filter(Boolean);
  }
  const ranked = ranking(state);
  if (ranked.length) return ranked;
  const order = boardOrder(state);
  return [...state.items].sort((a, b) => order(a) - order(b));
}

export function walkStep(state, direction, frozen = null) {
  const list = walkList(state, frozen);
  if (!list.length) return null;
  const at = list.findIndex((item) => item.id === state.workshop.focus);
  if (direction === "start" || at === -1) return list[0].id;
  const next = at + (direction === "next" ? 1 : -1);
  return list[Math.max(0, Math.min(list.length - 1, next))].id;
}

export function renderResults(ctx) {
  const { state, rules } = ctx;
  const ranked = ctx.ranked;
  const parts = [h("h2", { class: "h-small", id: "results-title", text: "Vote results" })];
  if (!ranked.length) {
    parts.push(
      h("p", {
        class: "muted",
        text:
          state.workshop.phase === "vote"
            ? "The dots stay hidden until voting ends; then the items show here, most dots first."
            : "No dots yet. Results show here once a vote has ended.",
      }),
    );
  } else {
    const most = ranked[0].votes;
    parts.push(
      h(
        "ol",
        { class: "ranking", "aria-labelledby": "results-title" },
        ranked.map((item) => {
          const rank = ctx.ranks.get(item.id);
          return h(
            "li",
            {
              class: ["rank-row", rank && "is-top", state.workshop.focus === item.id && "is-walked"],
              dataset: { itemId: item.id },
            },
            h("span", { class: "rank-number", text: rank ? `#${rank}` : "" }),
            h(
              "span",
              { class: "rank-body" },
              h("button", {
                type: "button",
                class: "rank-title link-plain",
                dataset: { action: "item.open", item: item.id, focus: `rank:${item.id}` },
                text: item.title,
              }),
              h(
                "span",
                { class: "rank-bar", "aria-hidden": "true" },
                h("span", { class: "rank-fill", style: { width: `${(item.votes / most) * 100}%` } }),
              ),
            ),
            h("span", { class: "rank-votes", text: plural(item.votes, "dot") }),
            h(
              "span",
              { class: "rank-owners" },
              item.owners.slice(0, 3).map((id) => avatar(id, ctx.names.get(id) || "someone who left")),
            ),
          );
        }),
      ),
    );
  }
  // Once agreed, walking the room is the check-in, under Progress.
  if (rules.walk && state.items.length && state.workshop.phase !== "agreed") {
    const walking = state.workshop.focus !== null && state.workshop.focus !== undefined;
    parts.push(
      h(
        "div",
        { class: "walk-controls" },
        walking
          ? h("button", { type: "button", dataset: { action: "walk.end", focus: "walk:end" }, text: "End the walk" })
          : h("button", {
              type: "button",
              class: "primary",
              dataset: { action: "walk.start", focus: "walk:start" },
              text: ranked.length ? "Walk the room through the top items" : "Walk the room through the items",
            }),
        h("p", {
          class: "help",
          text: "Walking the room shows one item at a time on everyone’s screen, so the room talks each through together.",
        }),
      ),
    );
  }
  return parts;
}

// The confidence result, kept beside the ranking once a check has closed.
export function confidenceResult(result) {
  const { histogram, mean } = result;
  const total = histogram.reduce((sum, n) => sum + n, 0);
  const most = Math.max(1, ...histogram);
  return h(
    "div",
    { class: "confidence-result" },
    h("h2", { class: "h-small", id: "checkin-title", text: "Confidence" }),
    h(
      "p",
      { class: "checkin-mean" },
      mean === null ? "Nobody answered." : `Mean ${formatMean(mean)} of 5, from ${plural(total, "answer")}.`,
    ),
    h(
      "ol",
      { class: "histogram", "aria-label": "Answers by score" },
      histogram.map((count, score) =>
        h(
          "li",
          null,
          h("span", { class: "histogram-score", text: String(score) }),
          h(
            "span",
            { class: "histogram-bar", "aria-hidden": "true" },
            h("span", { class: "histogram-fill", style: { width: `${(count / most) * 100}%` } }),
          ),
          h("span", { class: "histogram-count", text: plural(count, "person", "people") }),
        ),
      ),
    ),
  );
}
