// The side of the board: its tabs (People, Results, Progress, Tools) and their panels. Each panel
// is redrawn only when a slice it shows is a new object, through the view's `part` (view.js).

import { renderProgressPanel } from "./checkins.js";
import { h, replaceChildren } from "./dom.js";
import { addLaneForm, saveTemplateForm, timerStartForm } from "./editors.js";
import { capacityForm, renderTools } from "./facilitation.js";
import { renderPeople } from "./people.js";
import { confidenceResult, renderResults } from "./results.js";
import { sideTabs } from "./uistate.js";
import { closeButton } from "./widgets.js";

const NO_CHECK = { open: false, answers: 0, result: null };

export function buildSide() {
  const panel = (key, label, className, hidden) =>
    h("section", {
      id: `side-${key}`,
      class: [className, "side-panel"],
      role: "tabpanel",
      "aria-labelledby": label,
      hidden,
    });
  const side = {
    people: panel("people", "people-title", "people", false),
    results: panel("results", "results-title", "results", false),
    resultsBody: h("div"),
    memberExports: h("div", { class: "tool export-tool" }),
    progress: panel("progress", "progress-title", "progress-panel", true),
    facilitate: panel("tools", "facilitate-title", "facilitate", true),
    exports: h("div", { class: "tool export-tool" }),
    tabs: h("div", { class: "side-tabs", role: "tablist", "aria-label": "People, results and tools" }),
    invitesHome: h("div", { class: "tool invite-home" }),
  };
  side.results.append(side.resultsBody, side.memberExports);
  const close = closeButton("side.close", "side:close", "side-close");
  side.node = h(
    "aside",
    { id: "side", class: "side", "aria-label": "People, results and tools" },
    h("div", { class: "side-head" }, side.tabs, close),
    side.people,
    side.results,
    side.progress,
    side.facilitate,
  );
  return side;
}

// Draw the side of `view` (its `side` from buildSide, `part`, `form`, `dropForm`).
export function renderSide(view, ctx) {
  const { state, ui, rules } = ctx;
  const { side } = view;
  const workshop = state.workshop;
  const tabs = sideTabs(state, rules);
  const keys = tabs.map(([key]) => key).join(" ");
  side.node.classList.toggle("is-open", Boolean(ui.sideOpen));
  view.part("sideTabs", [keys, ui.sideTab, state.members.length], () => {
    replaceChildren(
      side.tabs,
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
  side.people.hidden = ui.sideTab !== "people";
  side.results.hidden = ui.sideTab !== "results";
  side.progress.hidden = ui.sideTab !== "progress";
  side.facilitate.hidden = ui.sideTab !== "tools" || !rules.facilitating;

  const progressTab = keys.includes("progress");
  const progressSlices = progressTab
    ? [
        workshop.phase,
        workshop.checkins,
        workshop.focus,
        state.items,
        state.members,
        state.me.member,
        rules,
        ui.deviceLink,
      ]
    : ["off"];
  view.part("progress", progressSlices, () => {
    if (progressTab) replaceChildren(side.progress, renderProgressPanel(ctx));
    else side.progress.replaceChildren();
  });

  const peopleSlices = [state.members, state.online, workshop.phase, workshop.votes_per_member, rules];
  peopleSlices.push(ctx.loads, ctx.share);
  view.part("people", peopleSlices, () => replaceChildren(side.people, renderPeople(ctx)));

  const check = workshop.confidence || NO_CHECK;
  // The ranking is memoized on the items (context.js); its owners' names are in ctx.names.
  const resultsSlices = [ctx.ranked, ctx.ranks, ctx.names, workshop.focus, workshop.phase, rules, check.result];
  view.part("results", [...resultsSlices, state.items.length > 0], () =>
    replaceChildren(side.resultsBody, renderResults(ctx), check.result ? confidenceResult(check.result) : null),
  );

  const toolsSlices = [rules, workshop.timer, workshop.confidence, workshop.phase, ui.addingLane, state.lanes.length];
  toolsSlices.push(workshop.agenda, workshop.step, workshop.planning);
  view.part("tools", toolsSlices, () => {
    if (!rules.facilitating) {
      side.facilitate.replaceChildren();
      view.dropForm("timer");
      return;
    }
    if (!ui.addingLane || !rules.lanes) view.dropForm("lane.add");
    replaceChildren(
      side.facilitate,
      renderTools(ctx, {
        timerForm: view.form("timer", () => timerStartForm()),
        templateForm: view.form("template.save", () => saveTemplateForm()),
        capacityForm: view.form("planning.capacity", () => capacityForm()),
        laneForm: () => view.form("lane.add", () => addLaneForm()),
        exportsBox: side.exports,
        invitesBox: side.invitesHome,
      }),
    );
    view.renderInviteSlot(ctx);
  });
}
