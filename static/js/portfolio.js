// The portfolio page (clients/views.py): sizes each plan's progress bar, and manages clients
// through the JSON API (protocol §8): create a client, add or remove colleagues, move a workshop
// the user leads to a client. After a change the page is loaded again: the server draws it.

import { api } from "./api.js";

const status = document.querySelector("[data-portfolio-status]");

for (const segment of document.querySelectorAll(".portfolio-plan .progress-seg[data-share]")) {
  // Through the CSSOM, which the Content-Security-Policy allows (no inline style attributes).
  segment.style.setProperty("flex-grow", segment.dataset.share);
}

function call(method, url, body) {
  return api(url, { method, body });
}

async function act(control, run) {
  control.disabled = true;
  status.textContent = "Saving…";
  try {
    await run();
    window.location.reload();
  } catch (error) {
    status.textContent = error.message;
    control.disabled = false;
  }
}

document.querySelector("[data-create-client]")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  act(form.querySelector("button"), () => call("POST", "/api/clients", { name: form.elements.name.value }));
});

for (const form of document.querySelectorAll("[data-add-colleague]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = `/api/clients/${encodeURIComponent(form.dataset.addColleague)}/colleagues`;
    act(form.querySelector("button"), () => call("POST", url, { username: form.elements.username.value.trim() }));
  });
}

for (const button of document.querySelectorAll("[data-remove-colleague]")) {
  button.addEventListener("click", () => {
    const client = encodeURIComponent(button.dataset.clientId);
    const username = encodeURIComponent(button.dataset.removeColleague);
    act(button, () => call("DELETE", `/api/clients/${client}/colleagues/${username}`));
  });
}

for (const select of document.querySelectorAll("[data-move-workshop]")) {
  select.addEventListener("change", () => {
    const url = `/api/w/${encodeURIComponent(select.dataset.moveWorkshop)}/client`;
    const client = select.value === "" ? null : Number(select.value);
    act(select, () => call("PUT", url, { client }));
  });
}
