// Building DOM without HTML strings: every piece of text goes in as a text node or an attribute
// value, so whatever a member typed stays inert.

export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") element.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
      else if (key === "text") element.textContent = String(value);
      else if (key === "dataset") {
        for (const [name, data] of Object.entries(value)) {
          if (data !== null && data !== undefined) element.dataset[name] = String(data);
        }
      } else if (key === "style") {
        // Through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows.
        for (const [property, style] of Object.entries(value)) element.style.setProperty(property, style);
      } else if (key === "value" || key === "disabled" || key === "hidden") {
        element[key] = value;
      } else element.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
  return parent;
}

export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// Put `nodes` into `parent` in this order, moving only what is out of place and removing the rest.
export function reconcile(parent, nodes) {
  let cursor = parent.firstChild;
  for (const node of nodes) {
    if (node === cursor) {
      cursor = cursor.nextSibling;
    } else {
      parent.insertBefore(node, cursor);
    }
  }
  while (cursor) {
    const next = cursor.nextSibling;
    parent.removeChild(cursor);
    cursor = next;
  }
}

// A visually hidden text for screen readers.
export function srOnly(text) {
  return h("span", { class: "sr-only", text });
}

// --- keeping focus across re-renders -------------------------------------------------------------
// Every control carries data-focus="<stable key>". Before a render we note the focused key (and a
// text field's selection); afterwards, if focus fell to the body because its element was rebuilt
// or moved, it goes back to the element with the same key, or to the nearest fallback.

export function captureFocus() {
  const active = document.activeElement;
  if (!active || active === document.body) return null;
  const keyed = active.closest("[data-focus]");
  if (!keyed) return null;
  const capture = { key: keyed.dataset.focus, fallback: keyed.dataset.focusFallback || null, element: active };
  if (active === keyed && "selectionStart" in active) {
    try {
      capture.selection = [active.selectionStart, active.selectionEnd, active.selectionDirection];
    } catch {
      // inputs like type=date have no selection
    }
  }
  return capture;
}

export function restoreFocus(capture, root = document) {
  if (!capture) return;
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return; // focus is still somewhere real
  let target = root.querySelector(`[data-focus="${cssEscape(capture.key)}"]`);
  if (!target && capture.fallback) target = root.querySelector(`[data-focus="${cssEscape(capture.fallback)}"]`);
  if (!target) return;
  target.focus({ preventScroll: true });
  if (capture.selection && target.setSelectionRange && target === capture.element) {
    try {
      target.setSelectionRange(...capture.selection);
    } catch {
      // not a text field
    }
  }
}

function cssEscape(value) {
  return window.CSS && CSS.escape ? CSS.escape(value) : String(value).replace(/["\\]/g, "\\$&");
}
