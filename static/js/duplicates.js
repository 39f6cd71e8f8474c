// Likely duplicates while gathering (protocol §10): the server compares the cards' titles
// (GET /api/w/<id>/duplicates → {"duplicates": [{"head", "items", "score"}]}); the board offers each
// suggestion in one line above the lanes, with "Stack" (every card onto the head, in one click) and
// "Not duplicates" (not offered again while the page is open). Asked again, a moment after the
// cards' words change; a server without the endpoint (404) is not asked again.

import { h } from "./dom.js";
import { quote } from "./format.js";

const SETTLE_MS = 900; // typing a few cards in a row asks once
const SHOWN = 3; // suggestions shown at once; the next comes up as these are stacked or dismissed

// The events after which the suggestions may have changed.
export const CHANGES = new Set([
  "item.added",
  "item.edited",
  "item.deleted",
  "item.stacked",
  "items.revealed",
  "phase.changed",
  "planning.changed",
]);

export class DuplicateWatcher {
  // `gathering()`: whether to ask at all; `onResult(list)` gets what the server said, or [].
  constructor({ workshopId, gathering, onResult }) {
    this.url = `/api/w/${encodeURIComponent(workshopId)}/duplicates`;
    this.gathering = gathering;
    this.onResult = onResult;
    this.timer = null;
    this.missing = false;
    this.asked = 0;
  }

  soon(delay = SETTLE_MS) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.ask(), delay);
  }

  async ask() {
    if (this.missing || !this.gathering()) {
      this.onResult([]);
      return;
    }
    const asked = ++this.asked;
    let list = [];
    try {
      const response = await fetch(this.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 404) this.missing = true;
      if (response.ok) {
        const data = await response.json();
        if (Array.isArray(data?.duplicates)) list = data.duplicates;
      }
    } catch {
      list = []; // offline: nothing to suggest until the next change
    }
    if (asked === this.asked) this.onResult(Object.freeze(list));
  }
}

export const duplicateKey = (suggestion) => `${suggestion.head}:${[...suggestion.items].sort((a, b) => a - b)}`;

// The suggestions worth showing this viewer: while gathering, cards they see face up and may stack,
// not stacked there already, not dismissed.
export function shownDuplicates(ctx) {
  const { state, rules, ui } = ctx;
  if (state.workshop.phase !== "gather" || !ui.duplicates.length) return [];
  const byId = new Map(state.items.map((item) => [item.id, item]));
  const shown = [];
  for (const suggestion of ui.duplicates) {
    const head = byId.get(suggestion.head);
    if (!head || !rules.stack(head) || head.stack !== null || ui.notDuplicates.has(duplicateKey(suggestion))) continue;
    const items = (suggestion.items || [])
      .map((id) => byId.get(id))
      .filter((item) => item && item.id !== head.id && rules.stack(item) && item.stack !== head.id);
    if (items.length) shown.push({ head, items, key: duplicateKey(suggestion) });
  }
  return shown;
}

// "Possible duplicates": one line a suggestion, or null when there is none.
export function renderDuplicates(shown) {
  if (!shown.length) return null;
  const rows = shown.slice(0, SHOWN).map(({ head, items, key }) => {
    const titles = [head, ...items].map((item) => quote(item.title));
    const others = items.map((item) => quote(item.title)).join(", ");
    return h(
      "li",
      { class: "duplicate", dataset: { duplicate: key } },
      h("span", { class: "duplicate-titles", text: `${titles.join(", ")} look alike` }),
      h(
        "span",
        { class: "duplicate-buttons" },
        h("button", {
          type: "button",
          class: "small primary",
          "aria-label": `Stack ${others} onto ${quote(head.title)}`,
          dataset: {
            action: "duplicates.stack",
            head: head.id,
            items: items.map((item) => item.id).join(","),
            focus: `duplicate:${key}:stack`,
            focusFallback: "duplicates",
          },
          text: "Stack",
        }),
        h("button", {
          type: "button",
          class: "small",
          "aria-label": `Not duplicates: ${titles.join(", ")}`,
          dataset: {
            action: "duplicates.dismiss",
            key,
            focus: `duplicate:${key}:dismiss`,
            focusFallback: "duplicates",
          },
          text: "Not duplicates",
        }),
      ),
    );
  });
  const more = shown.length - SHOWN;
  return [
    h("h2", {
      id: "duplicates-title",
      class: "duplicates-title",
      tabindex: "-1",
      dataset: { focus: "duplicates" },
      text: "Possible duplicates",
    }),
    h("ul", { class: "duplicate-list" }, rows),
    more > 0 ? h("p", { class: "muted duplicates-more", text: `${more} more after these` }) : null,
  ];
}
