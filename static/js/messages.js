// Refusals in words for a person: the server's error codes (protocol §4) as the board says them.

const FRIENDLY = {
  vote_budget: () => "You have no dots left. Take one back from another item to move it.",
  lane_not_empty: () => "This lane still has items. Move or delete them first, then delete the lane.",
  rate_limited: () => "That was a lot of changes at once. Wait a moment and try again.",
  not_found: () => "That is no longer on the board: someone may have just deleted it.",
  conflict: () => "Someone changed this at the same time. Try again.",
  too_large: (error) => error.message,
};

const FIELDS = {
  title: "the title",
  notes: "the notes",
  due: "the due date",
  criterion: "the success criterion",
  success_criteria: "the success criteria",
  why: "why it matters",
  seconds: "the timer length",
  score: "the score",
};

export function friendlyError(error, op) {
  const custom = FRIENDLY[error.code];
  if (custom) return custom(error, op);
  // The server's message is written for a person; field names in `backticks` read better plain.
  let message = String(error.message || "That did not work.").replace(/`([a-z_]+)`/g, (_, name) => fieldLabel(name));
  message = message.charAt(0).toUpperCase() + message.slice(1);
  if (error.code === "bad_request") {
    message = `The board sent something the server did not understand (${message}). Reloading the page may help.`;
  }
  return message;
}

function fieldLabel(name) {
  return FIELDS[name] || name.replace(/_/g, " ");
}
