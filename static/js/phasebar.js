// The phase bar, sticky at the top of the board: where the workshop is (gather, vote, plan,
// agreed), the shared timer, the dots left, the confidence check, who is ready, and for
// facilitators the next move. Once agreed it offers everyone the plan to take home.

import { currentStep, renderAgendaStrip } from "./agenda.js";
import { loadChip } from "./capacity.js";
import { myCommitments } from "./checkins.js";
import { h, srOnly } from "./dom.js";
import { downloadLink, exportUrl, FORMATS } from "./exports.js";
import { formatDateTime, formatMean, PHASE_HINTS, PHASE_LABELS, plural } from "./format.js";
import { countProgress, planItems, progressBar, progressSummary } from "./progress.js";
import { PHASES } from "./rules.js";
import { menuNode } from "./widgets.js";

const PHASE_MOVES = {
  gather: { primary: "vote", labels: { vote: "Start voting", plan: "Skip to planning", agreed: "Agree the plan…" } },
  vote: {
    primary: "plan",
    labels: { plan: "End voting and plan", gather: "Back to gathering", agreed: "Agree the plan…" },
  },
  plan: {
    primary: "agreed",
    labels: { agreed: "Agree the plan…", vote: "Back to voting", gather: "Back to gathering" },
  },
  agreed: { primary: "plan", labels: { plan: "Reopen the plan…" } },
};

// A timer that ran out is shown as "Time's up" this long, then goes away.
export const TIMES_UP_SHOWN_MS = 30_000;

export function renderPhaseBar(ctx) {
  const { state, rules, ui } = ctx;
  const workshop = state.workshop;
  const phase = workshop.phase;
  const me = state.members.find((member) => member.id === state.me.member);
  const ready = Boolean(me?.ready);
  const participants = state.members.filter((member) => member.role !== "observer");
  const readyCount = participants.filter((member) => member.ready).length;

  const steps = h(
    "ol",
    { class: "phases", "aria-label": "Phases" },
    PHASES.map((step, index) => {
      const current = step === phase;
      const done = PHASES.indexOf(phase) > index;
      return h(
        "li",
        { class: ["phase-step", current && "current", done && "done"], "aria-current": current ? "step" : null },
        h("span", { class: "step-number", "aria-hidden": "true", text: done ? "✓" : String(index + 1) }),
        h("span", { class: "step-label", text: PHASE_LABELS[step] }),
        current ? srOnly(" (current phase)") : done ? srOnly(" (done)") : null,
      );
    }),
  );

  const status = h("div", { class: "session-status" });
  // With a step current, its time left is shown beside its title (agenda.js): one timer on screen.
  if (workshop.timer && !currentStep(workshop)) {
    status.append(
      h(
        "p",
        { class: "timer", role: "timer", "aria-label": "Timer" },
        h("span", { class: "timer-label", text: "Timer " }),
        h("span", { class: "timer-remaining", text: "" }),
      ),
    );
  }
  if (phase === "vote" && rules.participating) {
    const left = state.me.votes_left;
    status.append(
      h(
        "p",
        { class: ["dots-left", left === 0 && "none-left"] },
        h("span", {
          class: "dot-row",
          "aria-hidden": "true",
          text: "●".repeat(left) + "○".repeat(Math.max(workshop.votes_per_member - left, 0)),
        }),
        h("span", { class: "dots-text", text: `${left} of ${workshop.votes_per_member} dots left` }),
      ),
    );
  }
  const check = workshop.confidence || { open: false, answers: 0, result: null };
  if (check.open) {
    const mine = state.me.confidence ?? null;
    status.append(
      h(
        "p",
        { class: "confidence-chip is-open" },
        `Confidence check · ${plural(check.answers, "answer")}`,
        mine !== null
          ? h("button", {
              type: "button",
              class: "link",
              dataset: { action: "confidence.change", focus: "confidence:change" },
              text: ` you said ${mine}`,
            })
          : null,
      ),
    );
  } else if (check.result && check.result.mean !== null) {
    status.append(
      h(
        "button",
        {
          type: "button",
          class: "confidence-chip link-plain",
          dataset: { action: "side.tab", tab: "results", focus: "confidence:chip" },
        },
        h("span", { class: "confidence-label", text: "Confidence " }),
        `${formatMean(check.result.mean)} / 5`,
      ),
    );
  }
  // Readiness is about moving on; once agreed there is nothing to be ready for.
  if (phase !== "agreed" && participants.length) {
    status.append(h("p", { class: "ready-count", text: `${readyCount} of ${participants.length} ready` }));
  }
  // While voting, the facilitator sees who still has dots to place (People names them).
  if (phase === "vote" && rules.facilitating) {
    const holding = participants.filter((member) => (member.used || 0) < workshop.votes_per_member);
    status.append(
      h("button", {
        type: "button",
        class: "dots-pending link-plain",
        dataset: { action: "side.tab", tab: "people", focus: "session:dots-pending" },
        text: holding.length ? `${plural(holding.length, "person", "people")} with dots left` : "Every dot is placed",
      }),
    );
  }
  if (rules.ready && phase !== "agreed") {
    // The last dot placed is the moment to say so: the button asks for it.
    const spent = phase === "vote" && state.me.votes_left === 0;
    status.append(
      h(
        "button",
        {
          type: "button",
          class: ["ready-toggle", "small", ready && "pressed", spent && !ready && "primary"],
          "aria-pressed": ready ? "true" : "false",
          "aria-describedby": "ready-explained",
          title: READY_EXPLAINED,
          dataset: { action: "member.ready", ready: ready ? "false" : "true", focus: "session:ready" },
        },
        ready ? h("span", { class: "check", "aria-hidden": "true", text: "✓" }) : null,
        "I’m ready",
      ),
      h("span", { id: "ready-explained", class: "sr-only", text: READY_EXPLAINED }),
    );
  }

  const actions = h("div", { class: "phase-actions" });
  // Sorting helps decide what to take on; once agreed the board keeps the agreed order.
  if (ctx.ranked.length && phase === "plan") {
    actions.append(
      h("button", {
        type: "button",
        class: ["small", "sort-toggle", ui.sorted && "pressed"],
        "aria-pressed": ui.sorted ? "true" : "false",
        dataset: { action: "sort.votes", focus: "sort:votes" },
        text: "Sort by dots",
      }),
    );
  }
  // Once agreed, the facilitator's move is the check-in.
  if (rules.recordCheckin) {
    const walking = workshop.focus !== null && workshop.focus !== undefined;
    actions.append(
      walking
        ? h("button", {
            type: "button",
            class: "primary",
            dataset: { action: "checkin.record", focus: "checkin:record" },
            text: "Record check-in…",
          })
        : h("button", {
            type: "button",
            class: "primary",
            dataset: { action: "checkin.start", focus: "checkin:start" },
            text: "Run a check-in",
          }),
    );
  }
  // In plan, the confidence check comes before agreeing: while none is taken, it is the next move.
  const checking = confidenceMove(ctx);
  if (checking) actions.append(checking);
  if (rules.setPhase) {
    const moves = PHASE_MOVES[phase];
    const anyAccepted = state.items.some((item) => item.status === "accepted");
    const others = rules.phaseTargets.filter(
      (target) => target !== moves.primary && (target !== "agreed" || phase === "plan" || anyAccepted),
    );
    actions.append(
      h("button", {
        type: "button",
        class: phase === "agreed" ? "small" : checking?.classList.contains("primary") ? null : "primary",
        dataset: {
          action: "phase.set",
          phase: moves.primary,
          focus: `phase:${moves.primary}`,
          focusFallback: fallbackAfter(moves.primary),
        },
        text: moves.labels[moves.primary],
      }),
    );
    if (others.length) {
      actions.append(
        menuNode(
          "phase",
          "Other phases",
          ui,
          others.map((target) =>
            h("button", {
              type: "button",
              dataset: {
                action: "phase.set",
                phase: target,
                focus: `phase:${target}`,
                focusFallback: fallbackAfter(target),
              },
              text: moves.labels[target],
            }),
          ),
          { className: "phase-menu", icon: "▾" },
        ),
      );
    }
  }
  actions.append(
    h(
      "button",
      {
        type: "button",
        class: "small side-open",
        "aria-controls": "side",
        title: rules.facilitating ? "People, results and tools" : "People and results",
        dataset: { action: "side.open", focus: "side:open" },
      },
      h("span", { "aria-hidden": "true", text: "☰" }),
      h("span", { class: "sr-only", text: rules.facilitating ? "People, results and tools" : "People and results" }),
    ),
  );

  // The load against the capacity (protocol §10), live as cards are accepted and estimated: beside
  // the phases, where a phone's first line has room for it.
  const load = loadChip(state, ctx.capacity);
  const rows = [h("div", { class: "phase-row" }, steps, load, status, actions)];
  // The agenda's step says what to do now: it takes the place of the phase's general hint.
  const agenda = renderAgendaStrip(ctx);
  if (agenda) rows.push(agenda);
  else if (phase !== "agreed" && !workshop.plan_version)
    rows.push(h("p", { class: "phase-hint" }, PHASE_HINTS[phase], observing(ctx)));
  return rows;
}

const READY_EXPLAINED = "Tells the facilitator you are done with this phase; they see how many are ready.";

function observing({ rules, ui }) {
  return rules.role === "observer" && !ui.ended ? " You are watching as an observer." : null;
}

// Below the phase bar, scrolling with the board: the agreed plan and its downloads, or while a
// reopened plan is redrafted, the version that still stands. Null when there is neither.
export function renderPlanBar(ctx) {
  const workshop = ctx.state.workshop;
  if (workshop.phase === "agreed") return agreedBanner(ctx, observing(ctx));
  if (workshop.plan_version) return draftNote(ctx, observing(ctx));
  return null;
}

// The facilitator's confidence move in plan: open a check while none is taken, close an open one.
function confidenceMove({ state, rules }) {
  const check = state.workshop.confidence || { open: false, answers: 0, result: null };
  if (rules.closeConfidence) {
    return h("button", {
      type: "button",
      class: "primary",
      dataset: { action: "confidence.close", focus: "phase:confidence-close", focusFallback: "phase:agreed" },
      text: `Close the check · ${plural(check.answers, "answer")}`,
    });
  }
  if (rules.openConfidence && state.workshop.phase === "plan") {
    const taken = check.result && check.result.mean !== null;
    return h("button", {
      type: "button",
      class: taken ? "small" : "primary",
      dataset: { action: "confidence.open", focus: "phase:confidence-open", focusFallback: "phase:confidence-close" },
      text: taken ? "Check again" : "Check our confidence",
    });
  }
  return null;
}

// Where focus goes when the phase button pressed is gone: after agreeing, to the PDF.
function fallbackAfter(target) {
  return target === "agreed" ? "agreed:pdf" : null;
}

function downloads(workshopId, version, { primary = true, prefix = "agreed" } = {}) {
  return h(
    "div",
    { class: "agreed-actions", role: "group", "aria-label": `Download plan version ${version}` },
    FORMATS.map(({ key, label }) =>
      downloadLink(exportUrl(workshopId, key, version), {
        text: label,
        label: `Plan version ${version} as ${label}`,
        focus: `${prefix}:${key}`,
        primary: primary && key === "pdf",
      }),
    ),
  );
}

// Once agreed: the plan version and its downloads, for everyone.
function agreedBanner(ctx, observing) {
  const { state } = ctx;
  const workshop = state.workshop;
  const version = workshop.plan_version;
  const when = workshop.agreed_at
    ? h("time", { datetime: workshop.agreed_at, text: formatDateTime(workshop.agreed_at) })
    : null;
  return h(
    "div",
    { class: "agreed-banner", dataset: { planVersion: version } },
    h("span", { class: "agreed-icon", "aria-hidden": "true", text: "✓" }),
    h(
      "p",
      { class: "agreed-text" },
      h("strong", { class: "agreed-title", text: `Plan version ${version} is agreed` }),
      when ? h("span", { class: "agreed-when" }, " · ", when) : null,
      observing,
    ),
    overallProgress(state),
    myCommitments(ctx),
    downloads(ctx.workshopId, version),
  );
}

// The plan as a whole: one bar of done, on track, at risk, blocked and not yet reported.
function overallProgress(state) {
  const items = planItems(state);
  if (!items.length) return null;
  const counts = countProgress(items);
  return h(
    "p",
    { class: "overall-progress", dataset: { done: counts.done, total: items.length } },
    progressBar(counts, { label: "The plan" }),
    h("span", { class: "overall-progress-text", text: progressSummary(counts) }),
  );
}

// Reopened: the board is the draft of the next version; the last agreed one still stands.
function draftNote(ctx, observing) {
  const version = ctx.state.workshop.plan_version;
  return h(
    "div",
    { class: "draft-note" },
    h(
      "p",
      null,
      h("strong", { text: `Drafting version ${version + 1}.` }),
      ` Version ${version} stays the agreed plan until this one is agreed.`,
      observing,
    ),
    downloads(ctx.workshopId, version, { primary: false, prefix: "previous" }),
  );
}
