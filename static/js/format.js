// Words for what the board shows: phases, roles, statuses, names, dates, times.

export const PHASE_LABELS = { gather: "Gather", vote: "Vote", plan: "Plan", agreed: "Agreed" };
export const ROLE_LABELS = { leader: "Leader", facilitator: "Facilitator", member: "Member", observer: "Observer" };
export const STATUS_LABELS = { proposed: "Proposed", accepted: "Accepted", dropped: "Dropped" };
export const STATUS_ICONS = { proposed: "○", accepted: "✓", dropped: "✕" };

export const PHASE_HINTS = {
  gather: "Add what needs doing; tie each item to the criterion it serves. Say “I’m ready” when you are done.",
  vote: "Put your dots on what matters most, then say “I’m ready”. Tallies stay hidden until voting ends.",
  plan: "Accept the items we will do, give each an owner, then check our confidence.",
  agreed: "The plan is agreed. Reopen it to change anything.",
};

export function memberName(state, id, { you = true } = {}) {
  if (id === null || id === undefined) return "Someone";
  if (you && state?.me && id === state.me.member) return "You";
  const member = state?.members.find((candidate) => candidate.id === id);
  return member ? member.name : "Someone";
}

export function laneTitle(state, id) {
  const lane = state.lanes.find((candidate) => candidate.id === id);
  return lane ? lane.title : "a lane";
}

export function quote(text) {
  return `“${text}”`;
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

export function listNames(names) {
  if (names.length === 0) return "";
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

// A due date is a calendar date ("2026-10-01"), not a moment: shown as written, in no time zone.
export function formatDate(iso) {
  if (!iso) return "";
  const parsed = Date.parse(`${iso}T00:00:00Z`);
  return Number.isFinite(parsed) ? dateFormat.format(parsed) : iso;
}

export function formatDateTime(iso) {
  if (!iso) return "";
  const parsed = Date.parse(iso);
  return Number.isFinite(parsed) ? dateTimeFormat.format(parsed) : iso;
}

export function formatCountdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${pad(minutes)}:${pad(seconds)}`;
}

export function spokenDuration(seconds) {
  const minutes = Math.round(seconds / 60);
  if (seconds < 90) return plural(Math.round(seconds), "second");
  return plural(minutes, "minute");
}

// A confidence mean as the server rounded it (two places at most), the same on every screen and
// in every export: 3.25, 3.5, 4.
export function formatMean(mean) {
  return String(Number(mean));
}
