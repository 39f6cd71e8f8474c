// After the agreement (protocol §7): the plan's progress, drawn from each accepted item's
// `progress` and `helpers` and the workshop's `checkins`. What is stuck comes first everywhere:
// a blocked item nobody has offered to help with is the loudest thing on the board.

import { h } from "./dom.js";
import { memberName, quote } from "./format.js";
import { avatar, menuButton, menuNode } from "./widgets.js";

export const STATES = ["on_track", "at_risk", "blocked", "done"];
export const PROGRESS_LABELS = {
  on_track: "On track",
  at_risk: "At risk",
  blocked: "Blocked",
  done: "Done",
  none: "No update",
};
export const PROGRESS_ICONS = { on_track: "→", at_risk: "!", blocked: "⊘", done: "✓", none: "○" };
// Stacked bottom to top in the chart and left to right in bars: the good news first.
export const STACK = ["done", "on_track", "at_risk", "blocked", "none"];

export const progressOf = (item) => item.progress?.state || "none";
export const helpersOf = (item) => item.helpers || [];
// How each helper who said so can help: {member id (as text): note} (protocol §7).
export const helpNotesOf = (item) => item.help_notes || {};
export const HELP_NOTE_MAX = 280;
export const needsHelp = (item) => progressOf(item) === "blocked" && helpersOf(item).length === 0;

// Progress is the agreed plan's: accepted items, once agreed.
export function tracking(state) {
  return state.workshop.phase === "agreed";
}

export function planItems(state) {
  return state.items.filter((item) => item.status === "accepted");
}

export function countProgress(items) {
  const counts = { on_track: 0, at_risk: 0, blocked: 0, done: 0, none: 0 };
  for (const item of items) counts[progressOf(item)] += 1;
  return counts;
}

export const total = (counts) => STACK.reduce((sum, key) => sum + (counts[key] || 0), 0);

// "2 of 3 done · 1 blocked · 1 at risk": what a criterion or the plan stands at.
export function progressSummary(counts) {
  const parts = [`${counts.done} of ${total(counts)} done`];
  if (counts.blocked) parts.push(`${counts.blocked} blocked`);
  if (counts.at_risk) parts.push(`${counts.at_risk} at risk`);
  return parts.join(" · ");
}

// "3 done, 1 on track, 1 blocked": a check-in's counts, the states that have any.
export function countsText(counts) {
  const parts = STACK.filter((key) => counts[key]).map(
    (key) => `${counts[key]} ${key === "none" ? "without an update" : PROGRESS_LABELS[key].toLowerCase()}`,
  );
  return parts.length ? parts.join(", ") : "no items";
}

function boardOrder(state) {
  const lanes = new Map(state.lanes.map((lane, index) => [lane.id, index]));
  return (a, b) => (lanes.get(a.lane) ?? 0) - (lanes.get(b.lane) ?? 0) || a.position - b.position;
}

// Blocked items nobody helps with, blocked ones with help, then those at risk; board order within.
export function attentionList(state) {
  const rank = (item) =>
    needsHelp(item) ? 0 : progressOf(item) === "blocked" ? 1 : progressOf(item) === "at_risk" ? 2 : 9;
  const order = boardOrder(state);
  return planItems(state)
    .filter((item) => rank(item) < 9)
    .sort((a, b) => rank(a) - rank(b) || order(a, b));
}

// A check-in walks what needs attention first, then the rest still under way; done is done.
export function checkinOrder(state) {
  const order = boardOrder(state);
  const rest = planItems(state)
    .filter((item) => progressOf(item) === "none" || progressOf(item) === "on_track")
    .sort((a, b) => Number(progressOf(a) === "on_track") - Number(progressOf(b) === "on_track") || order(a, b));
  return [...attentionList(state), ...rest];
}

// --- on the card ---------------------------------------------------------------------------------

export function progressChip(item, { loud = needsHelp(item) } = {}) {
  const key = progressOf(item);
  return h(
    "span",
    { class: ["progress-chip", `progress-${key}`, loud && "needs-help"] },
    h("span", { class: "progress-icon", "aria-hidden": "true", text: PROGRESS_ICONS[key] }),
    h("span", { class: "progress-word", text: loud ? "Blocked — needs help" : PROGRESS_LABELS[key] }),
  );
}

// The chip, and for those who may report it a menu of the four states behind it.
export function progressControl(item, ctx) {
  const { rules, ui } = ctx;
  if (!rules.reportProgress(item)) return progressChip(item);
  const current = progressOf(item);
  const key = `progress:${item.id}`;
  const chip = progressChip(item);
  // The chip is the summary's text, so its words come first in the name (WCAG 2.5.3).
  const menu = menuNode(
    key,
    `${chip.querySelector(".progress-word").textContent}: progress of ${quote(item.title)}. Change it`,
    ui,
    [
      ...STATES.map((state) =>
        h(
          "button",
          {
            type: "button",
            class: ["progress-option", `progress-${state}`],
            "aria-pressed": state === current ? "true" : "false",
            dataset: { action: "item.progress", item: item.id, state, focus: `${key}:${state}` },
          },
          h("span", { class: "progress-icon", "aria-hidden": "true", text: PROGRESS_ICONS[state] }),
          PROGRESS_LABELS[state],
        ),
      ),
      menuButton(
        item.progress?.note ? "Edit the note…" : "Add a note…",
        { action: "item.progress.note", item: item.id },
        `${key}:note`,
      ),
    ],
    { className: "progress-menu", icon: "" },
  );
  const summary = menu.querySelector("summary");
  summary.replaceChildren(chip, h("span", { class: "progress-caret", "aria-hidden": "true", text: "▾" }));
  return menu;
}

// The latest report's note, folded to two lines; the item's dialog has it in full.
export function progressNote(item, ctx) {
  const progress = item.progress;
  if (!progress?.note) return null;
  return h(
    "p",
    { class: "progress-note", title: progress.note },
    h("span", { class: "progress-note-text", text: progress.note }),
    h("span", { class: "progress-note-by", text: ` — ${memberName(ctx.state, progress.by)}` }),
  );
}

export function helpersLine(item, ctx) {
  const helpers = helpersOf(item);
  if (!helpers.length) return null;
  return h(
    "span",
    { class: "helpers", title: `Helping: ${helpers.map((id) => ctx.names.get(id) || "someone who left").join(", ")}` },
    h("span", { class: "helpers-label", text: "Help:" }),
    h(
      "span",
      { class: "helpers-avatars" },
      helpers
        .slice(0, 4)
        .map((id) => avatar(id, ctx.names.get(id) || "someone who left", { you: id === ctx.state.me.member })),
      helpers.length > 4 ? h("span", { class: "helpers-more", text: `+${helpers.length - 4}` }) : null,
    ),
  );
}

// The helpers who said how they can help, "Name — note", in the order they offered; `only` picks
// whose notes to show. Cards fold each note to two lines (`full` false); the item's dialog has them
// in full.
export function helpNotesList(item, ctx, { full = false, only = null } = {}) {
  const notes = helpNotesOf(item);
  const ids = helpersOf(item).filter((id) => notes[String(id)] && (only === null || only(id)));
  if (!ids.length) return null;
  return h(
    "ul",
    { class: ["help-notes", full && "help-notes-full"], "aria-label": "How they can help" },
    ids.map((id) => {
      const name = id === ctx.state.me.member ? "You" : ctx.names.get(id) || "someone who left";
      const note = notes[String(id)];
      return h(
        "li",
        { class: "help-note", title: full ? null : `${name} — ${note}`, dataset: { helper: id } },
        h("span", { class: "help-note-name", text: name }),
        " — ",
        h("span", { class: "help-note-text", text: note }),
      );
    }),
  );
}

// On a card: the owners (who need the help) see every helper's note; a helper sees their own.
export function cardHelpNotes(item, ctx) {
  const me = ctx.state.me.member;
  const owner = item.owners.includes(me);
  return helpNotesList(item, ctx, { only: owner ? null : (id) => id === me });
}

// What is typed in an offer's note, by form, so that a redraw of its card does not lose it.
const helpDrafts = new Map();
export const forgetHelpDraft = (key) => helpDrafts.delete(key);

// "+ I can help" opens a small form: how they can help (optional), then "Offer help".
function helpOffer(item, ctx, focusPrefix) {
  const key = `help:${focusPrefix}:${item.id}`;
  const fieldId = `help-note-${focusPrefix}-${item.id}`;
  const input = h("input", {
    id: fieldId,
    name: "note",
    type: "text",
    maxlength: String(HELP_NOTE_MAX),
    autocomplete: "off",
    placeholder: "e.g. I can review the copy on Friday",
    value: helpDrafts.get(key) || "",
    dataset: { focus: `${key}:note` },
  });
  input.addEventListener("input", () => helpDrafts.set(key, input.value));
  return h(
    "details",
    { class: ["menu", "help-offer"], open: ctx.ui.openMenu === key, dataset: { menu: key } },
    h(
      "summary",
      {
        class: ["help-button", needsHelp(item) && "urgent"],
        // The name starts with the words shown (WCAG 2.5.3), then says which item.
        "aria-label": `I can help with ${quote(item.title)}`,
        dataset: { focus: `${focusPrefix}:${item.id}:help` },
      },
      h("span", { "aria-hidden": "true", text: "+ " }),
      "I can help",
    ),
    h(
      "div",
      { class: "menu-items help-offer-box" },
      h(
        "form",
        {
          class: "help-offer-form",
          dataset: { form: "item.help", item: item.id, draft: key, back: `${focusPrefix}:${item.id}:help` },
        },
        h("label", { for: fieldId, text: "How can you help? (optional)" }),
        input,
        h("p", { class: "form-error", role: "alert", hidden: true }),
        h("button", {
          type: "submit",
          class: "primary small",
          dataset: { focus: `${key}:submit` },
          text: "Offer help",
        }),
      ),
    ),
  );
}

export function helpButton(item, ctx, focusPrefix = "item") {
  const { state, rules } = ctx;
  if (!rules.offerHelp(item) || item.owners.includes(state.me.member)) return null;
  const helping = helpersOf(item).includes(state.me.member);
  if (progressOf(item) === "done" && !helping) return null; // nothing left to help with
  if (!helping) return helpOffer(item, ctx, focusPrefix);
  // Withdrawing stays one click, and takes the note with it.
  return h(
    "button",
    {
      type: "button",
      class: ["help-button", "pressed"],
      "aria-pressed": "true",
      // The name starts with the words shown (WCAG 2.5.3), then says which item.
      "aria-label": `Withdraw help from ${quote(item.title)}`,
      dataset: { action: "item.help", item: item.id, offer: "false", focus: `${focusPrefix}:${item.id}:help` },
    },
    h("span", { "aria-hidden": "true", text: "✓ " }),
    "Withdraw help",
  );
}

// The report form in the item's dialog: the four states and a note, sent as one `item.progress`.
export function progressForm(item) {
  const current = progressOf(item);
  const form = h(
    "form",
    { class: "progress-form", dataset: { form: "item.progress", item: item.id } },
    h(
      "fieldset",
      { class: "progress-states" },
      h("legend", { text: "How is it going?" }),
      STATES.map((state) =>
        h(
          "label",
          { class: ["progress-radio", `progress-${state}`] },
          h("input", {
            type: "radio",
            name: "state",
            value: state,
            checked: state === current,
            dataset: { focus: `progress-form:${item.id}:${state}` },
          }),
          h("span", { class: "progress-icon", "aria-hidden": "true", text: PROGRESS_ICONS[state] }),
          h("span", { text: PROGRESS_LABELS[state] }),
        ),
      ),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: `progress-note-${item.id}`, text: "Note (optional)" }),
      h("textarea", {
        id: `progress-note-${item.id}`,
        name: "note",
        rows: "3",
        maxlength: "500",
        placeholder: "What changed, what is in the way, what would help",
        dataset: { focus: `progress-form:${item.id}:note` },
      }),
    ),
    h("p", { class: "form-error", role: "alert", hidden: true }),
    h(
      "div",
      { class: "form-buttons" },
      h("button", {
        type: "submit",
        class: "primary",
        dataset: { focus: `progress-form:${item.id}:save` },
        text: "Save progress",
      }),
    ),
  );
  form.querySelector("textarea").value = item.progress?.note || "";
  return form;
}

// --- above the lanes -----------------------------------------------------------------------------

export function progressBar(counts, { label }) {
  const all = total(counts);
  const bar = h("span", { class: "progress-bar", role: "img", "aria-label": `${label}: ${countsText(counts)}` });
  for (const key of STACK) {
    if (!counts[key]) continue;
    bar.append(
      h("span", {
        class: `progress-seg progress-${key}`,
        title: `${PROGRESS_LABELS[key]}: ${counts[key]}`,
        style: { width: `${(counts[key] / all) * 100}%` },
      }),
    );
  }
  return bar;
}
