// The board's forms, by their `data-form`: what was typed becomes an op. Open editors live in the
// UI store (uistate.js) as immutable records; their forms, in the view, keep what is being typed.
//
// `b` is the board (board.js), as in handlers.js.

import { csrfToken } from "./api.js";
import { memberName } from "./format.js";
import { friendlyError } from "./messages.js";
import { forgetHelpDraft } from "./progress.js";
import { editorPatch, withoutEntry } from "./uistate.js";

const num = (value) => Number(value);

export function formValues(form) {
  const values = {};
  for (const element of form.elements) if (element.name) values[element.name] = element.value;
  return values;
}

export function formError(form, message) {
  const box = form.querySelector(".form-error");
  if (!box) return;
  box.hidden = !message;
  box.textContent = message || "";
}

// The fields of a kept form that differ from what it was opened with.
export function editedFields(form) {
  const values = formValues(form);
  const initial = form.initial || {};
  return Object.keys(initial).filter((name) => values[name] !== undefined && values[name] !== initial[name]);
}

// Closing and sending the item editor: {closeEditor(id), submitEdit(id)}.
export function itemEditor(b) {
  const closeEditor = (itemId) => {
    b.update({ editing: withoutEntry(b.ui().editing, itemId) });
    b.focusKey(`item:${itemId}:edit`, `item:${itemId}`);
  };
  const patchEditor = (itemId, fields) => b.update(editorPatch(b.ui(), itemId, fields));

  const submitEdit = (itemId) => {
    const editor = b.ui().editing.get(itemId);
    const form = b.view.forms.get(`edit:${itemId}`);
    if (!editor || !form) return;
    const values = formValues(form);
    if (!values.title.trim()) return patchEditor(itemId, { error: "The title cannot be empty." });
    const initial = form.initial;
    const fields = {};
    if (values.title !== initial.title) fields.title = values.title;
    if (values.notes !== initial.notes) fields.notes = values.notes;
    if (values.due !== initial.due) fields.due = values.due || null;
    if (values.criterion !== undefined && values.criterion !== initial.criterion) {
      fields.criterion = values.criterion === "" ? null : num(values.criterion);
    }
    if (!Object.keys(fields).length) return closeEditor(itemId);
    patchEditor(itemId, { busy: true, error: null });
    b.send("item.edit", { item: itemId, version: editor.version, ...fields }, { quiet: true }).then(
      () => closeEditor(itemId),
      (error) => {
        if (!b.ui().editing.has(itemId)) return b.showError(error, "item.edit");
        if (error.code === "conflict" && error.detail.item) {
          const by = b.ui().lastEditedBy.get(itemId);
          const conflictBy = by === undefined ? null : memberName(b.state(), by, { you: false });
          patchEditor(itemId, { busy: false, conflict: error.detail.item, conflictBy });
          b.focusKey(`edit:${itemId}:overwrite`);
        } else {
          patchEditor(itemId, { busy: false, error: friendlyError(error, "item.edit") });
        }
      },
    );
  };
  return { closeEditor, submitEdit };
}

export function submitHandlers(b) {
  return {
    "item.progress": (form) => {
      const item = num(form.dataset.item);
      const data = new FormData(form);
      if (!data.get("state")) return formError(form, "Pick how it is going: on track, at risk, blocked or done.");
      const fields = { item, state: data.get("state") };
      const note = String(data.get("note") || "").trim();
      if (note) fields.note = note;
      formError(form, null);
      b.send("item.progress", fields, { quiet: true }).then(
        () => {
          // Closed through the UI state (a close() alone would be undone by a render before its event).
          b.view.dropForm(`progress:${item}`);
          b.update({ detail: null });
          b.focusKey(`progress:${item}:menu`, `item:${item}`);
        },
        (error) => formError(form, friendlyError(error, "item.progress")),
      );
    },
    // An offer of help, with how they can help (optional); withdrawing is a button (handlers.js).
    "item.help": (form) => {
      const item = num(form.dataset.item);
      const fields = { item, offer: true };
      const note = String(new FormData(form).get("note") || "").trim();
      if (note) fields.note = note;
      formError(form, null);
      b.send("item.help", fields, { quiet: true }).then(
        () => {
          forgetHelpDraft(form.dataset.draft);
          b.closeMenus();
          b.focusKey(form.dataset.back, `item:${item}`);
        },
        (error) => formError(form, friendlyError(error, "item.help")),
      );
    },
    "item.add": (form) => {
      const lane = num(form.dataset.lane);
      const values = formValues(form);
      if (!values.title.trim()) return formError(form, "Give the item a title.");
      const fields = { lane, title: values.title };
      if (values.notes.trim()) fields.notes = values.notes;
      if (values.due) fields.due = values.due;
      if (values.criterion !== "" && values.criterion !== undefined) fields.criterion = num(values.criterion);
      // Ready for the next one at once; on a refusal what was typed comes back.
      form.reset();
      form.querySelector("details")?.removeAttribute("open");
      formError(form, null);
      form.querySelector("[name=title]").focus();
      b.send("item.add", fields, { quiet: true }).catch((error) => {
        if (form.isConnected && !form.querySelector("[name=title]").value) {
          form.querySelector("[name=title]").value = values.title;
          form.querySelector("[name=notes]").value = values.notes;
          form.querySelector("[name=due]").value = values.due;
        }
        if (form.isConnected) formError(form, friendlyError(error, "item.add"));
        else b.showError(error, "item.add");
      });
    },
    "item.edit": (form) => b.submitEdit(num(form.dataset.item)),
    // The capacity (protocol §10): whole hours, 1 to 100,000, or empty for none.
    "planning.capacity": (form) => {
      const input = form.querySelector("[name=capacity_hours]");
      const text = input.value.trim();
      const hours = text === "" ? null : Number(text);
      if (hours !== null && !(Number.isInteger(hours) && hours >= 1 && hours <= 100000)) {
        return formError(form, "The capacity is a whole number of hours from 1 to 100,000, or empty for none.");
      }
      formError(form, null);
      b.send("planning.set", { capacity_hours: hours }, { quiet: true }).then(
        () => b.live.say(hours === null ? "Capacity removed." : `Capacity set to ${hours} hours.`),
        (error) => formError(form, friendlyError(error, "planning.set")),
      );
    },
    "lane.rename": (form) => {
      const lane = num(form.dataset.lane);
      b.send("lane.rename", { lane, title: formValues(form).title }).then(() => {
        b.update({ renamingLane: null });
        b.focusKey(`lane:${lane}:menu`);
      });
    },
    "lane.add": (form) => {
      b.send("lane.add", { title: formValues(form).title }).then(() => {
        b.update({ addingLane: false });
        b.focusKey("lane:new");
      });
    },
    "goal.edit": (form) => {
      const values = formValues(form);
      const fields = {};
      for (const name of ["title", "why", "success_criteria"]) {
        if (values[name] !== form.initial[name]) fields[name] = values[name];
      }
      if ("success_criteria" in fields) {
        fields.success_criteria = fields.success_criteria
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean);
      }
      const done = () => {
        b.update({ editingGoal: false });
        b.focusKey("goal:edit");
      };
      if (!Object.keys(fields).length) return done();
      const sendGoal = (part) => b.send("goal.edit", part, { quiet: true });
      return sendGoal(fields)
        .catch((error) => {
          // Long criteria in a non-Latin script can pass the 16 KiB frame limit together with the
          // rest; each part alone fits, so send them one after the other.
          const split = "success_criteria" in fields && Object.keys(fields).length > 1;
          if (error.code !== "too_large" || !split) throw error;
          const { success_criteria: criteria, ...rest } = fields;
          return sendGoal(rest).then(() => sendGoal({ success_criteria: criteria }));
        })
        .then(done, (error) => formError(form, friendlyError(error, "goal.edit")));
    },
    "template.save": async (form) => {
      const name = formValues(form).name.trim();
      if (!name) return formError(form, "Give the template a name.");
      formError(form, "");
      const response = await fetch(`/api/w/${encodeURIComponent(b.workshopId)}/template`, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ name }),
      }).catch(() => null);
      const data = response ? await response.json().catch(() => null) : null;
      if (!response?.ok) {
        return formError(form, data?.message || "Could not save the template. Try again.");
      }
      form.reset();
      const saved = form.querySelector(".template-saved");
      saved.replaceChildren(
        `Saved “${data.name}”. `,
        Object.assign(document.createElement("a"), { href: "/templates/", textContent: "Open the library" }),
      );
    },
    "timer.start": (form) => {
      const minutes = Number(formValues(form).minutes);
      const seconds = Math.round(minutes * 60);
      if (!Number.isFinite(seconds) || seconds < 10 || seconds > 7200) {
        b.notices.show("A timer runs from 10 seconds to 2 hours: give it between 0.5 and 120 minutes.");
        return;
      }
      b.send("timer.start", { seconds });
    },
  };
}
