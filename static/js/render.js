// The board drawn from state. Each part (the goal, the session bar, the confidence check, each lane,
// each item, the people) is rebuilt only when what it shows changed, keyed by id; forms someone is
// typing in (adding, editing, renaming) are kept as they are across re-renders.

import { h, reconcile, replaceChildren, srOnly } from "./dom.js";
import {
  PHASE_HINTS,
  PHASE_LABELS,
  ROLE_LABELS,
  STATUS_ICONS,
  STATUS_LABELS,
  formatCountdown,
  formatDate,
  formatDateTime,
  plural,
  quote,
} from "./format.js";
import { PHASES } from "./rules.js";
import { downloadLink, exportUrl } from "./exports.js";

const PHASE_MOVES = {
  gather: { primary: "vote", labels: { vote: "Start voting", plan: "Skip to planning", agreed: "Agree the plan" } },
  vote: { primary: "plan", labels: { plan: "End voting and plan", gather: "Back to gathering", agreed: "Agree the plan" } },
  plan: { primary: "agreed", labels: { agreed: "Agree the plan", vote: "Back to voting", gather: "Back to gathering" } },
  agreed: { primary: "plan", labels: { plan: "Reopen the plan" } },
};

export class BoardView {
  constructor(root) {
    this.root = root;
    this.items = new Map(); // item id -> {sig, node}
    this.lanes = new Map(); // lane id -> {node, head, headSig, list, foot, footSig}
    this.parts = {}; // name -> sig
    this.forms = new Map(); // key -> persistent form element
    this.built = false;
  }

  build() {
    this.goal = h("section", { class: "goal", "aria-labelledby": "goal-title" });
    this.session = h("section", { class: "session", "aria-label": "Session" });
    this.checkin = h("section", { class: "checkin", "aria-labelledby": "checkin-title", hidden: true });
    this.laneBox = h("section", { class: "lanes", "aria-label": "Storyboard" });
    this.people = h("section", { class: "people", "aria-labelledby": "people-title" });
    this.facilitate = h("section", { class: "facilitate", "aria-labelledby": "facilitate-title", hidden: true });
    this.invites = h("div", { class: "invites" });
    this.exports = h("div", { class: "tool export-tool" });
    this.side = h("aside", { class: "side", "aria-label": "People and tools" }, this.people, this.facilitate);
    const hint = h("p", { id: "move-hint", class: "sr-only", text: "Alt and the arrow keys move this item." });
    // While voting, the dots left and the timer stay in view at the bottom once the session bar
    // has scrolled away. It repeats what the session bar says, so screen readers skip it.
    this.dock = h("div", { class: "dock", "aria-hidden": "true", hidden: true });
    replaceChildren(this.root, this.goal, this.session, this.checkin, this.laneBox, this.side, hint, this.dock);
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(([entry]) => {
        this.root.classList.toggle("session-away", !entry.isIntersecting && entry.boundingClientRect.top < 0);
      }).observe(this.session);
    }
    this.root.classList.add("live");
    this.built = true;
  }

  render(state, ui, rules) {
    if (!this.built) this.build();
    this.root.dataset.phase = state.workshop.phase;
    this.root.dataset.role = rules.role;
    const ctx = makeContext(state, ui, rules);
    this.renderGoal(ctx);
    this.renderSession(ctx);
    this.renderCheckin(ctx);
    this.renderLanes(ctx);
    this.renderPeople(ctx);
    this.renderFacilitate(ctx);
    this.tick(state);
  }

  // The countdown, every second, without a re-render.
  tick(state) {
    if (!state.workshop.timer) return false;
    const left = Date.parse(state.workshop.timer.ends_at) - (Date.now() + (state.clockOffset || 0));
    const text = left > 0 ? formatCountdown(left) : "Time’s up";
    for (const timer of this.root.querySelectorAll(".timer")) {
      const remaining = timer.querySelector(".timer-remaining");
      if (remaining.textContent !== text) remaining.textContent = text;
      timer.classList.toggle("timer-done", left <= 0);
    }
    return left <= 0;
  }

  // --- persistent forms --------------------------------------------------------------------------

  form(key, build) {
    let form = this.forms.get(key);
    if (!form) {
      form = build();
      this.forms.set(key, form);
    }
    return form;
  }

  dropForm(key) {
    this.forms.delete(key);
  }

  // --- the goal ----------------------------------------------------------------------------------

  renderGoal(ctx) {
    const { state, ui, rules } = ctx;
    const workshop = state.workshop;
    const editing = ui.editingGoal && rules.editGoal;
    const counts = acceptedByCriterion(state);
    const sig = JSON.stringify([
      editing || [workshop.title, workshop.why, workshop.success_criteria, counts],
      workshop.phase,
      workshop.plan_version,
      workshop.agreed_at,
      rules.editGoal,
    ]);
    if (sig === this.parts.goal) return;
    this.parts.goal = sig;
    const eyebrow = h(
      "p",
      { class: "eyebrow" },
      "Goal · ",
      h("span", { class: `phase phase-${workshop.phase}`, text: `${PHASE_LABELS[workshop.phase]} phase` }),
      workshop.plan_version ? ` · Plan version ${workshop.plan_version}` : null,
    );
    if (editing) {
      const form = this.form("goal", () => goalForm(workshop));
      replaceChildren(this.goal, eyebrow, h("h1", { id: "goal-title", class: "sr-only", text: workshop.title }), form);
      return;
    }
    this.dropForm("goal");
    const criteria = workshop.success_criteria;
    const showCounts = workshop.phase === "plan" || workshop.phase === "agreed";
    replaceChildren(
      this.goal,
      h(
        "div",
        { class: "goal-head" },
        h("div", null, eyebrow, h("h1", { id: "goal-title", text: workshop.title })),
        rules.editGoal
          ? h("button", { type: "button", class: "small nowrap", dataset: { action: "goal.open", focus: "goal:edit" }, text: "Edit goal" })
          : null,
      ),
      workshop.why ? h("p", { class: "why", text: workshop.why }) : null,
      criteria.length
        ? [
            h("h2", { class: "h-small", text: "How we will know we got there" }),
            h(
              "ol",
              { class: "criteria" },
              criteria.map((text, index) =>
                h(
                  "li",
                  null,
                  text,
                  showCounts
                    ? h("span", {
                        class: ["criterion-count", counts[index] ? null : "unserved"],
                        text: counts[index]
                          ? ` — ${plural(counts[index], "accepted item")}`
                          : workshop.phase === "agreed"
                            ? " — no accepted item serves this"
                            : " — no accepted item yet",
                      })
                    : null,
                ),
              ),
            ),
          ]
        : null,
    );
  }

  // --- the session bar: phase, timer, dots, ready --------------------------------------------------

  renderSession(ctx) {
    const { state, rules, ui } = ctx;
    const workshop = state.workshop;
    const meMember = state.members.find((member) => member.id === state.me.member);
    const ready = Boolean(meMember && meMember.ready);
    const participants = state.members.filter((member) => member.role !== "observer");
    const readyCount = participants.filter((member) => member.ready).length;
    const sig = JSON.stringify([
      workshop.phase,
      workshop.plan_version,
      workshop.agreed_at,
      workshop.timer,
      workshop.votes_per_member,
      state.me.votes_left,
      rules.role,
      rules.facilitating,
      ready,
      readyCount,
      participants.length,
      ui.ended,
      ui.openMenu === "phase",
    ]);
    if (sig === this.parts.session) return;
    this.parts.session = sig;

    const steps = h(
      "ol",
      { class: "phases", "aria-label": "Phases" },
      PHASES.map((phase, index) => {
        const current = phase === workshop.phase;
        const done = PHASES.indexOf(workshop.phase) > index;
        return h(
          "li",
          { class: ["phase-step", current && "current", done && "done"], "aria-current": current ? "step" : null },
          h("span", { class: "step-number", "aria-hidden": "true", text: done ? "✓" : String(index + 1) }),
          h("span", { class: "step-label", text: PHASE_LABELS[phase] }),
          current ? srOnly(" (current phase)") : done ? srOnly(" (done)") : null,
        );
      }),
    );

    const status = h("div", { class: "session-status" });
    if (workshop.timer) {
      status.append(
        h(
          "p",
          { class: "timer", role: "timer", "aria-label": "Timer" },
          h("span", { class: "timer-label", text: "Timer " }),
          h("span", { class: "timer-remaining", text: "" }),
        ),
      );
    }
    if (workshop.phase === "vote" && rules.participating) {
      const left = state.me.votes_left;
      status.append(
        h(
          "p",
          { class: ["dots-left", left === 0 && "none-left"] },
          h("span", { class: "dot-row", "aria-hidden": "true", text: "●".repeat(left) + "○".repeat(Math.max(workshop.votes_per_member - left, 0)) }),
          h("span", { text: `${left} of ${workshop.votes_per_member} dots left` }),
        ),
      );
    }
    if (participants.length) {
      status.append(h("p", { class: "ready-count", text: `${readyCount} of ${participants.length} ready` }));
    }
    if (rules.ready) {
      status.append(
        h(
          "button",
          {
            type: "button",
            class: ["ready-toggle", ready && "pressed"],
            "aria-pressed": ready ? "true" : "false",
            dataset: { action: "member.ready", ready: ready ? "false" : "true", focus: "session:ready" },
          },
          ready ? h("span", { class: "check", "aria-hidden": "true", text: "✓" }) : null,
          "I’m ready",
        ),
      );
    }

    const observing = rules.role === "observer" && !ui.ended ? " You are watching as an observer." : null;
    const rows = [
      h("div", { class: "session-row" }, steps, status),
      workshop.phase === "agreed"
        ? this.agreedBanner(workshop, rules, observing)
        : h("p", { class: "phase-hint" }, PHASE_HINTS[workshop.phase], observing),
    ];

    if (rules.setPhase) {
      const moves = PHASE_MOVES[workshop.phase];
      const anyAccepted = state.items.some((item) => item.status === "accepted");
      // Agreeing needs accepted items, and status is set in the plan phase: offer it from there.
      const others = rules.phaseTargets.filter(
        (target) => target !== moves.primary && (target !== "agreed" || workshop.phase === "plan" || anyAccepted),
      );
      rows.push(
        h(
          "div",
          { class: "phase-controls", role: "group", "aria-label": "Move the workshop to another phase" },
          h("button", {
            type: "button",
            // Once agreed, the PDF is what to do next; reopening is the deliberate exception.
            class: workshop.phase === "agreed" ? null : "primary",
            dataset: { action: "phase.set", phase: moves.primary, focus: `phase:${moves.primary}`, focusFallback: fallbackAfter(moves.primary) },
            text: moves.labels[moves.primary],
          }),
          others.map((target) =>
            h("button", {
              type: "button",
              dataset: { action: "phase.set", phase: target, focus: `phase:${target}`, focusFallback: fallbackAfter(target) },
              text: moves.labels[target],
            }),
          ),
        ),
      );
    }
    replaceChildren(this.session, ...rows);

    const dock = [];
    if (workshop.timer) dock.push(h("p", { class: "timer" }, h("span", { class: "timer-label", text: "Timer " }), h("span", { class: "timer-remaining" })));
    if (workshop.phase === "vote" && rules.participating) {
      dock.push(h("p", { class: "dots-left" }, h("span", { class: "dot-row", text: "●".repeat(state.me.votes_left) + "○".repeat(Math.max(workshop.votes_per_member - state.me.votes_left, 0)) }), `${state.me.votes_left} of ${workshop.votes_per_member} dots left`));
    }
    this.dock.hidden = !dock.length;
    this.root.classList.toggle("has-dock", dock.length > 0);
    replaceChildren(this.dock, dock);
  }

  // Once agreed: the plan version for everyone, and for facilitators the way to the PDF.
  agreedBanner(workshop, rules, observing) {
    const version = workshop.plan_version;
    const workshopId = this.root.dataset.workshopId;
    const when = workshop.agreed_at ? h("time", { datetime: workshop.agreed_at, text: formatDateTime(workshop.agreed_at) }) : null;
    return h(
      "div",
      { class: "agreed-banner", dataset: { planVersion: version } },
      h("span", { class: "agreed-icon", "aria-hidden": "true", text: "✓" }),
      h(
        "div",
        { class: "agreed-text" },
        h("p", { class: "agreed-title", text: `Plan version ${version} is agreed` }),
        h(
          "p",
          { class: "agreed-detail" },
          when ? ["Agreed ", when, ". "] : null,
          rules.facilitating ? "Reopen it to change anything." : "A facilitator can reopen it to change anything.",
          observing,
        ),
      ),
      rules.facilitating
        ? h(
            "div",
            { class: "agreed-actions" },
            downloadLink(exportUrl(workshopId, "pdf", version), {
              text: "Download the PDF",
              label: `Plan version ${version} is agreed — download the PDF`,
              focus: "agreed:pdf",
              primary: true,
              small: false,
            }),
            h(
              "p",
              { class: "agreed-more" },
              "or as ",
              h("a", { href: exportUrl(workshopId, "md", version), download: "", "aria-label": `Plan version ${version} as Markdown`, dataset: { focus: "agreed:md" }, text: "Markdown" }),
              " or ",
              h("a", { href: exportUrl(workshopId, "csv", version), download: "", "aria-label": `Plan version ${version} as CSV`, dataset: { focus: "agreed:csv" }, text: "CSV" }),
            ),
          )
        : null,
    );
  }

  // --- the confidence check ------------------------------------------------------------------------

  renderCheckin(ctx) {
    const { state, rules } = ctx;
    const check = state.workshop.confidence || { open: false, answers: 0, result: null };
    const mine = state.me.confidence === undefined ? null : state.me.confidence;
    const sig = JSON.stringify([check, mine, rules.answerConfidence, state.workshop.phase]);
    if (sig === this.parts.checkin) return;
    this.parts.checkin = sig;
    const shown = check.open || Boolean(check.result);
    this.root.classList.toggle("has-checkin", shown);
    if (!shown) {
      this.checkin.hidden = true;
      this.checkin.replaceChildren();
      return;
    }
    this.checkin.hidden = false;
    if (check.open) {
      const answered = mine !== null;
      replaceChildren(
        this.checkin,
        h("h2", { id: "checkin-title", class: "h-small", text: "Confidence check" }),
        h("p", { class: "checkin-question", id: "checkin-question", text: "How confident are you that this plan gets us to the goal? 0 is not at all, 5 is fully." }),
        rules.answerConfidence
          ? h(
              "div",
              { class: "scores", role: "group", "aria-labelledby": "checkin-question" },
              [0, 1, 2, 3, 4, 5].map((score) =>
                h("button", {
                  type: "button",
                  class: ["score", mine === score && "pressed"],
                  "aria-pressed": mine === score ? "true" : "false",
                  dataset: { action: "confidence.answer", score, focus: `score:${score}` },
                  text: String(score),
                }),
              ),
            )
          : null,
        h(
          "p",
          { class: "muted" },
          `${plural(check.answers, "answer")} so far; answers stay hidden until the check is closed.`,
          answered ? ` You answered ${mine}.` : rules.answerConfidence ? " You have not answered yet." : null,
        ),
      );
      return;
    }
    const { histogram, mean } = check.result;
    const total = histogram.reduce((sum, n) => sum + n, 0);
    const most = Math.max(1, ...histogram);
    replaceChildren(
      this.checkin,
      h("h2", { id: "checkin-title", class: "h-small", text: "Confidence check result" }),
      h(
        "p",
        { class: "checkin-mean" },
        mean === null ? "Nobody answered." : `Mean ${mean} of 5, from ${plural(total, "answer")}.`,
      ),
      h(
        "ol",
        { class: "histogram", "aria-label": "Answers by score" },
        histogram.map((count, score) =>
          h(
            "li",
            null,
            h("span", { class: "histogram-score", text: String(score) }),
            h("span", { class: "histogram-bar", "aria-hidden": "true" }, h("span", { class: "histogram-fill", style: { width: `${(count / most) * 100}%` } })),
            h("span", { class: "histogram-count", text: plural(count, "person", "people") }),
          ),
        ),
      ),
    );
  }

  // --- lanes and items -----------------------------------------------------------------------------

  renderLanes(ctx) {
    const { state, rules, ui } = ctx;
    const nodes = [];
    const seenLanes = new Set();
    const seenItems = new Set();
    const byLane = new Map(state.lanes.map((lane) => [lane.id, []]));
    for (const item of state.items) (byLane.get(item.lane) || []).push(item);
    state.lanes.forEach((lane, laneIndex) => {
      seenLanes.add(lane.id);
      const entry = this.laneEntry(lane.id);
      const items = byLane.get(lane.id);
      this.renderLaneHead(entry, lane, laneIndex, items.length, ctx);
      const itemNodes = items.map((item, index) => {
        seenItems.add(item.id);
        return this.itemNode(item, index, items.length, laneIndex, ctx);
      });
      if (!itemNodes.length) {
        entry.empty = entry.empty || h("li", { class: "empty muted", text: "No items yet." });
        itemNodes.push(entry.empty);
      }
      if (!ui.dragging) reconcile(entry.list, itemNodes);
      this.renderLaneFoot(entry, lane, ctx);
      nodes.push(entry.node);
    });
    for (const id of [...this.lanes.keys()]) if (!seenLanes.has(id)) this.lanes.delete(id);
    for (const id of [...this.items.keys()]) {
      if (!seenItems.has(id)) {
        this.items.delete(id);
        this.dropForm(`edit:${id}`);
      }
    }
    reconcile(this.laneBox, nodes);
    this.laneBox.classList.toggle("many", state.lanes.length > 3);
    this.fitLanes();
  }

  // Lanes scroll sideways only when they do not fit; a scrolling box would clip open menus.
  fitLanes() {
    const box = this.laneBox;
    box.classList.remove("scrolls");
    box.classList.toggle("scrolls", box.scrollWidth > box.clientWidth + 1);
  }

  laneEntry(id) {
    let entry = this.lanes.get(id);
    if (!entry) {
      const head = h("div", { class: "lane-head" });
      const list = h("ol", { class: "items", "aria-labelledby": `lane-${id}` });
      const foot = h("div", { class: "lane-foot" });
      const node = h(
        "section",
        { class: "lane", "aria-labelledby": `lane-${id}`, dataset: { laneId: id, focus: `lane:${id}` }, tabindex: "-1" },
        head,
        list,
        foot,
      );
      entry = { node, head, list, foot, headSig: null, footSig: null, empty: null };
      this.lanes.set(id, entry);
    }
    return entry;
  }

  renderLaneHead(entry, lane, laneIndex, count, ctx) {
    const { state, ui, rules } = ctx;
    const renaming = ui.renamingLane === lane.id && rules.lanes;
    const sig = JSON.stringify([lane.title, count, laneIndex, state.lanes.length, rules.lanes, renaming, ui.openMenu === `lane:${lane.id}`]);
    if (sig === entry.headSig) return;
    entry.headSig = sig;
    if (!renaming) this.dropForm(`rename:${lane.id}`);
    const title = h(
      "h2",
      { id: `lane-${lane.id}`, class: ["lane-title", renaming && "sr-only"] },
      h("span", { class: "lane-name", text: lane.title }),
      " ",
      h("span", { class: "count", text: plural(count, "item") }),
    );
    if (renaming) {
      replaceChildren(entry.head, title, this.form(`rename:${lane.id}`, () => renameLaneForm(lane)));
      return;
    }
    const menu = rules.lanes
      ? menuNode(`lane:${lane.id}`, `Options for the lane ${quote(lane.title)}`, ui, [
          menuButton("Rename", { action: "lane.rename.open", lane: lane.id }, `lane:${lane.id}:rename`),
          menuButton("Move left", { action: "lane.move", lane: lane.id, index: laneIndex - 1 }, `lane:${lane.id}:left`, laneIndex === 0),
          menuButton(
            "Move right",
            { action: "lane.move", lane: lane.id, index: laneIndex + 1 },
            `lane:${lane.id}:right`,
            laneIndex === state.lanes.length - 1,
          ),
          menuButton("Delete lane", { action: "lane.delete", lane: lane.id }, `lane:${lane.id}:delete`, state.lanes.length === 1, "danger"),
        ])
      : null;
    replaceChildren(entry.head, title, menu);
  }

  renderLaneFoot(entry, lane, ctx) {
    const { ui, rules, state } = ctx;
    const adding = ui.adding.has(lane.id) && rules.addItem;
    const sig = JSON.stringify([rules.addItem, adding, adding && state.workshop.success_criteria]);
    if (sig === entry.footSig) return;
    entry.footSig = sig;
    if (!rules.addItem) {
      entry.foot.replaceChildren();
      this.dropForm(`add:${lane.id}`);
      return;
    }
    if (adding) {
      const form = this.form(`add:${lane.id}`, () => addItemForm(lane, state.workshop.success_criteria));
      syncCriterionOptions(form.querySelector("select[name=criterion]"), state.workshop.success_criteria);
      replaceChildren(entry.foot, form);
      return;
    }
    this.dropForm(`add:${lane.id}`);
    replaceChildren(
      entry.foot,
      h(
        "button",
        {
          type: "button",
          class: "add-item",
          "aria-label": `Add an item to ${lane.title}`,
          dataset: { action: "item.add.open", lane: lane.id, focus: `lane:${lane.id}:add` },
        },
        h("span", { "aria-hidden": "true", text: "+ " }),
        "Add an item",
      ),
    );
  }

  laneTool(ctx) {
    const { ui, state, rules } = ctx;
    const tool = h("div", { class: "tool" }, h("h3", { class: "tool-title", text: "Lanes" }));
    if (!rules.lanes) {
      this.dropForm("lane.add");
      tool.append(h("p", { class: "muted", text: "Reopen the plan to change lanes." }));
    } else if (ui.addingLane) {
      tool.append(this.form("lane.add", () => addLaneForm()));
    } else {
      this.dropForm("lane.add");
      tool.append(
        h(
          "button",
          { type: "button", class: "small", disabled: state.lanes.length >= 20, dataset: { action: "lane.add.open", focus: "lane:new" } },
          h("span", { "aria-hidden": "true", text: "+ " }),
          "Add a lane",
        ),
        h("p", { class: "help", text: "Rename, move or delete a lane from its ⋯ menu." }),
      );
    }
    return tool;
  }

  itemNode(item, index, laneLength, laneIndex, ctx) {
    const { state, ui, rules } = ctx;
    const editor = ui.editing.get(item.id);
    if (editor && rules.editItem(item)) {
      const sig = JSON.stringify(["edit", editor.conflict, editor.error, editor.busy, state.workshop.success_criteria]);
      const cached = this.items.get(item.id);
      if (cached && cached.sig === sig) return cached.node;
      const form = this.form(`edit:${item.id}`, () => editItemForm(item, state.workshop.success_criteria));
      syncCriterionOptions(form.querySelector("select[name=criterion]"), state.workshop.success_criteria);
      updateEditorStatus(form, editor, state);
      const node = (cached && cached.editing && cached.node) || h("li", { class: "item editing", dataset: { itemId: item.id } });
      node.className = `item editing status-${item.status}`;
      if (form.parentNode !== node) replaceChildren(node, form);
      this.items.set(item.id, { sig, node, editing: true });
      return node;
    }
    if (!editor) this.dropForm(`edit:${item.id}`);
    const myDots = state.me.votes[String(item.id)] || 0;
    const sig = JSON.stringify([
      item,
      item.owners.map((id) => ctx.names.get(id)),
      myDots,
      state.me.votes_left > 0,
      ctx.rulesKey,
      item.criterion === null ? null : state.workshop.success_criteria[item.criterion],
      ctx.lanesKey,
      index,
      laneLength,
      laneIndex,
      rules.assign ? ctx.ownersKey : null,
      ui.openMenu === `item:${item.id}`,
      ui.highlight.has(item.id),
      ui.assigning.has(item.id),
    ]);
    const cached = this.items.get(item.id);
    if (cached && cached.sig === sig) return cached.node;
    const node = buildItem(item, { index, laneLength, laneIndex, myDots }, ctx);
    this.items.set(item.id, { sig, node, editing: false });
    return node;
  }

  // --- people --------------------------------------------------------------------------------------

  renderPeople(ctx) {
    const { state, rules } = ctx;
    const online = new Set(state.online || []);
    const sig = JSON.stringify([state.members, [...online], state.workshop.phase, state.workshop.votes_per_member, ctx.rulesKey, state.me.member]);
    if (sig === this.parts.people) return;
    this.parts.people = sig;
    const members = [...state.members].sort(
      (a, b) => Number(online.has(b.id)) - Number(online.has(a.id)) || roleRank(a.role) - roleRank(b.role) || a.name.localeCompare(b.name),
    );
    const onlineCount = state.members.filter((member) => online.has(member.id)).length;
    const voting = state.workshop.phase === "vote";
    replaceChildren(
      this.people,
      h("h2", { id: "people-title", class: "h-small", tabindex: "-1", dataset: { focus: "people" } }, `People (${state.members.length})`, h("span", { class: "muted", text: ` · ${onlineCount} online` })),
      h(
        "ul",
        { class: "people-list" },
        members.map((member) => {
          const isOnline = online.has(member.id);
          const you = member.id === state.me.member;
          const controls = [];
          if (rules.changeRole(member)) {
            controls.push(
              h(
                "select",
                {
                  class: "role-select",
                  "aria-label": `Role of ${member.name}`,
                  dataset: { action: "member.role", member: member.id, focus: `member:${member.id}:role` },
                },
                ["facilitator", "member", "observer"].map((role) => h("option", { value: role, selected: role === member.role, text: ROLE_LABELS[role] })),
              ),
            );
          }
          if (rules.remove(member)) {
            controls.push(
              h("button", {
                type: "button",
                class: "small danger-text",
                "aria-label": `Remove ${member.name} from the workshop`,
                dataset: { action: "member.remove", member: member.id, focus: `member:${member.id}:remove` },
                text: "Remove",
              }),
            );
          }
          return h(
            "li",
            { class: ["person", isOnline ? "is-online" : "is-away"], dataset: { memberId: member.id } },
            h(
              "div",
              { class: "person-line" },
              h("span", { class: "presence", "aria-hidden": "true", text: isOnline ? "●" : "○" }),
              h("span", { class: "person-name", text: member.name }),
              you ? h("span", { class: "muted", text: " (you)" }) : null,
            ),
            h(
              "div",
              { class: "person-status" },
              rules.changeRole(member) ? null : h("span", { class: "person-role", text: ROLE_LABELS[member.role] || member.role }),
              h("span", { class: "presence-text", text: isOnline ? "online" : "away" }),
              member.ready ? h("span", { class: "ready", text: "ready" }) : null,
              voting && member.role !== "observer"
                ? h("span", { class: "dots-used", text: `${member.used || 0} of ${state.workshop.votes_per_member} dots used` })
                : null,
            ),
            controls.length ? h("div", { class: "person-controls" }, controls) : null,
          );
        }),
      ),
    );
  }

  // --- facilitator tools ---------------------------------------------------------------------------

  renderFacilitate(ctx) {
    const { state, rules, ui } = ctx;
    const check = state.workshop.confidence || { open: false, answers: 0 };
    const sig = JSON.stringify([
      rules.facilitating,
      state.workshop.timer,
      check.open,
      check.answers,
      rules.openConfidence,
      rules.closeConfidence,
      state.workshop.phase,
      rules.lanes,
      ui.addingLane,
      state.lanes.length,
    ]);
    if (sig === this.parts.facilitate) return;
    this.parts.facilitate = sig;
    if (!rules.facilitating) {
      this.facilitate.hidden = true;
      this.facilitate.replaceChildren();
      this.dropForm("timer");
      return;
    }
    this.facilitate.hidden = false;
    const timerForm = this.form("timer", () => timerStartForm());
    const confidence = h("div", { class: "tool" }, h("h3", { class: "tool-title", text: "Confidence check" }));
    if (check.open) {
      confidence.append(
        h("p", { class: "muted", text: `Open: ${plural(check.answers, "answer")} so far.` }),
        rules.closeConfidence
          ? h("button", { type: "button", dataset: { action: "confidence.close", focus: "confidence:close" }, text: "Close and show the result" })
          : null,
      );
    } else if (rules.openConfidence) {
      confidence.append(h("button", { type: "button", dataset: { action: "confidence.open", focus: "confidence:open" }, text: "Open a confidence check" }));
    } else {
      confidence.append(h("p", { class: "muted", text: "Taken in the plan phase." }));
    }
    replaceChildren(
      this.facilitate,
      h("h2", { id: "facilitate-title", class: "h-small", text: "Facilitate" }),
      h(
        "div",
        { class: "tool" },
        h("h3", { class: "tool-title", text: "Timer" }),
        timerForm,
        state.workshop.timer ? h("button", { type: "button", dataset: { action: "timer.stop", focus: "timer:stop" }, text: "Stop the timer" }) : null,
      ),
      confidence,
      this.laneTool(ctx),
      this.exports,
      this.invites,
    );
  }
}

// --- pieces ---------------------------------------------------------------------------------------

function makeContext(state, ui, rules) {
  const names = new Map(state.members.map((member) => [member.id, member.name]));
  return {
    state,
    ui,
    rules,
    names,
    rulesKey: `${rules.role}|${state.workshop.phase}|${ui.ended || ""}|${state.me.member}`,
    lanesKey: state.lanes.map((lane) => `${lane.id}:${lane.title}`).join("|"),
    ownersKey: state.members
      .filter((member) => member.role !== "observer")
      .map((member) => `${member.id}:${member.name}`)
      .join("|"),
  };
}

// Where focus goes when the phase button pressed is gone: after agreeing, to the PDF.
function fallbackAfter(target) {
  return target === "agreed" ? "agreed:pdf" : null;
}

function roleRank(role) {
  return { leader: 0, facilitator: 1, member: 2, observer: 3 }[role] ?? 4;
}

function acceptedByCriterion(state) {
  const counts = state.workshop.success_criteria.map(() => 0);
  for (const item of state.items) {
    if (item.status === "accepted" && item.criterion !== null && item.criterion < counts.length) counts[item.criterion] += 1;
  }
  return counts;
}

function menuNode(key, label, ui, buttons) {
  return h(
    "details",
    { class: "menu", open: ui.openMenu === key, dataset: { menu: key } },
    h("summary", { "aria-label": label, title: label, dataset: { focus: `${key}:menu` } }, h("span", { "aria-hidden": "true", text: "⋯" })),
    h("div", { class: "menu-items" }, buttons),
  );
}

function menuButton(text, data, focus, disabled = false, extraClass = null) {
  return h("button", { type: "button", class: extraClass, disabled, dataset: { ...data, focus }, text });
}

function buildItem(item, { index, laneLength, laneIndex, myDots }, ctx) {
  const { state, rules, ui } = ctx;
  const id = item.id;
  const title = quote(item.title);
  const titleId = `item-${id}-title`;
  const criteria = state.workshop.success_criteria;
  const needsOwner = item.status === "accepted" && item.owners.length === 0;
  const node = h("li", {
    class: ["item", `status-${item.status}`, ui.highlight.has(id) && needsOwner && "needs-attention"],
    tabindex: "0",
    "aria-labelledby": titleId,
    "aria-describedby": rules.moveItem ? "move-hint" : null,
    "aria-keyshortcuts": rules.moveItem ? "Alt+ArrowUp Alt+ArrowDown Alt+ArrowLeft Alt+ArrowRight" : null,
    draggable: rules.moveItem ? "true" : null,
    dataset: { itemId: id, lane: item.lane, focus: `item:${id}`, focusFallback: `lane:${item.lane}` },
  });

  const badges = [];
  if (item.status !== "proposed") {
    badges.push(
      h(
        "span",
        { class: `badge status-badge status-${item.status}` },
        h("span", { "aria-hidden": "true", text: `${STATUS_ICONS[item.status]} ` }),
        STATUS_LABELS[item.status],
      ),
    );
  }
  if (needsOwner && state.workshop.phase !== "gather") {
    badges.push(h("span", { class: "badge warn-badge" }, h("span", { "aria-hidden": "true", text: "! " }), "Needs an owner"));
  }
  node.append(h("div", { class: "item-head" }, h("h3", { id: titleId, class: "item-title", text: item.title }), badges.length ? h("div", { class: "badges" }, badges) : null));
  if (item.notes) node.append(h("p", { class: "notes", text: item.notes }));

  const meta = h("dl", { class: "meta" });
  if (item.due) meta.append(row("Due", h("dd", null, h("time", { datetime: item.due, text: formatDate(item.due) }))));
  if (item.criterion !== null && criteria[item.criterion] !== undefined) {
    meta.append(row("Serves", h("dd", { text: `${item.criterion + 1}. ${criteria[item.criterion]}` })));
  }
  const owners = h("dd", { class: "owners" });
  if (!item.owners.length) owners.append(h("span", { class: "muted", text: "nobody yet" }));
  item.owners.forEach((ownerId, position) => {
    const name = ctx.names.get(ownerId) || "someone who left";
    if (position && !rules.assign) owners.append(", ");
    if (rules.assign) {
      owners.append(
        h(
          "span",
          { class: "owner-chip" },
          name,
          h(
            "button",
            {
              type: "button",
              class: "chip-remove",
              "aria-label": `Unassign ${name} from ${title}`,
              title: `Unassign ${name}`,
              dataset: { action: "item.unassign", item: id, member: ownerId, focus: `item:${id}:unassign:${ownerId}`, focusFallback: `item:${id}` },
            },
            h("span", { "aria-hidden": "true", text: "×" }),
          ),
        ),
      );
    } else owners.append(h("span", { class: "owner", text: name }));
  });
  meta.append(row("Owners", owners));
  const votes = h("dd", { class: "votes" });
  if (item.votes === null) votes.append(h("span", { class: "muted", text: "hidden while voting" }));
  else votes.append(String(item.votes));
  // While voting the dot buttons below say it; afterwards, this is the only place.
  if (myDots && item.votes !== null) votes.append(h("span", { class: "my-dots", text: ` · ${myDots} of them yours` }));
  meta.append(row("Votes", votes));
  node.append(meta);

  const actions = h("div", { class: "item-actions" });
  if (rules.vote) {
    actions.append(
      h(
        "div",
        { class: "dots", role: "group", "aria-label": `Your dots on ${title}` },
        h(
          "button",
          {
            type: "button",
            class: "dot-button",
            disabled: myDots === 0,
            "aria-label": `Take a dot back from ${title}`,
            dataset: { action: "vote.retract", item: id, focus: `item:${id}:retract`, focusFallback: `item:${id}` },
          },
          h("span", { "aria-hidden": "true", text: "−" }),
        ),
        h("span", { class: "dot-count" }, h("span", { class: "dot-row", "aria-hidden": "true", text: "●".repeat(Math.min(myDots, 20)) }), ` ${myDots} ${myDots === 1 ? "dot" : "dots"}`),
        h(
          "button",
          {
            type: "button",
            class: "dot-button",
            disabled: state.me.votes_left === 0,
            "aria-label": `Put a dot on ${title}`,
            dataset: { action: "vote.cast", item: id, focus: `item:${id}:cast`, focusFallback: `item:${id}` },
          },
          h("span", { "aria-hidden": "true", text: "+" }),
        ),
      ),
    );
  }
  if (rules.claim) {
    const mine = item.owners.includes(state.me.member);
    actions.append(
      h("button", {
        type: "button",
        class: ["small", mine && "pressed"],
        "aria-label": `${mine ? "Unclaim" : "Claim"} ${title}`,
        dataset: { action: mine ? "item.unclaim" : "item.claim", item: id, focus: `item:${id}:claim` },
        text: mine ? "Unclaim" : "Claim",
      }),
    );
  }
  if (rules.editItem(item)) {
    actions.append(
      h("button", { type: "button", class: "small", "aria-label": `Edit ${title}`, dataset: { action: "item.edit.open", item: id, focus: `item:${id}:edit` }, text: "Edit" }),
    );
  }
  if (rules.setStatus) {
    actions.append(
      h(
        "label",
        { class: "inline-select" },
        h("span", { class: "sr-only", text: `Status of ${title}` }),
        h(
          "select",
          { dataset: { action: "item.status", item: id, focus: `item:${id}:status` } },
          ["proposed", "accepted", "dropped"].map((status) => h("option", { value: status, selected: status === item.status, text: STATUS_LABELS[status] })),
        ),
      ),
    );
  }
  if (rules.assign && (state.workshop.phase === "plan" || ui.assigning.has(id))) {
    const candidates = state.members.filter((member) => member.role !== "observer" && !item.owners.includes(member.id));
    if (candidates.length) {
      actions.append(
        h(
          "label",
          { class: "inline-select" },
          h("span", { class: "sr-only", text: `Assign an owner to ${title}` }),
          h(
            "select",
            { dataset: { action: "item.assign", item: id, focus: `item:${id}:assign` } },
            h("option", { value: "", text: "Assign…" }),
            candidates.map((member) => h("option", { value: String(member.id), text: member.name })),
          ),
        ),
      );
    }
  }
  const menuItems = [];
  if (rules.moveItem) {
    menuItems.push(
      menuButton("Move up", { action: "item.move", item: id, lane: item.lane, index: index - 1 }, `item:${id}:up`, index === 0),
      menuButton("Move down", { action: "item.move", item: id, lane: item.lane, index: index + 1 }, `item:${id}:down`, index === laneLength - 1),
    );
    state.lanes.forEach((lane, otherIndex) => {
      if (otherIndex === laneIndex) return;
      menuItems.push(menuButton(`Move to ${lane.title}`, { action: "item.move", item: id, lane: lane.id, index: 100000 }, `item:${id}:to:${lane.id}`));
    });
  }
  // Owners are assigned in the plan phase; while gathering, on request. Not while voting.
  if (rules.assign && state.workshop.phase === "gather" && !ui.assigning.has(id)) {
    menuItems.push(menuButton("Assign an owner…", { action: "item.assign.open", item: id }, `item:${id}:assign-open`));
  }
  if (rules.deleteItem(item)) menuItems.push(menuButton("Delete", { action: "item.delete", item: id }, `item:${id}:delete`, false, "danger"));
  if (menuItems.length) actions.append(menuNode(`item:${id}`, `More actions for ${title}`, ui, menuItems));
  if (actions.childNodes.length) node.append(actions);
  return node;
}

function row(label, dd) {
  return h("div", null, h("dt", { text: label }), dd);
}

// --- forms ----------------------------------------------------------------------------------------

let formCounter = 0;
function fieldId(name) {
  formCounter += 1;
  return `f${formCounter}-${name}`;
}

function field(label, control, help) {
  const id = control.id || fieldId(control.name || "field");
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id, text: label }), control, help ? h("p", { class: "help", text: help }) : null);
}

function criterionSelect(criteria, selected, focus) {
  const select = h("select", { name: "criterion", dataset: { focus } });
  syncCriterionOptions(select, criteria, selected);
  return select;
}

function syncCriterionOptions(select, criteria, selected) {
  if (!select) return;
  const value = selected === undefined ? select.value : selected === null ? "" : String(selected);
  const wanted = JSON.stringify(criteria);
  if (select.dataset.criteria === wanted) return;
  select.dataset.criteria = wanted;
  replaceChildren(
    select,
    h("option", { value: "", text: "No particular criterion" }),
    criteria.map((text, index) => h("option", { value: String(index), text: `${index + 1}. ${text}` })),
  );
  select.value = Number(value) < criteria.length ? value : "";
  select.closest(".field")?.toggleAttribute("hidden", criteria.length === 0);
}

function addItemForm(lane, criteria) {
  const key = `add:${lane.id}`;
  const title = h("input", { name: "title", required: true, maxlength: "200", autocomplete: "off", dataset: { focus: `${key}:title` } });
  const form = h(
    "form",
    { class: "item-form", "aria-label": `New item in ${lane.title}`, dataset: { form: "item.add", lane: lane.id } },
    field("Title", title),
    h(
      "details",
      { class: "more-fields" },
      h("summary", { dataset: { focus: `${key}:more` }, text: "Notes, due date, success criterion" }),
      field("Notes", h("textarea", { name: "notes", rows: "3", maxlength: "4000", dataset: { focus: `${key}:notes` } })),
      field("Due date", h("input", { name: "due", type: "date", dataset: { focus: `${key}:due` } })),
      field("Serves", criterionSelect(criteria, null, `${key}:criterion`)),
    ),
    h("p", { class: "form-error", role: "alert", hidden: true }),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary", dataset: { focus: `${key}:submit` }, text: "Add" }),
      h("button", { type: "button", dataset: { action: "item.add.close", lane: lane.id, focus: `${key}:close` }, text: "Done" }),
    ),
  );
  return form;
}

function editItemForm(item, criteria) {
  const key = `edit:${item.id}`;
  const form = h(
    "form",
    { class: "item-form editor", "aria-label": `Edit ${quote(item.title)}`, dataset: { form: "item.edit", item: item.id, version: item.version } },
    field("Title", h("input", { name: "title", required: true, maxlength: "200", autocomplete: "off", value: item.title, dataset: { focus: `${key}:title` } })),
    field("Notes", h("textarea", { name: "notes", rows: "3", maxlength: "4000", value: item.notes, dataset: { focus: `${key}:notes` } })),
    field("Due date", h("input", { name: "due", type: "date", value: item.due || "", dataset: { focus: `${key}:due` } })),
    field("Serves", criterionSelect(criteria, item.criterion, `${key}:criterion`)),
    h("div", { class: "editor-status" }),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary", dataset: { focus: `${key}:save` }, text: "Save" }),
      h("button", { type: "button", dataset: { action: "item.edit.cancel", item: item.id, focus: `${key}:cancel` }, text: "Cancel" }),
    ),
  );
  // What the fields held when editing began: only fields changed from these are sent.
  form.initial = { title: item.title, notes: item.notes, due: item.due || "", criterion: item.criterion === null ? "" : String(item.criterion) };
  return form;
}

function updateEditorStatus(form, editor, state) {
  const box = form.querySelector(".editor-status");
  const parts = [];
  if (editor.error) parts.push(h("p", { class: "form-error", role: "alert", text: editor.error }));
  if (editor.conflict) {
    const theirs = editor.conflict;
    const criteria = state.workshop.success_criteria;
    parts.push(
      h(
        "div",
        { class: "conflict", role: "alert" },
        h("p", { class: "conflict-title", text: `${editor.conflictBy || "Someone"} changed this item while you were editing it. Their version:` }),
        h(
          "dl",
          { class: "meta" },
          row("Title", h("dd", { text: theirs.title })),
          row("Notes", h("dd", { class: "notes", text: theirs.notes || "—" })),
          row("Due", h("dd", { text: theirs.due ? formatDate(theirs.due) : "—" })),
          criteria.length ? row("Serves", h("dd", { text: theirs.criterion === null ? "—" : `${theirs.criterion + 1}. ${criteria[theirs.criterion] || ""}` })) : null,
        ),
        h(
          "div",
          { class: "form-buttons" },
          h("button", { type: "button", class: "primary", dataset: { action: "item.edit.overwrite", item: theirs.id, focus: `edit:${theirs.id}:overwrite` }, text: "Save mine instead" }),
          h("button", { type: "button", dataset: { action: "item.edit.theirs", item: theirs.id, focus: `edit:${theirs.id}:theirs` }, text: "Keep theirs" }),
        ),
      ),
    );
  }
  replaceChildren(box, parts);
  // With a conflict on screen, its two choices replace the plain Save.
  const save = form.querySelector(".form-buttons > button[type=submit]");
  save.hidden = Boolean(editor.conflict);
  save.disabled = Boolean(editor.busy);
}

function renameLaneForm(lane) {
  const key = `rename:${lane.id}`;
  return h(
    "form",
    { class: "inline-form", "aria-label": `Rename the lane ${quote(lane.title)}`, dataset: { form: "lane.rename", lane: lane.id } },
    h("label", { class: "sr-only", for: `${key}-title`, text: "Lane title" }),
    h("input", { id: `${key}-title`, name: "title", required: true, maxlength: "80", value: lane.title, autocomplete: "off", dataset: { focus: `${key}:title` } }),
    h("button", { type: "submit", class: "primary small", dataset: { focus: `${key}:save` }, text: "Save" }),
    h("button", { type: "button", class: "small", dataset: { action: "lane.rename.cancel", lane: lane.id, focus: `${key}:cancel` }, text: "Cancel" }),
  );
}

function addLaneForm() {
  return h(
    "form",
    { class: "item-form", "aria-label": "New lane", dataset: { form: "lane.add" } },
    field("Lane title", h("input", { name: "title", required: true, maxlength: "80", autocomplete: "off", dataset: { focus: "lane.add:title" } })),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary", dataset: { focus: "lane.add:submit" }, text: "Add lane" }),
      h("button", { type: "button", dataset: { action: "lane.add.close", focus: "lane.add:close" }, text: "Cancel" }),
    ),
  );
}

function goalForm(workshop) {
  const form = h(
    "form",
    { class: "goal-form", "aria-label": "Edit the goal", dataset: { form: "goal.edit" } },
    field("Goal", h("input", { name: "title", required: true, maxlength: "200", value: workshop.title, dataset: { focus: "goal:title" } })),
    field("Why it matters", h("textarea", { name: "why", rows: "3", maxlength: "2000", value: workshop.why, dataset: { focus: "goal:why" } })),
    field(
      "How we will know we got there",
      h("textarea", { name: "success_criteria", rows: "4", value: workshop.success_criteria.join("\n"), dataset: { focus: "goal:criteria" } }),
      "One success criterion per line, at most 20.",
    ),
    h("p", { class: "form-error", role: "alert", hidden: true }),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary", dataset: { focus: "goal:save" }, text: "Save goal" }),
      h("button", { type: "button", dataset: { action: "goal.cancel", focus: "goal:cancel" }, text: "Cancel" }),
    ),
  );
  form.initial = { title: workshop.title, why: workshop.why, success_criteria: workshop.success_criteria.join("\n") };
  return form;
}

function timerStartForm() {
  return h(
    "form",
    { class: "inline-form timer-form", "aria-label": "Start the timer", dataset: { form: "timer.start" } },
    h("label", { for: "timer-minutes", text: "Minutes" }),
    h("input", { id: "timer-minutes", name: "minutes", type: "number", min: "0.5", max: "120", step: "0.5", value: "5", inputmode: "decimal", dataset: { focus: "timer:minutes" } }),
    h("button", { type: "submit", class: "small", dataset: { focus: "timer:start" }, text: "Start" }),
  );
}
