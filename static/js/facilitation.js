// The facilitator's tools beside the board: the timer, the confidence check, the lanes, the
// plan export and the invite links. Everything here is also a move everyone sees.

import { agendaTool } from "./agenda.js";
import { planningOf } from "./capacity.js";
import { h } from "./dom.js";
import { plural } from "./format.js";

export function renderTools(ctx, { timerForm, laneForm, exportsBox, invitesBox, templateForm, capacityForm }) {
  const { state, rules, ui } = ctx;
  const check = state.workshop.confidence || { open: false, answers: 0 };
  const confidence = h("div", { class: "tool" }, h("h3", { class: "tool-title", text: "Confidence check" }));
  if (check.open) {
    confidence.append(
      h("p", { class: "muted", text: `Open: ${plural(check.answers, "answer")} so far.` }),
      rules.closeConfidence
        ? h("button", {
            type: "button",
            dataset: { action: "confidence.close", focus: "confidence:close" },
            text: "Close and show the result",
          })
        : null,
    );
  } else if (rules.openConfidence) {
    confidence.append(
      h("button", {
        type: "button",
        dataset: { action: "confidence.open", focus: "confidence:open" },
        text: "Open a confidence check",
      }),
    );
  } else {
    confidence.append(h("p", { class: "muted", text: "Taken in the plan phase." }));
  }
  const lanes = h("div", { class: "tool" }, h("h3", { class: "tool-title", text: "Lanes" }));
  if (!rules.lanes) {
    lanes.append(h("p", { class: "muted", text: "Reopen the plan to change lanes." }));
  } else if (ui.addingLane) {
    lanes.append(laneForm());
  } else {
    lanes.append(
      h(
        "button",
        {
          type: "button",
          class: "small",
          disabled: state.lanes.length >= 20,
          dataset: { action: "lane.add.open", focus: "lane:new" },
        },
        h("span", { "aria-hidden": "true", text: "+ " }),
        "Add a lane",
      ),
      h("p", { class: "help", text: "Rename, move or delete a lane from its ⋯ menu." }),
    );
  }
  return [
    h("h2", { id: "facilitate-title", class: "h-small", text: "Facilitate" }),
    invitesBox,
    agendaTool(ctx),
    planningTool(ctx, capacityForm),
    h(
      "div",
      { class: "tool" },
      h("h3", { class: "tool-title", text: "Timer" }),
      timerForm,
      state.workshop.timer
        ? h("button", {
            type: "button",
            class: "small",
            dataset: { action: "timer.stop", focus: "timer:stop" },
            text: "Stop the timer",
          })
        : null,
    ),
    confidence,
    lanes,
    exportsBox,
    h(
      "div",
      { class: "tool" },
      h("h3", { class: "tool-title", text: "Save as template" }),
      h("p", {
        class: "help",
        text: "Keeps this workshop’s lanes, vote budget, agenda and planning settings for the next one: never its items, goal or people.",
      }),
      templateForm,
    ),
    h(
      "div",
      { class: "tool" },
      h("h3", { class: "tool-title", text: "Connections" }),
      h("p", {
        class: "help",
        text: "Post to the team’s chat when the plan is agreed or something is stuck; webhooks for other tools.",
      }),
      h("a", {
        class: "button small",
        href: `/w/${encodeURIComponent(state.workshop.id)}/connections/`,
        text: "Chat rooms and webhooks",
      }),
    ),
  ];
}

// The planning game's settings (protocol §10): estimates, a capacity, private writing while
// gathering. A tick is sent at once; the capacity with its button. Not once the plan is agreed.
function planningTool(ctx, capacityForm) {
  const { state, rules } = ctx;
  const planning = planningOf(state.workshop);
  const off = !rules.setPlanning;
  const check = (name, label, help) =>
    h(
      "div",
      { class: "planning-check" },
      h("input", {
        type: "checkbox",
        id: `planning-${name}`,
        name,
        checked: Boolean(planning[name]),
        disabled: off,
        "aria-describedby": `planning-${name}-help`,
        dataset: { action: "planning.set", focus: `planning:${name}` },
      }),
      h("label", { for: `planning-${name}`, text: label }),
      h("p", { id: `planning-${name}-help`, class: "help", text: help }),
    );
  syncCapacity(capacityForm, planning.capacity_hours, off);
  return h(
    "div",
    { class: "tool planning-tool" },
    h("h3", { class: "tool-title", text: "Planning game" }),
    off ? h("p", { class: "muted", text: "Reopen the plan to change these." }) : null,
    check("estimates", "Estimate cards", "2, 4, 8, 16 or 32 hours on every card."),
    capacityForm,
    check(
      "private_gather",
      "Private writing while gathering",
      "Everyone sees only their own cards; the others’ stay face down until you move on from gathering.",
    ),
  );
}

// The capacity field shows the setting, unless someone is typing in it.
function syncCapacity(form, capacity, off) {
  const input = form.querySelector("[name=capacity_hours]");
  const value = capacity === null ? "" : String(capacity);
  if (document.activeElement !== input && input.value !== value) input.value = value;
  for (const element of form.elements) element.disabled = off;
}

export function capacityForm() {
  return h(
    "form",
    // Checked by submits.js, which says what is wrong in words.
    {
      class: "inline-form capacity-form",
      "aria-label": "Capacity",
      novalidate: true,
      dataset: { form: "planning.capacity" },
    },
    h("label", { for: "planning-capacity", text: "Capacity (hours)" }),
    h("input", {
      id: "planning-capacity",
      name: "capacity_hours",
      type: "number",
      min: "1",
      max: "100000",
      step: "1",
      inputmode: "numeric",
      placeholder: "none",
      "aria-describedby": "planning-capacity-help",
      dataset: { focus: "planning:capacity" },
    }),
    h("button", { type: "submit", class: "small", dataset: { focus: "planning:capacity-set" }, text: "Set" }),
    h("p", {
      id: "planning-capacity-help",
      class: "help",
      text: "Empty for none. With a capacity, agreeing needs every accepted item estimated and the load within it.",
    }),
    h("p", { class: "form-error", role: "alert", hidden: true }),
  );
}
