// The board drawn from state: the sticky top (goal, phase bar, walk, lane tabs), the lanes of
// sticky notes, and the side (people, results, tools). Each part is rebuilt only when what it
// shows changed, cards and lanes keyed by id; forms someone is typing in are kept as they are.

import { buildCard, cardSignature, detailContent } from "./card.js";
import { h, reconcile, replaceChildren } from "./dom.js";
import { addItemForm, addLaneForm, editItemForm, goalForm, renameLaneForm, syncCriterionOptions, timerStartForm, updateEditorStatus } from "./editors.js";
import { renderTools, toolsSignature } from "./facilitation.js";
import { formatCountdown, plural, quote } from "./format.js";
import { goalSignature, renderGoal } from "./goal.js";
import { peopleSignature, renderPeople } from "./people.js";
import { overviewSignature, progressChip, progressForm, progressOf, progressPanelSignature, renderOverview, renderProgressPanel, tracking } from "./progress.js";
import { TIMES_UP_SHOWN_MS, phaseSignature, renderPhaseBar } from "./phasebar.js";
import { confidenceResult, ranking, renderResults, topRanks, walkList } from "./results.js";
import { menuButton, menuNode } from "./widgets.js";

export const PHONE = "(max-width: 760px)";

export class BoardView {
  constructor(root) {
    this.root = root;
    this.items = new Map(); // item id -> {sig, node}
    this.lanes = new Map(); // lane id -> {node, head, headSig, list, foot, footSig}
    this.parts = {}; // name -> sig
    this.forms = new Map(); // key -> persistent form element
    this.built = false;
    this.lastFocus = null;
    this.phone = window.matchMedia(PHONE);
    // Made at once: board.js listens for its closing before the first snapshot arrives.
    this.detail = h("dialog", { class: "item-detail", "aria-labelledby": "item-detail-title" });
  }

  build() {
    this.goalBar = h("section", { class: "goal-bar", "aria-labelledby": "goal-title" });
    this.phaseBar = h("section", { class: "phase-bar session", "aria-label": "Session" });
    this.walkBanner = h("div", { class: "walk-banner", role: "status", hidden: true });
    this.laneTabs = h("nav", { class: "lane-tabs", "aria-label": "Lanes" });
    this.top = h("div", { class: "board-top" }, this.goalBar, this.phaseBar, this.walkBanner, this.laneTabs);

    this.invites = h("div", { class: "invites" });
    this.inviteSlot = h("div", { class: "invite-slot", hidden: true });
    this.laneBox = h("section", { class: "lanes", "aria-label": "Storyboard" });
    this.overview = h("div", { class: "plan-progress", hidden: true });
    this.laneBox.addEventListener("scroll", () => this.updateCues(), { passive: true });
    this.people = h("section", { id: "side-people", class: "people side-panel", role: "tabpanel", "aria-labelledby": "people-title" });
    this.results = h("section", { id: "side-results", class: "results side-panel", role: "tabpanel", "aria-labelledby": "results-title" });
    this.resultsBody = h("div");
    this.memberExports = h("div", { class: "tool export-tool" });
    this.results.append(this.resultsBody, this.memberExports);
    this.progress = h("section", { id: "side-progress", class: "progress-panel side-panel", role: "tabpanel", "aria-labelledby": "progress-title", hidden: true });
    this.facilitate = h("section", { id: "side-tools", class: "facilitate side-panel", role: "tabpanel", "aria-labelledby": "facilitate-title", hidden: true });
    this.exports = h("div", { class: "tool export-tool" });
    this.sideTabs = h("div", { class: "side-tabs", role: "tablist", "aria-label": "People, results and tools" });
    this.side = h(
      "aside",
      { id: "side", class: "side", "aria-label": "People, results and tools" },
      h("div", { class: "side-head" }, this.sideTabs, h("button", { type: "button", class: "side-close notice-close", "aria-label": "Close", dataset: { action: "side.close", focus: "side:close" } }, h("span", { "aria-hidden": "true", text: "×" }))),
      this.people,
      this.results,
      this.progress,
      this.facilitate,
    );
    this.body = h("div", { class: "board-body" }, h("div", { class: "board-main" }, this.inviteSlot, this.overview, this.laneBox), this.side);
    this.prompt = h("section", { class: "confidence-prompt", "aria-labelledby": "prompt-title", hidden: true });
    const hint = h("p", { id: "move-hint", class: "sr-only", text: "Alt and the arrow keys move this item." });
    replaceChildren(this.root, this.top, this.body, hint, this.prompt, this.detail);
    if ("ResizeObserver" in window) {
      new ResizeObserver(() => this.root.style.setProperty("--top-h", `${Math.ceil(this.top.getBoundingClientRect().height)}px`)).observe(this.top);
    }
    this.root.classList.add("live");
    this.built = true;
  }

  render(state, ui, rules) {
    if (!this.built) this.build();
    this.root.dataset.phase = state.workshop.phase;
    this.root.dataset.role = rules.role;
    const ctx = makeContext(state, ui, rules, this.root.dataset.workshopId);
    const focus = state.workshop.focus ?? null;
    const walked = focus !== this.lastFocus ? state.items.find((item) => item.id === focus) : null;
    if (walked) ui.currentLane = walked.lane;
    if (!state.lanes.some((lane) => lane.id === ui.currentLane)) ui.currentLane = state.lanes.length ? state.lanes[0].id : null;
    this.part("goal", goalSignature(ctx), () => replaceChildren(this.goalBar, renderGoal(ctx, () => this.form("goal", () => goalForm(state.workshop)))));
    if (!(ui.editingGoal && rules.editGoal)) this.dropForm("goal");
    this.part("phase", phaseSignature(ctx), () => replaceChildren(this.phaseBar, renderPhaseBar(ctx)));
    this.renderWalk(ctx);
    this.renderLaneTabs(ctx);
    this.renderInviteSlot(ctx);
    this.part("overview", overviewSignature(ctx), () => {
      this.overview.hidden = !tracking(state);
      if (this.overview.hidden) this.overview.replaceChildren();
      else replaceChildren(this.overview, renderOverview(ctx));
    });
    this.renderLanes(ctx);
    this.renderSide(ctx);
    this.renderPrompt(ctx);
    this.renderDetail(ctx);
    this.tick(state);
    if (focus !== this.lastFocus) {
      this.lastFocus = focus;
      const card = focus === null ? null : this.root.querySelector(`.lane [data-item-id="${focus}"]`);
      if (card) card.scrollIntoView({ block: "center", inline: "center", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    }
  }

  part(name, sig, draw) {
    if (this.parts[name] === sig) return;
    this.parts[name] = sig;
    draw();
  }

  // The countdown, every second, without a re-render. Returns whether time is up.
  tick(state) {
    if (!state.workshop.timer) return false;
    const left = Date.parse(state.workshop.timer.ends_at) - (Date.now() + (state.clockOffset || 0));
    const text = left > 0 ? formatCountdown(left) : "Time’s up";
    for (const timer of this.root.querySelectorAll(".timer")) {
      const remaining = timer.querySelector(".timer-remaining");
      if (remaining.textContent !== text) remaining.textContent = text;
      timer.classList.toggle("timer-done", left <= 0);
      timer.hidden = left < -TIMES_UP_SHOWN_MS;
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

  // --- the walk ----------------------------------------------------------------------------------

  renderWalk(ctx) {
    const { state, rules } = ctx;
    const focus = state.workshop.focus ?? null;
    const item = focus === null ? null : state.items.find((candidate) => candidate.id === focus);
    const list = item ? walkList(state, ctx.ui.checkinOrder) : [];
    const at = item ? list.findIndex((candidate) => candidate.id === item.id) : -1;
    const checkin = state.workshop.phase === "agreed";
    const last = at === list.length - 1;
    this.part("walk", JSON.stringify([item && [item.id, item.title, item.votes, checkin && item.status === "accepted" && progressOf(item), item.helpers], at, list.length, rules.walk, checkin, rules.recordCheckin]), () => {
      this.walkBanner.hidden = !item;
      if (!item) {
        this.walkBanner.replaceChildren();
        return;
      }
      replaceChildren(
        this.walkBanner,
        h("span", { class: "walk-label", text: `${checkin ? "Check-in" : "Walking the room"}${at >= 0 ? ` · ${at + 1} of ${list.length}` : ""}` }),
        checkin && item.status === "accepted" ? progressChip(item) : null,
        h("button", { type: "button", class: "walk-title link-plain", dataset: { action: "item.open", item: item.id, focus: "walk:title" }, text: item.title }),
        rules.walk
          ? h(
              "span",
              { class: "walk-buttons" },
              h("button", { type: "button", class: "small", disabled: at <= 0, dataset: { action: "walk.prev", focus: "walk:prev" }, text: "‹ Previous" }),
              checkin && rules.recordCheckin && (last || at === -1)
                ? h("button", { type: "button", class: "small primary", dataset: { action: "checkin.record", focus: "walk:record" }, text: "Record check-in…" })
                : h("button", { type: "button", class: "small primary", disabled: last, dataset: { action: "walk.next", focus: "walk:next", focusFallback: "walk:record" }, text: "Next ›" }),
              h("button", { type: "button", class: "small", dataset: { action: "walk.end", focus: "walk:end" }, text: "End" }),
            )
          : null,
      );
    });
  }

  // --- lanes and items ---------------------------------------------------------------------------

  renderLaneTabs(ctx) {
    const { state, ui } = ctx;
    const counts = new Map(state.lanes.map((lane) => [lane.id, 0]));
    for (const item of state.items) counts.set(item.lane, (counts.get(item.lane) || 0) + 1);
    this.part("tabs", JSON.stringify([state.lanes, [...counts], ui.currentLane]), () => {
      replaceChildren(
        this.laneTabs,
        h("button", { type: "button", class: "lanes-cue prev", "aria-label": "Scroll to the lanes on the left", hidden: true, dataset: { action: "lanes.scroll", direction: "-1" } }, h("span", { "aria-hidden": "true", text: "‹" })),
        h(
          "ul",
          { class: "lane-tab-list" },
          state.lanes.map((lane) =>
            h(
              "li",
              null,
              h(
                "button",
                {
                  type: "button",
                  class: ["lane-tab", ui.currentLane === lane.id && "is-current"],
                  "aria-current": ui.currentLane === lane.id ? "true" : null,
                  dataset: { action: "lane.show", laneTab: lane.id, focus: `tab:${lane.id}` },
                },
                h("span", { class: "lane-tab-name", text: lane.title }),
                h("span", { class: "lane-tab-count", "aria-label": plural(counts.get(lane.id) || 0, "item"), text: String(counts.get(lane.id) || 0) }),
              ),
            ),
          ),
        ),
        h("button", { type: "button", class: "lanes-cue next", "aria-label": "Scroll to the lanes on the right", hidden: true, dataset: { action: "lanes.scroll", direction: "1" } }, h("span", { "aria-hidden": "true", text: "›" })),
      );
    });
  }

  renderInviteSlot(ctx) {
    const { state, rules } = ctx;
    // An empty board's first step is bringing the team in; after that the link lives in Tools.
    const inSlot = rules.invites && state.items.length === 0;
    this.inviteSlot.hidden = !inSlot;
    const home = inSlot ? this.inviteSlot : this.toolsInviteHome;
    if (home && this.invites.parentNode !== home) home.append(this.invites);
    this.invites.classList.toggle("invite-card", inSlot);
    if (this.onInviteMode) this.onInviteMode(inSlot ? "card" : "tool");
  }

  renderLanes(ctx) {
    const { state, ui } = ctx;
    const nodes = [];
    const seenLanes = new Set();
    const seenItems = new Set();
    const byLane = new Map(state.lanes.map((lane) => [lane.id, []]));
    for (const item of state.items) (byLane.get(item.lane) || []).push(item);
    state.lanes.forEach((lane, laneIndex) => {
      seenLanes.add(lane.id);
      const entry = this.laneEntry(lane.id);
      const items = byLane.get(lane.id);
      const shown = ctx.sorted ? [...items].sort((a, b) => (b.votes || 0) - (a.votes || 0) || a.position - b.position) : items;
      entry.node.classList.toggle("is-current", ui.currentLane === lane.id);
      this.renderLaneHead(entry, lane, laneIndex, items.length, ctx);
      const itemNodes = shown.map((item) => {
        seenItems.add(item.id);
        return this.itemNode(item, item.position, items.length, laneIndex, ctx);
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
    this.laneBox.classList.toggle("sorted", ctx.sorted);
    this.fitLanes();
  }

  // Lanes scroll sideways only when they do not fit; a scrolling box would clip open menus.
  fitLanes() {
    const box = this.laneBox;
    box.classList.remove("scrolls");
    box.classList.toggle("scrolls", !this.phone.matches && box.scrollWidth > box.clientWidth + 1);
    this.updateCues();
  }

  // The ‹ › cues say there are lanes out of sight, and take you there.
  updateCues() {
    const box = this.laneBox;
    const scrolls = box.classList.contains("scrolls");
    const before = scrolls && box.scrollLeft > 2;
    const after = scrolls && box.scrollLeft + box.clientWidth < box.scrollWidth - 2;
    box.classList.toggle("more-left", before);
    box.classList.toggle("more-right", after);
    const prev = this.laneTabs.querySelector(".lanes-cue.prev");
    const next = this.laneTabs.querySelector(".lanes-cue.next");
    if (prev) prev.hidden = !before;
    if (next) next.hidden = !after;
  }

  showLane(id, { scroll = true } = {}) {
    const entry = this.lanes.get(id);
    if (!entry) return;
    for (const [laneId, other] of this.lanes) other.node.classList.toggle("is-current", laneId === id);
    if (scroll && !this.phone.matches) {
      const box = this.laneBox.getBoundingClientRect();
      const lane = entry.node.getBoundingClientRect();
      if (lane.left < box.left || lane.right > box.right) this.laneBox.scrollBy({ left: lane.left - box.left - 8, behavior: "smooth" });
    }
  }

  laneEntry(id) {
    let entry = this.lanes.get(id);
    if (!entry) {
      const head = h("div", { class: "lane-head" });
      const list = h("ol", { class: "items", "aria-labelledby": `lane-${id}` });
      const foot = h("div", { class: "lane-foot" });
      const node = h("section", { class: "lane", "aria-labelledby": `lane-${id}`, dataset: { laneId: id, focus: `lane:${id}` }, tabindex: "-1" }, head, list, foot);
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
          menuButton("Move right", { action: "lane.move", lane: lane.id, index: laneIndex + 1 }, `lane:${lane.id}:right`, laneIndex === state.lanes.length - 1),
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
      h("button", { type: "button", class: "add-item", "aria-label": `Add an item to ${lane.title}`, dataset: { action: "item.add.open", lane: lane.id, focus: `lane:${lane.id}:add` } }, h("span", { "aria-hidden": "true", text: "+ " }), "Add an item"),
    );
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
    const where = { index, laneLength, laneIndex, myDots };
    const sig = cardSignature(item, ctx, where);
    const cached = this.items.get(item.id);
    if (cached && cached.sig === sig) return cached.node;
    const node = buildCard(item, where, ctx);
    this.items.set(item.id, { sig, node, editing: false });
    return node;
  }

  // --- the side: people, results, tools ------------------------------------------------------------

  renderSide(ctx) {
    const { state, ui, rules } = ctx;
    const tabs = [["people", "People"], ["results", "Results"]];
    const progressTab = tracking(state) || (state.workshop.checkins || []).length > 0;
    if (progressTab) tabs.push(["progress", "Progress"]);
    if (rules.facilitating) tabs.push(["tools", "Tools"]);
    if (!tabs.some(([key]) => key === ui.sideTab)) ui.sideTab = "people";
    this.side.classList.toggle("is-open", Boolean(ui.sideOpen));
    this.part("sideTabs", JSON.stringify([tabs, ui.sideTab, state.members.length, ctx.ranked.length]), () => {
      replaceChildren(
        this.sideTabs,
        tabs.map(([key, label]) =>
          h(
            "button",
            {
              type: "button",
              role: "tab",
              id: `tab-${key}`,
              class: "side-tab",
              "aria-selected": ui.sideTab === key ? "true" : "false",
              "aria-controls": `side-${key}`,
              tabindex: ui.sideTab === key ? "0" : "-1",
              dataset: { sideTab: key, action: "side.tab", tab: key, focus: `side-tab:${key}` },
            },
            label,
            key === "people" ? h("span", { class: "tab-count", text: ` ${state.members.length}` }) : null,
          ),
        ),
      );
    });
    this.people.hidden = ui.sideTab !== "people";
    this.results.hidden = ui.sideTab !== "results";
    this.progress.hidden = ui.sideTab !== "progress";
    this.part("progress", progressTab ? progressPanelSignature(ctx) : "off", () => {
      if (progressTab) replaceChildren(this.progress, renderProgressPanel(ctx));
      else this.progress.replaceChildren();
    });
    this.facilitate.hidden = ui.sideTab !== "tools" || !rules.facilitating;
    this.part("people", peopleSignature(ctx), () => replaceChildren(this.people, renderPeople(ctx)));
    const check = state.workshop.confidence || { open: false, answers: 0, result: null };
    this.part(
      "results",
      JSON.stringify([ctx.ranked.map((item) => [item.id, item.title, item.votes, item.owners.map((id) => ctx.names.get(id))]), [...ctx.ranks], state.workshop.focus, rules.walk, state.workshop.phase, check.result, state.items.length > 0]),
      () => replaceChildren(this.resultsBody, renderResults(ctx), check.result ? confidenceResult(check.result) : null),
    );
    this.part("tools", toolsSignature(ctx), () => {
      if (!rules.facilitating) {
        this.facilitate.replaceChildren();
        this.dropForm("timer");
        return;
      }
      if (!ui.addingLane || !rules.lanes) this.dropForm("lane.add");
      this.toolsInviteHome = this.toolsInviteHome || h("div", { class: "tool invite-home" });
      replaceChildren(
        this.facilitate,
        renderTools(ctx, {
          timerForm: this.form("timer", () => timerStartForm()),
          laneForm: () => this.form("lane.add", () => addLaneForm()),
          exportsBox: this.exports,
          invitesBox: this.toolsInviteHome,
        }),
      );
      this.renderInviteSlot(ctx);
    });
  }

  // --- the confidence prompt: stays until answered -------------------------------------------------

  renderPrompt(ctx) {
    const { state, rules, ui } = ctx;
    const check = state.workshop.confidence || { open: false };
    const mine = state.me.confidence ?? null;
    const shown = Boolean(check.open && rules.answerConfidence && (mine === null || ui.changingConfidence));
    this.root.classList.toggle("has-prompt", shown);
    this.part("prompt", JSON.stringify([shown, mine, check.answers]), () => {
      this.prompt.hidden = !shown;
      if (!shown) {
        this.prompt.replaceChildren();
        return;
      }
      replaceChildren(
        this.prompt,
        h("h2", { id: "prompt-title", class: "prompt-title", text: "Confidence check" }),
        h("p", { class: "checkin-question", id: "checkin-question", text: "How confident are you that this plan gets us to the goal? 0 is not at all, 5 is fully." }),
        h(
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
        ),
        h("p", { class: "muted prompt-note", text: `${plural(check.answers, "answer")} so far; answers stay hidden until the check is closed.` }),
      );
    });
  }

  // --- the item, opened ----------------------------------------------------------------------------

  renderDetail(ctx) {
    const { state, ui } = ctx;
    const item = ui.detail === null || ui.detail === undefined ? null : state.items.find((candidate) => candidate.id === ui.detail);
    if (!item) {
      ui.detail = null;
      this.parts.detail = null;
      if (this.progressFormKey) this.dropForm(this.progressFormKey);
      this.progressFormKey = null;
      if (this.detail.open) this.detail.close();
      return;
    }
    const myDots = state.me.votes[String(item.id)] || 0;
    // The progress form is kept while the dialog shows its item, so a live change does not eat a note being typed.
    const formKey = ctx.rules.reportProgress(item) ? `progress:${item.id}` : null;
    if (this.progressFormKey && this.progressFormKey !== formKey) this.dropForm(this.progressFormKey);
    this.progressFormKey = formKey;
    this.part("detail", JSON.stringify([item, myDots, state.me.votes_left > 0, ctx.rulesKey, ctx.ownersKey, state.workshop.success_criteria, ctx.lanesKey, ctx.names.size]), () =>
      replaceChildren(this.detail, detailContent(item, ctx, { progressForm: formKey ? this.form(formKey, () => progressForm(item)) : null })),
    );
    if (!this.detail.open) this.detail.showModal();
  }
}

function makeContext(state, ui, rules, workshopId) {
  const names = new Map(state.members.map((member) => [member.id, member.name]));
  const ranked = ranking(state);
  const phase = state.workshop.phase;
  return {
    state,
    ui,
    rules,
    names,
    workshopId,
    ranked,
    // Top dots are marked once the vote has ended, while planning and once agreed.
    ranks: phase === "plan" || phase === "agreed" ? topRanks(ranked) : new Map(),
    sorted: Boolean(ui.sorted && ranked.length && (phase === "plan" || phase === "agreed")),
    rulesKey: `${rules.role}|${phase}|${ui.ended || ""}|${state.me.member}`,
    lanesKey: state.lanes.map((lane) => `${lane.id}:${lane.title}`).join("|"),
    ownersKey: state.members
      .filter((member) => member.role !== "observer")
      .map((member) => `${member.id}:${member.name}`)
      .join("|"),
  };
}
