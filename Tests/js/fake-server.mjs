// A small in-memory server speaking the protocol's frames (docs/protocol.md) to RecordSession instances, for the
// node tests: versions, OT on text fields (the incoming op is transform's first argument), scalar conflicts with the
// field's policy, change_id deduplication, resync replay or snapshot, conflicts settled, cursors, comments.
// Every frame goes through a FIFO inbox per connection, delivered when the test says so.
import { TextOperation } from "../../Sources/TandemServer/Resources/static/text-operation.js";
import { RecordSession } from "../../Sources/TandemServer/Resources/static/record-session.js";

export class FakeServer {
  /** fields: {name: {type, policy?, value}}; version: the record's version. */
  constructor({ model = "Contact", recordId = 1, fields, version = 1 }) {
    this.model = model;
    this.recordId = recordId;
    this.sessionId = `${model}:${recordId}`;
    this.schema = fields;
    this.version = version;
    this.values = Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.value ?? null]));
    this.fieldVersions = Object.fromEntries(Object.keys(fields).map((name) => [name, 0]));
    this.log = []; // {version, field, op?, value, user, change_id}
    this.logStart = version; // the oldest version a resync can replay from
    this.committedIds = new Map(); // change_id → version
    this.connections = [];
    this.comments = [];
    this.conflicts = new Map();
    this.nextUserId = 1;
  }

  /** A client for `username`: its session (fields typed as the server's), inbox and socket state. */
  connect(username, { readOnly = false } = {}) {
    const connection = { username, userId: this.nextUserId++, inbox: [], open: true, joined: false, readOnly, events: [] };
    connection.session = new RecordSession({
      model: this.model, recordId: this.recordId, username, clientId: username,
      fields: Object.fromEntries(Object.entries(this.schema).map(([name, f]) => [name, { type: f.type }])),
      send: (frame) => { if (connection.open) this.handle(connection, structuredClone(frame)); },
      emit: (event) => connection.events.push(event),
    });
    this.connections.push(connection);
    return connection;
  }

  /** The socket dies: nothing more is delivered either way; others see the user leave. */
  disconnect(connection) {
    connection.open = false;
    connection.inbox = [];
    if (connection.joined) {
      connection.joined = false;
      this.broadcast({ type: "user_left", session_id: this.sessionId, user: this.participant(connection) }, connection);
    }
  }

  /** A new socket for the same page: the session is told it reconnected (it resyncs). */
  reconnect(connection) {
    connection.open = true;
    connection.session.reconnected();
  }

  /** Delivers one frame to `connection`; returns whether there was one. */
  deliver(connection) {
    if (!connection.open || connection.inbox.length === 0) return false;
    connection.session.receive(connection.inbox.shift());
    return true;
  }

  deliverAll() {
    let delivered = 0;
    while (this.connections.some((c) => c.open && c.inbox.length > 0)) {
      for (const connection of this.connections) if (this.deliver(connection)) delivered += 1;
      if (delivered > 100_000) throw new Error("deliverAll did not finish");
    }
  }

  participant(connection) {
    return { user_id: connection.userId, username: connection.username, color: "#000" };
  }

  user(connection) {
    return { id: connection.userId, username: connection.username };
  }

  to(connection, frame) {
    if (connection.open) connection.inbox.push(structuredClone(frame));
  }

  broadcast(frame, except = null) {
    for (const connection of this.connections) if (connection !== except && connection.joined) this.to(connection, frame);
  }

  handle(connection, frame) {
    switch (frame.type) {
      case "join_collaboration":
        return this.join(connection, frame.rid);
      case "field_change":
        return this.change(connection, frame);
      case "resync":
        return this.resync(connection, frame);
      case "resolve_conflict":
        return this.resolve(connection, frame);
      case "cursor":
        return this.broadcast({ type: "cursor_moved", session_id: this.sessionId, user: this.user(connection),
          field: frame.field, state: frame.state, ...(frame.position && { position: frame.position }) }, connection);
      case "comment": {
        const comment = { id: `cm-${this.comments.length + 1}`, field: frame.field, text: frame.text,
          user: this.user(connection), created_at: "2026-01-01T00:00:00.000Z",
          ...(frame.parent_id && { parent_id: frame.parent_id }) };
        this.comments.push(comment);
        return this.broadcast({ type: "comment_added", session_id: this.sessionId, comment });
      }
      default:
        return undefined;
    }
  }

  join(connection, rid) {
    const first = !connection.joined;
    connection.joined = true;
    this.to(connection, {
      type: "joined", session_id: this.sessionId, model: this.model, record_id: this.recordId, version: this.version,
      fields: { ...this.values }, field_versions: { ...this.fieldVersions },
      participants: this.connections.filter((c) => c.joined).map((c) => this.participant(c)),
      comments: [...this.comments], read_only: connection.readOnly, ...(rid !== undefined && { rid }),
      ...(connection.snapshotAfterResync && { recovered: false }),
    });
    if (first) this.broadcast({ type: "user_joined", session_id: this.sessionId, user: this.participant(connection) }, connection);
  }

  change(connection, frame) {
    const { field, rid, change_id: changeId } = frame;
    if (changeId && this.committedIds.has(changeId)) {
      const entry = this.log.find((e) => e.change_id === changeId);
      this.to(connection, { type: "ack", rid, version: entry.version, change_id: changeId });
      return;
    }
    if (connection.readOnly) {
      this.to(connection, { type: "error", code: "forbidden", message: "read only", rid });
      return;
    }
    const declared = this.schema[field];
    if (!declared) {
      this.to(connection, { type: "error", code: "unknown_field", message: `no field ${field}`, rid });
      return;
    }
    if (declared.type === "text") {
      let op = TextOperation.fromJSON(frame.op);
      for (const entry of this.log) {
        if (entry.version > frame.base_version && entry.field === field) op = TextOperation.transform(op, entry.op)[0];
      }
      this.values[field] = op.apply(this.values[field] ?? "");
      this.commit(connection, { field, op, changeId, rid });
      return;
    }
    const raced = this.fieldVersions[field] > frame.base_version;
    if (raced && JSON.stringify(this.values[field]) !== JSON.stringify(frame.value) && declared.policy === "manual") {
      const conflictId = `cf-${changeId}`;
      this.conflicts.set(conflictId, { field, local: frame.value, connection });
      const last = [...this.log].reverse().find((e) => e.field === field);
      this.to(connection, {
        type: "conflict_detected", session_id: this.sessionId, conflict_id: conflictId, field,
        base_version: frame.base_version, local_value: frame.value, remote_value: this.values[field],
        remote_user: last?.user ?? { id: 0, username: "rest" }, rid,
      });
      return;
    }
    this.values[field] = frame.value;
    this.commit(connection, { field, value: frame.value, changeId, rid });
  }

  commit(connection, { field, op, value, changeId, rid, origin = "ws" }) {
    this.version += 1;
    this.fieldVersions[field] = this.version;
    const entry = { version: this.version, field, op, value, user: this.user(connection), change_id: changeId, origin };
    this.log.push(entry);
    if (changeId) this.committedIds.set(changeId, this.version);
    this.to(connection, { type: "ack", rid, version: this.version, ...(op && { op: op.toJSON() }),
      ...(changeId && { change_id: changeId }) });
    this.broadcast(this.changed(entry), connection);
  }

  changed(entry) {
    return {
      type: "model_changed", session_id: this.sessionId, model: this.model, record_id: this.recordId,
      field: entry.field, version: entry.version, ...(entry.op ? { op: entry.op.toJSON() } : { value: entry.value }),
      user: entry.user, timestamp: "2026-01-01T00:00:00.000Z", origin: entry.origin,
      ...(entry.change_id && { change_id: entry.change_id }),
    };
  }

  resync(connection, frame) {
    if (!connection.joined) {
      connection.joined = true;
      this.broadcast({ type: "user_joined", session_id: this.sessionId, user: this.participant(connection) }, connection);
    }
    if (frame.since_version < this.logStart) {
      connection.snapshotAfterResync = true;
      this.join(connection, frame.rid);
      connection.snapshotAfterResync = false;
      return;
    }
    for (const entry of this.log) if (entry.version > frame.since_version) this.to(connection, this.changed(entry));
    this.to(connection, {
      type: "resynced", session_id: this.sessionId, version: this.version, recovered: true,
      participants: this.connections.filter((c) => c.joined).map((c) => this.participant(c)), rid: frame.rid,
    });
  }

  resolve(connection, frame) {
    const conflict = this.conflicts.get(frame.conflict_id);
    this.conflicts.delete(frame.conflict_id);
    const value = frame.choice === "local" ? conflict.local : frame.choice === "merged" ? frame.value : this.values[conflict.field];
    this.broadcast({ type: "conflict_resolved", session_id: this.sessionId, conflict_id: frame.conflict_id,
      field: conflict.field, choice: frame.choice, value, user: this.user(connection), rid: frame.rid });
    if (frame.choice !== "remote") {
      this.values[conflict.field] = value;
      this.commit(connection, { field: conflict.field, value, rid: frame.rid, origin: "resolution" });
    }
  }

  /** Forgets the log: a resync from before now gets a snapshot (joined with recovered: false). */
  truncateLog() {
    this.log = [];
    this.logStart = this.version;
  }
}
