// The whole item, opened in its dialog from the card's title: notes in full, every field, and every
// control the card has.

import { estimating, hours } from "./capacity.js";
import { cardActions, claimButton, tracked } from "./card.js";
import { h } from "./dom.js";
import { formatDate, formatDateTime, plural, STATUS_LABELS } from "./format.js";
import { helpButton, helpersOf, helpNotesList, progressChip } from "./progress.js";
import { closeButton, menuButton, row } from "./widgets.js";

// The whole item, in the detail dialog: notes in full and every control the card has.
export function detailContent(item, ctx, { progressForm = null } = {}) {
  const { state } = ctx;
  const tracking = tracked(item, state);
  const criteria = state.workshop.success_criteria;
  const lane = state.lanes.find((candidate) => candidate.id === item.lane);
  const myDots = state.me.votes[String(item.id)] || 0;
  const author = ctx.names.get(item.author);
  const owners = item.owners.map((id) => ctx.names.get(id) || "someone who left");
  const head = item.stack === null ? null : state.items.find((candidate) => candidate.id === item.stack);
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
    estimating(state.workshop)
      ? row("Estimate", h("dd", { text: item.estimate ? hours(item.estimate) : "not estimated yet" }))
      : null,
    head ? row("Stacked under", h("dd", { text: head.title ?? "a face-down card" })) : null,
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
  if (ctx.rules.editItem(item)) {
    extra.push(
      menuButton("Edit", { action: "item.edit.open", item: item.id }, `detail:${item.id}:edit`, false, "small"),
    );
  }
  if (ctx.rules.deleteItem(item)) {
    extra.push(
      menuButton(
        "Delete",
        { action: "item.delete", item: item.id },
        `detail:${item.id}:delete`,
        false,
        "small danger-text",
      ),
    );
  }
  actions.append(...extra);
  return [
    h(
      "div",
      { class: "detail-head" },
      h("h2", { id: "item-detail-title", text: item.title }),
      closeButton("item.close", "detail:close"),
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
