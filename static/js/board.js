// The live storyboard: the entry module of /w/<id>/.
//
// It opens the board's one websocket (connection.js), which keeps the server's state (state.js),
// keeps the UI state in one store (uistate.js), draws both (view.js) over the server-rendered
// board, and hands clicks, selects, forms, keys and drags to handlers.js and submits.js.
// Remote changes are announced in the polite live region; the facilitator's moves also show as
// visible notices (moves.js); refusals show as dismissible notices.
//
// A render is asked for whenever the server's state or the UI state is a new object, at most once
// per microtask; view.js then redraws only the parts whose slices changed.

import { describeAll, LiveRegion } from "./announce.js";
import { refusalNotice } from "./capacity.js";
import { Connection, socketUrl } from "./connection.js";
import { currentRules, makeContext } from "./context.js";
import { ConnectionBanner, Notices } from "./dialogs.js";
import { setupMoving } from "./dnd.js";
import { captureFocus, restoreFocus } from "./dom.js";
import { CHANGES, DuplicateWatcher } from "./duplicates.js";
import { ExportPanel } from "./exports.js";
import { laneTitle, memberName, PHASE_LABELS, plural, quote } from "./format.js";
import { changeHandlers, clickHandlers } from "./handlers.js";
import { attachIdentity, showIdentity } from "./identity.js";
import { InvitePanel } from "./invites.js";
import { friendlyError } from "./messages.js";
import { movesToTell } from "./moves.js";
import { boardIndex, mayStack, shownPlace } from "./stacks.js";
import { editedFields, itemEditor, submitHandlers } from "./submits.js";
import { afterEvents, lostEditors, settle, UiStore, withoutEntry } from "./uistate.js";
import { BoardView, PHONE } from "./view.js";

// How long a notice of the facilitator's move stays up.
const MOVE_NOTICE_MS = 8000;

const root = document.getElementById("board-root");
const workshopId = root.dataset.workshopId;

let state = null; // the server's state, as connection.js last gave it
const store = new UiStore(() => scheduleRender()); // the UI state: the one place it lives
let renderQueued = false;
let timeUpAnnounced = null;
let wasOfflineAnnounced = false;

const view = new BoardView(root);
const live = new LiveRegion(
  ensureElement("live", () => {
    const element = document.createElement("div");
    element.className = "sr-only";
    element.setAttribute("aria-live", "polite");
    document.body.append(element);
    return element;
  }),
);
const notices = new Notices(ensureElement("notices", () => before(root)));
const banner = new ConnectionBanner(
  ensureElement("connection-status", () => before(root)),
  { onRetry: () => connection.reconnectNow() },
);
// Likely duplicates, asked of the server while gathering (duplicates.js).
const duplicates = new DuplicateWatcher({
  workshopId,
  gathering: () => state?.workshop.phase === "gather" && currentRules(state, store.ui).stack({}),
  onResult: (list) => store.set({ duplicates: list }),
});
let invitePanel = null;
let exportPanel = null;
let memberExportPanel = null;

function before(element) {
  const made = document.createElement("div");
  element.before(made);
  return made;
}

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
    live.say(reason === "removed" ? "You were removed from this workshop." : "You are not a member of this workshop.");
    store.set({ ended: reason }, { render: Boolean(state) });
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
  if (change.cause === "event" || change.cause === "replay") {
    for (const frame of change.events) {
      if (frame.name === "item.deleted") closedUnderfoot(frame.data.item, previous, frame.actor);
    }
    if (change.events.some((frame) => CHANGES.has(frame.name))) duplicates.soon();
    store.set(afterEvents(store.ui, change.events, previous), { render: false });
    tell(change.events, previous, next, change.cause);
  }
  if (change.cause === "snapshot") duplicates.soon(0);
  if (change.cause === "snapshot" && previous) {
    // A fresh snapshot after being away: editors of items that are gone cannot stay open.
    for (const id of store.ui.editing.keys()) {
      if (!next.items.some((item) => item.id === id)) closedUnderfoot(id, previous, null);
    }
  }
  scheduleRender();
}

function tell(events, previous, next, cause) {
  const told = cause === "replay" ? events.filter((frame) => frame.name === "phase.changed").slice(-1) : events;
  for (const note of movesToTell(told, previous, next)) {
    notices.show(note.text, { kind: "info", key: note.key, timeout: MOVE_NOTICE_MS });
  }
  if (cause === "replay" && events.length > 3) {
    live.say(`Caught up: ${plural(events.length, "change")} while you were away.`);
  } else {
    live.say(describeAll(events, previous, next));
  }
}

function closedUnderfoot(itemId, previous, actor) {
  if (!store.ui.editing.has(itemId)) return;
  store.set({ editing: withoutEntry(store.ui.editing, itemId) }, { render: false });
  const item = previous.items.find((candidate) => candidate.id === itemId);
  const who = actor === null ? "Someone" : memberName(previous, actor, { you: false });
  const what = item ? quote(item.title) : "the item";
  notices.show(`${who} deleted ${what} while you were editing it; your changes were not saved.`);
}

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    render();
  });
}

function renderNow() {
  renderQueued = false;
  render();
}

function render() {
  if (!state) return;
  if (store.ui.dragging) return; // after the drop; moving nodes under the pointer breaks the drag
  const rules = currentRules(state, store.ui);
  tellLostEdits(rules);
  store.set(settle(store.ui, state, rules), { render: false });
  const focus = captureFocus();
  view.render(makeContext(state, store.ui, rules, workshopId));
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
  if (rules.facilitating && !exportPanel) exportPanel = new ExportPanel(view.exports, { workshopId });
  if (!memberExportPanel) memberExportPanel = new ExportPanel(view.memberExports, { workshopId, drafts: false });
  // Fetches the agreed versions when first shown and after each agreement (plan_version moves on).
  if (exportPanel) exportPanel.update(state, rules.facilitating);
  memberExportPanel.update(state, !rules.facilitating);
  restoreFocus(focus, root);
  notices.place(); // a sheet drawn at the bottom (the confidence prompt) moves the notice above it
  showIdentity(state); // the header's name and role, outside the board's root
  document.body.dataset.seq = String(state.seq);
}

// Unsaved changes in an editor that the role or phase now closes are lost: say so.
function tellLostEdits(rules) {
  const phase = state.workshop.phase;
  for (const [id, item] of lostEditors(store.ui, state, rules)) {
    const form = view.forms.get(`edit:${id}`);
    if (!item || !form || !editedFields(form).length) continue;
    if (item.hidden) {
      notices.show("Gathering is private now: the card you were editing is face down, and your changes were not kept.");
      continue;
    }
    notices.show(
      phase === "gather" || phase === "plan"
        ? `You can no longer edit ${quote(item.title)}, so your unsaved changes to it were not kept.`
        : `The workshop moved to the ${PHASE_LABELS[phase]} phase, where items are not edited: ` +
            `your unsaved changes to ${quote(item.title)} were not kept.`,
    );
  }
}

// The shared countdown.
setInterval(() => {
  if (!state?.workshop.timer) return;
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
  if (!quiet) promise.catch((error) => showError(error, op, fields));
  return promise;
}

function showError(error, op, fields = {}) {
  if (error.code === "ended") return;
  // A refused agreement says what to do, and marks the cards it is about (capacity.js).
  if (["unowned_items", "unestimated_items", "over_capacity"].includes(error.code)) {
    const refusal = refusalNotice(error, state);
    store.set({ highlight: new Set(refusal.items) });
    notices.show(refusal.text);
    return;
  }
  // The card acted on stays in sight: the notice moves rather than cover it.
  const near =
    fields.item === undefined ? null : root.querySelector(`.lane .item[data-item-id="${Number(fields.item)}"]`);
  notices.show(friendlyError(error, op), { near });
}

// `fields.index` counts the cards shown in the lane (a stack is one): the server counts them all.
function move(fields, { keyboard }) {
  if (!state.items.some((item) => item.id === fields.item)) return;
  const index = boardIndex(state, fields.item, fields.lane, fields.index);
  send("item.move", { ...fields, index }).then((seq) =>
    afterSeq(seq, () => {
      if (!keyboard || !state) return;
      // Said to the mover too: from the keyboard there is nothing else to tell where it went.
      const moved = state.items.find((candidate) => candidate.id === fields.item);
      if (!moved) return;
      const place = shownPlace(state, moved);
      live.say(`Moved to position ${place.index + 1} of ${place.count} in ${laneTitle(state, moved.lane)}`);
      focusKey(`item:${moved.id}`);
    }),
  );
}

function focusKey(key, fallback) {
  const target =
    root.querySelector(`[data-focus="${key}"]`) || (fallback && root.querySelector(`[data-focus="${fallback}"]`));
  if (target) target.focus({ preventScroll: false });
}

// Menus open below and to the left of their button; open them to the right when that would leave
// the screen (or a sideways-scrolling lane box, which would clip them), and upwards when below them
// there is no room left in a sideways-scrolling lane box.
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
  for (const menu of root.querySelectorAll("details.menu[open]")) {
    if (menu !== except) menu.open = false;
  }
  if (!except) store.set({ openMenu: null }, { render: false });
}

// --- the board, as handlers.js and submits.js see it -----------------------------------------------

const board = {
  root,
  workshopId,
  view,
  live,
  notices,
  state: () => state,
  ui: () => store.ui,
  rules: () => currentRules(state, store.ui),
  send,
  showError,
  move,
  focusKey,
  closeMenus,
  // UI state changed through the store: drawn at the next microtask, or at once (`update`) when
  // focus is to move to what is drawn.
  set: (fields) => store.set(fields),
  update: (fields) => {
    store.set(fields, { render: false });
    renderNow();
  },
};
Object.assign(board, itemEditor(board));
const CLICK = clickHandlers(board);
const CHANGE = changeHandlers(board);
const SUBMIT = submitHandlers(board);
attachIdentity({ send: (op, fields) => send(op, fields, { quiet: true }), state: () => state });

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
  const select = event.target.closest("select[data-action], input[data-action]");
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
// Escape or a click elsewhere. The browser opens them: the store only notes which is open.
root.addEventListener(
  "toggle",
  (event) => {
    const menu = event.target;
    if (!(menu instanceof HTMLDetailsElement) || !menu.classList.contains("menu")) return;
    if (menu.open) {
      store.set({ openMenu: menu.dataset.menu }, { render: false });
      closeMenus(menu);
      placeMenu(menu);
    } else if (store.ui.openMenu === menu.dataset.menu) {
      store.set({ openMenu: null }, { render: false });
    }
  },
  true,
);

document.addEventListener("click", (event) => {
  if (!store.ui.openMenu) return;
  if (event.target.closest?.("details.menu")) return;
  closeMenus();
});

root.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = event.target.closest("details.menu[open]");
  if (menu) {
    event.preventDefault();
    menu.open = false;
    store.set({ openMenu: null }, { render: false });
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
  const was = store.ui.detail;
  store.set({ detail: null }, { render: false });
  if (was !== null) focusKey(`item:${was}:open`, `item:${was}`);
});

setupMoving(root, {
  canMove: () => Boolean(state) && currentRules(state, store.ui).moveItem && !store.ui.sorted,
  onMove: (fields, options) => move(fields, options),
  onDragChange: (dragging) => store.set({ dragging }, { render: !dragging }),
  canTie: (id) => {
    const item = state?.items.find((candidate) => candidate.id === id);
    return Boolean(item) && currentRules(state, store.ui).editItem(item);
  },
  onTie: ({ item, criterion }) => {
    const found = state.items.find((candidate) => candidate.id === item);
    if (found) send("item.edit", { item, version: found.version, criterion });
  },
  // A card dropped on another card is stacked onto it (protocol §10).
  canStack: (item, onto) => Boolean(state) && mayStack(state, currentRules(state, store.ui), item, onto),
  onStack: (fields) => send("item.stack", fields),
});

view.onLaneInView = (id) => {
  if (store.ui.currentLane !== id) store.set({ currentLane: id });
};

window.addEventListener("resize", () => {
  if (!view.built) return;
  view.fitLanes();
  view.fitChips();
});
window.matchMedia(PHONE).addEventListener("change", () => store.set({ sideOpen: false }));

connection.start();
