// What a remote change sounds like: one plain sentence per event for the page's polite live region.
// Events caused by this member (from this tab or another of theirs) are not announced.

import { stepSentence } from "./agenda.js";
import {
  formatMean,
  laneTitle,
  listNames,
  memberName,
  PHASE_LABELS,
  plural,
  quote,
  ROLE_LABELS,
  STATUS_LABELS,
  spokenDuration,
} from "./format.js";
import { countsText, PROGRESS_LABELS } from "./progress.js";

function itemTitle(state, id) {
  const item = state?.items.find((candidate) => candidate.id === id);
  if (item?.hidden) return "a face-down card";
  return item ? quote(item.title) : "an item";
}

// What a planning.changed changed, in words (protocol §10).
function planningSentence(before, after) {
  const said = [];
  if (Boolean(before.estimates) !== Boolean(after.estimates))
    said.push(after.estimates ? "turned estimates on" : "turned estimates off");
  if ((before.capacity_hours ?? null) !== (after.capacity_hours ?? null))
    said.push(
      after.capacity_hours === null ? "removed the capacity" : `set the capacity to ${after.capacity_hours} hours`,
    );
  if (Boolean(before.private_gather) !== Boolean(after.private_gather))
    said.push(after.private_gather ? "made gathering private" : "made gathering open");
  return listNames(said);
}

const DESCRIBE = {
  "item.added": (f, _prev, next, who) =>
    f.data.item.hidden
      ? `${who} added a face-down card to ${laneTitle(next, f.data.item.lane)}`
      : `${who} added ${quote(f.data.item.title)} to ${laneTitle(next, f.data.item.lane)}`,
  "item.edited": (f, _prev, _next, who) => (f.data.item.hidden ? null : `${who} edited ${quote(f.data.item.title)}`),
  "item.estimated": (f, _prev, next, who) =>
    f.data.hidden
      ? null
      : f.data.estimate === null
        ? `${who} cleared the estimate of ${itemTitle(next, f.data.item)}`
        : `${who} estimated ${itemTitle(next, f.data.item)} at ${f.data.estimate} hours`,
  "item.stacked": (f, _prev, next, who) =>
    f.data.onto === null
      ? `${who} unstacked ${itemTitle(next, f.data.item)}`
      : `${who} stacked ${itemTitle(next, f.data.item)} onto ${itemTitle(next, f.data.onto)}`,
  "items.revealed": () => "Every card is turned over",
  "planning.changed": (f, prev, _next, who) => {
    const said = planningSentence(prev.workshop.planning || {}, f.data.planning);
    return said ? `${who} ${said}` : null;
  },
  "item.moved": (f, prev, next, who) => {
    const before = prev.items.find((item) => item.id === f.data.item);
    const where =
      before && before.lane === f.data.lane
        ? `within ${laneTitle(next, f.data.lane)}`
        : `to ${laneTitle(next, f.data.lane)}`;
    return `${who} moved ${itemTitle(next, f.data.item)} ${where}`;
  },
  "item.deleted": (f, prev, _next, who) => `${who} deleted ${itemTitle(prev, f.data.item)}`,
  "item.owners": (f, prev, next, who) => {
    if (f.data.hidden) return null;
    const before = (prev.items.find((item) => item.id === f.data.item) || { owners: [] }).owners;
    const title = itemTitle(next, f.data.item);
    const added = f.data.owners.filter((id) => !before.includes(id));
    const removed = before.filter((id) => !f.data.owners.includes(id));
    if (added.length === 1 && added[0] === f.actor && !removed.length) return `${who} claimed ${title}`;
    if (removed.length === 1 && removed[0] === f.actor && !added.length) return `${who} let go of ${title}`;
    if (f.data.owners.length === 0) return `${title} has no owner now`;
    return `Owners of ${title}: ${listNames(f.data.owners.map((id) => memberName(next, id)))}`;
  },
  "item.status": (f, _prev, next, who) =>
    `${who} marked ${itemTitle(next, f.data.item)} ${STATUS_LABELS[f.data.status] || f.data.status}`,
  "item.progress": (f, _prev, next, who) =>
    f.data.progress
      ? `${who} marked ${itemTitle(next, f.data.item)} ${PROGRESS_LABELS[f.data.progress.state].toLowerCase()}`
      : null,
  "item.helpers": (f, prev, next, who) => {
    const title = itemTitle(next, f.data.item);
    const before = prev.items.find((item) => item.id === f.data.item);
    if (f.data.helpers.includes(f.actor) && (before?.helpers || []).includes(f.actor)) {
      return `${who} changed how they can help with ${title}`;
    }
    if (f.data.helpers.includes(f.actor)) return `${who} offered to help with ${title}`;
    return f.actor === null ? null : `${who} withdrew their help from ${title}`;
  },
  "checkin.recorded": (f) => `Check-in ${f.data.checkin.number} recorded: ${countsText(f.data.checkin.counts)}`,
  "vote.changed": () => null, // too chatty while a room votes; the dots-used counts show it
  "votes.revealed": () => "Voting is over: the tallies are shown",
  "lane.added": (f, _prev, _next, who) => `${who} added the lane ${quote(f.data.lane.title)}`,
  "lane.renamed": (f, prev, _next, who) =>
    `${who} renamed the lane ${quote(laneTitle(prev, f.data.lane.id))} to ${quote(f.data.lane.title)}`,
  "lane.moved": (f, _prev, next, who) => `${who} moved the lane ${quote(laneTitle(next, f.data.lane))}`,
  "lane.deleted": (f, prev, _next, who) => `${who} deleted the lane ${quote(laneTitle(prev, f.data.lane))}`,
  "phase.changed": (f) =>
    f.data.phase === "agreed"
      ? `The plan is agreed: version ${f.data.plan_version}`
      : `Phase is now ${PHASE_LABELS[f.data.phase] || f.data.phase}`,
  "goal.edited": (_f, _prev, _next, who) => `${who} edited the goal`,
  "agenda.changed": (f, _prev, _next, who) =>
    f.data.agenda.length
      ? `${who} set the agenda: ${plural(f.data.agenda.length, "step")}`
      : `${who} cleared the agenda`,
  "agenda.stepped": (f, _prev, next, who) =>
    f.data.step === null ? `${who} left the agenda` : stepSentence(next.workshop, f.data.step),
  "timer.changed": (f, _prev, next, who) => {
    if (!f.data.timer) return `${who} stopped the timer`;
    const seconds = (Date.parse(f.data.timer.ends_at) - (Date.now() + (next.clockOffset || 0))) / 1000;
    return `${who} started a ${spokenDuration(Math.max(seconds, 0))} timer`;
  },
  "confidence.changed": (f, prev) => {
    const check = f.data.confidence;
    const was = prev.workshop.confidence || {};
    if (check.open && !was.open) return "A confidence check is open: answer from 0 to 5";
    if (!check.open && was.open) {
      return check.result && check.result.mean !== null
        ? `Confidence check closed: the mean is ${formatMean(check.result.mean)} of 5`
        : "Confidence check closed with no answers";
    }
    return null; // one more answer
  },
  "member.ready": (f, _prev, _next, who) => (f.data.ready ? `${who} is ready` : `${who} is no longer ready`),
  "member.joined": (f) => `${f.data.member.name} joined`,
  "member.changed": (f, _prev, next) => {
    const name = f.data.member.id === next.me.member ? "You are" : `${f.data.member.name} is`;
    return `${name} now ${article(ROLE_LABELS[f.data.member.role] || f.data.member.role)}`;
  },
  // Being removed oneself is said when the socket closes (4403).
  "member.removed": (f, prev, next) =>
    f.data.member === next.me.member
      ? null
      : `${memberName(prev, f.data.member, { you: false })} was removed from the workshop`,
};

function article(word) {
  return `${/^[AEIOU]/i.test(word) ? "an" : "a"} ${word.toLowerCase()}`;
}

// The refs of the last few stacking ops: the moves that place a stacked card are part of saying
// it was stacked, and are not said again.
const stackingRefs = [];

export function describe(frame, previous, next) {
  if (frame.actor !== null && frame.actor === next.me.member) return null;
  if (frame.name === "item.stacked" && frame.ref) {
    stackingRefs.push(frame.ref);
    if (stackingRefs.length > 8) stackingRefs.shift();
  }
  if (frame.name === "item.moved" && frame.ref && stackingRefs.includes(frame.ref)) return null;
  const describeOne = DESCRIBE[frame.name];
  if (!describeOne) return null;
  return describeOne(frame, previous, next, memberName(previous, frame.actor, { you: false }));
}

// Walk a batch of events, each against the state just before and after it is known only for the
// whole batch: good enough for names and titles, which one event rarely both changes and needs.
export function describeAll(frames, previous, next) {
  const sentences = [];
  for (const frame of frames) {
    const sentence = describe(frame, previous, next);
    if (sentence) sentences.push(sentence);
  }
  return sentences;
}

export class LiveRegion {
  constructor(element) {
    this.element = element;
    this.queue = [];
    this.timer = null;
  }

  say(sentences) {
    const list = (Array.isArray(sentences) ? sentences : [sentences])
      .filter(Boolean)
      .map((text) => text.replace(/[.\s]+$/, ""));
    if (!list.length) return;
    this.queue.push(...list);
    if (this.timer) return;
    // Gather what arrives together into one message; clear first so a repeat is read again.
    this.timer = setTimeout(() => {
      const text =
        this.queue.length > 4
          ? `${this.queue.slice(0, 3).join(". ")}. And ${this.queue.length - 3} more changes.`
          : this.queue.join(". ");
      this.queue = [];
      this.timer = null;
      this.element.textContent = "";
      setTimeout(() => {
        this.element.textContent = `${text}.`;
      }, 50);
    }, 150);
  }
}
