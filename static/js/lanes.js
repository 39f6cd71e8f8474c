// The lanes of sticky notes, keyed by id: a lane's head, its cards and its foot are each redrawn
// only when a slice they show is a new object (or a value that changed), as view.js decides for
// the other parts. Forms someone is typing in (add, edit, rename) are kept as they are.
// A stack shows as its head alone (stacks.js); with a capacity set, the capacity line is drawn
// after the last accepted card that fits (capacity.js).

import { capacityOf, hours } from "./capacity.js";
import { buildCard } from "./card.js";
import { sameSlices } from "./context.js";
import { h, reconcile, replaceChildren } from "./dom.js";
import { addItemForm, editItemForm, renameLaneForm, syncCriterionOptions, updateEditorStatus } from "./editors.js";
import { plural, quote } from "./format.js";
import { stackedUnder, stackVotes } from "./stacks.js";
import { menuButton, menuNode } from "./widgets.js";

export class LaneBoard {
  // `forms` is the view's keeper of persistent forms: {form(key, build), dropForm(key)}.
  constructor(box, forms) {
    this.box = box;
    this.forms = forms;
    this.items = new Map(); // item id -> {slices, node, editing}
    this.lanes = new Map(); // lane id -> {node, head, list, foot, headSlices, footSlices, empty}
  }

  render(ctx) {
    const { state, ui } = ctx;
    const nodes = [];
    const seenLanes = new Set();
    const seenItems = new Set();
    const byLane = new Map(state.lanes.map((lane) => [lane.id, []]));
    // A stacked card shows inside its head's card, not on its own.
    const alone = (item) => item.stack === null || item.stack === undefined || !ctx.stacks.has(item.stack);
    for (const item of state.items) if (alone(item)) (byLane.get(item.lane) || []).push(item);
    const dots = (item) => stackVotes(item, stackedUnder(ctx.stacks, item.id)) || 0;
    const line = this.capacityMark(ctx);
    state.lanes.forEach((lane, laneIndex) => {
      seenLanes.add(lane.id);
      const entry = this.entry(lane.id);
      const items = byLane.get(lane.id);
      const shown = ctx.sorted ? [...items].sort((a, b) => dots(b) - dots(a) || a.position - b.position) : items;
      entry.node.classList.toggle("is-current", ui.currentLane === lane.id);
      const count = state.items.filter((item) => item.lane === lane.id).length;
      this.renderHead(entry, lane, laneIndex, count, ctx);
      const itemNodes = [];
      shown.forEach((item, index) => {
        seenItems.add(item.id);
        for (const stacked of stackedUnder(ctx.stacks, item.id)) seenItems.add(stacked.id);
        if (line && line.before === item.id) itemNodes.push(line.node);
        itemNodes.push(this.itemNode(item, index, items.length, laneIndex, ctx));
        if (line && line.after === item.id) itemNodes.push(line.node);
      });
      if (!itemNodes.length) {
        entry.empty = entry.empty || h("li", { class: "empty muted", text: "No items yet." });
        itemNodes.push(entry.empty);
      }
      if (!ui.dragging) reconcile(entry.list, itemNodes);
      this.renderFoot(entry, lane, ctx);
      nodes.push(entry.node);
    });
    for (const id of [...this.lanes.keys()]) if (!seenLanes.has(id)) this.lanes.delete(id);
    for (const id of [...this.items.keys()]) {
      if (!seenItems.has(id)) {
        this.items.delete(id);
        this.forms.dropForm(`edit:${id}`);
      }
    }
    reconcile(this.box, nodes);
    this.box.classList.toggle("many", state.lanes.length > 3);
    this.box.classList.toggle("sorted", ctx.sorted);
  }

  entry(id) {
    let entry = this.lanes.get(id);
    if (!entry) {
      const head = h("div", { class: "lane-head" });
      const list = h("ol", { class: "items", "aria-labelledby": `lane-${id}` });
      const foot = h("div", { class: "lane-foot" });
      const node = h(
        "section",
        {
          class: "lane",
          "aria-labelledby": `lane-${id}`,
          dataset: { laneId: id, focus: `lane:${id}` },
          tabindex: "-1",
        },
        head,
        list,
        foot,
      );
      entry = { node, head, list, foot, headSlices: null, footSlices: null, empty: null };
      this.lanes.set(id, entry);
    }
    return entry;
  }

  renderHead(entry, lane, laneIndex, count, ctx) {
    const { state, ui, rules } = ctx;
    const renaming = ui.renamingLane === lane.id && rules.lanes;
    const menuOpen = ui.openMenu === `lane:${lane.id}`;
    const slices = [lane, count, laneIndex, state.lanes.length, rules.lanes, renaming, menuOpen];
    if (sameSlices(entry.headSlices, slices)) return;
    entry.headSlices = slices;
    if (!renaming) this.forms.dropForm(`rename:${lane.id}`);
    const title = h(
      "h2",
      { id: `lane-${lane.id}`, class: ["lane-title", renaming && "sr-only"] },
      h("span", { class: "lane-name", text: lane.title }),
      " ",
      h("span", { class: "count", text: plural(count, "item") }),
    );
    if (renaming) {
      replaceChildren(
        entry.head,
        title,
        this.forms.form(`rename:${lane.id}`, () => renameLaneForm(lane)),
      );
      return;
    }
    const last = state.lanes.length - 1;
    const id = lane.id;
    const menu = rules.lanes
      ? menuNode(`lane:${id}`, `Options for the lane ${quote(lane.title)}`, ui, [
          menuButton("Rename", { action: "lane.rename.open", lane: id }, `lane:${id}:rename`),
          menuButton(
            "Move left",
            { action: "lane.move", lane: id, index: laneIndex - 1 },
            `lane:${id}:left`,
            laneIndex === 0,
          ),
          menuButton(
            "Move right",
            { action: "lane.move", lane: id, index: laneIndex + 1 },
            `lane:${id}:right`,
            laneIndex === last,
          ),
          menuButton("Delete lane", { action: "lane.delete", lane: id }, `lane:${id}:delete`, last === 0, "danger"),
        ])
      : null;
    replaceChildren(entry.head, title, menu);
  }

  renderFoot(entry, lane, ctx) {
    const { ui, rules, state } = ctx;
    const adding = ui.adding.has(lane.id) && rules.addItem;
    const criteria = state.workshop.success_criteria;
    const slices = [rules.addItem, adding, adding && criteria, lane.title];
    if (sameSlices(entry.footSlices, slices)) return;
    entry.footSlices = slices;
    if (!rules.addItem) {
      entry.foot.replaceChildren();
      this.forms.dropForm(`add:${lane.id}`);
      return;
    }
    if (adding) {
      const form = this.forms.form(`add:${lane.id}`, () => addItemForm(lane, criteria));
      syncCriterionOptions(form.querySelector("select[name=criterion]"), criteria);
      replaceChildren(entry.foot, form);
      return;
    }
    this.forms.dropForm(`add:${lane.id}`);
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

  // The capacity line: after the last accepted card that fits (its head, if it is stacked), or
  // before the first when none fits. Not drawn in the dots' order, which is not the board's.
  capacityMark(ctx) {
    const { state } = ctx;
    const capacity = capacityOf(state.workshop);
    const line = ctx.capacity;
    if (capacity === null || !line.accepted || ctx.sorted) return null;
    const shownAs = (id) => {
      const item = state.items.find((candidate) => candidate.id === id);
      return item && item.stack !== null && ctx.stacks.has(item.stack) ? item.stack : id;
    };
    const note = line.over ? "accepted items below do not fit" : `${hours(capacity - line.load)} to spare`;
    const slices = [capacity, note, line.over];
    if (!this.line || !sameSlices(this.line.slices, slices)) {
      const node = h(
        "li",
        { class: ["capacity-line", line.over && "is-over"], dataset: { capacityLine: capacity } },
        h(
          "span",
          { class: "capacity-line-text" },
          h("strong", { text: `Capacity ${hours(capacity)}` }),
          // Over capacity, the note is a line of its own (CSS): said as a sentence, not a list.
          line.over
            ? h("span", { class: "capacity-line-note" }, h("span", { class: "sr-only", text: ": " }), note)
            : ` · ${note}`,
        ),
      );
      this.line = { slices, node };
    }
    if (line.lastFit === null) return { before: shownAs(line.firstPast), node: this.line.node };
    return { after: shownAs(line.lastFit), node: this.line.node };
  }

  itemNode(item, index, laneLength, laneIndex, ctx) {
    const { state, ui, rules } = ctx;
    const criteria = state.workshop.success_criteria;
    const cached = this.items.get(item.id);
    const editor = ui.editing.get(item.id);
    if (editor && rules.editItem(item)) {
      // The editor is a new object whenever its conflict, error or busy state changes.
      const slices = ["edit", editor, criteria];
      if (cached && sameSlices(cached.slices, slices)) return cached.node;
      const form = this.forms.form(`edit:${item.id}`, () => editItemForm(item, criteria));
      syncCriterionOptions(form.querySelector("select[name=criterion]"), criteria);
      updateEditorStatus(form, editor, state);
      const node = (cached?.editing && cached.node) || h("li", { class: "item editing", dataset: { itemId: item.id } });
      node.className = `item editing status-${item.status}`;
      if (form.parentNode !== node) replaceChildren(node, form);
      this.items.set(item.id, { slices, node, editing: true });
      return node;
    }
    if (!editor) this.forms.dropForm(`edit:${item.id}`);
    const myDots = state.me.votes[String(item.id)] || 0;
    const stacked = stackedUnder(ctx.stacks, item.id);
    const where = { index, laneLength, laneIndex, myDots, stacked };
    // What a card shows: its item (a new object whenever the item changed), and what around it
    // it reads. The names and the rules are memoized (context.js): new only when they changed.
    const slices = [
      item,
      ctx.names,
      rules,
      myDots,
      state.me.votes_left > 0,
      item.criterion === null ? null : criteria[item.criterion],
      state.lanes,
      index,
      laneLength,
      stacked,
      ctx.capacity.past.has(item.id),
      stacked.length ? ctx.capacity.past : null,
      state.workshop.planning,
      state.workshop.phase,
      ui.openStacks.has(item.id),
      ui.stacking === item.id,
      ui.openMenu === `estimate:${item.id}`,
      laneIndex,
      rules.assign ? ctx.owners : null,
      ctx.ranks.get(item.id) || 0,
      state.workshop.focus === item.id,
      ctx.sorted,
      ui.openMenu === `item:${item.id}`,
      ui.openMenu === `progress:${item.id}`,
      ui.highlight.has(item.id),
      ui.assigning.has(item.id),
      ui.flash === item.id,
    ];
    if (cached && !cached.editing && sameSlices(cached.slices, slices)) return cached.node;
    const node = buildCard(item, where, ctx);
    // A card turned over (items.revealed): a short flip, unless motion is reduced (CSS).
    if (cached?.hidden && !item.hidden) node.classList.add("turning-over");
    this.items.set(item.id, { slices, node, editing: false, hidden: Boolean(item.hidden) });
    return node;
  }
}
