// After the agreement, beyond the cards (protocol §7): "Needs attention" and each success
// criterion's progress above the lanes, and the side's Progress tab (the check-ins' history as
// stacked bars, the check-ins, "Open on another device", "My commitments").

import { h } from "./dom.js";
import { formatDateTime, memberName, plural } from "./format.js";
import {
  attentionList,
  countProgress,
  countsText,
  helpersOf,
  helpNotesList,
  needsHelp,
  PROGRESS_ICONS,
  PROGRESS_LABELS,
  planItems,
  progressBar,
  progressChip,
  progressOf,
  progressSummary,
  STACK,
  total,
  tracking,
} from "./progress.js";

// Under an entry of "Needs attention": what the blocker said, and how the helpers can help. Each
// folds to two lines; the item's dialog has them in full.
function attentionNotes(item, ctx) {
  const progress = item.progress;
  const said = progress?.note
    ? h(
        "p",
        { class: "attention-note", title: progress.note },
        h("span", { class: "attention-note-text", text: progress.note }),
        h("span", { class: "attention-note-by", text: ` — ${memberName(ctx.state, progress.by)}` }),
      )
    : null;
  const help = helpNotesList(item, ctx);
  if (!said && !help) return null;
  return h("div", { class: "attention-notes", dataset: { attentionNotes: item.id } }, said, help);
}

export function renderOverview(ctx) {
  const { state } = ctx;
  const items = planItems(state);
  const attention = attentionList(state);
  const strip = h(
    "section",
    { class: ["needs-attention", attention.length === 0 && "is-calm"], "aria-labelledby": "attention-title" },
    h(
      "h2",
      { id: "attention-title", class: "overview-title" },
      attention.length ? `Needs attention · ${attention.length}` : "Needs attention",
    ),
  );
  if (!attention.length) {
    strip.append(
      h(
        "p",
        { class: "attention-calm" },
        h("span", { "aria-hidden": "true", text: "✓ " }),
        "Nothing is blocked or at risk",
      ),
    );
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
            { class: `progress-${progressOf(item)}` },
            h(
              "button",
              {
                type: "button",
                class: ["attention-item", `progress-${progressOf(item)}`, needsHelp(item) && "needs-help"],
                dataset: { action: "item.jump", item: item.id, attentionItem: item.id, focus: `attention:${item.id}` },
              },
              progressChip(item),
              h("span", { class: "attention-title", text: item.title }),
              h("span", {
                class: "attention-meta",
                text: helpers ? `${owners} · ${plural(helpers, "helper")}` : owners,
              }),
            ),
            attentionNotes(item, ctx),
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
      h("span", {
        class: ["criterion-progress-count", !serving.length && "unserved"],
        text: serving.length ? progressSummary(counts) : "no item serves it",
      }),
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
    ? h(
        "section",
        { class: "criteria-progress", "aria-labelledby": "criteria-progress-title" },
        h("h2", { id: "criteria-progress-title", class: "overview-title", text: "Success criteria" }),
        h("ul", null, lines),
      )
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

const barText = (bar) => `${bar.key === "now" ? "now" : `check-in ${bar.label}`}, ${countsText(bar.counts)}`;

// One stacked bar per check-in, oldest first, and "now" (what a check-in would record).
export function checkinChart(checkins, now) {
  const bars = [
    ...checkins.map((checkin) => ({
      key: String(checkin.number),
      label: String(checkin.number),
      counts: checkin.counts,
      checkin,
    })),
    { key: "now", label: "now", counts: now },
  ];
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
    "aria-label": `Progress at each check-in: ${bars.map(barText).join("; ")}`,
  });
  chart.append(svg("line", { class: "chart-axis", x1: 0, x2: chartWidth, y1: base + 0.5, y2: base + 0.5 }));
  bars.forEach((bar, index) => {
    const x = gap + index * (width + gap);
    const group = svg(
      "g",
      bar.key === "now" ? { class: "chart-bar now" } : { class: "chart-bar", "data-checkin": bar.key },
    );
    // "Now" is not recorded yet: the same bar, in a dashed frame.
    if (bar.key === "now")
      group.append(
        svg("rect", {
          class: "chart-now-frame",
          x: x - 3.5,
          y: base - (total(bar.counts) / most) * height - 3.5,
          width: width + 7,
          height: (total(bar.counts) / most) * height + 3.5,
        }),
      );
    let y = base;
    for (const key of STACK) {
      const count = bar.counts[key] || 0;
      if (!count) continue;
      const segment = (count / most) * height;
      y -= segment;
      group.append(
        svg(
          "rect",
          { class: `chart-seg progress-${key}`, x, y, width, height: Math.max(segment - 1, 1) },
          svg(
            "title",
            null,
            document.createTextNode(
              `${bar.key === "now" ? "Now" : `Check-in ${bar.label}`}: ${count} ${PROGRESS_LABELS[key].toLowerCase()}`,
            ),
          ),
        ),
      );
    }
    group.append(
      svg(
        "text",
        { class: "chart-label", x: x + width / 2, y: base + 15, "text-anchor": "middle" },
        document.createTextNode(bar.label),
      ),
    );
    chart.append(group);
  });
  return chart;
}

function legend() {
  return h(
    "ul",
    { class: "chart-legend", "aria-hidden": "true" },
    [...STACK]
      .reverse()
      .map((key) =>
        h(
          "li",
          null,
          h("span", { class: `legend-swatch progress-${key}` }),
          h("span", { class: "progress-icon", text: PROGRESS_ICONS[key] }),
          PROGRESS_LABELS[key],
        ),
      ),
  );
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
        h("button", {
          type: "button",
          class: walking ? null : "primary",
          dataset: { action: "checkin.start", focus: "checkin:start:side" },
          text: walking ? "Walk from the top again" : "Run a check-in",
        }),
        h("button", {
          type: "button",
          class: walking ? "primary" : "small",
          dataset: { action: "checkin.record", focus: "checkin:record:side" },
          text: "Record check-in…",
        }),
        h("p", {
          class: "help",
          text:
            "A check-in walks everyone through what is blocked and at risk first, " +
            "then freezes the counts with a note.",
        }),
      ),
    );
  }
  parts.push(h("h3", { class: "h-small", text: checkins.length ? `Check-ins (${checkins.length})` : "Check-ins" }));
  if (!checkins.length)
    parts.push(
      h("p", {
        class: "muted",
        text: "None yet. A facilitator records one at each catch-up: the counts are kept, and show here as a bar.",
      }),
    );
  else {
    parts.push(
      h(
        "ol",
        { class: "checkin-list", reversed: true },
        [...checkins]
          .reverse()
          .map((checkin) =>
            h(
              "li",
              { dataset: { checkin: checkin.number } },
              h(
                "p",
                { class: "checkin-head" },
                h("strong", { text: `Check-in ${checkin.number}` }),
                " · ",
                h("time", { datetime: checkin.at, text: formatDateTime(checkin.at) }),
                ` · ${memberName(state, checkin.by, { you: false })}`,
              ),
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
    {
      class: "button small mine-link",
      href: `/w/${encodeURIComponent(ctx.workshopId)}/mine/`,
      dataset: { focus: "mine:link" },
    },
    `My commitments (${mine})`,
  );
}

// A guest's membership lives in this browser: a personal link takes it to another one.
function deviceLink(ctx, link) {
  const box = h(
    "div",
    { class: "tool device-link" },
    h("h3", { class: "tool-title", text: "Your board on another device" }),
    h("p", {
      class: "help",
      text:
        "A personal link that signs another browser in as you. " +
        "Keep it to yourself; making a new one turns the old one off.",
    }),
  );
  if (link.url) {
    box.append(
      h(
        "div",
        { class: "copy-row" },
        h("label", { class: "sr-only", for: "device-link-url", text: "Your personal link" }),
        h("input", {
          id: "device-link-url",
          type: "text",
          readonly: true,
          value: link.url,
          dataset: { focus: "device:url" },
        }),
        h("button", {
          type: "button",
          class: "small",
          dataset: { action: "device.copy", focus: "device:copy" },
          text: link.copied ? "Copied" : "Copy",
        }),
      ),
    );
  }
  if (link.error) box.append(h("p", { class: "form-error", role: "alert", text: link.error }));
  box.append(
    h("button", {
      type: "button",
      class: "small",
      disabled: Boolean(link.busy),
      dataset: { action: "device.link", focus: "device:link" },
      text: link.busy ? "Making the link…" : link.url ? "Make a new link" : "Open on another device",
    }),
    myCommitments(ctx),
  );
  return box;
}
