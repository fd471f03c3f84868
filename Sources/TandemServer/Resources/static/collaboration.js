// collaboration.js — makes a record's edit form collaborative. Load it as a module; it attaches itself to every
// <form data-tandem-record> on the page, or call attach(form, hooks) yourself (docs/integration-guide.md, "The
// browser client").
//
// The page contract (the server's admin pages render it):
//   <form data-tandem-record data-model="Contact" data-record-id="1" data-ws-url="/ws" data-user="alice" data-token="…">
//     <div data-field="notes" data-field-type="text" data-strategy="ot"><label …>Notes</label><textarea name="notes">
//   <ul data-presence>        one <li data-user="<username>"> per participant, coloured from a hash of the name
//   <span data-connection-state>   connected | reconnecting | offline
//   <div data-comments>       threaded comments (per field when inside a field's wrapper, else for every field)
//
// The protocol logic lives in record-session.js (pure, unit-tested); this file is the DOM and the socket.

import { RecordSession } from "./record-session.js";
import { ConnectionState } from "./client-state.js";

const controllers = new WeakMap();
const CHANGE_NOTE_MS = 2500;
const TYPING_DEBOUNCE_MS = 300;
const CURSOR_THROTTLE_MS = 100;

/**
 * Whether the page made a field read-only for this user (a field they may not edit): its wrapper carries
 * `data-readonly`, or its input was rendered read-only or disabled. It stays so whatever the session says.
 */
export function pageLocked(wrapper, input) {
  return Boolean(wrapper?.hasAttribute?.("data-readonly") || input?.readOnly || input?.disabled);
}

/**
 * How to lock or unlock `input`: checkboxes and selects are `disabled` (they ignore `readOnly`), everything else
 * `readOnly` (so it can still be focused and copied from); `aria-readonly` says the same.
 */
export function inputLock(input, editable) {
  const property = input.type === "checkbox" || input.tagName === "SELECT" ? "disabled" : "readOnly";
  return { property, value: !editable, ariaReadonly: String(!editable) };
}

/** A colour for `username`, the same on every page and for every viewer (FNV-1a hash → hue). */
export function userColor(username) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < username.length; i += 1) {
    hash ^= username.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `hsl(${hash % 360} 70% 40%)`;
}

/** The record id as the protocol wants it: a number when it is a canonical integer, else the string. */
export function recordIdOf(text) {
  return /^(0|-?[1-9][0-9]*)$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
}

/** The absolute WebSocket URL for `wsUrl` (relative to the page), with the token as the query parameter. */
export function socketUrl(wsUrl, pageUrl, token) {
  const url = new URL(wsUrl || "/ws", pageUrl);
  if (url.protocol === "http:") url.protocol = "ws:";
  if (url.protocol === "https:") url.protocol = "wss:";
  if (token) url.searchParams.set("token", token);
  return url.toString();
}

/** The value of an input as the field's type has it (undefined: not a valid value, do not send). */
export function readInput(input, type) {
  if (type === "bool") return input.type === "checkbox" ? input.checked : input.value === "true";
  const text = input.value;
  switch (type) {
    case "number": {
      if (text.trim() === "") return null;
      const number = Number(text);
      return Number.isFinite(number) ? number : undefined;
    }
    case "datetime": {
      if (text.trim() === "") return null;
      // datetime-local values are the browser's local time, or UTC when the input says data-timezone="UTC";
      // RFC 3339 values carry their offset.
      const utc = input.type === "datetime-local" && input.dataset?.timezone === "UTC";
      const date = new Date(utc ? `${text}Z` : text);
      return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
    }
    case "json":
    case "list":
      try {
        const value = JSON.parse(text);
        return type === "list" && !Array.isArray(value) ? undefined : value;
      } catch {
        return undefined;
      }
    default:
      return text;
  }
}

/** Shows `value` in `input` in the form readInput reads back. */
export function writeInput(input, type, value) {
  if (type === "bool") {
    if (input.type === "checkbox") input.checked = value === true;
    else input.value = String(value === true);
    return;
  }
  input.value = formatValue(value, type, input.type, input.dataset?.timezone === "UTC");
}

/**
 * `value` as text: JSON pretty-printed, datetimes as a datetime-local input wants them (local time, or UTC when
 * `utc`), null as "".
 */
export function formatValue(value, type, inputType = "", utc = false) {
  if (value === null || value === undefined) return "";
  if (type === "json" || type === "list") return JSON.stringify(value, null, 2);
  if (type === "datetime" && inputType === "datetime-local") {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return "";
    const pad = (n) => String(n).padStart(2, "0");
    const [year, month, day, hours, minutes, seconds] = utc
      ? [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
      : [date.getFullYear(), date.getMonth(), date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds()];
    return `${year}-${pad(month + 1)}-${pad(day)}T${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  }
  return String(value);
}

/**
 * Makes `form` collaborative. Hooks (all optional): onChange(field, value, {user, origin}), onPresence(participants),
 * onConflict(conflict, settle) — return true to handle it yourself instead of the built-in dialog —, onComment(comment),
 * onConnection(state), onError(error), refreshToken() — a promise of a fresh token when the server refused ours. The same happenings are also dispatched on the form as `tandem:…` events.
 * Attaching a form twice returns the first controller, with the new hooks added.
 */
export function attach(form, hooks = {}, environment = {}) {
  const existing = controllers.get(form);
  if (existing) {
    existing.addHooks(hooks);
    return existing;
  }
  const controller = new Controller(form, hooks, environment);
  controllers.set(form, controller);
  controller.start();
  return controller;
}

/** The controller of an attached form, if any. */
export function controllerOf(form) {
  return controllers.get(form);
}

class Controller {
  constructor(form, hooks, environment) {
    this.form = form;
    this.hooks = [hooks];
    this.env = {
      WebSocket: globalThis.WebSocket,
      setTimeout: globalThis.setTimeout.bind(globalThis),
      clearTimeout: globalThis.clearTimeout.bind(globalThis),
      setInterval: globalThis.setInterval.bind(globalThis),
      clearInterval: globalThis.clearInterval.bind(globalThis),
      random: Math.random,
      now: () => Date.now(),
      online: () => globalThis.navigator?.onLine ?? true,
      location: globalThis.location,
      ...environment,
    };
    this.document = form.ownerDocument;
    const data = form.dataset;
    this.username = data.user ?? "";
    this.fields = new Map();
    for (const wrapper of form.querySelectorAll("[data-field]")) {
      const name = wrapper.dataset.field;
      const input = [...form.elements].find((element) => element.name === name && wrapper.contains(element));
      this.fields.set(name, {
        name, wrapper, input: input ?? null,
        type: wrapper.dataset.fieldType || "string",
        strategy: wrapper.dataset.strategy || "",
        label: wrapper.querySelector("label")?.textContent.trim() || name,
        locked: pageLocked(wrapper, input),
        noteTimer: null, typingTimer: null,
      });
    }
    const schema = Object.fromEntries([...this.fields.values()].map((f) => [f.name, { type: f.type, strategy: f.strategy }]));
    this.session = new RecordSession({
      model: data.model, recordId: recordIdOf(data.recordId ?? ""), fields: schema, username: this.username,
      send: (frame) => this.send(frame), emit: (event) => this.handle(event),
    });
    this.connection = new ConnectionState();
    this.socket = null;
    this.outbox = []; // comments and resolutions made while offline, sent once the session is back
    this.retryTimer = null;
    this.heartbeat = null;
    this.lastSent = 0;
    this.cursorTimer = null;
    this.listeners = [];
    this.dialog = null;
    this.conflictQueue = [];
    this.badge = form.querySelector("[data-connection-state]") ?? this.document.querySelector("[data-connection-state]");
    this.presence = form.querySelector("[data-presence]") ?? this.document.querySelector("[data-presence]");
  }

  addHooks(hooks) {
    this.hooks.push(hooks);
  }

  /** Calls hook `name` of every hooks object and dispatches `tandem:<event>` on the form; true if a hook said so. */
  notify(name, event, detail, ...args) {
    let handled = false;
    for (const hooks of this.hooks) {
      if (typeof hooks[name] !== "function") continue;
      try {
        if (hooks[name](...args) === true) handled = true;
      } catch (error) {
        console.error(`tandem: the ${name} hook failed`, error); // an embedder's bug must not stop the client
      }
    }
    const CustomEventType = this.document.defaultView?.CustomEvent ?? globalThis.CustomEvent;
    if (CustomEventType) this.form.dispatchEvent(new CustomEventType(`tandem:${event}`, { detail }));
    return handled;
  }

  start() {
    ensureStylesheet(this.document);
    this.form.classList.add("tandem-collaborative");
    this.setBadge("reconnecting", "connecting…");
    this.setEditable(false); // until joined: what was typed before could not be placed in the record's history
    for (const field of this.fields.values()) this.bindField(field);
    this.renderComments();
    const view = this.document.defaultView;
    if (view) {
      this.listen(view, "online", () => this.retryNow());
      this.listen(view, "offline", () => this.setBadge("offline"));
      this.listen(view, "pagehide", () => this.detach());
    }
    this.connect();
  }

  /** Closes the socket for good and removes every listener. */
  detach() {
    this.connection.stop();
    this.env.clearTimeout(this.retryTimer);
    this.env.clearInterval(this.heartbeat);
    for (const [target, type, listener] of this.listeners) target.removeEventListener(type, listener);
    this.listeners = [];
    this.socket?.close(1000);
    this.socket = null;
    this.setBadge("offline");
  }

  listen(target, type, listener) {
    target.addEventListener(type, listener);
    this.listeners.push([target, type, listener]);
  }

  // MARK: socket

  connect() {
    this.retryTimer = null;
    const url = socketUrl(this.form.dataset.wsUrl, this.env.location?.href ?? "http://localhost/", this.form.dataset.token);
    let socket;
    try {
      socket = new this.env.WebSocket(url);
    } catch (error) {
      this.closed(1006);
      return;
    }
    this.socket = socket;
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.receive(message);
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.closed(event.code);
    };
  }

  receive(message) {
    if (message.type === "connection_confirmed") {
      // The badge says connected once the session is live again (joined or resynced), not when the socket opens.
      const reconnect = this.connection.confirmed();
      this.startHeartbeat(message.heartbeat_ms ?? 15000);
      if (reconnect) this.session.reconnected();
      else this.session.join();
      return;
    }
    try {
      this.session.receive(message);
    } catch (error) {
      // A frame that does not fit what we know (it should not happen): drop the socket and resync on a new one.
      this.notify("onError", "error", { code: "client", message: String(error) }, { code: "client", message: String(error) });
      this.socket?.close(4000);
    }
  }

  closed(code) {
    this.env.clearInterval(this.heartbeat);
    this.socket = null;
    const { state, retryInMs } = this.connection.closed(code, this.env.random(), this.env.online());
    if (code === 4401 && this.tokenSource() && this.connection.retryWithNewToken()) {
      this.setBadge("reconnecting");
      this.renewToken();
      return;
    }
    this.setBadge(state);
    if (retryInMs !== null) this.retryTimer = this.env.setTimeout(() => this.connect(), retryInMs);
  }

  /** Where a fresh token comes from: a `refreshToken` hook, or `data-token-url` (POST, with the page's cookies). */
  tokenSource() {
    const hook = this.hooks.find((hooks) => typeof hooks.refreshToken === "function");
    if (hook) return () => hook.refreshToken();
    const url = this.form.dataset.tokenUrl;
    const fetchJSON = this.env.fetch ?? globalThis.fetch;
    if (!url || !fetchJSON) return null;
    return async () => {
      const response = await fetchJSON(url, {
        method: "POST", credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      const body = await response.json();
      return body.access_token ?? body.token;
    };
  }

  /** The token was refused (expired): get a new one and connect again at once; without one the badge says offline. */
  async renewToken() {
    try {
      const token = await this.tokenSource()();
      if (typeof token !== "string" || token === "") throw new Error("no token");
      this.form.dataset.token = token;
      if (!this.connection.final) this.connect();
    } catch (error) {
      this.connection.stop();
      this.setBadge("offline");
      this.notify("onError", "error", { code: "unauthenticated", message: String(error) },
        { code: "unauthenticated", message: `could not renew the token: ${error}` });
    }
  }

  retryNow() {
    if (this.retryTimer === null || this.connection.final) return;
    this.env.clearTimeout(this.retryTimer);
    this.connect();
  }

  startHeartbeat(heartbeatMs) {
    this.env.clearInterval(this.heartbeat);
    this.heartbeat = this.env.setInterval(() => {
      if (this.env.now() - this.lastSent >= heartbeatMs / 2) this.send({ type: "ping" });
    }, heartbeatMs / 2);
  }

  send(frame) {
    const open = this.socket && this.socket.readyState === 1 && this.connection.state === "connected";
    if (!open) {
      // field_change frames are kept by the session and sent again after the resync; cursors are moot by then.
      if (frame.type === "comment" || frame.type === "resolve_conflict") this.outbox.push(frame);
      return;
    }
    this.socket.send(JSON.stringify(frame));
    this.lastSent = this.env.now();
  }

  flushOutbox() {
    const frames = this.outbox;
    this.outbox = [];
    for (const frame of frames) this.send(frame);
  }

  setBadge(state, text = state) {
    this.form.dataset.tandemConnection = state;
    if (this.badge) {
      this.badge.dataset.connectionState = state;
      this.badge.textContent = text;
      if (!this.badge.hasAttribute("role")) this.badge.setAttribute("role", "status");
    }
    this.notify("onConnection", "connection", { state }, state);
  }

  // MARK: session events

  handle(event) {
    switch (event.kind) {
      case "joined":
        return this.onJoined(event);
      case "value":
        return this.onValue(event);
      case "text":
        return this.onText(event);
      case "presence":
        this.renderPresence(event.participants);
        return this.notify("onPresence", "presence", event, event.participants);
      case "cursor":
        return this.renderFocus();
      case "comments":
        return this.renderComments();
      case "comment":
        this.addComment(event.comment);
        return this.notify("onComment", "comment", event, event.comment);
      case "conflict":
        return this.onConflict(event.conflict);
      case "conflictResolved":
        return this.onConflictResolved(event.message);
      case "resynced":
        this.setBadge("connected");
        return this.flushOutbox();
      case "deleted":
        this.form.dataset.deleted = "true";
        this.setEditable(false);
        return this.notify("onChange", "change", event, null, null, { user: event.user, origin: "delete" });
      case "error":
        return this.notify("onError", "error", event, event);
      default:
        return undefined;
    }
  }

  onJoined(event) {
    this.form.dataset.joined = "true";
    this.form.toggleAttribute("data-read-only", event.readOnly);
    if (event.deleted) this.form.dataset.deleted = "true";
    this.setEditable(!event.readOnly && !event.deleted);
    this.setBadge("connected");
    this.flushOutbox();
  }

  setEditable(editable) {
    for (const field of this.fields.values()) {
      if (!field.input) continue;
      const { property, value, ariaReadonly } = inputLock(field.input, editable && !field.locked);
      field.input[property] = value;
      field.input.setAttribute("aria-readonly", ariaReadonly);
    }
  }

  onValue({ field: name, value, user }) {
    const field = this.fields.get(name);
    if (field?.input && field.typingTimer === null) {
      writeInput(field.input, field.type, value);
      field.input.removeAttribute("aria-invalid");
    }
    if (field?.type === "list") this.renderListItems(field, value);
    if (field && user && user.username !== this.username) this.noteChange(field, user.username);
    this.notify("onChange", "change", { field: name, value, user }, name, value, { user });
  }

  onText({ field: name, text, operation, user }) {
    const field = this.fields.get(name);
    const input = field?.input;
    if (input && input.value !== text) {
      const focused = this.document.activeElement === input;
      const { selectionStart, selectionEnd, selectionDirection, scrollTop } = input;
      input.value = text;
      if (focused && operation) {
        input.setSelectionRange(
          operation.transformIndex(selectionStart), operation.transformIndex(selectionEnd), selectionDirection,
        );
      }
      input.scrollTop = scrollTop;
    }
    if (field && user && user.username !== this.username) this.noteChange(field, user.username);
    if (field) this.renderCarets(field);
    this.notify("onChange", "change", { field: name, value: text, user }, name, text, { user });
  }

  /** A list field's read-only item view (`[data-list-items]` in its wrapper), if the page has one. */
  renderListItems(field, value) {
    const list = field.wrapper.querySelector("[data-list-items]");
    if (!list || !Array.isArray(value)) return;
    list.replaceChildren(...value.map((item) => {
      const entry = this.document.createElement("li");
      if (item && typeof item === "object" && "id" in item) entry.dataset.itemId = String(item.id);
      const code = this.document.createElement("code");
      code.textContent = JSON.stringify(item);
      entry.append(code);
      return entry;
    }));
  }

  /** A short highlight on the field, naming who changed it. */
  noteChange(field, username) {
    const wrapper = field.wrapper;
    wrapper.classList.add("tandem-changed");
    wrapper.dataset.changedBy = username;
    wrapper.style.setProperty("--tandem-change-color", userColor(username));
    let note = wrapper.querySelector(":scope > .tandem-change-note");
    if (!note) {
      note = this.document.createElement("span");
      note.className = "tandem-change-note";
      note.setAttribute("role", "status");
      wrapper.append(note);
    }
    note.textContent = `changed by ${username}`;
    this.env.clearTimeout(field.noteTimer);
    field.noteTimer = this.env.setTimeout(() => {
      wrapper.classList.remove("tandem-changed");
      delete wrapper.dataset.changedBy;
      note.remove();
    }, CHANGE_NOTE_MS);
  }

  // MARK: local edits

  bindField(field) {
    const input = field.input;
    if (!input) return;
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), `${this.idPrefix()}-focus-${field.name}`]
      .filter(Boolean).join(" "));
    if (field.type === "text") {
      this.listen(input, "input", () => {
        this.session.editText(field.name, input.value);
        this.renderCarets(field);
        this.sendCursor(field);
      });
      for (const type of ["select", "keyup", "mouseup"]) this.listen(input, type, () => this.sendCursor(field));
      this.listen(input, "scroll", () => this.renderCarets(field));
    } else {
      const commit = () => {
        this.env.clearTimeout(field.typingTimer);
        field.typingTimer = null;
        const value = readInput(input, field.type);
        if (value === undefined) {
          input.setAttribute("aria-invalid", "true");
          return;
        }
        input.removeAttribute("aria-invalid");
        this.session.editValue(field.name, value);
      };
      const typed = field.type === "string" || field.type === "number";
      if (typed) {
        this.listen(input, "input", () => {
          this.env.clearTimeout(field.typingTimer);
          field.typingTimer = this.env.setTimeout(commit, TYPING_DEBOUNCE_MS);
        });
      }
      this.listen(input, "change", commit);
    }
    this.listen(input, "focus", () => this.sendCursor(field, true));
    this.listen(input, "blur", () => {
      this.env.clearTimeout(this.cursorTimer);
      this.cursorTimer = null;
      this.session.cursor(field.name, "blur");
    });
  }

  /** Tells the others where we are (throttled; `now` for focus, which must not wait). */
  sendCursor(field, now = false) {
    const emit = () => {
      this.cursorTimer = null;
      const input = field.input;
      const position = field.type === "text" ? { index: input.selectionStart, end: input.selectionEnd } : undefined;
      this.session.cursor(field.name, "focus", position);
    };
    if (now) {
      this.env.clearTimeout(this.cursorTimer);
      emit();
    } else if (this.cursorTimer === null) {
      this.cursorTimer = this.env.setTimeout(emit, CURSOR_THROTTLE_MS);
    }
  }

  idPrefix() {
    if (!this.prefix) this.prefix = `tandem-${Math.floor(this.env.random() * 1e9).toString(36)}`;
    return this.prefix;
  }

  // MARK: presence and focus

  renderPresence(participants) {
    const list = this.presence;
    if (!list) return;
    if (!list.hasAttribute("aria-label")) list.setAttribute("aria-label", "People editing this record");
    const wanted = new Map(participants.map((p) => [p.username, p]));
    for (const item of [...list.querySelectorAll(":scope > li[data-user]")]) {
      if (!wanted.has(item.dataset.user)) item.remove();
    }
    for (const participant of participants) {
      const name = participant.username;
      let item = [...list.children].find((child) => child.dataset.user === name);
      if (!item) {
        item = this.document.createElement("li");
        item.dataset.user = name;
        item.className = "tandem-avatar";
        const initials = this.document.createElement("span");
        initials.setAttribute("aria-hidden", "true");
        initials.textContent = initialsOf(name);
        item.append(initials);
        list.append(item);
      }
      const self = name === this.username;
      item.classList.toggle("tandem-avatar-self", self);
      item.style.setProperty("--tandem-user-color", userColor(name));
      item.title = self ? `${name} (you)` : name;
      item.setAttribute("aria-label", item.title);
    }
    this.renderFocus();
  }

  /** Coloured border and name tags on every field another user is in, and their carets in text fields. */
  renderFocus() {
    const byField = new Map();
    for (const [username, cursor] of this.session.cursors) {
      if (!this.session.participants.has(username) || !this.fields.has(cursor.field)) continue;
      if (!byField.has(cursor.field)) byField.set(cursor.field, []);
      byField.get(cursor.field).push(username);
    }
    for (const field of this.fields.values()) {
      const users = byField.get(field.name) ?? [];
      const wrapper = field.wrapper;
      wrapper.classList.toggle("tandem-remote-focus", users.length > 0);
      if (users.length > 0) wrapper.style.setProperty("--tandem-user-color", userColor(users[0]));
      else wrapper.style.removeProperty("--tandem-user-color");
      let tags = wrapper.querySelector(":scope > .tandem-name-tags");
      if (users.length === 0) {
        tags?.remove();
      } else {
        if (!tags) {
          tags = this.document.createElement("span");
          tags.className = "tandem-name-tags";
          tags.id = `${this.idPrefix()}-focus-${field.name}`;
          wrapper.append(tags);
        }
        tags.replaceChildren(...users.map((username) => {
          const tag = this.document.createElement("span");
          tag.className = "tandem-name-tag";
          tag.dataset.focusUser = username;
          tag.style.setProperty("--tandem-user-color", userColor(username));
          tag.textContent = username;
          return tag;
        }));
        tags.setAttribute("aria-label", `${users.join(", ")} ${users.length === 1 ? "is" : "are"} editing this field`);
      }
      if (field.type === "text") this.renderCarets(field);
    }
  }

  /** Other users' carets and selections over a textarea: one transparent mirror layer per user. */
  renderCarets(field) {
    const input = field.input;
    if (!input) return;
    const wrapper = field.wrapper;
    const layers = new Map(
      [...wrapper.querySelectorAll(":scope > .tandem-caret-layer")].map((layer) => [layer.dataset.caretUser, layer]),
    );
    const view = this.document.defaultView;
    const style = view?.getComputedStyle ? view.getComputedStyle(input) : null;
    for (const [username, cursor] of this.session.cursors) {
      if (cursor.field !== field.name || !cursor.position || !this.session.participants.has(username)) continue;
      let layer = layers.get(username);
      layers.delete(username);
      if (!layer) {
        layer = this.document.createElement("div");
        layer.className = "tandem-caret-layer";
        layer.dataset.caretUser = username;
        layer.setAttribute("aria-hidden", "true");
        wrapper.append(layer);
      }
      mirrorBox(layer, input, style);
      layer.style.setProperty("--tandem-user-color", userColor(username));
      const text = input.value;
      const start = Math.min(cursor.position.index, cursor.position.end, text.length);
      const end = Math.min(Math.max(cursor.position.index, cursor.position.end), text.length);
      const mark = this.document.createElement("mark");
      mark.textContent = text.slice(start, end);
      const caret = this.document.createElement("span");
      caret.className = "tandem-caret";
      caret.dataset.caretName = username;
      layer.replaceChildren(text.slice(0, start), mark, caret, text.slice(end), "\u200b");
      layer.scrollTop = input.scrollTop;
    }
    for (const stale of layers.values()) stale.remove();
  }

  // MARK: conflicts

  onConflict(conflict) {
    const field = this.fields.get(conflict.field);
    const settle = (choice, value) => this.settle(conflict, choice, value);
    if (this.notify("onConflict", "conflict", conflict, conflict, settle)) return;
    if (field) {
      field.wrapper.classList.add("tandem-conflict");
      let reopen = field.wrapper.querySelector(":scope > .tandem-conflict-reopen");
      if (!reopen) {
        reopen = this.document.createElement("button");
        reopen.type = "button";
        reopen.className = "tandem-conflict-reopen";
        reopen.textContent = "Resolve conflict";
        field.wrapper.append(reopen);
      }
      reopen.onclick = () => this.openDialog(conflict);
    }
    if (this.dialog) this.conflictQueue.push(conflict);
    else this.openDialog(conflict);
  }

  settle(conflict, choice, value) {
    this.session.resolve(conflict.conflict_id, choice, value);
    const field = this.fields.get(conflict.field);
    if (field?.input) {
      const shown = choice === "local" ? conflict.local_value : choice === "remote" ? conflict.remote_value : value;
      writeInput(field.input, field.type, shown);
    }
    this.clearConflict(conflict.conflict_id, conflict.field);
  }

  onConflictResolved(message) {
    if (this.dialog?.conflictId === message.conflict_id) this.closeDialog();
    this.conflictQueue = this.conflictQueue.filter((c) => c.conflict_id !== message.conflict_id);
    this.clearConflict(message.conflict_id, message.field);
  }

  clearConflict(conflictId, fieldName) {
    if (this.session.conflicts.has(conflictId) && [...this.session.conflicts.values()].some((c) => c.field === fieldName)) {
      return;
    }
    const field = this.fields.get(fieldName);
    if (!field) return;
    field.wrapper.classList.remove("tandem-conflict");
    field.wrapper.querySelector(":scope > .tandem-conflict-reopen")?.remove();
  }

  openDialog(conflict) {
    if (this.dialog) this.closeDialog();
    const doc = this.document;
    const field = this.fields.get(conflict.field) ?? { label: conflict.field, type: "string" };
    const id = `${this.idPrefix()}-conflict`;
    const el = (tag, attributes = {}, ...children) => {
      const node = doc.createElement(tag);
      for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
      node.append(...children);
      return node;
    };
    const remoteUser = conflict.remote_user?.username ?? "someone";
    const merged = el("textarea", { id: `${id}-merged`, "data-conflict-merged": "", rows: "4" });
    merged.value = formatValue(conflict.local_value, field.type);
    const error = el("p", { class: "tandem-dialog-error", role: "alert", hidden: "" });
    const button = (label, choice) => {
      const node = el("button", { type: "button", "data-choice": choice }, label);
      node.addEventListener("click", () => {
        if (choice !== "merged") {
          this.closeDialog();
          this.settle(conflict, choice);
          return;
        }
        const value = field.type === "text" || field.type === "string" ? merged.value : readMerged(merged.value, field.type);
        if (value === undefined) {
          merged.setAttribute("aria-invalid", "true");
          error.textContent = `That is not a valid ${field.type} value.`;
          error.hidden = false;
          merged.focus();
          return;
        }
        this.closeDialog();
        this.settle(conflict, "merged", value);
      });
      return node;
    };
    const dialog = el("div", {
      role: "dialog", "aria-modal": "true", "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-description`,
      class: "tandem-dialog", "data-conflict-id": conflict.conflict_id, "data-conflict-field": conflict.field, tabindex: "-1",
    },
    el("h2", { id: `${id}-title` }, `Conflict on “${field.label}”`),
    el("p", { id: `${id}-description` }, `${remoteUser} changed this field while you were editing it. Choose the value to keep.`),
    el("div", { class: "tandem-conflict-values" },
      el("section", { "aria-label": "Your value" }, el("h3", {}, "Yours"),
        el("pre", { "data-conflict-local": "" }, formatValue(conflict.local_value, field.type))),
      el("section", { "aria-label": `${remoteUser}'s value` }, el("h3", {}, `Theirs (${remoteUser})`),
        el("pre", { "data-conflict-remote": "" }, formatValue(conflict.remote_value, field.type)))),
    el("label", { for: `${id}-merged` }, "Merged value (editable)"),
    merged,
    error,
    el("div", { class: "tandem-dialog-actions" },
      button("Keep mine", "local"), button("Use theirs", "remote"), button("Merge", "merged")));
    const backdrop = el("div", { class: "tandem-dialog-backdrop" }, dialog);
    const returnFocus = doc.activeElement;
    backdrop.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.closeDialog();
      } else if (event.key === "Tab") {
        trapFocus(event, dialog, doc);
      }
    });
    doc.body.append(backdrop);
    this.dialog = { conflictId: conflict.conflict_id, backdrop, returnFocus };
    dialog.querySelector("button")?.focus();
  }

  /** Closes the dialog; an unsettled conflict stays open behind the field's "Resolve conflict" button. */
  closeDialog() {
    const dialog = this.dialog;
    if (!dialog) return;
    this.dialog = null;
    dialog.backdrop.remove();
    if (dialog.returnFocus?.isConnected) dialog.returnFocus.focus();
    const next = this.conflictQueue.shift();
    if (next && this.session.conflicts.has(next.conflict_id)) this.openDialog(next);
  }

  // MARK: comments

  commentContainers() {
    const inForm = [...this.form.querySelectorAll("[data-comments]")];
    return inForm.length > 0 ? inForm : [...this.document.querySelectorAll("[data-comments]")];
  }

  /** Which field a comments container is for: its field wrapper's, its own data-comments value, or every field. */
  containerField(container) {
    return container.closest("[data-field]")?.dataset.field || container.dataset.comments || null;
  }

  renderComments() {
    for (const container of this.commentContainers()) {
      const only = this.containerField(container);
      container.replaceChildren();
      container.classList.add("tandem-comments");
      if (!container.hasAttribute("aria-label")) container.setAttribute("aria-label", "Comments");
      const fields = only ? [only] : [...this.fields.keys()];
      for (const name of fields) {
        const group = this.document.createElement("section");
        group.className = "tandem-thread-group";
        group.dataset.commentsField = name;
        const heading = this.document.createElement("h3");
        heading.textContent = this.fields.get(name)?.label ?? name;
        const thread = this.document.createElement("ul");
        thread.className = "tandem-thread";
        group.append(heading, thread);
        group.hidden = true;
        container.append(group);
      }
      container.append(this.newCommentBox(only));
    }
    for (const comment of this.session.comments) this.addComment(comment);
  }

  addComment(comment) {
    for (const container of this.commentContainers()) {
      const group = [...container.querySelectorAll(".tandem-thread-group")].find((g) => g.dataset.commentsField === comment.field);
      if (!group || group.querySelector(`[data-comment-id="${cssEscape(comment.id)}"]`)) continue;
      group.hidden = false;
      const parent = comment.parent_id
        ? group.querySelector(`[data-comment-id="${cssEscape(comment.parent_id)}"] > ul`)
        : group.querySelector(":scope > ul");
      (parent ?? group.querySelector(":scope > ul")).append(this.commentItem(comment));
    }
  }

  commentItem(comment) {
    const doc = this.document;
    const item = doc.createElement("li");
    item.dataset.commentId = comment.id;
    item.className = "tandem-comment";
    const meta = doc.createElement("p");
    meta.className = "tandem-comment-meta";
    const author = doc.createElement("strong");
    author.textContent = comment.user?.username ?? "";
    author.style.setProperty("--tandem-user-color", userColor(author.textContent));
    const time = doc.createElement("time");
    time.dateTime = comment.created_at ?? "";
    const date = new Date(comment.created_at);
    time.textContent = Number.isNaN(date.getTime()) ? "" : date.toLocaleString();
    meta.append(author, " ", time);
    const text = doc.createElement("p");
    text.className = "tandem-comment-text";
    text.textContent = comment.text;
    const reply = doc.createElement("button");
    reply.type = "button";
    reply.className = "tandem-comment-reply";
    reply.textContent = "Reply";
    reply.setAttribute("aria-label", `Reply to ${author.textContent}`);
    reply.addEventListener("click", () => {
      const open = item.querySelector(":scope > .tandem-comment-new");
      if (open) {
        open.querySelector("textarea").focus();
        return;
      }
      const box = this.newCommentBox(comment.field, comment.id, () => box.remove());
      item.insertBefore(box, item.querySelector(":scope > ul"));
      box.querySelector("textarea").focus();
    });
    const replies = doc.createElement("ul");
    item.append(meta, text, reply, replies);
    return item;
  }

  /** A box to write a comment: on `field` (or a chosen one when null), a reply to `parentId` when given. */
  newCommentBox(field, parentId = null, done = null) {
    const doc = this.document;
    const id = `${this.idPrefix()}-comment-${Math.floor(this.env.random() * 1e9).toString(36)}`;
    const box = doc.createElement("div");
    box.className = "tandem-comment-new";
    let picker = null;
    if (!field) {
      const pickerLabel = doc.createElement("label");
      pickerLabel.htmlFor = `${id}-field`;
      pickerLabel.textContent = "Field";
      picker = doc.createElement("select");
      picker.id = `${id}-field`;
      for (const f of this.fields.values()) {
        const option = doc.createElement("option");
        option.value = f.name;
        option.textContent = f.label;
        picker.append(option);
      }
      box.append(pickerLabel, picker);
    }
    const label = doc.createElement("label");
    label.htmlFor = id;
    label.textContent = parentId ? "Reply" : field ? `Comment on ${this.fields.get(field)?.label ?? field}` : "Comment";
    const textarea = doc.createElement("textarea");
    textarea.id = id;
    textarea.rows = 2;
    const submit = doc.createElement("button");
    submit.type = "button";
    submit.textContent = parentId ? "Send reply" : "Add comment";
    const post = () => {
      const text = textarea.value.trim();
      if (!text) return;
      this.session.comment(field ?? picker.value, text, parentId);
      textarea.value = "";
      done?.();
    };
    submit.addEventListener("click", post);
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        post();
      } else if (event.key === "Escape" && done) {
        event.preventDefault();
        done();
      }
    });
    box.append(label, textarea, submit);
    if (done) {
      const cancel = doc.createElement("button");
      cancel.type = "button";
      cancel.textContent = "Cancel";
      cancel.addEventListener("click", done);
      box.append(cancel);
    }
    return box;
  }
}

function initialsOf(username) {
  const parts = username.split(/[\s._-]+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[1][0] : username.slice(0, 2);
  return letters.toUpperCase();
}

function readMerged(text, type) {
  if (type === "bool") return text.trim() === "true" ? true : text.trim() === "false" ? false : undefined;
  return readInput({ value: text, type: "" }, type);
}

function cssEscape(text) {
  return globalThis.CSS?.escape ? globalThis.CSS.escape(text) : String(text).replace(/["\\]/g, "\\$&");
}

/** Keeps Tab and Shift+Tab inside `container`. */
function trapFocus(event, container, doc) {
  const focusable = [...container.querySelectorAll("button, textarea, input, select, [href], [tabindex]:not([tabindex='-1'])")]
    .filter((node) => !node.disabled && !node.hidden);
  if (focusable.length === 0) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && (doc.activeElement === first || !container.contains(doc.activeElement))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (doc.activeElement === last || !container.contains(doc.activeElement))) {
    event.preventDefault();
    first.focus();
  }
}

/** Lays `layer` exactly over `input`, with the same text metrics, so its text wraps as the input's does. */
function mirrorBox(layer, input, style) {
  const s = layer.style;
  s.left = `${input.offsetLeft}px`;
  s.top = `${input.offsetTop}px`;
  s.width = `${input.offsetWidth}px`;
  s.height = `${input.offsetHeight}px`;
  if (!style) return;
  for (const property of [
    "font-family", "font-size", "font-weight", "font-style", "line-height", "letter-spacing", "word-spacing",
    "text-indent", "text-transform", "tab-size", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border-top-width", "border-right-width", "border-bottom-width", "border-left-width", "box-sizing",
  ]) {
    s.setProperty(property, style.getPropertyValue(property));
  }
  // A textarea's scrollbar narrows its text; the layer has none, so it pads the same width instead.
  const borders = parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth);
  const scrollbar = Math.max(0, input.offsetWidth - input.clientWidth - borders);
  s.paddingRight = `${parseFloat(style.paddingRight) + scrollbar}px`;
}

/** Adds collaboration.css (next to this file) once, unless the page already styles the client. */
function ensureStylesheet(doc) {
  if (doc.querySelector("link[data-tandem-style]")) return;
  const link = doc.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("./collaboration.css", import.meta.url).href;
  link.dataset.tandemStyle = "";
  doc.head?.append(link);
}

/** Attaches every `form[data-tandem-record]` of the page, except those marked `data-tandem-manual`. */
export function autoAttach(doc = globalThis.document) {
  if (!doc) return [];
  return [...doc.querySelectorAll("form[data-tandem-record]:not([data-tandem-manual])")]
    .filter((form) => form.dataset.recordId)
    .map((form) => attach(form));
}

if (globalThis.document) {
  if (globalThis.document.readyState === "loading") {
    globalThis.document.addEventListener("DOMContentLoaded", () => autoAttach(), { once: true });
  } else {
    autoAttach();
  }
}
