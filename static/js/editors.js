// The board's forms: adding and editing items, renaming and adding lanes, the goal, the timer.
// Each is built once and kept as the same element while someone types in it (view.js `form`).

import { h, replaceChildren } from "./dom.js";
import { formatDate, quote } from "./format.js";
import { row } from "./widgets.js";

let formCounter = 0;
function fieldId(name) {
  formCounter += 1;
  return `f${formCounter}-${name}`;
}

function field(label, control, help) {
  const id = control.id || fieldId(control.name || "field");
  control.id = id;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id, text: label }),
    control,
    help ? h("p", { class: "help", text: help }) : null,
  );
}

function criterionSelect(criteria, selected, focus) {
  const select = h("select", { name: "criterion", dataset: { focus } });
  syncCriterionOptions(select, criteria, selected);
  return select;
}

export function syncCriterionOptions(select, criteria, selected) {
  if (!select) return;
  const value = selected === undefined ? select.value : selected === null ? "" : String(selected);
  const wanted = JSON.stringify(criteria);
  if (select.dataset.criteria === wanted) return;
  select.dataset.criteria = wanted;
  replaceChildren(
    select,
    h("option", { value: "", text: "No particular criterion" }),
    criteria.map((text, index) => h("option", { value: String(index), text: `${index + 1}. ${text}` })),
  );
  select.value = Number(value) < criteria.length ? value : "";
  select.closest(".field")?.toggleAttribute("hidden", criteria.length === 0);
}

export function addItemForm(lane, criteria) {
  const key = `add:${lane.id}`;
  const title = h("input", {
    name: "title",
    required: true,
    maxlength: "200",
    autocomplete: "off",
    dataset: { focus: `${key}:title` },
  });
  const form = h(
    "form",
    { class: "item-form", "aria-label": `New item in ${lane.title}`, dataset: { form: "item.add", lane: lane.id } },
    field("Title", title),
    h(
      "details",
      { class: "more-fields" },
      h("summary", { dataset: { focus: `${key}:more` }, text: "Notes, due date, success criterion" }),
      field(
        "Notes",
        h("textarea", { name: "notes", rows: "3", maxlength: "4000", dataset: { focus: `${key}:notes` } }),
      ),
      field("Due date", h("input", { name: "due", type: "date", dataset: { focus: `${key}:due` } })),
      field("Serves", criterionSelect(criteria, null, `${key}:criterion`)),
    ),
    h("p", { class: "form-error", role: "alert", hidden: true }),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary", dataset: { focus: `${key}:submit` }, text: "Add" }),
      h("button", {
        type: "button",
        dataset: { action: "item.add.close", lane: lane.id, focus: `${key}:close` },
        text: "Done",
      }),
    ),
  );
  return form;
}

export function editItemForm(item, criteria) {
  const key = `edit:${item.id}`;
  const form = h(
    "form",
    {
      class: "item-form editor",
      "aria-label": `Edit ${quote(item.title)}`,
      dataset: { form: "item.edit", item: item.id, version: item.version },
    },
    field(
      "Title",
      h("input", {
        name: "title",
        required: true,
        maxlength: "200",
        autocomplete: "off",
        value: item.title,
        dataset: { focus: `${key}:title` },
      }),
    ),
    field(
      "Notes",
      h("textarea", {
        name: "notes",
        rows: "3",
        maxlength: "4000",
        value: item.notes,
        dataset: { focus: `${key}:notes` },
      }),
    ),
    field(
      "Due date",
      h("input", { name: "due", type: "date", value: item.due || "", dataset: { focus: `${key}:due` } }),
    ),
    field("Serves", criterionSelect(criteria, item.criterion, `${key}:criterion`)),
    h("div", { class: "editor-status" }),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary", dataset: { focus: `${key}:save` }, text: "Save" }),
      h("button", {
        type: "button",
        dataset: { action: "item.edit.cancel", item: item.id, focus: `${key}:cancel` },
        text: "Cancel",
      }),
    ),
  );
  // What the fields held when editing began: only fields changed from these are sent.
  form.initial = {
    title: item.title,
    notes: item.notes,
    due: item.due || "",
    criterion: item.criterion === null ? "" : String(item.criterion),
  };
  return form;
}

export function updateEditorStatus(form, editor, state) {
  const box = form.querySelector(".editor-status");
  const parts = [];
  if (editor.error) parts.push(h("p", { class: "form-error", role: "alert", text: editor.error }));
  if (editor.conflict) {
    const theirs = editor.conflict;
    const criteria = state.workshop.success_criteria;
    parts.push(
      h(
        "div",
        { class: "conflict", role: "alert" },
        h("p", {
          class: "conflict-title",
          text: `${editor.conflictBy || "Someone"} changed this item while you were editing it. Their version:`,
        }),
        h(
          "dl",
          { class: "meta" },
          row("Title", h("dd", { text: theirs.title })),
          row("Notes", h("dd", { class: "notes", text: theirs.notes || "—" })),
          row("Due", h("dd", { text: theirs.due ? formatDate(theirs.due) : "—" })),
          criteria.length
            ? row(
                "Serves",
                h("dd", {
                  text:
                    theirs.criterion === null ? "—" : `${theirs.criterion + 1}. ${criteria[theirs.criterion] || ""}`,
                }),
              )
            : null,
        ),
        h(
          "div",
          { class: "form-buttons" },
          h("button", {
            type: "button",
            class: "primary",
            dataset: { action: "item.edit.overwrite", item: theirs.id, focus: `edit:${theirs.id}:overwrite` },
            text: "Save mine instead",
          }),
          h("button", {
            type: "button",
            dataset: { action: "item.edit.theirs", item: theirs.id, focus: `edit:${theirs.id}:theirs` },
            text: "Keep theirs",
          }),
        ),
      ),
    );
  }
  replaceChildren(box, parts);
  // With a conflict on screen, its two choices replace the plain Save.
  const save = form.querySelector(".form-buttons > button[type=submit]");
  save.hidden = Boolean(editor.conflict);
  save.disabled = Boolean(editor.busy);
}

export function renameLaneForm(lane) {
  const key = `rename:${lane.id}`;
  return h(
    "form",
    {
      class: "inline-form",
      "aria-label": `Rename the lane ${quote(lane.title)}`,
      dataset: { form: "lane.rename", lane: lane.id },
    },
    h("label", { class: "sr-only", for: `${key}-title`, text: "Lane title" }),
    h("input", {
      id: `${key}-title`,
      name: "title",
      required: true,
      maxlength: "80",
      value: lane.title,
      autocomplete: "off",
      dataset: { focus: `${key}:title` },
    }),
    h("button", { type: "submit", class: "primary small", dataset: { focus: `${key}:save` }, text: "Save" }),
    h("button", {
      type: "button",
      class: "small",
      dataset: { action: "lane.rename.cancel", lane: lane.id, focus: `${key}:cancel` },
      text: "Cancel",
    }),
  );
}

export function addLaneForm() {
  return h(
    "form",
    { class: "item-form", "aria-label": "New lane", dataset: { form: "lane.add" } },
    field(
      "Lane title",
      h("input", {
        name: "title",
        required: true,
        maxlength: "80",
        autocomplete: "off",
        dataset: { focus: "lane.add:title" },
      }),
    ),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary", dataset: { focus: "lane.add:submit" }, text: "Add lane" }),
      h("button", { type: "button", dataset: { action: "lane.add.close", focus: "lane.add:close" }, text: "Cancel" }),
    ),
  );
}

export function goalForm(workshop) {
  const form = h(
    "form",
    { class: "goal-form", "aria-label": "Edit the goal", dataset: { form: "goal.edit" } },
    field(
      "Goal",
      h("input", {
        name: "title",
        required: true,
        maxlength: "200",
        value: workshop.title,
        dataset: { focus: "goal:title" },
      }),
    ),
    field(
      "Why it matters",
      h("textarea", { name: "why", rows: "3", maxlength: "2000", value: workshop.why, dataset: { focus: "goal:why" } }),
    ),
    field(
      "How we will know we got there",
      h("textarea", {
        name: "success_criteria",
        rows: "4",
        value: workshop.success_criteria.join("\n"),
        dataset: { focus: "goal:criteria" },
      }),
      "One success criterion per line, at most 20.",
    ),
    h("p", { class: "form-error", role: "alert", hidden: true }),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary", dataset: { focus: "goal:save" }, text: "Save goal" }),
      h("button", { type: "button", dataset: { action: "goal.cancel", focus: "goal:cancel" }, text: "Cancel" }),
    ),
  );
  form.initial = { title: workshop.title, why: workshop.why, success_criteria: workshop.success_criteria.join("\n") };
  return form;
}

export function timerStartForm() {
  return h(
    "form",
    { class: "inline-form timer-form", "aria-label": "Start the timer", dataset: { form: "timer.start" } },
    h("label", { for: "timer-minutes", text: "Minutes" }),
    h("input", {
      id: "timer-minutes",
      name: "minutes",
      type: "number",
      min: "0.5",
      max: "120",
      step: "0.5",
      value: "5",
      inputmode: "decimal",
      dataset: { focus: "timer:minutes" },
    }),
    h("button", { type: "submit", class: "small", dataset: { focus: "timer:start" }, text: "Start" }),
  );
}

// "Save as template" (protocol §8, POST /api/w/<id>/template): a name, then a link to the library.
export function saveTemplateForm() {
  return h(
    "form",
    { class: "inline-form template-form", "aria-label": "Save as template", dataset: { form: "template.save" } },
    h("label", { for: "template-name", text: "Template name" }),
    h("input", {
      id: "template-name",
      name: "name",
      maxlength: "80",
      required: true,
      autocomplete: "off",
      dataset: { focus: "template:name" },
    }),
    h("button", { type: "submit", class: "small", dataset: { focus: "template:save" }, text: "Save" }),
    h("p", { class: "form-error", role: "alert", hidden: true }),
    h("p", { class: "help template-saved", role: "status" }),
  );
}
