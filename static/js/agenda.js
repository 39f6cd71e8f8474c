// The agenda in the room (protocol §8): the current step under the phase row, on every screen,
// with its title, its instructions (two lines, the rest a tap away), its time left (the shared
// timer: view.tick fills every `.timer`) and what comes next; for a facilitator, one click to move
// on or back, or to start the agenda. The Tools tab lists the steps with the current one marked.

import { h, srOnly } from "./dom.js";
import { PHASE_LABELS, plural } from "./format.js";

export function minutesText(step) {
  return step.minutes ? `${step.minutes} min` : "no time box";
}

export function currentStep(workshop) {
  const agenda = workshop.agenda || [];
  const index = workshop.step ?? null;
  return index === null || index >= agenda.length ? null : { index, step: agenda[index], agenda };
}

function stepButton(index, text, { primary = false, label = null } = {}) {
  return h("button", {
    type: "button",
    class: ["small", primary && "primary"],
    "aria-label": label,
    dataset: { action: "agenda.step", index: index === null ? "" : String(index), focus: `agenda:${text}` },
    text,
  });
}

// The strip under the phase row, or null when there is nothing to show (no agenda, or no step
// current for someone who cannot start it).
export function renderAgendaStrip({ state, rules, ui }) {
  const workshop = state.workshop;
  const agenda = workshop.agenda || [];
  if (!agenda.length) return null;
  const current = currentStep(workshop);
  if (!current) {
    if (!rules.stepAgenda) return null;
    return h(
      "div",
      { class: "agenda-strip is-idle", role: "group", "aria-label": "Agenda" },
      h("span", { class: "agenda-count", text: `Agenda · ${plural(agenda.length, "step")}` }),
      stepButton(0, "Start the agenda", { primary: true }),
    );
  }
  const { index, step } = current;
  const next = agenda[index + 1];
  const open = Boolean(ui.agendaOpen);
  const instructions = step.instructions
    ? h("p", { id: "agenda-instructions", class: ["agenda-instructions", open && "is-open"] }, step.instructions, " ")
    : null;
  const more = step.instructions
    ? h("button", {
        type: "button",
        class: "link agenda-more",
        "aria-expanded": open ? "true" : "false",
        "aria-controls": "agenda-instructions",
        dataset: { action: "agenda.more", focus: "agenda:more" },
        text: open ? "Less" : "More",
      })
    : null;
  const controls = rules.stepAgenda
    ? h(
        "span",
        { class: "agenda-controls" },
        index > 0 ? stepButton(index - 1, "‹ Back", { label: "Back to the previous step" }) : null,
        next
          ? stepButton(index + 1, "Next step ›", { primary: true })
          : stepButton(null, "End the agenda", { primary: true }),
      )
    : null;
  return h(
    "div",
    { class: "agenda-strip", role: "group", "aria-label": "Agenda", dataset: { step: index } },
    h(
      "p",
      { class: "agenda-head" },
      h("span", { class: "agenda-count", text: `${index + 1}/${agenda.length}` }),
      srOnly(` Step ${index + 1} of ${agenda.length}: `),
      h("strong", { class: "agenda-title", text: step.title }),
      workshop.timer
        ? h(
            "span",
            { class: "timer agenda-timer", role: "timer", "aria-label": "Time left in this step" },
            h("span", { class: "timer-remaining", text: "" }),
          )
        : null,
      h("span", {
        class: "agenda-next",
        text: next ? `Next: ${next.title} · ${minutesText(next)}` : "Last step",
      }),
    ),
    instructions,
    more,
    controls,
  );
}

// The Tools tab: the agenda's steps, the current one marked; each can be stepped to.
export function agendaTool({ state, rules }) {
  const workshop = state.workshop;
  const agenda = workshop.agenda || [];
  const tool = h("div", { class: "tool agenda-tool" }, h("h3", { class: "tool-title", text: "Agenda" }));
  if (!agenda.length) {
    tool.append(h("p", { class: "muted", text: "No agenda: a workshop started from a template brings one." }));
    return tool;
  }
  const current = workshop.step ?? null;
  tool.append(
    h(
      "ol",
      { class: "agenda-list" },
      agenda.map((step, index) =>
        h(
          "li",
          { class: ["agenda-item", index === current && "current"], "aria-current": index === current ? "step" : null },
          rules.stepAgenda
            ? h("button", {
                type: "button",
                class: "link-plain",
                dataset: { action: "agenda.step", index: String(index), focus: `agenda-step:${index}` },
                text: step.title,
              })
            : h("span", { text: step.title }),
          h("span", { class: "muted", text: ` · ${PHASE_LABELS[step.phase]} · ${minutesText(step)}` }),
          index === current ? srOnly(" (current step)") : null,
        ),
      ),
    ),
  );
  if (current !== null && rules.stepAgenda) {
    tool.append(
      h("button", {
        type: "button",
        class: "small",
        dataset: { action: "agenda.step", index: "", focus: "agenda:leave" },
        text: "Leave the agenda",
      }),
    );
  }
  return tool;
}

// One sentence for a step change: the live region's and a member's notice.
export function stepSentence(workshop, index) {
  const agenda = workshop.agenda || [];
  const step = agenda[index];
  if (!step) return null;
  const next = agenda[index + 1];
  const time = step.minutes ? `, ${plural(step.minutes, "minute")}` : "";
  const then = next ? ` Next: ${next.title}.` : " It is the last step.";
  return `Step ${index + 1} of ${agenda.length}: ${step.title}${time}.${then}`;
}
