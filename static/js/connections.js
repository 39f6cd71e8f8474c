// The connections page (workshop/connections.py): chat rooms and webhooks, through their JSON API
// (protocol §9). Lists are drawn from the API's answers; a refusal is said beside the field it
// names (`detail.field`), and nothing is kept that the server did not keep.

import { api } from "./api.js";
import { h, replaceChildren } from "./dom.js";

const root = document.querySelector(".connections");
const workshop = encodeURIComponent(root.dataset.workshopId);
const base = `/api/w/${workshop}`;
const status = document.querySelector("[data-status]");

const KINDS = { slack: "Slack", mattermost: "Mattermost", teams: "Microsoft Teams", discord: "Discord" };
const SUBJECTS = { agreed: "plan agreed", blocked: "item blocked", checkin: "check-in", step: "agenda step" };
const STATES = { pending: "Pending", delivered: "Delivered", failed: "Failed" };
const ABOUT = { ...SUBJECTS, test: "test message" };
// After "Send a test", the room's line is read again this long after (ms): most posts arrive in the first.
const RECHECK_AFTER = [1500, 6000];

function say(text) {
  status.textContent = text;
}

function when(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  return moment.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

async function act(control, run, done) {
  control.disabled = true;
  try {
    const result = await run();
    if (done) say(done);
    return result;
  } catch (error) {
    say(error.message);
    return undefined;
  } finally {
    control.disabled = false;
  }
}

function showErrors(form, error) {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
  const field = error?.detail?.field;
  const slot = field ? form.querySelector(`[data-error-for="${CSS.escape(field)}"]`) : null;
  if (slot) {
    slot.textContent = error.message;
    form.elements[field]?.focus?.();
    form.elements[field]?.setAttribute?.("aria-invalid", "true");
  } else if (error) {
    say(error.message);
  }
}

// POSTs a form's body: the answer, with the form cleared; or undefined, the refusal said beside
// the field it names.
async function submit(form, url, body) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const made = await api(url, { method: "POST", body });
    showErrors(form, null);
    form.reset();
    return made;
  } catch (error) {
    showErrors(form, error);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

// ---- chat rooms -------------------------------------------------------------------------------

// Whether the room's last post reached the channel: the one thing a facilitator checks here.
function postLine(posts) {
  if (!posts.length) return "Nothing posted yet.";
  const last = posts[0];
  const what = ABOUT[last.about] || last.about;
  const answer = last.last_status_code ? ` (the service answered ${last.last_status_code})` : " (no answer)";
  if (last.status === "delivered") return `Last post, ${what}: delivered ${when(last.delivered_at)}.`;
  if (last.status === "failed") return `Last post, ${what}: failed after ${last.attempts} tries${answer}.`;
  if (!last.attempts) return `Last post, ${what}: on its way.`;
  return `Last post, ${what}: not delivered yet${answer}; next try ${when(last.next_attempt_at)}.`;
}

async function loadPosts(room, line) {
  try {
    const { posts } = await api(`${base}/chat/${room.id}/posts`);
    line.textContent = postLine(posts);
    line.dataset.postStatus = posts[0]?.status || "none";
  } catch {
    line.textContent = "";
  }
}

function chatItem(room) {
  const test = h("button", { type: "button", class: "small", text: "Send a test" });
  const remove = h("button", { type: "button", class: "small", text: "Remove" });
  const line = h("p", { class: "muted connection-posts", "aria-live": "polite" });
  loadPosts(room, line);
  test.addEventListener("click", async () => {
    await act(test, () => api(`${base}/chat/${room.id}/test`, { method: "POST", body: {} }), "Test message queued.");
    for (const delay of RECHECK_AFTER) setTimeout(() => loadPosts(room, line), delay);
  });
  remove.addEventListener("click", async () => {
    if (!window.confirm(`Stop posting to this ${KINDS[room.kind] || room.kind} room?`)) return;
    await act(remove, () => api(`${base}/chat/${room.id}`, { method: "DELETE" }), "Chat room removed.");
    loadChat();
  });
  return h(
    "li",
    { class: "connection", dataset: { chat: room.id } },
    h(
      "div",
      { class: "connection-head" },
      h("strong", { text: KINDS[room.kind] || room.kind }),
      h("span", { class: "connection-url", text: room.url_hint }),
    ),
    h("p", {
      class: "muted connection-events-line",
      text: `Posts: ${room.events.map((e) => SUBJECTS[e] || e).join(", ")}`,
    }),
    line,
    h("div", { class: "connection-actions" }, test, remove),
  );
}

async function loadChat() {
  const list = document.querySelector("[data-chat-list]");
  try {
    const { chat } = await api(`${base}/chat`);
    replaceChildren(list, chat.length ? chat.map(chatItem) : h("li", { class: "muted", text: "No chat room yet." }));
  } catch (error) {
    replaceChildren(list, h("li", { class: "errors", text: error.message }));
  }
}

const chatForm = document.querySelector("[data-chat-form]");
chatForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    kind: chatForm.elements.kind.value,
    url: chatForm.elements.url.value.trim(),
    events: [...chatForm.querySelectorAll("input[name=events]:checked")].map((box) => box.value),
  };
  if (await submit(chatForm, `${base}/chat`, body)) {
    say("Chat room added.");
    loadChat();
  }
});

// ---- webhooks ---------------------------------------------------------------------------------

function deliveryRow(hook, delivery, refresh) {
  const retry =
    delivery.status === "delivered" ? null : h("button", { type: "button", class: "small", text: "Retry now" });
  retry?.addEventListener("click", async () => {
    await act(
      retry,
      () =>
        api(`${base}/webhooks/${hook.id}/deliveries/${encodeURIComponent(delivery.id)}/retry`, {
          method: "POST",
          body: {},
        }),
      "Sending again.",
    );
    refresh();
  });
  const next =
    delivery.status === "pending" && delivery.next_attempt_at ? `next try ${when(delivery.next_attempt_at)}` : "";
  return h(
    "tr",
    { dataset: { delivery: delivery.id, status: delivery.status } },
    h("td", {}, h("code", { text: delivery.type })),
    h("td", { class: "num", text: delivery.seq ?? "" }),
    h(
      "td",
      {},
      h("span", {
        class: `delivery-state delivery-${delivery.status}`,
        text: STATES[delivery.status] || delivery.status,
      }),
    ),
    h("td", { class: "num", text: delivery.attempts }),
    h("td", { class: "num", text: delivery.last_status_code ?? "—" }),
    h("td", { class: "muted", text: next }),
    h("td", {}, retry),
  );
}

function deliveriesBox(hook) {
  const body = h("div", { class: "deliveries-body" }, h("p", { class: "muted", text: "Loading…" }));
  const box = h("details", { class: "deliveries" }, h("summary", { text: "Recent deliveries" }), body);
  async function refresh() {
    try {
      const { deliveries } = await api(`${base}/webhooks/${hook.id}/deliveries`);
      if (!deliveries.length) {
        replaceChildren(body, h("p", { class: "muted", text: "Nothing sent yet. Send a test to try it." }));
        return;
      }
      const table = h(
        "table",
        { class: "deliveries-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Event", "Seq", "Status", "Tries", "Answer"].map((title) => h("th", { scope: "col", text: title })),
            // Headed for screen readers only: what the last two columns hold needs no words on screen.
            ["Next try", "Actions"].map((title) =>
              h("th", { scope: "col" }, h("span", { class: "sr-only", text: title })),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          deliveries.map((delivery) => deliveryRow(hook, delivery, refresh)),
        ),
      );
      const again = h("button", { type: "button", class: "small", text: "Refresh" });
      again.addEventListener("click", refresh);
      replaceChildren(body, h("div", { class: "table-scroll" }, table), again);
    } catch (error) {
      replaceChildren(body, h("p", { class: "errors", text: error.message }));
    }
  }
  box.addEventListener("toggle", () => box.open && refresh());
  box.refresh = refresh;
  return box;
}

function webhookItem(hook) {
  const test = h("button", { type: "button", class: "small", text: "Send a test" });
  const remove = h("button", { type: "button", class: "small", text: "Remove" });
  const deliveries = deliveriesBox(hook);
  test.addEventListener("click", async () => {
    await act(test, () => api(`${base}/webhooks/${hook.id}/test`, { method: "POST", body: {} }), "Test ping queued.");
    deliveries.open = true;
    setTimeout(() => deliveries.refresh(), 1500);
  });
  remove.addEventListener("click", async () => {
    if (!window.confirm("Remove this webhook? Nothing more is sent to it.")) return;
    await act(remove, () => api(`${base}/webhooks/${hook.id}`, { method: "DELETE" }), "Webhook removed.");
    loadWebhooks();
  });
  const events = hook.events.includes("*") ? "every event" : hook.events.join(", ");
  return h(
    "li",
    { class: "connection", dataset: { webhook: hook.id, active: hook.active } },
    h(
      "div",
      { class: "connection-head" },
      h("span", { class: "connection-url", text: hook.url }),
      hook.active
        ? null
        : h("span", {
            class: "badge danger-text",
            text: `Turned off ${when(hook.deactivated_at)}: every delivery failed for a day`,
          }),
    ),
    hook.description ? h("p", { class: "connection-description", text: hook.description }) : null,
    h("p", { class: "muted connection-events-line", text: `Sends: ${events}` }),
    h("div", { class: "connection-actions" }, test, remove),
    deliveries,
  );
}

async function loadWebhooks() {
  const list = document.querySelector("[data-webhook-list]");
  try {
    const { webhooks } = await api(`${base}/webhooks`);
    replaceChildren(
      list,
      webhooks.length ? webhooks.map(webhookItem) : h("li", { class: "muted", text: "No webhook yet." }),
    );
  } catch (error) {
    replaceChildren(list, h("li", { class: "errors", text: error.message }));
  }
}

const webhookForm = document.querySelector("[data-webhook-form]");
const names = webhookForm.querySelector("[data-event-names]");
for (const radio of webhookForm.querySelectorAll("input[name=which]")) {
  radio.addEventListener("change", () => {
    names.hidden = webhookForm.elements.which.value !== "some";
  });
}

const secretBox = document.querySelector("[data-secret]");
const secretValue = secretBox.querySelector("[data-secret-value]");
secretBox.querySelector("[data-copy-secret]").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(secretValue.value);
    say("Secret copied.");
  } catch {
    secretValue.select();
    say("Select the secret and copy it.");
  }
});
secretBox.querySelector("[data-secret-done]").addEventListener("click", () => {
  secretValue.value = "";
  secretBox.hidden = true;
});

webhookForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const some = webhookForm.elements.which.value === "some";
  const body = {
    url: webhookForm.elements.url.value.trim(),
    events: some ? [...names.querySelectorAll("input:checked")].map((box) => box.value) : ["*"],
  };
  const description = webhookForm.elements.description.value.trim();
  if (description) body.description = description;
  const made = await submit(webhookForm, `${base}/webhooks`, body);
  if (made) {
    names.hidden = true;
    secretValue.value = made.secret;
    secretBox.hidden = false;
    secretValue.focus();
    say("Webhook added. Copy its secret now.");
    loadWebhooks();
  }
});

loadChat();
loadWebhooks();
