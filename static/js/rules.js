// Who may do what, when (protocol §1–2 and docs/decisions.md). The UI only offers what these allow;
// the server still decides, and its refusals are shown as they come.

export const PHASES = ["gather", "vote", "plan", "agreed"];
const EDITING = new Set(["gather", "plan"]);
const CLAIMING = new Set(["gather", "vote", "plan"]);

export const isFacilitating = (role) => role === "leader" || role === "facilitator";
export const isParticipating = (role) => role === "leader" || role === "facilitator" || role === "member";

export function rulesFor(state, { ended = false } = {}) {
  const role = ended ? "observer" : state.me.role;
  const me = state.me.member;
  const phase = state.workshop.phase;
  const facilitating = !ended && isFacilitating(role);
  const participating = !ended && isParticipating(role);
  const open = phase !== "agreed";
  const confidence = state.workshop.confidence || { open: false };
  return {
    role,
    me,
    phase,
    facilitating,
    participating,
    addItem: participating && EDITING.has(phase),
    moveItem: participating && EDITING.has(phase),
    editItem: (item) => participating && EDITING.has(phase) && (item.author === me || facilitating),
    deleteItem: (item) => participating && EDITING.has(phase) && (item.author === me || facilitating),
    vote: participating && phase === "vote",
    claim: participating && CLAIMING.has(phase),
    assign: facilitating && CLAIMING.has(phase),
    setStatus: facilitating && phase === "plan",
    setPhase: facilitating,
    phaseTargets: facilitating ? (phase === "agreed" ? ["plan"] : PHASES.filter((p) => p !== phase)) : [],
    lanes: facilitating && open,
    editGoal: !ended && role === "leader" && open,
    timer: facilitating,
    walk: facilitating,
    // After the agreement (protocol §7): progress on accepted items, by their owners or a facilitator.
    reportProgress: (item) => participating && phase === "agreed" && item.status === "accepted" && (facilitating || item.owners.includes(me)),
    offerHelp: (item) => participating && phase === "agreed" && item.status === "accepted",
    recordCheckin: facilitating && phase === "agreed",
    openConfidence: facilitating && phase === "plan" && !confidence.open,
    closeConfidence: facilitating && open && confidence.open,
    answerConfidence: participating && phase === "plan" && confidence.open,
    ready: participating,
    invites: facilitating,
    changeRole: (member) => !ended && role === "leader" && member.role !== "leader",
    remove: (member) =>
      facilitating && member.role !== "leader" && member.id !== me && (member.role !== "facilitator" || role === "leader"),
  };
}
