// The plan export (protocol §6): links to the current export and the list of agreed versions
// from GET /api/w/<id>/plans. Facilitators may also download the draft; members and observers
// get the agreed versions only (protocol §3).
//
// The current export (no ?version) is the latest agreed version, or before the first agreement a
// draft of the board as it is now. The list is fetched when the panel is first shown and again
// whenever the workshop's plan version moves on (after each agreement, also one that happened
// while this page was away).

import { sameSlices } from "./context.js";
import { h, replaceChildren } from "./dom.js";
import { formatDateTime } from "./format.js";

export const FORMATS = [
  { key: "pdf", label: "PDF" },
  { key: "md", label: "Markdown" },
  { key: "csv", label: "CSV" },
];

export function exportUrl(workshopId, format, version = null) {
  const url = `/w/${encodeURIComponent(workshopId)}/export/plan.${format}`;
  return version ? `${url}?version=${encodeURIComponent(version)}` : url;
}

// A link that saves the file and leaves the live board where it is. The PDF is served inline
// (to open in a browser tab), so without `download` a click would navigate away from the board.
export function downloadLink(href, { text, label, focus, primary = false, small = true }) {
  return h("a", {
    href,
    download: "",
    class: ["button", small && "small", primary && "primary"],
    "aria-label": label,
    dataset: { focus },
    text,
  });
}

export class ExportPanel {
  // `drafts`: facilitators may download the board before it is agreed; everyone else the agreed
  // versions only (protocol §3).
  constructor(container, { workshopId, drafts = true }) {
    this.container = container;
    this.drafts = drafts;
    this.workshopId = workshopId;
    this.url = `/api/w/${encodeURIComponent(workshopId)}/plans`;
    this.versions = null; // null until fetched
    this.error = null;
    this.loading = false;
    this.fetchedFor = null; // the plan version the list was fetched for
    this.pending = null; // a plan version to fetch for once the current fetch is done
    this.shown = false;
    this.workshop = { phase: "gather", plan_version: 0, agreed_at: null };
    this.sig = null;
    this.container.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-export-action]");
      if (button && button.dataset.exportAction === "retry") this.load(this.workshop.plan_version, "export:retry");
    });
  }

  // Called on every board render with the state and whether the panel is on screen. A
  // phase.changed with plan_version (an agreement, seen live, in a catch-up or in a fresh
  // snapshot) moves plan_version on, and that fetches the list again.
  update(state, shown) {
    const workshop = state.workshop;
    this.workshop = { phase: workshop.phase, plan_version: workshop.plan_version || 0, agreed_at: workshop.agreed_at };
    const firstShown = shown && !this.shown;
    this.shown = shown;
    if (!shown) {
      this.sig = null;
      this.container.replaceChildren();
      return;
    }
    if (firstShown || this.fetchedFor !== this.workshop.plan_version) this.load(this.workshop.plan_version);
    this.render();
  }

  async load(version, focusKey = null) {
    if (this.loading) {
      this.pending = version;
      return;
    }
    this.loading = true;
    this.fetchedFor = version;
    this.error = null;
    this.render();
    try {
      const response = await fetch(this.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 403 || response.status === 404) {
        // No longer a facilitator (the role changed under us): the panel is about to go.
        this.versions = [];
        return;
      }
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const data = await response.json();
      if (!Array.isArray(data)) throw new Error("the server sent something unexpected");
      this.versions = data;
    } catch (error) {
      // Not retried on every render: on the next agreement, or from the button.
      this.error = error.message || "the request failed";
    } finally {
      this.loading = false;
      const again = this.pending;
      this.pending = null;
      if (again !== null && again !== this.fetchedFor && this.shown) this.load(again, focusKey);
      else this.render(focusKey);
    }
  }

  render(focusKey = null) {
    if (!this.shown) return;
    // Compared by identity: the versions are a new array after each fetch.
    const { phase: at, plan_version: agreed, agreed_at: when } = this.workshop;
    const sig = [at, agreed, when, this.versions, this.error, this.loading];
    if (sameSlices(this.sig, sig) && !focusKey) return;
    this.sig = sig;
    const { plan_version: version, phase } = this.workshop;
    const parts = [
      h("h3", {
        class: "tool-title",
        id: "export-title",
        text: this.drafts ? "Export the plan" : "Take the plan home",
      }),
    ];
    if (!version && !this.drafts) {
      parts.push(h("p", { class: "help", text: "Once the plan is agreed, download it here as PDF, Markdown or CSV." }));
      replaceChildren(this.container, parts);
      return;
    }
    if (!version) {
      parts.push(
        h("p", {
          class: "help",
          text: "No version agreed yet. A download is the board as it is now, headed “Draft — not yet agreed”.",
        }),
        this.links(null, (format) => `Download the draft plan as ${format}`, "Draft plan"),
      );
    } else {
      const note =
        phase === "agreed"
          ? `The agreed plan: version ${version}.`
          : `The latest agreed plan: version ${version}. ` +
            `What changed since it was reopened goes into version ${version + 1} once that is agreed.`;
      parts.push(
        h("p", { class: "help", text: note }),
        this.links(version, (format) => `Plan version ${version} as ${format}`, `Plan version ${version}`),
      );
    }
    parts.push(h("h4", { class: "tool-subtitle", id: "export-versions-title", text: "Agreed versions" }));
    parts.push(this.versionList());

    const active = document.activeElement;
    const hadFocus = active && this.container.contains(active) ? active.dataset.focus || null : null;
    replaceChildren(this.container, parts);
    const key = focusKey || hadFocus;
    if (key) {
      const target =
        this.container.querySelector(`[data-focus="${key}"]`) ||
        this.container.querySelector('[data-focus="export:versions"]');
      if (target) target.focus({ preventScroll: true });
    }
  }

  links(version, label, groupLabel) {
    return h(
      "div",
      { class: "export-links", role: "group", "aria-label": groupLabel },
      FORMATS.map(({ key, label: text }) =>
        downloadLink(exportUrl(this.workshopId, key, version), {
          text,
          label: label(text),
          focus: `export:current:${key}`,
          primary: key === "pdf",
        }),
      ),
    );
  }

  versionList() {
    if (this.error) {
      return h(
        "div",
        { class: "export-error", role: "alert" },
        h("p", { class: "form-error", text: `The agreed versions could not be loaded: ${this.error}.` }),
        h("button", {
          type: "button",
          class: "small",
          dataset: { exportAction: "retry", focus: "export:retry" },
          text: "Try again",
        }),
      );
    }
    if (!this.versions) {
      return h("p", {
        class: "muted",
        tabindex: "-1",
        dataset: { focus: "export:versions" },
        text: "Loading the agreed versions…",
      });
    }
    if (!this.versions.length) {
      return h("p", {
        class: "muted",
        tabindex: "-1",
        dataset: { focus: "export:versions" },
        text: "None yet. Agreeing the plan makes version 1.",
      });
    }
    return h(
      "ol",
      {
        class: "plan-versions",
        "aria-labelledby": "export-versions-title",
        "aria-busy": this.loading ? "true" : null,
        tabindex: "-1",
        dataset: { focus: "export:versions" },
      },
      this.versions.map((entry, index) =>
        h(
          "li",
          { dataset: { planVersion: entry.number } },
          h(
            "p",
            { class: "plan-version-head" },
            h("span", { class: "plan-version-number", text: `Version ${entry.number}` }),
            index === 0 ? h("span", { class: "badge", text: "latest" }) : null,
          ),
          h(
            "p",
            { class: "plan-version-meta" },
            "Agreed ",
            h("time", { datetime: entry.agreed_at, text: formatDateTime(entry.agreed_at) }),
            ` by ${entry.agreed_by || "a facilitator"}`,
          ),
          h(
            "div",
            { class: "export-links", role: "group", "aria-label": `Plan version ${entry.number}` },
            FORMATS.map(({ key, label }) =>
              h("a", {
                href: entry.exports?.[key] || exportUrl(this.workshopId, key, entry.number),
                download: "",
                "aria-label": `Plan version ${entry.number} as ${label}`,
                dataset: { focus: `export:v${entry.number}:${key}` },
                text: label,
              }),
            ),
          ),
        ),
      ),
    );
  }
}
