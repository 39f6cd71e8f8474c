// Who may do what, when (protocol §1–2 and docs/decisions.md). The UI only offers what these allow;
// the server still decides, and its refusals are shown as they come.
//
// OPS is the server's role and phase check of every op, as a table: tests/planning/test_rules_js.py
// loads this module under Node and holds `may` to the server's own checks for every role, phase and
// op, so the two cannot drift. `rulesFor` offers nothing that `may` does not allow.

export const PHASES = ["gather", "vote", "plan", "agreed"];
const ALL = PHASES;
const OPEN = ["gather", "vote", "plan"]; // in `agreed` nothing on the board changes
const EDITING = ["gather", "plan"];
const CLAIMING = ["gather", "vote", "plan"];
const VOTING = ["vote"];
const PLAN = ["plan"];
const AGREED = ["agreed"];

const FACILITATING = ["leader", "facilitator"];
const PARTICIPATING = ["leader", "facilitator", "member"];
const LEADER = ["leader"];
const EVERYONE = ["leader", "facilitator", "member", "observer"]; // about oneself: one's name

// op -> [roles, phases]. Beyond these: an item's author or a facilitator edits and deletes it, its
// owners or a facilitator report its progress (checked in rulesFor, as on the server).
export const OPS = {
  "item.add": [PARTICIPATING, EDITING],
  "item.edit": [PARTICIPATING, EDITING],
  "item.move": [PARTICIPATING, EDITING],
  "item.delete": [PARTICIPATING, EDITING],
  "item.status": [FACILITATING, PLAN],
  "vote.cast": [PARTICIPATING, VOTING],
  "vote.retract": [PARTICIPATING, VOTING],
  "item.claim": [PARTICIPATING, CLAIMING],
  "item.unclaim": [PARTICIPATING, CLAIMING],
  "item.assign": [FACILITATING, CLAIMING],
  "item.unassign": [FACILITATING, CLAIMING],
  "lane.add": [FACILITATING, OPEN],
  "lane.rename": [FACILITATING, OPEN],
  "lane.move": [FACILITATING, OPEN],
  "lane.delete": [FACILITATING, OPEN],
  "phase.set": [FACILITATING, ALL],
  "goal.edit": [LEADER, OPEN],
  "timer.start": [FACILITATING, ALL],
  "timer.stop": [FACILITATING, ALL],
  "walk.focus": [FACILITATING, ALL],
  "agenda.set": [FACILITATING, ALL],
  "agenda.step": [FACILITATING, ALL],
  "confidence.open": [FACILITATING, PLAN],
  "confidence.answer": [PARTICIPATING, PLAN],
  "confidence.close": [FACILITATING, OPEN],
  "item.progress": [PARTICIPATING, AGREED],
  "item.help": [PARTICIPATING, AGREED],
  "checkin.record": [FACILITATING, AGREED],
  "member.ready": [PARTICIPATING, ALL],
  "member.rename": [EVERYONE, ALL],
  "member.role": [LEADER, ALL],
  "member.remove": [FACILITATING, ALL],
  // The planning game (protocol §10). A face-down card is its author's alone to change (checked in
  // rulesFor, as on the server).
  "item.estimate": [PARTICIPATING, EDITING],
  "item.stack": [PARTICIPATING, EDITING],
  "item.unstack": [PARTICIPATING, EDITING],
  "planning.set": [FACILITATING, OPEN],
};

// Whether `role` may send `op` in `phase`, as far as role and phase go.
export function may(op, role, phase) {
  const rule = OPS[op];
  if (!rule) throw new Error(`unknown op ${op}`);
  return rule[0].includes(role) && rule[1].includes(phase);
}

const isFacilitating = (role) => FACILITATING.includes(role);
const isParticipating = (role) => PARTICIPATING.includes(role);

export function rulesFor(state, { ended = false } = {}) {
  const role = ended ? "observer" : state.me.role;
  const me = state.me.member;
  const phase = state.workshop.phase;
  const facilitating = !ended && isFacilitating(role);
  const participating = !ended && isParticipating(role);
  const confidence = state.workshop.confidence || { open: false };
  const can = (op) => !ended && may(op, role, phase);
  const mine = (item) => item.author === me || facilitating;
  // A card face down (a private gather, protocol §10) is never someone else's to change, only to move.
  const faceUp = (item) => !item.hidden;
  return {
    role,
    me,
    phase,
    facilitating,
    participating,
    addItem: can("item.add"),
    moveItem: can("item.move"),
    editItem: (item) => can("item.edit") && mine(item) && faceUp(item),
    deleteItem: (item) => can("item.delete") && mine(item) && faceUp(item),
    vote: can("vote.cast"),
    claim: can("item.claim"),
    assign: can("item.assign"),
    setStatus: can("item.status"),
    setPhase: can("phase.set"),
    phaseTargets: can("phase.set") ? (phase === "agreed" ? ["plan"] : PHASES.filter((p) => p !== phase)) : [],
    lanes: can("lane.add"),
    editGoal: can("goal.edit"),
    timer: can("timer.start"),
    walk: can("walk.focus"),
    // The agenda (protocol §8): a step moves the phase only as phase.set may; the server says so.
    setAgenda: can("agenda.set"),
    stepAgenda: can("agenda.step"),
    // After the agreement (protocol §7): progress on accepted items, by their owners or a facilitator.
    reportProgress: (item) =>
      can("item.progress") && item.status === "accepted" && (facilitating || item.owners.includes(me)),
    offerHelp: (item) => can("item.help") && item.status === "accepted",
    recordCheckin: can("checkin.record"),
    // The planning game (protocol §10): anyone taking part estimates and stacks the cards they see.
    estimate: (item) => can("item.estimate") && faceUp(item),
    stack: (item) => can("item.stack") && faceUp(item),
    setPlanning: can("planning.set"),
    openConfidence: can("confidence.open") && !confidence.open,
    closeConfidence: can("confidence.close") && confidence.open,
    answerConfidence: can("confidence.answer") && confidence.open,
    ready: can("member.ready"),
    rename: can("member.rename"),
    invites: facilitating, // the invites API (HTTP), not an op: facilitators in every phase
    changeRole: (member) => can("member.role") && member.role !== "leader",
    remove: (member) =>
      can("member.remove") &&
      member.role !== "leader" &&
      member.id !== me &&
      (member.role !== "facilitator" || role === "leader"),
  };
}
