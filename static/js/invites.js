// Invite links for facilitators: the member link (data-invite-url), observer links, and the list
// of links with revoking. Contract §3: GET/POST /api/w/<id>/invites, DELETE …/invites/<token>.

import { h, replaceChildren } from "./dom.js";
import { ROLE_LABELS, formatDateTime } from "./format.js";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function api(url, { method = "GET", body } = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...(method !== "GET" ? { "X-CSRFToken": csrfToken() } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    // not JSON
  }
  if (!response.ok) {
    const message =
      (data && data.message) ||
      (response.status === 403 ? "Only facilitators manage invite links." : `The server answered ${response.status}.`);
    throw new Error(message);
  }
  return data;
}

const STATE_LABELS = { valid: "works", expired: "expired", used_up: "used up" };

export class InvitePanel {
  constructor(container, { workshopId, memberUrl, say, notify }) {
    this.container = container;
    this.base = `/api/w/${encodeURIComponent(workshopId)}/invites`;
    this.memberUrl = memberUrl || "";
    this.observer = null; // the observer link made in this page
    this.list = null; // null until asked for
    this.listOpen = false;
    this.busy = false;
    this.say = say;
    this.notify = notify;
    this.container.addEventListener("click", (event) => this.click(event));
    this.render();
  }

  async click(event) {
    const button = event.target.closest("button[data-invite-action]");
    if (!button || this.busy) return;
    const action = button.dataset.inviteAction;
    try {
      if (action === "copy") await this.copy(button);
      else if (action === "member") await this.create("member");
      else if (action === "observer") await this.create("observer");
      else if (action === "list") await this.toggleList();
      else if (action === "revoke") await this.revoke(button.dataset.token);
    } catch (error) {
      this.notify(error.message || "That did not work.");
    }
  }

  async copy(button) {
    const input = this.container.querySelector(`#${button.getAttribute("aria-controls")}`);
    const text = input.value;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard API (an insecure context): select it so the person can copy it themselves.
      input.focus();
      input.select();
      if (!document.execCommand || !document.execCommand("copy")) {
        this.say("The link is selected: copy it with your keyboard or menu.");
        return;
      }
    }
    const label = button.textContent;
    button.textContent = "Copied";
    this.say("Link copied to the clipboard.");
    setTimeout(() => {
      button.textContent = label;
    }, 2000);
  }

  async create(role) {
    this.busy = true;
    try {
      const invite = await api(this.base, { method: "POST", body: { role } });
      if (role === "member") this.memberUrl = invite.url;
      else this.observer = invite;
      if (this.list) this.list = [invite, ...this.list];
      this.say(role === "member" ? "New member link made." : "Observer link made.");
    } finally {
      this.busy = false;
      this.render(role === "member" ? "invite:copy-member" : "invite:copy-observer");
    }
  }

  async toggleList() {
    this.listOpen = !this.listOpen;
    if (this.listOpen) {
      this.busy = true;
      try {
        this.list = await api(this.base);
      } finally {
        this.busy = false;
      }
    }
    this.render("invite:list");
  }

  async revoke(token) {
    const invite = (this.list || []).find((entry) => entry.token === token);
    this.busy = true;
    try {
      await api(`${this.base}/${encodeURIComponent(token)}`, { method: "DELETE" });
      this.list = (this.list || []).filter((entry) => entry.token !== token);
      if (invite && invite.url === this.memberUrl) {
        // The shown member link stops working: offer the newest that still works, if any.
        const next = this.list.find((entry) => entry.role === "member" && entry.state === "valid");
        this.memberUrl = next ? next.url : "";
      }
      if (invite && this.observer && invite.token === this.observer.token) this.observer = null;
      this.say("Link revoked: it no longer lets anyone in.");
    } finally {
      this.busy = false;
      this.render("invite:list");
    }
  }

  render(focusKey = null) {
    const parts = [h("h3", { class: "tool-title", text: "Invite people" })];
    if (this.memberUrl) {
      parts.push(linkRow("invite-member-url", "Member link: joins as a member", this.memberUrl, "invite:copy-member"));
    } else {
      parts.push(
        h("p", { class: "muted", text: "No member link works right now." }),
        h("button", { type: "button", class: "small", dataset: { inviteAction: "member", focus: "invite:member" }, text: "Make a member link" }),
      );
    }
    if (this.observer) {
      parts.push(linkRow("invite-observer-url", "Observer link: can watch, not change", this.observer.url, "invite:copy-observer"));
    } else {
      parts.push(h("button", { type: "button", class: "small", dataset: { inviteAction: "observer", focus: "invite:observer" }, text: "Make an observer link" }));
    }
    parts.push(
      h(
        "button",
        {
          type: "button",
          class: "link",
          "aria-expanded": this.listOpen ? "true" : "false",
          "aria-controls": "invite-list",
          dataset: { inviteAction: "list", focus: "invite:list" },
          text: this.listOpen ? "Hide all links" : "Show all links",
        },
      ),
    );
    if (this.listOpen) {
      const list = this.list || [];
      parts.push(
        list.length
          ? h(
              "ul",
              { id: "invite-list", class: "invite-list" },
              list.map((invite) =>
                h(
                  "li",
                  null,
                  h(
                    "span",
                    null,
                    `${ROLE_LABELS[invite.role] || invite.role} link · ${STATE_LABELS[invite.state] || invite.state} · used ${invite.uses}${invite.max_uses ? ` of ${invite.max_uses}` : ""} times`,
                    invite.expires_at ? ` · expires ${formatDateTime(invite.expires_at)}` : "",
                  ),
                  h("button", {
                    type: "button",
                    class: "small danger-text",
                    "aria-label": `Revoke the ${invite.role} link made ${formatDateTime(invite.created_at)}`,
                    dataset: { inviteAction: "revoke", token: invite.token, focus: `invite:revoke:${invite.token}`, focusFallback: "invite:list" },
                    text: "Revoke",
                  }),
                ),
              ),
            )
          : h("p", { id: "invite-list", class: "muted", text: "No links: make one above." }),
      );
    }
    const active = document.activeElement;
    const hadFocus = active && this.container.contains(active) ? active.dataset.focus || active.dataset.focusFallback : null;
    replaceChildren(this.container, parts);
    const key = focusKey || hadFocus;
    if (key && (hadFocus || focusKey)) {
      const target = this.container.querySelector(`[data-focus="${key}"]`) || this.container.querySelector('[data-focus="invite:list"]');
      if (target) target.focus({ preventScroll: true });
    }
  }
}

function linkRow(id, label, url, focus) {
  return h(
    "div",
    { class: "invite-link" },
    h("label", { for: id, text: label }),
    h(
      "div",
      { class: "copy-row" },
      h("input", { id, type: "text", readonly: true, value: url, dataset: { focus: `${focus}:input` } }),
      h("button", { type: "button", class: "small", "aria-controls": id, dataset: { inviteAction: "copy", focus }, text: "Copy" }),
    ),
  );
}
