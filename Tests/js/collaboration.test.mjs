// collaboration.js's pure helpers (no DOM needed): colours, record ids, the socket URL, reading and writing inputs per
// field type. The DOM behaviour itself is covered by the real-browser tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  userColor, recordIdOf, socketUrl, readInput, writeInput, formatValue, autoAttach, pageLocked, inputLock,
} from "../../Sources/TandemServer/Resources/static/collaboration.js";

test("a user's colour is stable, a valid hsl(), and differs between users", () => {
  assert.equal(userColor("alice"), userColor("alice"));
  assert.match(userColor("alice"), /^hsl\(\d{1,3} 70% 40%\)$/);
  const hues = new Set(["alice", "bob", "carol", "dave", "erin", "frank"].map(userColor));
  assert.ok(hues.size >= 5, "six users get (nearly) six colours");
});

test("record ids: canonical integers become numbers, anything else stays a string", () => {
  assert.equal(recordIdOf("12"), 12);
  assert.equal(recordIdOf("0"), 0);
  assert.equal(recordIdOf("-3"), -3);
  assert.equal(recordIdOf("012"), "012");
  assert.equal(recordIdOf("a-7"), "a-7");
  assert.equal(recordIdOf("99999999999999999999"), "99999999999999999999");
});

test("the socket URL is absolute, ws or wss as the page, with the token as a query parameter", () => {
  assert.equal(socketUrl("/ws", "http://127.0.0.1:8080/contact/edit/1", "t.o.k"), "ws://127.0.0.1:8080/ws?token=t.o.k");
  assert.equal(socketUrl("/ws", "https://app.example.com/x", "abc"), "wss://app.example.com/ws?token=abc");
  assert.equal(socketUrl("ws://other:9/ws", "https://app.example.com/", "abc"), "ws://other:9/ws?token=abc");
  assert.equal(socketUrl("", "http://h/", ""), "ws://h/ws");
});

test("inputs are read as the field's type, invalid values as undefined", () => {
  assert.equal(readInput({ value: "Ada" }, "string"), "Ada");
  assert.equal(readInput({ value: "42.5" }, "number"), 42.5);
  assert.equal(readInput({ value: "" }, "number"), null);
  assert.equal(readInput({ value: "4x" }, "number"), undefined);
  assert.equal(readInput({ type: "checkbox", checked: true }, "bool"), true);
  assert.equal(readInput({ value: "2026-01-02T03:04:05.000Z" }, "datetime"), "2026-01-02T03:04:05.000Z");
  assert.equal(readInput({ value: "" }, "datetime"), null);
  assert.equal(readInput({ value: "yesterday" }, "datetime"), undefined);
  assert.deepEqual(readInput({ value: '{"a": [1]}' }, "json"), { a: [1] });
  assert.equal(readInput({ value: "{oops" }, "json"), undefined);
  assert.deepEqual(readInput({ value: '[{"id": 1}]' }, "list"), [{ id: 1 }]);
  assert.equal(readInput({ value: '{"id": 1}' }, "list"), undefined, "a list must be an array");
});

test("values are written so that reading gives them back", () => {
  const cases = [
    ["string", "Ada"], ["number", 7], ["number", null], ["json", { theme: "dark", n: [1, 2] }], ["list", [{ id: "a" }]],
    ["datetime", "2026-01-02T03:04:05.000Z"], ["datetime", null],
  ];
  for (const [type, value] of cases) {
    const input = { value: "", type: "text" };
    writeInput(input, type, value);
    assert.deepEqual(readInput(input, type), value, `${type} ${JSON.stringify(value)}`);
  }
  const checkbox = { type: "checkbox", checked: false };
  writeInput(checkbox, "bool", true);
  assert.equal(readInput(checkbox, "bool"), true);
  const local = { value: "", type: "datetime-local" };
  writeInput(local, "datetime", "2026-01-02T03:04:05.000Z");
  assert.match(local.value, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, "datetime-local takes local time without a zone");
  assert.equal(readInput(local, "datetime"), "2026-01-02T03:04:05.000Z", "and reads back as the same instant");
  const utc = { value: "", type: "datetime-local", dataset: { timezone: "UTC" } };
  writeInput(utc, "datetime", "2026-01-02T03:04:05.000Z");
  assert.equal(utc.value, "2026-01-02T03:04:05", "data-timezone=\"UTC\": shown in UTC");
  assert.equal(readInput(utc, "datetime"), "2026-01-02T03:04:05.000Z");
  assert.equal(readInput({ value: "2026-01-02T03:04", type: "datetime-local", dataset: { timezone: "UTC" } }, "datetime"),
    "2026-01-02T03:04:00.000Z", "without seconds");
});

test("formatValue shows null as empty and JSON pretty-printed", () => {
  assert.equal(formatValue(null, "string"), "");
  assert.equal(formatValue({ a: 1 }, "json"), '{\n  "a": 1\n}');
  assert.equal(formatValue(false, "bool"), "false");
});

test("without a document, nothing is attached", () => {
  assert.deepEqual(autoAttach(undefined), []);
});

test("a field the page made read-only stays locked: data-readonly on its wrapper, or a locked input", () => {
  const wrapper = (attributes) => ({ hasAttribute: (name) => attributes.includes(name) });
  assert.equal(pageLocked(wrapper(["data-readonly"]), { type: "checkbox", readOnly: false, disabled: false }), true);
  assert.equal(pageLocked(wrapper([]), { type: "checkbox", readOnly: false, disabled: true }), true);
  assert.equal(pageLocked(wrapper([]), { type: "text", readOnly: true, disabled: false }), true);
  assert.equal(pageLocked(wrapper([]), { type: "text", readOnly: false, disabled: false }), false);
  assert.equal(pageLocked(wrapper(["data-readonly"]), null), true);
  assert.equal(pageLocked(wrapper([]), null), false);
});

test("locking an input: checkboxes and selects are disabled, the rest read-only, aria-readonly alike", () => {
  const locked = (property) => ({ property, value: true, ariaReadonly: "true" });
  const unlocked = (property) => ({ property, value: false, ariaReadonly: "false" });
  assert.deepEqual(inputLock({ type: "checkbox" }, false), locked("disabled"));
  assert.deepEqual(inputLock({ type: "checkbox" }, true), unlocked("disabled"));
  assert.deepEqual(inputLock({ tagName: "SELECT" }, false), locked("disabled"));
  assert.deepEqual(inputLock({ type: "text", tagName: "INPUT" }, true), unlocked("readOnly"));
  assert.deepEqual(inputLock({ tagName: "TEXTAREA" }, false), locked("readOnly"));
});
