// Who you are, in the header of every page (templates/base.html, goals/identity.py): your name, and
// on a workshop's pages your name and role there. It opens a small menu (a <details>) with "Change
// my name" (the `member.rename` op, over the board's socket), "Get my return link" (POST
// /api/w/<id>/me/link: copy, share sheet, QR code), and the account links.
//
// Loaded as a module by base.html on every page where there is someone to show; the board
// (board.js) imports the same module and attaches itself, so that renaming goes through its socket
// and the header follows `member.changed` events. Other workshop pages send "Change my name" to the
// board, which opens the dialog (`#rename`).

import { h, replaceChildren } from "./dom.js";
import { friendlyError } from "./messages.js";

const NAME_MAX = 40; // core.limits.NAME_MAX: the join form's display_name

const menu = document.getElementById("identity");
const workshopId = menu?.dataset.workshopId || "";
const guest = menu?.dataset.guest === "true";
let board = null; // {send(op, fields) -> Promise, state() -> state or null}, when on the board
let shown = null; // the member object last drawn, to redraw only on a change
let renameDialog = null;
let linkDialog = null;
let madeLink = null; // {url, qr}: the link made on this page, shown again when the dialog reopens

function roleLabel(role) {
  if (guest && role === "member") return "guest";
  return role;
}

function csrfToken() {
  const field = menu?.querySelector("input[name=csrfmiddlewaretoken]");
  if (field?.value) return field.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function closeMenu({ focus = false } = {}) {
  if (!menu?.open) return;
  menu.open = false;
  if (focus) menu.querySelector("summary").focus();
}

// --- the board attaches itself ---------------------------------------------------------------------

export function attachIdentity(liveBoard) {
  board = liveBoard;
  if (location.hash === "#rename") {
    history.replaceState(null, "", location.pathname + location.search);
    queueMicrotask(() => openRename());
  }
}

// The header follows the member's own `member.changed` (a rename here or on another device, a role).
export function showIdentity(state) {
  if (!menu || !state) return;
  const me = state.members.find((member) => member.id === state.me.member);
  if (!me || me === shown) return;
  shown = me;
  for (const node of menu.querySelectorAll('[data-identity="name"]')) {
    if (node.textContent !== me.name) node.textContent = me.name;
  }
  const role = menu.querySelector('[data-identity="role"]');
  if (role) role.textContent = ` · ${roleLabel(me.role)}`;
  const initial = menu.querySelector(".identity-initial");
  if (initial) initial.textContent = (me.name[0] || "").toUpperCase();
}

function myName() {
  const state = board?.state();
  const me = state?.members.find((member) => member.id === state.me.member);
  return me ? me.name : menu.querySelector(".identity-name")?.textContent || "";
}

// --- "Change my name" --------------------------------------------------------------------------------

function openRename() {
  closeMenu();
  if (!board) {
    // The name is changed over the board's socket: the board opens this dialog when it loads.
    location.assign(`/w/${encodeURIComponent(workshopId)}/#rename`);
    return;
  }
  if (!renameDialog) renameDialog = buildRenameDialog();
  const { dialog, input, error } = renameDialog;
  input.value = myName();
  error.hidden = true;
  error.textContent = "";
  dialog.showModal();
  input.select();
}

function buildRenameDialog() {
  const input = h("input", {
    id: "identity-rename-name",
    name: "name",
    type: "text",
    required: true,
    maxlength: String(NAME_MAX),
    autocomplete: "name",
    "aria-describedby": "identity-rename-help identity-rename-error",
  });
  const error = h("p", { id: "identity-rename-error", class: "errors", role: "alert", hidden: true });
  const save = h("button", { type: "submit", class: "primary", text: "Save" });
  const form = h(
    "form",
    { class: "identity-rename", method: "dialog" },
    h("h2", { id: "identity-rename-title", text: "Change my name" }),
    h("label", { for: "identity-rename-name", text: "Your name in this workshop" }),
    input,
    h("p", {
      id: "identity-rename-help",
      class: "muted",
      text: `1–${NAME_MAX} characters. Everyone in this workshop sees it at once; your other workshops keep theirs.`,
    }),
    error,
    h(
      "div",
      { class: "dialog-actions" },
      h("button", { type: "button", dataset: { close: "" }, text: "Cancel" }),
      save,
    ),
  );
  const dialog = h("dialog", { class: "identity-dialog", "aria-labelledby": "identity-rename-title" }, form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name || name.length > NAME_MAX) {
      showError(error, `Your name must be 1–${NAME_MAX} characters.`);
      input.focus();
      return;
    }
    if (name === myName()) {
      dialog.close();
      return;
    }
    save.disabled = true;
    board
      .send("member.rename", { name })
      .then(() => dialog.close())
      .catch((refused) => {
        showError(
          error,
          refused?.code ? friendlyError(refused, "member.rename") : "Your name was not changed. Try again.",
        );
        input.focus();
      })
      .finally(() => {
        save.disabled = false;
      });
  });
  wireDialog(dialog);
  document.body.append(dialog);
  return { dialog, input, error };
}

function showError(node, text) {
  node.textContent = text;
  node.hidden = false;
}

// --- "Get my return link" ----------------------------------------------------------------------------

function openLink() {
  closeMenu();
  if (!linkDialog) linkDialog = buildLinkDialog();
  drawLink();
  linkDialog.dialog.showModal();
  linkDialog.dialog.querySelector(madeLink ? "[data-link-copy]" : "[data-link-make]")?.focus();
}

function buildLinkDialog() {
  const body = h("div", { class: "identity-link-body", "aria-live": "polite" });
  const dialog = h(
    "dialog",
    { class: "identity-dialog identity-link", "aria-labelledby": "identity-link-title" },
    h("h2", { id: "identity-link-title", text: "Your return link" }),
    h("p", {
      class: "muted",
      text:
        "Open this link on another device (or scan the code with your phone) to come back as yourself. " +
        "Keep it to yourself: whoever has it is you in this workshop.",
    }),
    body,
    h("div", { class: "dialog-actions" }, h("button", { type: "button", dataset: { close: "" }, text: "Close" })),
  );
  dialog.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-link-make")) makeLink();
    else if (button.hasAttribute("data-link-copy")) copyLink();
    else if (button.hasAttribute("data-link-share")) shareLink();
  });
  wireDialog(dialog);
  document.body.append(dialog);
  return { dialog, body };
}

function drawLink({ busy = false, error = "", status = "" } = {}) {
  const { body } = linkDialog;
  if (!madeLink) {
    replaceChildren(
      body,
      h("p", { text: "A new link replaces any you made before: browsers that came in through that one are let go." }),
      error ? h("p", { class: "errors", role: "alert", text: error }) : null,
      h("button", {
        type: "button",
        class: "primary",
        disabled: busy,
        dataset: { linkMake: "" },
        text: busy ? "Making your link…" : "Make my return link",
      }),
    );
    return;
  }
  const canShare = typeof navigator.share === "function";
  replaceChildren(
    body,
    h("img", { class: "identity-qr", src: madeLink.qr, alt: "QR code of your return link", width: 200, height: 200 }),
    h("label", { for: "identity-link-url", text: "Your link" }),
    h("input", {
      id: "identity-link-url",
      type: "text",
      readonly: true,
      value: madeLink.url,
      dataset: { linkUrl: "" },
    }),
    h(
      "div",
      { class: "identity-link-actions" },
      h("button", { type: "button", class: "primary", dataset: { linkCopy: "" }, text: "Copy link" }),
      canShare ? h("button", { type: "button", dataset: { linkShare: "" }, text: "Share…" }) : null,
      h("button", { type: "button", dataset: { linkMake: "" }, text: "Make a new one" }),
    ),
    h("p", { class: "identity-link-status muted", role: "status", text: status }),
  );
}

async function makeLink() {
  drawLink({ busy: true });
  try {
    const response = await fetch(`/api/w/${encodeURIComponent(workshopId)}/me/link`, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    });
    const data = await response.json().catch(() => null);
    if (!response.ok || !data?.url) {
      throw new Error(data?.message || `Could not make the link (the server answered ${response.status}). Try again.`);
    }
    madeLink = { url: data.url, qr: data.qr };
    drawLink({ status: "Your new link is ready." });
    linkDialog.dialog.querySelector("[data-link-copy]")?.focus();
  } catch (error) {
    madeLink = null;
    drawLink({ error: error instanceof TypeError ? "Could not reach the server. Try again." : error.message });
    linkDialog.dialog.querySelector("[data-link-make]")?.focus();
  }
}

async function copyLink() {
  const input = linkDialog.dialog.querySelector("[data-link-url]");
  const status = linkDialog.dialog.querySelector(".identity-link-status");
  try {
    await navigator.clipboard.writeText(madeLink.url);
    status.textContent = "Link copied to the clipboard.";
  } catch {
    input.focus();
    input.select();
    status.textContent = "The link is selected: copy it with your keyboard or menu.";
  }
}

async function shareLink() {
  try {
    await navigator.share({ title: "My Rallypoint return link", url: madeLink.url });
  } catch {
    // Cancelled, or the share sheet is not available after all: the link is still there to copy.
  }
}

// --- dialogs and the menu ----------------------------------------------------------------------------

function wireDialog(dialog) {
  dialog.addEventListener("click", (event) => {
    if (event.target.closest("[data-close]")) dialog.close();
  });
  dialog.addEventListener("close", () => menu.querySelector("summary").focus());
}

if (menu) {
  menu.addEventListener("click", (event) => {
    const action = event.target.closest("[data-identity-action]")?.dataset.identityAction;
    if (action === "rename") openRename();
    else if (action === "link") openLink();
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      event.preventDefault();
      closeMenu({ focus: true });
    }
  });
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) closeMenu();
  });
  menu.addEventListener("focusout", (event) => {
    if (menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) closeMenu();
  });
}
