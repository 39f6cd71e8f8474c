// An item as a sticky note: title, a short criterion tag, owners as avatars, dots, status and
// author. The phase's own action (dots while voting, claiming) sits on the card; the rest is in
// its ⋯ menu and in the detail dialog that opens from the title, where long notes read in full.
// The planning game (protocol §10) adds the estimate on its face, "will not fit" past the capacity
// line, a stack's count, and the card's back while a private gather keeps it face down.

import { capacityOf, estimateControl, privateGather } from "./capacity.js";
import { h } from "./dom.js";
import { formatDate, quote, STATUS_ICONS, STATUS_LABELS } from "./format.js";
import {
  cardHelpNotes,
  helpButton,
  helpersLine,
  helpersOf,
  needsHelp,
  progressControl,
  progressNote,
  progressOf,
} from "./progress.js";
import { faceDownCard, stackBadge, stackList, stackPicker, stackVotes } from "./stacks.js";
import { avatar, cardAttributes, menuButton, menuNode } from "./widgets.js";

// Once agreed, an accepted item carries the plan's progress (protocol §7).
export const tracked = (item, state) => state.workshop.phase === "agreed" && item.status === "accepted";

// `index` and `laneLength` count the cards shown in the lane (a stack is one); `stacked`, the cards
// stacked under this one.
export function buildCard(item, { index, laneLength, laneIndex, myDots, stacked }, ctx) {
  const { state, rules, ui } = ctx;
  const id = item.id;
  const movable = rules.moveItem && !ctx.sorted;
  const where = { index, laneLength, laneIndex };
  if (item.hidden) return faceDownCard(item, { menu: cardMenu(item, where, ctx, movable), movable, stacked }, ctx);
  const titleId = `item-${id}-title`;
  const needsOwner = item.status === "accepted" && item.owners.length === 0;
  const capacity = capacityOf(state.workshop);
  const needsEstimate = capacity !== null && item.status === "accepted" && item.estimate === null;
  const pastLine = ctx.capacity.past.has(id);
  const rank = ctx.ranks.get(id);
  const tracking = tracked(item, state);
  const agreed = state.workshop.phase === "agreed";
  const node = h("li", {
    class: [
      "item",
      `status-${item.status}`,
      ui.highlight.has(id) && (needsOwner || needsEstimate || pastLine) && "needs-attention",
      pastLine && "past-line",
      stacked.length && "stack-head",
      rank && "top",
      state.workshop.focus === id && "walk-focus",
      item.owners.includes(state.me.member) && "is-mine",
      tracking && `progress-${progressOf(item)}`,
      tracking && needsHelp(item) && "needs-help",
      ui.flash === id && "flash",
    ],
    ...cardAttributes(item, titleId, movable, {
      rank: rank || null,
      progress: tracking ? progressOf(item) : null,
      helpers: agreed ? helpersOf(item).length : null,
      estimate: item.estimate ?? null,
      stacked: stacked.length || null,
    }),
  });

  const tags = [];
  if (rank)
    tags.push(
      h(
        "span",
        { class: "rank-badge", title: `Rank ${rank} by dots` },
        h("span", { "aria-hidden": "true", text: `#${rank}` }),
        h("span", { class: "sr-only", text: `Rank ${rank} by dots.` }),
      ),
    );
  const tie = criterionControl(item, ctx);
  if (tie) tags.push(tie);
  const estimate = estimateControl(item, ctx, { asking: needsEstimate && state.workshop.phase === "plan" });
  if (estimate) tags.push(estimate);
  if (tracking) tags.push(progressControl(item, ctx));
  else if (item.status !== "proposed") {
    tags.push(
      h(
        "span",
        { class: `badge status-badge status-${item.status}` },
        h("span", { "aria-hidden": "true", text: `${STATUS_ICONS[item.status]} ` }),
        STATUS_LABELS[item.status],
      ),
    );
  }
  if (needsOwner && state.workshop.phase !== "gather") {
    tags.push(
      h("span", { class: "badge warn-badge" }, h("span", { "aria-hidden": "true", text: "! " }), "Needs an owner"),
    );
  }
  if (pastLine) {
    tags.push(
      h(
        "span",
        {
          class: "badge past-line-badge",
          title: "Past the capacity line: drop it, re-estimate it or raise the capacity",
        },
        h("span", { "aria-hidden": "true", text: "⤓ " }),
        "Will not fit",
      ),
    );
  }
  if (privateGather(state.workshop) && item.author === state.me.member) {
    tags.push(h("span", { class: "badge private-badge", text: "Only you see it" }));
  }
  const badge = stackBadge(item, stacked, ctx);
  if (badge) tags.push(badge);
  node.append(cardMenu(item, where, ctx, movable));
  if (tags.length) node.append(h("div", { class: "tags" }, tags));
  node.append(
    h(
      "h3",
      { id: titleId, class: "item-title" },
      h("button", {
        type: "button",
        class: "title-button",
        "aria-haspopup": "dialog",
        dataset: { action: "item.open", item: id, focus: `item:${id}:open` },
        text: item.title,
      }),
    ),
  );
  if (item.notes) node.append(h("p", { class: "notes", text: item.notes }));
  if (item.due)
    node.append(
      h(
        "p",
        { class: "item-due" },
        h("span", { "aria-hidden": "true", text: "◷ " }),
        "Due ",
        h("time", { datetime: item.due, text: formatDate(item.due) }),
      ),
    );
  if (tracking) {
    const note = progressNote(item, ctx);
    if (note) node.append(note);
  }

  const owners = h("div", { class: "owners", "aria-label": "Owners" });
  if (!item.owners.length) owners.append(h("span", { class: "no-owner", text: "No owner" }));
  for (const ownerId of item.owners) {
    owners.append(avatar(ownerId, ctx.names.get(ownerId) || "someone who left", { you: ownerId === state.me.member }));
  }
  const votes = h("span", { class: "votes" });
  // A stack's head carries the stack's dots.
  const dots = stackVotes(item, stacked);
  if (dots === null) votes.append(h("span", { class: "muted", text: "dots hidden" }));
  else {
    votes.append(
      h("span", { class: "vote-dot", "aria-hidden": "true", text: "●" }),
      ` ${dots}`,
      h("span", {
        class: "sr-only",
        text: `${dots === 1 ? " dot" : " dots"}${stacked.length ? " on this stack" : ""}`,
      }),
    );
    if (myDots) votes.append(h("span", { class: "my-dots", text: ` · ${myDots} from you` }));
  }
  const author = ctx.names.get(item.author);
  if (tracking) {
    // On the plan: who does it, who helps, and the offer of help; dots and authors are history.
    node.append(h("div", { class: "item-foot" }, owners, helpersLine(item, ctx), helpButton(item, ctx)));
    const helpNotes = cardHelpNotes(item, ctx);
    if (helpNotes) node.append(helpNotes);
    const opened = stackList(item, stacked, ctx);
    if (opened) node.append(opened);
    const actions = cardActions(item, myDots, ctx);
    if (actions.childNodes.length) node.append(actions);
    return node;
  }
  node.append(
    h(
      "div",
      { class: "item-foot" },
      owners,
      claimButton(item, ctx),
      // No dot counts before voting: in gather every card would say 0.
      state.workshop.phase === "gather" ? null : votes,
      h(
        "span",
        { class: "item-author", title: author ? `Added by ${author}` : "" },
        author ? `by ${item.author === state.me.member ? "you" : author}` : "",
      ),
    ),
  );

  const opened = stackList(item, stacked, ctx);
  if (opened) node.append(opened);
  const actions = cardActions(item, myDots, ctx);
  if (ui.stacking === id && rules.stack(item)) actions.append(stackPicker(item, ctx));
  if (actions.childNodes.length) node.append(actions);
  if (movable)
    node.append(
      h(
        "p",
        { class: "kbd-hint", "aria-hidden": "true" },
        h("kbd", { text: "Alt" }),
        " + ",
        h("kbd", { text: "←↑↓→" }),
        " moves",
      ),
    );
  return node;
}

// The success criterion an item serves, on the card: one tap opens the criteria to choose from
// (or drop the card on a criterion's chip). In plan an accepted item without one asks for it.
function criterionControl(item, ctx) {
  const { state, rules, ui } = ctx;
  const criteria = state.workshop.success_criteria;
  const current = item.criterion !== null && criteria[item.criterion] !== undefined ? item.criterion : null;
  const serves = current === null ? null : `Serves criterion ${current + 1}: ${criteria[current]}.`;
  if (!criteria.length || !rules.editItem(item)) {
    if (current === null) return null;
    return h(
      "span",
      { class: "criterion-tag", title: `Serves ${current + 1}. ${criteria[current]}` },
      h("span", { "aria-hidden": "true", text: `C${current + 1}` }),
      h("span", { class: "sr-only", text: serves }),
    );
  }
  const asking = current === null && state.workshop.phase === "plan" && item.status === "accepted";
  const shown = current === null ? (asking ? "Which criterion?" : "+ Criterion") : `C${current + 1}`;
  const label =
    current === null
      ? `${asking ? "Which criterion" : "Criterion"}: tie ${quote(item.title)} to the success criterion it serves`
      : `C${current + 1}: ${serves} Change it`;
  const key = `criterion:${item.id}`;
  const choices = criteria.map((text, index) =>
    h(
      "button",
      {
        type: "button",
        class: ["criterion-choice", index === current && "pressed"],
        "aria-pressed": index === current ? "true" : "false",
        dataset: { action: "item.criterion", item: item.id, criterion: index, focus: `${key}:${index}` },
      },
      h("span", { class: "chip-number", text: `C${index + 1}` }),
      h("span", { class: "criterion-choice-text", text }),
    ),
  );
  if (current !== null)
    choices.push(
      h("button", {
        type: "button",
        class: "criterion-choice",
        dataset: { action: "item.criterion", item: item.id, criterion: "", focus: `${key}:none` },
        text: "Serves no criterion",
      }),
    );
  const look = current === null ? "criterion-missing" : "criterion-set";
  return menuNode(key, label, ui, choices, {
    className: ["criterion-menu", look, asking && "asking"].filter(Boolean).join(" "),
    icon: shown,
  });
}

// Taking an item on sits with its owners: one tap, beside the avatars. The name starts with the
// words shown, then says which item (WCAG 2.5.3: "click Take it on" works by voice). "Take it on",
// not "take it": others may own it already, and it stays theirs too.
export function claimButton(item, ctx, focusPrefix = "item") {
  const { state, rules } = ctx;
  if (!rules.claim) return null;
  const mine = item.owners.includes(state.me.member);
  return h("button", {
    type: "button",
    class: ["claim-button", mine && "pressed"],
    "aria-label": `${mine ? "Unclaim" : "Take it on:"} ${quote(item.title)}`,
    title: mine ? "Give it back" : null,
    dataset: { action: mine ? "item.unclaim" : "item.claim", item: item.id, focus: `${focusPrefix}:${item.id}:claim` },
    text: mine ? "Unclaim" : "Take it on",
  });
}

export function cardActions(item, myDots, ctx) {
  const { state, rules, ui } = ctx;
  const id = item.id;
  const title = quote(item.title);
  // A stacked card's dots go on its head: it has no buttons of its own.
  const voting = rules.vote && (item.stack === null || item.stack === undefined);
  const actions = h("div", { class: ["item-actions", voting && "voting"] });
  if (voting) {
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
        h(
          "span",
          { class: "dot-count" },
          h("span", { class: "dot-row", "aria-hidden": "true", text: "●".repeat(Math.min(myDots, 20)) }),
          ` ${myDots} ${myDots === 1 ? "dot" : "dots"}`,
        ),
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
  if (rules.setStatus) {
    actions.append(
      h(
        "label",
        { class: "inline-select" },
        h("span", { class: "sr-only", text: `Status of ${title}` }),
        h(
          "select",
          { dataset: { action: "item.status", item: id, focus: `item:${id}:status` } },
          ["proposed", "accepted", "dropped"].map((status) =>
            h("option", { value: status, selected: status === item.status, text: STATUS_LABELS[status] }),
          ),
        ),
      ),
    );
  }
  if (rules.assign && (state.workshop.phase === "plan" || ui.assigning.has(id))) {
    // ctx.owners: id -> name of everyone who can own an item (context.js).
    const candidates = [...ctx.owners].filter(([memberId]) => !item.owners.includes(memberId));
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
            candidates.map(([memberId, name]) => h("option", { value: String(memberId), text: name })),
          ),
        ),
      );
    }
  }
  return actions;
}

function cardMenu(item, { index, laneLength, laneIndex }, ctx, movable) {
  const { state, rules, ui } = ctx;
  const id = item.id;
  const entries = item.hidden ? [] : [menuButton("Open", { action: "item.open", item: id }, `item:${id}:open-menu`)];
  if (rules.editItem(item)) entries.push(menuButton("Edit", { action: "item.edit.open", item: id }, `item:${id}:edit`));
  if (movable) {
    entries.push(
      menuButton(
        "Move up",
        { action: "item.move", item: id, lane: item.lane, index: index - 1 },
        `item:${id}:up`,
        index === 0,
      ),
      menuButton(
        "Move down",
        { action: "item.move", item: id, lane: item.lane, index: index + 1 },
        `item:${id}:down`,
        index === laneLength - 1,
      ),
    );
    state.lanes.forEach((lane, otherIndex) => {
      if (otherIndex !== laneIndex)
        entries.push(
          menuButton(
            `Move to ${lane.title}`,
            { action: "item.move", item: id, lane: lane.id, index: 100000 },
            `item:${id}:to:${lane.id}`,
          ),
        );
    });
  }
  if (rules.stack(item) && ui.stacking !== id)
    entries.push(menuButton("Stack onto…", { action: "item.stack.open", item: id }, `item:${id}:stack-open`));
  // Owners are assigned in the plan phase; while gathering, on request. Not while voting.
  if (rules.assign && !item.hidden && state.workshop.phase === "gather" && !ui.assigning.has(id)) {
    entries.push(menuButton("Assign an owner…", { action: "item.assign.open", item: id }, `item:${id}:assign-open`));
  }
  if (rules.walk && !item.hidden)
    entries.push(
      menuButton("Show on every screen (walk the room)", { action: "walk.to", item: id }, `item:${id}:walk`),
    );
  if (rules.deleteItem(item))
    entries.push(menuButton("Delete", { action: "item.delete", item: id }, `item:${id}:delete`, false, "danger"));
  if (!entries.length) return null;
  const what = item.hidden ? "this face-down card" : quote(item.title);
  return menuNode(`item:${id}`, `More actions for ${what}`, ui, entries, { className: "card-menu" });
}
