// The template library (/templates/) and its editor (/templates/new/, /templates/<id>/edit/).
// The editor keeps the template in the form itself and sends it whole to the API; a 400 names
// every bad field by its path (agenda[2].minutes), and each message is shown beside its input.
import { api } from "./api.js";

const BLANK = {
  name: "",
  description: "",
  client: null,
  lanes: ["Now", "Next", "Later"],
  votes_per_member: 5,
  goal_prompts: { why: "", criteria: [] },
  agenda: [],
  planning: { estimates: false, capacity_hours: null, private_gather: false },
};
const NAME_MAX = 80;

// --- the library --------------------------------------------------------------------------------

export function copyName(name) {
  const suffix = " (copy)";
  return name.length + suffix.length > NAME_MAX ? `${name.slice(0, NAME_MAX - suffix.length)}${suffix}` : name + suffix;
}

function library(list) {
  const status = document.querySelector("[data-library-status]");
  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const card = button.closest("[data-template-id]");
    const id = card.dataset.templateId;
    const name = card.dataset.templateName;
    button.disabled = true;
    try {
      if (button.dataset.action === "copy") {
        const template = await api(`/api/templates/${encodeURIComponent(id)}`);
        const copy = await api("/api/templates", { method: "POST", body: { ...template, name: copyName(name) } });
        window.location.assign(`/templates/${encodeURIComponent(copy.id)}/edit/`);
        return;
      }
      if (button.dataset.action === "delete") {
        if (!window.confirm(`Delete the template “${name}”? Workshops started from it keep their lanes and agenda.`)) {
          return;
        }
        await api(`/api/templates/${encodeURIComponent(id)}`, { method: "DELETE" });
        card.remove();
        status.textContent = `Deleted “${name}”.`;
      }
    } catch (error) {
      status.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
}

// --- the editor ---------------------------------------------------------------------------------

function rowOf(form, list, value) {
  const row = document.getElementById(`row-${list}`).content.firstElementChild.cloneNode(true);
  if (list === "agenda") {
    row.querySelector('[data-step="title"]').value = value.title || "";
    row.querySelector('[data-step="phase"]').value = value.phase || "gather";
    row.querySelector('[data-step="minutes"]').value = value.minutes ?? "";
    row.querySelector('[data-step="instructions"]').value = value.instructions || "";
  } else {
    row.querySelector("[data-field]").value = value;
  }
  form.querySelector(`[data-list="${list}"]`).append(row);
  return row;
}

// Ids, labels and names follow the rows' order: "Lane 2", "Step 3: title".
function renumber(form) {
  for (const list of ["lanes", "criteria", "agenda"]) {
    const rows = [...form.querySelector(`[data-list="${list}"]`).children];
    rows.forEach((row, index) => {
      const label = row.querySelector("[data-label]");
      if (list === "agenda") {
        label.textContent = `Step ${index + 1}`;
        for (const input of row.querySelectorAll("[data-step]")) {
          input.id = `agenda-${index}-${input.dataset.step}`;
          row.querySelector(`[data-for="${input.dataset.step}"]`).htmlFor = input.id;
        }
      } else {
        const input = row.querySelector("[data-field]");
        input.id = `${list}-${index}`;
        label.htmlFor = input.id;
        label.textContent = `${list === "lanes" ? "Lane" : "Criteria prompt"} ${index + 1}`;
      }
      row.querySelector('[data-move="-1"]').disabled = index === 0;
      row.querySelector('[data-move="1"]').disabled = index === rows.length - 1;
    });
  }
  const minutes = [...form.querySelectorAll('[data-step="minutes"]')].reduce(
    (sum, input) => sum + (Number.parseInt(input.value, 10) || 0),
    0,
  );
  form.querySelector("[data-agenda-total]").textContent = minutes ? `In all: ${minutes} minutes.` : "";
}

function fill(form, template) {
  const byPath = (path) => form.querySelector(`[data-path="${path}"]`);
  byPath("name").value = template.name;
  byPath("description").value = template.description;
  if (byPath("client")) byPath("client").value = template.client ?? "";
  byPath("votes_per_member").value = template.votes_per_member;
  byPath("goal_prompts.why").value = template.goal_prompts.why;
  byPath("planning.estimates").checked = template.planning.estimates;
  byPath("planning.capacity_hours").value = template.planning.capacity_hours ?? "";
  byPath("planning.private_gather").checked = template.planning.private_gather;
  for (const lane of template.lanes) rowOf(form, "lanes", lane);
  for (const prompt of template.goal_prompts.criteria) rowOf(form, "criteria", prompt);
  for (const step of template.agenda) rowOf(form, "agenda", step);
  renumber(form);
}

// A number field as JSON: empty is null, anything else is sent as typed for the server to judge.
function number(value) {
  if (value.trim() === "") return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : value;
}

function collect(form) {
  const byPath = (path) => form.querySelector(`[data-path="${path}"]`);
  const values = (list) => [...form.querySelectorAll(`[data-list="${list}"] [data-field]`)].map((input) => input.value);
  const client = byPath("client");
  return {
    name: byPath("name").value,
    description: byPath("description").value,
    client: client?.value ? Number(client.value) : null,
    lanes: values("lanes"),
    votes_per_member: number(byPath("votes_per_member").value) ?? 5,
    goal_prompts: { why: byPath("goal_prompts.why").value, criteria: values("criteria") },
    agenda: [...form.querySelector('[data-list="agenda"]').children].map((row) => ({
      title: row.querySelector('[data-step="title"]').value,
      phase: row.querySelector('[data-step="phase"]').value,
      minutes: number(row.querySelector('[data-step="minutes"]').value),
      instructions: row.querySelector('[data-step="instructions"]').value,
    })),
    planning: {
      estimates: byPath("planning.estimates").checked,
      capacity_hours: number(byPath("planning.capacity_hours").value),
      private_gather: byPath("planning.private_gather").checked,
    },
  };
}

// The input a bad field's path names, or the list it belongs to.
function target(form, path) {
  const direct = form.querySelector(`[data-path="${path}"], [data-error-for="${path}"]`);
  if (direct) return direct;
  let match = path.match(/^(lanes|goal_prompts\.criteria)\[(\d+)\]$/);
  if (match) {
    const list = match[1] === "lanes" ? "lanes" : "criteria";
    return form.querySelectorAll(`[data-list="${list}"] [data-field]`)[Number(match[2])] || null;
  }
  match = path.match(/^agenda\[(\d+)\](?:\.(\w+))?$/);
  if (match) {
    const row = form.querySelector('[data-list="agenda"]').children[Number(match[1])];
    if (!row) return null;
    return row.querySelector(`[data-step="${match[2]}"]`) || row.querySelector("legend");
  }
  return null;
}

function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll("[aria-invalid]")) {
    node.removeAttribute("aria-invalid");
    const described = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.startsWith("err-"));
    if (described.length) node.setAttribute("aria-describedby", described.join(" "));
    else node.removeAttribute("aria-describedby");
  }
  for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
  const summary = form.querySelector("[data-summary]");
  summary.hidden = true;
  summary.textContent = "";
}

function showErrors(form, error) {
  const fields = error.detail.fields || (error.detail.field ? { [error.detail.field]: error.message } : {});
  const summary = form.querySelector("[data-summary]");
  const unplaced = [];
  let first = null;
  Object.entries(fields).forEach(([path, message], index) => {
    const node = target(form, path);
    if (!node) {
      unplaced.push(message);
      return;
    }
    if (node.dataset.errorFor !== undefined) {
      node.textContent = message;
      first ??= node.parentElement.querySelector("button[data-add]");
      return;
    }
    const note = document.createElement("p");
    note.className = "errors field-error";
    note.id = `err-${index}`;
    note.textContent = message;
    if (node.tagName === "LEGEND") {
      node.after(note);
      return;
    }
    node.setAttribute("aria-invalid", "true");
    node.setAttribute("aria-describedby", `${node.getAttribute("aria-describedby") || ""} ${note.id}`.trim());
    (node.closest(".editor-row") || node.closest(".field") || node).append(note);
    first ??= node;
  });
  const count = Object.keys(fields).length;
  summary.textContent = `${count === 1 ? "One field needs" : `${count} fields need`} a change before saving. ${unplaced.join(" ")}`;
  summary.hidden = false;
  (first || summary).focus?.();
}

function editor(form) {
  const data = JSON.parse(document.getElementById("template-data").textContent);
  fill(form, data || BLANK);
  const status = form.querySelector("[data-save-status]");
  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add]");
    if (add) {
      const list = add.dataset.add;
      const row = rowOf(form, list, list === "agenda" ? { phase: "gather", minutes: 10 } : "");
      renumber(form);
      row.querySelector("input").focus();
      return;
    }
    const row = event.target.closest(".editor-row, .agenda-row");
    if (!row) return;
    if (event.target.closest("[data-remove]")) {
      const next = row.nextElementSibling || row.previousElementSibling;
      const addButton = row.closest("fieldset.card, fieldset.agenda-editor")?.querySelector("[data-add]");
      row.remove();
      renumber(form);
      (next?.querySelector("input") || addButton)?.focus();
      return;
    }
    const move = event.target.closest("[data-move]");
    if (move) {
      const step = Number(move.dataset.move);
      const sibling = step < 0 ? row.previousElementSibling : row.nextElementSibling;
      if (!sibling) return;
      if (step < 0) sibling.before(row);
      else sibling.after(row);
      renumber(form);
      const again = row.querySelector(`[data-move="${step}"]`);
      (again.disabled ? row.querySelector(`[data-move="${-step}"]`) : again).focus();
    }
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches('[data-step="minutes"]')) renumber(form);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const id = form.dataset.templateId;
    status.textContent = "Saving…";
    try {
      const saved = await api(id ? `/api/templates/${encodeURIComponent(id)}` : "/api/templates", {
        method: id ? "PUT" : "POST",
        body: collect(form),
      });
      status.textContent = "Saved.";
      window.location.assign(`/templates/#t-${encodeURIComponent(saved.id)}`);
    } catch (error) {
      status.textContent = "";
      showErrors(form, error);
    }
  });
}

const list = document.querySelector(".template-list");
if (list) library(list);
const form = document.getElementById("template-form");
if (form) editor(form);
