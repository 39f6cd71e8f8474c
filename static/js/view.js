// The board drawn from state: the sticky top (goal, phase bar, walk, lane tabs), the lanes of
// sticky notes (lanes.js), the side (side.js), the confidence prompt and the item's dialog.
//
// The view reads the state, the UI state and the rules; it changes none of them. Each part is
// redrawn only when one of the slices it shows is not the one it last drew from (`part`): slices
// are compared by identity, which works because the reducer (state.js) and the UI store
// (uistate.js) make a new object for what changed and keep every other one, and the derived
// values are memoized (context.js). Forms someone is typing in are kept as they are.

import { privateGather } from "./capacity.js";
import { renderOverview } from "./checkins.js";
import { sameSlices } from "./context.js";
import { detailContent } from "./detail.js";
import { h, replaceChildren } from "./dom.js";
import { renderDuplicates, shownDuplicates } from "./duplicates.js";
import { goalForm } from "./editors.js";
import { formatCountdown, plural } from "./format.js";
import { renderGoal } from "./goal.js";
import { LaneBoard } from "./lanes.js";
import { renderPhaseBar, renderPlanBar, TIMES_UP_SHOWN_MS } from "./phasebar.js";
import { progressChip, progressForm, tracking } from "./progress.js";
import { walkList } from "./results.js";
import { buildSide, renderSide } from "./side.js";

export const PHONE = "(max-width: 760px)";

const NO_CHECK = { open: false, answers: 0, result: null };

export class BoardView {
  constructor(root) {
    this.root = root;
    this.parts = {}; // part name -> the slices it was last drawn from
    this.forms = new Map(); // key -> persistent form element
    this.built = false;
    this.lastFocus = null; // the walked item last scrolled into view
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
    this.lanes = new LaneBoard(this.laneBox, this);
    // The agreed plan's banner (or the draft's note) scrolls with the page: only the phase row is
    // sticky, so that the board keeps the screen.
    this.planBar = h("div", { class: "plan-bar", hidden: true });
    this.overview = h("div", { class: "plan-progress", hidden: true });
    // The planning game (protocol §10): what a private gather means, and likely duplicates.
    this.privateHint = h("p", { class: "private-hint", role: "note", hidden: true });
    this.duplicates = h("section", { class: "duplicates", "aria-labelledby": "duplicates-title", hidden: true });
    this.laneBox.addEventListener("scroll", () => this.updateCues(), { passive: true });
    this.side = buildSide();
    this.exports = this.side.exports;
    this.memberExports = this.side.memberExports;
    this.main = h(
      "div",
      { class: "board-main" },
      this.inviteSlot,
      this.planBar,
      this.overview,
      this.privateHint,
      this.duplicates,
      this.laneBox,
    );
    // Beside the lanes, what needs attention heads the side; on a phone it stays above the lanes.
    this.sideColumn = h("div", { class: "side-column" }, this.side.node);
    this.body = h("div", { class: "board-body" }, this.main, this.sideColumn);
    this.placeOverview();
    this.phone.addEventListener("change", () => this.placeOverview());
    this.prompt = h("section", { class: "confidence-prompt", "aria-labelledby": "prompt-title", hidden: true });
    const hint = h("p", { id: "move-hint", class: "sr-only", text: "Alt and the arrow keys move this item." });
    replaceChildren(this.root, this.top, this.body, hint, this.prompt, this.detail);
    if ("ResizeObserver" in window) {
      const height = () => `${Math.ceil(this.top.getBoundingClientRect().height)}px`;
      new ResizeObserver(() => this.root.style.setProperty("--top-h", height())).observe(this.top);
    }
    this.root.classList.add("live");
    this.built = true;
  }

  // `ctx` from context.js's makeContext.
  render(ctx) {
    if (!this.built) this.build();
    const { state, ui, rules } = ctx;
    const workshop = state.workshop;
    this.root.dataset.phase = workshop.phase;
    this.root.dataset.role = rules.role;
    const editingGoal = ui.editingGoal && rules.editGoal;
    const goalSlices = [workshop.title, workshop.why, workshop.success_criteria, workshop.phase, state.items];
    this.part("goal", [...goalSlices, ui.goalOpen, editingGoal, rules], () =>
      replaceChildren(
        this.goalBar,
        renderGoal(ctx, () => this.form("goal", () => goalForm(workshop))),
      ),
    );
    if (!editingGoal) this.dropForm("goal");
    this.fitChips();
    // The phase bar shows the workshop's phase, timer, confidence and plan version, my dots, the
    // ready count, and once agreed the plan's progress; the items for whether any is accepted.
    const phaseSlices = [workshop, state.me, state.members, state.items, rules, ctx.ranked.length > 0];
    this.part("phase", [...phaseSlices, ui.ended, ui.openMenu === "phase", ui.sorted, ui.agendaOpen], () =>
      replaceChildren(this.phaseBar, renderPhaseBar(ctx)),
    );
    this.part("plan", [workshop, state.items, rules, ctx.workshopId, ui.ended], () => {
      const bar = renderPlanBar(ctx);
      this.planBar.hidden = !bar;
      replaceChildren(this.planBar, bar);
    });
    this.renderWalk(ctx);
    this.renderLaneTabs(ctx);
    this.renderInviteSlot(ctx);
    const overviewSlices = tracking(state) ? [workshop.success_criteria, state.items, state.lanes, ctx.names] : ["off"];
    this.part("overview", overviewSlices, () => {
      this.overview.hidden = !tracking(state);
      if (this.overview.hidden) this.overview.replaceChildren();
      else replaceChildren(this.overview, renderOverview(ctx));
    });
    this.renderPlanningGame(ctx);
    this.lanes.render(ctx);
    this.fitLanes();
    renderSide(this, ctx);
    this.renderPrompt(ctx);
    this.renderDetail(ctx);
    this.tick(state);
    const focus = workshop.focus ?? null;
    if (focus !== this.lastFocus) {
      this.lastFocus = focus;
      const card = focus === null ? null : this.root.querySelector(`.lane [data-item-id="${focus}"]`);
      const behavior = matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
      if (card) card.scrollIntoView({ block: "center", inline: "center", behavior });
    }
  }

  // While a private gather lasts, the room is told why others' cards are face down; while
  // gathering, likely duplicates are offered to stack.
  renderPlanningGame(ctx) {
    const { state, rules, ui } = ctx;
    const hidden = privateGather(state.workshop);
    this.part("privateHint", [hidden, rules.facilitating], () => {
      this.privateHint.hidden = !hidden;
      const next = rules.facilitating ? " Moving on to voting turns every card over." : "";
      this.privateHint.replaceChildren(
        h("span", { class: "private-hint-icon", "aria-hidden": "true" }),
        h("span", {
          text:
            "Cards stay private until the facilitator moves on from gathering: you see your own, " +
            `and everyone else’s face down.${next}`,
        }),
      );
    });
    this.part("duplicates", [state.items, ui.duplicates, ui.notDuplicates, rules, state.workshop.phase], () => {
      const shown = renderDuplicates(shownDuplicates(ctx));
      this.duplicates.hidden = !shown;
      replaceChildren(this.duplicates, shown);
    });
  }

  // Draw the part `name` with `draw` unless every one of `slices` is what it was last drawn from.
  part(name, slices, draw) {
    if (sameSlices(this.parts[name], slices)) return;
    this.parts[name] = slices;
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

  placeOverview() {
    if (this.phone.matches) this.main.insertBefore(this.overview, this.laneBox);
    else this.sideColumn.prepend(this.overview);
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
    const { state, rules, ui } = ctx;
    const focus = state.workshop.focus ?? null;
    const item = focus === null ? null : state.items.find((candidate) => candidate.id === focus);
    const list = item ? walkList(state, ui.checkinOrder) : [];
    const at = item ? list.findIndex((candidate) => candidate.id === item.id) : -1;
    const checkin = state.workshop.phase === "agreed";
    const last = at === list.length - 1;
    this.part("walk", [item, at, list.length, rules, checkin], () => {
      this.walkBanner.hidden = !item;
      if (!item) {
        this.walkBanner.replaceChildren();
        return;
      }
      const button = (text, action, focusKey, props = {}) =>
        h("button", { type: "button", class: "small", ...props, dataset: { action, focus: focusKey }, text });
      const label = `${checkin ? "Check-in" : "Walking the room"}${at >= 0 ? ` · ${at + 1} of ${list.length}` : ""}`;
      const next =
        checkin && rules.recordCheckin && (last || at === -1)
          ? button("Record check-in…", "checkin.record", "walk:record", { class: "small primary" })
          : h("button", {
              type: "button",
              class: "small primary",
              disabled: last,
              dataset: { action: "walk.next", focus: "walk:next", focusFallback: "walk:record" },
              text: "Next ›",
            });
      replaceChildren(
        this.walkBanner,
        h("span", { class: "walk-label", text: label }),
        checkin && item.status === "accepted" ? progressChip(item) : null,
        item.hidden
          ? h("span", { class: "walk-title", text: "A face-down card" })
          : h("button", {
              type: "button",
              class: "walk-title link-plain",
              dataset: { action: "item.open", item: item.id, focus: "walk:title" },
              text: item.title,
            }),
        rules.walk
          ? h(
              "span",
              { class: "walk-buttons" },
              button("‹ Previous", "walk.prev", "walk:prev", { disabled: at <= 0 }),
              next,
              button("End", "walk.end", "walk:end"),
            )
          : null,
      );
    });
  }

  // --- lanes ---------------------------------------------------------------------------------------

  renderLaneTabs(ctx) {
    const { state, ui } = ctx;
    this.markedLane = ui.currentLane;
    this.part("tabs", [state.lanes, state.items, ui.currentLane], () => {
      const counts = new Map(state.lanes.map((lane) => [lane.id, 0]));
      for (const item of state.items) counts.set(item.lane, (counts.get(item.lane) || 0) + 1);
      const cue = (side, label, direction, arrow) =>
        h(
          "button",
          {
            type: "button",
            class: `lanes-cue ${side}`,
            "aria-label": label,
            hidden: true,
            dataset: { action: "lanes.scroll", direction },
          },
          h("span", { "aria-hidden": "true", text: arrow }),
        );
      const tab = (lane) => {
        const count = counts.get(lane.id) || 0;
        const current = ui.currentLane === lane.id;
        return h(
          "li",
          null,
          h(
            "button",
            {
              type: "button",
              class: ["lane-tab", current && "is-current"],
              "aria-current": current ? "true" : null,
              dataset: { action: "lane.show", laneTab: lane.id, focus: `tab:${lane.id}` },
            },
            h("span", { class: "lane-tab-name", text: lane.title }),
            h("span", { class: "lane-tab-count", "aria-label": plural(count, "item"), text: String(count) }),
          ),
        );
      };
      replaceChildren(
        this.laneTabs,
        cue("prev", "Scroll to the lanes on the left", "-1", "‹"),
        h("ul", { class: "lane-tab-list" }, state.lanes.map(tab)),
        cue("next", "Scroll to the lanes on the right", "1", "›"),
      );
    });
  }

  renderInviteSlot(ctx) {
    const { state, rules } = ctx;
    // An empty board's first step is bringing the team in; after that the link lives in Tools.
    const inSlot = rules.invites && state.items.length === 0;
    this.inviteSlot.hidden = !inSlot;
    const home = inSlot ? this.inviteSlot : this.side.invitesHome;
    if (this.invites.parentNode !== home) home.append(this.invites);
    this.invites.classList.toggle("invite-card", inSlot);
    if (this.onInviteMode) this.onInviteMode(inSlot ? "card" : "tool");
  }

  // The criteria's chips say their text only where all of it fits; else each is its number and
  // count, and "About the goal" (or a chip) shows them in full.
  // Where even the numbers do not fit beside the title, they go on a line of their own.
  fitChips() {
    const list = this.goalBar.querySelector(".criteria-chips");
    if (!list) return;
    const line = list.parentElement;
    const cut = () =>
      list.scrollWidth > list.clientWidth + 1 ||
      [...list.querySelectorAll(".chip-text")].some((text) => text.scrollWidth > text.clientWidth + 1);
    list.classList.remove("compact");
    line.classList.remove("chips-below");
    if (!cut()) return;
    list.classList.add("compact");
    if (cut()) line.classList.add("chips-below");
  }

  // Lanes scroll sideways only when they do not fit; a scrolling box would clip open menus.
  fitLanes() {
    const box = this.laneBox;
    box.classList.remove("scrolls");
    box.classList.toggle("scrolls", !this.phone.matches && box.scrollWidth > box.clientWidth + 1);
    this.root.classList.toggle("lanes-fit", !this.phone.matches && !box.classList.contains("scrolls"));
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
    if (scrolls) this.followLaneInView();
  }

  // Lanes scrolled sideways: the tab marks a lane in view. The one last tapped while it is in
  // view, else the first lane mostly in view.
  followLaneInView() {
    const box = this.laneBox.getBoundingClientRect();
    const inView = (entry) => {
      const lane = entry.node.getBoundingClientRect();
      return Math.min(lane.right, box.right) - Math.max(lane.left, box.left) >= lane.width * 0.6;
    };
    if (this.scrollingTo) return; // a tab was tapped: its lane is on its way
    const marked = this.lanes.lanes.get(this.markedLane);
    if (marked && inView(marked)) return;
    for (const [id, entry] of this.lanes.lanes) {
      if (inView(entry)) {
        if (this.onLaneInView) this.onLaneInView(id);
        return;
      }
    }
  }

  showLane(id, { scroll = true } = {}) {
    const entry = this.lanes.lanes.get(id);
    if (!entry) return;
    for (const [laneId, other] of this.lanes.lanes) other.node.classList.toggle("is-current", laneId === id);
    if (scroll && !this.phone.matches) {
      const box = this.laneBox.getBoundingClientRect();
      const lane = entry.node.getBoundingClientRect();
      if (lane.left < box.left || lane.right > box.right) {
        this.scrollingTo = id;
        clearTimeout(this.scrollingTimer);
        this.scrollingTimer = setTimeout(() => {
          this.scrollingTo = null;
        }, 1000);
        this.laneBox.scrollBy({ left: lane.left - box.left - 8, behavior: "smooth" });
      }
    }
  }

  // --- the confidence prompt: stays until answered -------------------------------------------------

  renderPrompt(ctx) {
    const { state, rules, ui } = ctx;
    const check = state.workshop.confidence || NO_CHECK;
    const mine = state.me.confidence ?? null;
    const shown = Boolean(check.open && rules.answerConfidence && (mine === null || ui.changingConfidence));
    this.root.classList.toggle("has-prompt", shown);
    this.part("prompt", [shown, mine, check.answers], () => {
      this.prompt.hidden = !shown;
      if (!shown) {
        this.prompt.replaceChildren();
        return;
      }
      const question = "How confident are you that this plan gets us to the goal? 0 is not at all, 5 is fully.";
      const answers = `${plural(check.answers, "answer")} so far; answers stay hidden until the check is closed.`;
      replaceChildren(
        this.prompt,
        h("h2", { id: "prompt-title", class: "prompt-title", text: "Confidence check" }),
        h("p", { class: "checkin-question", id: "checkin-question", text: question }),
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
        h("p", { class: "muted prompt-note", text: answers }),
      );
    });
  }

  // --- the item, opened ----------------------------------------------------------------------------

  renderDetail(ctx) {
    const { state, ui, rules } = ctx;
    const item = ui.detail === null ? null : state.items.find((candidate) => candidate.id === ui.detail);
    if (!item) {
      this.parts.detail = null;
      if (this.progressFormKey) this.dropForm(this.progressFormKey);
      this.progressFormKey = null;
      if (this.detail.open) this.detail.close();
      return;
    }
    const myDots = state.me.votes[String(item.id)] || 0;
    // The progress form is kept while the dialog shows its item, so a live change does not eat a
    // note being typed.
    const formKey = rules.reportProgress(item) ? `progress:${item.id}` : null;
    if (this.progressFormKey && this.progressFormKey !== formKey) this.dropForm(this.progressFormKey);
    this.progressFormKey = formKey;
    const slices = [item, myDots, state.me.votes_left > 0, rules, ctx.owners, ctx.names];
    this.part("detail", [...slices, state.workshop.success_criteria, state.lanes], () => {
      const form = formKey ? this.form(formKey, () => progressForm(item)) : null;
      replaceChildren(this.detail, detailContent(item, ctx, { progressForm: form }));
    });
    if (!this.detail.open) this.detail.showModal();
  }
}
