// Invite links for facilitators: the member link (data-invite-url), observer links, and the list
// of links with revoking. Contract §3: GET/POST /api/w/<id>/invites, DELETE …/invites/<token>.

import { api as request } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { formatDateTime, ROLE_LABELS } from "./format.js";

const api = (url, options = {}) => request(url, { ...options, forbidden: "Only facilitators manage invite links." });

const STATE_LABELS = { valid: "works", expired: "expired", used_up: "used up" };

const EXPIRY_CHOICES = [
  ["", "Never expires"],
  ["1", "Expires in 1 hour"],
  ["24", "Expires in 1 day"],
  ["168", "Expires in 1 week"],
  ["720", "Expires in 30 days"],
];

// The QR code of an invite link, drawn by the server (GET /api/w/<id>/invites/<token>/qr.svg).
function tokenOf(url) {
  const match = /\/join\/([^/?#]+)/.exec(url || "");
  return match ? match[1] : null;
}

// The newest member link that still lets people in (the list is newest first), or undefined.
function workingMemberLink(list) {
  return list.find((entry) => entry.role === "member" && entry.state === "valid");
}

export class InvitePanel {
  constructor(container, { workshopId, memberUrl, say, notify }) {
    this.container = container;
    this.mode = "tool"; // "card": the empty board's first step; "tool": in the facilitator's tools
    this.made = null; // the last link made with the form
    this.base = `/api/w/${encodeURIComponent(workshopId)}/invites`;
    this.memberUrl = memberUrl || "";
    this.observer = null; // the observer link made in this page
    this.list = null; // null until asked for
    this.listOpen = false;
    this.busy = false;
    this.say = say;
    this.notify = notify;
    this.container.addEventListener("click", (event) => this.click(event));
    this.container.addEventListener("submit", (event) => {
      const form = event.target.closest("form[data-invite-form]");
      if (!form) return;
      event.preventDefault();
      this.make(form).catch((error) => this.notify(error.message || "That did not work."));
    });
    this.render();
    // Made after a promotion, the page carried no member link (data-invite-url is for those who
    // were facilitators when it loaded): ask for the one that works.
    if (!this.memberUrl) this.loadMemberLink();
  }

  async loadMemberLink() {
    this.loading = true;
    this.render();
    try {
      const list = await api(this.base);
      const current = workingMemberLink(list || []);
      if (current && !this.memberUrl) this.memberUrl = current.url;
    } catch (error) {
      this.notify(error.message || "Could not load the invite links.");
    } finally {
      this.loading = false;
      this.render();
    }
  }

  setMode(mode) {
    if (mode === this.mode) return;
    this.mode = mode;
    this.render();
  }

  qrUrl(url) {
    const token = tokenOf(url);
    return token ? `${this.base}/${encodeURIComponent(token)}/qr.svg` : null;
  }

  async make(form) {
    if (this.busy) return;
    const values = new FormData(form);
    const body = { role: values.get("role") || "member", expires_in_hours: null, max_uses: null };
    if (values.get("expires_in_hours")) body.expires_in_hours = Number(values.get("expires_in_hours"));
    const uses = String(values.get("max_uses") || "").trim();
    if (uses) {
      const count = Number(uses);
      if (!Number.isInteger(count) || count < 1 || count > 10000) {
        this.notify("A link can be limited to between 1 and 10,000 uses; leave it empty for no limit.");
        return;
      }
      body.max_uses = count;
    }
    this.busy = true;
    try {
      const invite = await api(this.base, { method: "POST", body });
      this.made = invite;
      if (this.list) this.list = [invite, ...this.list];
      this.say("Link made: copy it from the field below the form.");
    } finally {
      this.busy = false;
      this.render("invite:copy-made");
    }
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
      if (!document.execCommand?.("copy")) {
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
        const next = workingMemberLink(this.list);
        this.memberUrl = next ? next.url : "";
      }
      if (invite && this.observer && invite.token === this.observer.token) this.observer = null;
      this.say("Link revoked: it no longer lets anyone in.");
    } finally {
      this.busy = false;
      this.render("invite:list");
    }
  }

  limitedForm() {
    const id = (name) => `invite-${this.mode}-${name}`;
    return h(
      "details",
      { class: "invite-more" },
      h("summary", { text: "Make a link that expires or works a set number of times" }),
      h(
        "form",
        { class: "invite-form", dataset: { inviteForm: "" }, "aria-label": "Make an invite link" },
        h("label", { for: id("role"), text: "Joins as" }),
        h(
          "select",
          { id: id("role"), name: "role" },
          h("option", { value: "member", text: "Member" }),
          h("option", { value: "observer", text: "Observer" }),
        ),
        h("label", { for: id("expires"), text: "Expiry" }),
        h(
          "select",
          { id: id("expires"), name: "expires_in_hours" },
          EXPIRY_CHOICES.map(([value, text]) => h("option", { value, text })),
        ),
        h("label", { for: id("uses"), text: "Uses (empty: no limit)" }),
        h("input", { id: id("uses"), name: "max_uses", type: "number", min: "1", max: "10000", inputmode: "numeric" }),
        h("button", { type: "submit", class: "small", dataset: { focus: "invite:make" }, text: "Make the link" }),
      ),
    );
  }

  render(focusKey = null) {
    const card = this.mode === "card";
    const parts = card
      ? [
          h("h2", { class: "invite-heading", text: "Bring your team in" }),
          h("p", {
            class: "invite-lede",
            text:
              "Share this link, or let the people in the room scan the code. " +
              "Joining takes a name, no account. Then add the first items together.",
          }),
        ]
      : [h("h3", { class: "tool-title", text: "Invite people" })];
    if (this.memberUrl) {
      const qr = this.qrUrl(this.memberUrl);
      parts.push(
        h(
          "div",
          { class: "invite-main" },
          linkRow("invite-member-url", "Member link: joins as a member", this.memberUrl, "invite:copy-member"),
          qr
            ? h(
                "figure",
                { class: "invite-qr" },
                h("img", {
                  src: qr,
                  alt: "QR code of the member link",
                  width: card ? "176" : "128",
                  height: card ? "176" : "128",
                }),
              )
            : null,
        ),
      );
    } else if (this.loading) {
      parts.push(h("p", { class: "muted", text: "Looking for the member link…" }));
    } else {
      parts.push(
        h("p", { class: "muted", text: "No member link works right now." }),
        h("button", {
          type: "button",
          class: "small",
          dataset: { inviteAction: "member", focus: "invite:member" },
          text: "Make a member link",
        }),
      );
    }
    if (this.made) {
      parts.push(linkRow("invite-made-url", describeInvite(this.made), this.made.url, "invite:copy-made"));
    }
    parts.push(this.limitedForm());
    if (this.observer) {
      parts.push(
        linkRow(
          "invite-observer-url",
          "Observer link: can watch, not change",
          this.observer.url,
          "invite:copy-observer",
        ),
      );
    } else {
      parts.push(
        h("button", {
          type: "button",
          class: "small",
          dataset: { inviteAction: "observer", focus: "invite:observer" },
          text: "Make an observer link",
        }),
      );
    }
    parts.push(
      h("button", {
        type: "button",
        class: "link",
        "aria-expanded": this.listOpen ? "true" : "false",
        "aria-controls": "invite-list",
        dataset: { inviteAction: "list", focus: "invite:list" },
        text: this.listOpen ? "Hide all links" : "Show all links",
      }),
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
                    `${ROLE_LABELS[invite.role] || invite.role} link · ${STATE_LABELS[invite.state] || invite.state}`,
                    ` · used ${invite.uses}${invite.max_uses ? ` of ${invite.max_uses}` : ""} times`,
                    invite.expires_at ? ` · expires ${formatDateTime(invite.expires_at)}` : "",
                  ),
                  h("button", {
                    type: "button",
                    class: "small danger-text",
                    "aria-label": `Revoke the ${invite.role} link made ${formatDateTime(invite.created_at)}`,
                    dataset: {
                      inviteAction: "revoke",
                      token: invite.token,
                      focus: `invite:revoke:${invite.token}`,
                      focusFallback: "invite:list",
                    },
                    text: "Revoke",
                  }),
                ),
              ),
            )
          : h("p", { id: "invite-list", class: "muted", text: "No links: make one above." }),
      );
    }
    const active = document.activeElement;
    const hadFocus =
      active && this.container.contains(active) ? active.dataset.focus || active.dataset.focusFallback : null;
    replaceChildren(this.container, parts);
    const key = focusKey || hadFocus;
    if (key && (hadFocus || focusKey)) {
      const target =
        this.container.querySelector(`[data-focus="${key}"]`) ||
        this.container.querySelector('[data-focus="invite:list"]');
      if (target) target.focus({ preventScroll: true });
    }
  }
}

function describeInvite(invite) {
  const parts = [`New ${ROLE_LABELS[invite.role] || invite.role} link`];
  if (invite.expires_at) parts.push(`expires ${formatDateTime(invite.expires_at)}`);
  if (invite.max_uses) parts.push(`works ${invite.max_uses === 1 ? "once" : `${invite.max_uses} times`}`);
  return parts.join(" · ");
}

function linkRow(id, label, url, focus) {
  return h(
    "div",
    { class: "invite-link" },
    h("label", { for: id, text: label }),
    h(
      "div",
      { class: "copy-row" },
      h("input", {
        id,
        type: "text",
        class: "invite-input",
        readonly: true,
        value: url,
        dataset: { focus: `${focus}:input` },
      }),
      h("button", {
        type: "button",
        class: "small primary",
        "aria-controls": id,
        dataset: { inviteAction: "copy", action: "invite.copy", focus },
        text: "Copy",
      }),
    ),
  );
}
