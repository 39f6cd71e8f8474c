// Moving items: HTML5 drag and drop with a drop indicator, and the same from the keyboard
// (Alt + arrow keys on a focused item). Both end in one item.move {item, lane, index}, where index
// counts the cards shown in the destination lane without the moving one (a stack shows as one
// card; board.js turns it into the server's index). A card dropped on the middle of another card
// is stacked onto it instead (`onStack`), where `canStack(item, onto)` allows it; dropped near
// another card's top or bottom edge, it goes before or after it as before.

import { h } from "./dom.js";

// A card dropped on a success criterion's chip ([data-criterion-drop]) is tied to that criterion
// (`onTie`), where `canTie(item id)` allows it.
// The middle of a card, as a share of its height, where a drop stacks rather than moves.
const STACK_BAND = 0.5;

export function setupMoving(
  root,
  { canMove, onMove, onDragChange, canTie = () => false, onTie = () => {}, canStack = () => false, onStack = () => {} },
) {
  const indicator = h("li", { class: "drop-indicator", "aria-hidden": "true" });
  let dragging = null; // {id, from: lane id}

  function clear() {
    indicator.remove();
    for (const target of root.querySelectorAll(".drop-target")) target.classList.remove("drop-target");
    for (const target of root.querySelectorAll(".stack-target")) target.classList.remove("stack-target");
  }

  // The card under the pointer, when the pointer is over its middle and the dragged card may be
  // stacked onto it.
  function stackAt(event) {
    const card = event.target.closest?.(".lane .items > .item[data-item-id]");
    if (!card || !dragging) return null;
    const onto = Number(card.dataset.itemId);
    if (onto === dragging.id) return null;
    const box = card.getBoundingClientRect();
    const margin = (box.height * (1 - STACK_BAND)) / 2;
    if (event.clientY < box.top + margin || event.clientY > box.bottom - margin) return null;
    return canStack(dragging.id, onto) ? card : null;
  }

  function criterionAt(event) {
    const chip = event.target.closest?.("[data-criterion-drop]");
    return chip && dragging && canTie(dragging.id) ? chip : null;
  }

  function finish() {
    clear();
    if (!dragging) return;
    const node = root.querySelector(`.item[data-item-id="${dragging.id}"]`);
    if (node) node.classList.remove("dragging");
    dragging = null;
    onDragChange(false);
  }

  // Where in `list` a drop at clientY lands: before the first item whose middle is below it.
  function dropIndex(list, clientY) {
    const items = [...list.querySelectorAll(":scope > .item")].filter(
      (node) => Number(node.dataset.itemId) !== dragging.id,
    );
    let index = items.length;
    for (let i = 0; i < items.length; i += 1) {
      const box = items[i].getBoundingClientRect();
      if (clientY < box.top + box.height / 2) {
        index = i;
        break;
      }
    }
    return { index, before: items[index] || null };
  }

  root.addEventListener("dragstart", (event) => {
    const node = event.target.closest?.(".item[draggable=true]");
    if (!node || !canMove()) return;
    dragging = { id: Number(node.dataset.itemId), from: Number(node.dataset.lane) };
    event.dataTransfer.effectAllowed = "linkMove"; // moved to a lane, or linked to a criterion
    event.dataTransfer.setData("text/plain", node.querySelector(".item-title")?.textContent || "");
    // Let the browser take its drag image first, then dim the original.
    requestAnimationFrame(() => node.classList.add("dragging"));
    onDragChange(true);
  });

  root.addEventListener("dragover", (event) => {
    if (!dragging) return;
    const chip = criterionAt(event);
    if (chip) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "link";
      clear();
      chip.classList.add("drop-target");
      return;
    }
    const card = stackAt(event);
    if (card) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "link";
      if (!card.classList.contains("stack-target")) {
        clear();
        card.classList.add("stack-target");
      }
      return;
    }
    const lane = event.target.closest?.(".lane[data-lane-id]");
    if (!lane) {
      clear();
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    for (const target of root.querySelectorAll(".stack-target")) target.classList.remove("stack-target");
    const list = lane.querySelector(".items");
    const { before } = dropIndex(list, event.clientY);
    for (const other of root.querySelectorAll(".lane.drop-target"))
      if (other !== lane) other.classList.remove("drop-target");
    lane.classList.add("drop-target");
    const empty = list.querySelector(":scope > .empty");
    if (before) {
      if (indicator.nextSibling !== before) list.insertBefore(indicator, before);
    } else if (indicator.parentNode !== list || indicator.nextSibling) {
      list.append(indicator);
    }
    if (empty) empty.hidden = true;
  });

  root.addEventListener("dragleave", (event) => {
    if (!dragging) return;
    // Leaving the board altogether (not just moving between children).
    if (!event.relatedTarget || !root.contains(event.relatedTarget)) clear();
  });

  root.addEventListener("drop", (event) => {
    if (!dragging) return;
    const chip = criterionAt(event);
    if (chip) {
      event.preventDefault();
      const tie = { item: dragging.id, criterion: Number(chip.dataset.criterionDrop) };
      finish();
      onTie(tie);
      return;
    }
    const card = stackAt(event);
    if (card) {
      event.preventDefault();
      const stack = { item: dragging.id, onto: Number(card.dataset.itemId) };
      finish();
      for (const empty of root.querySelectorAll(".items > .empty")) empty.hidden = false;
      onStack(stack);
      return;
    }
    const lane = event.target.closest?.(".lane[data-lane-id]");
    if (!lane) return;
    event.preventDefault();
    const { index } = dropIndex(lane.querySelector(".items"), event.clientY);
    const move = { item: dragging.id, lane: Number(lane.dataset.laneId), index };
    finish();
    for (const empty of root.querySelectorAll(".items > .empty")) empty.hidden = false;
    onMove(move, { keyboard: false });
  });

  root.addEventListener("dragend", () => {
    for (const empty of root.querySelectorAll(".items > .empty")) empty.hidden = false;
    finish();
  });

  root.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const directions = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    const direction = directions[event.key];
    if (!direction) return;
    const node = event.target.closest?.(".item[data-item-id]");
    if (!node || node.classList.contains("editing") || !canMove()) return;
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName)) return;
    event.preventDefault();
    const lanes = [...root.querySelectorAll(".lane[data-lane-id]")];
    const laneNode = node.closest(".lane[data-lane-id]");
    const laneIndex = lanes.indexOf(laneNode);
    const siblings = [...laneNode.querySelectorAll(".items > .item")];
    const index = siblings.indexOf(node);
    const [dx, dy] = direction;
    if (dx) {
      const target = lanes[laneIndex + dx];
      if (!target) return;
      const count = target.querySelectorAll(".items > .item").length;
      onMove(
        { item: Number(node.dataset.itemId), lane: Number(target.dataset.laneId), index: Math.min(index, count) },
        { keyboard: true },
      );
    } else {
      const next = index + dy;
      if (next < 0 || next >= siblings.length) return;
      onMove(
        { item: Number(node.dataset.itemId), lane: Number(laneNode.dataset.laneId), index: next },
        { keyboard: true },
      );
    }
  });

  return { isDragging: () => Boolean(dragging) };
}
