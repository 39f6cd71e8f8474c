// Small pieces more than one part of the board draws: menus, avatars, counts.

import { h } from "./dom.js";

// A <details> menu: kept open across re-renders while it is the open one (ui.openMenu).
export function menuNode(key, label, ui, buttons, { className = null, icon = "⋯" } = {}) {
  return h(
    "details",
    { class: ["menu", className], open: ui.openMenu === key, dataset: { menu: key } },
    h(
      "summary",
      { "aria-label": label, title: label, dataset: { focus: `${key}:menu` } },
      h("span", { "aria-hidden": "true", text: icon }),
    ),
    h("div", { class: "menu-items" }, buttons),
  );
}

export function menuButton(text, data, focus, disabled = false, extraClass = null) {
  return h("button", { type: "button", class: extraClass, disabled, dataset: { ...data, focus }, text });
}

// The "×" that closes a panel: named "Close" for assistive tech, its action and focus key given.
export function closeButton(action, focus, extraClass = null) {
  return h(
    "button",
    {
      type: "button",
      class: extraClass ? `${extraClass} notice-close` : "notice-close",
      "aria-label": "Close",
      dataset: { action, focus },
    },
    h("span", { "aria-hidden": "true", text: "×" }),
  );
}

export function initials(name) {
  const words = String(name || "?")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (!words.length) return "?";
  const first = Array.from(words[0])[0] || "?";
  const last = words.length > 1 ? Array.from(words[words.length - 1])[0] : Array.from(words[0])[1] || "";
  return (first + last).toUpperCase();
}

// Eight hues that keep white initials above 4.5:1; a member keeps theirs on every screen.
const HUES = ["#2456a6", "#1f6f4a", "#8a3ea8", "#a8322a", "#005f73", "#7a4a00", "#3d4fb0", "#6b4226"];

export function avatar(id, name, { you = false } = {}) {
  return h(
    "span",
    {
      class: ["avatar", you && "avatar-you"],
      title: name,
      style: { "--avatar": HUES[Math.abs(Number(id)) % HUES.length] },
    },
    h("span", { "aria-hidden": "true", text: initials(name) }),
    h("span", { class: "sr-only", text: name }),
  );
}

export function row(label, dd) {
  return h("div", null, h("dt", { text: label }), dd);
}

// What every card on the board carries, face up or down: its focus, its keyboard moves, its drag,
// and the data the handlers find it by.
export function cardAttributes(item, titleId, movable, data = {}) {
  return {
    tabindex: "0",
    "aria-labelledby": titleId,
    "aria-describedby": movable ? "move-hint" : null,
    "aria-keyshortcuts": movable ? "Alt+ArrowUp Alt+ArrowDown Alt+ArrowLeft Alt+ArrowRight" : null,
    draggable: movable ? "true" : null,
    dataset: {
      itemId: item.id,
      item: item.id,
      lane: item.lane,
      focus: `item:${item.id}`,
      focusFallback: `lane:${item.lane}`,
      ...data,
    },
  };
}
