// The goal, folded into the top of the board: its title and the success criteria as numbered
// chips with how many items serve each. "About the goal" opens why it matters and the criteria in
// full; the leader edits the goal from there.

import { h } from "./dom.js";
import { plural } from "./format.js";
import { countProgress, planItems, progressOf, progressSummary } from "./progress.js";

// How many items serve each criterion: accepted ones once planning, else every item not dropped.
export function coverage(state) {
  const planning = state.workshop.phase === "plan" || state.workshop.phase === "agreed";
  const counts = state.workshop.success_criteria.map(() => 0);
  for (const item of state.items) {
    // A face-down card (protocol §10) says nothing of what it serves.
    if (item.hidden || item.criterion === null || item.criterion >= counts.length) continue;
    if (planning ? item.status === "accepted" : item.status !== "dropped") counts[item.criterion] += 1;
  }
  return { counts, planning };
}

// Once agreed, how many of each criterion's items are done.
function doneBy(state) {
  if (state.workshop.phase !== "agreed") return null;
  const done = state.workshop.success_criteria.map(() => 0);
  for (const item of planItems(state))
    if (item.criterion !== null && item.criterion < done.length && progressOf(item) === "done")
      done[item.criterion] += 1;
  return done;
}

export function renderGoal(ctx, editForm) {
  const { state, ui, rules } = ctx;
  const workshop = state.workshop;
  const { counts, planning } = coverage(state);
  const criteria = workshop.success_criteria;
  const open = ui.goalOpen || (ui.editingGoal && rules.editGoal);
  const done = doneBy(state);
  const serving = (count) => plural(count, planning ? "accepted item" : "item");
  const servingItems = (index) => planItems(state).filter((item) => item.criterion === index);
  const chips = criteria.length
    ? h(
        "ul",
        { class: "criteria-chips", "aria-label": "Success criteria" },
        criteria.map((text, index) =>
          h(
            "li",
            {
              class: ["criterion-chip", counts[index] ? "served" : "unserved"],
              title: `${index + 1}. ${text}`,
              // A card dropped here serves this criterion (dnd.js).
              dataset: { criterion: index, criterionDrop: index },
            },
            h(
              "button",
              {
                type: "button",
                class: "chip-open",
                "aria-controls": "goal-details",
                "aria-expanded": open ? "true" : "false",
                dataset: { action: "goal.show", focus: `goal:chip:${index}` },
              },
              h("span", { class: "chip-number", text: `C${index + 1}` }),
              h("span", { class: "chip-text", text }),
              done && counts[index]
                ? h(
                    "span",
                    {
                      class: ["chip-count", "chip-done", done[index] === counts[index] && "all-done"],
                      title: `${done[index]} of ${counts[index]} done`,
                    },
                    h("span", { "aria-hidden": "true", text: `${done[index]}/${counts[index]} done` }),
                    h("span", { class: "sr-only", text: `: ${done[index]} of ${counts[index]} done` }),
                  )
                : h(
                    "span",
                    { class: "chip-count", title: planning ? "accepted items that serve it" : "items that serve it" },
                    h("span", {
                      "aria-hidden": "true",
                      text: counts[index] ? `${planning ? "✓" : "●"}${counts[index]}` : "–",
                    }),
                    h("span", {
                      class: "sr-only",
                      text: `: ${counts[index] ? serving(counts[index]) : "no item yet"}`,
                    }),
                  ),
            ),
          ),
        ),
      )
    : null;
  const toggle = h(
    "button",
    {
      type: "button",
      class: "goal-toggle small",
      "aria-expanded": open ? "true" : "false",
      "aria-controls": "goal-details",
      dataset: { action: "goal.toggle", focus: "goal:toggle" },
    },
    open ? "Close" : "About the goal",
  );
  const line = h(
    "div",
    { class: "goal-line" },
    h("p", { class: "goal-eyebrow", "aria-hidden": "true", text: "Goal" }),
    h("h1", { id: "goal-title", text: workshop.title }),
    chips,
    toggle,
  );
  // Drawn while folded too (hidden), so that "About the goal" only has to show it.
  const details = h("div", { id: "goal-details", class: "goal-details", hidden: !open });
  if (ui.editingGoal && rules.editGoal) details.append(editForm());
  else {
    details.append(
      h("p", { class: "goal-full-title", text: workshop.title }),
      h("h2", { class: "h-small", text: "Why it matters" }),
      workshop.why
        ? h("p", { class: "why", text: workshop.why })
        : h("p", { class: "muted", text: "Not written down yet." }),
      criteria.length ? h("h2", { class: "h-small", text: "How we will know we got there" }) : null,
      criteria.length
        ? h(
            "ol",
            { class: "criteria" },
            criteria.map((text, index) =>
              h(
                "li",
                null,
                text,
                h("span", {
                  class: ["criterion-count", counts[index] ? null : "unserved"],
                  text: counts[index]
                    ? ` — ${done ? progressSummary(countProgress(servingItems(index))) : serving(counts[index])}`
                    : workshop.phase === "agreed"
                      ? " — no accepted item serves this"
                      : " — nothing serves this yet",
                }),
              ),
            ),
          )
        : null,
      rules.editGoal
        ? h("button", {
            type: "button",
            class: "small",
            dataset: { action: "goal.open", focus: "goal:edit" },
            text: "Edit goal",
          })
        : null,
    );
  }
  return [line, details];
}
