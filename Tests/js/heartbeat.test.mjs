// When the browser client pings, against Tests/Fixtures/heartbeat-timeline.json, the timeline the simulator's client
// is held to as well (Tests/TandemSimTests/HeartbeatTwinTests.swift): the controller of a form, on a virtual clock
// and a fake socket, confirmed at 0; the frames it sends are recorded with their times.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { attach } from "../../Sources/TandemServer/Resources/static/collaboration.js";

const timeline = JSON.parse(readFileSync(new URL("../Fixtures/heartbeat-timeline.json", import.meta.url), "utf8"));

/** setTimeout and setInterval on a virtual clock that only moves when the test says. */
class VirtualTimers {
  constructor() {
    this.now = 0;
    this.timers = new Map(); // id → {at, every, callback}
    this.nextId = 1;
  }
  setTimeout(callback, ms) { return this.add(callback, ms, null); }
  setInterval(callback, ms) { return this.add(callback, ms, ms); }
  clear(id) { this.timers.delete(id); }
  add(callback, ms, every) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, every, callback });
    return id;
  }
  /** Runs every timer due up to `time`, in time order (ties in the order they were set), then stops at `time`. */
  advance(time) {
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= time && (next === null || timer.at < next[1].at)) next = [id, timer];
      }
      if (next === null) break;
      const [id, timer] = next;
      this.now = timer.at;
      if (timer.every === null) this.timers.delete(id);
      else timer.at += timer.every;
      timer.callback();
    }
    this.now = time;
  }
}

/** The least of a page the controller needs: a form with no fields, in a document without a window. */
function fakeForm() {
  // The stylesheet counts as present already; there is no badge and no presence list.
  const doc = { querySelector: (selector) => (selector.startsWith("link") ? {} : null), querySelectorAll: () => [], defaultView: null };
  return {
    ownerDocument: doc,
    dataset: { model: "Doc", recordId: "1", user: "alice", wsUrl: "/ws", token: "t" },
    elements: [],
    classList: { add() {}, remove() {} },
    querySelector: () => null,
    querySelectorAll: () => [],
    dispatchEvent() {},
  };
}

for (const entry of timeline.cases) {
  test(`heartbeat: ${entry.name}`, () => {
    const timers = new VirtualTimers();
    const sent = [];
    class FakeSocket {
      constructor() { this.readyState = 1; socket = this; }
      send(text) { sent.push({ at: timers.now, type: JSON.parse(text).type }); }
      close() {}
    }
    let socket = null;
    const controller = attach(fakeForm(), {}, {
      WebSocket: FakeSocket,
      setTimeout: (f, ms) => timers.setTimeout(f, ms),
      clearTimeout: (id) => timers.clear(id),
      setInterval: (f, ms) => timers.setInterval(f, ms),
      clearInterval: (id) => timers.clear(id),
      now: () => timers.now,
      random: () => 0.5,
      location: { href: "http://localhost/" },
    });
    assert.ok(socket, "the controller opened a socket");
    socket.onmessage({ data: JSON.stringify({
      type: "connection_confirmed", protocol: 1, connection_id: "c1", user: { id: 1, username: "alice" },
      server_time: "2026-12-04T00:00:00Z", heartbeat_ms: entry.heartbeat_ms,
    }) });
    assert.deepEqual(sent.map((frame) => frame.type), ["join_collaboration"], "the join goes out at the confirmation");
    for (const at of entry.sends_ms) {
      timers.advance(at);
      controller.send({ type: "cursor", session_id: "Doc:1", field: "title", state: "focus" });
    }
    timers.advance(entry.until_ms);
    assert.deepEqual(sent.filter((frame) => frame.type === "ping").map((frame) => frame.at), entry.pings_ms);
    assert.equal(sent.filter((frame) => frame.type === "cursor").length, entry.sends_ms.length);
  });
}
