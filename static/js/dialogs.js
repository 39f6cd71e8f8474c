// Things the board says to the person using it: dismissible notices (what went wrong and why),
// the connection banner, and a confirmation dialog for what cannot be undone.

import { h, replaceChildren } from "./dom.js";

export class Notices {
  constructor(container) {
    this.container = container;
    this.container.addEventListener("click", (event) => {
      const button = event.target.closest("[data-dismiss]");
      if (!button) return;
      const notice = button.closest(".notice");
      const next = notice.nextElementSibling || notice.previousElementSibling;
      notice.remove();
      // Focus was on the dismiss button: hand it to the next notice, or back to the board.
      const target = next ? next.querySelector("[data-dismiss]") : document.getElementById("main");
      if (target) target.focus({ preventScroll: true });
    });
  }

  // `timeout` (ms): an information that needs no answer goes away by itself.
  show(message, { kind = "error", key = null, timeout = 0 } = {}) {
    if (key) this.dismiss(key);
    // A pile of the same notice helps nobody.
    for (const old of this.container.querySelectorAll(".notice")) {
      if (old.dataset.message === message) old.remove();
    }
    while (this.container.children.length >= 3) this.container.firstElementChild.remove();
    const notice = h(
      "div",
      { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status", dataset: { message, key } },
      h("span", { class: "notice-icon", "aria-hidden": "true", text: kind === "error" ? "!" : "i" }),
      h(
        "p",
        { class: "notice-text" },
        h("span", { class: "sr-only", text: kind === "error" ? "Problem: " : "Note: " }),
        message,
      ),
      h(
        "button",
        { type: "button", class: "notice-close", "aria-label": "Dismiss this message", dataset: { dismiss: "" } },
        h("span", { "aria-hidden": "true", text: "×" }),
      ),
    );
    this.container.append(notice);
    if (timeout) {
      setTimeout(() => {
        // Kept while someone is reading it with the pointer or the keyboard on it.
        if (notice.matches(":hover, :focus-within")) setTimeout(() => notice.remove(), timeout);
        else notice.remove();
      }, timeout);
    }
    return notice;
  }

  dismiss(key) {
    for (const old of this.container.querySelectorAll(".notice")) if (old.dataset.key === key) old.remove();
  }
}

// The visible line that says whether the board is live. data-state is "online", "offline" or
// "connecting"; while online it shows only briefly after coming back.
export class ConnectionBanner {
  constructor(element, { onRetry }) {
    this.element = element;
    this.text = h("span", { class: "connection-text" });
    this.retry = h("button", { type: "button", class: "small", text: "Try now", hidden: true });
    this.retry.addEventListener("click", () => onRetry());
    replaceChildren(
      this.element,
      h("span", { class: "connection-icon", "aria-hidden": "true" }),
      this.text,
      this.retry,
    );
    this.hideTimer = null;
    this.countdown = null;
  }

  show(status, info = {}) {
    clearTimeout(this.hideTimer);
    clearInterval(this.countdown);
    this.element.dataset.state = status;
    this.element.hidden = false;
    this.element.classList.remove("fading");
    this.retry.hidden = true;
    if (info.ended) {
      this.element.dataset.ended = info.ended;
      this.text.textContent =
        info.ended === "removed"
          ? "You were removed from this workshop. This board no longer updates."
          : "This board cannot update: you are signed out, or not a member of this workshop. " +
            "Reload the page to sign in, or follow an invite link to join.";
      return;
    }
    const pending = info.pending
      ? ` ${info.pending === 1 ? "1 change is" : `${info.pending} changes are`} waiting to be sent.`
      : "";
    if (status === "online") {
      if (!info.back) {
        this.element.hidden = true;
        return;
      }
      this.text.textContent = "Back online. The board is up to date.";
      this.hideTimer = setTimeout(() => {
        this.element.classList.add("fading");
        this.hideTimer = setTimeout(() => {
          this.element.hidden = true;
        }, 600);
      }, 4000);
      return;
    }
    if (status === "connecting") {
      this.text.textContent = info.first ? "Connecting to the live board…" : `Reconnecting…${pending}`;
      if (info.first) {
        // A page load connects within moments: say so only if it takes a while.
        this.element.hidden = true;
        this.hideTimer = setTimeout(() => {
          this.element.hidden = false;
        }, 1500);
      }
      return;
    }
    // offline, waiting to retry
    const update = () => {
      const seconds = info.retryAt ? Math.max(0, Math.ceil((info.retryAt - Date.now()) / 1000)) : 0;
      const retry = seconds ? `Trying again in ${seconds} s.` : "Trying again…";
      this.text.textContent = `Offline. ${retry} Changes you make now are sent when the connection is back.${pending}`;
    };
    update();
    this.countdown = setInterval(update, 1000);
    this.retry.hidden = false;
  }
}

let dialog = null;

// Ask before something that cannot be undone; resolves true or false. A native modal <dialog>
// keeps focus inside and returns it on close.
// `body`: more to read before deciding (the agreement's summary, say); `kind` names the dialog
// (a class) for styling and tests.
export function confirmDialog({ title, message, confirm = "Delete", danger = true, body = null, kind = null }) {
  if (!dialog) {
    dialog = h("dialog", {
      class: "confirm",
      "aria-labelledby": "confirm-title",
      "aria-describedby": "confirm-message",
    });
    document.body.append(dialog);
  }
  dialog.className = ["confirm", kind].filter(Boolean).join(" ");
  const returnTo = document.activeElement;
  return new Promise((resolve) => {
    const yes = h("button", { type: "submit", value: "yes", class: danger ? "danger" : "primary", text: confirm });
    const no = h("button", { type: "submit", value: "no", text: "Cancel" });
    replaceChildren(
      dialog,
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "confirm-title", class: "h-small", text: title }),
        h("p", { id: "confirm-message", text: message }),
        body,
        h("div", { class: "form-buttons" }, yes, no),
      ),
    );
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        resolve(dialog.returnValue === "yes");
        if (returnTo?.isConnected) returnTo.focus({ preventScroll: true });
      },
      { once: true },
    );
    dialog.showModal();
    no.focus();
  });
}
