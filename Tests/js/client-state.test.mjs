// The ot.js client state machine in random interleavings (as the engine's OTClientStateConvergenceTests), and the
// connection states with their backoff.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TextOperation } from "../../Sources/TandemServer/Resources/static/text-operation.js";
import {
  OTClientState,
  ConnectionState,
  backoffDelay,
  BACKOFF,
} from "../../Sources/TandemServer/Resources/static/client-state.js";
import { SplitMix64, randomOperation, randomText } from "./random-text.mjs";

/** The server side of one text field as PROTOCOL.md states it: each commit takes the record's next version. */
class TestServer {
  constructor(text, version) {
    this.text = text;
    this.initialVersion = version;
    this.history = []; // the op committed at each later version, or null for another field's change
    this.snapshots = [text];
  }

  get version() {
    return this.initialVersion + this.history.length;
  }

  textAt(version) {
    return this.snapshots[version - this.initialVersion];
  }

  /** The incoming op is `a`, each op committed since its base version `b`. */
  commit(operation, baseVersion) {
    let incoming = operation;
    for (const committed of this.history.slice(baseVersion - this.initialVersion)) {
      if (committed) incoming = TextOperation.transform(incoming, committed)[0];
    }
    this.text = incoming.apply(this.text);
    this.history.push(incoming);
    this.snapshots.push(this.text);
    return { operation: incoming, version: this.version };
  }

  commitOtherField() {
    this.history.push(null);
    this.snapshots.push(this.text);
    return this.version;
  }
}

/** One seeded run: two clients, FIFO links to and from the server, random events. */
function run(seed) {
  const rng = new SplitMix64(seed);
  const text = randomText(rng, 12);
  const version = rng.int(0, 5);
  const server = new TestServer(text, version);
  const participants = [0, 1].map(() => ({ text, state: new OTClientState(version), toServer: [], fromServer: [] }));

  const edit = (p) => {
    const operation = randomOperation(rng, p.text);
    p.text = operation.apply(p.text);
    const send = p.state.applyClient(operation);
    if (send) p.toServer.push(send);
    // A remote cursor valid on the server's text at the client's version stays inside the local text.
    const serverText = server.textAt(p.state.version);
    const moved = p.state.transformIndex(rng.int(0, serverText.length));
    assert.ok(moved >= 0 && moved <= p.text.length, `seed ${seed}: cursor ${moved} outside 0…${p.text.length}`);
  };
  const deliverToServer = (index) => {
    const p = participants[index];
    if (p.toServer.length === 0) return;
    const send = p.toServer.shift();
    const committed = server.commit(send.operation, send.baseVersion);
    participants.forEach((other, otherIndex) => {
      other.fromServer.push(otherIndex === index ? { ack: committed.version } : { changed: committed });
    });
  };
  const deliverToClient = (p) => {
    if (p.fromServer.length === 0) return;
    const message = p.fromServer.shift();
    if (message.changed) {
      const local = p.state.applyServer(message.changed.operation, message.changed.version);
      p.text = local.apply(p.text);
    } else if (message.other !== undefined) {
      p.state.advance(message.other);
    } else {
      const send = p.state.serverAck(message.ack);
      if (send) p.toServer.push(send);
    }
  };

  for (let steps = rng.int(1, 60); steps > 0; steps -= 1) {
    const index = rng.int(0, participants.length - 1);
    const roll = rng.int(0, 9);
    if (roll < 4) edit(participants[index]);
    else if (roll < 6) deliverToServer(index);
    else if (roll < 9) deliverToClient(participants[index]);
    else {
      const other = server.commitOtherField();
      for (const p of participants) p.fromServer.push({ other });
    }
  }
  let deliveries = 0;
  while (participants.some((p) => p.toServer.length > 0 || p.fromServer.length > 0)) {
    deliveries += 1;
    assert.ok(deliveries < 10_000, `seed ${seed}: drain did not finish`);
    const index = rng.int(0, participants.length - 1);
    if (rng.next() < 0.5) deliverToServer(index);
    else deliverToClient(participants[index]);
  }
  return { server, participants };
}

test("two clients and a server converge under random interleavings (1,000 seeds)", () => {
  let edited = 0;
  for (let seed = 1; seed <= 1000; seed += 1) {
    const { server, participants } = run(seed);
    if (server.history.some(Boolean)) edited += 1;
    for (const p of participants) {
      assert.equal(p.text, server.text, `seed ${seed}`);
      assert.equal(p.state.phase.name, "synchronized", `seed ${seed}`);
      assert.equal(p.state.version, server.version, `seed ${seed}`);
    }
  }
  assert.ok(edited > 500, `only ${edited} runs committed a text op: the test would prove little`);
});

test("a run is the same for the same seed", () => {
  const first = run(42);
  const second = run(42);
  assert.equal(first.server.text, second.server.text);
  assert.equal(first.server.version, second.server.version);
});

test("pending() is every unacknowledged edit, from the server's text to the local text", () => {
  const client = new OTClientState(3);
  assert.equal(client.pending(), null);
  client.applyClient(TextOperation.fromJSON([3, "a"]));
  client.applyClient(TextOperation.fromJSON([4, "b"]));
  assert.deepEqual(client.pending().toJSON(), [3, "ab"]);
  assert.equal(client.pending().apply("xyz"), "xyzab");
});

test("backoff doubles from the initial delay, is capped, and is jittered between half and all of it", () => {
  assert.equal(backoffDelay(0, 0), BACKOFF.initialMs / 2);
  assert.equal(backoffDelay(0, 0.999999), BACKOFF.initialMs);
  assert.equal(backoffDelay(3, 0), (BACKOFF.initialMs * 8) / 2);
  assert.equal(backoffDelay(50, 0.5), Math.round(BACKOFF.maxMs * 0.75));
  for (let attempt = 0; attempt < 12; attempt += 1) {
    assert.ok(backoffDelay(attempt + 1, 0) >= backoffDelay(attempt, 0));
  }
});

test("connection states: connecting, connected, reconnecting with backoff, offline, connected again", () => {
  const connection = new ConnectionState();
  assert.equal(connection.state, "connecting");
  assert.equal(connection.confirmed(), false, "the first connection is not a reconnect");
  assert.equal(connection.state, "connected");

  const delays = [];
  for (let attempt = 1; attempt <= BACKOFF.offlineAfter; attempt += 1) {
    const { state, retryInMs } = connection.closed(1006, 0);
    assert.equal(state, "reconnecting", `attempt ${attempt}`);
    delays.push(retryInMs);
  }
  assert.deepEqual(delays, [0, 1, 2, 3].map((attempt) => backoffDelay(attempt, 0)));
  const giveUpBadge = connection.closed(1006, 0);
  assert.equal(giveUpBadge.state, "offline", "too many failures in a row: the badge says offline");
  assert.ok(giveUpBadge.retryInMs > delays.at(-1), "and it keeps trying, less often");

  assert.equal(connection.confirmed(), true, "a later connection is a reconnect: resync, do not join again");
  assert.equal(connection.state, "connected");
  assert.equal(connection.attempt, 0);
  assert.equal(connection.closed(1006, 0).retryInMs, backoffDelay(0, 0), "the backoff starts over");
});

test("the browser being offline shows offline at once; throttling backs off further", () => {
  const connection = new ConnectionState();
  connection.confirmed();
  assert.equal(connection.closed(1006, 0, false).state, "offline");
  const throttled = new ConnectionState();
  throttled.confirmed();
  assert.equal(throttled.closed(4429, 0).retryInMs, backoffDelay(4, 0));
});

test("a refused token or a deliberate close stops retrying", () => {
  for (const code of [4401, 1000]) {
    const connection = new ConnectionState();
    connection.confirmed();
    assert.deepEqual(connection.closed(code, 0.5), { state: "offline", retryInMs: null });
    assert.deepEqual(connection.closed(1006, 0.5), { state: "offline", retryInMs: null });
  }
});

test("a refused token is retried once with a new one per confirmed connection", () => {
  const connection = new ConnectionState();
  connection.confirmed();
  assert.deepEqual(connection.closed(4401, 0), { state: "offline", retryInMs: null });
  assert.equal(connection.retryWithNewToken(), true);
  assert.equal(connection.state, "reconnecting");
  assert.equal(connection.final, false);
  assert.deepEqual(connection.closed(4401, 0), { state: "offline", retryInMs: null });
  assert.equal(connection.retryWithNewToken(), false, "the new token was refused too: give up");
  connection.confirmed();
  connection.closed(4401, 0);
  assert.equal(connection.retryWithNewToken(), true, "after a confirmed connection it may be tried again");
  connection.stop();
  assert.equal(connection.retryWithNewToken(), false, "never after stop()");
});
