// The live storyboard: the entry module of /w/<id>/.
//
// It opens the board's one websocket (connection.js), keeps the state it gives (state.js), draws
// it (view.js) over the server-rendered board, and turns clicks, keys, drags and forms into ops.
// Remote changes are announced in the polite live region; the facilitator's moves also show as
// visible notices (moves.js); refusals show as dismissible notices.

import { describeAll, LiveRegion } from "./announce.js";
import { Connection, socketUrl } from "./connection.js";
import { ConnectionBanner, Notices, confirmDialog } from "./dialogs.js";
import { setupMoving } from "./dnd.js";
import { captureFocus, restoreFocus } from "./dom.js";
import { PHASE_LABELS, formatDateTime, laneTitle, memberName, plural, quote } from "./format.js";
import { h } from "./dom.js";
import { ExportPanel } from "./exports.js";
import { InvitePanel, csrfToken } from "./invites.js";
import { movesToTell } from "./moves.js";
import { checkinOrder, countProgress, countsText, planItems, progressBar } from "./progress.js";
import { walkStep } from "./results.js";
import { rulesFor } from "./rules.js";
import { BoardView, PHONE } from "./view.js";

// How long a notice of the facilitator's move stays up.
const MOVE_NOTICE_MS = 8000;
// The agreement's summary names this many accepted items; the rest are counted.
const AGREE_LISTED = 12;

const root = document.getElementById("board-root");
const workshopId = root.dataset.workshopId;

const ui = {
  editing: new Map(), // item id -> {version, conflict, conflictBy, error, busy}
  adding: new Set(), // lane ids whose add form is open
  renamingLane: null,
  addingLane: false,
  editingGoal: false,
  openMenu: null,
  highlight: new Set(), // items the last refused agreement named
  assigning: new Set(), // items whose "Assign…" picker was asked for outside the plan phase
  lastEditedBy: new Map(), // item id -> member id of its latest edit
  dragging: false,
  ended: null,
  goalOpen: false, // "About the goal" unfolded
  sideTab: "people", // people | results | tools
  sideOpen: false, // the side as a sheet, on a phone
  currentLane: null, // the lane shown on a phone, and marked in the lane tabs
  detail: null, // the item open in the detail dialog
  sorted: false, // lanes sorted by dots (a view of one's own; moving is off meanwhile)
  changingConfidence: false, // the prompt shown again to change an answer
  checkinOrder: null, // item ids of the check-in this facilitator is walking, in the order it started
  flash: null, // the item just jumped to from "Needs attention"
  deviceLink: {}, // {busy, url, copied, error}: "Open on another device"
};

let state = null;
let renderQueued = false;
let timeUpAnnounced = null;
let wasOfflineAnnounced = false;

const view = new BoardView(root);
const live = new LiveRegion(ensureElement("live", () => {
  const element = document.createElement("div");
  element.className = "sr-only";
  element.setAttribute("aria-live", "polite");
  document.body.append(element);
  return element;
}));
const notices = new Notices(ensureElement("notices", () => {
  const element = document.createElement("div");
  root.before(element);
  return element;
}));
const banner = new ConnectionBanner(ensureElement("connection-status", () => {
  const element = document.createElement("div");
  root.before(element);
  return element;
}), { onRetry: () => connection.reconnectNow() });
let invitePanel = null;
let exportPanel = null;
let memberExportPanel = null;

function ensureElement(id, create) {
  const found = document.getElementById(id);
  if (found) return found;
  const element = create();
  element.id = id;
  return element;
}

const connection = new Connection({
  url: socketUrl(workshopId),
  probeUrl: `/api/w/${encodeURIComponent(workshopId)}/state`,
  onState: receiveState,
  onStatus: (status, info) => {
    banner.show(status, { ...info, first: !state });
    if (status === "offline" && !info.ended && state && !wasOfflineAnnounced) {
      wasOfflineAnnounced = true;
      live.say("Connection lost. Trying to reconnect.");
    }
    if (status === "online" && info.back) {
      wasOfflineAnnounced = false;
      live.say("Back online.");
    }
  },
  onEnded: (reason) => {
    ui.ended = reason;
    live.say(reason === "removed" ? "You were removed from this workshop." : "You are not a member of this workshop.");
    if (state) scheduleRender();
  },
  onStrayError: (error) => notices.show(friendlyError(error)),
});

// --- state in, DOM out -----------------------------------------------------------------------------

// Work that needs the state to include a given seq (an ack can arrive before its event).
const waitingForSeq = [];

function afterSeq(seq, fn) {
  if (state && state.seq >= seq) fn();
  else waitingForSeq.push({ seq, fn });
}

function receiveState(next, change) {
  const previous = change.previous;
  state = next;
  queueMicrotask(() => {
    for (let i = waitingForSeq.length - 1; i >= 0; i -= 1) {
      if (!state || state.seq < waitingForSeq[i].seq) continue;
      const [{ fn }] = waitingForSeq.splice(i, 1);
      fn();
    }
  });
  if (change.cause === "event" || change.cause === "replay") afterEvents(change.events, previous, next, change.cause);
  if (change.cause === "snapshot" && previous) afterSnapshot(previous, next);
  scheduleRender();
}

function afterEvents(events, previous, next, cause) {
  for (const frame of events) {
    if (frame.name === "item.edited") ui.lastEditedBy.set(frame.data.item.id, frame.actor);
    if (frame.name === "item.deleted") closedUnderfoot(frame.data.item, previous, frame.actor);
    if (frame.name === "lane.deleted") {
      ui.adding.delete(frame.data.lane);
      if (ui.renamingLane === frame.data.lane) ui.renamingLane = null;
    }
    if (frame.name === "item.owners" && frame.data.owners.length) ui.highlight.delete(frame.data.item);
    if (frame.name === "phase.changed") {
      ui.highlight.clear();
      ui.assigning.clear();
      // The reveal: leaving the vote shows everyone the ranking.
      if (previous.workshop.phase === "vote" && frame.data.phase !== "vote") ui.sideTab = "results";
    }
    if (frame.name === "confidence.changed" && !frame.data.confidence.open) ui.changingConfidence = false;
    if ((frame.name === "walk.focused" && frame.data.item === null) || frame.name === "phase.changed") ui.checkinOrder = null;
  }
  const moves = movesToTell(cause === "replay" ? events.filter((frame) => frame.name === "phase.changed").slice(-1) : events, previous, next);
  for (const note of moves) notices.show(note.text, { kind: "info", key: note.key, timeout: MOVE_NOTICE_MS });
  if (cause === "replay" && events.length > 3) {
    live.say(`Caught up: ${plural(events.length, "change")} while you were away.`);
  } else {
    live.say(describeAll(events, previous, next));
  }
}

function afterSnapshot(previous, next) {
  // A fresh snapshot after being away: editors of items that are gone cannot stay open.
  for (const id of [...ui.editing.keys()]) {
    if (!next.items.some((item) => item.id === id)) closedUnderfoot(id, previous, null);
  }
}

function closedUnderfoot(itemId, previous, actor) {
  if (!ui.editing.has(itemId)) return;
  ui.editing.delete(itemId);
  const item = previous.items.find((candidate) => candidate.id === itemId);
  const who = actor === null ? "Someone" : memberName(previous, actor, { you: false });
  notices.show(`${who} deleted ${item ? quote(item.title) : "the item"} while you were editing it; your changes were not saved.`);
}

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  if (!state) return;
  if (ui.dragging) return; // after the drop; moving nodes under the pointer breaks the drag
  const rules = currentRules();
  pruneUi(rules);
  const focus = captureFocus();
  view.render(state, ui, rules);
  if (rules.invites && !invitePanel) {
    invitePanel = new InvitePanel(view.invites, {
      workshopId,
      memberUrl: root.dataset.inviteUrl || "",
      say: (text) => live.say(text),
      notify: (text) => notices.show(text),
    });
    // The view moves the panel between the empty board and Tools; it says which on each render.
    view.onInviteMode = (mode) => invitePanel.setMode(mode);
    view.renderInviteSlot({ state, rules });
  }
  if (rules.facilitating && !exportPanel) {
    exportPanel = new ExportPanel(view.exports, { workshopId });
  }
  if (!memberExportPanel) memberExportPanel = new ExportPanel(view.memberExports, { workshopId, drafts: false });
  // Fetches the agreed versions when first shown and after each agreement (plan_version moves on).
  if (exportPanel) exportPanel.update(state, rules.facilitating);
  memberExportPanel.update(state, !rules.facilitating);
  restoreFocus(focus, root);
  document.body.dataset.seq = String(state.seq);
}

function currentRules() {
  return rulesFor(state, { ended: ui.ended });
}

// Forget UI state that the role or phase no longer allows.
function pruneUi(rules) {
  for (const [id] of ui.editing) {
    const item = state.items.find((candidate) => candidate.id === id);
    if (item && rules.editItem(item)) continue;
    ui.editing.delete(id);
    const form = view.forms.get(`edit:${id}`);
    if (item && form && editedFields(form).length) {
      notices.show(
        state.workshop.phase === "gather" || state.workshop.phase === "plan"
          ? `You can no longer edit ${quote(item.title)}, so your unsaved changes to it were not kept.`
          : `The workshop moved to the ${PHASE_LABELS[state.workshop.phase]} phase, where items are not edited: your unsaved changes to ${quote(item.title)} were not kept.`,
      );
    }
  }
  if (!rules.addItem) ui.adding.clear();
  if (!rules.lanes) {
    ui.renamingLane = null;
    ui.addingLane = false;
  }
  if (!rules.editGoal) ui.editingGoal = false;
}

// The shared countdown.
setInterval(() => {
  if (!state || !state.workshop.timer) return;
  const done = view.tick(state);
  const endsAt = state.workshop.timer.ends_at;
  if (done && timeUpAnnounced !== endsAt) {
    // Announce only a timer that runs out while we watch, not one that ended long ago.
    const endedAgo = Date.now() + (state.clockOffset || 0) - Date.parse(endsAt);
    if (timeUpAnnounced !== null || endedAgo < 5000) {
      live.say("Time’s up.");
      notices.show("Time’s up.", { kind: "info", key: "timer", timeout: MOVE_NOTICE_MS });
    }
    timeUpAnnounced = endsAt;
  } else if (!done && timeUpAnnounced === endsAt) {
    timeUpAnnounced = null;
  }
}, 1000);

// --- sending ops -------------------------------------------------------------------------------------

function send(op, fields, { quiet = false } = {}) {
  const promise = connection.send(op, fields);
  if (!quiet) promise.catch((error) => showError(error, op));
  return promise;
}

function showError(error, op) {
  if (error.code === "ended") return;
  if (error.code === "unowned_items") {
    const ids = error.detail.items || [];
    ui.highlight = new Set(ids);
    const titles = ids.map((id) => state.items.find((item) => item.id === id)).filter(Boolean).map((item) => quote(item.title));
    notices.show(
      ids.length
        ? `The plan cannot be agreed yet: every accepted item needs an owner. Still without one: ${titles.join(", ")}.`
        : "The plan cannot be agreed yet: accept at least one item first (set its status to Accepted).",
    );
    scheduleRender();
    return;
  }
  notices.show(friendlyError(error, op));
}

const FRIENDLY = {
  vote_budget: () => "You have no dots left. Take one back from another item to move it.",
  lane_not_empty: () => "This lane still has items. Move or delete them first, then delete the lane.",
  rate_limited: () => "That was a lot of changes at once. Wait a moment and try again.",
  not_found: () => "That is no longer on the board: someone may have just deleted it.",
  conflict: () => "Someone changed this at the same time. Try again.",
  too_large: (error) => error.message,
};

function friendlyError(error, op) {
  const custom = FRIENDLY[error.code];
  if (custom) return custom(error, op);
  // The server's message is written for a person; field names in `backticks` read better plain.
  let message = String(error.message || "That did not work.").replace(/`([a-z_]+)`/g, (_, name) => fieldLabel(name));
  message = message.charAt(0).toUpperCase() + message.slice(1);
  if (error.code === "bad_request") message = `The board sent something the server did not understand (${message}). Reloading the page may help.`;
  return message;
}

function fieldLabel(name) {
  return { title: "the title", notes: "the notes", due: "the due date", criterion: "the success criterion", success_criteria: "the success criteria", why: "why it matters", seconds: "the timer length", score: "the score" }[name] || name.replace(/_/g, " ");
}

// --- what people do ----------------------------------------------------------------------------------

const num = (value) => Number(value);

const CLICK = {
  "vote.cast": (d) => send("vote.cast", { item: num(d.item) }),
  "vote.retract": (d) => send("vote.retract", { item: num(d.item) }),
  "item.claim": (d) => send("item.claim", { item: num(d.item) }),
  "item.unclaim": (d) => send("item.unclaim", { item: num(d.item) }),
  "item.assign.open": (d) => {
    closeMenus();
    ui.assigning.add(num(d.item));
    renderNow();
    focusKey(`item:${d.item}:assign`);
  },
  "item.unassign": (d) => send("item.unassign", { item: num(d.item), member: num(d.member) }),
  "item.move": (d) => {
    closeMenus();
    move({ item: num(d.item), lane: num(d.lane), index: num(d.index) }, { keyboard: true, focusItem: true });
  },
  "item.delete": async (d) => {
    closeMenus();
    const item = findItem(d.item);
    if (!item) return;
    const ok = await confirmDialog({
      title: "Delete this item?",
      message: `${quote(item.title)} will be gone for everyone${item.votes ? ", and its dots go back to the people who gave them" : ""}.`,
    });
    if (ok) send("item.delete", { item: item.id }).then(() => focusKey(`lane:${item.lane}:add`, `lane:${item.lane}`));
    else focusKey(`item:${item.id}`);
  },
  "item.edit.open": (d) => {
    const item = findItem(d.item);
    if (!item) return;
    closeMenus();
    ui.editing.set(item.id, { version: item.version, conflict: null, conflictBy: null, error: null, busy: false });
    renderNow();
    focusKey(`edit:${item.id}:title`);
  },
  "item.edit.cancel": (d) => closeEditor(num(d.item)),
  "item.edit.theirs": (d) => closeEditor(num(d.item)),
  "item.edit.overwrite": (d) => {
    const editor = ui.editing.get(num(d.item));
    if (!editor || !editor.conflict) return;
    editor.version = editor.conflict.version;
    editor.conflict = null;
    submitEdit(num(d.item));
  },
  "item.add.open": (d) => {
    ui.adding.add(num(d.lane));
    renderNow();
    focusKey(`add:${d.lane}:title`);
  },
  "item.add.close": (d) => {
    ui.adding.delete(num(d.lane));
    renderNow();
    focusKey(`lane:${d.lane}:add`);
  },
  "lane.rename.open": (d) => {
    closeMenus();
    ui.renamingLane = num(d.lane);
    renderNow();
    const input = root.querySelector(`[data-focus="rename:${d.lane}:title"]`);
    if (input) {
      input.focus();
      input.select();
    }
  },
  "lane.rename.cancel": (d) => {
    ui.renamingLane = null;
    renderNow();
    focusKey(`lane:${d.lane}:menu`);
  },
  "lane.move": (d) => {
    closeMenus();
    send("lane.move", { lane: num(d.lane), index: num(d.index) }).then(() => focusKey(`lane:${d.lane}:menu`));
  },
  "lane.delete": async (d) => {
    closeMenus();
    const lane = state.lanes.find((candidate) => candidate.id === num(d.lane));
    if (!lane) return;
    const count = state.items.filter((item) => item.lane === lane.id).length;
    if (count) {
      notices.show(`${quote(lane.title)} still has ${plural(count, "item")}. Move or delete them first, then delete the lane.`);
      return;
    }
    const ok = await confirmDialog({ title: "Delete this lane?", message: `The empty lane ${quote(lane.title)} will be removed for everyone.` });
    if (ok) send("lane.delete", { lane: lane.id }).then(() => focusKey("lane:new"));
  },
  "lane.add.open": () => {
    ui.addingLane = true;
    renderNow();
    focusKey("lane.add:title");
  },
  "lane.add.close": () => {
    ui.addingLane = false;
    renderNow();
    focusKey("lane:new");
  },
  "phase.set": async (d) => {
    closeMenus();
    const ok = d.phase === "agreed" ? await confirmAgreement() : state.workshop.phase === "agreed" ? await confirmReopen() : true;
    if (ok) send("phase.set", { phase: d.phase });
  },
  "goal.toggle": () => {
    ui.goalOpen = !ui.goalOpen;
    if (!ui.goalOpen) ui.editingGoal = false;
    renderNow();
    focusKey("goal:toggle");
  },
  "item.open": (d) => {
    closeMenus();
    ui.detail = num(d.item);
    renderNow();
    focusKey("detail:close");
  },
  "item.close": () => view.detail.close(),
  "side.tab": (d) => {
    ui.sideTab = d.tab;
    if (window.matchMedia(PHONE).matches) ui.sideOpen = true;
    renderNow();
    focusKey(`side-tab:${d.tab}`);
  },
  "side.open": () => {
    ui.sideOpen = true;
    renderNow();
    focusKey(`side-tab:${ui.sideTab}`);
  },
  "side.close": () => {
    ui.sideOpen = false;
    renderNow();
    focusKey("side:open");
  },
  "lane.show": (d) => {
    ui.currentLane = num(d.laneTab);
    renderNow();
    view.showLane(ui.currentLane);
  },
  "lanes.scroll": (d) => {
    view.laneBox.scrollBy({ left: num(d.direction) * view.laneBox.clientWidth * 0.8, behavior: "smooth" });
  },
  "sort.votes": () => {
    ui.sorted = !ui.sorted;
    renderNow();
    focusKey("sort:votes");
  },
  "walk.start": () => walkTo(walkStep(state, "start")),
  "walk.next": () => walkTo(walkStep(state, "next", ui.checkinOrder)),
  "walk.prev": () => walkTo(walkStep(state, "prev", ui.checkinOrder)),
  "walk.to": (d) => {
    closeMenus();
    walkTo(num(d.item));
  },
  "walk.end": () => {
    ui.checkinOrder = null;
    send("walk.focus", { item: null });
  },
  "item.progress": (d) => {
    closeMenus();
    const id = num(d.item);
    send("item.progress", { item: id, state: d.state }).then(() => focusKey(`progress:${id}:menu`, `item:${id}`));
  },
  "item.progress.note": (d) => {
    closeMenus();
    ui.detail = num(d.item);
    renderNow();
    focusKey(`progress-form:${d.item}:note`);
  },
  "item.help": (d) => send("item.help", { item: num(d.item), offer: d.offer === "true" }),
  "item.jump": (d) => jumpTo(num(d.item)),
  "checkin.start": () => {
    closeMenus();
    const list = checkinOrder(state);
    if (!list.length) return recordCheckin();
    ui.checkinOrder = list.map((item) => item.id);
    walkTo(list[0].id);
  },
  "checkin.record": () => recordCheckin(),
  "device.link": () => makeDeviceLink(),
  "device.copy": () => copyDeviceLink(),
  "confidence.change": () => {
    ui.changingConfidence = true;
    renderNow();
    focusKey(`score:${state.me.confidence ?? 0}`);
  },
  "member.ready": (d) => send("member.ready", { ready: d.ready === "true" }),
  "confidence.open": () => send("confidence.open", {}),
  "confidence.close": () => send("confidence.close", {}),
  "confidence.answer": (d) =>
    send("confidence.answer", { score: num(d.score) }).then(() => {
      ui.changingConfidence = false;
      scheduleRender();
    }),
  "timer.stop": () => send("timer.stop", {}).then(() => focusKey("timer:minutes")),
  "member.remove": async (d) => {
    const member = state.members.find((candidate) => candidate.id === num(d.member));
    if (!member) return;
    const ok = await confirmDialog({
      title: `Remove ${member.name}?`,
      message: `${member.name} leaves the workshop and cannot come back through an invite. The items they own get no owner; their items and dots stay.`,
      confirm: "Remove",
    });
    if (ok) send("member.remove", { member: member.id }).then(() => focusKey("people"));
  },
  "goal.open": () => {
    ui.editingGoal = true;
    renderNow();
    focusKey("goal:title");
  },
  "goal.cancel": () => {
    ui.editingGoal = false;
    renderNow();
    focusKey("goal:edit");
  },
};

const CHANGE = {
  "item.status": (select) => send("item.status", { item: num(select.dataset.item), status: select.value }),
  "item.assign": (select) => {
    if (!select.value) return;
    const member = num(select.value);
    select.value = "";
    send("item.assign", { item: num(select.dataset.item), member });
  },
  "member.role": (select) => {
    const member = state.members.find((candidate) => candidate.id === num(select.dataset.member));
    send("member.role", { member: member.id, role: select.value }).catch(() => {
      select.value = member.role; // refused: show the role as it is
    });
  },
};

const SUBMIT = {
  "item.progress": (form) => {
    const item = num(form.dataset.item);
    const data = new FormData(form);
    if (!data.get("state")) return formError(form, "Pick how it is going: on track, at risk, blocked or done.");
    const fields = { item, state: data.get("state") };
    const note = String(data.get("note") || "").trim();
    if (note) fields.note = note;
    formError(form, null);
    send("item.progress", fields, { quiet: true }).then(
      () => {
        // Closed through the state (a close() alone would be undone by a render before its event).
        view.dropForm(`progress:${item}`);
        ui.detail = null;
        renderNow();
        focusKey(`progress:${item}:menu`, `item:${item}`);
      },
      (error) => formError(form, friendlyError(error, "item.progress")),
    );
  },
  "item.add": (form) => {
    const lane = num(form.dataset.lane);
    const values = formValues(form);
    if (!values.title.trim()) return formError(form, "Give the item a title.");
    const fields = { lane, title: values.title };
    if (values.notes.trim()) fields.notes = values.notes;
    if (values.due) fields.due = values.due;
    if (values.criterion !== "" && values.criterion !== undefined) fields.criterion = num(values.criterion);
    // Ready for the next one at once; on a refusal what was typed comes back.
    form.reset();
    form.querySelector("details")?.removeAttribute("open");
    formError(form, null);
    form.querySelector("[name=title]").focus();
    send("item.add", fields, { quiet: true }).catch((error) => {
      if (form.isConnected && !form.querySelector("[name=title]").value) {
        form.querySelector("[name=title]").value = values.title;
        form.querySelector("[name=notes]").value = values.notes;
        form.querySelector("[name=due]").value = values.due;
      }
      if (form.isConnected) formError(form, friendlyError(error, "item.add"));
      else showError(error, "item.add");
    });
  },
  "item.edit": (form) => submitEdit(num(form.dataset.item)),
  "lane.rename": (form) => {
    const lane = num(form.dataset.lane);
    const title = formValues(form).title;
    send("lane.rename", { lane, title }).then(() => {
      ui.renamingLane = null;
      renderNow();
      focusKey(`lane:${lane}:menu`);
    });
  },
  "lane.add": (form) => {
    const title = formValues(form).title;
    send("lane.add", { title }).then(() => {
      ui.addingLane = false;
      renderNow();
      focusKey("lane:new");
    });
  },
  "goal.edit": (form) => {
    const values = formValues(form);
    const fields = {};
    for (const name of ["title", "why", "success_criteria"]) {
      if (values[name] !== form.initial[name]) fields[name] = values[name];
    }
    if ("success_criteria" in fields) fields.success_criteria = fields.success_criteria.split("\n").map((line) => line.trim()).filter(Boolean);
    const done = () => {
      ui.editingGoal = false;
      renderNow();
      focusKey("goal:edit");
    };
    if (!Object.keys(fields).length) return done();
    const sendGoal = (part) => send("goal.edit", part, { quiet: true });
    return sendGoal(fields)
      .catch((error) => {
        // Long criteria in a non-Latin script can pass the 16 KiB frame limit together with the
        // rest; each part alone fits, so send them one after the other.
        if (error.code !== "too_large" || !("success_criteria" in fields) || Object.keys(fields).length < 2) throw error;
        const { success_criteria: criteria, ...rest } = fields;
        return sendGoal(rest).then(() => sendGoal({ success_criteria: criteria }));
      })
      .then(done, (error) => formError(form, friendlyError(error, "goal.edit")));
  },
  "timer.start": (form) => {
    const minutes = Number(formValues(form).minutes);
    const seconds = Math.round(minutes * 60);
    if (!Number.isFinite(seconds) || seconds < 10 || seconds > 7200) {
      notices.show("A timer runs from 10 seconds to 2 hours: give it between 0.5 and 120 minutes.");
      return;
    }
    send("timer.start", { seconds });
  },
};

function submitEdit(itemId) {
  const editor = ui.editing.get(itemId);
  const form = view.forms.get(`edit:${itemId}`);
  if (!editor || !form) return;
  const values = formValues(form);
  if (!values.title.trim()) {
    editor.error = "The title cannot be empty.";
    renderNow();
    return;
  }
  const fields = {};
  if (values.title !== form.initial.title) fields.title = values.title;
  if (values.notes !== form.initial.notes) fields.notes = values.notes;
  if (values.due !== form.initial.due) fields.due = values.due || null;
  if (values.criterion !== undefined && values.criterion !== form.initial.criterion) fields.criterion = values.criterion === "" ? null : num(values.criterion);
  if (!Object.keys(fields).length) {
    closeEditor(itemId);
    return;
  }
  editor.busy = true;
  editor.error = null;
  renderNow();
  send("item.edit", { item: itemId, version: editor.version, ...fields }, { quiet: true }).then(
    () => closeEditor(itemId),
    (error) => {
      const current = ui.editing.get(itemId);
      if (!current) return showError(error, "item.edit");
      current.busy = false;
      if (error.code === "conflict" && error.detail.item) {
        current.conflict = error.detail.item;
        const by = ui.lastEditedBy.get(itemId);
        current.conflictBy = by === undefined ? null : memberName(state, by, { you: false });
        renderNow();
        focusKey(`edit:${itemId}:overwrite`);
      } else {
        current.error = friendlyError(error, "item.edit");
        renderNow();
      }
    },
  );
}

function closeEditor(itemId) {
  ui.editing.delete(itemId);
  renderNow();
  focusKey(`item:${itemId}:edit`, `item:${itemId}`);
}

function move(fields, { keyboard }) {
  const item = findItem(fields.item);
  if (!item) return;
  send("item.move", fields).then((seq) => afterSeq(seq, () => {
    if (!keyboard || !state) return;
    // Said to the mover too: from the keyboard there is nothing else to tell where it went.
    const moved = state.items.find((candidate) => candidate.id === fields.item);
    if (!moved) return;
    const count = state.items.filter((candidate) => candidate.lane === moved.lane).length;
    live.say(`Moved to position ${moved.position + 1} of ${count} in ${laneTitle(state, moved.lane)}`);
    focusKey(`item:${moved.id}`);
  }));
}

function walkTo(item) {
  if (item !== null && item !== undefined) send("walk.focus", { item });
}

// From "Needs attention" to the card: its lane shown (on a phone), in view, focused and flashed.
let flashTimer = null;
function jumpTo(id) {
  const item = findItem(id);
  if (!item) return;
  ui.currentLane = item.lane;
  ui.flash = id;
  renderNow();
  view.showLane(item.lane);
  const card = root.querySelector(`.lane .item[data-item-id="${id}"]`);
  if (card) {
    card.scrollIntoView({ block: "center", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    card.focus({ preventScroll: true });
  }
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => {
    if (ui.flash !== id) return;
    ui.flash = null;
    scheduleRender();
  }, 1600);
}

// The end of a check-in: today's counts frozen, with a note, for everyone's history.
async function recordCheckin() {
  if (!currentRules().recordCheckin) return;
  const checkins = state.workshop.checkins || [];
  const number = checkins.length ? checkins[checkins.length - 1].number + 1 : 1;
  const counts = countProgress(planItems(state));
  const note = h("textarea", { id: "checkin-note", name: "note", rows: "4", maxlength: "2000", placeholder: "What we agreed, who helps whom, what to look at next time" });
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
    message: "The state of every item in the plan is kept as it is now, with the time, your name and this note. Everyone sees it in the Progress history.",
    confirm: `Record check-in ${number}`,
    danger: false,
    body,
    kind: "checkin-record",
  });
  note.focus();
  if (!(await asked)) return;
  const fields = note.value.trim() ? { note: note.value.trim() } : {};
  send("checkin.record", fields).then(() => {
    if (state.workshop.focus !== null && state.workshop.focus !== undefined) send("walk.focus", { item: null });
    ui.checkinOrder = null;
    ui.sideTab = "progress";
    renderNow();
  });
}

// "Open on another device": a personal link (POST /api/w/<id>/me/link), shown with Copy.
async function makeDeviceLink() {
  ui.deviceLink = { busy: true };
  renderNow();
  try {
    const response = await fetch(`/api/w/${encodeURIComponent(workshopId)}/me/link`, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    });
    const data = await response.json().catch(() => null);
    if (!response.ok || !data || !data.url) {
      throw new Error(response.status === 404 ? "Personal links are not available on this server yet." : (data && data.message) || `Could not make the link (the server answered ${response.status}). Try again.`);
    }
    ui.deviceLink = { url: data.url };
  } catch (error) {
    ui.deviceLink = { error: error instanceof TypeError ? "Could not reach the server. Try again." : error.message };
  }
  renderNow();
  focusKey(ui.deviceLink.url ? "device:url" : "device:link");
  if (ui.deviceLink.url) root.querySelector('[data-focus="device:url"]')?.select();
}

async function copyDeviceLink() {
  const input = root.querySelector('[data-focus="device:url"]');
  if (!input) return;
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.focus();
    input.select();
    live.say("The link is selected: copy it with your keyboard or menu.");
    return;
  }
  ui.deviceLink = { ...ui.deviceLink, copied: true };
  live.say("Link copied to the clipboard.");
  renderNow();
  focusKey("device:copy");
  setTimeout(() => {
    if (!ui.deviceLink.copied) return;
    ui.deviceLink = { ...ui.deviceLink, copied: false };
    scheduleRender();
  }, 2000);
}

// Agreeing is deliberate: what is about to be frozen, before it is.
function confirmAgreement() {
  const accepted = state.items.filter((item) => item.status === "accepted");
  const owners = new Set(accepted.flatMap((item) => item.owners));
  const unowned = accepted.filter((item) => !item.owners.length);
  const participants = state.members.filter((member) => member.role !== "observer");
  const ready = participants.filter((member) => member.ready).length;
  const check = state.workshop.confidence || { open: false, result: null };
  const version = state.workshop.plan_version + 1;
  const line = (label, value, warn = false) => h("div", { class: warn ? "warn" : null }, h("dt", { text: label }), h("dd", { text: value }));
  const body = h(
    "dl",
    { class: "agree-summary-list" },
    line("Accepted items", accepted.length ? plural(accepted.length, "item") : "none yet: accept at least one", !accepted.length),
    line("Owners", owners.size ? plural(owners.size, "person", "people") : "nobody yet"),
    accepted.length
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
              accepted.slice(0, AGREE_LISTED).map((item) =>
                h("li", null, h("span", { class: "agree-item-title", text: item.title }), " — ", item.owners.length ? item.owners.map((id) => memberName(state, id, { you: false })).join(", ") : h("span", { class: "warn", text: "no owner" })),
              ),
              accepted.length > AGREE_LISTED ? h("li", { class: "muted", text: `and ${plural(accepted.length - AGREE_LISTED, "more item")}` }) : null,
            ),
          ),
        )
      : null,
    unowned.length ? line("Still without an owner", unowned.map((item) => quote(item.title)).join(", "), true) : null,
    line("Ready", `${ready} of ${participants.length}`),
    line(
      "Confidence",
      check.open ? "a check is still open" : check.result && check.result.mean !== null ? `mean ${check.result.mean} of 5` : "not taken for this version",
      check.open,
    ),
  );
  return confirmDialog({
    title: `Agree version ${version} of the plan?`,
    message: "The plan is frozen as it is now, with the time and your name; everyone can download it. Progress is tracked against it from then on.",
    confirm: `Agree version ${version}`,
    danger: false,
    body,
    kind: "agree-summary",
  });
}

function confirmReopen() {
  const version = state.workshop.plan_version;
  return confirmDialog({
    title: "Reopen the plan?",
    message: `Version ${version} stays the agreed plan: its downloads do not change${state.workshop.agreed_at ? ` (agreed ${formatDateTime(state.workshop.agreed_at)})` : ""}. The board becomes the draft of version ${version + 1}, to change and agree again. A confidence check belongs to the version it was taken for: take a new one for version ${version + 1}.`,
    confirm: "Reopen as a draft",
    danger: false,
    kind: "reopen",
  });
}

// --- helpers ---------------------------------------------------------------------------------------

function findItem(id) {
  return state && state.items.find((item) => item.id === num(id));
}

function editedFields(form) {
  const values = formValues(form);
  return Object.keys(form.initial || {}).filter((name) => values[name] !== undefined && values[name] !== form.initial[name]);
}

function formValues(form) {
  const values = {};
  for (const element of form.elements) if (element.name) values[element.name] = element.value;
  return values;
}

function formError(form, message) {
  const box = form.querySelector(".form-error");
  if (!box) return;
  box.hidden = !message;
  box.textContent = message || "";
}

function renderNow() {
  renderQueued = false;
  render();
}

function focusKey(key, fallback) {
  const target = root.querySelector(`[data-focus="${key}"]`) || (fallback && root.querySelector(`[data-focus="${fallback}"]`));
  if (target) target.focus({ preventScroll: false });
}

// Open a menu upwards when below it there is no room left in a sideways-scrolling lane box.
// Menus open below and to the left of their button; open them to the right when that would leave
// the screen (or a sideways-scrolling lane box, which would clip them).
function placeMenu(menu) {
  menu.classList.remove("menu-up", "menu-right");
  const scroller = menu.closest(".lanes.scrolls");
  const area = scroller ? scroller.getBoundingClientRect() : { left: 0, top: -Infinity, bottom: Infinity };
  const summary = menu.querySelector("summary").getBoundingClientRect();
  let list = menu.querySelector(".menu-items").getBoundingClientRect();
  if (list.left < area.left) {
    menu.classList.add("menu-right");
    list = menu.querySelector(".menu-items").getBoundingClientRect();
  }
  if (scroller && list.bottom > area.bottom && summary.top - area.top > list.height) menu.classList.add("menu-up");
}

function closeMenus(except = null) {
  let changed = false;
  for (const menu of root.querySelectorAll("details.menu[open]")) {
    if (menu === except) continue;
    menu.open = false;
    changed = true;
  }
  if (!except) ui.openMenu = null;
  return changed;
}

// --- wiring ----------------------------------------------------------------------------------------

root.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button || !root.contains(button) || button.disabled) return;
  const handler = CLICK[button.dataset.action];
  if (!handler || !state) return;
  event.preventDefault();
  handler(button.dataset);
});

root.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-action]");
  if (!select || !state) return;
  const handler = CHANGE[select.dataset.action];
  if (handler) handler(select);
});

root.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-form]");
  if (!form || !state) return;
  event.preventDefault();
  const handler = SUBMIT[form.dataset.form];
  if (handler) handler(form);
});

// Menus (<details class="menu">): one open at a time, kept open across re-renders, closed by
// Escape or a click elsewhere.
root.addEventListener(
  "toggle",
  (event) => {
    const menu = event.target;
    if (!(menu instanceof HTMLDetailsElement) || !menu.classList.contains("menu")) return;
    if (menu.open) {
      ui.openMenu = menu.dataset.menu;
      closeMenus(menu);
      placeMenu(menu);
    } else if (ui.openMenu === menu.dataset.menu) {
      ui.openMenu = null;
    }
  },
  true,
);

document.addEventListener("click", (event) => {
  if (!ui.openMenu) return;
  if (event.target.closest && event.target.closest("details.menu")) return;
  closeMenus();
});

root.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = event.target.closest("details.menu[open]");
  if (menu) {
    event.preventDefault();
    menu.open = false;
    ui.openMenu = null;
    menu.querySelector("summary").focus();
    return;
  }
  const form = event.target.closest("form[data-form]");
  if (!form) return;
  const cancel = form.querySelector('button[data-action$=".cancel"], button[data-action$=".close"]');
  if (cancel) {
    event.preventDefault();
    cancel.click();
  }
});

view.detail.addEventListener("close", () => {
  const was = ui.detail;
  ui.detail = null;
  if (was !== null) focusKey(`item:${was}:open`, `item:${was}`);
});

setupMoving(root, {
  canMove: () => Boolean(state) && currentRules().moveItem && !ui.sorted,
  onMove: (fields, options) => move(fields, options),
  onDragChange: (dragging) => {
    ui.dragging = dragging;
    if (!dragging) scheduleRender();
  },
});

window.addEventListener("resize", () => view.built && view.fitLanes());
window.matchMedia(PHONE).addEventListener("change", () => {
  ui.sideOpen = false;
  scheduleRender();
});

connection.start();
