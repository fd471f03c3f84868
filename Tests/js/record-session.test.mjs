// RecordSession — the browser client's protocol logic — against a fake server (fake-server.mjs): joins, live
// changes, OT typing by two users at once, manual conflicts, offline edits kept and resent after a resync, a lost
// ack, a snapshot resync, presence, cursors, comments, refused changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeServer } from "./fake-server.mjs";
import { SplitMix64, randomOperation } from "./random-text.mjs";

const contact = () => new FakeServer({
  fields: {
    name: { type: "string", policy: "manual", value: "Ada" },
    age: { type: "number", value: 36 },
    notes: { type: "text", value: "Hello world" },
  },
  version: 7,
});

function joinedPair(server = contact()) {
  const alice = server.connect("alice");
  const bob = server.connect("bob");
  alice.session.join();
  bob.session.join();
  server.deliverAll();
  return { server, alice, bob };
}

const eventsOf = (connection, kind) => connection.events.filter((event) => event.kind === kind);
const last = (array) => array[array.length - 1];

test("join: the snapshot's values, presence and read-only state are shown", () => {
  const { alice, bob } = joinedPair();
  assert.equal(alice.session.version, 7);
  assert.deepEqual(eventsOf(alice, "joined")[0].readOnly, false);
  assert.deepEqual(eventsOf(bob, "value").map((e) => [e.field, e.value]), [["name", "Ada"], ["age", 36]]);
  assert.deepEqual(eventsOf(bob, "text")[0].text, "Hello world");
  assert.deepEqual(last(eventsOf(alice, "presence")).participants.map((p) => p.username), ["alice", "bob"]);
});

test("a value change reaches the other user, naming who made it", () => {
  const { server, alice, bob } = joinedPair();
  alice.session.editValue("age", 37);
  server.deliverAll();
  const seen = last(eventsOf(bob, "value"));
  assert.deepEqual([seen.field, seen.value, seen.user.username], ["age", 37, "alice"]);
  assert.equal(alice.session.version, 8);
  assert.equal(bob.session.version, 8);
  assert.equal(alice.session.pending.size, 0);
});

test("values typed while one is in flight are queued and the last one is sent after the ack", () => {
  const { server, alice, bob } = joinedPair();
  alice.session.editValue("age", 37);
  alice.session.editValue("age", 38);
  alice.session.editValue("age", 39);
  server.deliverAll();
  assert.equal(server.values.age, 39);
  assert.equal(server.version, 9, "two commits: the first value and the last queued one");
  assert.equal(last(eventsOf(bob, "value")).value, 39);
});

test("the worked example: both edit the text at version 7, both end with the same text at version 9", () => {
  const { server, alice, bob } = joinedPair();
  alice.session.editText("notes", "Hello beautiful world");
  bob.session.editText("notes", "Hello world!");
  server.deliverAll();
  assert.equal(server.values.notes, "Hello beautiful world!");
  assert.equal(server.version, 9);
  for (const connection of [alice, bob]) {
    assert.equal(connection.session.texts.get("notes").local, "Hello beautiful world!");
    assert.equal(last(eventsOf(connection, "text")).text, "Hello beautiful world!");
    assert.equal(connection.session.version, 9);
  }
});

test("two users typing in one text field at once converge with no lost characters (200 seeds)", () => {
  for (let seed = 1; seed <= 200; seed += 1) {
    const rng = new SplitMix64(seed);
    const { server, alice, bob } = joinedPair();
    const users = [alice, bob];
    for (let step = 0; step < 60; step += 1) {
      const user = users[rng.int(0, 1)];
      const roll = rng.next();
      if (roll < 0.45) {
        const entry = user.session.texts.get("notes");
        const operation = randomOperation(rng, entry.local);
        user.session.editText("notes", operation.apply(entry.local));
      } else if (roll < 0.5) {
        user.session.editValue("age", rng.int(0, 99));
      } else {
        server.deliver(user);
      }
    }
    server.deliverAll();
    for (const user of users) {
      assert.equal(user.session.texts.get("notes").local, server.values.notes, `seed ${seed}: ${user.username}`);
      assert.equal(user.session.version, server.version, `seed ${seed}`);
      assert.equal(user.session.texts.get("notes").state.phase.name, "synchronized", `seed ${seed}`);
      assert.equal(user.session.unanswered.size, 0, `seed ${seed}`);
    }
  }
});

test("typing: every character typed by each user survives concurrent typing", () => {
  const { server, alice, bob } = joinedPair();
  const type = (user, text, at) => {
    for (const character of text) {
      const local = user.session.texts.get("notes").local;
      const index = at(local);
      user.session.editText("notes", local.slice(0, index) + character + local.slice(index));
      if (character === "3" || character === "6") server.deliver(user === alice ? bob : alice);
    }
  };
  type(alice, "ABCDEFGH", (text) => text.length);
  let typed = 0;
  type(bob, "123456789", () => typed++);
  server.deliverAll();
  const final = server.values.notes;
  assert.equal(alice.session.texts.get("notes").local, final);
  assert.equal(bob.session.texts.get("notes").local, final);
  assert.equal(final, "123456789Hello worldABCDEFGH");
});

test("a manual field changed by both: the later one gets a conflict; each choice settles it", () => {
  for (const [choice, merged, expected] of [["local", undefined, "Ada B."], ["remote", undefined, "Ada A."], ["merged", "Ada AB.", "Ada AB."]]) {
    const { server, alice, bob } = joinedPair();
    alice.session.editValue("name", "Ada A.");
    bob.session.editValue("name", "Ada B.");
    server.deliverAll();
    const conflict = last(eventsOf(bob, "conflict"))?.conflict;
    assert.ok(conflict, `${choice}: bob gets the conflict`);
    assert.deepEqual([conflict.local_value, conflict.remote_value, conflict.remote_user.username], ["Ada B.", "Ada A.", "alice"]);
    assert.equal(eventsOf(alice, "conflict").length, 0);
    assert.equal(bob.session.pending.size, 0, "the conflict answered bob's change");
    bob.session.resolve(conflict.conflict_id, choice, merged);
    server.deliverAll();
    assert.equal(server.values.name, expected, choice);
    assert.equal(last(eventsOf(alice, "value")).value, expected, `${choice}: alice shows it`);
    assert.equal(last(eventsOf(bob, "value")).value, expected, `${choice}: bob shows it`);
    assert.equal(eventsOf(bob, "conflictResolved").length, 1);
    assert.equal(bob.session.conflicts.size, 0);
    assert.equal(alice.session.version, server.version);
    assert.equal(bob.session.version, server.version);
  }
});

test("offline: edits are kept, and sent after the resync; the others' changes are replayed", () => {
  const { server, alice, bob } = joinedPair();
  server.disconnect(alice);
  alice.session.editText("notes", "Hello world, offline");
  alice.session.editText("notes", "Hello world, offline edits");
  alice.session.editValue("age", 40);
  bob.session.editText("notes", "Oh, Hello world");
  bob.session.editValue("name", "Ada L.");
  server.deliverAll();
  assert.equal(server.values.notes, "Oh, Hello world", "nothing of alice's reached the server");
  server.reconnect(alice);
  server.deliverAll();
  assert.equal(server.values.notes, "Oh, Hello world, offline edits");
  assert.equal(server.values.age, 40);
  assert.equal(server.values.name, "Ada L.");
  for (const user of [alice, bob]) {
    assert.equal(user.session.texts.get("notes").local, server.values.notes, user.username);
    assert.equal(user.session.version, server.version, user.username);
  }
  assert.equal(last(eventsOf(alice, "value")).field, "name", "alice saw bob's change to name in the replay");
  assert.ok(eventsOf(alice, "resynced").length === 1);
});

test("after a resync the presence is the session's as it is now: who came and went meanwhile", () => {
  const { server, alice, bob } = joinedPair();
  server.disconnect(alice);
  server.disconnect(bob); // alice is away: she never hears that bob left, nor that carol came
  const carol = server.connect("carol");
  carol.session.join();
  server.deliverAll();
  assert.deepEqual(last(eventsOf(alice, "presence")).participants.map((p) => p.username), ["alice", "bob"]);
  server.reconnect(alice);
  server.deliverAll();
  assert.deepEqual(last(eventsOf(alice, "presence")).participants.map((p) => p.username).sort(), ["alice", "carol"]);
});

test("edits made while the resync runs wait for it, and are sent once, after the replay", () => {
  const { server, alice, bob } = joinedPair();
  server.disconnect(alice);
  bob.session.editText("notes", "Hello world, says bob");
  server.deliverAll();
  const sent = [];
  const send = alice.session.send;
  alice.session.send = (frame) => { sent.push(frame.type); send(frame); };
  server.reconnect(alice); // the resync request is out; its replay not yet delivered
  alice.session.editText("notes", "Hello world!");
  alice.session.editValue("age", 5);
  assert.deepEqual(sent, ["resync"], "nothing goes out before the replay ends");
  server.deliverAll();
  assert.deepEqual(sent, ["resync", "field_change", "field_change"]);
  assert.equal(server.values.notes, "Hello world!, says bob", "at one position the later arrival goes first");
  assert.equal(alice.session.texts.get("notes").local, server.values.notes);
  assert.equal(server.values.age, 5);
  assert.equal(alice.session.version, server.version);
});

test("a change whose ack was lost is recognised in the replay by its change_id, not applied twice", () => {
  const { server, alice, bob } = joinedPair();
  alice.session.editText("notes", "Hello world!");
  alice.session.editValue("age", 50);
  assert.equal(server.values.notes, "Hello world!", "committed");
  server.disconnect(alice); // the acks die with the socket
  server.deliverAll();
  bob.session.editText("notes", "Hello, world!");
  server.deliverAll();
  server.reconnect(alice);
  server.deliverAll();
  assert.equal(server.values.notes, "Hello, world!");
  assert.equal(server.log.filter((e) => e.field === "notes").length, 2, "alice's edit committed once");
  assert.equal(server.log.filter((e) => e.field === "age").length, 1);
  assert.equal(alice.session.texts.get("notes").local, "Hello, world!");
  assert.equal(alice.session.unanswered.size, 0);
  assert.equal(alice.session.version, server.version);
});

test("a resync the log cannot serve: the snapshot is taken and pending text edits are carried over", () => {
  const { server, alice, bob } = joinedPair();
  server.disconnect(alice);
  alice.session.editText("notes", "Hello world and more");
  bob.session.editText("notes", "Well, Hello world");
  server.deliverAll();
  server.truncateLog();
  server.reconnect(alice);
  server.deliverAll();
  assert.equal(last(eventsOf(alice, "joined")).recovered, false);
  assert.equal(server.values.notes, "Well, Hello world and more");
  assert.equal(alice.session.texts.get("notes").local, server.values.notes);
  assert.equal(bob.session.texts.get("notes").local, server.values.notes);
});

test("presence: joins and leaves; a leaving user's cursor goes", () => {
  const { server, alice, bob } = joinedPair();
  bob.session.cursor("notes", "focus", { index: 5, end: 5 });
  server.deliverAll();
  assert.deepEqual(alice.session.cursors.get("bob"), { field: "notes", state: "focus", position: { index: 5, end: 5 } });
  server.disconnect(bob);
  server.deliverAll();
  assert.deepEqual(last(eventsOf(alice, "presence")).participants.map((p) => p.username), ["alice"]);
  assert.equal(alice.session.cursors.has("bob"), false);
  assert.deepEqual(last(eventsOf(alice, "cursor")), { kind: "cursor", username: "bob", field: null, state: "blur", position: null });
});

test("cursors: a remote caret is shifted past our unacknowledged edits and follows later edits", () => {
  const { server, alice, bob } = joinedPair();
  bob.session.cursor("notes", "focus", { index: 6, end: 11 }); // "world"
  alice.session.editText("notes", ">> Hello world"); // not yet acknowledged when bob's cursor arrives
  server.deliver(alice); // the cursor frame reaches alice before her ack
  assert.deepEqual(alice.session.cursors.get("bob").position, { index: 9, end: 14 });
  alice.session.editText("notes", ">> Hello big world");
  assert.deepEqual(alice.session.cursors.get("bob").position, { index: 13, end: 18 });
  bob.session.cursor("notes", "blur");
  server.deliverAll();
  assert.equal(alice.session.cursors.has("bob"), false);
});

test("cursors: our own caret is sent in the server's text, without our unacknowledged edits", () => {
  const { server, alice, bob } = joinedPair();
  alice.session.editText("notes", "Hi! Hello world"); // not yet acknowledged by the time the cursor goes
  const frames = [];
  alice.session.send = (frame) => frames.push(frame);
  alice.session.cursor("notes", "focus", { index: 10, end: 15 }); // "world" in alice's text
  assert.deepEqual(frames[0].position, { index: 6, end: 11 }, "\"world\" in the server's text");
  server.deliverAll();
  alice.session.cursor("notes", "focus", { index: 10, end: 15 });
  assert.deepEqual(frames[1].position, { index: 10, end: 15 }, "acknowledged: the texts agree");
  assert.equal(bob.session.texts.get("notes").local, "Hi! Hello world");
});

test("comments: threaded, everyone sees them, and a later joiner gets them in the snapshot", () => {
  const { server, alice, bob } = joinedPair();
  alice.session.comment("name", "Is this the full name?");
  server.deliverAll();
  const first = last(eventsOf(bob, "comment")).comment;
  bob.session.comment("name", "Yes", first.id);
  server.deliverAll();
  assert.equal(last(eventsOf(alice, "comment")).comment.parent_id, first.id);
  const carol = server.connect("carol");
  carol.session.join();
  server.deliverAll();
  assert.deepEqual(last(eventsOf(carol, "comments")).comments.map((c) => c.text), ["Is this the full name?", "Yes"]);
});

test("a viewer's session is read-only and sends no changes", () => {
  const server = contact();
  const viewer = server.connect("viewer", { readOnly: true });
  viewer.session.join();
  server.deliverAll();
  assert.equal(eventsOf(viewer, "joined")[0].readOnly, true);
  assert.equal(viewer.session.editText("notes", "Hacked"), null);
  viewer.session.editValue("age", 1);
  server.deliverAll();
  assert.equal(server.version, 7);
  assert.equal(server.values.notes, "Hello world");
});

test("a refused change: the committed value is shown again", () => {
  const { server, alice } = joinedPair();
  alice.session.schema.salary = { type: "number" };
  alice.session.editValue("salary", 1000);
  server.deliverAll();
  const error = last(eventsOf(alice, "error"));
  assert.deepEqual([error.code, error.field], ["unknown_field", "salary"]);
  assert.equal(alice.session.pending.size, 0);
  assert.deepEqual(last(eventsOf(alice, "value")), { kind: "value", field: "salary", value: undefined, user: null, origin: "refused" });
});
