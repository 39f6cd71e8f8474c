// What people do on the board, by the `data-action` of the button they click or the select they
// change: an op sent to the server, or a change of UI state made through the board's one UI store
// (`b.update`, which redraws at once so that focus can move to what was just drawn).
//
// `b` is the board (board.js): {state(), ui(), rules(), send, update, set, focusKey, closeMenus,
// move, notices, live, view, root, workshopId}.

import { csrfToken } from "./api.js";
import { askCheckin, confirmAgreement, confirmReopen } from "./asks.js";
import { confirmDialog } from "./dialogs.js";
import { plural, quote } from "./format.js";
import { checkinOrder } from "./progress.js";
import { walkStep } from "./results.js";
import { editorPatch, newEditor, withMember, withoutMember } from "./uistate.js";
import { PHONE } from "./view.js";

const num = (value) => Number(value);

export function clickHandlers(b) {
  const findItem = (id) => b.state().items.find((item) => item.id === num(id));
  const walkTo = (item) => {
    if (item !== null && item !== undefined) b.send("walk.focus", { item });
  };
  const openUi = (fields, focus) => {
    b.update(fields);
    b.focusKey(focus);
  };
  return {
    "vote.cast": (d) => b.send("vote.cast", { item: num(d.item) }),
    "vote.retract": (d) => b.send("vote.retract", { item: num(d.item) }),
    "item.claim": (d) => b.send("item.claim", { item: num(d.item) }),
    "item.unclaim": (d) => b.send("item.unclaim", { item: num(d.item) }),
    "item.criterion": (d) => {
      b.closeMenus();
      const item = findItem(d.item);
      if (!item) return;
      const criterion = d.criterion === "" ? null : num(d.criterion);
      b.send("item.edit", { item: item.id, version: item.version, criterion }).then(() =>
        b.focusKey(`criterion:${item.id}:menu`, `item:${item.id}`),
      );
    },
    "item.assign.open": (d) => {
      b.closeMenus();
      openUi({ assigning: withMember(b.ui().assigning, num(d.item)) }, `item:${d.item}:assign`);
    },
    // The planning game (protocol §10)
    "item.estimate": (d) => {
      b.closeMenus();
      const item = num(d.item);
      const hours = d.hours === "" ? null : num(d.hours);
      b.send("item.estimate", { item, hours }).then(() => b.focusKey(`estimate:${item}:menu`, `item:${item}`));
    },
    "stack.toggle": (d) => {
      const id = num(d.item);
      const open = b.ui().openStacks;
      b.update({ openStacks: open.has(id) ? withoutMember(open, id) : withMember(open, id) });
    },
    "item.unstack": (d) => {
      const item = findItem(d.item);
      if (!item) return;
      b.send("item.unstack", { item: item.id }).then(() => b.focusKey(`item:${item.stack}:stack`, `item:${item.id}`));
    },
    "item.stack.open": (d) => {
      b.closeMenus();
      openUi({ stacking: num(d.item) }, `item:${d.item}:stack-onto`);
    },
    "item.stack.cancel": (d) => openUi({ stacking: null }, `item:${d.item}:menu`),
    "duplicates.stack": (d) => {
      const onto = num(d.head);
      for (const item of d.items.split(",").map(num)) b.send("item.stack", { item, onto });
    },
    "duplicates.dismiss": (d) => {
      b.update({ notDuplicates: withMember(b.ui().notDuplicates, d.key) });
      b.focusKey("duplicates");
    },
    "item.unassign": (d) => b.send("item.unassign", { item: num(d.item), member: num(d.member) }),
    "item.move": (d) => {
      b.closeMenus();
      b.move({ item: num(d.item), lane: num(d.lane), index: num(d.index) }, { keyboard: true });
    },
    "item.delete": async (d) => {
      b.closeMenus();
      const item = findItem(d.item);
      if (!item) return;
      const dots = item.votes ? ", and its dots go back to the people who gave them" : "";
      const ok = await confirmDialog({
        title: "Delete this item?",
        message: `${quote(item.title)} will be gone for everyone${dots}.`,
      });
      if (!ok) return b.focusKey(`item:${item.id}`);
      b.send("item.delete", { item: item.id }).then(() => b.focusKey(`lane:${item.lane}:add`, `lane:${item.lane}`));
    },
    "item.edit.open": (d) => {
      const item = findItem(d.item);
      if (!item) return;
      b.closeMenus();
      openUi({ editing: new Map(b.ui().editing).set(item.id, newEditor(item)) }, `edit:${item.id}:title`);
    },
    "item.edit.cancel": (d) => b.closeEditor(num(d.item)),
    "item.edit.theirs": (d) => b.closeEditor(num(d.item)),
    "item.edit.overwrite": (d) => {
      const id = num(d.item);
      const editor = b.ui().editing.get(id);
      if (!editor?.conflict) return;
      b.set(editorPatch(b.ui(), id, { version: editor.conflict.version, conflict: null }));
      b.submitEdit(id);
    },
    "item.add.open": (d) => openUi({ adding: withMember(b.ui().adding, num(d.lane)) }, `add:${d.lane}:title`),
    "item.add.close": (d) => openUi({ adding: withoutMember(b.ui().adding, num(d.lane)) }, `lane:${d.lane}:add`),
    "lane.rename.open": (d) => {
      b.closeMenus();
      b.update({ renamingLane: num(d.lane) });
      const input = b.root.querySelector(`[data-focus="rename:${d.lane}:title"]`);
      input?.focus();
      input?.select();
    },
    "lane.rename.cancel": (d) => openUi({ renamingLane: null }, `lane:${d.lane}:menu`),
    "lane.move": (d) => {
      b.closeMenus();
      b.send("lane.move", { lane: num(d.lane), index: num(d.index) }).then(() => b.focusKey(`lane:${d.lane}:menu`));
    },
    "lane.delete": async (d) => {
      b.closeMenus();
      const state = b.state();
      const lane = state.lanes.find((candidate) => candidate.id === num(d.lane));
      if (!lane) return;
      const count = state.items.filter((item) => item.lane === lane.id).length;
      if (count) {
        const still = `${quote(lane.title)} still has ${plural(count, "item")}.`;
        b.notices.show(`${still} Move or delete them first, then delete the lane.`);
        return;
      }
      const ok = await confirmDialog({
        title: "Delete this lane?",
        message: `The empty lane ${quote(lane.title)} will be removed for everyone.`,
      });
      if (ok) b.send("lane.delete", { lane: lane.id }).then(() => b.focusKey("lane:new"));
    },
    "lane.add.open": () => openUi({ addingLane: true }, "lane.add:title"),
    "lane.add.close": () => openUi({ addingLane: false }, "lane:new"),
    "phase.set": async (d) => {
      b.closeMenus();
      const state = b.state();
      let ok = true;
      if (d.phase === "agreed") ok = await confirmAgreement(state);
      else if (state.workshop.phase === "agreed") ok = await confirmReopen(state);
      if (typeof ok === "string" && ok.startsWith("item:")) {
        // From the agreement's summary to an item that needs an owner.
        const id = num(ok.slice(5));
        b.update({ highlight: new Set([id]) });
        return jumpTo(b, id);
      }
      if (ok === true) b.send("phase.set", { phase: d.phase });
    },
    // The agenda (protocol §8): a step moves the phase as phase.set does, so it asks what phase.set asks.
    "agenda.step": async (d) => {
      b.closeMenus();
      const state = b.state();
      const index = d.index === "" ? null : num(d.index);
      const step = index === null ? null : (state.workshop.agenda || [])[index];
      let ok = true;
      if (step && step.phase !== state.workshop.phase) {
        if (step.phase === "agreed") ok = await confirmAgreement(state);
        else if (state.workshop.phase === "agreed") ok = await confirmReopen(state);
      }
      if (ok === true) b.send("agenda.step", { index });
    },
    "agenda.more": () => openUi({ agendaOpen: !b.ui().agendaOpen }, "agenda:more"),
    "goal.show": () => openUi({ goalOpen: true }, "goal:toggle"),
    "goal.toggle": () => {
      const goalOpen = !b.ui().goalOpen;
      openUi(goalOpen ? { goalOpen } : { goalOpen, editingGoal: false }, "goal:toggle");
    },
    "item.open": (d) => {
      b.closeMenus();
      openUi({ detail: num(d.item) }, "detail:close");
    },
    "item.close": () => b.view.detail.close(),
    "side.tab": (d) => {
      const fields = { sideTab: d.tab };
      if (window.matchMedia(PHONE).matches) fields.sideOpen = true;
      openUi(fields, `side-tab:${d.tab}`);
    },
    "side.open": () => openUi({ sideOpen: true }, `side-tab:${b.ui().sideTab}`),
    "side.close": () => openUi({ sideOpen: false }, "side:open"),
    "lane.show": (d) => {
      b.update({ currentLane: num(d.laneTab) });
      b.view.showLane(num(d.laneTab));
    },
    "lanes.scroll": (d) => {
      const box = b.view.laneBox;
      box.scrollBy({ left: num(d.direction) * box.clientWidth * 0.8, behavior: "smooth" });
    },
    "sort.votes": () => openUi({ sorted: !b.ui().sorted }, "sort:votes"),
    "walk.start": () => walkTo(walkStep(b.state(), "start")),
    "walk.next": () => walkTo(walkStep(b.state(), "next", b.ui().checkinOrder)),
    "walk.prev": () => walkTo(walkStep(b.state(), "prev", b.ui().checkinOrder)),
    "walk.to": (d) => {
      b.closeMenus();
      walkTo(num(d.item));
    },
    "walk.end": () => {
      b.set({ checkinOrder: null });
      b.send("walk.focus", { item: null });
    },
    "item.progress": (d) => {
      b.closeMenus();
      const id = num(d.item);
      b.send("item.progress", { item: id, state: d.state }).then(() => b.focusKey(`progress:${id}:menu`, `item:${id}`));
    },
    "item.progress.note": (d) => {
      b.closeMenus();
      openUi({ detail: num(d.item) }, `progress-form:${d.item}:note`);
    },
    "item.help": (d) => b.send("item.help", { item: num(d.item), offer: d.offer === "true" }),
    "item.jump": (d) => jumpTo(b, num(d.item)),
    "checkin.start": () => {
      b.closeMenus();
      const list = checkinOrder(b.state());
      if (!list.length) return recordCheckin(b);
      b.set({ checkinOrder: list.map((item) => item.id) });
      walkTo(list[0].id);
    },
    "checkin.record": () => recordCheckin(b),
    "device.link": () => makeDeviceLink(b),
    "device.copy": () => copyDeviceLink(b),
    "confidence.change": () => openUi({ changingConfidence: true }, `score:${b.state().me.confidence ?? 0}`),
    "member.ready": (d) => b.send("member.ready", { ready: d.ready === "true" }),
    "confidence.open": () => b.send("confidence.open", {}),
    "confidence.close": () => b.send("confidence.close", {}),
    "confidence.answer": (d) =>
      b.send("confidence.answer", { score: num(d.score) }).then(() => b.set({ changingConfidence: false })),
    "timer.stop": () => b.send("timer.stop", {}).then(() => b.focusKey("timer:minutes")),
    "member.remove": async (d) => {
      const member = b.state().members.find((candidate) => candidate.id === num(d.member));
      if (!member) return;
      const ok = await confirmDialog({
        title: `Remove ${member.name}?`,
        message:
          `${member.name} leaves the workshop and cannot come back through an invite. ` +
          "The items they own get no owner; their items and dots stay.",
        confirm: "Remove",
      });
      if (ok) b.send("member.remove", { member: member.id }).then(() => b.focusKey("people"));
    },
    "goal.open": () => openUi({ editingGoal: true }, "goal:title"),
    "goal.cancel": () => openUi({ editingGoal: false }, "goal:edit"),
  };
}

export function changeHandlers(b) {
  return {
    "item.status": (select) => b.send("item.status", { item: num(select.dataset.item), status: select.value }),
    "item.assign": (select) => {
      if (!select.value) return;
      const member = num(select.value);
      select.value = "";
      b.send("item.assign", { item: num(select.dataset.item), member });
    },
    "item.stack": (select) => {
      if (!select.value) return;
      const item = num(select.dataset.item);
      const onto = num(select.value);
      b.set({ stacking: null });
      b.send("item.stack", { item, onto }).then(() => b.focusKey(`item:${onto}`));
    },
    // The facilitator's planning settings: a checkbox is sent as it is ticked (facilitation.js).
    "planning.set": (input) => b.send("planning.set", { [input.name]: input.checked }),
    "member.role": (select) => {
      const member = b.state().members.find((candidate) => candidate.id === num(select.dataset.member));
      b.send("member.role", { member: member.id, role: select.value }).catch(() => {
        select.value = member.role; // refused: show the role as it is
      });
    },
  };
}

// From "Needs attention" to the card: its lane shown (on a phone), in view, focused and flashed.
let flashTimer = null;
function jumpTo(b, id) {
  const item = b.state().items.find((candidate) => candidate.id === id);
  if (!item) return;
  b.update({ currentLane: item.lane, flash: id });
  b.view.showLane(item.lane);
  const card = b.root.querySelector(`.lane .item[data-item-id="${id}"]`);
  if (card) {
    const behavior = matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
    card.scrollIntoView({ block: "center", behavior });
    card.focus({ preventScroll: true });
  }
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => b.set((ui) => (ui.flash === id ? { flash: null } : null)), 1600);
}

// The end of a check-in: today's counts frozen, with a note, for everyone's history.
async function recordCheckin(b) {
  if (!b.rules().recordCheckin) return;
  const fields = await askCheckin(b.state());
  if (!fields) return;
  b.send("checkin.record", fields).then(() => {
    const focus = b.state().workshop.focus;
    if (focus !== null && focus !== undefined) b.send("walk.focus", { item: null });
    b.update({ checkinOrder: null, sideTab: "progress" });
  });
}

// "Open on another device": a personal link (POST /api/w/<id>/me/link), shown with Copy.
async function makeDeviceLink(b) {
  b.update({ deviceLink: { busy: true } });
  let deviceLink;
  try {
    const response = await fetch(`/api/w/${encodeURIComponent(b.workshopId)}/me/link`, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    });
    const data = await response.json().catch(() => null);
    if (!response.ok || !data?.url) {
      if (response.status === 404) throw new Error("Personal links are not available on this server yet.");
      throw new Error(data?.message || `Could not make the link (the server answered ${response.status}). Try again.`);
    }
    deviceLink = { url: data.url };
  } catch (error) {
    deviceLink = { error: error instanceof TypeError ? "Could not reach the server. Try again." : error.message };
  }
  b.update({ deviceLink });
  b.focusKey(deviceLink.url ? "device:url" : "device:link");
  if (deviceLink.url) b.root.querySelector('[data-focus="device:url"]')?.select();
}

async function copyDeviceLink(b) {
  const input = b.root.querySelector('[data-focus="device:url"]');
  if (!input) return;
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.focus();
    input.select();
    b.live.say("The link is selected: copy it with your keyboard or menu.");
    return;
  }
  b.update({ deviceLink: { ...b.ui().deviceLink, copied: true } });
  b.live.say("Link copied to the clipboard.");
  b.focusKey("device:copy");
  setTimeout(
    () => b.set((ui) => (ui.deviceLink.copied ? { deviceLink: { ...ui.deviceLink, copied: false } } : null)),
    2000,
  );
}
