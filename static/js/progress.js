// After the agreement (protocol §7): the plan's progress, drawn from each accepted item's
// `progress` and `helpers` and the workshop's `checkins`. What is stuck comes first everywhere:
// a blocked item nobody has offered to help with is the loudest thing on the board.

import { h } from "./dom.js";
import { formatDateTime, memberName, plural, quote } from "./format.js";
import { avatar, menuButton, menuNode } from "./widgets.js";

export const STATES = ["on_track", "at_risk", "blocked", "done"];
export const PROGRESS_LABELS = { on_track: "On track", at_risk: "At risk", blocked: "Blocked", done: "Done", none: "No update" };
export const PROGRESS_ICONS = { on_track: "→", at_risk: "!", blocked: "⊘", done: "✓", none: "○" };
// Stacked bottom to top in the chart and left to right in bars: the good news first.
const STACK = ["done", "on_track", "at_risk", "blocked", "none"];

export const progressOf = (item) => (item.progress && item.progress.state) || "none";
export const helpersOf = (item) => item.helpers || [];
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

const total = (counts) => STACK.reduce((sum, key) => sum + (counts[key] || 0), 0);

// "2 of 3 done · 1 blocked · 1 at risk": what a criterion or the plan stands at.
export function progressSummary(counts) {
  const parts = [`${counts.done} of ${total(counts)} done`];
  if (counts.blocked) parts.push(`${counts.blocked} blocked`);
  if (counts.at_risk) parts.push(`${counts.at_risk} at risk`);
  return parts.join(" · ");
}

// "3 done, 1 on track, 1 blocked": a check-in's counts, the states that have any.
export function countsText(counts) {
  const parts = STACK.filter((key) => counts[key]).map((key) => `${counts[key]} ${key === "none" ? "without an update" : PROGRESS_LABELS[key].toLowerCase()}`);
  return parts.length ? parts.join(", ") : "no items";
}

function boardOrder(state) {
  const lanes = new Map(state.lanes.map((lane, index) => [lane.id, index]));
  return (a, b) => (lanes.get(a.lane) ?? 0) - (lanes.get(b.lane) ?? 0) || a.position - b.position;
}

// Blocked items nobody helps with, blocked ones with help, then those at risk; board order within.
export function attentionList(state) {
  const rank = (item) => (needsHelp(item) ? 0 : progressOf(item) === "blocked" ? 1 : progressOf(item) === "at_risk" ? 2 : 9);
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
      menuButton(item.progress && item.progress.note ? "Edit the note…" : "Add a note…", { action: "item.progress.note", item: item.id }, `${key}:note`),
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
  if (!progress || !progress.note) return null;
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
      helpers.slice(0, 4).map((id) => avatar(id, ctx.names.get(id) || "someone who left", { you: id === ctx.state.me.member })),
      helpers.length > 4 ? h("span", { class: "helpers-more", text: `+${helpers.length - 4}` }) : null,
    ),
  );
}

export function helpButton(item, ctx, focusPrefix = "item") {
  const { state, rules } = ctx;
  if (!rules.offerHelp(item) || item.owners.includes(state.me.member)) return null;
  const helping = helpersOf(item).includes(state.me.member);
  if (progressOf(item) === "done" && !helping) return null; // nothing left to help with
  return h(
    "button",
    {
      type: "button",
      class: ["help-button", helping ? "pressed" : needsHelp(item) && "urgent"],
      "aria-pressed": helping ? "true" : "false",
      // The name starts with the words shown (WCAG 2.5.3), then says which item.
      "aria-label": `${helping ? "Withdraw help from" : "I can help with"} ${quote(item.title)}`,
      dataset: { action: "item.help", item: item.id, offer: helping ? "false" : "true", focus: `${focusPrefix}:${item.id}:help` },
    },
    h("span", { "aria-hidden": "true", text: helping ? "✓ " : "+ " }),
    helping ? "Withdraw help" : "I can help",
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
          h("input", { type: "radio", name: "state", value: state, checked: state === current, dataset: { focus: `progress-form:${item.id}:${state}` } }),
          h("span", { class: "progress-icon", "aria-hidden": "true", text: PROGRESS_ICONS[state] }),
          h("span", { text: PROGRESS_LABELS[state] }),
        ),
      ),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: `progress-note-${item.id}`, text: "Note (optional)" }),
      h("textarea", { id: `progress-note-${item.id}`, name: "note", rows: "3", maxlength: "500", placeholder: "What changed, what is in the way, what would help", dataset: { focus: `progress-form:${item.id}:note` } }),
    ),
    h("p", { class: "form-error", role: "alert", hidden: true }),
    h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "primary", dataset: { focus: `progress-form:${item.id}:save` }, text: "Save progress" })),
  );
  form.querySelector("textarea").value = (item.progress && item.progress.note) || "";
  return form;
}

// --- above the lanes -----------------------------------------------------------------------------

export function progressBar(counts, { label }) {
  const all = total(counts);
  const bar = h("span", { class: "progress-bar", role: "img", "aria-label": `${label}: ${countsText(counts)}` });
  for (const key of STACK) {
    if (!counts[key]) continue;
    bar.append(h("span", { class: `progress-seg progress-${key}`, title: `${PROGRESS_LABELS[key]}: ${counts[key]}`, style: { width: `${(counts[key] / all) * 100}%` } }));
  }
  return bar;
}

export function overviewSignature(ctx) {
  const { state } = ctx;
  if (!tracking(state)) return "off";
  return JSON.stringify([
    state.workshop.success_criteria,
    planItems(state).map((item) => [item.id, item.title, item.lane, item.position, item.criterion, progressOf(item), helpersOf(item).length, item.owners.map((id) => ctx.names.get(id))]),
    state.lanes.map((lane) => lane.id),
  ]);
}

export function renderOverview(ctx) {
  const { state } = ctx;
  const items = planItems(state);
  const attention = attentionList(state);
  const strip = h(
    "section",
    { class: ["needs-attention", attention.length === 0 && "is-calm"], "aria-labelledby": "attention-title" },
    h("h2", { id: "attention-title", class: "overview-title" }, attention.length ? `Needs attention · ${attention.length}` : "Needs attention"),
  );
  if (!attention.length) {
    strip.append(h("p", { class: "attention-calm" }, h("span", { "aria-hidden": "true", text: "✓ " }), "Nothing is blocked or at risk."));
  } else {
    strip.append(
      h(
        "ul",
        { class: "attention-list" },
        attention.map((item) => {
          const owners = item.owners.map((id) => memberName(state, id)).join(", ") || "no owner";
          const helpers = helpersOf(item).length;
          return h(
            "li",
            null,
            h(
              "button",
              {
                type: "button",
                class: ["attention-item", `progress-${progressOf(item)}`, needsHelp(item) && "needs-help"],
                dataset: { action: "item.jump", item: item.id, attentionItem: item.id, focus: `attention:${item.id}` },
              },
              progressChip(item),
              h("span", { class: "attention-title", text: item.title }),
              h("span", { class: "attention-meta", text: helpers ? `${owners} · ${plural(helpers, "helper")}` : owners }),
            ),
          );
        }),
      ),
    );
  }
  const criteria = state.workshop.success_criteria;
  const lines = criteria.map((text, index) => {
    const serving = items.filter((item) => item.criterion === index);
    const counts = countProgress(serving);
    return h(
      "li",
      { class: "criterion-progress", dataset: { criterion: index } },
      h("span", { class: "chip-number", text: `C${index + 1}` }),
      h("span", { class: "criterion-progress-text", title: text, text }),
      serving.length ? progressBar(counts, { label: `Criterion ${index + 1}` }) : null,
      h("span", { class: ["criterion-progress-count", !serving.length && "unserved"], text: serving.length ? progressSummary(counts) : "no item serves it" }),
    );
  });
  const loose = items.filter((item) => item.criterion === null || item.criterion >= criteria.length);
  if (loose.length && criteria.length) {
    const counts = countProgress(loose);
    lines.push(
      h(
        "li",
        { class: "criterion-progress loose" },
        h("span", { class: "chip-number", text: "–" }),
        h("span", { class: "criterion-progress-text", text: "Not tied to a criterion" }),
        progressBar(counts, { label: "Items not tied to a criterion" }),
        h("span", { class: "criterion-progress-count", text: progressSummary(counts) }),
      ),
    );
  }
  const byCriterion = lines.length
    ? h("section", { class: "criteria-progress", "aria-labelledby": "criteria-progress-title" }, h("h2", { id: "criteria-progress-title", class: "overview-title", text: "Success criteria" }), h("ul", null, lines))
    : null;
  return [strip, byCriterion];
}

// --- the side: the check-ins and their history ---------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, String(value));
  for (const child of children) if (child) element.append(child);
  return element;
}

// One stacked bar per check-in, oldest first, and "now" (what a check-in would record).
export function checkinChart(checkins, now) {
  const bars = [...checkins.map((checkin) => ({ key: String(checkin.number), label: String(checkin.number), counts: checkin.counts, checkin })), { key: "now", label: "now", counts: now }];
  const most = Math.max(1, ...bars.map((bar) => total(bar.counts)));
  const width = 30;
  const gap = 14;
  const height = 120;
  const top = 6;
  const base = top + height;
  const chartWidth = bars.length * (width + gap) + gap;
  const chart = svg("svg", {
    class: "checkin-chart",
    viewBox: `0 0 ${chartWidth} ${base + 20}`,
    width: chartWidth,
    height: base + 20,
    role: "img",
    "aria-label": `Progress at each check-in: ${bars.map((bar) => `${bar.key === "now" ? "now" : `check-in ${bar.label}`}, ${countsText(bar.counts)}`).join("; ")}`,
  });
  chart.append(svg("line", { class: "chart-axis", x1: 0, x2: chartWidth, y1: base + 0.5, y2: base + 0.5 }));
  bars.forEach((bar, index) => {
    const x = gap + index * (width + gap);
    const group = svg("g", bar.key === "now" ? { class: "chart-bar now" } : { class: "chart-bar", "data-checkin": bar.key });
    // "Now" is not recorded yet: the same bar, in a dashed frame.
    if (bar.key === "now") group.append(svg("rect", { class: "chart-now-frame", x: x - 3.5, y: base - (total(bar.counts) / most) * height - 3.5, width: width + 7, height: (total(bar.counts) / most) * height + 3.5 }));
    let y = base;
    for (const key of STACK) {
      const count = bar.counts[key] || 0;
      if (!count) continue;
      const segment = (count / most) * height;
      y -= segment;
      group.append(svg("rect", { class: `chart-seg progress-${key}`, x, y, width, height: Math.max(segment - 1, 1) }, svg("title", null, document.createTextNode(`${bar.key === "now" ? "Now" : `Check-in ${bar.label}`}: ${count} ${PROGRESS_LABELS[key].toLowerCase()}`))));
    }
    group.append(svg("text", { class: "chart-label", x: x + width / 2, y: base + 15, "text-anchor": "middle" }, document.createTextNode(bar.label)));
    chart.append(group);
  });
  return chart;
}

function legend() {
  return h(
    "ul",
    { class: "chart-legend", "aria-hidden": "true" },
    [...STACK].reverse().map((key) => h("li", null, h("span", { class: `legend-swatch progress-${key}` }), h("span", { class: "progress-icon", text: PROGRESS_ICONS[key] }), PROGRESS_LABELS[key])),
  );
}

export function progressPanelSignature(ctx) {
  const { state, rules, ui } = ctx;
  return JSON.stringify([
    state.workshop.phase,
    state.workshop.checkins || [],
    countProgress(planItems(state)),
    rules.recordCheckin,
    state.workshop.focus ?? null,
    state.members.map((member) => [member.id, member.name]),
    ui.deviceLink,
    state.items.filter((item) => item.status === "accepted" && item.owners.includes(state.me.member)).length,
  ]);
}

export function renderProgressPanel(ctx) {
  const { state, rules, ui } = ctx;
  const checkins = state.workshop.checkins || [];
  const now = countProgress(planItems(state));
  const parts = [h("h2", { class: "h-small", id: "progress-title", text: "Progress over time" })];
  parts.push(h("div", { class: "chart-box" }, checkinChart(checkins, now)), legend());
  if (rules.recordCheckin) {
    const walking = state.workshop.focus !== null && state.workshop.focus !== undefined;
    parts.push(
      h(
        "div",
        { class: "checkin-controls" },
        h("button", { type: "button", class: walking ? null : "primary", dataset: { action: "checkin.start", focus: "checkin:start:side" }, text: walking ? "Walk from the top again" : "Run a check-in" }),
        h("button", { type: "button", class: walking ? "primary" : "small", dataset: { action: "checkin.record", focus: "checkin:record:side" }, text: "Record check-in…" }),
        h("p", { class: "help", text: "A check-in walks everyone through what is blocked and at risk first, then freezes the counts with a note." }),
      ),
    );
  }
  parts.push(h("h3", { class: "h-small", text: checkins.length ? `Check-ins (${checkins.length})` : "Check-ins" }));
  if (!checkins.length) parts.push(h("p", { class: "muted", text: "None yet. A facilitator records one at each catch-up: the counts are kept, and show here as a bar." }));
  else {
    parts.push(
      h(
        "ol",
        { class: "checkin-list", reversed: true },
        [...checkins].reverse().map((checkin) =>
          h(
            "li",
            { dataset: { checkin: checkin.number } },
            h("p", { class: "checkin-head" }, h("strong", { text: `Check-in ${checkin.number}` }), " · ", h("time", { datetime: checkin.at, text: formatDateTime(checkin.at) }), ` · ${memberName(state, checkin.by, { you: false })}`),
            h("p", { class: "checkin-counts", text: countsText(checkin.counts) }),
            checkin.note ? h("p", { class: "checkin-note", text: checkin.note }) : null,
          ),
        ),
      ),
    );
  }
  parts.push(deviceLink(ctx, ui.deviceLink || {}));
  return parts;
}

// "My commitments" for those who own part of the plan.
export function myCommitments(ctx) {
  const { state } = ctx;
  const mine = state.items.filter((item) => item.status === "accepted" && item.owners.includes(state.me.member)).length;
  if (!mine || !tracking(state)) return null;
  return h(
    "a",
    { class: "button small mine-link", href: `/w/${encodeURIComponent(ctx.workshopId)}/mine/`, dataset: { focus: "mine:link" } },
    `My commitments (${mine})`,
  );
}

// A guest's membership lives in this browser: a personal link takes it to another one.
function deviceLink(ctx, link) {
  const box = h(
    "div",
    { class: "tool device-link" },
    h("h3", { class: "tool-title", text: "Your board on another device" }),
    h("p", { class: "help", text: "A personal link that signs another browser in as you. Keep it to yourself; making a new one turns the old one off." }),
  );
  if (link.url) {
    box.append(
      h(
        "div",
        { class: "copy-row" },
        h("label", { class: "sr-only", for: "device-link-url", text: "Your personal link" }),
        h("input", { id: "device-link-url", type: "text", readonly: true, value: link.url, dataset: { focus: "device:url" } }),
        h("button", { type: "button", class: "small", dataset: { action: "device.copy", focus: "device:copy" }, text: link.copied ? "Copied" : "Copy" }),
      ),
    );
  }
  if (link.error) box.append(h("p", { class: "form-error", role: "alert", text: link.error }));
  box.append(
    h("button", { type: "button", class: "small", disabled: Boolean(link.busy), dataset: { action: "device.link", focus: "device:link" }, text: link.busy ? "Making the link…" : link.url ? "Make a new link" : "Open on another device" }),
    myCommitments(ctx),
  );
  return box;
}
