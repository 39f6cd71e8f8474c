// The facilitator's tools beside the board: the timer, the confidence check, the lanes, the
// plan export and the invite links. Everything here is also a move everyone sees.

import { agendaTool } from "./agenda.js";
import { h } from "./dom.js";
import { plural } from "./format.js";

export function renderTools(ctx, { timerForm, laneForm, exportsBox, invitesBox, templateForm }) {
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
