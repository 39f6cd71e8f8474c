// What the facilitator does, said to everyone where they can see it: phase changes, the
// confidence check opening and closing, the timer, a promotion. One visible notice each (the
// polite live region says the same for screen readers, through announce.js).

import { stepSentence } from "./agenda.js";
import { formatMean, memberName, PHASE_LABELS, quote, ROLE_LABELS, spokenDuration } from "./format.js";
import { countsText } from "./progress.js";

// A check-in's note in a notice: the start of it; the Progress tab has it whole.
const NOTE_SHOWN = 140;

const PHASE_NOTES = {
  gather: "add what needs doing.",
  vote: "put your dots on what matters most.",
  plan: "accept what we will do and give each item an owner.",
};

// Notices for the events in `events` (state went from `previous` to `next`). Own moves are not
// told back to the one who made them: they just did it.
export function movesToTell(events, previous, next) {
  const me = next.me.member;
  const notes = [];
  for (const frame of events) {
    const byMe = frame.actor === me;
    const who = memberName(previous, frame.actor, { you: false });
    if (frame.name === "phase.changed" && !byMe) {
      const phase = frame.data.phase;
      const from = previous.workshop.phase;
      if (phase === "agreed")
        notes.push({
          key: "phase",
          text: `${who} agreed the plan: version ${frame.data.plan_version}. Download it from the top of the board.`,
        });
      else if (from === "agreed")
        notes.push({
          key: "phase",
          text:
            `${who} reopened the plan. The board is now the draft of version ${next.workshop.plan_version + 1}; ` +
            `version ${next.workshop.plan_version} stays the agreed plan.`,
        });
      else if (from === "vote")
        notes.push({
          key: "phase",
          text:
            `${who} ended voting. The results are ranked under Results, the top items marked on the board. ` +
            `Now ${PHASE_LABELS[phase]}: ${PHASE_NOTES[phase]}`,
        });
      else
        notes.push({
          key: "phase",
          text: `${who} moved the workshop to ${PHASE_LABELS[phase]}: ${PHASE_NOTES[phase]}`,
        });
    }
    if (frame.name === "confidence.changed" && !byMe) {
      const before = previous.workshop.confidence || { open: false };
      const after = frame.data.confidence;
      if (after.open && !before.open)
        notes.push({
          key: "confidence",
          text: `${who} opened a confidence check: answer it at the bottom of your screen.`,
        });
      if (!after.open && before.open && after.result) {
        notes.push({
          key: "confidence",
          text:
            after.result.mean === null
              ? "The confidence check closed: nobody answered."
              : `The confidence check closed: mean ${formatMean(after.result.mean)} of 5.`,
        });
      }
    }
    if (frame.name === "timer.changed" && !byMe) {
      const timer = frame.data.timer;
      if (timer) {
        const seconds = Math.round((Date.parse(timer.ends_at) - (Date.now() + (next.clockOffset || 0))) / 1000);
        notes.push({
          key: "timer",
          text: seconds > 0 ? `${who} started the timer: ${spokenDuration(seconds)}.` : `${who} started the timer.`,
        });
      } else notes.push({ key: "timer", text: `${who} stopped the timer.` });
    }
    // A step of the agenda: its title, time and what is next. Keyed as the timer's notice, which
    // came just before it with the same time: the step's says it all, and replaces it.
    if (frame.name === "agenda.stepped" && !byMe) {
      const text = frame.data.step === null ? `${who} ended the agenda.` : stepSentence(next.workshop, frame.data.step);
      if (text) notes.push({ key: "timer", text: frame.data.step === null ? text : `${who} moved on. ${text}` });
    }
    // The planning settings (protocol §10) change how everyone works: said where it is seen.
    if (frame.name === "planning.changed" && !byMe) {
      const before = previous.workshop.planning || {};
      const after = frame.data.planning;
      const said = [];
      if (!before.private_gather && after.private_gather)
        said.push("Gathering is private now: each of you sees only your own cards until gathering ends.");
      if (before.private_gather && !after.private_gather) said.push("Gathering is open now: every card is face up.");
      if ((before.capacity_hours ?? null) !== (after.capacity_hours ?? null))
        said.push(
          after.capacity_hours === null
            ? "The plan has no capacity now."
            : `The capacity is ${after.capacity_hours} h.`,
        );
      if (Boolean(before.estimates) !== Boolean(after.estimates))
        said.push(after.estimates ? "Estimate the cards: 2 to 32 hours each." : "Estimates are off.");
      if (said.length) notes.push({ key: "planning", text: `${who} changed the planning game. ${said.join(" ")}` });
    }
    // A check-in is the room's: told to everyone, the one who recorded it included.
    if (frame.name === "checkin.recorded") {
      const { number, counts, note } = frame.data.checkin;
      const said = note ? ` ${quote(note.length > NOTE_SHOWN ? `${note.slice(0, NOTE_SHOWN - 1)}…` : note)}` : "";
      notes.push({ key: "checkin", text: `Check-in ${number} recorded: ${countsText(counts)}.${said}` });
    }
    // Help offered on something I own.
    if (frame.name === "item.helpers" && !byMe) {
      const item = next.items.find((candidate) => candidate.id === frame.data.item);
      const before = previous.items.find((candidate) => candidate.id === frame.data.item);
      if (
        item &&
        before &&
        item.owners.includes(me) &&
        frame.data.helpers.includes(frame.actor) &&
        !(before.helpers || []).includes(frame.actor)
      ) {
        const how = frame.data.help_notes?.[String(frame.actor)];
        const said = how ? ` ${quote(how.length > NOTE_SHOWN ? `${how.slice(0, NOTE_SHOWN - 1)}…` : how)}` : "";
        notes.push({ key: `help:${item.id}`, text: `${who} offered to help with ${quote(item.title)}.${said}` });
      }
    }
    if (frame.name === "member.changed" && frame.data.member.id === me) {
      const before = previous.members.find((member) => member.id === me);
      if (!before || before.role !== frame.data.member.role) {
        notes.push({
          key: "role",
          text: youAre(frame.data.member.role),
        });
      }
    }
  }
  return notes;
}

// "You are now a facilitator. Your tools are under Tools."
function youAre(role) {
  const tools = role === "facilitator" ? " Your tools are under Tools." : "";
  return `You are now ${role === "observer" ? "an" : "a"} ${ROLE_LABELS[role].toLowerCase()}.${tools}`;
}
