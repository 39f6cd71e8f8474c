// Things the board says to the person using it: dismissible notices (what went wrong and why),
// the connection banner, and a confirmation dialog for what cannot be undone.

import { h, replaceChildren } from "./dom.js";

// Notices sit at the bottom of the screen, one at a time: never over the phase bar or the goal,
// and moved to the top when they would cover the card being acted on. The newest shows; the rest
// wait behind it ("2 more"). Information stays as long as it takes to read, and while the pointer
// or focus is on it; a problem stays until dismissed.
const READ_MS_PER_CHAR = 70;
const READ_MS_MIN = 6000;
const READ_MS_MAX = 20000;

export class Notices {
  constructor(container) {
    this.container = container;
    this.waiting = []; // older notices, newest first, each {node, timeout, near}
    this.current = null;
    this.timer = null;
    this.container.addEventListener("click", (event) => {
      if (event.target.closest("[data-notice-next]")) {
        this.advance({ focus: true });
        return;
      }
      if (event.target.closest("[data-dismiss]")) this.advance({ focus: true, drop: true });
    });
    this.container.addEventListener("pointerleave", () => this.restartIfExpired());
    this.container.addEventListener("focusout", () => this.restartIfExpired());
    window.addEventListener("resize", () => this.place());
  }

  // `timeout` (ms): information that needs no answer goes away by itself, after at least this long
  // and long enough to read. `near`: the element acted on, which the notice must not cover.
  show(message, { kind = "error", key = null, timeout = 0, near = null } = {}) {
    if (key) this.dismiss(key);
    this.forget((entry) => entry.node.dataset.message === message);
    const node = h(
      "div",
      { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status", dataset: { message, key } },
      h("span", { class: "notice-icon", "aria-hidden": "true", text: kind === "error" ? "!" : "i" }),
      h(
        "p",
        { class: "notice-text" },
        h("span", { class: "sr-only", text: kind === "error" ? "Problem: " : "Note: " }),
        message,
      ),
      h("span", { class: "notice-buttons" }),
    );
    const readable = Math.min(Math.max(READ_MS_MIN, message.length * READ_MS_PER_CHAR), READ_MS_MAX);
    const entry = { node, timeout: timeout ? Math.max(timeout, readable) : 0, near };
    if (this.current) this.waiting.unshift(this.current);
    this.display(entry);
    return node;
  }

  dismiss(key) {
    this.forget((entry) => entry.node.dataset.key === key);
  }

  forget(matches) {
    this.waiting = this.waiting.filter((entry) => !matches(entry));
    if (this.current && matches(this.current)) this.advance({ drop: true });
  }

  display(entry) {
    clearTimeout(this.timer);
    this.current = entry;
    entry.shownAt = Date.now();
    this.drawButtons();
    this.container.replaceChildren(entry.node);
    this.place();
    if (entry.timeout) this.timer = setTimeout(() => this.expire(entry), entry.timeout);
  }

  // The count of what waits behind the one shown, and its buttons.
  drawButtons() {
    if (!this.current) return;
    const more = this.waiting.length;
    replaceChildren(
      this.current.node.querySelector(".notice-buttons"),
      more
        ? h("button", {
            type: "button",
            class: "notice-more small",
            dataset: { noticeNext: "" },
            "aria-label": `${more} more ${more === 1 ? "message" : "messages"}: show the next`,
            text: `${more} more`,
          })
        : null,
      h(
        "button",
        { type: "button", class: "notice-close", "aria-label": "Dismiss this message", dataset: { dismiss: "" } },
        h("span", { "aria-hidden": "true", text: "×" }),
      ),
    );
  }

  expire(entry) {
    if (this.current !== entry) return;
    // Kept while someone is reading it with the pointer or the keyboard on it.
    if (this.container.matches(":hover, :focus-within")) {
      entry.expired = true;
      return;
    }
    this.advance({ drop: true });
  }

  restartIfExpired() {
    const entry = this.current;
    if (entry?.expired) {
      entry.expired = false;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.expire(entry), 1500);
    }
  }

  // Show the next waiting notice; `drop` forgets the current one, else it goes to the back.
  advance({ focus = false, drop = false } = {}) {
    const had = this.current;
    if (had && !drop) this.waiting.push(had);
    const next = this.waiting.shift() || null;
    clearTimeout(this.timer);
    this.current = null;
    if (next) this.display(next);
    else this.container.replaceChildren();
    if (!focus) return;
    const target = next ? next.node.querySelector("[data-dismiss]") : document.getElementById("main");
    if (target) target.focus({ preventScroll: true });
  }

  // At the bottom, above a sheet pinned there (the confidence prompt); at the top, under the
  // sticky bars, when the card acted on would be covered.
  place() {
    const box = this.container.parentElement?.classList.contains("board-messages")
      ? this.container.parentElement
      : this.container;
    box.classList.remove("at-top");
    box.style.removeProperty("--notices-bottom");
    box.style.removeProperty("--notices-top");
    if (!this.current) return;
    const prompt = document.querySelector(".confidence-prompt:not([hidden])");
    if (prompt) {
      const top = prompt.getBoundingClientRect().top;
      if (top < window.innerHeight) box.style.setProperty("--notices-bottom", `${window.innerHeight - top + 8}px`);
    }
    const near = this.current.near?.isConnected ? this.current.near.getBoundingClientRect() : null;
    const mine = box.getBoundingClientRect();
    if (near && near.bottom > mine.top && near.top < mine.bottom) {
      const bars = document.querySelector(".board-top")?.getBoundingClientRect();
      box.classList.add("at-top");
      box.style.setProperty("--notices-top", `${Math.max(bars ? bars.bottom : 0, 0) + 8}px`);
    }
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
// `blocked`: why it cannot be done yet (the confirm button is off, and this says why); a button in
// `body` with data-close-with="<value>" closes the dialog, which then resolves to that value.
export function confirmDialog({
  title,
  message,
  confirm = "Delete",
  danger = true,
  body = null,
  kind = null,
  blocked = null,
}) {
  if (!dialog) {
    dialog = h("dialog", {
      class: "confirm",
      "aria-labelledby": "confirm-title",
      "aria-describedby": "confirm-message",
    });
    dialog.addEventListener("click", (event) => {
      const closer = event.target.closest("[data-close-with]");
      if (closer) dialog.close(closer.dataset.closeWith);
    });
    document.body.append(dialog);
  }
  dialog.className = ["confirm", kind].filter(Boolean).join(" ");
  const returnTo = document.activeElement;
  return new Promise((resolve) => {
    const yes = h("button", {
      type: "submit",
      value: "yes",
      class: danger ? "danger" : "primary",
      disabled: Boolean(blocked),
      "aria-describedby": blocked ? "confirm-blocked" : null,
      text: confirm,
    });
    const no = h("button", { type: "submit", value: "no", text: "Cancel" });
    replaceChildren(
      dialog,
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "confirm-title", class: "h-small", text: title }),
        h("p", { id: "confirm-message", text: message }),
        body,
        blocked ? h("p", { id: "confirm-blocked", class: "confirm-blocked", role: "status", text: blocked }) : null,
        h("div", { class: "form-buttons" }, yes, no),
      ),
    );
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        const value = dialog.returnValue;
        resolve(value === "yes" ? true : value && value !== "no" ? value : false);
        if (value && value !== "yes" && value !== "no") return; // the caller takes focus where it leads
        if (returnTo?.isConnected) returnTo.focus({ preventScroll: true });
      },
      { once: true },
    );
    dialog.showModal();
    no.focus();
  });
}
