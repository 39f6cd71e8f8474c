// An item as a sticky note: title, a short criterion tag, owners as avatars, dots, status and
// author. The phase's own action (dots while voting, claiming) sits on the card; the rest is in
// its ⋯ menu and in the detail dialog that opens from the title, where long notes read in full.

import { h } from "./dom.js";
import { formatDate, formatDateTime, plural, quote, STATUS_ICONS, STATUS_LABELS } from "./format.js";
import {
  cardHelpNotes,
  helpButton,
  helpersLine,
  helpersOf,
  helpNotesList,
  needsHelp,
  progressChip,
  progressControl,
  progressNote,
  progressOf,
} from "./progress.js";
import { avatar, menuButton, menuNode, row } from "./widgets.js";

// Once agreed, an accepted item carries the plan's progress (protocol §7).
const tracked = (item, state) => state.workshop.phase === "agreed" && item.status === "accepted";

export function buildCard(item, { index, laneLength, laneIndex, myDots }, ctx) {
  const { state, rules, ui } = ctx;
  const id = item.id;
  const _title = quote(item.title);
  const titleId = `item-${id}-title`;
  const needsOwner = item.status === "accepted" && item.owners.length === 0;
  const rank = ctx.ranks.get(id);
  const movable = rules.moveItem && !ctx.sorted;
  const tracking = tracked(item, state);
  const agreed = state.workshop.phase === "agreed";
  const node = h("li", {
    class: [
      "item",
      `status-${item.status}`,
      ui.highlight.has(id) && needsOwner && "needs-attention",
      rank && "top",
      state.workshop.focus === id && "walk-focus",
      item.owners.includes(state.me.member) && "is-mine",
      tracking && `progress-${progressOf(item)}`,
      tracking && needsHelp(item) && "needs-help",
      ui.flash === id && "flash",
    ],
    tabindex: "0",
    "aria-labelledby": titleId,
    "aria-describedby": movable ? "move-hint" : null,
    "aria-keyshortcuts": movable ? "Alt+ArrowUp Alt+ArrowDown Alt+ArrowLeft Alt+ArrowRight" : null,
    draggable: movable ? "true" : null,
    dataset: {
      itemId: id,
      item: id,
      lane: item.lane,
      focus: `item:${id}`,
      focusFallback: `lane:${item.lane}`,
      rank: rank || null,
      progress: tracking ? progressOf(item) : null,
      helpers: agreed ? helpersOf(item).length : null,
    },
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
  node.append(cardMenu(item, { index, laneLength, laneIndex }, ctx, movable));
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
  if (item.votes === null) votes.append(h("span", { class: "muted", text: "dots hidden" }));
  else {
    votes.append(
      h("span", { class: "vote-dot", "aria-hidden": "true", text: "●" }),
      ` ${item.votes}`,
      h("span", { class: "sr-only", text: item.votes === 1 ? " dot" : " dots" }),
    );
    if (myDots) votes.append(h("span", { class: "my-dots", text: ` · ${myDots} from you` }));
  }
  const author = ctx.names.get(item.author);
  if (tracking) {
    // On the plan: who does it, who helps, and the offer of help; dots and authors are history.
    node.append(h("div", { class: "item-foot" }, owners, helpersLine(item, ctx), helpButton(item, ctx)));
    const helpNotes = cardHelpNotes(item, ctx);
    if (helpNotes) node.append(helpNotes);
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

  const actions = cardActions(item, myDots, ctx);
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
function claimButton(item, ctx, focusPrefix = "item") {
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

function cardActions(item, myDots, ctx) {
  const { state, rules, ui } = ctx;
  const id = item.id;
  const title = quote(item.title);
  const actions = h("div", { class: ["item-actions", rules.vote && "voting"] });
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
  const entries = [menuButton("Open", { action: "item.open", item: id }, `item:${id}:open-menu`)];
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
  // Owners are assigned in the plan phase; while gathering, on request. Not while voting.
  if (rules.assign && state.workshop.phase === "gather" && !ui.assigning.has(id)) {
    entries.push(menuButton("Assign an owner…", { action: "item.assign.open", item: id }, `item:${id}:assign-open`));
  }
  if (rules.walk)
    entries.push(
      menuButton("Show on every screen (walk the room)", { action: "walk.to", item: id }, `item:${id}:walk`),
    );
  if (rules.deleteItem(item))
    entries.push(menuButton("Delete", { action: "item.delete", item: id }, `item:${id}:delete`, false, "danger"));
  return menuNode(`item:${id}`, `More actions for ${quote(item.title)}`, ui, entries, { className: "card-menu" });
}

// The whole item, in the detail dialog: notes in full and every control the card has.
export function detailContent(item, ctx, { progressForm = null } = {}) {
  const { state } = ctx;
  const tracking = tracked(item, state);
  const criteria = state.workshop.success_criteria;
  const lane = state.lanes.find((candidate) => candidate.id === item.lane);
  const myDots = state.me.votes[String(item.id)] || 0;
  const author = ctx.names.get(item.author);
  const owners = item.owners.map((id) => ctx.names.get(id) || "someone who left");
  const meta = h(
    "dl",
    { class: "meta detail-meta" },
    row("Lane", h("dd", { text: lane ? lane.title : "—" })),
    row("Status", h("dd", { text: STATUS_LABELS[item.status] })),
    row(
      "Owners",
      h(
        "dd",
        { class: "owners" },
        owners.length ? owners.join(", ") : h("span", { class: "muted", text: "nobody yet" }),
      ),
    ),
    row(
      "Dots",
      h(
        "dd",
        { class: "votes" },
        item.votes === null ? h("span", { class: "muted", text: "hidden while voting" }) : String(item.votes),
        myDots ? ` · ${plural(myDots, "dot")} yours` : null,
      ),
    ),
    item.due ? row("Due", h("dd", null, h("time", { datetime: item.due, text: formatDate(item.due) }))) : null,
    item.criterion !== null && criteria[item.criterion] !== undefined
      ? row("Serves", h("dd", { text: `${item.criterion + 1}. ${criteria[item.criterion]}` }))
      : null,
    row("Added by", h("dd", { text: author || "someone who left" })),
    tracking
      ? row(
          "Progress",
          h(
            "dd",
            { class: "detail-progress" },
            progressChip(item),
            item.progress
              ? h("span", {
                  class: "muted",
                  text: `by ${reporter(item.progress.by, ctx)} · ${formatDateTime(item.progress.at)}`,
                })
              : null,
          ),
        )
      : null,
    tracking && item.progress?.note
      ? row("Note", h("dd", { class: "detail-progress-note", text: item.progress.note }))
      : null,
    tracking
      ? row(
          "Helpers",
          h(
            "dd",
            {
              text:
                helpersOf(item)
                  .map((id) => ctx.names.get(id) || "someone who left")
                  .join(", ") || "nobody yet",
            },
            helpNotesList(item, ctx, { full: true }),
          ),
        )
      : null,
  );
  const actions = cardActions(item, myDots, ctx);
  const claim = claimButton(item, ctx, "detail");
  if (claim) actions.prepend(claim);
  const help = tracking ? helpButton(item, ctx, "detail") : null;
  if (help) actions.prepend(help);
  const extra = [];
  if (ctx.rules.editItem(item))
    extra.push(
      h("button", {
        type: "button",
        class: "small",
        dataset: { action: "item.edit.open", item: item.id, focus: `detail:${item.id}:edit` },
        text: "Edit",
      }),
    );
  if (ctx.rules.deleteItem(item))
    extra.push(
      h("button", {
        type: "button",
        class: "small danger-text",
        dataset: { action: "item.delete", item: item.id, focus: `detail:${item.id}:delete` },
        text: "Delete",
      }),
    );
  actions.append(...extra);
  return [
    h(
      "div",
      { class: "detail-head" },
      h("h2", { id: "item-detail-title", text: item.title }),
      h(
        "button",
        {
          type: "button",
          class: "notice-close",
          "aria-label": "Close",
          dataset: { action: "item.close", focus: "detail:close" },
        },
        h("span", { "aria-hidden": "true", text: "×" }),
      ),
    ),
    item.notes
      ? h("p", { class: "detail-notes", text: item.notes })
      : h("p", { class: "detail-notes muted", text: "No notes." }),
    meta,
    progressForm,
    actions.childNodes.length ? actions : null,
  ];
}

// Who reported an item's progress, as the dialog names them.
function reporter(id, ctx) {
  return id === ctx.state.me.member ? "you" : ctx.names.get(id) || "someone who left";
}
