// One websocket per page: the board's live state, and an outbox of ops that survives reconnects.
//
// Protocol §4. The server sends a `snapshot` (or a `replay` when asked `?since=` and it still has
// every later event), then `event` frames in seq order; `ack` / `error` answer our ops by ref;
// `presence` says who is online. Every op keeps its ref until it is answered and is resent with
// the same ref after a reconnect: the server applies a ref once and answers a committed one again
// with its original ack.

import { applyEvent, applyPresence, fromSnapshot } from "./state.js";

// Reconnect delays grow 0.5 s, 1 s, 2 s, … up to this cap; each is jittered down to half so that
// a room full of laptops waking up does not knock on the server in one beat.
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10_000;
// After flooding (4429) the server wants us quiet for a while.
const FLOOD_PAUSE_MS = 5_000;
// An ack for a seq we have not seen as an event within this time means the event was lost.
const ACK_CATCH_UP_MS = 3_000;
// The server closes frames over 16 KiB with 1009; never send one.
const MAX_FRAME_BYTES = 16 * 1024;
// Handshakes that fail before opening this many times in a row: ask the HTTP side whether we are
// still a member (a refused handshake carries no close code).
const FAILED_HANDSHAKES_BEFORE_PROBE = 2;

// More catch-up reconnects than this within the window and they wait like any other reconnect.
const RESYNCS_BEFORE_BACKOFF = 3;
const RESYNC_WINDOW_MS = 30_000;

export const CLOSE_REMOVED = 4403;
export const CLOSE_NOT_MEMBER = 4404;
export const CLOSE_FLOODING = 4429;
export const CLOSE_TOO_BIG = 1009;
const CLOSE_RESYNC = 4000; // ours: "I missed something, let me reconnect with since"

export class OpError extends Error {
  constructor(frame) {
    super(frame.message || frame.code);
    this.code = frame.code;
    this.detail = frame.detail || {};
    this.frame = frame;
  }
}

let refCounter = 0;
function newRef() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; getRandomValues does not.
  const random = new Uint32Array(3);
  crypto.getRandomValues(random);
  refCounter += 1;
  return `${Date.now().toString(36)}-${refCounter.toString(36)}-${Array.from(random, (n) => n.toString(36)).join("")}`;
}

export class Connection {
  /**
   * @param {object} options
   * @param {string} options.url      ws(s)://host/ws/w/<id>/
   * @param {string} options.probeUrl /api/w/<id>/state, asked when handshakes keep failing
   * @param {(state, change) => void} options.onState   after each applied snapshot/replay/event/presence
   * @param {(status, info) => void} options.onStatus   "connecting" | "online" | "offline"
   * @param {(reason) => void} options.onEnded          "removed" | "not_member": no more reconnects
   * @param {(error) => void} options.onStrayError      an error frame that answers no op of ours
   */
  constructor({ url, probeUrl, onState, onStatus, onEnded, onStrayError }) {
    this.url = url;
    this.probeUrl = probeUrl;
    this.onState = onState || (() => {});
    this.onStatus = onStatus || (() => {});
    this.onEnded = onEnded || (() => {});
    this.onStrayError = onStrayError || (() => {});
    this.state = null;
    this.status = "connecting";
    this.ended = null;
    this.socket = null;
    this.synced = false; // this socket has sent its snapshot or replay
    this.outbox = new Map(); // ref -> {frame, text, resolve, reject}
    this.attempt = 0;
    this.failedHandshakes = 0;
    this.retryTimer = null;
    this.retryAt = null;
    this.catchUpTimer = null;
    this.forceSnapshot = false;
    this.wasOnline = false;
  }

  start() {
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => {
      // The browser knows before the socket does: stop waiting on a dead connection.
      if (this.socket) this.drop("offline");
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && !this.socket) this.reconnectNow();
    });
    this.connect();
  }

  // --- sending -------------------------------------------------------------------------------

  /** Send an op; resolves with the ack's seq, rejects with an OpError. */
  send(op, fields = {}) {
    if (this.ended) return Promise.reject(new OpError({ code: "ended", message: "This board no longer updates." }));
    const ref = newRef();
    const frame = { op, ref, ...fields };
    const text = JSON.stringify(frame);
    if (new TextEncoder().encode(text).length > MAX_FRAME_BYTES) {
      return Promise.reject(
        new OpError({ code: "too_large", message: "That is too long to send. Shorten the text and try again." }),
      );
    }
    return new Promise((resolve, reject) => {
      this.outbox.set(ref, { frame, text, resolve, reject });
      if (this.synced) this.socket.send(text);
    });
  }

  // --- the socket ----------------------------------------------------------------------------

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
    if (this.ended) return;
    // Presence as who came and went: a big room's joins do not send everyone the whole list.
    const since = this.state && !this.forceSnapshot ? `&since=${this.state.seq}` : "";
    this.forceSnapshot = false;
    this.setStatus("connecting");
    let socket;
    try {
      socket = new WebSocket(`${this.url}?presence=changes${since}`);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.synced = false;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      this.failedHandshakes = 0;
    });
    socket.addEventListener("message", (message) => {
      if (socket !== this.socket) return;
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(frame);
    });
    socket.addEventListener("close", (close) => {
      if (close.code === CLOSE_REMOVED) return this.end("removed");
      if (close.code === CLOSE_NOT_MEMBER) return this.end("not_member");
      if (socket !== this.socket) return; // one we dropped already
      this.socket = null;
      this.synced = false;
      clearTimeout(this.catchUpTimer);
      if (!opened) {
        this.failedHandshakes += 1;
        if (this.failedHandshakes >= FAILED_HANDSHAKES_BEFORE_PROBE && navigator.onLine !== false) {
          this.probeMembership();
        }
      }
      this.scheduleReconnect(close.code === CLOSE_FLOODING ? FLOOD_PAUSE_MS : undefined);
    });
  }

  drop(reason, delay) {
    // Let go of the socket now rather than wait for a closing handshake that may never come
    // (the network is gone); its late close event is ignored.
    const socket = this.socket;
    this.socket = null;
    this.synced = false;
    clearTimeout(this.catchUpTimer);
    try {
      socket.close(CLOSE_RESYNC, reason.slice(0, 100));
    } catch {
      // already closing
    }
    this.scheduleReconnect(delay);
  }

  scheduleReconnect(delay) {
    if (this.ended) return;
    if (delay === undefined) {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
      delay = ceiling / 2 + Math.random() * (ceiling / 2);
    }
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setStatus(this.wasOnline || this.state ? "offline" : "connecting", { retryAt: this.retryAt });
  }

  reconnectNow() {
    if (this.ended || this.socket) return;
    this.connect();
  }

  resync(reason, { snapshot = false } = {}) {
    // Something was dropped: reconnect and ask for what we missed (or everything).
    if (snapshot) this.forceSnapshot = true;
    // Right away, unless it keeps happening: then with backoff, so a server that keeps dropping
    // events is not hammered.
    const now = Date.now();
    this.resyncs = (this.resyncs || []).filter((at) => now - at < RESYNC_WINDOW_MS);
    this.resyncs.push(now);
    const delay = this.resyncs.length <= RESYNCS_BEFORE_BACKOFF ? 0 : undefined;
    if (this.socket) this.drop(reason, delay);
    else this.reconnectNow();
  }

  async probeMembership() {
    try {
      const response = await fetch(this.probeUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.status === 404 || response.status === 403) this.end("not_member");
    } catch {
      // offline: keep trying the socket
    }
  }

  end(reason) {
    if (this.ended) return;
    this.ended = reason;
    clearTimeout(this.retryTimer);
    const error = new OpError({ code: "ended", message: "This board no longer updates." });
    for (const { reject } of this.outbox.values()) reject(error);
    this.outbox.clear();
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
    this.setStatus("offline", { ended: reason });
    this.onEnded(reason);
  }

  setStatus(status, info = {}) {
    const previous = this.status;
    this.status = status;
    const back = status === "online" && previous !== "online" && this.wasOnline;
    if (status === "online") this.wasOnline = true;
    this.onStatus(status, { ...info, back, pending: this.outbox.size });
  }

  // --- receiving -----------------------------------------------------------------------------

  receive(frame) {
    switch (frame.type) {
      case "snapshot":
        return this.receiveSnapshot(frame);
      case "replay":
        return this.receiveReplay(frame);
      case "event":
        return this.receiveEvents([frame], "event");
      case "ack":
        return this.receiveAck(frame);
      case "error":
        return this.receiveError(frame);
      case "presence":
        if (!this.state) return undefined;
        this.commit(applyPresence(this.state, frame), { cause: "presence", events: [] });
        return undefined;
      default:
        return undefined;
    }
  }

  receiveSnapshot(frame) {
    const previous = this.state;
    const state = fromSnapshot(frame);
    // How far this browser's clock is from the server's, to count the shared timer down right.
    const serverTime = Date.parse(frame.server_time);
    state.clockOffset = Number.isFinite(serverTime) ? serverTime - Date.now() : 0;
    this.commit(state, { cause: "snapshot", events: [], previous });
    this.becomeSynced();
  }

  receiveReplay(frame) {
    if (!this.state) {
      // A replay needs a state to apply to; we have none, so ask for a snapshot.
      this.resync("replay without state", { snapshot: true });
      return;
    }
    const ok = this.receiveEvents(frame.events || [], "replay");
    if (ok) this.becomeSynced();
  }

  receiveEvents(frames, cause) {
    if (!this.state) return false;
    const previous = this.state;
    let state = this.state;
    const applied = [];
    for (const frame of frames) {
      if (frame.seq <= state.seq) continue; // already applied (a replay overlapping a live event)
      if (frame.seq !== state.seq + 1) {
        if (applied.length) this.commit(state, { cause, events: applied, previous });
        // A replay with a hole cannot be fixed by replaying again: take a snapshot.
        this.resync(`gap: at ${state.seq}, got ${frame.seq}`, { snapshot: cause === "replay" });
        return false;
      }
      try {
        state = applyEvent(state, frame);
      } catch (error) {
        console.error("could not apply event", frame, error);
        if (applied.length) this.commit(state, { cause, events: applied, previous });
        this.resync("reducer failed", { snapshot: true });
        return false;
      }
      applied.push(frame);
    }
    if (applied.length || cause === "replay") this.commit(state, { cause, events: applied, previous });
    return true;
  }

  receiveAck(frame) {
    const pending = this.outbox.get(frame.ref);
    if (pending) {
      this.outbox.delete(frame.ref);
      pending.resolve(frame.seq);
    }
    this.expectSeq(frame.seq);
  }

  receiveError(frame) {
    const pending = frame.ref ? this.outbox.get(frame.ref) : null;
    if (pending) {
      this.outbox.delete(frame.ref);
      pending.reject(new OpError(frame));
    } else {
      this.onStrayError(new OpError(frame));
    }
  }

  expectSeq(seq) {
    // An ack for a change we have not seen: its event should be on its way. If it never comes,
    // it was dropped on the way (a slow socket's buffer overflowing): catch up.
    if (!this.state || typeof seq !== "number" || seq <= this.state.seq) return;
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = setTimeout(() => {
      if (this.state && this.state.seq < seq) this.resync(`ack ${seq} ahead of ${this.state.seq}`);
    }, ACK_CATCH_UP_MS);
  }

  becomeSynced() {
    this.synced = true;
    this.attempt = 0;
    this.setStatus("online");
    // Everything not yet answered goes again, in the order it was made, with its own ref.
    for (const { text } of this.outbox.values()) this.socket.send(text);
  }

  commit(state, change) {
    if (this.state && state.clockOffset === undefined) state.clockOffset = this.state.clockOffset;
    const previous = change.previous === undefined ? this.state : change.previous;
    this.state = state;
    this.onState(state, { ...change, previous });
  }
}

export function socketUrl(workshopId, location = window.location) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/w/${encodeURIComponent(workshopId)}/`;
}
