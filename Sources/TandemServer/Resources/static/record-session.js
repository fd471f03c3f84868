// record-session.js — one record's collaboration session as the protocol (docs/protocol.md) runs it, without I/O.
//
// Frames come in through receive(); local edits through editText(), editValue(), focus(), comment(), resolve().
// What to send goes to the `send` callback, what to show to the `emit` callback, as plain objects, so the whole
// protocol logic is testable without a browser or a socket (Tests/js/record-session.test.mjs). collaboration.js
// wires it to a WebSocket and the page.
//
// Emitted events ({kind, …}):
//   joined {readOnly, deleted, recovered, fields}      the session was joined (or a resync needed a fresh snapshot)
//   value {field, value, user, origin}                 a non-text field's value to show (user null: our own change)
//   text {field, text, operation, user}                a text field's new local text; `operation` maps old indexes to new
//   presence {participants}                            everyone in the session, ourselves included
//   cursor {username, field, state, position}          another user's focus; position {index, end} in our local text
//   comment {comment}  comments {comments}             one new comment, or all of them after a join
//   conflict {conflict}  conflictResolved {message}    a manual conflict to settle, or settled (by anyone)
//   resynced {version} (after a presence event when the server sent who is here now)  deleted {user}
//   error {code, message, field}

import { TextOperation } from "./text-operation.js";
import { OTClientState } from "./client-state.js";

export class RecordSession {
  /**
   * @param {object} options
   * @param {string} options.model
   * @param {string|number} options.recordId
   * @param {Object<string, {type: string, strategy?: string}>} options.fields  the fields on the page
   * @param {string} [options.username]  this user, to tell ourselves apart in presence
   * @param {string} [options.clientId]  prefix of our change ids, unique per page load
   * @param {(frame: object) => void} options.send
   * @param {(event: object) => void} options.emit
   */
  constructor({ model, recordId, fields, username = "", clientId, send, emit }) {
    this.model = model;
    this.recordId = recordId;
    this.sessionId = `${model}:${recordId}`;
    this.schema = fields;
    this.username = username;
    this.clientId = clientId ?? Math.random().toString(36).slice(2, 10);
    this.send = send;
    this.emit = emit;
    this.nextId = 1;

    this.joined = false;
    /** Between a resync request and its end: changes wait, and go out with everything unanswered afterwards. */
    this.resyncing = false;
    this.readOnly = false;
    this.deleted = false;
    this.version = 0;
    /** Committed values at `version` (for text fields: see `texts`). */
    this.values = {};
    /** Text fields: field → {state: OTClientState, server: text at state.version, local: text shown, changeId}. */
    this.texts = new Map();
    /** Non-text changes without an answer: field → {changeId, rid, value, frame}. One per field in flight. */
    this.pending = new Map();
    /** Non-text values edited while one is in flight: field → value, sent after the answer (the last one wins). */
    this.queued = new Map();
    /** change_id → field, for every change (text or not) without an answer. */
    this.unanswered = new Map();
    /** rid of a resolve_conflict → {field, value}: what a resolution commits, answered by an ack with that rid. */
    this.resolving = new Map();
    this.participants = new Map();
    /** Other users' cursors: username → {field, state, position} (position in our local text). */
    this.cursors = new Map();
    this.comments = [];
    this.conflicts = new Map();
  }

  isText(field) {
    return this.schema[field]?.type === "text";
  }

  // MARK: requests

  /** Sends join_collaboration (first connection). */
  join() {
    this.send({ type: "join_collaboration", model: this.model, record_id: this.recordId, rid: this.rid() });
  }

  /** After a reconnect: resync from our version (the server joins this connection first); join if never joined. */
  reconnected() {
    if (!this.joined) {
      this.join();
      return;
    }
    this.resyncing = true;
    this.resyncRid = this.rid();
    this.send({ type: "resync", session_id: this.sessionId, since_version: this.version, rid: this.resyncRid });
  }

  /**
   * The user changed a text field's content to `text`. The change becomes an op (a diff of the old and new text),
   * fed to the field's OT state; returns the op, or null when nothing changed or the field is not editable yet.
   */
  editText(field, text) {
    const entry = this.texts.get(field);
    if (!entry || this.readOnly || this.deleted) return null;
    const operation = TextOperation.diff(entry.local, text);
    if (operation.isNoop()) return null;
    entry.local = text;
    this.moveCursors(field, operation);
    const send = entry.state.applyClient(operation);
    if (send) this.sendText(field, entry, send);
    return operation;
  }

  /** The user set a non-text field to `value`. Sent at once, or queued behind the change still in flight. */
  editValue(field, value) {
    if (!this.joined || this.readOnly || this.deleted || this.isText(field)) return;
    if (this.pending.has(field)) {
      this.queued.set(field, value);
      return;
    }
    const changeId = this.changeId();
    const frame = {
      type: "field_change", session_id: this.sessionId, field, base_version: this.version, value,
      change_id: changeId, rid: this.rid(),
    };
    this.pending.set(field, { changeId, rid: frame.rid, value, frame });
    this.unanswered.set(changeId, field);
    if (!this.resyncing) this.send(frame);
  }

  /** Whether a non-text field has a change of ours without an answer (its input must not be overwritten). */
  hasLocalChange(field) {
    return this.pending.has(field) || this.queued.has(field);
  }

  /**
   * The user's focus moved into `field` (position {index, end} in the local text, for text fields), or out of it
   * (state "blur"). The position is sent in the server's text: our unacknowledged edits are taken out of it.
   */
  cursor(field, state, position) {
    if (!this.joined) return;
    const frame = { type: "cursor", session_id: this.sessionId, field, state };
    if (position && state === "focus") {
      const entry = this.texts.get(field);
      const pending = entry?.state.pending();
      const toServer = pending ? pending.invert(entry.server) : null;
      const move = (index) => (toServer ? toServer.transformIndex(index) : index);
      frame.position = { index: move(position.index), end: move(position.end) };
    }
    this.send(frame);
  }

  comment(field, text, parentId) {
    if (!this.joined) return;
    const frame = { type: "comment", session_id: this.sessionId, field, text, rid: this.rid() };
    if (parentId) frame.parent_id = parentId;
    this.send(frame);
  }

  /** Settles a conflict: choice "local" (keep mine), "remote" (use theirs) or "merged" (with `value`). */
  resolve(conflictId, choice, value) {
    const conflict = this.conflicts.get(conflictId);
    if (!conflict) return;
    const rid = this.rid();
    const committed = choice === "local" ? conflict.local_value : choice === "merged" ? value : undefined;
    this.resolving.set(rid, { field: conflict.field, value: committed, conflictId, choice });
    const frame = { type: "resolve_conflict", session_id: this.sessionId, conflict_id: conflictId, choice, rid };
    if (choice === "merged") frame.value = value;
    this.send(frame);
  }

  // MARK: frames from the server

  receive(message) {
    switch (message.type) {
      case "joined":
        return this.onJoined(message);
      case "model_changed":
        return this.onModelChanged(message);
      case "ack":
        return this.onAck(message);
      case "resynced":
        return this.onResynced(message);
      case "conflict_detected":
        return this.onConflict(message);
      case "conflict_resolved":
        return this.onConflictResolved(message);
      case "user_joined":
        this.participants.set(message.user.username, { ...message.user });
        return this.emitPresence();
      case "user_left":
        this.participants.delete(message.user.username);
        if (this.cursors.delete(message.user.username)) {
          this.emit({ kind: "cursor", username: message.user.username, field: null, state: "blur", position: null });
        }
        return this.emitPresence();
      case "cursor_moved":
        return this.onCursor(message);
      case "comment_added":
        this.comments.push(message.comment);
        return this.emit({ kind: "comment", comment: message.comment });
      case "error":
        return this.onError(message);
      default:
        return undefined; // connection_confirmed and pong are the transport's
    }
  }

  onJoined(message) {
    const snapshotAfterResync = this.joined;
    this.joined = true;
    this.resyncing = false;
    this.sessionId = message.session_id;
    this.readOnly = Boolean(message.read_only);
    this.deleted = Boolean(message.deleted);
    this.version = message.version;
    this.values = { ...message.fields };
    for (const [field, declared] of Object.entries(this.schema)) {
      if (declared.type !== "text") continue;
      const value = message.fields[field];
      this.joinText(field, typeof value === "string" ? value : "");
    }
    this.participants = new Map((message.participants ?? []).map((p) => [p.username, { ...p }]));
    this.comments = [...(message.comments ?? [])];
    this.emit({
      kind: "joined", readOnly: this.readOnly, deleted: this.deleted, recovered: message.recovered ?? null,
      fields: this.values,
    });
    for (const [field, value] of Object.entries(message.fields)) {
      if (!this.isText(field) && !this.hasLocalChange(field)) {
        this.emit({ kind: "value", field, value, user: null, origin: "snapshot" });
      }
    }
    this.emitPresence();
    for (const participant of this.participants.values()) {
      if (participant.focus && participant.username !== this.username) {
        this.setCursor(participant.username, participant.focus, "focus", null);
      }
    }
    this.emit({ kind: "comments", comments: this.comments });
    if (snapshotAfterResync) this.resendValues(); // text edits were carried over by joinText
  }

  /**
   * A text field's snapshot. On a first join the text is taken as it is. After a resync the log could not serve
   * (joined with recovered: false), our unacknowledged edits are carried over: the server's changes we missed become
   * one op (a diff of the text we knew and the snapshot), our pending edits are transformed past it and sent again.
   */
  joinText(field, snapshot) {
    const entry = this.texts.get(field);
    const state = new OTClientState(this.version);
    if (!entry) {
      this.texts.set(field, { state, server: snapshot, local: snapshot, changeId: null, rid: null });
      this.emit({ kind: "text", field, text: snapshot, operation: null, user: null });
      return;
    }
    const pending = entry.state.pending();
    const missed = TextOperation.diff(entry.server, snapshot);
    if (entry.changeId) this.unanswered.delete(entry.changeId);
    let local = missed;
    let mine = null;
    if (pending) [mine, local] = TextOperation.transform(pending, missed);
    const text = local.apply(entry.local);
    this.texts.set(field, { state, server: snapshot, local: text, changeId: null, rid: null });
    this.moveCursors(field, local);
    this.emit({ kind: "text", field, text, operation: local, user: null });
    if (mine && !mine.isNoop()) {
      const send = state.applyClient(mine);
      if (send) this.sendText(field, this.texts.get(field), send);
    }
  }

  onModelChanged(message) {
    if (message.change_id && this.unanswered.has(message.change_id)) {
      // Our own change, replayed by a resync: its answer.
      this.onAck({ ...message, rid: undefined });
      return;
    }
    if (message.version <= this.version) return; // seen already (a repeated replay)
    const { field, user } = message;
    if (message.change_type === "delete") {
      this.commitVersion(message.version, null);
      this.deleted = true;
      this.values = {};
      this.emit({ kind: "deleted", user });
      return;
    }
    if (this.isText(field) && this.texts.has(field)) {
      const entry = this.texts.get(field);
      const operation = "op" in message
        ? TextOperation.fromJSON(message.op)
        : TextOperation.diff(entry.server, typeof message.value === "string" ? message.value : "");
      const local = entry.state.applyServer(operation, message.version);
      entry.server = operation.apply(entry.server);
      entry.local = local.apply(entry.local);
      this.values[field] = entry.server;
      this.commitVersion(message.version, field);
      this.moveCursors(field, local);
      this.emit({ kind: "text", field, text: entry.local, operation: local, user });
      return;
    }
    this.values[field] = message.value;
    this.commitVersion(message.version, null);
    if (!this.hasLocalChange(field)) {
      this.emit({ kind: "value", field, value: message.value, user, origin: message.origin });
    }
  }

  onAck(message) {
    const settled = message.rid !== undefined ? this.resolving.get(message.rid) : undefined;
    if (settled) {
      this.resolving.delete(message.rid);
      if (message.version <= this.version) return;
      const { field } = settled;
      const value = "value" in message ? message.value : settled.value;
      this.applyCommittedValue(field, value, message);
      return;
    }
    const field = this.unanswered.get(message.change_id) ?? this.fieldOfRid(message.rid);
    if (field === undefined) return; // an ack repeated for a change answered before
    if (message.version <= this.version) return;
    if (this.isText(field) && this.texts.has(field)) {
      const entry = this.texts.get(field);
      this.unanswered.delete(entry.changeId);
      entry.changeId = null;
      entry.rid = null;
      if (entry.state.phase.name === "synchronized") {
        this.commitVersion(message.version, null); // nothing of ours outstanding: an answer we no longer wait for
        return;
      }
      entry.server = entry.state.phase.outstanding.apply(entry.server);
      this.values[field] = entry.server;
      const next = entry.state.serverAck(message.version);
      this.commitVersion(message.version, field);
      if (next) this.sendText(field, entry, next);
      return;
    }
    const change = this.pending.get(field);
    this.unanswered.delete(change.changeId);
    this.pending.delete(field);
    const committed = "value" in message && message.value !== undefined ? message.value : change.value;
    this.values[field] = committed;
    this.commitVersion(message.version, null);
    if (this.queued.has(field)) {
      const value = this.queued.get(field);
      this.queued.delete(field);
      this.editValue(field, value);
    } else if (JSON.stringify(committed) !== JSON.stringify(change.value)) {
      // A json or list merge combined our value with concurrent changes: show what was committed.
      this.emit({ kind: "value", field, value: committed, user: null, origin: "merge" });
    }
  }

  onResynced(message) {
    this.resyncing = false;
    if (message.version > this.version) this.commitVersion(message.version, null);
    if (message.participants) {
      // Who came and went while we were away (we missed their user_joined / user_left): the session as it is now.
      this.participants = new Map(message.participants.map((p) => [p.username, { ...p }]));
      this.emitPresence();
    }
    this.emit({ kind: "resynced", version: this.version });
    this.resendAll();
  }

  /** Sends again everything without an answer, with the same change ids (the server never commits one twice). */
  resendAll() {
    for (const [field, entry] of this.texts) {
      const send = entry.state.resend();
      if (send) this.sendText(field, entry, send, entry.changeId ?? this.changeId());
    }
    this.resendValues();
  }

  resendValues() {
    for (const change of this.pending.values()) this.send(change.frame);
  }

  onConflict(message) {
    const field = message.field;
    const change = this.pending.get(field); // one change per field is in flight: this is its answer
    if (change) {
      this.unanswered.delete(change.changeId);
      this.pending.delete(field);
    }
    const queued = this.queued.get(field);
    this.queued.delete(field);
    const conflict = { ...message, local_value: queued !== undefined ? queued : message.local_value };
    this.values[field] = message.remote_value;
    this.conflicts.set(message.conflict_id, conflict);
    this.emit({ kind: "conflict", conflict });
  }

  onConflictResolved(message) {
    this.conflicts.delete(message.conflict_id);
    // "Use theirs" commits nothing: the field keeps the value it has, which ours must show again.
    if (message.choice === "remote" && !this.hasLocalChange(message.field)) {
      for (const [rid, settling] of this.resolving) {
        if (settling.conflictId === message.conflict_id) this.resolving.delete(rid);
      }
      this.emit({ kind: "value", field: message.field, value: this.values[message.field], user: null, origin: "resolution" });
    }
    this.emit({ kind: "conflictResolved", message });
  }

  onCursor(message) {
    const username = message.user.username;
    if (username === this.username) return;
    const participant = this.participants.get(username);
    if (participant) participant.focus = message.state === "focus" ? message.field : null;
    let position = null;
    const entry = this.texts.get(message.field);
    if (message.position && entry) {
      const clamp = (index) => Math.min(Math.max(index, 0), entry.server.length);
      position = {
        index: entry.state.transformIndex(clamp(message.position.index)),
        end: entry.state.transformIndex(clamp(message.position.end ?? message.position.index)),
      };
    }
    this.setCursor(username, message.field, message.state, position);
  }

  setCursor(username, field, state, position) {
    if (state === "focus") this.cursors.set(username, { field, state, position });
    else this.cursors.delete(username);
    this.emit({ kind: "cursor", username, field, state, position });
  }

  onError(message) {
    if (this.resyncing && message.rid === this.resyncRid) {
      // The resync itself was refused: nothing will end it, so what waits for it goes out now.
      this.resyncing = false;
      this.resendAll();
    }
    const field = this.fieldOfRid(message.rid);
    if (field !== undefined && message.code !== "internal") this.dropChange(field);
    if (field !== undefined && message.code === "internal") this.resendAll();
    this.emit({ kind: "error", code: message.code, message: message.message, field: field ?? null });
  }

  /** A change the server refused (forbidden, invalid): show the committed value again. */
  dropChange(field) {
    if (this.isText(field) && this.texts.has(field)) {
      const entry = this.texts.get(field);
      if (entry.changeId) this.unanswered.delete(entry.changeId);
      const state = new OTClientState(entry.state.version);
      const revert = TextOperation.diff(entry.local, entry.server);
      this.texts.set(field, { state, server: entry.server, local: entry.server, changeId: null, rid: null });
      this.moveCursors(field, revert);
      this.emit({ kind: "text", field, text: entry.server, operation: revert, user: null });
      return;
    }
    const change = this.pending.get(field);
    if (change) this.unanswered.delete(change.changeId);
    this.pending.delete(field);
    this.queued.delete(field);
    this.emit({ kind: "value", field, value: this.values[field], user: null, origin: "refused" });
  }

  // MARK: helpers

  applyCommittedValue(field, value, message) {
    if (this.isText(field) && this.texts.has(field)) {
      const entry = this.texts.get(field);
      const operation = TextOperation.diff(entry.server, typeof value === "string" ? value : "");
      const local = entry.state.applyServer(operation, message.version);
      entry.server = operation.apply(entry.server);
      entry.local = local.apply(entry.local);
      this.values[field] = entry.server;
      this.commitVersion(message.version, field);
      this.emit({ kind: "text", field, text: entry.local, operation: local, user: null });
      return;
    }
    this.values[field] = value;
    this.commitVersion(message.version, null);
    this.emit({ kind: "value", field, value, user: null, origin: "resolution" });
  }

  /** The record is at `version`; every text field but `except` (which moved itself) learns it. */
  commitVersion(version, except) {
    this.version = Math.max(this.version, version);
    for (const [field, entry] of this.texts) {
      if (field !== except) entry.state.advance(version);
    }
  }

  sendText(field, entry, send, changeId = this.changeId()) {
    entry.changeId = changeId;
    entry.rid = this.rid();
    this.unanswered.set(changeId, field);
    if (this.resyncing) return; // sent again (resend) once the resync is over
    this.send({
      type: "field_change", session_id: this.sessionId, field, base_version: send.baseVersion,
      op: send.operation.toJSON(), change_id: changeId, rid: entry.rid,
    });
  }

  /** Other users' cursors in `field` follow an edit of its local text. */
  moveCursors(field, operation) {
    for (const [username, cursor] of this.cursors) {
      if (cursor.field !== field || !cursor.position) continue;
      cursor.position = {
        index: operation.transformIndex(cursor.position.index),
        end: operation.transformIndex(cursor.position.end),
      };
      this.emit({ kind: "cursor", username, field, state: "focus", position: cursor.position });
    }
  }

  fieldOfRid(rid) {
    if (rid === undefined || rid === null) return undefined;
    for (const [field, change] of this.pending) if (change.rid === rid) return field;
    for (const [field, entry] of this.texts) if (entry.rid === rid) return field;
    return undefined;
  }

  emitPresence() {
    this.emit({ kind: "presence", participants: [...this.participants.values()] });
  }

  rid() {
    return this.nextId++;
  }

  changeId() {
    return `${this.clientId}-${this.nextId++}`;
  }
}
