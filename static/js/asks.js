// The board's questions before what cannot be taken back: agreeing the plan (what is about to be
// frozen), reopening it, and recording a check-in. Each resolves to whether the person confirmed.

import { agreementBlock, capacityLine, capacityOf, hours } from "./capacity.js";
import { confirmDialog } from "./dialogs.js";
import { h } from "./dom.js";
import { formatDateTime, formatMean, memberName, plural, quote } from "./format.js";
import { countProgress, countsText, planItems, progressBar } from "./progress.js";

// The agreement's summary names this many accepted items; the rest are counted.
const AGREE_LISTED = 12;

// Agreeing is deliberate: what is about to be frozen, before it is.
export function confirmAgreement(state) {
  const accepted = state.items.filter((item) => item.status === "accepted");
  const owners = new Set(accepted.flatMap((item) => item.owners));
  const unowned = accepted.filter((item) => !item.owners.length);
  const participants = state.members.filter((member) => member.role !== "observer");
  const ready = participants.filter((member) => member.ready).length;
  const check = state.workshop.confidence || { open: false, result: null };
  const version = state.workshop.plan_version + 1;
  const criteria = state.workshop.success_criteria;
  const unserved = criteria
    .map((_, index) => index)
    .filter((index) => !accepted.some((item) => item.criterion === index));
  const line = (label, value, warn = false) =>
    h("div", { class: warn ? "warn" : null }, h("dt", { text: label }), h("dd", { text: value }));
  // Items to go to from the summary: the dialog closes with "item:<id>", and the card is shown.
  const links = (items, why) =>
    h(
      "ul",
      null,
      items.map((item) =>
        h(
          "li",
          null,
          h("button", {
            type: "button",
            class: "link",
            dataset: { closeWith: `item:${item.id}` },
            "aria-label": `Go to ${quote(item.title)} ${why}`,
            text: item.title,
          }),
        ),
      ),
    );
  // With a capacity (protocol §10): every accepted item estimated, and the load within it.
  const capacity = capacityOf(state.workshop);
  const fit = capacityLine(state.items, capacity);
  const unestimated = accepted.filter((item) => fit.unestimated.includes(item.id));
  const pastLine = accepted.filter((item) => fit.past.has(item.id));
  const block = agreementBlock(state);
  const ownerNames = (item) =>
    item.owners.length
      ? item.owners.map((id) => memberName(state, id, { you: false })).join(", ")
      : h("span", { class: "warn", text: "no owner" });
  const listed = accepted
    .slice(0, AGREE_LISTED)
    .map((item) => h("li", null, h("span", { class: "agree-item-title", text: item.title }), " — ", ownerNames(item)));
  const more = accepted.length - AGREE_LISTED;
  const plan = accepted.length
    ? h(
        "div",
        { class: "agree-items" },
        h("dt", { text: "The plan" }),
        h(
          "dd",
          null,
          h(
            "ul",
            null,
            listed,
            more > 0 ? h("li", { class: "muted", text: `and ${plural(more, "more item")}` }) : null,
          ),
        ),
      )
    : null;
  let confidence = "not taken for this version";
  if (check.open) confidence = "a check is still open";
  else if (check.result && check.result.mean !== null) confidence = `mean ${formatMean(check.result.mean)} of 5`;
  const body = h(
    "dl",
    { class: "agree-summary-list" },
    line(
      "Accepted items",
      accepted.length ? plural(accepted.length, "item") : "none yet: accept at least one",
      !accepted.length,
    ),
    line("Owners", owners.size ? plural(owners.size, "person", "people") : "nobody yet"),
    plan,
    unowned.length
      ? h(
          "div",
          { class: "warn agree-unowned" },
          h("dt", { text: "Still without an owner" }),
          h("dd", null, links(unowned, "to give it an owner")),
        )
      : null,
    capacity !== null
      ? line(
          "Load",
          `${fit.load} of ${hours(capacity)}${fit.over ? `: ${hours(fit.load - capacity)} over capacity` : ""}`,
          fit.over,
        )
      : null,
    capacity !== null && unestimated.length
      ? h(
          "div",
          { class: "warn agree-unestimated" },
          h("dt", { text: "Estimate these items" }),
          h("dd", null, links(unestimated, "to estimate it")),
        )
      : null,
    capacity !== null && fit.over && !unestimated.length
      ? h(
          "div",
          { class: "warn agree-past-line" },
          h("dt", { text: "Past the capacity line" }),
          h("dd", null, links(pastLine, "to drop or re-estimate it")),
        )
      : null,
    unserved.length
      ? line(
          "Criteria no accepted item serves",
          unserved.map((index) => `C${index + 1} ${quote(criteria[index])}`).join(", "),
          true,
        )
      : null,
    line("Ready", `${ready} of ${participants.length}`),
    line("Confidence", confidence, check.open),
  );
  return confirmDialog({
    title: `Agree version ${version} of the plan?`,
    message:
      "The plan is frozen as it is now, with the time and your name; everyone can download it. " +
      "Progress is tracked against it from then on.",
    confirm: `Agree version ${version}`,
    danger: false,
    body,
    kind: "agree-summary",
    // What the server would refuse (unowned_items, unestimated_items, over_capacity), said before the click.
    blocked: !accepted.length
      ? "Accept at least one item first: set its status to Accepted."
      : unowned.length
        ? `Every accepted item needs an owner: ${plural(unowned.length, "item has", "items have")} none yet.`
        : block?.text || null,
  });
}

export function confirmReopen(state) {
  const version = state.workshop.plan_version;
  const agreed = state.workshop.agreed_at ? ` (agreed ${formatDateTime(state.workshop.agreed_at)})` : "";
  return confirmDialog({
    title: "Reopen the plan?",
    message:
      `Version ${version} stays the agreed plan: its downloads do not change${agreed}. ` +
      `The board becomes the draft of version ${version + 1}, to change and agree again. ` +
      `A confidence check belongs to the version it was taken for: take a new one for version ${version + 1}.`,
    confirm: "Reopen as a draft",
    danger: false,
    kind: "reopen",
  });
}

// The end of a check-in: today's counts frozen, with a note, for everyone's history. Resolves to
// the fields of `checkin.record`, or null when not confirmed.
export async function askCheckin(state) {
  const checkins = state.workshop.checkins || [];
  const number = checkins.length ? checkins[checkins.length - 1].number + 1 : 1;
  const counts = countProgress(planItems(state));
  const note = h("textarea", {
    id: "checkin-note",
    name: "note",
    rows: "4",
    maxlength: "2000",
    placeholder: "What we agreed, who helps whom, what to look at next time",
  });
  const body = h(
    "div",
    { class: "checkin-record" },
    progressBar(counts, { label: "The plan now" }),
    h("p", { class: "checkin-record-counts", text: countsText(counts) }),
    h("label", { for: "checkin-note", text: "Note (optional)" }),
    note,
  );
  const asked = confirmDialog({
    title: `Record check-in ${number}?`,
    message:
      "The state of every item in the plan is kept as it is now, with the time, your name and this note. " +
      "Everyone sees it in the Progress history.",
    confirm: `Record check-in ${number}`,
    danger: false,
    body,
    kind: "checkin-record",
  });
  note.focus();
  if (!(await asked)) return null;
  return note.value.trim() ? { note: note.value.trim() } : {};
}
